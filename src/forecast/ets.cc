#include "forecast/ets.h"

#include <Eigen/Dense>
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <nlopt.hpp>
#include <numbers>
#include <optional>
#include <unsupported/Eigen/KroneckerProduct>

#include "forecast/stats.h"

namespace till::forecast {
namespace {

constexpr int kMaxSeason = 24;     // forecast::ets's limit on the season length
constexpr double kLower = 1e-4;    // R's default lower bound of alpha, beta, gamma
constexpr double kUpper = 0.9999;  // and upper bound
constexpr double kPhiLower = 0.8;  // R's bounds of the damping parameter
constexpr double kPhiUpper = 0.98;
constexpr double kTolerance = 1e-10;    // etscalc's TOL
constexpr double kRunTolerance = 1e-6;  // a likelihood run's relative tolerance (FitEtsRounds)
constexpr double kHuge = 1e10;          // etscalc's HUGEN
// What the objective returns outside the admissible region. Nelder-Mead only compares values,
// so a large finite number rejects a point as surely as infinity, without arithmetic on it.
constexpr double kRejected = 1e300;

bool HasTrend(const EtsForm& f) { return f.trend != Component::kNone; }
bool HasSeason(const EtsForm& f) { return f.season != Component::kNone; }

// The model's smoothing parameters.
struct Smoothing {
  double alpha = 0, beta = 0, gamma = 0, phi = 1;
};

// One pass of the model over y from the initial state x0 (level, trend, m seasonal states
// with the most recent first), as forecast's etscalc: residuals, the likelihood term and the
// mean squared one-step error. Returns false when a forecast is undefined.
struct Pass {
  double lik = 0;  // n·log Σe² (+ 2Σlog|ŷ| for multiplicative errors)
  double mse = 0;
};
// The pass for one form, the components fixed at compile time: it runs at every evaluation of
// the likelihood, and the branches on the form would otherwise be taken at every step. The
// residuals, fitted values and last state are kept only when `record` (the final evaluation of
// a fit), so that the optimiser's passes carry no stores or tests for them.
template <bool multiplicative_error, bool trend, Component season, bool record>
bool RunPassFor(std::span<const double> y, int m, const Smoothing& p, std::span<const double> x0,
                Pass& out, std::vector<double>* residuals, std::vector<double>* fitted,
                std::vector<double>* last_state) {
  // The pass is bound by the chain of dependent operations from one step's forecast to the
  // next, not by arithmetic, so the recursion carries the level l and φ·b (the trend's part of
  // the next forecast) and writes the updates of forecast's update() so that every term not
  // depending on this step's forecast q is formed while q is still being computed:
  //   l' = q + α(input - q)  as  α·input + (1 - α)·q,
  //   φb' = φ(φb + β(input - q))  as  (φ·φb + φβ·input) - φβ·q,
  // which leaves one multiply and one add after q instead of a subtract, a multiply and an
  // add after φ·b. The same values up to rounding.
  const double alpha = p.alpha, keep = 1 - p.alpha;
  const double phi_beta = trend ? p.phi * p.beta : 0.0;
  double l = x0[0];
  double phib = trend ? p.phi * x0[1] : 0.0;
  double b = trend ? x0[1] : 0.0;  // kept only when recording, for the last state
  // The seasonal states in a ring: ring[head] is the most recent, the one before head (mod m)
  // the oldest, which this step's forecast uses and whose slot the new state takes.
  std::array<double, kMaxSeason> ring{};
  int head = 0;
  if constexpr (season != Component::kNone) {
    for (int j = 0; j < m; ++j) ring[j] = x0[(trend ? 2 : 1) + j];
  }
  double sse = 0;
  // Σlog|ŷ| as the log of a product kept as mantissa and binary exponent: one logarithm per
  // pass instead of one per step.
  double product = 1;
  int64_t exponent = 0;
  const std::size_t n = y.size();
  if constexpr (record) {
    residuals->resize(n);
    fitted->resize(n);
  }
  for (std::size_t i = 0; i < n; ++i) {
    const int oldest = head == 0 ? m - 1 : head - 1;
    double olds = 0;  // s[t-m]
    if constexpr (season != Component::kNone) olds = ring[oldest];
    const double q = l + phib;  // the level and trend part of the one-step forecast
    double f = q;
    if constexpr (season == Component::kAdditive) f += olds;
    if constexpr (season == Component::kMultiplicative) f *= olds;
    double e;
    if constexpr (multiplicative_error) {
      e = (y[i] - f) / f;
    } else {
      e = y[i] - f;
    }
    if constexpr (record) {
      (*residuals)[i] = e;
      (*fitted)[i] = f;
    }
    double level_input;
    if constexpr (season == Component::kNone) {
      level_input = y[i];
    } else if constexpr (season == Component::kAdditive) {
      level_input = y[i] - olds;
    } else {
      level_input = std::fabs(olds) < kTolerance ? kHuge : y[i] / olds;
    }
    if constexpr (trend) {
      if constexpr (record) b = phib + p.beta * (level_input - q);
      phib = (p.phi * phib + phi_beta * level_input) - phi_beta * q;
    }
    l = alpha * level_input + keep * q;
    if constexpr (season != Component::kNone) {
      double t;
      if constexpr (season == Component::kAdditive) {
        t = y[i] - q;
      } else {
        t = std::fabs(q) < kTolerance ? kHuge : y[i] / q;
      }
      ring[oldest] = olds + p.gamma * (t - olds);
      head = oldest;
    }
    sse += e * e;
    if constexpr (multiplicative_error) {
      product *= std::fabs(f);
      // Renormalised only when it leaves a wide range (the data are scaled near 1, so rarely):
      // a frexp at every step cost a twentieth of the pass.
      if (!(product > 1e-150 && product < 1e150)) {
        int e2 = 0;
        product = std::frexp(product, &e2);
        exponent += e2;
      }
    }
  }
  out.lik = static_cast<double>(n) * std::log(sse);
  if constexpr (multiplicative_error) {
    out.lik += 2 * (std::log(product) + static_cast<double>(exponent) * std::numbers::ln2);
  }
  out.mse = sse / static_cast<double>(n);
  if constexpr (record) {
    last_state->assign({l});
    if constexpr (trend) last_state->push_back(b);
    if constexpr (season != Component::kNone) {
      for (int j = 0; j < m; ++j) last_state->push_back(ring[(head + j) % m]);
    }
  }
  return std::isfinite(out.lik) || out.lik == -std::numeric_limits<double>::infinity();
}

// `residuals`, `fitted` and `last_state` are either all given or all null.
bool RunPass(std::span<const double> y, const EtsForm& form, int m, const Smoothing& p,
             std::span<const double> x0, Pass& out, std::vector<double>* residuals,
             std::vector<double>* fitted, std::vector<double>* last_state) {
  auto with = [&]<bool E, bool T, bool R>() {
    switch (form.season) {
      case Component::kNone:
        return RunPassFor<E, T, Component::kNone, R>(y, m, p, x0, out, residuals, fitted,
                                                     last_state);
      case Component::kAdditive:
        return RunPassFor<E, T, Component::kAdditive, R>(y, m, p, x0, out, residuals, fitted,
                                                         last_state);
      case Component::kMultiplicative:
        return RunPassFor<E, T, Component::kMultiplicative, R>(y, m, p, x0, out, residuals, fitted,
                                                               last_state);
    }
    return false;
  };
  const bool e = form.error == Component::kMultiplicative, t = HasTrend(form);
  if (residuals) {
    if (e) return t ? with.operator()<true, true, true>() : with.operator()<true, false, true>();
    return t ? with.operator()<false, true, true>() : with.operator()<false, false, true>();
  }
  if (e) return t ? with.operator()<true, true, false>() : with.operator()<true, false, false>();
  return t ? with.operator()<false, true, false>() : with.operator()<false, false, false>();
}

// Whether every root of a[0] + a[1]z + ... + a[d]z^d has |z| < radius: the Schur-Cohn
// recursion on the coefficients of p(radius·z), O(d²). R finds the roots (polyroot) and takes
// the largest modulus; an eigenvalue solve of the companion matrix did the same here, but at
// every evaluation of the likelihood it took nine tenths of a fit's time, so this test, which
// answers the same question without the roots, is written out instead.
// The coefficients live in fixed arrays (degree at most kMaxSeason + 1): the test runs at
// every evaluation, where a heap allocation cost as much as the test itself.
using Polynomial = std::array<double, kMaxSeason + 2>;
bool RootsWithin(Polynomial a, std::size_t degree, double radius) {
  double power = 1;
  for (std::size_t k = 0; k <= degree; ++k) {
    a[k] *= power;
    power *= radius;
  }
  Polynomial next;
  for (std::size_t d = degree; d >= 1; --d) {
    const double a0 = a[0], ad = a[d];
    if (!(std::fabs(a0) < std::fabs(ad))) return false;
    // (ad·p(z) - a0·z^d·p(1/z)) / z, scaled to keep its size near 1.
    double largest = 0;
    for (std::size_t k = 1; k <= d; ++k) {
      next[k - 1] = ad * a[k] - a0 * a[d - k];
      largest = std::max(largest, std::fabs(next[k - 1]));
    }
    if (!(largest > 0)) return false;
    for (std::size_t k = 0; k < d; ++k) a[k] = next[k] / largest;
  }
  return true;
}

// forecast:::admissible: the parameters give a forecastable model (the roots of the
// characteristic polynomial inside the unit circle).
bool Admissible(const EtsForm& form, const Smoothing& p, int m) {
  const double phi = form.damped ? p.phi : 1.0;
  if (phi < 0 || phi > 1 + 1e-8) return false;
  const double alpha = p.alpha;
  if (!HasSeason(form)) {
    if (alpha < 1 - 1 / phi || alpha > 1 + 1 / phi) return false;
    if (HasTrend(form) && (p.beta < alpha * (phi - 1) || p.beta > (1 + phi) * (2 - alpha))) {
      return false;
    }
    return true;
  }
  if (m <= 1) return true;
  const double beta = HasTrend(form) ? p.beta : 0.0;
  const double gamma = p.gamma;
  if (gamma < std::max(1 - 1 / phi - alpha, 0.0) || gamma > 1 + 1 / phi - alpha) return false;
  if (alpha < 1 - 1 / phi - gamma * (1 - m + phi + phi * m) / (2 * phi * m)) return false;
  if (beta < -(1 - phi) * (gamma / m + alpha)) return false;
  // P(z) = c0 + c1 z + ... + z^(m+1), coefficients as R's admissible() lists them.
  Polynomial c{};
  std::size_t k = 0;
  c[k++] = phi * (1 - alpha - gamma);
  c[k++] = alpha + beta - alpha * phi + gamma - 1;
  for (int i = 0; i < m - 2; ++i) c[k++] = alpha + beta - alpha * phi;
  c[k++] = alpha + beta - phi;
  c[k] = 1;
  return RootsWithin(c, k, 1 + 1e-10);
}

// forecast:::check.param with bounds = "both".
bool ParametersValid(const EtsForm& form, const Smoothing& p, int m) {
  if (p.alpha < kLower || p.alpha > kUpper) return false;
  if (HasTrend(form) && (p.beta < kLower || p.beta > p.alpha || p.beta > kUpper)) return false;
  if (form.damped && (p.phi < kPhiLower || p.phi > kPhiUpper)) return false;
  if (HasSeason(form) && (p.gamma < kLower || p.gamma > 1 - p.alpha || p.gamma > kUpper)) {
    return false;
  }
  return Admissible(form, p, m);
}

// forecast:::initparam: the optimiser's starting parameters.
Smoothing InitialParameters(const EtsForm& form, int m) {
  Smoothing p;
  p.alpha = kLower + 0.2 * (kUpper - kLower) / m;
  if (p.alpha > 1 || p.alpha < 0) p.alpha = kLower + 0.002;
  if (HasTrend(form)) {
    double upper = std::min(kUpper, p.alpha);
    p.beta = kLower + 0.1 * (upper - kLower);
    if (p.beta < 0 || p.beta > p.alpha) p.beta = p.alpha - 0.001;
  }
  if (HasSeason(form)) {
    double upper = std::min(kUpper, 1 - p.alpha);
    p.gamma = kLower + 0.05 * (upper - kLower);
    if (p.gamma < 0 || p.gamma > 1 - p.alpha) p.gamma = 1 - p.alpha - 0.001;
  }
  if (form.damped) p.phi = kPhiLower + 0.99 * (kPhiUpper - kPhiLower);
  return p;
}

// forecast:::initstate: level, trend and m - 1 seasonal states (the last one follows from
// the others) from a decomposition and a straight line through the first values.
std::vector<double> InitialStates(std::span<const double> y, const EtsForm& form, int m) {
  const int n = static_cast<int>(y.size());
  std::vector<double> seasonal_states;
  std::vector<double> adjusted(y.begin(), y.end());
  int season_length = 1;
  if (HasSeason(form)) {
    season_length = m;
    std::vector<double> seasonal;
    const bool additive = form.season == Component::kAdditive;
    if (n < 3 * m) {
      Line fit = FitTrendFourier(y, m);
      seasonal.resize(n);
      for (int t = 0; t < n; ++t) {
        double trend = fit.intercept + fit.slope * (t + 1);
        seasonal[t] = additive ? y[t] - trend : y[t] / trend;
      }
    } else {
      seasonal = DecomposeSeasonal(
          y, m, additive ? Decomposition::kAdditive : Decomposition::kMultiplicative);
    }
    for (int i = m - 1; i >= 1; --i) seasonal_states.push_back(seasonal[i]);
    if (additive) {
      for (int t = 0; t < n; ++t) adjusted[t] = y[t] - seasonal[t];
    } else {
      double sum = 0;
      for (double& s : seasonal_states) {
        s = std::max(s, 0.01);
        sum += s;
      }
      if (sum > m) {
        double denominator = sum + 0.01 * (m - 1);
        for (double& s : seasonal_states) s /= denominator;
      }
      for (int t = 0; t < n; ++t) adjusted[t] = y[t] / std::max(seasonal[t], 0.01);
    }
  }
  const int maxn = std::min(std::max(10, 2 * season_length), n);
  std::vector<double> states;
  if (!HasTrend(form)) {
    double mean = 0;
    for (int t = 0; t < maxn; ++t) mean += adjusted[t] / maxn;
    states.push_back(mean);
  } else {
    std::vector<double> x(maxn);
    for (int t = 0; t < maxn; ++t) x[t] = t + 1;
    Line fit = FitLine(x, std::span<const double>(adjusted).first(maxn));
    double l0 = fit.intercept, b0 = fit.slope;
    if (std::fabs(l0 + b0) < 1e-8) {
      l0 *= 1 + 1e-3;
      b0 *= 1 - 1e-3;
    }
    states.push_back(l0);
    states.push_back(b0);
  }
  states.insert(states.end(), seasonal_states.begin(), seasonal_states.end());
  return states;
}

int ParameterCount(const EtsForm& form) {
  return 1 + HasTrend(form) + HasSeason(form) + form.damped;
}

// What the optimiser sees: a vector of [alpha, beta?, gamma?, phi?, l0, b0?, s0..s(m-2)].
struct Problem {
  std::span<const double> y;
  EtsForm form;
  int m = 1;
  Criterion criterion = Criterion::kLikelihood;
  std::vector<double> state;  // scratch, m + 2 long

