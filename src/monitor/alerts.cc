#include "monitor/alerts.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <condition_variable>
#include <cstdio>
#include <deque>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

namespace till {
namespace {

using SteadyClock = std::chrono::steady_clock;

// How long a process that ends keeps trying to deliver its last alerts.
constexpr auto kShutdownGrace = std::chrono::seconds(10);

size_t Discard(char*, size_t size, size_t count, void*) { return size * count; }

// Runs `command` with `body` on its standard input; true when it exits 0.
bool RunCommand(const std::string& command, const std::string& body) {
  std::FILE* pipe = ::popen(command.c_str(), "w");
  if (!pipe) return false;
  std::fwrite(body.data(), 1, body.size(), pipe);
  int status = ::pclose(pipe);
  return status == 0;
}

}  // namespace

bool PostJson(const std::string& url, const std::string& body) {
  CURL* curl = curl_easy_init();
  if (!curl) return false;
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Discard);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  CURLcode code = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return code == CURLE_OK && status >= 200 && status < 300;
}

Result<int> ProbeWebhook(const std::string& url, long timeout_seconds) {
  CURL* curl = curl_easy_init();
  if (!curl) return MakeError(ErrorCode::kInternal, "curl_easy_init failed");
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  char reason[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, "{}");
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Discard);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, reason);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, timeout_seconds);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  CURLcode code = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  if (code != CURLE_OK) {
    return MakeError(ErrorCode::kIoError,
                     *reason ? std::string(reason) : std::string(curl_easy_strerror(code)));
  }
  return static_cast<int>(status);
}

struct WatchAlert {
  std::string body;
  std::string target;  // a webhook URL, or "" for the command
  int attempts = 0;
  SteadyClock::time_point due;
};

struct Alerter::State {
  AlertConfig config;
  std::string zone;
  // Open incidents by key ("run_failed", "reject_ratio", "stale", "watcher_failing").
  std::map<std::string, std::string> open;
  int failures_in_a_row = 0;
  std::string last_failure;  // the file that failed last, and why
  SteadyClock::time_point last_success = SteadyClock::now();

  std::mutex mutex;
  std::condition_variable wake;
  std::deque<WatchAlert> queue;
  bool stopping = false;
  SteadyClock::time_point give_up_at;  // once stopping: the last moment to deliver
  int64_t undelivered = 0;
  std::thread sender;

  // Queues one message for every destination.
  void Send(const std::string& kind, bool firing, const std::string& text) {
    nlohmann::json message = {
        {"text", fmt::format("[till] {} {}: {}", firing ? "ALERT" : "RESOLVED", zone, text)},
        {"kind", kind},
        {"status", firing ? "firing" : "resolved"},
        {"zone", zone},
        {"detail", text}};
    std::string body = message.dump() + "\n";
    std::lock_guard lock(mutex);
    for (const std::string& url : config.webhooks) {
      queue.push_back(WatchAlert{body, url, 0, SteadyClock::now()});
    }
    if (!config.command.empty()) queue.push_back(WatchAlert{body, "", 0, SteadyClock::now()});
    wake.notify_one();
  }

  // Raises `kind` unless it is open already.
  void Raise(const std::string& kind, const std::string& text) {
    if (open.count(kind)) return;
    open[kind] = text;
    Send(kind, true, text);
  }

  // Resolves `kind` if it is open.
  void Resolve(const std::string& kind, const std::string& text) {
    if (!open.erase(kind)) return;
    Send(kind, false, text);
  }

  void Deliver() {
    std::unique_lock lock(mutex);
    for (;;) {
      if (queue.empty()) {
        if (stopping) return;
        wake.wait(lock);
        continue;
      }
      if (stopping && SteadyClock::now() >= give_up_at) {
        // The process is ending: what could not be delivered by now is given up.
        undelivered += static_cast<int64_t>(queue.size());
        queue.clear();
        return;
      }
      auto next = std::min_element(queue.begin(), queue.end(),
                                   [](const auto& a, const auto& b) { return a.due < b.due; });
      if (next->due > SteadyClock::now()) {
        wake.wait_until(lock, stopping ? std::min(next->due, give_up_at) : next->due);
        continue;
      }
      WatchAlert alert = *next;
      queue.erase(next);
      lock.unlock();
      bool sent = alert.target.empty() ? RunCommand(config.command, alert.body)
                                       : PostJson(alert.target, alert.body);
      lock.lock();
      if (sent) continue;
      if (++alert.attempts >= config.delivery_attempts) {
        ++undelivered;
        continue;
      }
      alert.due = SteadyClock::now() + std::chrono::seconds(1 << (alert.attempts - 1));
      queue.push_back(std::move(alert));
    }
  }
};

