// Alerts for operators: a run failed, a file rejected too many rows, no load for too long, the
// watcher keeps failing. One message when an incident starts and one when it is over, sent to
// webhooks (a JSON POST whose "text" field suits Slack-style incoming webhooks) and/or given to
// a command on its standard input. Delivery runs on a thread of its own and is retried with
// backoff; a failed delivery never touches a load.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "record/run_record.h"

namespace till {

struct AlertConfig {
  std::vector<std::string> webhooks;
  std::string command;  // run with `sh -c`, the alert's JSON on its standard input
  // A loaded file whose rejected rows exceed this share of its rows raises an alert; 0: never.
  double reject_ratio = 0;
  // No successful load for this long raises an alert; 0: never.
  std::chrono::seconds freshness{0};
  // This many failed listings of the zone (or the warehouse) in a row mean the watcher keeps
  // failing.
  int failures_in_a_row = 3;
  // The number of customers at risk (segment/at_risk.h) with a 12-month lifetime value of
  // at_risk_min_clv or more growing by more than this share from one load's segment refresh to
  // the next raises an alert; 0: never.
  double at_risk_growth = 0;
  double at_risk_min_clv = 0;
  // Deliveries are tried this many times, waiting 1 s, 2 s, 4 s … between tries.
  int delivery_attempts = 5;

  bool enabled() const { return !webhooks.empty() || !command.empty(); }
};

// One POST of `body` (JSON) to `url`, waiting 10 s at most; true on a 2xx answer.
bool PostJson(const std::string& url, const std::string& body);

class Alerter {
 public:
  Alerter(AlertConfig config, std::string zone);
  // Delivers what is queued, retrying for 10 s at most, then stops.
  ~Alerter();

  void OnFile(const FileOutcome& file);
  void OnRun(bool succeeded);
  void OnRetry(const std::string& message);
  // Called after each listing of the zone that worked: the watcher works.
  void OnListed();
  // Called after each refresh of the customer segments with the number of at-risk customers
  // above the value threshold before it (none: no earlier segments) and after it: raises the
  // at-risk alert when the number grew by more than at_risk_growth, resolves it otherwise.
  void OnAtRiskCustomers(std::optional<int64_t> before, int64_t after);
  // Called now and then: raises the freshness alert when due.
  void Tick();
  // A forecast anomaly incident opened (`firing`) or closed, as the caller decided from the
  // warehouse's stored forecasts (which keep its history across runs): sent as it is, kind
  // "forecast_anomaly".
  void OnForecastAnomaly(bool firing, const std::string& text);

  // Deliveries that failed every attempt, for tests and logs.
  int64_t undelivered() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Asks webhook `url` whether it answers, without raising an alert: a POST of an empty JSON
// object, which Slack-style receivers refuse (400) without posting anything. Returns the HTTP
// status, or kIoError with the reason when no answer came within `timeout_seconds`.
Result<int> ProbeWebhook(const std::string& url, long timeout_seconds = 10);

}  // namespace till