  Smoothing Unpack(const double* x) const {
    Smoothing p;
    int k = 0;
    p.alpha = x[k++];
    if (HasTrend(form)) p.beta = x[k++];
    if (HasSeason(form)) p.gamma = x[k++];
    p.phi = form.damped ? x[k++] : 1.0;
    return p;
  }
  // The full initial state, with the last seasonal state that makes the season sum to m
  // (multiplicative) or 0 (additive).
  void FullState(const double* x, std::size_t size) {
    const int first = ParameterCount(form);
    state.assign(x + first, x + size);
    if (HasSeason(form)) {
      double sum = 0;
      for (std::size_t i = 1 + HasTrend(form); i < state.size(); ++i) sum += state[i];
      state.push_back((form.season == Component::kMultiplicative ? m : 0) - sum);
    }
  }
  double Evaluate(const double* x, std::size_t size) {
    Smoothing p = Unpack(x);
    if (!ParametersValid(form, p, m)) return kRejected;
    FullState(x, size);
    if (form.season == Component::kMultiplicative) {
      for (std::size_t i = 1 + HasTrend(form); i < state.size(); ++i) {
        if (state[i] < 0) return kRejected;
      }
    }
    Pass pass;
    RunPass(y, form, m, p, state, pass, nullptr, nullptr, nullptr);
    double value = criterion == Criterion::kLikelihood ? pass.lik : pass.mse;
    if (std::isnan(value)) return kRejected;
    return std::max(value, -1e10);  // as etsTargetFunction: no reward for a perfect fit
  }
};

double Objective(unsigned size, const double* x, double*, void* data) {
  return static_cast<Problem*>(data)->Evaluate(x, size);
}

}  // namespace

std::string EtsForm::Name() const {
  auto letter = [](Component c) {
    return c == Component::kNone ? "N" : c == Component::kAdditive ? "A" : "M";
  };
  return std::string("ETS(") + letter(error) + "," + letter(trend) + (damped ? "d" : "") + "," +
         letter(season) + ")";
}

std::string EtsForm::Code() const {
  auto letter = [](Component c) {
    return c == Component::kNone ? "N" : c == Component::kAdditive ? "A" : "M";
  };
  return std::string(letter(error)) + letter(trend) + (damped ? "d" : "") + letter(season);
}

Result<EtsForm> ParseEtsForm(std::string_view code) {
  auto component = [](char c, bool allow_none) -> std::optional<Component> {
    if (c == 'A') return Component::kAdditive;
    if (c == 'M') return Component::kMultiplicative;
    if (c == 'N' && allow_none) return Component::kNone;
    return std::nullopt;
  };
  EtsForm form;
  bool ok = code.size() == 3 || (code.size() == 4 && code[2] == 'd');
  if (ok) {
    auto e = component(code[0], false);
    auto t = component(code[1], true);
    auto s = component(code.back(), true);
    form.damped = code.size() == 4;
    ok =
        e && t && s && *t != Component::kMultiplicative && !(form.damped && *t == Component::kNone);
    if (ok) {
      form.error = *e;
      form.trend = *t;
      form.season = *s;
    }
  }
  if (!ok) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "unknown ETS form '" + std::string(code) +
                         "' (expected error A|M, trend N|A|Ad, season N|A|M, e.g. MAdM)");
  }
  return form;
}

