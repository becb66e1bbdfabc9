// Dates of the proleptic Gregorian calendar: which dates exist, the count of days since
// 1970-01-01 and back, weekdays, ISO weeks, and the ISO spelling. The day counts come from
// std::chrono (sys_days and year_month_day); the checks that date parsing makes on every row
// are inline here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace till {

// A calendar date. Valid dates only: 1 <= month <= 12, 1 <= day <= DaysInMonth(year, month).
struct CivilDate {
  int year = 0;
  int month = 0;
  int day = 0;

  // YYYYMMDD, the dim_date key: 2023-06-24 is 20230624.
  int32_t Key() const { return year * 10000 + month * 100 + day; }
  friend bool operator==(const CivilDate&, const CivilDate&) = default;
};

constexpr bool IsLeapYear(int year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

inline constexpr int kDaysInMonth[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

// The days of `month` (1-12) in `year`.
constexpr int DaysInMonth(int year, int month) {
  return month == 2 && IsLeapYear(year) ? 29 : kDaysInMonth[month - 1];
}

// True when `year`, `month` and `day` name a date that exists.
constexpr bool IsValidDate(int year, int month, int day) {
  return month >= 1 && month <= 12 && day >= 1 && day <= DaysInMonth(year, month);
}

// The date of a dim_date key: 20230624 is 2023-06-24. The key of a valid date gives it back.
constexpr CivilDate DateFromKey(int32_t key) {
  return CivilDate{key / 10000, key / 100 % 100, key % 100};
}

// Days since 1970-01-01 (negative before it), and back. `date` must be valid.
int64_t DaysFromCivil(const CivilDate& date);
CivilDate CivilFromDays(int64_t days);

// Day of the week, 0 = Monday … 6 = Sunday, of a day count and of a date.
int DayOfWeek(int64_t days);
int DayOfWeek(const CivilDate& date);

// ISO 8601 week number (1-53).
int IsoWeek(const CivilDate& date);

// The Monday that starts the week holding day `days`.
int64_t WeekStart(int64_t days);
// The first day of the month holding day `days`, and the first day of the month after it.
int64_t MonthStart(int64_t days);
int64_t NextMonthStart(int64_t days);

// Formats a date as ISO "YYYY-MM-DD".
std::string FormatDate(const CivilDate& date);

// Reads exactly "YYYY-MM-DD" (ten characters, a date that exists); nothing else, no sign.
std::optional<CivilDate> ParseIsoDate(std::string_view text);

}  // namespace till
