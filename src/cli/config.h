// Where settings come from, strongest first: command-line flags, the environment
// (TILL_WAREHOUSE), till.toml in the working folder (or the file TILL_CONFIG names), defaults.
#pragma once

#include <optional>
#include <string>

#include "base/result.h"
#include "monitor/alerts.h"

namespace till {

struct Config {
  std::string warehouse = "till.db";
  double max_reject_ratio = 0.05;
  AlertConfig alerts;  // [alerts]
  // [serve]: ask every client for the token, loopback ones included (behind a reverse proxy on
  // the same machine every request comes from loopback).
  bool serve_token_on_loopback = false;
};

// Reads till.toml and the environment over the defaults. till.toml may hold:
//
//   warehouse = "till.db"
//   max_reject_ratio = 0.05
//   [alerts]
//   webhooks = ["https://hooks.slack.com/services/…"]
//   command = "mail -s till ops@example.com"
//   reject_ratio = 0.02        # a file rejecting more than this share of rows
//   freshness_minutes = 60     # no successful load for this long
//   failures_in_a_row = 3      # the watcher cannot reach its zone or warehouse
//   [serve]
//   token_on_loopback = true   # ask loopback clients for the token too
// A malformed till.toml fails with
// kInvalidArgument naming the file, line and key.
Result<Config> LoadConfig();

}  // namespace till
