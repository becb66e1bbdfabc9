// When `till serve` posts the digest (serve/digest.h), as till.toml's [digest] says, and the
// texts that say it ("1d", "08:00"), shared with `till report --since`.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace till {

struct DigestSchedule {
  // How often: zero for never. A whole number of days posts at `at` (UTC) on those days, counted
  // from Mondays when it is a whole number of weeks; anything shorter posts on the multiples of
  // itself since the epoch.
  std::chrono::seconds every{0};
  std::chrono::seconds at = std::chrono::hours(8);  // time of day, for schedules of whole days
  int days = 0;  // the days each digest covers; 0: the schedule's length, at least one day
};

// "7d" or "2w" as days (1 to 3660); nullopt when malformed.
std::optional<int> ParseDays(std::string_view text);
// "30s", "15m", "6h", "1d" or "1w" (up to a year); nullopt when malformed.
std::optional<std::chrono::seconds> ParseEvery(std::string_view text);
// "HH:MM" as the time since midnight; nullopt when malformed.
std::optional<std::chrono::seconds> ParseTimeOfDay(std::string_view text);

// The first time after `after` that `schedule` posts a digest (schedule.every must be positive).
std::chrono::system_clock::time_point NextDigestAt(const DigestSchedule& schedule,
                                                   std::chrono::system_clock::time_point after);
// The days the digest of `schedule` covers.
int DigestDays(const DigestSchedule& schedule);

}  // namespace till
