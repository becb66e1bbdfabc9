#include "forecast/baseline.h"

#include <cmath>
#include <string>

namespace till::forecast {
namespace {

// forecast:::lagwalk and forecast.lagwalk without drift.
Prediction LagWalk(std::span<const double> y, int lag, int h) {
  const int n = static_cast<int>(y.size());
  double sse = 0;
  for (int t = lag; t < n; ++t) sse += (y[t] - y[t - lag]) * (y[t] - y[t - lag]);
  const double mse = sse / (n - lag);
  Prediction prediction;
  prediction.Resize(h);
  for (int i = 0; i < h; ++i) {
    int steps = i / lag + 1;
    prediction.SetNormal(i, y[n - lag + i % lag], std::sqrt(mse * steps));
  }
  return prediction;
}

}  // namespace

Result<Prediction> ForecastNaive(std::span<const double> y, int h) {
  if (y.size() < 2) {
    return MakeError(ErrorCode::kInvalidArgument, "the naive forecast needs two points");
  }
  return LagWalk(y, 1, h);
}

Result<Prediction> ForecastSeasonalNaive(std::span<const double> y, int m, int h) {
  if (m < 1 || static_cast<int>(y.size()) <= m) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "the seasonal naive forecast needs more than one season (" +
                         std::to_string(m) + " points)");
  }
  return LagWalk(y, m, h);
}

}  // namespace till::forecast