namespace {

// FitEts with at most `max_rounds` Nelder-Mead runs (each restarted from the last one's end).
Result<EtsFit> FitEtsRounds(std::span<const double> y, int m, EtsForm form, Criterion criterion,
                            const EtsFit* start, int max_rounds, int max_evals = 2000,
                            bool* stopped_by_limit = nullptr) {
  if (stopped_by_limit) *stopped_by_limit = false;
  const int n = static_cast<int>(y.size());
  if (!HasSeason(form)) m = 1;
  auto refuse = [&](const std::string& why) {
    return MakeError(ErrorCode::kInvalidArgument, form.Name() + ": " + why);
  };
  if (HasSeason(form) && (m < 2 || m > kMaxSeason)) {
    return refuse("a season of " + std::to_string(m) + " is outside 2..24");
  }
  if (HasSeason(form) && n <= m) return refuse("not more points than one season");
  const bool positive = n > 0 && *std::min_element(y.begin(), y.end()) > 0;
  if ((form.error == Component::kMultiplicative || form.season == Component::kMultiplicative) &&
      !positive) {
    return refuse("multiplicative components need positive data");
  }
  const int npars = 2 + 2 * HasTrend(form) + (HasSeason(form) ? m : 0) + form.damped;
  if (n <= npars + 4) return refuse("too few points for its parameters");

  // The fit runs on y divided by its mean absolute value, so that states and parameters are of
  // like size for the optimiser whatever the units; the likelihood is shifted back below.
  double scale = 0;
  for (double v : y) scale += std::fabs(v) / n;
  if (!(scale > 0) || !std::isfinite(scale)) scale = 1;
  std::vector<double> scaled(y.begin(), y.end());
  for (double& v : scaled) v /= scale;

  Smoothing p0 = InitialParameters(form, m);
  std::vector<double> states = InitialStates(scaled, form, m);
  std::vector<double> x;
  std::vector<double> lower, upper, step;
  x.push_back(p0.alpha);
  if (HasTrend(form)) x.push_back(p0.beta);
  if (HasSeason(form)) x.push_back(p0.gamma);
  if (form.damped) x.push_back(p0.phi);
  for (std::size_t i = 0; i < x.size(); ++i) {
    bool is_phi = form.damped && i + 1 == x.size();
    lower.push_back(is_phi ? kPhiLower : kLower);
    upper.push_back(is_phi ? kPhiUpper : kUpper);
    step.push_back(is_phi ? 0.02 : 0.05);
  }
  for (double s : states) {
    x.push_back(s);
    lower.push_back(-HUGE_VAL);
    upper.push_back(HUGE_VAL);
    step.push_back(std::max(0.1 * std::fabs(s), 0.01));
  }
  const int parameters = static_cast<int>(x.size());
  if (parameters >= n - 1) return refuse("too few points for its parameters");

  Problem problem{scaled, form, m, criterion, {}};
  int rounds = max_rounds;
  if (start && start->form == form && start->m == m &&
      start->initial_state.size() == states.size() + HasSeason(form)) {
    // A warm start from a fit of the same form to a series that begins the same way (the
    // backtest's training parts are prefixes of the series): its estimates, small steps, one
    // run (a second one changed no backtest figure of bench/forecast.sh in its third digit).
    std::vector<double> warm = {start->alpha};
    if (HasTrend(form)) warm.push_back(start->beta);
    if (HasSeason(form)) warm.push_back(start->gamma);
    if (form.damped) warm.push_back(start->phi);
    for (std::size_t i = 0; i < states.size(); ++i) {
      bool scaled_state =
          static_cast<int>(i) < 1 + HasTrend(form) || form.season == Component::kAdditive;
      warm.push_back(start->initial_state[i] / (scaled_state ? scale : 1.0));
    }
    if (problem.Evaluate(warm.data(), warm.size()) < kRejected) {
      x = warm;
      for (std::size_t i = 0; i < step.size(); ++i) {
        step[i] = std::isfinite(lower[i]) ? 0.01 : std::max(0.02 * std::fabs(x[i]), 0.005);
      }
      rounds = max_rounds;
    }
  }
  if (problem.Evaluate(x.data(), x.size()) >= kRejected) {
    return refuse("no admissible starting point");
  }
  // Nelder-Mead as forecast::ets uses it, restarted from its own result until a restart
  // improves the value by less than 1e-5 of it (about 0.01 of likelihood on the bench's series,
  // far below any AICc gap that decides a choice): a simplex that has collapsed early is the
  // usual failure of the method. Each run stops when its simplex's values agree to 1e-6 (R's
  // optim asks √ε, 1.5e-8): ten times finer than the restarts' rule, which decides what counts
  // as the same optimum. On bench/forecast.sh: the same forms and models chosen as at √ε, the
  // forecasts within 4e-4, the mean backtest figures within 3e-4 (one series' ETS MASE moved
  // 0.009), for half the evaluations (the runs at √ε spent the rest below that resolution).
  // The mean squared error of Theta's fit keeps √ε: its optimum is flat, and thetaf's
  // forecasts, which the tests compare with R's to 1e-3, move with where in it a run stops.
  double best = HUGE_VAL;
  for (int round = 0; round < rounds; ++round) {
    nlopt::opt opt(nlopt::LN_NELDERMEAD, static_cast<unsigned>(x.size()));
    opt.set_lower_bounds(lower);
    opt.set_upper_bounds(upper);
    opt.set_initial_step(step);
    opt.set_min_objective(Objective, &problem);
    opt.set_ftol_rel(criterion == Criterion::kLikelihood ? kRunTolerance : 1.5e-8);
    opt.set_maxeval(max_evals);
    double value = HUGE_VAL;
    try {
      nlopt::result why = opt.optimize(x, value);
      if (stopped_by_limit && why == nlopt::MAXEVAL_REACHED) *stopped_by_limit = true;
    } catch (const std::exception&) {
      // NLopt throws for roundoff-limited stops; x holds the best point it found.
      value = problem.Evaluate(x.data(), x.size());
    }
    if (value > best - 1e-5 * std::fabs(best)) {
      best = std::min(best, value);
      break;
    }
    best = value;
    for (std::size_t i = 0; i < step.size(); ++i) {
      step[i] = i < lower.size() && std::isfinite(lower[i])
                    ? 0.02
                    : std::max(0.05 * std::fabs(x[i]), 0.005);
    }
  }

  Smoothing p = problem.Unpack(x.data());
  problem.FullState(x.data(), x.size());
  // Back to the data's scale: level, trend and additive seasonal states scale with y.
  std::vector<double> initial = problem.state;
  for (int i = 0; i < static_cast<int>(initial.size()); ++i) {
    if (i < 1 + HasTrend(form) || form.season == Component::kAdditive) initial[i] *= scale;
  }
  EtsParameters parameters_found{p.alpha, p.beta, p.gamma, p.phi};
  return EvaluateEts(y, m, form, parameters_found, initial);
}

}  // namespace

