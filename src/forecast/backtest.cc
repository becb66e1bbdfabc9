#include "forecast/backtest.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace till::forecast {

double MaseScale(std::span<const double> train, int m) {
  const int n = static_cast<int>(train.size());
  int lag = n > m ? m : 1;
  if (n <= lag) return 0;
  double sum = 0;
  for (int t = lag; t < n; ++t) sum += std::fabs(train[t] - train[t - lag]);
  return sum / (n - lag);
}

void AccuracyAccumulator::Add(std::span<const double> actual, const Prediction& p, double scale) {
  double abs_errors = 0;
  for (std::size_t i = 0; i < actual.size(); ++i) {
    double error = p.point[i] - actual[i];
    abs_errors += std::fabs(error);
    error_sum_ += error;
    abs_actual_sum_ += std::fabs(actual[i]);
    inside80_ += actual[i] >= p.lo80[i] && actual[i] <= p.hi80[i];
    inside95_ += actual[i] >= p.lo95[i] && actual[i] <= p.hi95[i];
  }
  abs_error_sum_ += abs_errors;
  points_ += static_cast<int>(actual.size());
  if (scale > 0) {
    scaled_error_sum_ += abs_errors / scale;
    scaled_points_ += static_cast<int>(actual.size());
  }
}

void AccuracyAccumulator::Merge(const AccuracyAccumulator& o) {
  scaled_error_sum_ += o.scaled_error_sum_;
  scaled_points_ += o.scaled_points_;
  abs_error_sum_ += o.abs_error_sum_;
  error_sum_ += o.error_sum_;
  abs_actual_sum_ += o.abs_actual_sum_;
  inside80_ += o.inside80_;
  inside95_ += o.inside95_;
  points_ += o.points_;
}

Accuracy AccuracyAccumulator::Get() const {
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  Accuracy a;
  a.points = points_;
  a.mase = scaled_points_ > 0 ? scaled_error_sum_ / scaled_points_ : kNaN;
  a.wape = abs_actual_sum_ > 0 ? abs_error_sum_ / abs_actual_sum_ : kNaN;
  a.bias = abs_actual_sum_ > 0 ? error_sum_ / abs_actual_sum_ : kNaN;
  a.coverage80 = points_ > 0 ? static_cast<double>(inside80_) / points_ : kNaN;
  a.coverage95 = points_ > 0 ? static_cast<double>(inside95_) / points_ : kNaN;
  return a;
}

std::vector<int> RollingOrigins(int n, int h, int origins, int min_train) {
  std::vector<int> cuts;
  if (h < 1 || origins < 1) return cuts;
  const int last = n - h;
  if (last < min_train) return cuts;
  const int room = last - min_train;  // how far back the first origin may go
  int count = std::min(origins, room + 1);
  int step = count > 1 ? std::min(h, room / (count - 1)) : h;
  step = std::max(step, 1);
  for (int i = count - 1; i >= 0; --i) cuts.push_back(last - i * step);
  return cuts;
}

void AddIntervalScores(IntervalScores& scores, std::span<const double> actual,
                       const Prediction& p) {
  for (std::size_t i = 0; i < actual.size(); ++i) {
    const double error = std::fabs(actual[i] - p.point[i]);
    const double w80 = 0.5 * (p.hi80[i] - p.lo80[i]), w95 = 0.5 * (p.hi95[i] - p.lo95[i]);
    if (w80 > 0 && std::isfinite(w80)) scores.s80.push_back(error / w80);
    if (w95 > 0 && std::isfinite(w95)) scores.s95.push_back(error / w95);
  }
}

double ConformalFactor(std::vector<double> scores, double level) {
  if (scores.size() < kMinIntervalScores) return std::numeric_limits<double>::quiet_NaN();
  std::sort(scores.begin(), scores.end());
  const double n = static_cast<double>(scores.size());
  const auto rank = static_cast<std::size_t>(std::ceil((n + 1) * level));
  return scores[std::min(rank, scores.size()) - 1];
}

void RescaleIntervals(Prediction& p, double f80, double f95) {
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (std::isfinite(f80)) {
      const double w = 0.5 * (p.hi80[i] - p.lo80[i]);
      p.lo80[i] = p.point[i] - f80 * w;
      p.hi80[i] = p.point[i] + f80 * w;
    }
    if (std::isfinite(f95)) {
      const double w = 0.5 * (p.hi95[i] - p.lo95[i]);
      p.lo95[i] = p.point[i] - f95 * w;
      p.hi95[i] = p.point[i] + f95 * w;
    }
  }
}

}  // namespace till::forecast
