// Where settings come from, strongest first: command-line flags, the environment
// (TILL_WAREHOUSE), till.toml in the working folder (or the file TILL_CONFIG names), defaults.
#pragma once

#include <optional>
#include <string>

#include "base/result.h"

namespace till {

struct Config {
  std::string warehouse = "till.db";
  double max_reject_ratio = 0.05;
};

// Reads till.toml and the environment over the defaults. A malformed till.toml fails with
// kInvalidArgument naming the file, line and key.
Result<Config> LoadConfig();

}  // namespace till
