#include "forecast/theta.h"

#include <cmath>
#include <vector>

#include "forecast/ets.h"
#include "forecast/stats.h"

namespace till::forecast {

Result<ThetaFit> ForecastTheta(std::span<const double> y, int m, int h) {
  const int n = static_cast<int>(y.size());
  ThetaFit theta;
  std::vector<double> x(y.begin(), y.end());
  std::vector<double> seasonal;
  if (m > 1 && !IsConstant(y) && n > 2 * m) {
    std::vector<double> r = Autocorrelation(y, m);
    double sum = 0;
    for (int k = 0; k < m - 1; ++k) sum += r[k] * r[k];
    double stat = std::sqrt((1 + 2 * sum) / n);
    constexpr double kZ90OneSided = 1.6448536269514722;  // qnorm(0.95)
    theta.seasonal = std::fabs(r[m - 1]) / stat > kZ90OneSided;
  }
  if (theta.seasonal) {
    seasonal = DecomposeSeasonal(y, m, Decomposition::kMultiplicative);
    for (double s : seasonal) {
      if (!std::isfinite(s) || std::fabs(s) < 1e-4) theta.seasonal = false;
    }
    if (theta.seasonal) {
      for (int t = 0; t < n; ++t) x[t] = y[t] / seasonal[t];
    }
  }
  EtsForm ann{Component::kAdditive, Component::kNone, Component::kNone, false};
  TILL_ASSIGN_OR_RETURN(EtsFit ses, FitEts(x, 1, ann, Criterion::kMse));
  std::vector<double> t(n);
  for (int i = 0; i < n; ++i) t[i] = i;
  theta.drift = FitLine(t, x).slope / 2;
  theta.alpha = std::max(1e-10, ses.alpha);
  const double level = ses.last_state[0];
  const double sigma = std::sqrt(ses.sigma2);
  const double carry = (1 - std::pow(1 - theta.alpha, n)) / theta.alpha;
  theta.prediction.Resize(h);
  for (int i = 0; i < h; ++i) {
    double mean = level + theta.drift * (i + carry);
    if (theta.seasonal) mean *= seasonal[n - m + i % m];
    theta.prediction.SetNormal(i, mean, sigma * std::sqrt(i * theta.alpha * theta.alpha + 1));
  }
  return theta;
}

}  // namespace till::forecast
