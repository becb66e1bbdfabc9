#include "forecast/series_input.h"

#include <gtest/gtest.h>

namespace till::forecast {
namespace {

TEST(SeriesInputTest, DailyWithHeaderAndGapsAsZeros) {
  auto s = ParseSeriesCsv("date,value\n2024-01-01,5\n2024-01-02,6\n2024-01-05,7\n", "s.csv");
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(s->spacing, Spacing::kDay);
  EXPECT_EQ(s->values, (std::vector<double>{5, 6, 0, 0, 7}));
  EXPECT_EQ(s->filled, 2);
  EXPECT_EQ(FormatDate(s->dates[3]), "2024-01-04");
  auto next = FutureDates(*s, 2);
  EXPECT_EQ(FormatDate(next[1]), "2024-01-07");
  EXPECT_EQ(DefaultSeason(s->spacing), 7);
}

TEST(SeriesInputTest, Weekly) {
  auto s = ParseSeriesCsv("2024-01-01,1\r\n2024-01-08,2\r\n2024-01-22,3\r\n", "w.csv");
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(s->spacing, Spacing::kWeek);
  EXPECT_EQ(s->values, (std::vector<double>{1, 2, 0, 3}));
  EXPECT_EQ(FormatDate(FutureDates(*s, 1)[0]), "2024-01-29");
  EXPECT_EQ(DefaultSeason(s->spacing), 52);
}

TEST(SeriesInputTest, MonthlyOnFirstsAndOnMonthEnds) {
  auto s = ParseSeriesCsv("2023-11-01,1\n2023-12-01,2\n2024-02-01,4\n", "m.csv");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->spacing, Spacing::kMonth);
  EXPECT_EQ(s->values, (std::vector<double>{1, 2, 0, 4}));
  EXPECT_EQ(FormatDate(FutureDates(*s, 1)[0]), "2024-03-01");
  auto e = ParseSeriesCsv("2024-01-31,1\n2024-02-29,2\n2024-03-31,3\n", "e.csv");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->spacing, Spacing::kMonth);
  EXPECT_EQ(FormatDate(FutureDates(*e, 1)[0]), "2024-04-30");
}

TEST(SeriesInputTest, ErrorsNameTheLineAndTheReason) {
  auto bad = ParseSeriesCsv("date,value\n2024-01-01,5\n2024-01-02,abc\n", "x.csv");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), ErrorCode::kBadFormat);
  EXPECT_EQ(bad.error().message(), "x.csv:3: 'abc' is not a number");
  auto date = ParseSeriesCsv("2024-01-01,5\n2024-02-30,1\n", "x.csv");
  ASSERT_FALSE(date);
  EXPECT_EQ(date.error().message(), "x.csv:2: '2024-02-30' is not a date (YYYY-MM-DD)");
  auto order = ParseSeriesCsv("2024-01-02,5\n2024-01-01,1\n", "x.csv");
  ASSERT_FALSE(order);
  EXPECT_NE(order.error().message().find("x.csv:2:"), std::string::npos);
  auto fields = ParseSeriesCsv("2024-01-02,5,7\n", "x.csv");
  ASSERT_FALSE(fields);
  EXPECT_NE(fields.error().message().find("x.csv:1:"), std::string::npos);
  auto empty = ParseSeriesCsv("date,value\n", "x.csv");
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_FALSE(ParseSeriesCsv("2024-01-01,inf\n", "x.csv"));
}

}  // namespace
}  // namespace till::forecast
