// Where settings come from, strongest first: command-line flags, the environment
// (TILL_WAREHOUSE), till.toml in the working folder (or the file TILL_CONFIG names), defaults.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "monitor/alerts.h"

namespace till {

// [forecast]: the forecasts the warehouse keeps (forecast_sales), refreshed after each load that
// loaded something, and the alerts on days far outside them.
struct ForecastSettings {
  bool refresh = true;
  std::vector<std::string> by = {"total", "category", "country", "country,category"};
  std::vector<std::string> measures = {"revenue"};
  int horizon = 28;
  bool anomaly_alerts = true;  // through [alerts], when it names a destination
};

struct Config {
  std::string warehouse = "till.db";
  double max_reject_ratio = 0.05;
  std::string currency;  // the symbol the dashboard shows money with; empty: none
  AlertConfig alerts;    // [alerts]
  // [serve]: ask every client for the token, loopback ones included (behind a reverse proxy on
  // the same machine every request comes from loopback).
  bool serve_token_on_loopback = false;
  ForecastSettings forecast;  // [forecast]
};

// Reads till.toml and the environment over the defaults. till.toml may hold:
//
//   warehouse = "till.db"
//   max_reject_ratio = 0.05
//   currency = "€"             # the dashboard's money symbol (the raw files name none)
//   [alerts]
//   webhooks = ["https://hooks.slack.com/services/…"]
//   command = "mail -s till ops@example.com"
//   reject_ratio = 0.02        # a file rejecting more than this share of rows
//   freshness_minutes = 60     # no successful load for this long
//   failures_in_a_row = 3      # the watcher cannot reach its zone or warehouse
//   [serve]
//   token_on_loopback = true   # ask loopback clients for the token too
//   [forecast]
//   refresh = true             # forecast again after each load that loaded something
//   by = ["total", "category"] # the groupings kept in forecast_sales
//   measures = ["revenue"]     # revenue, units, orders
//   horizon = 28               # days ahead
//   anomaly_alerts = true      # alert on a day outside its 95% interval
// A malformed till.toml fails with
// kInvalidArgument naming the file, line and key.
Result<Config> LoadConfig();

// Every key till.toml may hold, "key" or "table.key": all that LoadConfig reads (it reads no
// other), and what docs/configuration.md lists (a test holds the two together).
std::span<const std::string_view> ConfigKeys();

// The settings file LoadConfig reads ("" when there is none), and the keys in it that are not
// ConfigKeys() ("table.key (line N)"), which LoadConfig ignores: misspellings, for `till doctor`.
struct ConfigFile {
  std::string path;
  std::vector<std::string> unknown_keys;
};
Result<ConfigFile> InspectConfigFile();

}  // namespace till
