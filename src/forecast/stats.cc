#include "forecast/stats.h"

#include <Eigen/Dense>
#include <cmath>
#include <numbers>

namespace till::forecast {

std::vector<double> DecomposeSeasonal(std::span<const double> y, int m, Decomposition type) {
  const int n = static_cast<int>(y.size());
  // The centred moving average of order m (2×m when m is even), as stats::filter leaves it:
  // undefined at both ends.
  std::vector<double> weights;
  if (m % 2 == 0) {
    weights.assign(m + 1, 1.0 / m);
    weights.front() = weights.back() = 0.5 / m;
  } else {
    weights.assign(m, 1.0 / m);
  }
  const int half = static_cast<int>(weights.size()) / 2;
  std::vector<double> sum(m, 0.0);
  std::vector<int> count(m, 0);
  for (int t = half; t + half < n; ++t) {
    double trend = 0;
    for (int k = 0; k < static_cast<int>(weights.size()); ++k)
      trend += weights[k] * y[t - half + k];
    double detrended = type == Decomposition::kAdditive ? y[t] - trend : y[t] / trend;
    if (!std::isfinite(detrended)) continue;
    sum[t % m] += detrended;
    ++count[t % m];
  }
  std::vector<double> figure(m);
  double mean = 0;
  for (int i = 0; i < m; ++i) {
    figure[i] = count[i] > 0 ? sum[i] / count[i] : (type == Decomposition::kAdditive ? 0 : 1);
    mean += figure[i] / m;
  }
  for (double& f : figure) f = type == Decomposition::kAdditive ? f - mean : f / mean;
  std::vector<double> seasonal(n);
  for (int t = 0; t < n; ++t) seasonal[t] = figure[t % m];
  return seasonal;
}

std::vector<double> Autocorrelation(std::span<const double> y, int max_lag) {
  const std::size_t n = y.size();
  double mean = 0;
  for (double v : y) mean += v / static_cast<double>(n);
  double denominator = 0;
  for (double v : y) denominator += (v - mean) * (v - mean);
  std::vector<double> r(max_lag, 0.0);
  for (int k = 1; k <= max_lag; ++k) {
    double s = 0;
    for (std::size_t t = 0; t + k < n; ++t) s += (y[t] - mean) * (y[t + k] - mean);
    r[k - 1] = denominator > 0 ? s / denominator : 0.0;
  }
  return r;
}

Line FitLine(std::span<const double> x, std::span<const double> y) {
  const double n = static_cast<double>(x.size());
  double mx = 0, my = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    mx += x[i] / n;
    my += y[i] / n;
  }
  double sxy = 0, sxx = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
  }
  double slope = sxx > 0 ? sxy / sxx : 0.0;
  return {my - slope * mx, slope};
}

Line FitTrendFourier(std::span<const double> y, int m) {
  const int n = static_cast<int>(y.size());
  const bool with_sine = m != 2;
  const int columns = with_sine ? 4 : 3;
  Eigen::MatrixXd x(n, columns);
  Eigen::VectorXd v(n);
  for (int t = 0; t < n; ++t) {
    double angle = 2 * std::numbers::pi * (t + 1) / m;
    x(t, 0) = 1;
    x(t, 1) = t + 1;
    int c = 2;
    if (with_sine) x(t, c++) = std::sin(angle);
    x(t, c) = std::cos(angle);
    v(t) = y[t];
  }
  Eigen::VectorXd beta = x.colPivHouseholderQr().solve(v);
  return {beta(0), beta(1)};
}

bool IsConstant(std::span<const double> y) {
  for (double v : y) {
    if (v != y.front()) return false;
  }
  return true;
}

}  // namespace till::forecast
