#include "segment/lifetime.h"

#include <algorithm>
#include <boost/math/special_functions/digamma.hpp>
#include <boost/math/special_functions/expm1.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <boost/math/special_functions/hypergeometric_pFq.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <nlopt.hpp>
#include <numeric>
#include <string>
#include <vector>

namespace till::segment {
namespace {

// std::lgamma writes the sign of Γ to the global signgam, a data race when two fits run at once
// (till serve fits several selections on its pool); glibc's lgamma_r returns the same value and
// keeps the sign to itself.
double LogGamma(double x) {
  int sign = 0;
  return ::lgamma_r(x, &sign);
}

// log(exp(u) + exp(v)) without overflow.
double LogAddExp(double u, double v) {
  return u > v ? u + std::log1p(std::exp(v - u)) : v + std::log1p(std::exp(u - v));
}

// The logs of the parameters move within these bounds: wide enough for any retail data in
// days, narrow enough that a likelihood whose supremum lies at infinity (no drop-out at all,
// say) still ends at a finite point.
constexpr double kLowerLog = -12;
constexpr double kUpperLog = 14;

// The integral of exp(beta v) for v from 0 to u, and its derivative in beta; by their series
// where expm1 / beta would lose digits.
double Grown(double beta, double u) {
  const double z = beta * u;
  if (std::abs(z) < 1e-5) return u * (1 + z / 2 + z * z / 6);
  return boost::math::expm1(z) / beta;
}
double GrownDerivative(double beta, double u) {
  const double z = beta * u;
  if (std::abs(z) < 1e-5) return u * u * (0.5 + z / 3 + z * z / 8);
  return (u * std::exp(z) - boost::math::expm1(z) / beta) / beta;
}

// A customer's times on the trend's clock: tau(t) = the integral from the first purchase to t
// of exp(beta (s - T)), with T the end of the observation; and d tau / d beta.
struct TrendTime {
  double tau = 0, derivative = 0;
};
TrendTime OnTrendClock(double beta, double t, double T) {
  if (beta == 0) return {t, GrownDerivative(0, t) - T * t};
  const double shrink = std::exp(-beta * T);
  const double grown = Grown(beta, t);
  return {shrink * grown, shrink * (GrownDerivative(beta, t) - T * grown)};
}

// The customers indexed for repeated evaluation: repeat counts are whole numbers, so every term
// that depends on x alone is computed once per distinct x, and the logs of alpha + t once per
// distinct time.
struct BgNbdData {
  std::vector<uint32_t> x;
  std::vector<uint32_t> t_x;  // into `times`
  std::vector<uint32_t> T;    // into `times`
  std::vector<double> times;
  uint32_t max_x = 0;
  // The sum over customers of sum_t - x T: the log-likelihood of the purchase times under a
  // trend is the trend times this.
  double timing = 0;
};

BgNbdData Index(std::span<const BgNbdCustomer> customers) {
  BgNbdData data;
  data.times.reserve(2 * customers.size());
  for (const auto& c : customers) {
    data.times.push_back(c.t_x);
    data.times.push_back(c.T);
  }
  std::sort(data.times.begin(), data.times.end());
  data.times.erase(std::unique(data.times.begin(), data.times.end()), data.times.end());
  auto at = [&](double t) {
    return static_cast<uint32_t>(std::lower_bound(data.times.begin(), data.times.end(), t) -
                                 data.times.begin());
  };
  for (const auto& c : customers) {
    const auto x = static_cast<uint32_t>(std::lround(c.x));
    data.x.push_back(x);
    data.max_x = std::max(data.max_x, x);
    data.t_x.push_back(at(c.t_x));
    data.T.push_back(at(c.T));
    data.timing += c.sum_t - c.x * c.T;
  }
  return data;
}

// The log-likelihood and, when `gradient` is not null, its gradient with respect to
// (r, alpha, a, b, trend). The times are on the trend's clock (the calendar's when trend = 0),
// the times' term trend * timing added. With A the log of the first term of the likelihood and B of
// the second (present when x > 0), each customer adds log(e^A + e^B). The digamma differences of
// whole steps are finite sums: psi(r + x) - psi(r) = sum over i < x of 1 / (r + i). With a = 0 (no
// drop-out) only the first term is left, with the beta ratio 1: the NBD model, whose gradient in a
// and b is 0.
double BgNbdEvaluate(const BgNbdParams& p, const BgNbdData& data, double* gradient) {
  const bool no_dropout = NoDropout(p);
  const size_t nx = data.max_x + 1;
  std::vector<double> lr(nx), dr(nx), lab0(nx), da0(nx), db0(nx), lab1(nx), da1(nx), db1(nx);
  for (uint32_t x = 0; x < nx; ++x) {
    if (x == 0) {
      lr[0] = dr[0] = lab0[0] = da0[0] = db0[0] = 0;
    } else if (no_dropout) {
      const double i = x - 1;
      lr[x] = lr[x - 1] + std::log(p.r + i);
      dr[x] = dr[x - 1] + 1 / (p.r + i);
      lab0[x] = da0[x] = db0[x] = 0;
    } else {
      const double i = x - 1;
      lr[x] = lr[x - 1] + std::log(p.r + i);
      dr[x] = dr[x - 1] + 1 / (p.r + i);
      lab0[x] = lab0[x - 1] + std::log(p.b + i) - std::log(p.a + p.b + i);
      da0[x] = da0[x - 1] - 1 / (p.a + p.b + i);
      db0[x] = db0[x - 1] + 1 / (p.b + i) - 1 / (p.a + p.b + i);
      // B(a + 1, b + x - 1) / B(a, b + x) = a / (b + x - 1).
      lab1[x] = lab0[x] + std::log(p.a) - std::log(p.b + i);
      da1[x] = da0[x] + 1 / p.a;
      db1[x] = db0[x] - 1 / (p.b + i);
    }
  }
  // The end of the observation on the trend's clock depends on T alone: once per distinct
  // time. Without a trend, so does the last purchase's time; with one, it depends on the pair
  // (t_x, T) and is computed per customer.
  const double beta = p.trend;
  std::vector<double> log_at(data.times.size()), inv_at(data.times.size()),
      d_at(gradient ? data.times.size() : 0);
  for (size_t u = 0; u < data.times.size(); ++u) {
    const TrendTime end = OnTrendClock(beta, data.times[u], data.times[u]);
    log_at[u] = std::log(p.alpha + end.tau);
    inv_at[u] = 1 / (p.alpha + end.tau);
    if (gradient) d_at[u] = end.derivative;
  }
  const double log_alpha = std::log(p.alpha);
  double ll = beta * data.timing, g_r = 0, g_alpha = 0, g_a = 0, g_b = 0, g_trend = data.timing;
  for (size_t i = 0; i < data.x.size(); ++i) {
    const uint32_t x = data.x[i];
    const uint32_t T = data.T[i];
    const double rx = p.r + x;
    const double A = lr[x] + p.r * log_alpha - rx * log_at[T] + lab0[x];
    if (x == 0 || no_dropout) {
      ll += A;
      if (gradient) {
        g_r += dr[x] + log_alpha - log_at[T];
        g_alpha += p.r / p.alpha - rx * inv_at[T];
        g_trend -= rx * inv_at[T] * d_at[T];
      }
      continue;
    }
    double log_last = log_at[data.t_x[i]], inv_last = inv_at[data.t_x[i]], d_last = 0;
    if (beta != 0 || gradient) {
      const TrendTime last = OnTrendClock(beta, data.times[data.t_x[i]], data.times[T]);
      if (beta != 0) {
        log_last = std::log(p.alpha + last.tau);
        inv_last = 1 / (p.alpha + last.tau);
      }
      d_last = last.derivative;
    }
    const double B = lr[x] + p.r * log_alpha - rx * log_last + lab1[x];
    ll += LogAddExp(A, B);
    if (gradient) {
      const double w_a = 1 / (1 + std::exp(B - A)), w_b = 1 - w_a;
      g_r += dr[x] + log_alpha - w_a * log_at[T] - w_b * log_last;
      g_alpha += p.r / p.alpha - rx * (w_a * inv_at[T] + w_b * inv_last);
      g_a += w_a * da0[x] + w_b * da1[x];
      g_b += w_a * db0[x] + w_b * db1[x];
      g_trend -= rx * (w_a * inv_at[T] * d_at[T] + w_b * inv_last * d_last);
    }
  }
  if (gradient) {
    gradient[0] = g_r;
    gradient[1] = g_alpha;
    gradient[2] = g_a;
    gradient[3] = g_b;
    gradient[4] = g_trend;
  }
  return ll;
}

// Maximises `objective(params, gradient)` over the logs of the parameters from `start` with
// L-BFGS; should it fail (it may, where the likelihood is nearly flat towards a bound), with
// BOBYQA, which needs no gradient, from the same start. Returns the parameters.
template <typename Objective>
Result<std::vector<double>> MaximiseLogParams(std::vector<double> start, Objective objective) {
  const size_t n = start.size();
  struct State {
    Objective* objective;
    std::vector<double> params, gradient;
  } state{&objective, std::vector<double>(n), std::vector<double>(n)};
  auto thunk = [](unsigned count, const double* theta, double* grad, void* data) -> double {
    auto* s = static_cast<State*>(data);
    for (unsigned k = 0; k < count; ++k) s->params[k] = std::exp(theta[k]);
    const double value = (*s->objective)(s->params, grad ? s->gradient.data() : nullptr);
    // d/d log(p) = p * d/dp.
    if (grad) {
      for (unsigned k = 0; k < count; ++k) grad[k] = s->gradient[k] * s->params[k];
    }
    return std::isfinite(value) ? value : -std::numeric_limits<double>::max();
  };
  std::string failure;
  for (nlopt::algorithm algorithm : {nlopt::LD_LBFGS, nlopt::LN_BOBYQA}) {
    nlopt::opt opt(algorithm, static_cast<unsigned>(n));
    opt.set_lower_bounds(std::vector<double>(n, kLowerLog));
    opt.set_upper_bounds(std::vector<double>(n, kUpperLog));
    opt.set_ftol_rel(1e-13);
    opt.set_xtol_rel(1e-10);
    opt.set_maxeval(algorithm == nlopt::LD_LBFGS ? 3000 : 20000);
    opt.set_max_objective(thunk, &state);
    std::vector<double> theta(n);
    for (size_t k = 0; k < n; ++k) theta[k] = std::clamp(std::log(start[k]), kLowerLog, kUpperLog);
    double best = 0;
    try {
      opt.optimize(theta, best);
    } catch (const nlopt::roundoff_limited&) {
      // The optimum is found to the precision of the arithmetic: theta holds the best point.
    } catch (const std::exception& error) {
      failure = error.what();
      continue;
    }
    for (double& t : theta) t = std::exp(t);
    return theta;
  }
  return MakeError(ErrorCode::kInternal, "the likelihood fit failed: " + failure);
}

}  // namespace

double BgNbdLogLikelihood(const BgNbdParams& params, std::span<const BgNbdCustomer> customers) {
  return BgNbdEvaluate(params, Index(customers), nullptr);
}

Result<BgNbdParams> FitBgNbd(std::span<const BgNbdCustomer> customers) {
  auto fit = FitBgNbdModels(customers);
  if (!fit) return MakeError(fit.error().code(), fit.error().message());
  return fit->params;
}

Result<BgNbdFit> FitBgNbdModels(std::span<const BgNbdCustomer> customers) {
  if (customers.empty()) return MakeError(ErrorCode::kInvalidArgument, "no customers to fit");
  double sum_x = 0, sum_T = 0;
  for (const auto& c : customers) {
    if (!(c.x >= 0 && c.t_x >= 0 && c.T >= c.t_x) || c.x != std::round(c.x) ||
        (c.x == 0 && c.t_x != 0)) {
      return MakeError(
          ErrorCode::kInvalidArgument,
          "a BG/NBD history needs a whole x >= 0 and 0 <= t_x <= T (t_x = 0 if x = 0)");
    }
    // The repeat purchases lie between the first and the last: t_x <= sum_t <= x t_x, each
    // bound met when they all fall on one of the two days.
    if (!(c.x == 0 ? c.sum_t == 0 : c.sum_t >= c.t_x && c.sum_t <= c.x * c.t_x)) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "a BG/NBD history needs the sum of its repeat purchases' days (sum_t) "
                       "between t_x and x t_x");
    }
    sum_x += c.x;
    sum_T += c.T;
  }
  if (sum_x == 0) {
    return MakeError(ErrorCode::kInvalidArgument, "no customer bought more than once");
  }
  const BgNbdData data = Index(customers);
  // Starts where the mean rate matches the data's: r / alpha = sum x / sum T.
  const double mean_gap = std::max(sum_T / sum_x, 1e-3);
  // The objective of the parameters `free` names (indexes into r, alpha, a, b, trend), the
  // others 0. The trend moves as the growth factor of a year, exp(365 trend), so that
  // MaximiseLogParams' logs give the trend itself, of either sign.
  constexpr double kYear = 365;
  auto objective = [&data](std::vector<int> free) {
    return [&data, free](const std::vector<double>& v, double* g) {
      BgNbdParams p;
      double* fields[] = {&p.r, &p.alpha, &p.a, &p.b, &p.trend};
      for (size_t k = 0; k < free.size(); ++k) {
        *fields[free[k]] = free[k] == 4 ? std::log(v[k]) / kYear : v[k];
      }
      double full[5];
      const double ll = BgNbdEvaluate(p, data, g ? full : nullptr);
      for (size_t k = 0; g && k < free.size(); ++k) {
        g[k] = free[k] == 4 ? full[4] / (kYear * v[k]) : full[free[k]];
      }
      return ll;
    };
  };
  auto nbd = MaximiseLogParams({1.0, mean_gap}, objective({0, 1}));
  if (!nbd) return MakeError(nbd.error().code(), nbd.error().message());
  auto bg_nbd = MaximiseLogParams({1.0, mean_gap, 1.0, 1.0}, objective({0, 1, 2, 3}));
  if (!bg_nbd) return MakeError(bg_nbd.error().code(), bg_nbd.error().message());
  BgNbdFit fit;
  fit.without_dropout = BgNbdParams{(*nbd)[0], (*nbd)[1], 0, 0};
  fit.with_dropout = BgNbdParams{(*bg_nbd)[0], (*bg_nbd)[1], (*bg_nbd)[2], (*bg_nbd)[3]};
  fit.log_likelihood = BgNbdEvaluate(fit.with_dropout, data, nullptr);
  fit.no_dropout_log_likelihood = BgNbdEvaluate(fit.without_dropout, data, nullptr);
  fit.likelihood_ratio = 2 * (fit.log_likelihood - fit.no_dropout_log_likelihood);
  fit.dropout = fit.likelihood_ratio > kDropoutChiSquare;
  fit.params = fit.dropout ? fit.with_dropout : fit.without_dropout;
  // The chosen model with a trend, from its optimum and no trend (a growth factor of 1).
  const BgNbdParams& kept = fit.params;
  auto trended = fit.dropout ? MaximiseLogParams({kept.r, kept.alpha, kept.a, kept.b, 1.0},
                                                 objective({0, 1, 2, 3, 4}))
                             : MaximiseLogParams({kept.r, kept.alpha, 1.0}, objective({0, 1, 4}));
  if (!trended) return MakeError(trended.error().code(), trended.error().message());
  const auto& t = *trended;
  fit.with_trend = fit.dropout ? BgNbdParams{t[0], t[1], t[2], t[3], std::log(t[4]) / kYear}
                               : BgNbdParams{t[0], t[1], 0, 0, std::log(t[2]) / kYear};
  fit.trend_log_likelihood = BgNbdEvaluate(fit.with_trend, data, nullptr);
  const double kept_log_likelihood =
      fit.dropout ? fit.log_likelihood : fit.no_dropout_log_likelihood;
  fit.trend_likelihood_ratio = 2 * (fit.trend_log_likelihood - kept_log_likelihood);
  fit.trend = fit.trend_likelihood_ratio > kDropoutChiSquare;
  if (fit.trend) fit.params = fit.with_trend;
  return fit;
}

