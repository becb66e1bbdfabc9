// The digest (serve/digest.h) delivered to the webhooks of till.toml's [alerts]: once, for
// `till report --since --to-webhook`, or on a schedule from `till serve`.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "cli/digest_schedule.h"

namespace till {

struct Snapshot;

// POSTs `digest` to each webhook, three tries each (1 s then 2 s apart, so a receiver restarting
// does not lose it); returns how many webhooks it could not reach.
int DeliverDigest(const nlohmann::ordered_json& digest, const std::vector<std::string>& webhooks);

// Posts the digest of the snapshot that `current` returns at each time of `schedule`, from a
// thread of its own, until destroyed. A snapshot that is not there yet, or a webhook that cannot
// be reached, is logged and waits for the next time.
class DigestPoster {
 public:
  DigestPoster(DigestSchedule schedule, std::vector<std::string> webhooks,
               std::function<std::shared_ptr<const Snapshot>()> current);
  ~DigestPoster();
  DigestPoster(const DigestPoster&) = delete;
  DigestPoster& operator=(const DigestPoster&) = delete;

 private:
  void Run();

  const DigestSchedule schedule_;
  const std::vector<std::string> webhooks_;
  const std::function<std::shared_ptr<const Snapshot>()> current_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace till
