// Prometheus metrics of `till stream`, served on its /metrics: rows received, accepted, rejected
// and duplicate; requests by status; group size and commit latency histograms; queue depth.
// Labels are few and bounded (status code classes), never anything from the data. Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace till {

class StreamMetrics {
 public:
  explicit StreamMetrics(std::string version);
  ~StreamMetrics();

  void OnRequest(unsigned status);
  void OnReceived(int64_t rows);
  void OnGroup(int64_t rows, int64_t accepted, int64_t rejected, int64_t duplicate,
               double commit_seconds);
  void OnAnswered(double seconds);  // from a request's arrival to its answer
  void SetQueue(int64_t requests, int64_t rows);

  // The exposition text, as /metrics answers.
  std::string Text() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace till