double ProbabilityAlive(const BgNbdParams& p, const BgNbdCustomer& c) {
  if (c.x == 0 || NoDropout(p)) return 1;
  const double T = OnTrendClock(p.trend, c.T, c.T).tau;
  const double t_x = OnTrendClock(p.trend, c.t_x, c.T).tau;
  const double odds =
      p.a / (p.b + c.x - 1) * std::exp((p.r + c.x) * std::log((p.alpha + T) / (p.alpha + t_x)));
  return 1 / (1 + odds);
}

double ExpectedPurchasesIfAlive(const BgNbdParams& p, double x, double calendar_T,
                                double calendar_days) {
  // On the trend's clock: the observation's end, and the coming days from it.
  const double T = OnTrendClock(p.trend, calendar_T, calendar_T).tau;
  const double days = Grown(p.trend, calendar_days);
  // No drop-out: the rate's posterior is Gamma(r + x, alpha + T).
  if (NoDropout(p)) return days * (p.r + x) / (p.alpha + T);
  const double z = days / (p.alpha + T + days);
  double hyper = 0;
  try {
    hyper = boost::math::hypergeometric_pFq({p.r + x, p.b + x}, {p.a + p.b + x - 1}, z);
  } catch (const std::exception&) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  const double lead = (p.a + p.b + x - 1) / (p.a - 1);
  const double decay = std::exp((p.r + x) * std::log((p.alpha + T) / (p.alpha + T + days)));
  return lead * (1 - decay * hyper);
}

