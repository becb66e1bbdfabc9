#include "base/date.h"

#include <fmt/format.h>

#include <chrono>

namespace till {
namespace {

using std::chrono::sys_days;
using std::chrono::year_month_day;

year_month_day Civil(int64_t days) { return year_month_day{sys_days{std::chrono::days{days}}}; }

int64_t DaysOf(year_month_day ymd) { return sys_days{ymd}.time_since_epoch().count(); }

}  // namespace

int64_t DaysFromCivil(const CivilDate& date) {
  return DaysOf(std::chrono::year{date.year} /
                std::chrono::month{static_cast<unsigned>(date.month)} /
                std::chrono::day{static_cast<unsigned>(date.day)});
}

CivilDate CivilFromDays(int64_t days) {
  year_month_day ymd = Civil(days);
  return CivilDate{static_cast<int>(ymd.year()),
                   static_cast<int>(static_cast<unsigned>(ymd.month())),
                   static_cast<int>(static_cast<unsigned>(ymd.day()))};
}

int DayOfWeek(int64_t days) {
  // 1970-01-01 was a Thursday (3 when Monday is 0).
  return static_cast<int>(((days % 7) + 7 + 3) % 7);
}

int DayOfWeek(const CivilDate& date) { return DayOfWeek(DaysFromCivil(date)); }

int IsoWeek(const CivilDate& date) {
  int64_t days = DaysFromCivil(date);
  int64_t thursday = days - DayOfWeek(days) + 3;  // the Thursday of this ISO week
  int64_t jan1 = DaysFromCivil(CivilDate{CivilFromDays(thursday).year, 1, 1});
  return static_cast<int>((thursday - jan1) / 7 + 1);
}

int64_t WeekStart(int64_t days) { return days - DayOfWeek(days); }

int64_t MonthStart(int64_t days) {
  year_month_day ymd = Civil(days);
  return DaysOf(ymd.year() / ymd.month() / std::chrono::day{1});
}

int64_t NextMonthStart(int64_t days) {
  year_month_day ymd = Civil(days);
  return DaysOf(ymd.year() / ymd.month() / std::chrono::day{1} + std::chrono::months{1});
}

std::string FormatDate(const CivilDate& date) {
  return fmt::format("{:04}-{:02}-{:02}", date.year, date.month, date.day);
}

std::optional<CivilDate> ParseIsoDate(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  int value[3] = {0, 0, 0};
  int part = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (i == 4 || i == 7) {
      ++part;
      continue;
    }
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    value[part] = value[part] * 10 + (text[i] - '0');
  }
  if (!IsValidDate(value[0], value[1], value[2])) return std::nullopt;
  return CivilDate{value[0], value[1], value[2]};
}

}  // namespace till
