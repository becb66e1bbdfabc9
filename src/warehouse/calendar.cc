#include "warehouse/calendar.h"

#include <set>

#include "clean/rules.h"
#include "domain/domains.h"

namespace till {

std::vector<CalendarDay> CalendarDays(std::span<const int32_t> date_keys,
                                      std::optional<std::pair<int32_t, int32_t>> stored_bounds) {
  if (date_keys.empty()) return {};
  std::set<int32_t> wanted(date_keys.begin(), date_keys.end());
  int32_t low = *wanted.begin();
  int32_t high = *wanted.rbegin();
  if (stored_bounds) {
    low = std::min(low, stored_bounds->first);
    high = std::max(high, stored_bounds->second);
  }
  auto to_date = [](int32_t key) { return CivilDate{key / 10000, key / 100 % 100, key % 100}; };
  int64_t first_day = DaysFromCivil(to_date(low));
  int64_t last_day = DaysFromCivil(to_date(high));
  if (last_day - first_day <= 3700) {
    for (int64_t day = first_day; day <= last_day; ++day) wanted.insert(CivilFromDays(day).Key());
  }
  static constexpr std::string_view kDayNames[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                                   "Friday", "Saturday", "Sunday"};
  std::vector<CalendarDay> days;
  days.reserve(wanted.size());
  for (int32_t key : wanted) {
    CivilDate date = to_date(key);
    int weekday = DayOfWeek(date);
    days.push_back(CalendarDay{key, FormatDate(date), date.year, (date.month - 1) / 3 + 1,
                               date.month, kMonthNames[date.month - 1], date.day, weekday + 1,
                               kDayNames[weekday], IsoWeek(date), weekday >= 5});
  }
  return days;
}

}  // namespace till
