// The forecasts the warehouse keeps (table forecast_sales, view forecast_actual_view): written
// by `till forecast --save` and by the refresh after each load, read back by the anomaly check
// and by anyone comparing back ends. Every statement against those two lives here, written once
// for SQLite and PostgreSQL. Failures are the warehouse's (kWarehouseError).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"
#include "warehouse/warehouse.h"

namespace till {

// One step of one series' forecast. Values are stored to the hundredth, so that both back ends
// hold and give back the same numbers.
struct ForecastStep {
  std::string member;    // "total", "Books", "USA", "USA / Books"
  int32_t date_key = 0;  // YYYYMMDD: the first day of the step
  std::string model;
  double point = 0, lo80 = 0, hi80 = 0, lo95 = 0, hi95 = 0;
};

// Every series of one grouping and measure forecast from the same history.
struct ForecastBatch {
  std::string series_by;   // total, category, country, country,category, brand
  std::string measure;     // revenue, units, orders
  std::string grain;       // day, week
  int32_t origin_key = 0;  // YYYYMMDD: the first day of the history's last step
  std::vector<ForecastStep> steps;
};

// Stores `batches` as one new run, in one transaction, and returns its run id (one more than
// the largest stored). A batch replaces what an earlier run stored for the same series_by,
// measure, grain and origin: the same data forecast again leaves one copy. `created_at` is an
// ISO 8601 UTC timestamp.
Result<int64_t> SaveForecasts(Warehouse& warehouse, std::span<const ForecastBatch> batches,
                              const std::string& created_at);

struct StoredForecast {
  int64_t run_id = 0;
  std::string series_by, measure, grain;
  int32_t origin_key = 0;
  ForecastStep step;
  std::string created_at;  // as the back end prints it
};

// Which stored rows: empty strings select all.
struct ForecastSelection {
  std::string series_by, measure, grain;
};
// Ordered by series_by, measure, grain, member, date, run id.
Result<std::vector<StoredForecast>> ReadForecasts(Warehouse& warehouse,
                                                  const ForecastSelection& selection);

// The first day of the last history step any stored forecast of this grouping, measure and grain
// started from; none when nothing is stored.
Result<std::optional<int32_t>> ReadLastForecastOrigin(Warehouse& warehouse,
                                                      const ForecastSelection& selection);

// One row of forecast_actual_view.
struct ForecastActualRow {
  std::string series_by, measure, member;
  int32_t date_key = 0;
  std::optional<double> actual;             // none for a day not loaded yet
  std::optional<double> point, lo95, hi95;  // none for a day no stored forecast covers
  std::optional<int64_t> run_id;
};
// The view's rows of one grouping and measure, ordered by member and date.
Result<std::vector<ForecastActualRow>> ReadForecastActuals(Warehouse& warehouse,
                                                           const std::string& series_by,
                                                           const std::string& measure);

}  // namespace till
