// The dim_date rows a load needs, the same on every back end.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace till {

// One dim_date row.
struct CalendarDay {
  int32_t key = 0;        // YYYYMMDD
  std::string full_date;  // YYYY-MM-DD
  int year = 0;
  int quarter = 0;
  int month = 0;
  std::string_view month_name;
  int day = 0;
  int day_of_week = 0;  // 1 = Monday … 7 = Sunday
  std::string_view day_name;
  int iso_week = 0;
  bool is_weekend = false;
};

// The days to add for `date_keys` (YYYYMMDD, none of them 0), given the first and last day
// already in dim_date: the keys themselves and, unless a stray far-off date would make it
// absurdly long, every day between the first and last sale, so the calendar has no gaps.
// Days already present may be in the result; inserts ignore them.
std::vector<CalendarDay> CalendarDays(std::span<const int32_t> date_keys,
                                      std::optional<std::pair<int32_t, int32_t>> stored_bounds);

}  // namespace till
