// Small statistics the models share, written as R's stats package computes them so that the
// forecasts can be checked against R's forecast package: classical decomposition
// (stats::decompose), the autocorrelation function (stats::acf), a straight-line least-squares
// fit (stats::lsfit) and a linear regression on trend and one Fourier pair (forecast::tslm on
// fourier(y, 1)). Linear algebra through Eigen.
#pragma once

#include <span>
#include <vector>

namespace till::forecast {

enum class Decomposition { kAdditive, kMultiplicative };

// The seasonal component of stats::decompose, one value per observation (the seasonal figure
// repeated). Needs y.size() >= 2 * m and m >= 2.
std::vector<double> DecomposeSeasonal(std::span<const double> y, int m, Decomposition type);

// Autocorrelations at lags 1..max_lag (stats::acf without lag 0).
std::vector<double> Autocorrelation(std::span<const double> y, int max_lag);

struct Line {
  double intercept = 0;
  double slope = 0;
};
// Least squares of y on x.
Line FitLine(std::span<const double> x, std::span<const double> y);

// Intercept and slope of y on (t, sin 2πt/m, cos 2πt/m), t = 1..n; the sine is left out
// when m == 2, as forecast::fourier does.
Line FitTrendFourier(std::span<const double> y, int m);

// True when every value equals the first.
bool IsConstant(std::span<const double> y);

}  // namespace till::forecast
