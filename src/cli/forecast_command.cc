// `till forecast`: forecasts with 80% and 95% prediction intervals, the model chosen for each
// series and its backtest accuracy beside every candidate's (src/forecast/), for a series
// given as a `date,value` file.
#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "cli/command.h"
#include "cli/output.h"
#include "forecast/forecaster.h"
#include "forecast/series_input.h"

namespace till {
namespace {

struct ForecastFlags {
  std::string input;
  int horizon = 28;
  int season = 0;  // 0: from the spacing of the dates
  bool json = false;
};

// A number for JSON: NaN (an accuracy that cannot be computed) is null.
nlohmann::json Number(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); }

nlohmann::json AccuracyJson(const forecast::Accuracy& a) {
  return {{"mase", Number(a.mase)},
          {"wape", Number(a.wape)},
          {"bias", Number(a.bias)},
          {"coverage80", Number(a.coverage80)},
          {"coverage95", Number(a.coverage95)},
          {"points", a.points}};
}

// One series' forecast as the JSON object `till forecast --json` prints (docs: README).
nlohmann::json SeriesJson(const forecast::SeriesForecast& f,
                          const std::vector<CivilDate>& history_dates,
                          const std::vector<CivilDate>& future_dates, int horizon) {
  nlohmann::json out;
  out["model"] = f.model;
  out["season"] = f.season;
  out["why"] = f.why;
  out["notes"] = f.notes;
  nlohmann::json rows = nlohmann::json::array();
  for (std::size_t i = 0; i < f.prediction.size(); ++i) {
    rows.push_back({{"date", FormatDate(future_dates[i])},
                    {"point", f.prediction.point[i]},
                    {"lo80", f.prediction.lo80[i]},
                    {"hi80", f.prediction.hi80[i]},
                    {"lo95", f.prediction.lo95[i]},
                    {"hi95", f.prediction.hi95[i]}});
  }
  out["forecast"] = rows;
  nlohmann::json backtest;
  backtest["horizon"] = horizon;
  nlohmann::json origins = nlohmann::json::array();
  for (int origin : f.origins) origins.push_back(FormatDate(history_dates[origin]));
  backtest["origins"] = origins;
  nlohmann::json candidates = nlohmann::json::array();
  for (const forecast::CandidateResult& c : f.candidates) {
    nlohmann::json row = {
        {"kind", forecast::ModelKindName(c.kind)}, {"model", c.model}, {"available", c.available}};
    if (c.available) {
      row["accuracy"] = AccuracyJson(c.backtest);
    } else {
      row["reason"] = c.reason;
    }
    row["chosen"] = c.available && c.kind == f.kind;
    candidates.push_back(row);
  }
  backtest["candidates"] = candidates;
  for (const forecast::CandidateResult& c : f.candidates) {
    if (c.available && c.kind == f.kind) backtest["chosen"] = AccuracyJson(c.backtest);
  }
  out["backtest"] = backtest;
  return out;
}

std::string Cell(double v) { return std::isfinite(v) ? fmt::format("{:.3f}", v) : "-"; }

void PrintSeriesText(const forecast::SeriesForecast& f,
                     const std::vector<CivilDate>& future_dates) {
  fmt::print("model: {} (season {})\nwhy: {}\n", f.model, f.season, f.why);
  for (const std::string& note : f.notes) fmt::print("note: {}\n", note);
  fmt::print("{:<10} {:>14} {:>14} {:>14} {:>14} {:>14}\n", "date", "point", "lo80", "hi80", "lo95",
             "hi95");
  for (std::size_t i = 0; i < f.prediction.size(); ++i) {
    fmt::print("{:<10} {:>14.2f} {:>14.2f} {:>14.2f} {:>14.2f} {:>14.2f}\n",
               FormatDate(future_dates[i]), f.prediction.point[i], f.prediction.lo80[i],
               f.prediction.hi80[i], f.prediction.lo95[i], f.prediction.hi95[i]);
  }
  fmt::print("backtest over {} origins:\n{:<28} {:>7} {:>7} {:>7} {:>7} {:>7}\n", f.origins.size(),
             "model", "MASE", "WAPE", "bias", "cov80", "cov95");
  for (const forecast::CandidateResult& c : f.candidates) {
    if (!c.available) {
      fmt::print("{:<28} not available: {}\n", c.model, c.reason);
      continue;
    }
    const forecast::Accuracy& a = c.backtest;
    fmt::print("{:<28} {:>7} {:>7} {:>7} {:>7} {:>7}{}\n", c.model, Cell(a.mase), Cell(a.wape),
               Cell(a.bias), Cell(a.coverage80), Cell(a.coverage95),
               c.kind == f.kind ? "  <- chosen" : "");
  }
}

int RunInput(const ForecastFlags& flags) {
  std::ifstream in(flags.input, std::ios::binary);
  if (!in) {
    return Fail(Error(ErrorCode::kIoError, fmt::format("cannot read {}", flags.input)));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  auto series = forecast::ParseSeriesCsv(text, flags.input);
  if (!series) return Fail(series.error());
  forecast::SeriesOptions options;
  options.horizon = flags.horizon;
  options.season = flags.season > 0 ? flags.season : forecast::DefaultSeason(series->spacing);
  auto result = forecast::ForecastSeries(series->values, options);
  if (!result) return Fail(result.error());
  if (series->filled > 0) {
    result->notes.push_back(fmt::format("{} missing {}s counted as zero", series->filled,
                                        forecast::SpacingName(series->spacing)));
  }
  std::vector<CivilDate> future = forecast::FutureDates(*series, flags.horizon);
  if (flags.json) {
    fmt::print("{}\n", SeriesJson(*result, series->dates, future, flags.horizon).dump());
  } else {
    PrintSeriesText(*result, future);
  }
  return kExitOk;
}

}  // namespace

Command AddForecastCommand(CLI::App& app, Config&) {
  auto flags = std::make_shared<ForecastFlags>();
  auto* command = app.add_subcommand(
      "forecast", "Forecast a series with prediction intervals, backtested against baselines");
  command
      ->add_option("--input", flags->input,
                   "A CSV file of date,value rows (daily, weekly "
                   "or monthly dates)")
      ->required();
  command->add_option("--horizon", flags->horizon, "Steps to forecast")->check(CLI::Range(1, 3660));
  command
      ->add_option("--season", flags->season,
                   "Season length in steps (default: 7 daily, 52 weekly, 12 monthly)")
      ->check(CLI::Range(1, 366));
  command->add_flag("--json", flags->json, "Print one JSON object");
  return {command, [flags] { return RunInput(*flags); }};
}

}  // namespace till
