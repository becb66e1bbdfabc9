// The Theta method (Assimakopoulos & Nikolopoulos 2000) in the form of Hyndman & Billah
// (2003), as forecast::thetaf computes it: a seasonality test on the autocorrelation at one
// season (90% one-sided), multiplicative classical decomposition when it passes, simple
// exponential smoothing fitted by mean squared error plus half the slope of a straight line
// as drift, reseasonalised; intervals from the SES variance.
#pragma once

#include <span>

#include "base/result.h"
#include "forecast/prediction.h"

namespace till::forecast {

struct ThetaFit {
  bool seasonal = false;  // whether the test found a season and the data were adjusted
  double alpha = 0;
  double drift = 0;  // half the slope of the fitted line
  Prediction prediction;
};

// kInvalidArgument when the series is too short for SES (7 points or fewer).
Result<ThetaFit> ForecastTheta(std::span<const double> y, int m, int h);

}  // namespace till::forecast
