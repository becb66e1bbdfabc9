// Rolling-origin evaluation: the series is cut at several origins, each model is fitted to the
// part before the cut and forecasts the next h values, and the forecasts are scored against
// what happened (Hyndman & Athanasopoulos, FPP 3rd ed., 5.10 "time series cross-validation").
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "forecast/prediction.h"

namespace till::forecast {

// Accuracy over the held-out values of every origin.
struct Accuracy {
  // Mean absolute error scaled, origin by origin, by the in-sample mean absolute error of the
  // seasonal naive forecast on that origin's training part (Hyndman & Koehler 2006). NaN when
  // every training part was constant (no scale).
  double mase = 0;
  double wape = 0;        // Σ|forecast - actual| / Σ|actual|; NaN when every actual is 0
  double bias = 0;        // Σ(forecast - actual) / Σ|actual|: above 0 means over-forecast
  double coverage80 = 0;  // share of actual values inside the 80% interval
  double coverage95 = 0;
  int points = 0;  // held-out values scored
};

// The MASE scale of a training part: mean |y[t] - y[t-m]|, with m = 1 when there are no more
// than m values. 0 for a constant part.
double MaseScale(std::span<const double> train, int m);

// Sums forecasts against actuals, origin after origin.
class AccuracyAccumulator {
 public:
  // `actual` and `prediction` have the same length; `scale` is MaseScale of the training part.
  void Add(std::span<const double> actual, const Prediction& prediction, double scale);
  // Adds everything another accumulator holds (for the overall figures of many series).
  void Merge(const AccuracyAccumulator& other);
  Accuracy Get() const;

 private:
  double scaled_error_sum_ = 0;
  int scaled_points_ = 0;
  double abs_error_sum_ = 0, error_sum_ = 0, abs_actual_sum_ = 0;
  int inside80_ = 0, inside95_ = 0, points_ = 0;
};

// Where the training parts end: `origins` cut points, the last at n - h, h apart when the
// series is long enough, closer together (at least 1) when not, each leaving at least
// `min_train` values to fit. Fewer than `origins` (possibly none) when the series is too short.
std::vector<int> RollingOrigins(int n, int h, int origins, int min_train);

// Interval calibration from the backtest (split conformal prediction with scores normalised by
// the model's own interval: Lei et al. 2018, "Distribution-free predictive inference for
// regression", 5.2; Hyndman & Athanasopoulos, FPP 3rd ed., 5.5 on intervals from forecast
// errors). The analytic intervals of ETS and Theta assume Gaussian one-step errors that the
// model describes exactly; daily sales are over-dispersed and their errors several steps
// ahead are correlated in ways the models leave out, so on bench/forecast.sh those intervals
// covered about 71% and 86% of held-out days instead of 80% and 95%, and the baselines' (which
// carry the whole history's spread) about 97% and 99.7%. Per-horizon quantiles of raw errors,
// the other usual remedy, would need far more origins than four (4 errors per step). Here each
// held-out value of the backtest gives a score |actual - point| / half-width of the model's
// interval at that step, and the interval is rescaled by the empirical quantile of those
// scores at the level asked: the shape over the horizon (wider further out) stays the
// model's, the width is set by how wrong the model actually was on this series.
struct IntervalScores {
  std::vector<double> s80, s95;
};

// Adds one origin's scores: each held-out value against the forecast's 80% and 95% intervals
// (a step whose interval has no width gives no score).
void AddIntervalScores(IntervalScores& scores, std::span<const double> actual,
                       const Prediction& prediction);

// Fewer scores than this (two origins' worth of a week) and the model's intervals are kept.
inline constexpr std::size_t kMinIntervalScores = 14;

// The factor for one level (0.80 or 0.95): the ⌈(n + 1)·level⌉-th smallest of the n scores
// (the largest when that rank is beyond n), the finite-sample rule of split conformal
// prediction; NaN when there are fewer than kMinIntervalScores.
double ConformalFactor(std::vector<double> scores, double level);

// Multiplies each interval's half-width by its factor around the point; a NaN factor leaves
// that level unchanged.
void RescaleIntervals(Prediction& prediction, double factor80, double factor95);

}  // namespace till::forecast
