// The automatic forecast of one series: every candidate model (naive, seasonal naive, ETS
// chosen by AICc, Theta, and their combination) is fitted, backtested on rolling origins, and
// the one with the lowest backtest MASE forecasts; the result says why, and what the series
// could not support (a season longer than the history, a season ETS cannot model).
#pragma once

#include <limits>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"
#include "forecast/backtest.h"
#include "forecast/prediction.h"

namespace till::forecast {

struct SeriesOptions {
  int season = 7;  // the season length m, in steps (1: no season)
  int horizon = 28;
  int origins = 4;  // rolling origins of the backtest
};

enum class ModelKind { kNaive, kSeasonalNaive, kEts, kTheta, kCombination };
// "naive", "snaive", "ets", "theta", "combination".
const char* ModelKindName(ModelKind kind);

struct CandidateResult {
  ModelKind kind;
  std::string model;  // "naive", "snaive", "ETS(A,N,A)", "theta", "combination"
  bool available = false;
  std::string reason;  // why not, when not available
  Prediction prediction;
  Accuracy backtest;  // over every origin where the model could be fitted
  // What the model's analytic interval half-widths were multiplied by, from its backtest errors
  // (backtest.h says how); NaN when the backtest had too few values and the intervals are
  // the model's own. The backtest's coverage is that of intervals calibrated on the other
  // origins only.
  double interval_factor80 = std::numeric_limits<double>::quiet_NaN();
  double interval_factor95 = std::numeric_limits<double>::quiet_NaN();
};

struct SeriesForecast {
  std::string model;  // the chosen candidate's model
  ModelKind kind = ModelKind::kNaive;
  int season = 1;
  std::string why;                 // one sentence: why this model
  std::vector<std::string> notes;  // what the series could not support, and other caveats
  Prediction prediction;           // sanitised: finite, ordered, not below 0 for data >= 0
  std::vector<int> origins;        // where the backtest cut the series
  std::vector<CandidateResult> candidates;
};

// kInvalidArgument for an empty series, a horizon below 1 or a season below 1.
Result<SeriesForecast> ForecastSeries(std::span<const double> y, const SeriesOptions& options);

// ForecastSeries for each series, on up to `threads` threads (each series on one thread, so
// the results are the same whatever the count), in the order given.
std::vector<Result<SeriesForecast>> ForecastAll(const std::vector<std::vector<double>>& series,
                                                const SeriesOptions& options, int threads);

}  // namespace till::forecast