double ExpectedPurchases(const BgNbdParams& p, const BgNbdCustomer& c, double days) {
  return ExpectedPurchasesIfAlive(p, c.x, c.T, days) * ProbabilityAlive(p, c);
}

double GammaGammaLogLikelihood(const GammaGammaParams& params,
                               std::span<const SpendCustomer> customers) {
  double ll = 0;
  for (const auto& c : customers) {
    const double px = params.p * c.x;
    ll += LogGamma(px + params.q) - LogGamma(px) - LogGamma(params.q) +
          params.q * std::log(params.gamma) + (px - 1) * std::log(c.mean) + px * std::log(c.x) -
          (px + params.q) * std::log(params.gamma + c.mean * c.x);
  }
  return ll;
}

Result<GammaGammaParams> FitGammaGamma(std::span<const SpendCustomer> customers) {
  if (customers.empty()) return MakeError(ErrorCode::kInvalidArgument, "no customers to fit");
  // Order counts are whole numbers: the terms of x alone are computed once per distinct x.
  std::vector<uint32_t> xs;
  std::vector<double> log_mean, mean_x;
  uint32_t max_x = 0;
  double sum_mean = 0;
  for (const auto& c : customers) {
    if (!(c.x >= 1) || c.x != std::round(c.x) || !(c.mean > 0) || !std::isfinite(c.mean)) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "a Gamma-Gamma customer needs a whole order count >= 1 and a positive mean");
    }
    xs.push_back(static_cast<uint32_t>(c.x));
    max_x = std::max(max_x, xs.back());
    log_mean.push_back(std::log(c.mean));
    mean_x.push_back(c.mean * c.x);
    sum_mean += c.mean;
  }
  std::vector<double> lg(max_x + 1), dg(max_x + 1), psi_pxq(max_x + 1), log_x(max_x + 1);
  for (uint32_t x = 1; x <= max_x; ++x) log_x[x] = std::log(static_cast<double>(x));
  auto objective = [&](const std::vector<double>& v, double* gradient) {
    const double p = v[0], q = v[1], gamma = v[2];
    for (uint32_t x = 1; x <= max_x; ++x) {
      const double px = p * x;
      lg[x] = LogGamma(px + q) - LogGamma(px);
      if (gradient) {
        psi_pxq[x] = boost::math::digamma(px + q);
        dg[x] = psi_pxq[x] - boost::math::digamma(px);
      }
    }
    const double constant = -LogGamma(q) + q * std::log(gamma);
    const double psi_q = gradient ? boost::math::digamma(q) : 0;
    const double log_gamma = std::log(gamma);
    double ll = 0, g_p = 0, g_q = 0, g_gamma = 0;
    for (size_t i = 0; i < xs.size(); ++i) {
      const uint32_t x = xs[i];
      const double px = p * x;
      const double log_denominator = std::log(gamma + mean_x[i]);
      ll += lg[x] + constant + (px - 1) * log_mean[i] + px * log_x[x] - (px + q) * log_denominator;
      if (gradient) {
        g_p += x * (dg[x] + log_mean[i] + log_x[x] - log_denominator);
        g_q += psi_pxq[x] - psi_q + log_gamma - log_denominator;
        g_gamma += q / gamma - (px + q) / (gamma + mean_x[i]);
      }
    }
    if (gradient) {
      gradient[0] = g_p;
      gradient[1] = g_q;
      gradient[2] = g_gamma;
    }
    return ll;
  };
  // A start whose population mean p * gamma / (q - 1) is the data's mean order value.
  const double mean = sum_mean / static_cast<double>(customers.size());
  auto fitted = MaximiseLogParams({1.0, 2.0, mean}, objective);
  if (!fitted) return MakeError(fitted.error().code(), fitted.error().message());
  const auto& v = *fitted;
  return GammaGammaParams{v[0], v[1], v[2]};
}

double ExpectedOrderValue(const GammaGammaParams& params, const SpendCustomer& customer) {
  const double px = params.p * customer.x;
  return params.p * (params.gamma + customer.mean * customer.x) / (px + params.q - 1);
}

}  // namespace till::segment
