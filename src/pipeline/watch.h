// `till watch`: keeps a warehouse equal to what a landing zone holds. Each new or changed key
// loads once, when it is completely written; the ledger that says what each key holds is
// committed with the rows, so a crash at any moment neither loses nor repeats a file.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "landing/landing_zone.h"
#include "landing/zone_events.h"
#include "pipeline/ingest.h"

namespace till {

struct WatchOptions {
  IngestOptions ingest;
  // How often the zone is listed again even without news from it; zero takes the zone's
  // default (2 s for a folder, 5 s for S3).
  std::chrono::milliseconds rescan{0};
  // Transient failures (the warehouse unreachable) are retried after a wait that doubles from
  // the first to the last, with jitter.
  std::chrono::milliseconds first_backoff{500};
  std::chrono::milliseconds last_backoff{60000};
  // Asked between files and while waiting; true ends the watch.
  std::function<bool()> stopping = [] { return false; };
  // Told about every file the watch handled.
  std::function<void(const std::string& key, const FileOutcome& outcome)> on_file;
  // Told after each scan that found work: how long its run took and whether every file of it
  // loaded or was skipped.
  std::function<void(double seconds, bool succeeded)> on_run;
  // Told after each listing: how many files of the zone wait to be loaded (new or changed,
  // settled or still being written).
  std::function<void(int64_t backlog)> on_backlog;
  // Told about a failure of the zone or the warehouse that the watch will retry.
  std::function<void(const std::string& message)> on_retry;
  // A file gone from the zone takes out the rows only it held (the warehouse holds what the zone
  // holds); false keeps them. Never done from a listing that came back empty while the ledger
  // holds keys: that is a zone gone missing (an unmounted folder, a wrong prefix), not every
  // file deleted.
  bool unload_deleted = true;
  // Told about every key gone from the zone and forgotten.
  std::function<void(const std::string& key)> on_removed;
  // When set, the zone's event notifications drive the watch: each message's keys are looked
  // up and loaded as it arrives, and the message is deleted once its keys are in the
  // warehouse (or it told of nothing the zone holds). The zone is still listed in full at the
  // start and then every `rescan` (default kEventSafetyRescan), to catch lost events.
  // Not with `once`.
  ZoneEvents* events = nullptr;
  // Told about every message received: how many events it carried for the zone (0 for one
  // that is ignored or malformed), and for one ignored or malformed, why.
  std::function<void(const EventMessage& message, const std::string& ignored_because)> on_message;
  // Told when a key an event told of has loaded: seconds from the event's time to the commit.
  std::function<void(double seconds)> on_event_lag;
  // Stops after the first scan that found nothing to do (for tests and one-shot runs).
  bool once = false;
  // With `once`: how long failures of the zone or the warehouse are retried before the watch
  // gives up and fails with the last one (a missing bucket, an endpoint that is down).
  std::chrono::milliseconds once_give_up = std::chrono::seconds(30);
};

// With events, the full listing that catches what a lost event did not tell of.
inline constexpr std::chrono::milliseconds kEventSafetyRescan = std::chrono::minutes(5);

// Watches `zone` until options.stopping() says so. Fails at once when the watch cannot start
// (another watcher holds a SQLite warehouse, the schema is too new); later failures are
// retried, for ever, or with `once` for options.once_give_up, after which the watch fails with
// the last failure.
Status Watch(Warehouse& warehouse, LandingZone& zone, const WatchOptions& options);

}  // namespace till
