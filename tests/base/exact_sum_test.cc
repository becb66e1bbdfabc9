#include "base/exact_sum.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

namespace till {
namespace {

TEST(ExactSumTest, SplitsEveryAmountOfTheRangeExactly) {
  for (double amount : {0.0, 0.001, 0.1, 1.0, 104.5063373, 1912.436648, 999'999'999.99, 1e9}) {
    SplitAmount split = SplitExact(amount);
    long double back = static_cast<long double>(split.whole) +
                       std::ldexp(static_cast<long double>(split.fraction), -64);
    EXPECT_EQ(back, static_cast<long double>(amount)) << amount;
  }
}

// Dyadic amounts (n / 1024) have exact sums that plain integers give: the reference.
TEST(ExactSumTest, SumsDyadicAmountsToTheirExactTotal) {
  std::mt19937_64 random(7);
  ExactSum sum;
  uint64_t total_1024ths = 0;
  for (int i = 0; i < 100'000; ++i) {
    uint64_t n = random() % (uint64_t{1'000'000} * 1024);
    total_1024ths += n;
    sum.Add(static_cast<double>(n) / 1024);
  }
  // Cents = round(total / 1024 * 100), half up.
  Uint128 expected = (Uint128{total_1024ths} * 100 + 512) / 1024;
  EXPECT_TRUE(sum.Cents() == expected);
}

// Rounding each amount to millionths half up first adds 0.4 millionths to each of these:
// 40,000 of them make 19,999.984, not 20,000.00.
TEST(ExactSumTest, HasNoBiasFromRoundingEachAmount) {
  ExactSum sum;
  for (int i = 0; i < 40'000; ++i) sum.Add(0.4999996);
  EXPECT_EQ(sum.CentsText(), "19999.98");
  EXPECT_EQ(sum.RoundedToCents(), 19999.98);
}

TEST(ExactSumTest, RoundsHalfAwayFromZeroLikeSqlRound) {
  ExactSum quarter;
  quarter.Add(0.125);  // exactly half a cent above 0.12
  EXPECT_EQ(quarter.CentsText(), "0.13");
  ExactSum below;
  below.Add(0.124);
  EXPECT_EQ(below.CentsText(), "0.12");
  EXPECT_EQ(ExactSum().CentsText(), "0.00");
}

TEST(ExactSumTest, TheOrderOfTermsChangesNothing) {
  std::mt19937_64 random(11);
  std::uniform_real_distribution<double> amounts(10, 5000);
  std::vector<double> values(50'000);
  for (double& v : values) v = amounts(random);
  ExactSum forward;
  for (double v : values) forward.Add(v);
  std::shuffle(values.begin(), values.end(), random);
  ExactSum shuffled;
  ExactSum halves[2];
  for (size_t i = 0; i < values.size(); ++i) {
    shuffled.Add(values[i]);
    halves[i % 2].Add(values[i]);
  }
  halves[0].Add(halves[1]);
  EXPECT_TRUE(forward == shuffled);
  EXPECT_TRUE(forward == halves[0]);
}

// The largest amounts, many times over, neither overflow nor lose a cent.
TEST(ExactSumTest, MillionsOfTheLargestAmountsDoNotOverflow) {
  ExactSum sum;
  SplitAmount largest = SplitExact(kMaxExactAmount);
  for (int i = 0; i < (1 << 22); ++i) sum.Add(largest);
  EXPECT_EQ(sum.CentsText(), "4194304000000000.00");
  ExactSum more = sum;
  more.Add(0.01);
  EXPECT_TRUE(sum < more);
}

}  // namespace
}  // namespace till