Alerter::Alerter(AlertConfig config, std::string zone) : state_(std::make_unique<State>()) {
  state_->config = std::move(config);
  state_->zone = std::move(zone);
  state_->sender = std::thread([state = state_.get()] { state->Deliver(); });
}

Alerter::~Alerter() {
  {
    std::lock_guard lock(state_->mutex);
    state_->stopping = true;
    state_->give_up_at = SteadyClock::now() + kShutdownGrace;
  }
  state_->wake.notify_one();
  state_->sender.join();
}

void Alerter::OnFile(const FileOutcome& file) {
  State& s = *state_;
  if (file.status == FileStatus::kFailed && !file.transient) {
    s.last_failure = fmt::format("{} failed: {}", file.uri, file.error);
  }
  if (file.status == FileStatus::kLoaded) {
    s.last_success = SteadyClock::now();
    s.Resolve("stale", "files load again");
    if (s.config.reject_ratio > 0 && file.rows_read > 0) {
      double ratio = static_cast<double>(file.rows_rejected) / static_cast<double>(file.rows_read);
      if (ratio > s.config.reject_ratio) {
        s.Raise("reject_ratio",
                fmt::format("{} rejected {} of {} rows ({:.1f}%, over the alert threshold of "
                            "{:.1f}%)",
                            file.uri, file.rows_rejected, file.rows_read, ratio * 100,
                            s.config.reject_ratio * 100));
      } else {
        s.Resolve("reject_ratio", fmt::format("{} loaded within the reject threshold", file.uri));
      }
    }
  }
}

void Alerter::OnForecastAnomaly(bool firing, const std::string& text) {
  State& s = *state_;
  if (firing) {
    s.open["forecast_anomaly"] = text;
  } else {
    s.open.erase("forecast_anomaly");
  }
  s.Send("forecast_anomaly", firing, text);
}

void Alerter::OnRun(bool succeeded) {
  State& s = *state_;
  if (succeeded) {
    s.Resolve("run_failed", "a run succeeded again");
    return;
  }
  s.Raise("run_failed", s.last_failure.empty() ? std::string("a run failed (see till runs)")
                                               : fmt::format("a run failed: {}", s.last_failure));
}

void Alerter::OnRetry(const std::string& message) {
  State& s = *state_;
  if (++s.failures_in_a_row >= s.config.failures_in_a_row) {
    s.Raise("watcher_failing",
            fmt::format("{} failures in a row; the last: {}", s.failures_in_a_row, message));
  }
}

void Alerter::OnListed() {
  State& s = *state_;
  if (s.open.count("watcher_failing") && s.failures_in_a_row > 0) {
    s.failures_in_a_row = 0;
    s.Resolve("watcher_failing", "the watcher reaches its zone and warehouse again");
  }
  s.failures_in_a_row = 0;
  Tick();
}

void Alerter::OnAtRiskCustomers(std::optional<int64_t> before, int64_t after) {
  State& s = *state_;
  if (s.config.at_risk_growth <= 0 || !before) return;
  const double limit = static_cast<double>(*before) * (1 + s.config.at_risk_growth);
  if (static_cast<double>(after) > limit) {
    s.Raise("at_risk_growth",
            fmt::format("customers at risk with a 12-month value of {:.2f} or more grew from {} to "
                        "{} (over the alert threshold of {:.1f}%)",
                        s.config.at_risk_min_clv, *before, after, s.config.at_risk_growth * 100));
  } else {
    s.Resolve("at_risk_growth",
              fmt::format("customers at risk with a 12-month value of {:.2f} or more: {} (were {})",
                          s.config.at_risk_min_clv, after, *before));
  }
}

void Alerter::Tick() {
  State& s = *state_;
  if (s.config.freshness.count() == 0) return;
  auto quiet = SteadyClock::now() - s.last_success;
  if (quiet > s.config.freshness) {
    s.Raise("stale", fmt::format("no file loaded for {} s (freshness window {} s)",
                                 std::chrono::duration_cast<std::chrono::seconds>(quiet).count(),
                                 s.config.freshness.count()));
  }
}

int64_t Alerter::undelivered() const {
  std::lock_guard lock(state_->mutex);
  return state_->undelivered;
}

}  // namespace till
