// Where settings come from, strongest first: command-line flags, the environment
// (TILL_WAREHOUSE), till.toml in the working folder (or the file TILL_CONFIG names), defaults.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "cli/digest_schedule.h"
#include "monitor/alerts.h"

namespace till {

// [segments]: the customer analytics stored in the warehouse's customer_segment.
struct SegmentsConfig {
  bool refresh_after_load = true;  // after each successful load (till ingest, till watch)
};

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
  // PostgreSQL: a file of at least this many MiB loads its facts into a partition of its own;
  // smaller files share a table (WarehouseOptions::file_partition_bytes, whose default this is).
  int64_t file_partition_mib = 16;
  std::string currency;     // the symbol the dashboard shows money with; empty: none
  AlertConfig alerts;       // [alerts]
  SegmentsConfig segments;  // [segments]
  // [serve]: ask every client for the token, loopback ones included (behind a reverse proxy on
  // the same machine every request comes from loopback).
  bool serve_token_on_loopback = false;
  // [serve]: each load brings the cube file `till serve` starts from up to date
  // (cube_after_load.h).
  bool serve_cube_after_load = true;
  DigestSchedule digest;      // [digest]: when `till serve` posts the digest to [alerts] webhooks
  ForecastSettings forecast;  // [forecast]
};

// Reads till.toml and the environment over the defaults. till.toml may hold:
//
//   warehouse = "till.db"
//   max_reject_ratio = 0.05
//   file_partition_mib = 16    # PostgreSQL: files this large get a partition of their own
//   currency = "€"             # the dashboard's money symbol (the raw files name none)
//   [alerts]
//   webhooks = ["https://hooks.slack.com/services/…"]
//   command = "mail -s till ops@example.com"
//   reject_ratio = 0.02        # a file rejecting more than this share of rows
//   freshness_minutes = 60     # no successful load for this long
//   failures_in_a_row = 3      # the watcher cannot reach its zone or warehouse
//   at_risk_growth = 0.2       # customers at risk growing by more than this share per load
//   at_risk_min_clv = 500      # … counting those with a 12-month value of at least this
//   [segments]
//   refresh_after_load = false # keep customer_segment as `till segments --save` left it
//   [serve]
//   token_on_loopback = true   # ask loopback clients for the token too
//   cube_after_load = false    # loads leave the cube file alone (till serve reads the sales)
//   [digest]
//   every = "1d"               # till serve posts the digest this often (30s … 1w; off if absent)
//   at = "08:00"               # at this time of day, UTC, for schedules of whole days
//   since = "1d"               # the days it covers (default: the schedule's length)
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
