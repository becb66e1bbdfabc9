// When the scheduled digest is posted, and the texts that say so.
#include "cli/digest_schedule.h"

#include <gtest/gtest.h>

namespace till {
namespace {

using std::chrono::seconds;
using std::chrono::system_clock;

system_clock::time_point At(int64_t unix_seconds) {
  return system_clock::time_point(seconds(unix_seconds));
}

int64_t Unix(system_clock::time_point t) {
  return std::chrono::duration_cast<seconds>(t.time_since_epoch()).count();
}

// 2026-12-07 is a Monday; its midnight in Unix seconds.
constexpr int64_t kMonday = 1796601600;

TEST(DigestScheduleTest, ReadsDurationsDaysAndTimesOfDay) {
  EXPECT_EQ(ParseEvery("30s"), seconds(30));
  EXPECT_EQ(ParseEvery("15m"), seconds(900));
  EXPECT_EQ(ParseEvery("6h"), seconds(21600));
  EXPECT_EQ(ParseEvery("1d"), seconds(86400));
  EXPECT_EQ(ParseEvery("2w"), seconds(14 * 86400));
  for (const char* bad : {"", "d", "0d", "-1d", "1", "1x", "1.5d", "daily", "53w", " 1d"}) {
    EXPECT_FALSE(ParseEvery(bad)) << bad;
  }
  EXPECT_EQ(ParseDays("7d"), 7);
  EXPECT_EQ(ParseDays("2w"), 14);
  for (const char* bad : {"1h", "0d", "3661d", "x", "1dd"}) EXPECT_FALSE(ParseDays(bad)) << bad;
  EXPECT_EQ(ParseTimeOfDay("00:00"), seconds(0));
  EXPECT_EQ(ParseTimeOfDay("08:30"), seconds(8 * 3600 + 1800));
  EXPECT_EQ(ParseTimeOfDay("23:59"), seconds(86340));
  for (const char* bad : {"24:00", "8:30", "08:60", "0830", "08:3x", ""}) {
    EXPECT_FALSE(ParseTimeOfDay(bad)) << bad;
  }
}

TEST(DigestScheduleTest, DailyAndWeeklyDigestsComeAtTheirTimeOfDay) {
  DigestSchedule daily{.every = seconds(86400), .at = seconds(8 * 3600)};
  // Before 08:00 today: today at 08:00; at or after it: tomorrow.
  EXPECT_EQ(Unix(NextDigestAt(daily, At(kMonday + 3600))), kMonday + 8 * 3600);
  EXPECT_EQ(Unix(NextDigestAt(daily, At(kMonday + 8 * 3600))), kMonday + 86400 + 8 * 3600);
  EXPECT_EQ(Unix(NextDigestAt(daily, At(kMonday + 20 * 3600))), kMonday + 86400 + 8 * 3600);
  // Weekly: Mondays, whatever day it is now.
  DigestSchedule weekly{.every = seconds(7 * 86400), .at = seconds(6 * 3600)};
  EXPECT_EQ(Unix(NextDigestAt(weekly, At(kMonday + 3600))), kMonday + 6 * 3600);
  EXPECT_EQ(Unix(NextDigestAt(weekly, At(kMonday + 7 * 3600))), kMonday + 7 * 86400 + 6 * 3600);
  EXPECT_EQ(Unix(NextDigestAt(weekly, At(kMonday - 2 * 86400))), kMonday + 6 * 3600);
  // Shorter than a day: the multiples of the period.
  DigestSchedule hourly{.every = seconds(3600)};
  EXPECT_EQ(Unix(NextDigestAt(hourly, At(kMonday + 10))), kMonday + 3600);
  EXPECT_EQ(Unix(NextDigestAt(hourly, At(kMonday))), kMonday + 3600);
}

TEST(DigestScheduleTest, ADigestCoversItsScheduleUnlessToldOtherwise) {
  EXPECT_EQ(DigestDays({.every = seconds(86400)}), 1);
  EXPECT_EQ(DigestDays({.every = seconds(7 * 86400)}), 7);
  EXPECT_EQ(DigestDays({.every = seconds(3600)}), 1);
  EXPECT_EQ(DigestDays({.every = seconds(36 * 3600)}), 2);
  EXPECT_EQ(DigestDays({.every = seconds(86400), .days = 7}), 7);
}

}  // namespace
}  // namespace till
