// Prometheus metrics of a watcher: what it loaded, how long it took, how far behind it is. Served
// on /metrics in the text exposition format. Labels are few and bounded (outcome, status, step,
// zone): never a file name or anything from the data.
#pragma once

#include <memory>
#include <string>

#include "base/result.h"
#include "record/run_record.h"

namespace till {

class WatchMetrics {
 public:
  // `zone` labels the per-zone series; `version` goes into till_build_info.
  WatchMetrics(std::string zone, std::string version);
  ~WatchMetrics();

  // Serves /metrics on `address` ("127.0.0.1:9464"), in threads of its own, until destroyed.
  Status Serve(const std::string& address);

  void OnFile(const FileOutcome& file);
  void OnRun(double seconds, bool succeeded);
  void OnBacklog(int64_t files);
  void OnRetry();
  // An event message received from the zone's queue, and whether it was ignored (a test
  // event, another prefix, unreadable).
  void OnEventMessage(bool ignored);
  // Seconds from an event's time to the commit of the load it caused.
  void OnEventLag(double seconds);

  // The exposition text, as /metrics answers.
  std::string Text() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace till
