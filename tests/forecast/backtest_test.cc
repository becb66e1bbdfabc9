// Backtest arithmetic on series small enough to compute by hand.
#include "forecast/backtest.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace till::forecast {
namespace {

Prediction Make(std::vector<double> point, double half80, double half95) {
  Prediction p;
  p.Resize(point.size());
  for (std::size_t i = 0; i < point.size(); ++i) {
    p.point[i] = point[i];
    p.lo80[i] = point[i] - half80;
    p.hi80[i] = point[i] + half80;
    p.lo95[i] = point[i] - half95;
    p.hi95[i] = point[i] + half95;
  }
  return p;
}

TEST(MaseScaleTest, MeanAbsoluteSeasonalDifference) {
  std::vector<double> train = {1, 2, 4, 7};
  EXPECT_DOUBLE_EQ(MaseScale(train, 1), (1 + 2 + 3) / 3.0);
  EXPECT_DOUBLE_EQ(MaseScale(train, 2), (3 + 5) / 2.0);
  // Not more values than a season: the one-step difference instead.
  EXPECT_DOUBLE_EQ(MaseScale(train, 4), 2.0);
  EXPECT_DOUBLE_EQ(MaseScale(std::vector<double>{5, 5, 5}, 1), 0.0);
}

TEST(AccuracyTest, HandComputed) {
  // Origin 1: actual 10, 20 against 12, 18 (errors +2, -2), scale 4.
  // Origin 2: actual 30, 40 against 33, 40 (errors +3, 0), scale 2.
  AccuracyAccumulator acc;
  acc.Add(std::vector<double>{10, 20}, Make({12, 18}, 1.5, 2.5), 4);
  acc.Add(std::vector<double>{30, 40}, Make({33, 40}, 1.5, 3.5), 2);
  Accuracy a = acc.Get();
  EXPECT_EQ(a.points, 4);
  // (2/4 + 2/4 + 3/2 + 0/2) / 4 = 0.625
  EXPECT_DOUBLE_EQ(a.mase, 0.625);
  // (2 + 2 + 3 + 0) / (10 + 20 + 30 + 40)
  EXPECT_DOUBLE_EQ(a.wape, 0.07);
  // (2 - 2 + 3 + 0) / 100
  EXPECT_DOUBLE_EQ(a.bias, 0.03);
  // Inside ±1.5: only the exact 40. Inside ±2.5 / ±3.5: both of origin 1 (|2| <= 2.5) and both
  // of origin 2 (|3| <= 3.5).
  EXPECT_DOUBLE_EQ(a.coverage80, 0.25);
  EXPECT_DOUBLE_EQ(a.coverage95, 1.0);
}

TEST(AccuracyTest, MergeEqualsOneAccumulator) {
  AccuracyAccumulator one, a, b;
  one.Add(std::vector<double>{1, 2}, Make({2, 2}, 1, 2), 1);
  one.Add(std::vector<double>{5}, Make({1}, 1, 2), 2);
  a.Add(std::vector<double>{1, 2}, Make({2, 2}, 1, 2), 1);
  b.Add(std::vector<double>{5}, Make({1}, 1, 2), 2);
  a.Merge(b);
  EXPECT_DOUBLE_EQ(a.Get().mase, one.Get().mase);
  EXPECT_DOUBLE_EQ(a.Get().wape, one.Get().wape);
  EXPECT_DOUBLE_EQ(a.Get().coverage95, one.Get().coverage95);
}

TEST(AccuracyTest, NoScaleAndNoActualsAreUndefinedNotInfinite) {
  AccuracyAccumulator acc;
  acc.Add(std::vector<double>{0, 0}, Make({1, 1}, 1, 2), 0);
  Accuracy a = acc.Get();
  EXPECT_TRUE(std::isnan(a.mase));
  EXPECT_TRUE(std::isnan(a.wape));
  EXPECT_DOUBLE_EQ(a.coverage80, 1.0);
}

TEST(RollingOriginsTest, HorizonApartWhenLongEnough) {
  EXPECT_EQ(RollingOrigins(366, 28, 4, 14), (std::vector<int>{254, 282, 310, 338}));
}

TEST(RollingOriginsTest, CloserWhenShort) {
  // 22 values of room behind the last origin at 22: four origins 4 apart.
  EXPECT_EQ(RollingOrigins(50, 28, 4, 10), (std::vector<int>{10, 14, 18, 22}));
  EXPECT_EQ(RollingOrigins(40, 28, 4, 10), (std::vector<int>{10, 11, 12}));
  EXPECT_TRUE(RollingOrigins(30, 28, 4, 10).empty());
}

TEST(IntervalCalibrationTest, ScoresAreErrorsOverHalfWidths) {
  IntervalScores scores;
  // Errors 1, 3, 0 against half-widths 2 (80%) and 4 (95%); a step of no width gives no score.
  Prediction p = Make({10, 20, 30, 40}, 2, 4);
  p.lo80[3] = p.hi80[3] = p.lo95[3] = p.hi95[3] = 40;
  AddIntervalScores(scores, std::vector<double>{11, 17, 30, 45}, p);
  EXPECT_EQ(scores.s80, (std::vector<double>{0.5, 1.5, 0}));
  EXPECT_EQ(scores.s95, (std::vector<double>{0.25, 0.75, 0}));
}

TEST(IntervalCalibrationTest, ConformalQuantileByHand) {
  // Scores 1..20 in a shuffled order: the ⌈21 × 0.8⌉ = 17th and ⌈21 × 0.95⌉ = 20th smallest.
  std::vector<double> scores;
  for (int i = 0; i < 20; ++i) scores.push_back((i * 7) % 20 + 1);
  EXPECT_DOUBLE_EQ(ConformalFactor(scores, 0.80), 17);
  EXPECT_DOUBLE_EQ(ConformalFactor(scores, 0.95), 20);
  // 14 scores: rank ⌈15 × 0.95⌉ = 15 is beyond them, so the largest.
  scores.resize(14);
  std::sort(scores.begin(), scores.end());
  EXPECT_DOUBLE_EQ(ConformalFactor(scores, 0.95), scores.back());
  // Too few to calibrate on.
  scores.resize(kMinIntervalScores - 1);
  EXPECT_TRUE(std::isnan(ConformalFactor(scores, 0.80)));
}

TEST(IntervalCalibrationTest, RescaleKeepsThePointAndTheShape) {
  Prediction p = Make({10, 20}, 2, 4);
  p.hi80[1] = 26;  // half-width 4 at step 2, around the point
  p.lo80[1] = 14;
  RescaleIntervals(p, 1.5, std::numeric_limits<double>::quiet_NaN());
  EXPECT_EQ(p.point, (std::vector<double>{10, 20}));
  EXPECT_EQ(p.lo80, (std::vector<double>{7, 11}));
  EXPECT_EQ(p.hi80, (std::vector<double>{13, 29}));
  // A NaN factor leaves that level as it was.
  EXPECT_EQ(p.lo95, (std::vector<double>{6, 16}));
  EXPECT_EQ(p.hi95, (std::vector<double>{14, 24}));
}

}  // namespace
}  // namespace till::forecast
