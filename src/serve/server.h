// `till serve`: the dashboard and its JSON API over HTTP, read-only against the warehouse.
//
// The warehouse is read into a Snapshot before the server listens and again whenever it changes
// (a commit noticed at once, and a check every `refresh_seconds`); requests are answered from the
// snapshot in memory, with each distinct answer cached until the next change, and clients of
// /api/v1/events are told of each new snapshot as it is published (server-sent events). Once the
// data read has been quiet for a second, the dashboard's default Customers question is segmented
// on a worker in the background (customer_analytics.h).
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "base/result.h"

namespace till {

struct Snapshot;

struct ServeOptions {
  std::string warehouse;  // as OpenWarehouse takes it
  std::string address = "127.0.0.1";
  int port = 8080;                    // 0: any free port
  std::string token;                  // when set, required from clients beyond loopback
  bool loopback_needs_token = false;  // required from loopback clients too
  // The warehouse is read again at once when a commit is noticed (within about 100 ms:
  // Warehouse::WaitForCommit), and at least every this many seconds whatever is noticed.
  double refresh_seconds = 2;
  bool watch_commits = true;  // off: the check every refresh_seconds only (for measuring)
  // Clients of /api/v1/events (server-sent events) open at once; one more is answered 503.
  int max_event_streams = 256;
  // An event stream with nothing to say sends a comment this often, so that proxies keep it.
  double event_heartbeat_seconds = 15;
  bool cache = true;  // off: every request is computed (for measuring)
  // Threads computing answers that are not in the cache (0: one a core): the memory that
  // questions in flight take is bounded by this many answers. Connections are not bounded by
  // it: any number are read and answered on one I/O thread. With two or more, one of them
  // segments the dashboard's default Customers question after each read of the warehouse.
  int threads = 0;
  // Bytes of answers (64 KiB or more each) that may wait, written but not yet taken, for the
  // clients that asked them; beyond, a new large answer is refused with 503 and Retry-After.
  size_t held_answer_bytes = 64 << 20;
  std::string version;
  // The sales cube is kept in this file between starts (cube_file.h); empty: DefaultCubeFile.
  std::string cube_file;
  bool keep_cube = false;  // off: every start reads the sales from the warehouse
};

class DashboardServer {
 public:
  explicit DashboardServer(ServeOptions options);
  ~DashboardServer();

  // Reads the warehouse and starts listening; fails when either cannot be done.
  Status Start();
  // The port listened on (after Start).
  int port() const;
  // The data answers come from now (null before Start).
  std::shared_ptr<const Snapshot> snapshot() const;
  // Serves until Stop() is called from another thread or a signal handler's thread.
  void Wait();
  void Stop();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace till
