#include "pipeline/watch.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <thread>

#include "base/byte_source.h"
#include "base/log.h"
#include "base/sha256.h"
#include "pipeline/ledger.h"

namespace till {
namespace {

using SteadyClock = std::chrono::steady_clock;

// Doubling waits with jitter, per thing being retried.
class Backoff {
 public:
  Backoff(std::chrono::milliseconds first, std::chrono::milliseconds last)
      : first_(first), last_(last) {}

  // Called after a failure: when to try again.
  SteadyClock::time_point Next() {
    auto wait = std::min<int64_t>(last_.count(), first_.count() << std::min(failures_, 20));
    ++failures_;
    std::uniform_int_distribution<int64_t> jitter(wait / 2, wait);
    return SteadyClock::now() + std::chrono::milliseconds(jitter(random_));
  }
  void Reset() { failures_ = 0; }

 private:
  std::chrono::milliseconds first_;
  std::chrono::milliseconds last_;
  int failures_ = 0;
  std::mt19937_64 random_{std::random_device{}()};
};

class Watcher {
 public:
  Watcher(Warehouse& warehouse, LandingZone& zone, const WatchOptions& options)
      : warehouse_(warehouse),
        zone_(zone),
        options_(options),
        zone_backoff_(options.first_backoff, options.last_backoff) {}

  Status Run() {
    TILL_RETURN_IF_ERROR(warehouse_.Migrate());
    TILL_RETURN_IF_ERROR(warehouse_.LockWatcher(zone_.uri()));
    if (options_.events) {
      if (options_.once) {
        return MakeError(ErrorCode::kInvalidArgument, "a watch with events does not stop once");
      }
      return RunWithEvents();
    }
    // With `once`, when the failures in a row began: they are retried until once_give_up.
    // (A plain time and a flag: GCC 12 takes an optional time here for maybe uninitialized.)
    bool failing = false;
    SteadyClock::time_point failing_since{};
    while (!options_.stopping()) {
      auto rescan = options_.rescan.count() > 0 ? options_.rescan : zone_.default_rescan();
      auto next_scan = SteadyClock::now() + rescan;
      auto worked = Scan();
      auto wake = SteadyClock::time_point::max();
      if (!worked) {
        if (options_.once) {
          if (!failing) failing_since = SteadyClock::now();
          failing = true;
          auto give_up_at = failing_since + options_.once_give_up;
          if (SteadyClock::now() >= give_up_at) {
            auto seconds = std::chrono::duration<double>(options_.once_give_up).count();
            return MakeError(worked.error().code(),
                             fmt::format("gave up after {:g} s of failures in a row: {}", seconds,
                                         worked.error().message()));
          }
          wake = give_up_at;
        }
        Retry(worked.error().message());
        next_scan = zone_retry_at_;
      } else {
        failing = false;
        zone_backoff_.Reset();
        if (options_.once && !*worked && !Pending()) break;
      }
      WaitUntil(std::min({next_scan, EarliestRetry(), wake}));
    }
    return {};
  }

