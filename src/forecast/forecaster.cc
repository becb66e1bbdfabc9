#include "forecast/forecaster.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <thread>

#include "forecast/baseline.h"
#include "forecast/ets.h"
#include "forecast/stats.h"
#include "forecast/theta.h"

namespace till::forecast {
namespace {

constexpr ModelKind kKinds[] = {ModelKind::kNaive, ModelKind::kSeasonalNaive, ModelKind::kEts,
                                ModelKind::kTheta, ModelKind::kCombination};

// A prediction of the same value with no spread: for a constant series or a single value.
Prediction Flat(double value, int h) {
  Prediction p;
  p.Resize(h);
  for (int i = 0; i < h; ++i) p.SetNormal(i, value, 0);
  return p;
}

// The mean of several predictions, bound by bound.
Prediction Average(const std::vector<const Prediction*>& parts, int h) {
  Prediction p;
  p.Resize(h);
  for (const Prediction* part : parts) {
    for (int i = 0; i < h; ++i) {
      double w = 1.0 / static_cast<double>(parts.size());
      p.point[i] += w * part->point[i];
      p.lo80[i] += w * part->lo80[i];
      p.hi80[i] += w * part->hi80[i];
      p.lo95[i] += w * part->lo95[i];
      p.hi95[i] += w * part->hi95[i];
    }
  }
  return p;
}

// Every candidate fitted to `y`. The ETS form is chosen by AICc unless `refit` is given: the
// backtest refits the form chosen on the whole series at each origin, starting from its
// estimates. The ETS fit is left in `ets_out` when asked.
std::vector<CandidateResult> RunCandidates(std::span<const double> y, int m, int h,
                                           const EtsFit* refit, EtsFit* ets_out) {
  std::vector<CandidateResult> out;
  for (ModelKind kind : kKinds) out.push_back({kind, ModelKindName(kind), false, "", {}, {}});
  auto set = [&](ModelKind kind, Result<Prediction> r) {
    CandidateResult& c = out[static_cast<int>(kind)];
    if (r) {
      c.available = true;
      c.prediction = std::move(r).value();
    } else {
      c.reason = r.error().message();
    }
  };
  set(ModelKind::kNaive, ForecastNaive(y, h));
  if (m > 1) {
    set(ModelKind::kSeasonalNaive, ForecastSeasonalNaive(y, m, h));
  } else {
    out[1].reason = "no season";
  }
  {
    CandidateResult& c = out[static_cast<int>(ModelKind::kEts)];
    Result<EtsFit> fit = MakeError(ErrorCode::kInvalidArgument, "");
    if (refit) {
      fit = FitEts(y, m, refit->form, Criterion::kLikelihood, refit);
    } else {
      auto selection = SelectEts(y, m);
      if (selection) {
        fit = std::move(selection->best);
      } else {
        fit = MakeError(selection.error().code(), selection.error().message());
      }
    }
    if (fit) {
      c.available = true;
      c.model = fit->form.Name();
      c.prediction = ForecastEts(*fit, h);
      if (ets_out) *ets_out = *fit;
    } else {
      c.reason = fit.error().message();
    }
  }
  {
    auto theta = ForecastTheta(y, m, h);
    CandidateResult& c = out[static_cast<int>(ModelKind::kTheta)];
    if (theta) {
      c.available = true;
      c.model = theta->seasonal ? "theta (seasonally adjusted)" : "theta";
      c.prediction = std::move(theta->prediction);
    } else {
      c.reason = theta.error().message();
    }
  }
  std::vector<const Prediction*> parts;
  for (ModelKind kind : {ModelKind::kSeasonalNaive, ModelKind::kEts, ModelKind::kTheta}) {
    if (out[static_cast<int>(kind)].available)
      parts.push_back(&out[static_cast<int>(kind)].prediction);
  }
  if (parts.size() >= 2) {
    CandidateResult& c = out[static_cast<int>(ModelKind::kCombination)];
    c.available = true;
    c.prediction = Average(parts, h);
  } else {
    out[static_cast<int>(ModelKind::kCombination)].reason = "fewer than two models to combine";
  }
  return out;
}

std::string Figure(double v) { return std::isfinite(v) ? fmt::format("{:.3f}", v) : "n/a"; }

}  // namespace

const char* ModelKindName(ModelKind kind) {
  switch (kind) {
    case ModelKind::kNaive:
      return "naive";
    case ModelKind::kSeasonalNaive:
      return "snaive";
    case ModelKind::kEts:
      return "ets";
    case ModelKind::kTheta:
      return "theta";
    case ModelKind::kCombination:
      return "combination";
  }
  return "";
}

Result<SeriesForecast> ForecastSeries(std::span<const double> y, const SeriesOptions& options) {
  const int n = static_cast<int>(y.size());
  const int h = options.horizon;
  if (n == 0) return MakeError(ErrorCode::kInvalidArgument, "the series has no values");
  if (h < 1) return MakeError(ErrorCode::kInvalidArgument, "the horizon must be at least 1");
  if (options.season < 1) return MakeError(ErrorCode::kInvalidArgument, "the season must be >= 1");
  for (double v : y) {
    if (!std::isfinite(v)) return MakeError(ErrorCode::kInvalidArgument, "a value is not finite");
  }
  SeriesForecast result;
  int m = options.season;
  const Floor floor = *std::min_element(y.begin(), y.end()) >= 0 ? Floor::kZero : Floor::kNone;
  if (m > 1 && n < 2 * m) {
    result.notes.push_back(fmt::format(
        "{} values do not cover two seasons of {}: the history cannot support this season, so "
        "no model uses it",
        n, m));
    m = 1;
  } else if (m > 24) {
    result.notes.push_back(fmt::format(
        "ETS cannot model a season of {} (at most 24, as R's ets); its forms are non-seasonal, "
        "and the seasonal naive and Theta methods carry the season",
        m));
  }
  result.season = m;

  if (n < 2 || IsConstant(y)) {
    result.kind = ModelKind::kNaive;
    result.model = "naive";
    result.why = n < 2 ? "one value: the forecast repeats it, with no spread to estimate"
                       : "every value is the same: the forecast repeats it, with no spread";
    result.prediction = Flat(y.back(), h);
    Sanitize(result.prediction, floor);
    return result;
  }

  EtsFit ets_fit;
  std::vector<CandidateResult> full = RunCandidates(y, m, h, nullptr, &ets_fit);
  const bool has_ets = full[static_cast<int>(ModelKind::kEts)].available;

  // The backtest: every candidate refitted at each origin (ETS keeps the form chosen on the
  // whole series), scored on the h values after it.
  const int min_train = std::max(2 * m, 10);
  result.origins = RollingOrigins(n, h, options.origins, min_train);
  // Intervals are calibrated on the backtest's errors (backtest.h says why and how). Each
  // origin's raw forecasts are kept: the intervals scored at an origin are calibrated on the
  // other origins' errors only (cross-fitting), so that the coverage reported is that of
  // intervals which did not see the values they are scored on; the forecast's own intervals
  // on every origin's errors.
  struct AtOrigin {
    int origin = 0;
    double scale = 0;
    std::vector<CandidateResult> candidates;
  };
  std::vector<AtOrigin> runs;
  for (int origin : result.origins) {
    auto train = y.first(origin);
    runs.push_back({origin, MaseScale(train, m),
                    RunCandidates(train, m, h, has_ets ? &ets_fit : nullptr, nullptr)});
  }
  for (std::size_t k = 0; k < full.size(); ++k) {
    AccuracyAccumulator accuracy;
    IntervalScores all;
    std::vector<IntervalScores> per_origin(runs.size());
    for (std::size_t r = 0; r < runs.size(); ++r) {
      const CandidateResult& c = runs[r].candidates[k];
      if (!c.available) continue;
      AddIntervalScores(per_origin[r], y.subspan(runs[r].origin, h), c.prediction);
      AddIntervalScores(all, y.subspan(runs[r].origin, h), c.prediction);
    }
    for (std::size_t r = 0; r < runs.size(); ++r) {
      CandidateResult& c = runs[r].candidates[k];
      if (!c.available) continue;
      IntervalScores others;
      for (std::size_t o = 0; o < runs.size(); ++o) {
        if (o == r) continue;
        others.s80.insert(others.s80.end(), per_origin[o].s80.begin(), per_origin[o].s80.end());
        others.s95.insert(others.s95.end(), per_origin[o].s95.begin(), per_origin[o].s95.end());
      }
      RescaleIntervals(c.prediction, ConformalFactor(others.s80, 0.80),
                       ConformalFactor(others.s95, 0.95));
      Sanitize(c.prediction, floor);
      accuracy.Add(y.subspan(runs[r].origin, h), c.prediction, runs[r].scale);
    }
    full[k].backtest = accuracy.Get();
    full[k].interval_factor80 = ConformalFactor(all.s80, 0.80);
    full[k].interval_factor95 = ConformalFactor(all.s95, 0.95);
    if (full[k].available) {
      RescaleIntervals(full[k].prediction, full[k].interval_factor80, full[k].interval_factor95);
    }
  }

  // The choice: the lowest backtest MASE among the models available now; ties go to the
  // simpler model (the order of kKinds). Without a backtest: ETS by AICc, else the simplest.
  int chosen = -1;
  for (std::size_t k = 0; k < full.size(); ++k) {
    if (!full[k].available) continue;
    double mase = full[k].backtest.mase;
    if (!std::isfinite(mase) || full[k].backtest.points == 0) continue;
    if (chosen < 0 || mase < full[chosen].backtest.mase) chosen = static_cast<int>(k);
  }
  if (chosen >= 0) {
    std::string others;
    for (std::size_t k = 0; k < full.size(); ++k) {
      if (static_cast<int>(k) == chosen || !full[k].available) continue;
      others += fmt::format("{}{} {}", others.empty() ? "" : ", ", ModelKindName(full[k].kind),
                            Figure(full[k].backtest.mase));
    }
    result.why = fmt::format("lowest backtest MASE, {} over {} origins of {} steps (others: {})",
                             Figure(full[chosen].backtest.mase), result.origins.size(), h, others);
  } else {
    result.notes.push_back(fmt::format(
        "{} values are too few to backtest a horizon of {}: the model is chosen without it", n, h));
    for (ModelKind kind : {ModelKind::kEts, ModelKind::kSeasonalNaive, ModelKind::kNaive}) {
      if (full[static_cast<int>(kind)].available) {
        chosen = static_cast<int>(kind);
        break;
      }
    }
    result.why = chosen == static_cast<int>(ModelKind::kEts)
                     ? "no backtest possible; ETS form with the lowest AICc"
                     : "no backtest possible and no ETS form fits; the simplest baseline";
  }
  if (full[static_cast<int>(ModelKind::kEts)].available &&
      chosen == static_cast<int>(ModelKind::kEts)) {
    result.why += "; the ETS form has the lowest AICc of the forms tried";
  }
  if (std::isfinite(full[chosen].interval_factor80) ||
      std::isfinite(full[chosen].interval_factor95)) {
    result.notes.push_back(fmt::format(
        "prediction intervals calibrated on the backtest's errors: the model's 80% interval "
        "widths x {}, 95% x {}",
        Figure(full[chosen].interval_factor80), Figure(full[chosen].interval_factor95)));
  } else {
    result.notes.push_back(
        "prediction intervals are the model's own: the backtest has too few values to "
        "calibrate them");
  }
  result.kind = full[chosen].kind;
  result.model = full[chosen].model;
  result.prediction = full[chosen].prediction;
  Sanitize(result.prediction, floor);
  for (CandidateResult& c : full) {
    if (c.available) Sanitize(c.prediction, floor);
  }
  result.candidates = std::move(full);
  return result;
}

std::vector<Result<SeriesForecast>> ForecastAll(const std::vector<std::vector<double>>& series,
                                                const SeriesOptions& options, int threads) {
  std::vector<Result<SeriesForecast>> out(series.size(),
                                          MakeError(ErrorCode::kInternal, "not forecast"));
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (std::size_t i = next++; i < series.size(); i = next++) {
      out[i] = ForecastSeries(series[i], options);
    }
  };
  const int count =
      std::clamp(threads, 1, static_cast<int>(std::max<std::size_t>(series.size(), 1)));
  std::vector<std::thread> pool;
  for (int t = 1; t < count; ++t) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();
  return out;
}

}  // namespace till::forecast
