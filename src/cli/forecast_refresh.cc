#include "cli/forecast_refresh.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <thread>

#include "base/clock.h"
#include "base/date.h"
#include "base/log.h"
#include "warehouse/reads.h"

namespace till {
namespace {

SalesGrouping GroupingOf(const std::string& by) {
  if (by == "category") return SalesGrouping::kCategory;
  if (by == "country") return SalesGrouping::kCountry;
  if (by == "country,category") return SalesGrouping::kCountryCategory;
  if (by == "brand") return SalesGrouping::kBrand;
  return SalesGrouping::kTotal;
}

SalesMeasure MeasureOf(const std::string& measure) {
  if (measure == "units") return SalesMeasure::kUnits;
  if (measure == "orders") return SalesMeasure::kOrders;
  return SalesMeasure::kRevenue;
}

int32_t KeyOf(const CivilDate& date) { return date.Key(); }

}  // namespace

ForecastBatch MakeForecastBatch(const std::string& by, const std::string& measure,
                                const std::string& grain, const forecast::SalesForecast& forecast) {
  ForecastBatch batch{by, measure, grain, KeyOf(forecast.sales.history.back()), {}};
  for (size_t i = 0; i < forecast.results.size(); ++i) {
    if (!forecast.results[i]) continue;
    const forecast::SeriesForecast& f = *forecast.results[i];
    for (size_t k = 0; k < f.prediction.size(); ++k) {
      batch.steps.push_back({forecast.sales.names[i], KeyOf(forecast.sales.future[k]), f.model,
                             f.prediction.point[k], f.prediction.lo80[k], f.prediction.hi80[k],
                             f.prediction.lo95[k], f.prediction.hi95[k]});
    }
  }
  return batch;
}

Result<RefreshOutcome> RefreshForecasts(Warehouse& warehouse, const ForecastSettings& settings) {
  const int threads = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  std::vector<ForecastBatch> batches;
  RefreshOutcome outcome;
  for (const std::string& by : settings.by) {
    for (const std::string& measure : settings.measures) {
      auto rows = ReadDailySales(warehouse, GroupingOf(by), MeasureOf(measure), {});
      TILL_RETURN_IF_ERROR(rows);
      std::vector<forecast::DatedValue> dated;
      dated.reserve(rows->size());
      for (DailySalesRow& row : *rows)
        dated.push_back({std::move(row.series), row.date_key, row.value});
      auto forecast =
          forecast::ForecastSales(dated, forecast::SalesGrain::kDay, settings.horizon, 0, threads);
      if (!forecast) {
        if (forecast.error().code() == ErrorCode::kNotFound) continue;  // nothing loaded yet
        return Unexpected<Error>(forecast.error());
      }
      for (const auto& result : forecast->results) (result ? outcome.series : outcome.failed)++;
      batches.push_back(MakeForecastBatch(by, measure, "day", *forecast));
    }
  }
  if (batches.empty()) return outcome;
  auto run = SaveForecasts(warehouse, batches, FormatTimestamp(std::chrono::system_clock::now()));
  TILL_RETURN_IF_ERROR(run);
  outcome.run_id = *run;
  return outcome;
}

Result<std::vector<AnomalyEvent>> CheckAnomalies(Warehouse& warehouse,
                                                 const ForecastSettings& settings) {
  // Per day checked: the series outside their interval, described.
  struct Day {
    bool checked = false;
    bool is_new = false;
    std::vector<std::string> outside;
  };
  std::map<int32_t, Day> days;
  for (const std::string& by : settings.by) {
    for (const std::string& measure : settings.measures) {
      auto origin = ReadLastForecastOrigin(warehouse, {by, measure, "day"});
      TILL_RETURN_IF_ERROR(origin);
      if (!*origin) continue;  // never forecast: nothing to hold the days against
      auto rows = ReadForecastActuals(warehouse, by, measure);
      TILL_RETURN_IF_ERROR(rows);
      for (const ForecastActualRow& row : *rows) {
        if (!row.actual || !row.point) continue;
        Day& day = days[row.date_key];
        day.checked = true;
        day.is_new = day.is_new || row.date_key > **origin;
        if (*row.actual < *row.lo95 || *row.actual > *row.hi95) {
          day.outside.push_back(fmt::format("{} {} {:.2f} (95% interval {:.2f} to {:.2f})",
                                            row.member, measure, *row.actual, *row.lo95,
                                            *row.hi95));
        }
      }
    }
  }
  std::vector<AnomalyEvent> events;
  bool open = false;
  for (const auto& [key, day] : days) {
    bool outside = !day.outside.empty();
    if (day.is_new && outside != open) {
      std::string date = FormatDate(DateFromKey(key));
      if (outside) {
        std::string list;
        for (size_t i = 0; i < day.outside.size() && i < 5; ++i) {
          list += (i == 0 ? "" : "; ") + day.outside[i];
        }
        if (day.outside.size() > 5) list += fmt::format("; and {} more", day.outside.size() - 5);
        events.push_back({true, fmt::format("sales on {} lie outside the forecast's 95% "
                                            "interval: {}",
                                            date, list)});
      } else {
        events.push_back(
            {false, fmt::format("sales on {} are back inside the forecast's 95% interval", date)});
      }
    }
    open = outside;
  }
  return events;
}

void AfterLoad(Warehouse& warehouse, const Config& config, int64_t run_id,
               const std::function<void(const AnomalyEvent&)>& on_event) {
  const ForecastSettings& settings = config.forecast;
  auto fields = [run_id](nlohmann::json more) {
    if (run_id > 0) more["run_id"] = run_id;
    return more;
  };
  if (settings.anomaly_alerts) {
    auto events = CheckAnomalies(warehouse, settings);
    if (!events) {
      Log(LogLevel::kWarn, "the anomaly check failed",
          fields({{"error", events.error().message()}}));
    } else {
      for (const AnomalyEvent& event : *events) on_event(event);
    }
  }
  if (settings.refresh) {
    auto started = std::chrono::steady_clock::now();
    auto refreshed = RefreshForecasts(warehouse, settings);
    if (!refreshed) {
      Log(LogLevel::kWarn, "refreshing the stored forecasts failed",
          fields({{"error", refreshed.error().message()}}));
      return;
    }
    Log(LogLevel::kInfo, "stored forecasts refreshed",
        fields(
            {{"forecast_run", refreshed->run_id},
             {"series", refreshed->series},
             {"failed", refreshed->failed},
             {"seconds",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()}}));
  }
}

}  // namespace till