Result<EtsFit> FitEts(std::span<const double> y, int m, EtsForm form, Criterion criterion,
                      const EtsFit* start) {
  return FitEtsRounds(y, m, form, criterion, start, start ? 1 : 4);
}

Result<EtsFit> EvaluateEts(std::span<const double> y, int m, EtsForm form,
                           const EtsParameters& parameters, std::span<const double> initial) {
  const int n = static_cast<int>(y.size());
  if (!HasSeason(form)) m = 1;
  const std::size_t states = 1 + HasTrend(form) + (HasSeason(form) ? m : 0);
  if (initial.size() != states || n < 1) {
    return MakeError(ErrorCode::kInvalidArgument, form.Name() + ": wrong initial state size");
  }
  EtsFit fit;
  fit.form = form;
  fit.m = m;
  fit.alpha = parameters.alpha;
  fit.beta = HasTrend(form) ? parameters.beta : 0.0;
  fit.gamma = HasSeason(form) ? parameters.gamma : 0.0;
  fit.phi = form.damped ? parameters.phi : 1.0;
  Smoothing p{fit.alpha, fit.beta, fit.gamma, fit.phi};
  fit.initial_state.assign(initial.begin(), initial.end());
  Pass pass;
  RunPass(y, form, m, p, initial, pass, &fit.residuals, &fit.fitted, &fit.last_state);
  if (!std::isfinite(pass.lik)) {
    return MakeError(ErrorCode::kInvalidArgument, form.Name() + ": no finite likelihood");
  }
  // R counts the free initial states: all but the last seasonal one.
  const int count = ParameterCount(form) + static_cast<int>(states) - HasSeason(form);
  fit.n = n;
  fit.parameters = count;
  const int np = count + 1;
  fit.loglik = -0.5 * pass.lik;
  fit.aic = pass.lik + 2.0 * np;
  fit.bic = pass.lik + std::log(static_cast<double>(n)) * np;
  fit.aicc = n - np - 1 > 0 ? fit.aic + 2.0 * np * (np + 1) / (n - np - 1) : HUGE_VAL;
  double sse = 0, sse_data = 0;
  for (int t = 0; t < n; ++t) {
    sse += fit.residuals[t] * fit.residuals[t];
    sse_data += (y[t] - fit.fitted[t]) * (y[t] - fit.fitted[t]);
  }
  fit.sigma2 = n > count ? sse / (n - count) : sse;
  fit.mse = sse_data / n;
  return fit;
}