 private:
  // One pass over the zone: loads every settled key whose content the ledger does not hold.
  // True when it handled a file.
  Result<bool> Scan() {
    auto objects = zone_.List();
    TILL_RETURN_IF_ERROR(objects);
    auto ledger = warehouse_.LandingEntries(zone_.uri());
    TILL_RETURN_IF_ERROR(ledger);
    Ledger by_key = LedgerByKey(std::move(*ledger));

    std::vector<const LandingObject*> due;
    waiting_ = 0;
    int64_t backlog = 0;  // keys whose content the ledger does not hold
    for (const LandingObject& object : *objects) {
      if (IsCurrent(by_key, object)) {
        retry_at_.erase(object.key);
        continue;
      }
      ++backlog;
      if (!object.settled) {
        ++waiting_;
        continue;
      }
      auto retry = retry_at_.find(object.key);
      if (retry != retry_at_.end() && retry->second.at > SteadyClock::now()) continue;
      due.push_back(&object);
    }
    if (options_.on_backlog) options_.on_backlog(backlog);
    // A key gone from the zone has nothing left to retry.
    std::set<std::string_view> listed;
    for (const LandingObject& object : *objects) listed.insert(object.key);
    std::erase_if(retry_at_, [&](const auto& entry) { return !listed.count(entry.first); });
    // Files gone from the zone are forgotten after the new ones are loaded: a file renamed
    // within the zone is then held by its new key before its old one lets go of it.
    if (due.empty()) {
      TILL_RETURN_IF_ERROR(ForgetDeleted(*objects, by_key));
      return false;
    }
    auto handled = LoadDue(due, by_key, nullptr);
    TILL_RETURN_IF_ERROR(handled);
    TILL_RETURN_IF_ERROR(ForgetDeleted(*objects, by_key));
    return *handled;
  }

  // Loads each of `due` that no other watcher holds, in one run. Adds to `loaded` (when given)
  // the keys whose load committed. True when it handled a file.
  Result<bool> LoadDue(const std::vector<const LandingObject*>& due, Ledger& by_key,
                       std::set<std::string>* loaded) {
    auto run_start = SteadyClock::now();
    // The run starts with the first file this watcher handles: keys other watchers claimed
    // leave no empty runs behind.
    std::optional<int64_t> run;
    int failed = 0;
    int handled = 0;
    for (const LandingObject* object : due) {
      if (options_.stopping()) break;
      // Several watchers share a zone on PostgreSQL: a key another one holds is its work.
      auto claimed = warehouse_.ClaimLandingKey(zone_.uri(), object->key);
      TILL_RETURN_IF_ERROR(claimed);
      if (!*claimed) continue;
      auto fresh = FreshEntry(object->key, by_key);
      if (!fresh) {
        (void)warehouse_.ReleaseLandingKey(zone_.uri(), object->key);
        return Unexpected<Error>(fresh.error());
      }
      if (*fresh && IsCurrent(**fresh, *object)) {
        // Another watcher brought it while this one was listing.
        TILL_RETURN_IF_ERROR(warehouse_.ReleaseLandingKey(zone_.uri(), object->key));
        continue;
      }
      if (!run) {
        auto started = warehouse_.StartRun("watch");
        if (!started) {
          (void)warehouse_.ReleaseLandingKey(zone_.uri(), object->key);
          return Unexpected<Error>(started.error());
        }
        run = *started;
        Log(LogLevel::kInfo, "run started",
            {{"run_id", *run}, {"trigger", "watch"}, {"zone", zone_.uri()}});
      }
      ++handled;
      FileOutcome outcome = Handle(*run, *object, *fresh, by_key);
      TILL_RETURN_IF_ERROR(warehouse_.ReleaseLandingKey(zone_.uri(), object->key));
      if (outcome.status == FileStatus::kFailed) ++failed;
      if (IsTransientFailure(outcome)) {
        auto& retry =
            retry_at_.try_emplace(object->key, options_.first_backoff, options_.last_backoff)
                .first->second;
        retry.at = retry.backoff.Next();
      } else {
        retry_at_.erase(object->key);
      }
      if (loaded && outcome.status == FileStatus::kLoaded) loaded->insert(object->key);
      if (options_.on_file) options_.on_file(object->key, outcome);
    }
    if (!run) return false;
    std::string error = failed ? fmt::format("{} of {} files failed", failed, handled) : "";
    TILL_RETURN_IF_ERROR(warehouse_.FinishRun(*run, failed == 0, error));
    Log(failed ? LogLevel::kWarn : LogLevel::kInfo, "run finished",
        {{"run_id", *run}, {"zone", zone_.uri()}, {"files", handled}, {"failed", failed}});
    if (options_.on_run) {
      options_.on_run(std::chrono::duration<double>(SteadyClock::now() - run_start).count(),
                      failed == 0);
    }
    return true;
  }

