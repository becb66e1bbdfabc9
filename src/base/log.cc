#include "base/log.h"

#include <fmt/format.h>

#include <mutex>

#include "base/clock.h"

namespace till {
namespace {

std::mutex log_mutex;
LogOptions log_options;

std::string_view LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
    case LogLevel::kOff:
      break;
  }
  return "off";
}

}  // namespace

Result<LogLevel> ParseLogLevel(std::string_view name) {
  for (LogLevel level :
       {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn, LogLevel::kError, LogLevel::kOff}) {
    if (name == LevelName(level)) return level;
  }
  if (name == "warning") return LogLevel::kWarn;
  return MakeError(
      ErrorCode::kInvalidArgument,
      fmt::format("unknown log level '{}'; use debug, info, warn, error or off", name));
}

void SetLogOptions(const LogOptions& options) {
  std::lock_guard lock(log_mutex);
  log_options = options;
}

bool LogEnabled(LogLevel level) {
  std::lock_guard lock(log_mutex);
  return level != LogLevel::kOff && level >= log_options.level;
}

void Log(LogLevel level, std::string_view message, const nlohmann::json& fields) {
  if (!LogEnabled(level)) return;
  std::string time = FormatTimestamp(Clock::Real().Now());
  std::string line;
  std::lock_guard lock(log_mutex);
  if (log_options.json) {
    nlohmann::json event = {{"time", time}, {"level", LevelName(level)}, {"msg", message}};
    if (fields.is_object()) {
      for (const auto& [key, value] : fields.items()) event[key] = value;
    }
    // Text that is not UTF-8 (a raw line, a file name) is written with replacement characters
    // rather than failing the log.
    line = event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else {
    line = fmt::format("{} {:<5} {}", time, LevelName(level), message);
    if (fields.is_object()) {
      for (const auto& [key, value] : fields.items()) {
        line +=
            fmt::format(" {}={}", key,
                        value.is_string()
                            ? value.get<std::string>()
                            : value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
      }
    }
  }
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), log_options.out);
  std::fflush(log_options.out);
}

}  // namespace till
