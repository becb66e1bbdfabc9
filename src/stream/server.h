// `till stream`: sales posted over HTTP, loaded exactly once by the rules of a file.
//
// POST /v1/transactions takes NDJSON (application/x-ndjson or application/json) or CSV with a
// header line (text/csv); GET /metrics and GET /healthz answer too. A request's answer comes
// once its rows are committed (200), or at once with ?wait=false (202; a crash before the
// commit loses it). Refusals: 400 (a body that cannot be read), 401 (a client beyond loopback
// without the token), 413 (past `max_body_bytes`), 415 (another Content-Type), 422 (an
// Idempotency-Key reused with another body), 429 with Retry-After (the queue is full), 503
// with Retry-After (the warehouse is unreachable). See docs/stream.md.
//
// Every connection is served on an event loop (Boost.Beast over Asio), and a request must
// arrive whole within `request_seconds` of the connection being ready for it: a client that
// sends a byte a second is closed, never waited for, and stalls no one.
#pragma once

#include <memory>
#include <string>

#include "base/result.h"
#include "stream/writer.h"

namespace till {

struct StreamOptions {
  WriterOptions writer;
  std::string address = "127.0.0.1";
  int port = 8090;    // 0: any free port
  std::string token;  // required from clients beyond loopback
  size_t max_body_bytes = 10 << 20;
  double request_seconds = 30;
  std::string version;
};

class StreamServer {
 public:
  explicit StreamServer(StreamOptions options);
  ~StreamServer();

  // Opens the warehouse and starts listening. Fails when either cannot be done, or when the
  // address is beyond loopback and no token is set.
  Status Start();
  int port() const;
  // Serves until Stop() is called from another thread.
  void Wait();
  // Stops listening, answers what is queued once written, and ends the stream's run.
  void Stop();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace till
