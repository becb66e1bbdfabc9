#include "base/date.h"

#include <gtest/gtest.h>

namespace till {
namespace {

// Howard Hinnant's days_from_civil, written out as the reference the chrono-based count must
// agree with.
int64_t ReferenceDays(const CivilDate& date) {
  int y = date.year - (date.month <= 2 ? 1 : 0);
  int era = (y >= 0 ? y : y - 399) / 400;
  int yoe = y - era * 400;
  int mp = (date.month + 9) % 12;
  int doy = (153 * mp + 2) / 5 + date.day - 1;
  int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<int64_t>(era) * 146097 + doe - 719468;
}

TEST(Date, KnowsWhichDatesExist) {
  EXPECT_TRUE(IsLeapYear(2024));
  EXPECT_TRUE(IsLeapYear(2000));
  EXPECT_FALSE(IsLeapYear(1900));
  EXPECT_FALSE(IsLeapYear(2023));
  EXPECT_EQ(DaysInMonth(2024, 2), 29);
  EXPECT_EQ(DaysInMonth(2023, 2), 28);
  EXPECT_EQ(DaysInMonth(2023, 4), 30);
  EXPECT_EQ(DaysInMonth(2023, 12), 31);
  EXPECT_TRUE(IsValidDate(2024, 2, 29));
  EXPECT_FALSE(IsValidDate(2023, 2, 29));
  EXPECT_FALSE(IsValidDate(2023, 0, 1));
  EXPECT_FALSE(IsValidDate(2023, 13, 1));
  EXPECT_FALSE(IsValidDate(2023, 1, 0));
  EXPECT_FALSE(IsValidDate(2023, 4, 31));
}

TEST(Date, CountsDaysBothWays) {
  EXPECT_EQ(DaysFromCivil(CivilDate{1970, 1, 1}), 0);
  EXPECT_EQ(DaysFromCivil(CivilDate{1969, 12, 31}), -1);
  EXPECT_EQ(CivilFromDays(-1), (CivilDate{1969, 12, 31}));
  CivilDate date{1850, 1, 1};
  for (int64_t day = DaysFromCivil(date); date.year < 2250; ++day) {
    ASSERT_EQ(DaysFromCivil(date), ReferenceDays(date)) << FormatDate(date);
    ASSERT_EQ(DaysFromCivil(date), day) << FormatDate(date);
    ASSERT_EQ(CivilFromDays(day), date) << day;
    date = date.day < DaysInMonth(date.year, date.month)
               ? CivilDate{date.year, date.month, date.day + 1}
           : date.month < 12 ? CivilDate{date.year, date.month + 1, 1}
                             : CivilDate{date.year + 1, 1, 1};
  }
}

TEST(Date, KnowsWeekdaysAndIsoWeeks) {
  EXPECT_EQ(DayOfWeek(CivilDate{2023, 11, 24}), 4);  // Black Friday 2023
  EXPECT_EQ(DayOfWeek(CivilDate{1970, 1, 1}), 3);
  EXPECT_EQ(DayOfWeek(int64_t{-1}), 2);
  EXPECT_EQ(IsoWeek(CivilDate{2023, 1, 1}), 52);  // a Sunday, in 2022's last week
  EXPECT_EQ(IsoWeek(CivilDate{2024, 12, 30}), 1);
  EXPECT_EQ(IsoWeek(CivilDate{2020, 12, 31}), 53);
  EXPECT_EQ(IsoWeek(CivilDate{2024, 6, 24}), 26);
}

TEST(Date, FindsTheStartsOfWeeksAndMonths) {
  int64_t friday = DaysFromCivil(CivilDate{2023, 11, 24});
  EXPECT_EQ(WeekStart(friday), DaysFromCivil(CivilDate{2023, 11, 20}));
  EXPECT_EQ(WeekStart(WeekStart(friday)), WeekStart(friday));
  EXPECT_EQ(WeekStart(0), -3);  // 1970-01-01 was a Thursday
  EXPECT_EQ(MonthStart(friday), DaysFromCivil(CivilDate{2023, 11, 1}));
  EXPECT_EQ(NextMonthStart(friday), DaysFromCivil(CivilDate{2023, 12, 1}));
  int64_t december = DaysFromCivil(CivilDate{2023, 12, 31});
  EXPECT_EQ(MonthStart(december), DaysFromCivil(CivilDate{2023, 12, 1}));
  EXPECT_EQ(NextMonthStart(december), DaysFromCivil(CivilDate{2024, 1, 1}));
  EXPECT_EQ(NextMonthStart(DaysFromCivil(CivilDate{2024, 1, 31})),
            DaysFromCivil(CivilDate{2024, 2, 1}));
}

TEST(Date, SpellsAndReadsIsoDatesAndKeys) {
  CivilDate date{2024, 2, 29};
  EXPECT_EQ(FormatDate(date), "2024-02-29");
  EXPECT_EQ(FormatDate(CivilDate{987, 3, 4}), "0987-03-04");
  EXPECT_EQ(date.Key(), 20240229);
  EXPECT_EQ(DateFromKey(20240229), date);
  EXPECT_EQ(ParseIsoDate("2024-02-29"), date);
  EXPECT_EQ(ParseIsoDate("0000-02-29"), (CivilDate{0, 2, 29}));
  for (const char* text :
       {"2023-02-29", "2023-13-01", "2023-00-10", "2023-01-00", "2023-1-01", "2023/01/01",
        "-001-01-01", "+202-01-01", "2023-01-01 ", "", "20230101", "2023-01-0a"}) {
    EXPECT_EQ(ParseIsoDate(text), std::nullopt) << "'" << text << "'";
  }
}

}  // namespace
}  // namespace till
