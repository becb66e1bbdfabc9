// The wall clock, injected so that run records can be tested without real time.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace till {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::system_clock::time_point Now() const = 0;

  // The process-wide real clock.
  static const Clock& Real();
};

// ISO 8601 UTC with milliseconds: "2026-11-25T15:43:11.123Z".
std::string FormatTimestamp(std::chrono::system_clock::time_point time);

// Seconds since the Unix epoch of a UTC timestamp as either warehouse writes it:
// "2024-02-01T10:00:00.250Z" (SQLite) or "2024-02-01 10:00:00.25+00" (PostgreSQL).
std::optional<double> ParseTimestamp(std::string_view text);

}  // namespace till
