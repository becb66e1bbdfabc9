// Structured logs: one line per event, JSON (one object per line, for machines) or text (for a
// terminal), on standard error or in a log file. Events carry fields such as run_id, file and
// step. Thread-safe.
#pragma once

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/result.h"

namespace till {

enum class LogLevel { kDebug, kInfo, kWarn, kError, kOff };

// "debug", "info", "warn", "error" or "off".
Result<LogLevel> ParseLogLevel(std::string_view name);

struct LogOptions {
  LogLevel level = LogLevel::kWarn;
  bool json = false;
  std::FILE* out = stderr;  // not closed by the log
};

void SetLogOptions(const LogOptions& options);
bool LogEnabled(LogLevel level);

// Writes one event when `level` is enabled: its time, level and message, then `fields` (an
// object; other values are ignored).
void Log(LogLevel level, std::string_view message,
         const nlohmann::json& fields = nlohmann::json::object());

}  // namespace till
