// Rolling-origin evaluation: the series is cut at several origins, each model is fitted to the
// part before the cut and forecasts the next h values, and the forecasts are scored against
// what happened (Hyndman & Athanasopoulos, FPP 3rd ed., 5.10 "time series cross-validation").
#pragma once

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

}  // namespace till::forecast
