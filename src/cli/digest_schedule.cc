#include "cli/digest_schedule.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <utility>

namespace till {
namespace {
using std::chrono::seconds;
using std::chrono::system_clock;

constexpr int64_t kDay = 86400;
constexpr int64_t kWeek = 7 * kDay;
// 1970-01-05, the first Monday of the epoch, in days: weekly schedules count from Mondays.
constexpr int64_t kFirstMonday = 4;

// "N" followed by one unit letter; nullopt when malformed or N < 1.
std::optional<std::pair<int64_t, char>> CountAndUnit(std::string_view text) {
  if (text.size() < 2) return std::nullopt;
  int64_t n = 0;
  const char* end = text.data() + text.size() - 1;
  auto [stop, error] = std::from_chars(text.data(), end, n);
  if (error != std::errc() || stop != end || n < 1) return std::nullopt;
  return std::pair{n, text.back()};
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

}  // namespace

std::optional<int> ParseDays(std::string_view text) {
  auto parsed = CountAndUnit(text);
  if (!parsed || parsed->first > 3660) return std::nullopt;
  int64_t days = parsed->second == 'd'   ? parsed->first
                 : parsed->second == 'w' ? parsed->first * 7
                                         : -1;
  if (days < 1 || days > 3660) return std::nullopt;
  return static_cast<int>(days);
}

std::optional<seconds> ParseEvery(std::string_view text) {
  auto parsed = CountAndUnit(text);
  if (!parsed || parsed->first > 366 * kDay) return std::nullopt;
  int64_t unit = 0;
  switch (parsed->second) {
    case 's':
      unit = 1;
      break;
    case 'm':
      unit = 60;
      break;
    case 'h':
      unit = 3600;
      break;
    case 'd':
      unit = kDay;
      break;
    case 'w':
      unit = kWeek;
      break;
    default:
      return std::nullopt;
  }
  int64_t total = parsed->first * unit;
  if (total > 366 * kDay) return std::nullopt;
  return seconds(total);
}

std::optional<seconds> ParseTimeOfDay(std::string_view text) {
  if (text.size() != 5 || text[2] != ':') return std::nullopt;
  int hours = 0;
  int minutes = 0;
  auto [h_end, h_error] = std::from_chars(text.data(), text.data() + 2, hours);
  auto [m_end, m_error] = std::from_chars(text.data() + 3, text.data() + 5, minutes);
  if (h_error != std::errc() || m_error != std::errc() || h_end != text.data() + 2 ||
      m_end != text.data() + 5 || hours > 23 || minutes > 59) {
    return std::nullopt;
  }
  return seconds(hours * 3600 + minutes * 60);
}

system_clock::time_point NextDigestAt(const DigestSchedule& schedule,
                                      system_clock::time_point after) {
  const int64_t every = schedule.every.count();
  const int64_t now = std::chrono::duration_cast<seconds>(after.time_since_epoch()).count();
  if (every % kDay != 0) {
    return system_clock::time_point(seconds((FloorDiv(now, every) + 1) * every));
  }
  const int64_t period_days = every / kDay;
  const int64_t anchor = every % kWeek == 0 ? kFirstMonday : 0;
  // The first day on the schedule at or after today; then the one after it, if today's time has
  // passed.
  int64_t day = FloorDiv(now, kDay);
  day += ((anchor - day) % period_days + period_days) % period_days;
  if (day * kDay + schedule.at.count() <= now) day += period_days;
  return system_clock::time_point(seconds(day * kDay + schedule.at.count()));
}

int DigestDays(const DigestSchedule& schedule) {
  if (schedule.days > 0) return schedule.days;
  int64_t days = (schedule.every.count() + kDay - 1) / kDay;
  return static_cast<int>(std::max<int64_t>(days, 1));
}

}  // namespace till