std::vector<EtsForm> CandidateForms(std::span<const double> y, int m) {
  const int n = static_cast<int>(y.size());
  const bool positive = n > 0 && *std::min_element(y.begin(), y.end()) > 0;
  const bool seasonal = m >= 2 && m <= kMaxSeason && n > m;
  std::vector<EtsForm> forms;
  for (Component error : {Component::kAdditive, Component::kMultiplicative}) {
    if (error == Component::kMultiplicative && !positive) continue;
    for (Component trend : {Component::kNone, Component::kAdditive}) {
      for (Component season :
           {Component::kNone, Component::kAdditive, Component::kMultiplicative}) {
        if (season != Component::kNone && !seasonal) continue;
        if (error == Component::kAdditive && season == Component::kMultiplicative) continue;
        for (bool damped : {true, false}) {
          if (damped && trend == Component::kNone) continue;
          EtsForm form{error, trend, season, damped};
          const int npars = 2 + 2 * HasTrend(form) + (HasSeason(form) ? m : 0) + damped;
          if (n <= npars + 4) continue;
          forms.push_back(form);
        }
      }
    }
  }
  return forms;
}

Result<EtsSelection> SelectEts(std::span<const double> y, int m) {
  // Two stages. First every form gets one Nelder-Mead run of up to 1000 evaluations. Then the
  // forms whose run converged but ended more than kPolishMargin of AICc behind the best so far
  // are left there; every other form is refined from where its run stopped, with FitEts's
  // warm start and restarts. A converged run is near its optimum: on the 36 daily series of
  // bench/forecast.sh refining such forms changed their AICc by at most 6.4, so one further
  // behind than 8 cannot overtake the best. A run stopped by its limit can be far from it
  // (AirPassengers' MAdM gained 30), so it is always refined. The forms chosen are the same as
  // with every form fully refined, on those 36 series and on R's monthly classics (the
  // reference test compares them with ets()'s choice), for about half the time; refining
  // the converged forms far behind was the rest.
  constexpr double kPolishMargin = 8;
  constexpr int kScreenEvaluations = 1000;
  EtsSelection selection;
  std::vector<std::optional<EtsFit>> fits;
  std::vector<bool> stopped;  // the first run ended at its evaluation limit, not converged
  double best_aicc = HUGE_VAL;
  for (const EtsForm& form : CandidateForms(y, m)) {
    bool unfinished = false;
    auto fit = FitEtsRounds(y, m, form, Criterion::kLikelihood, nullptr, 1, kScreenEvaluations,
                            &unfinished);
    if (fit && std::isfinite(fit->aicc)) {
      best_aicc = std::min(best_aicc, fit->aicc);
      fits.emplace_back(std::move(fit).value());
    } else {
      fits.emplace_back();
    }
    stopped.push_back(unfinished);
    selection.tried.push_back({form, HUGE_VAL});
  }
  bool found = false;
  for (std::size_t i = 0; i < fits.size(); ++i) {
    if (!fits[i]) continue;
    if (stopped[i] || fits[i]->aicc <= best_aicc + kPolishMargin) {
      auto polished = FitEtsRounds(y, m, fits[i]->form, Criterion::kLikelihood, &*fits[i], 4);
      if (polished && std::isfinite(polished->aicc) && polished->aicc < fits[i]->aicc) {
        fits[i] = std::move(polished).value();
      }
    }
    selection.tried[i].aicc = fits[i]->aicc;
    if (!found || fits[i]->aicc < selection.best.aicc) {
      selection.best = *fits[i];
      found = true;
    }
  }
  if (!found) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "no ETS form can be fitted to " + std::to_string(y.size()) + " points");
  }
  return selection;
}

