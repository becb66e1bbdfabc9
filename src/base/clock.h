// The wall clock, injected so that run records can be tested without real time.
#pragma once

#include <chrono>
#include <string>

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

}  // namespace till
