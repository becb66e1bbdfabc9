// The two baselines every model is measured against, as forecast::naive and forecast::snaive
// compute them: the last value (or the value one season back) carried forward, with intervals
// from the root mean square of the in-sample one-step (one-season) differences, widening with
// the square root of the steps (of the whole seasons) ahead.
#pragma once

#include <span>

#include "base/result.h"
#include "forecast/prediction.h"

namespace till::forecast {

// kInvalidArgument for fewer than two points.
Result<Prediction> ForecastNaive(std::span<const double> y, int h);
// kInvalidArgument unless there are more than m points and m >= 1.
Result<Prediction> ForecastSeasonalNaive(std::span<const double> y, int m, int h);

}  // namespace till::forecast