namespace {

struct MeanVariance {
  std::vector<double> mu, var;
};

// forecast:::class1 (linear models, additive errors), whose coefficients c_j class 2 reuses.
MeanVariance Class1(const EtsFit& fit, int h, std::vector<double>* c_out) {
  const int p = static_cast<int>(fit.last_state.size());
  const bool trend = HasTrend(fit.form), season = HasSeason(fit.form);
  const int m = fit.m;
  const double phi = fit.form.damped ? fit.phi : 1.0;
  Eigen::RowVectorXd H = Eigen::RowVectorXd::Zero(p);
  H(0) = 1;
  if (season) H(p - 1) = 1;
  if (trend) H(1) = phi;
  Eigen::MatrixXd F = Eigen::MatrixXd::Zero(p, p);
  F(0, 0) = 1;
  if (trend) F(0, 1) = F(1, 1) = phi;
  if (season) {
    F(p - m, p - 1) = 1;
    for (int i = 0; i < m - 1; ++i) F(p - m + 1 + i, p - m + i) = 1;
  }
  Eigen::VectorXd G = Eigen::VectorXd::Zero(p);
  G(0) = fit.alpha;
  if (trend) G(1) = fit.beta;
  if (season) G(trend ? 2 : 1) = fit.gamma;
  Eigen::VectorXd x = Eigen::Map<const Eigen::VectorXd>(fit.last_state.data(), p);
  MeanVariance out{std::vector<double>(h), std::vector<double>(h)};
  std::vector<double> c(h > 1 ? h - 1 : 0);
  Eigen::MatrixXd Fj = Eigen::MatrixXd::Identity(p, p);
  double cumulative = 0;
  for (int i = 0; i < h; ++i) {
    out.mu[i] = H * Fj * x;
    out.var[i] = fit.sigma2 * (1 + cumulative);
    if (i < h - 1) {
      c[i] = H * Fj * G;
      cumulative += c[i] * c[i];
      Fj = Fj * F;
    }
  }
  if (c_out) *c_out = c;
  return out;
}

// forecast:::class2 (linear models, multiplicative errors).
MeanVariance Class2(const EtsFit& fit, int h) {
  std::vector<double> c;
  MeanVariance out = Class1(fit, h, &c);
  std::vector<double> theta(h);
  theta[0] = out.mu[0] * out.mu[0];
  for (int j = 1; j < h; ++j) {
    double s = 0;
    for (int k = 0; k < j; ++k) s += c[k] * c[k] * theta[j - 1 - k];
    theta[j] = out.mu[j] * out.mu[j] + fit.sigma2 * s;
  }
  for (int j = 0; j < h; ++j) out.var[j] = (1 + fit.sigma2) * theta[j] - out.mu[j] * out.mu[j];
  return out;
}

// forecast:::class3 (multiplicative errors and season, no multiplicative trend), written as R
// writes it, including its mean, which R reports as the point forecast.
MeanVariance Class3(const EtsFit& fit, int h) {
  using Eigen::MatrixXd;
  const int p = static_cast<int>(fit.last_state.size());
  const int m = fit.m;
  const bool trend = HasTrend(fit.form);
  const int q = trend ? 2 : 1;
  const double s2 = fit.sigma2;
  MatrixXd H1 = MatrixXd::Ones(1, q);
  MatrixXd H2 = MatrixXd::Zero(1, m);
  H2(0, m - 1) = 1;
  MatrixXd F1(q, q), G1(q, q);
  if (!trend) {
    F1 << 1;
    G1 << fit.alpha;
  } else {
    F1 << 1, 1, 0, fit.form.damped ? fit.phi : 1.0;
    G1 << fit.alpha, fit.alpha, fit.beta, fit.beta;
  }
  MatrixXd F2 = MatrixXd::Zero(m, m);
  F2(0, m - 1) = 1;
  for (int i = 1; i < m; ++i) F2(i, i - 1) = 1;
  MatrixXd G2 = MatrixXd::Zero(m, m);
  G2(0, m - 1) = fit.gamma;
  MatrixXd Mh(q, m);
  for (int i = 0; i < q; ++i) {
    for (int j = 0; j < m; ++j) Mh(i, j) = fit.last_state[i] * fit.last_state[p - m + j];
  }
  MatrixXd Vh = MatrixXd::Zero(q * m, q * m);
  MatrixXd H21 = Eigen::kroneckerProduct(H2, H1);
  MatrixXd F21 = Eigen::kroneckerProduct(F2, F1);
  MatrixXd G21 = Eigen::kroneckerProduct(G2, G1);
  MatrixXd K =
      MatrixXd(Eigen::kroneckerProduct(G2, F1)) + MatrixXd(Eigen::kroneckerProduct(F2, G1));
  MeanVariance out{std::vector<double>(h), std::vector<double>(h)};
  for (int i = 0; i < h; ++i) {
    out.mu[i] = (H1 * Mh * H2.transpose())(0, 0);
    out.var[i] = (1 + s2) * (H21 * Vh * H21.transpose())(0, 0) + s2 * out.mu[i] * out.mu[i];
    Eigen::VectorXd vec = Eigen::Map<Eigen::VectorXd>(Mh.data(), q * m);
    MatrixXd outer = vec * vec.transpose();
    MatrixXd next =
        F21 * Vh * F21.transpose() +
        s2 * (F21 * Vh * G21.transpose() + G21 * Vh * F21.transpose() +
              K * (Vh + outer) * K.transpose() + s2 * G21 * (3 * Vh + 2 * outer) * G21.transpose());
    Vh = next;
    Mh = MatrixXd(F1 * Mh * F2.transpose() + G1 * Mh * G2.transpose() * s2);
  }
  return out;
}

}  // namespace

Prediction ForecastEts(const EtsFit& fit, int h) {
  Prediction prediction;
  prediction.Resize(h);
  if (h <= 0) return prediction;
  MeanVariance mv;
  if (fit.form.error == Component::kAdditive) {
    mv = Class1(fit, h, nullptr);
  } else if (fit.form.season != Component::kMultiplicative) {
    mv = Class2(fit, h);
  } else {
    mv = Class3(fit, h);
  }
  for (int i = 0; i < h; ++i)
    prediction.SetNormal(i, mv.mu[i], std::sqrt(std::max(mv.var[i], 0.0)));
  return prediction;
}

}  // namespace till::forecast