  // The watch driven by events: a full listing at the start and every `rescan` after, and in
  // between, the queue's messages as they come.
  Status RunWithEvents() {
    const auto rescan = options_.rescan.count() > 0 ? options_.rescan : kEventSafetyRescan;
    auto next_full = SteadyClock::now();
    while (!options_.stopping()) {
      auto now = SteadyClock::now();
      Result<bool> worked = false;
      if (now < zone_retry_at_) {
        WaitUntil(std::min(zone_retry_at_, next_full));
        continue;
      }
      if (now >= next_full || EarliestRetry() <= now) {
        if (now >= next_full) next_full = now + rescan;
        worked = Scan();
      } else {
        worked = ReadEvents();
      }
      if (!worked) {
        Retry(worked.error().message());
      } else {
        zone_backoff_.Reset();
      }
    }
    return {};
  }

  // Receives one batch of messages (waiting up to kEventWait for the first) and handles it.
  // A message is deleted when it tells of nothing the zone holds (a test event, another
  // prefix, a file that is not raw), when it cannot be read (logged; it never becomes
  // readable, and left in the queue it would come back for ever), or once each key it names is
  // gone from the zone or held by the ledger as the zone holds it now. Any other stays in the
  // queue, which hands it out again after its visibility timeout: a load that failed for a
  // while, or a watcher stopped between the commit and the deletion, costs a second look, never
  // a lost or doubled file.
  Result<bool> ReadEvents() {
    constexpr auto kEventWait = std::chrono::seconds(1);
    auto messages = options_.events->Receive(kEventWait);
    TILL_RETURN_IF_ERROR(messages);
    std::vector<const EventMessage*> relevant;
    std::set<std::string> keys;
    bool removed = false;
    for (const EventMessage& message : *messages) {
      std::string ignored = message.malformed;
      if (ignored.empty()) {
        bool any = false;
        for (const ZoneEvent& event : message.events) {
          if (event.kind == ZoneEventKind::kIgnored) {
            if (ignored.empty()) ignored = event.reason;
            continue;
          }
          any = true;
          keys.insert(event.key);
          if (event.kind == ZoneEventKind::kRemoved) removed = true;
        }
        if (any) ignored.clear();
      }
      if (options_.on_message) options_.on_message(message, ignored);
      if (ignored.empty()) {
        relevant.push_back(&message);
        continue;
      }
      Log(message.malformed.empty() ? LogLevel::kInfo : LogLevel::kWarn,
          message.malformed.empty() ? "event ignored" : "event message unreadable; deleted",
          {{"queue", options_.events->name()}, {"message_id", message.id}, {"reason", ignored}});
      TILL_RETURN_IF_ERROR(options_.events->Done(message));
    }
    if (relevant.empty()) return false;

    std::map<std::string, std::optional<LandingObject>> found;
    bool worked = false;
    std::set<std::string> loaded;
    if (removed) {
      // A removal goes through the full listing, with its guard against a zone that lists
      // empty; the keys are looked up after it.
      auto scanned = Scan();
      TILL_RETURN_IF_ERROR(scanned);
      worked = *scanned;
    }
    for (const std::string& key : keys) {
      auto object = zone_.Find(key);
      TILL_RETURN_IF_ERROR(object);
      found[key] = std::move(*object);
    }
    auto ledger = warehouse_.LandingEntries(zone_.uri());
    TILL_RETURN_IF_ERROR(ledger);
    Ledger by_key = LedgerByKey(std::move(*ledger));
    if (!removed) {
      std::vector<const LandingObject*> due;
      for (const auto& [key, object] : found) {
        if (!object || IsCurrent(by_key, *object) || !object->settled) continue;
        auto retry = retry_at_.find(key);
        if (retry != retry_at_.end() && retry->second.at > SteadyClock::now()) continue;
        due.push_back(&*object);
      }
      if (!due.empty()) {
        auto handled = LoadDue(due, by_key, &loaded);
        TILL_RETURN_IF_ERROR(handled);
        worked = *handled;
        auto after = warehouse_.LandingEntries(zone_.uri());
        TILL_RETURN_IF_ERROR(after);
        by_key = LedgerByKey(std::move(*after));
      }
    }
    const double now =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    std::set<std::string> lag_told;
    for (const EventMessage* message : relevant) {
      bool done = true;
      for (const ZoneEvent& event : message->events) {
        if (event.kind == ZoneEventKind::kIgnored) continue;
        const auto& object = found[event.key];
        if (object && !IsCurrent(by_key, *object)) done = false;
        if (loaded.count(event.key) && event.time && options_.on_event_lag &&
            lag_told.insert(event.key).second) {
          options_.on_event_lag(std::max(0.0, now - *event.time));
        }
      }
      if (!done) continue;
      TILL_RETURN_IF_ERROR(options_.events->Done(*message));
    }
    return worked;
  }

