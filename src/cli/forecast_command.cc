// `till forecast`: forecasts with 80% and 95% prediction intervals, the model chosen for each
// series and its backtest accuracy beside every candidate's (src/forecast/), for a series
// given as a `date,value` file or for the warehouse's daily sales by category, country or
// brand.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>

#include "base/clock.h"
#include "cli/command.h"
#include "cli/forecast_refresh.h"
#include "cli/output.h"
#include "forecast/forecaster.h"
#include "forecast/sales_series.h"
#include "forecast/series_input.h"
#include "warehouse/reads.h"

namespace till {
namespace {

struct ForecastFlags {
  std::string input;
  int horizon = 28;
  int season = 0;  // 0: from the spacing of the dates
  bool json = false;
  bool csv = false;
  bool save = false;
  std::string by = "total";
  std::string measure = "revenue";
  std::string grain = "day";
  std::string from, to;
  std::vector<std::string> categories, countries, brands;
  int threads = 0;  // 0: one per core
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

// The mean of each figure over the series that have it: the overall accuracy of a model.
nlohmann::json MeanAccuracyJson(const std::vector<forecast::Accuracy>& all) {
  auto mean = [&](double forecast::Accuracy::*field) {
    double sum = 0;
    int count = 0;
    for (const forecast::Accuracy& a : all) {
      if (std::isfinite(a.*field)) {
        sum += a.*field;
        ++count;
      }
    }
    return count > 0 ? sum / count : std::nan("");
  };
  int points = 0;
  for (const forecast::Accuracy& a : all) points += a.points;
  return {{"mase", Number(mean(&forecast::Accuracy::mase))},
          {"wape", Number(mean(&forecast::Accuracy::wape))},
          {"bias", Number(mean(&forecast::Accuracy::bias))},
          {"coverage80", Number(mean(&forecast::Accuracy::coverage80))},
          {"coverage95", Number(mean(&forecast::Accuracy::coverage95))},
          {"series", all.size()},
          {"points", points}};
}

Result<int32_t> DateKeyFlag(const std::string& text, const char* flag) {
  if (text.empty()) return 0;
  auto date = ParseIsoDate(text);
  if (!date) {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("{} '{}' is not a date (YYYY-MM-DD)", flag, text));
  }
  return date->Key();
}

int RunWarehouse(const Config& config, const ForecastFlags& flags) {
  static const std::map<std::string, SalesGrouping> kGroupings = {
      {"total", SalesGrouping::kTotal},
      {"category", SalesGrouping::kCategory},
      {"country", SalesGrouping::kCountry},
      {"country,category", SalesGrouping::kCountryCategory},
      {"brand", SalesGrouping::kBrand}};
  static const std::map<std::string, SalesMeasure> kMeasures = {{"revenue", SalesMeasure::kRevenue},
                                                                {"units", SalesMeasure::kUnits},
                                                                {"orders", SalesMeasure::kOrders}};
  DailySalesFilter filter;
  auto from = DateKeyFlag(flags.from, "--from");
  if (!from) return Fail(from.error());
  auto to = DateKeyFlag(flags.to, "--to");
  if (!to) return Fail(to.error());
  filter.from_key = *from;
  filter.to_key = *to;
  filter.categories = flags.categories;
  filter.countries = flags.countries;
  filter.brands = flags.brands;

  auto warehouse = OpenMigrated(config.warehouse);
  if (!warehouse) return Fail(warehouse.error());
  auto rows =
      ReadDailySales(**warehouse, kGroupings.at(flags.by), kMeasures.at(flags.measure), filter);
  if (!rows) return Fail(rows.error());
  if (rows->empty()) {
    return Fail(Error(ErrorCode::kNotFound, "no dated sales in the warehouse for this selection"));
  }

  std::vector<forecast::DatedValue> dated;
  dated.reserve(rows->size());
  for (DailySalesRow& row : *rows) {
    dated.push_back({std::move(row.series), row.date_key, row.value});
  }
  const bool weekly = flags.grain == "week";
  int threads = flags.threads > 0
                    ? flags.threads
                    : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  auto forecast = forecast::ForecastSales(
      dated, weekly ? forecast::SalesGrain::kWeek : forecast::SalesGrain::kDay, flags.horizon,
      flags.season, threads);
  if (!forecast) return Fail(forecast.error());
  const std::vector<std::string>& names = forecast->sales.names;
  const std::vector<std::string>& notes = forecast->sales.notes;
  const std::vector<CivilDate>& history = forecast->sales.history;
  const std::vector<CivilDate>& future = forecast->sales.future;
  const auto& results = forecast->results;

  // Per candidate and for the automatic choice, every series' backtest accuracy.
  std::map<std::string, std::vector<forecast::Accuracy>> by_model;
  for (const auto& result : results) {
    if (!result) continue;
    for (const forecast::CandidateResult& c : result->candidates) {
      if (!c.available) continue;
      by_model[forecast::ModelKindName(c.kind)].push_back(c.backtest);
      if (c.kind == result->kind) by_model["auto"].push_back(c.backtest);
    }
  }
  nlohmann::json overall;
  for (const auto& [model, all] : by_model) overall[model] = MeanAccuracyJson(all);

  if (flags.save) {
    // A filtered selection is not the warehouse's series: only the whole of them is stored.
    if (!flags.from.empty() || !flags.to.empty() || !flags.categories.empty() ||
        !flags.countries.empty() || !flags.brands.empty()) {
      return Fail(Error(ErrorCode::kInvalidArgument,
                        "--save stores the whole warehouse's series: it takes no filter"));
    }
    ForecastBatch batch = MakeForecastBatch(flags.by, flags.measure, flags.grain, *forecast);
    auto run = SaveForecasts(**warehouse, std::span<const ForecastBatch>(&batch, 1),
                             FormatTimestamp(std::chrono::system_clock::now()));
    if (!run) return Fail(run.error());
    fmt::print(stderr, "stored as forecast run {} ({} rows in forecast_sales)\n", *run,
               batch.steps.size());
  }
  int failed = 0;
  if (flags.json) {
    nlohmann::json out = {{"measure", flags.measure},
                          {"by", flags.by},
                          {"grain", flags.grain},
                          {"horizon", flags.horizon},
                          {"notes", notes}};
    nlohmann::json list = nlohmann::json::array();
    for (std::size_t i = 0; i < results.size(); ++i) {
      nlohmann::json one;
      if (results[i]) {
        one = SeriesJson(*results[i], history, future, flags.horizon);
      } else {
        one["error"] = results[i].error().message();
        ++failed;
      }
      one["series"] = names[i];
      list.push_back(one);
    }
    out["series"] = list;
    out["overall"] = overall;
    fmt::print("{}\n", out.dump());
  } else if (flags.csv) {
    fmt::print("series,date,model,point,lo80,hi80,lo95,hi95\n");
    for (std::size_t i = 0; i < results.size(); ++i) {
      if (!results[i]) {
        fmt::print(stderr, "till: {}: {}\n", names[i], results[i].error().message());
        ++failed;
        continue;
      }
      const forecast::Prediction& p = results[i]->prediction;
      for (std::size_t k = 0; k < p.size(); ++k) {
        fmt::print("\"{}\",{},{},{},{},{},{},{}\n", names[i], FormatDate(future[k]),
                   results[i]->model, p.point[k], p.lo80[k], p.hi80[k], p.lo95[k], p.hi95[k]);
      }
    }
  } else {
    for (const std::string& note : notes) fmt::print("note: {}\n", note);
    fmt::print("{:<26} {:<28} {:>7} {:>7} {:>7} {:>7} {:>7}  next {} {}s\n", "series", "model",
               "MASE", "snaive", "naive", "cov80", "cov95", flags.horizon, weekly ? "week" : "day");
    for (std::size_t i = 0; i < results.size(); ++i) {
      const std::string name = names[i];
      if (!results[i]) {
        fmt::print("{:<26} failed: {}\n", name, results[i].error().message());
        ++failed;
        continue;
      }
      const auto& f = *results[i];
      auto mase = [&](forecast::ModelKind kind) {
        for (const auto& c : f.candidates) {
          if (c.kind == kind && c.available) return c.backtest;
        }
        return forecast::Accuracy{NAN, NAN, NAN, NAN, NAN, 0};
      };
      forecast::Accuracy chosen = mase(f.kind);
      double total = 0;
      for (double v : f.prediction.point) total += v;
      fmt::print("{:<26} {:<28} {:>7} {:>7} {:>7} {:>7} {:>7}  {:.2f}\n", name, f.model,
                 Cell(chosen.mase), Cell(mase(forecast::ModelKind::kSeasonalNaive).mase),
                 Cell(mase(forecast::ModelKind::kNaive).mase), Cell(chosen.coverage80),
                 Cell(chosen.coverage95), total);
    }
    fmt::print("\noverall (mean over series):\n{:<12} {:>7} {:>7} {:>7} {:>7} {:>7}\n", "model",
               "MASE", "WAPE", "bias", "cov80", "cov95");
    for (const auto& item : overall.items()) {
      const std::string& model = item.key();
      const nlohmann::json& figures = item.value();
      auto cell = [&](const char* key) {
        return figures[key].is_number() ? Cell(figures[key].get<double>()) : std::string("-");
      };
      fmt::print("{:<12} {:>7} {:>7} {:>7} {:>7} {:>7}\n", model, cell("mase"), cell("wape"),
                 cell("bias"), cell("coverage80"), cell("coverage95"));
    }
  }
  return failed > 0 ? kExitFailed : kExitOk;
}

}  // namespace

Command AddForecastCommand(CLI::App& app, Config& config) {
  auto flags = std::make_shared<ForecastFlags>();
  auto* command = app.add_subcommand(
      "forecast",
      "Forecast sales (or a series from a file) with prediction intervals, backtested against "
      "baselines");
  AddWarehouseOption(*command, config);
  command->add_option("--input", flags->input,
                      "Forecast this CSV file of date,value rows (daily, weekly or monthly "
                      "dates) instead of the warehouse");
  command
      ->add_option("--by", flags->by,
                   "Series: total, category, country, country,category "
                   "or brand (warehouse)")
      ->check(CLI::IsMember({"total", "category", "country", "country,category", "brand"}));
  command->add_option("--measure", flags->measure, "revenue, units or orders (warehouse)")
      ->check(CLI::IsMember({"revenue", "units", "orders"}));
  command->add_option("--grain", flags->grain, "day or week (warehouse)")
      ->check(CLI::IsMember({"day", "week"}));
  command->add_option("--horizon", flags->horizon, "Steps to forecast")->check(CLI::Range(1, 3660));
  command
      ->add_option("--season", flags->season,
                   "Season length in steps (default: 7 daily, 52 weekly, 12 monthly)")
      ->check(CLI::Range(1, 366));
  command->add_option("--from", flags->from, "Only sales on or after this date (YYYY-MM-DD)");
  command->add_option("--to", flags->to, "Only sales on or before this date (YYYY-MM-DD)");
  command->add_option("--category", flags->categories, "Only these categories (repeatable)");
  command->add_option("--country", flags->countries, "Only these countries (repeatable)");
  command->add_option("--brand", flags->brands, "Only these brands (repeatable)");
  command->add_option("--threads", flags->threads, "Series forecast at once (default: cores)")
      ->check(CLI::Range(1, 256));
  command->add_flag("--save", flags->save,
                    "Also store the forecasts in the warehouse (forecast_sales) as a new run");
  auto* json = command->add_flag("--json", flags->json, "Print one JSON object");
  command->add_flag("--csv", flags->csv, "Print the forecasts as CSV (warehouse)")->excludes(json);
  return {command, [flags, &config] {
            return flags->input.empty() ? RunWarehouse(config, *flags) : RunInput(*flags);
          }};
}

}  // namespace till
