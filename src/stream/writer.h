// The writer of `till stream`: the requests that wait are grouped into one load (one
// transaction, recorded as one etl_file of the stream's run, its source the clients), every
// `group_seconds` or `group_rows` rows, whichever comes first, so that many small requests
// make few commits. Each request still gets its own answer: its accepted, rejected (with line,
// column and reason, in the request's own lines) and duplicate rows, sent once the group is
// committed durably.
//
// A request with an Idempotency-Key is answered once: its answer is stored with its rows, in
// the same transaction, and a retry (now or after a crash) gets that answer and loads nothing.
// Without a key, a row identical to a loaded row is a duplicate, as in a file.
//
// Thread-safe: Submit() from any thread; one thread of its own writes.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "base/result.h"
#include "stream/body.h"
#include "stream/metrics.h"

namespace till {

struct WriterOptions {
  std::string warehouse;  // as OpenWarehouse takes it
  double group_seconds = 0.15;
  int64_t group_rows = 50'000;
  // Rows waiting beyond which a request is refused (429) rather than queued.
  int64_t queue_rows = 500'000;
};

// What the writer answers a request: an HTTP status and a JSON body.
struct WriterAnswer {
  unsigned status = 200;
  std::string body;
};

struct Submission {
  std::string peer;             // the client's address, for the load's source
  std::string idempotency_key;  // empty: none
  std::string body_sha256;
  std::unique_ptr<RequestBody> body;
  // Called once, on the writer's thread, with the request's answer; may be empty (?wait=false).
  std::function<void(WriterAnswer)> answer;
};

class StreamWriter {
 public:
  StreamWriter(WriterOptions options, StreamMetrics& metrics);
  ~StreamWriter();  // Stop()s

  // Opens the warehouse (upgrading its schema) and starts the writing thread.
  Status Start();

  enum class Admission { kQueued, kQueueFull, kWarehouseDown };
  // Queues a request, unless the queue is full or the warehouse is unreachable; then the
  // submission is left as it was.
  Admission Submit(Submission& submission);

  // Writes what is queued, then ends the stream's run and the thread.
  void Stop();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace till