  // Forgets the keys the ledger holds that the zone no longer has, unloading the rows only
  // they held.
  Status ForgetDeleted(const std::vector<LandingObject>& objects, Ledger& by_key) {
    if (!options_.unload_deleted || by_key.empty()) return {};
    if (objects.empty()) {
      if (!warned_empty_) {
        Log(LogLevel::kWarn, "the zone lists no file but the ledger holds some; nothing unloaded",
            {{"zone", zone_.uri()}, {"keys", by_key.size()}});
      }
      warned_empty_ = true;
      return {};
    }
    warned_empty_ = false;
    if (KeysGoneFrom(by_key, objects).empty()) return {};
    // The listing may be older than entries other watchers wrote since: read the ledger, then
    // list again, so that every key in that ledger whose file exists is in the listing.
    auto ledger = warehouse_.LandingEntries(zone_.uri());
    TILL_RETURN_IF_ERROR(ledger);
    by_key = LedgerByKey(std::move(*ledger));
    auto relisted = zone_.List();
    TILL_RETURN_IF_ERROR(relisted);
    if (relisted->empty()) return {};
    for (const std::string& key : KeysGoneFrom(by_key, *relisted)) {
      auto claimed = warehouse_.ClaimLandingKey(zone_.uri(), key);
      TILL_RETURN_IF_ERROR(claimed);
      if (!*claimed) continue;
      auto fresh = FreshEntry(key, by_key);
      Status forgotten = fresh ? Status{} : Status(Unexpected<Error>(fresh.error()));
      if (forgotten && *fresh) {
        std::optional<int64_t> unload = (*fresh)->file_id;
        if (HeldByAnotherKey(by_key, key, unload)) unload.reset();
        forgotten = warehouse_.ForgetLandingKey(zone_.uri(), key, unload);
        if (forgotten) {
          by_key.erase(key);
          Log(LogLevel::kInfo, "file removed", {{"zone", zone_.uri()}, {"key", key}});
          if (options_.on_removed) options_.on_removed(key);
        }
      }
      Status released = warehouse_.ReleaseLandingKey(zone_.uri(), key);
      TILL_RETURN_IF_ERROR(forgotten);
      TILL_RETURN_IF_ERROR(released);
    }
    return {};
  }

  // The key's ledger entry as it stands now that this watcher holds the key, refreshed in
  // `by_key`: another watcher may have changed it since the listing.
  Result<const LandingEntry*> FreshEntry(const std::string& key, Ledger& by_key) {
    auto ledger = warehouse_.LandingEntries(zone_.uri());
    TILL_RETURN_IF_ERROR(ledger);
    by_key = LedgerByKey(std::move(*ledger));
    auto found = by_key.find(key);
    return found == by_key.end() ? nullptr : &found->second;
  }

