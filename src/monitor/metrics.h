// Prometheus metrics of a watcher: what it loaded, how long it took, how far behind it is. Served
// on /metrics in the text exposition format. Labels are few and bounded (outcome, status, step,
// zone, a stream's shard id): never a file name or anything from the data.
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

  // A batch read from a stream's shard and committed: its records, its rows read, and what
  // became of them.
  void OnStreamBatch(int64_t records, int64_t rows, int64_t accepted, int64_t rejected,
                     int64_t duplicate, double commit_seconds);
  // How far a shard's consumer is behind the newest record of the shard (MillisBehindLatest).
  void OnShardLag(const std::string& shard, int64_t millis);

  // The exposition text, as /metrics answers.
  std::string Text() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace till
