#include "cli/digest_poster.h"

#include "base/log.h"
#include "monitor/alerts.h"
#include "serve/digest.h"

namespace till {

using std::chrono::seconds;
using std::chrono::system_clock;

int DeliverDigest(const nlohmann::ordered_json& digest, const std::vector<std::string>& webhooks) {
  std::string body = digest.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  int failed = 0;
  for (const auto& url : webhooks) {
    bool sent = false;
    for (int attempt = 0; attempt < 3 && !sent; ++attempt) {
      if (attempt) std::this_thread::sleep_for(seconds(attempt));
      sent = PostJson(url, body);
    }
    if (!sent) ++failed;
  }
  return failed;
}

DigestPoster::DigestPoster(DigestSchedule schedule, std::vector<std::string> webhooks,
                           std::function<std::shared_ptr<const Snapshot>()> current)
    : schedule_(schedule),
      webhooks_(std::move(webhooks)),
      current_(std::move(current)),
      thread_([this] { Run(); }) {}

DigestPoster::~DigestPoster() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void DigestPoster::Run() {
  std::unique_lock lock(mutex_);
  auto next = NextDigestAt(schedule_, system_clock::now());
  Log(LogLevel::kInfo, "digest scheduled",
      {{"at_unix", std::chrono::duration_cast<seconds>(next.time_since_epoch()).count()}});
  while (!stop_) {
    if (wake_.wait_until(lock, next, [this] { return stop_; })) return;
    if (system_clock::now() < next) continue;  // the clock was set back: wait on
    next = NextDigestAt(schedule_, system_clock::now());
    lock.unlock();
    auto snapshot = current_();
    if (!snapshot) {
      Log(LogLevel::kWarn, "no data read yet: the digest waits for its next time");
    } else {
      auto digest = Digest(*snapshot, DigestDays(schedule_), system_clock::now());
      int failed = DeliverDigest(digest, webhooks_);
      if (failed) {
        Log(LogLevel::kWarn, "the digest could not be delivered (3 tries)",
            {{"webhooks_failed", failed}});
      } else {
        Log(LogLevel::kInfo, "digest delivered", {{"webhooks", webhooks_.size()}});
      }
    }
    lock.lock();
  }
}

}  // namespace till