  // Brings one key's current content into the warehouse.
  FileOutcome Handle(int64_t run_id, const LandingObject& object, const LandingEntry* previous,
                     const Ledger& by_key) {
    const std::string uri = zone_.uri() + object.key;
    auto copy = zone_.Fetch(object);
    if (!copy) {
      FileOutcome outcome;
      outcome.uri = uri;
      outcome.status = FileStatus::kFailed;
      outcome.transient = true;
      outcome.error = copy.error().message();
      return outcome;
    }
    LandingTarget target;
    target.entry.zone = zone_.uri();
    target.entry.key = object.key;
    target.entry.version = object.version;
    target.entry.size_bytes = object.size;
    if (previous && !previous->sha256.empty()) {
      // Touched, or copied over with the same bytes: only the ledger's version changes.
      int64_t size = 0;
      auto source = OpenFileSource(copy->path());
      auto sha = source ? Sha256Of(**source, &size) : Result<std::string>(std::string());
      if (sha && *sha == previous->sha256) {
        LandingEntry entry = *previous;
        entry.version = object.version;
        entry.size_bytes = object.size;
        FileOutcome outcome;
        outcome.uri = uri;
        outcome.sha256 = *sha;
        outcome.size_bytes = size;
        outcome.status = FileStatus::kSkipped;
        outcome.file_id = previous->file_id.value_or(0);
        outcome.error = "content unchanged";
        if (Status recorded = warehouse_.RecordLandingEntry(entry, std::nullopt); !recorded) {
          outcome.status = FileStatus::kFailed;
          outcome.transient = true;
          outcome.error = recorded.error().message();
        }
        return outcome;
      }
    }
    // The content the key held before leaves with it, unless another key holds it too.
    if (previous && previous->file_id) {
      target.held = previous->file_id;
      target.unload = !HeldByAnotherKey(by_key, object.key, previous->file_id);
    }
    return IngestFile(warehouse_, run_id, copy->path(), options_.ingest, &target, uri);
  }

  void Retry(const std::string& message) {
    zone_retry_at_ = zone_backoff_.Next();
    Log(LogLevel::kWarn, "will retry", {{"zone", zone_.uri()}, {"error", message}});
    if (options_.on_retry) options_.on_retry(message);
  }

  bool Pending() const { return waiting_ > 0 || !retry_at_.empty(); }

  SteadyClock::time_point EarliestRetry() const {
    auto earliest = SteadyClock::time_point::max();
    for (const auto& [key, retry] : retry_at_) earliest = std::min(earliest, retry.at);
    return earliest;
  }

  // Waits for news from the zone, the deadline, or a stop, in steps short enough to notice a
  // stop promptly.
  void WaitUntil(SteadyClock::time_point deadline) {
    constexpr auto kStep = std::chrono::milliseconds(200);
    while (!options_.stopping()) {
      auto now = SteadyClock::now();
      if (now >= deadline) return;
      auto step = std::min<SteadyClock::duration>(kStep, deadline - now);
      if (zone_.Wait(std::chrono::duration_cast<std::chrono::milliseconds>(step) +
                     std::chrono::milliseconds(1))) {
        return;
      }
    }
  }

  struct PendingRetry {
    PendingRetry(std::chrono::milliseconds first, std::chrono::milliseconds last)
        : backoff(first, last) {}
    Backoff backoff;
    SteadyClock::time_point at;
  };

  Warehouse& warehouse_;
  LandingZone& zone_;
  const WatchOptions& options_;
  Backoff zone_backoff_;
  SteadyClock::time_point zone_retry_at_;
  std::map<std::string, PendingRetry> retry_at_;  // keys that failed transiently
  int64_t waiting_ = 0;                           // keys still being written at the last scan
  bool warned_empty_ = false;                     // said once that an empty listing unloads nothing
};

}  // namespace

Status Watch(Warehouse& warehouse, LandingZone& zone, const WatchOptions& options) {
  return Watcher(warehouse, zone, options).Run();
}

}  // namespace till
