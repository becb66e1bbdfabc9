#include "warehouse/forecasts.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

#include "base/date.h"
#include "warehouse/row_values.h"

namespace till {
namespace {

using row_values::Int;
using row_values::OptionalReal;
using row_values::Real;
using row_values::Row;
using row_values::Text;

// To the hundredth, printed in the shortest form that reads back the same: k / 100.0 is the
// double nearest the decimal, which both back ends parse to and print back.
std::string Hundredths(double v) {
  double rounded = std::round(v * 100) / 100;
  if (rounded == 0) rounded = 0;  // no "-0"
  return fmt::format("{}", rounded);
}

}  // namespace

Result<int64_t> SaveForecasts(Warehouse& warehouse, std::span<const ForecastBatch> batches,
                              const std::string& created_at) {
  int64_t run_id = 0;
  Status status = warehouse.WriteAtomically([&]() -> Status {
    auto last = warehouse.Query("SELECT coalesce(max(run_id), 0) FROM forecast_sales");
    TILL_RETURN_IF_ERROR(last);
    run_id = std::stoll(last->rows.at(0).at(0).value_or("0")) + 1;
    for (const ForecastBatch& batch : batches) {
      std::vector<std::string> key = {batch.series_by, batch.measure, batch.grain,
                                      std::to_string(batch.origin_key)};
      TILL_RETURN_IF_ERROR(warehouse.Query(
          "DELETE FROM forecast_sales WHERE series_by = $1 AND measure = $2 AND grain = $3 "
          "AND origin_key = $4",
          key));
      for (const ForecastStep& step : batch.steps) {
        std::vector<std::string> params = {std::to_string(run_id),
                                           batch.series_by,
                                           batch.measure,
                                           batch.grain,
                                           step.member,
                                           std::to_string(batch.origin_key),
                                           std::to_string(step.date_key),
                                           FormatDate(DateFromKey(step.date_key)),
                                           step.model,
                                           Hundredths(step.point),
                                           Hundredths(step.lo80),
                                           Hundredths(step.hi80),
                                           Hundredths(step.lo95),
                                           Hundredths(step.hi95),
                                           created_at};
        TILL_RETURN_IF_ERROR(warehouse.Query(
            "INSERT INTO forecast_sales (run_id, series_by, measure, grain, member, origin_key, "
            "date_key, forecast_date, model, point, lo80, hi80, lo95, hi95, created_at) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
            params));
      }
    }
    return {};
  });
  TILL_RETURN_IF_ERROR(status);
  return run_id;
}

Result<std::vector<StoredForecast>> ReadForecasts(Warehouse& warehouse,
                                                  const ForecastSelection& selection) {
  std::vector<std::string> params;
  std::string where = "1 = 1";
  for (auto [column, value] :
       {std::pair<const char*, const std::string*>{"series_by", &selection.series_by},
        {"measure", &selection.measure},
        {"grain", &selection.grain}}) {
    if (value->empty()) continue;
    params.push_back(*value);
    where += fmt::format(" AND {} = ${}", column, params.size());
  }
  std::vector<StoredForecast> out;
  TILL_RETURN_IF_ERROR(warehouse.QueryRows(
      fmt::format("SELECT run_id, series_by, measure, grain, origin_key, member, date_key, model, "
                  "point, lo80, hi80, lo95, hi95, created_at FROM forecast_sales WHERE {} "
                  "ORDER BY series_by, measure, grain, member, date_key, run_id",
                  where),
      params, [&](Row row) -> Status {
        StoredForecast& f = out.emplace_back();
        f.run_id = Int(row[0]);
        f.series_by = Text(row[1]);
        f.measure = Text(row[2]);
        f.grain = Text(row[3]);
        f.origin_key = static_cast<int32_t>(Int(row[4]));
        f.step.member = Text(row[5]);
        f.step.date_key = static_cast<int32_t>(Int(row[6]));
        f.step.model = Text(row[7]);
        f.step.point = Real(row[8]);
        f.step.lo80 = Real(row[9]);
        f.step.hi80 = Real(row[10]);
        f.step.lo95 = Real(row[11]);
        f.step.hi95 = Real(row[12]);
        f.created_at = Text(row[13]);
        return {};
      }));
  return out;
}

Result<std::optional<int32_t>> ReadLastForecastOrigin(Warehouse& warehouse,
                                                      const ForecastSelection& selection) {
  std::vector<std::string> params = {selection.series_by, selection.measure, selection.grain};
  auto result = warehouse.Query(
      "SELECT max(origin_key) FROM forecast_sales WHERE series_by = $1 AND measure = $2 "
      "AND grain = $3",
      params);
  TILL_RETURN_IF_ERROR(result);
  const auto& value = result->rows.at(0).at(0);
  if (!value) return std::optional<int32_t>();
  return std::optional<int32_t>(static_cast<int32_t>(std::stol(*value)));
}

Result<std::vector<ForecastActualRow>> ReadForecastActuals(Warehouse& warehouse,
                                                           const std::string& series_by,
                                                           const std::string& measure) {
  std::vector<ForecastActualRow> out;
  std::vector<std::string> params = {series_by, measure};
  TILL_RETURN_IF_ERROR(warehouse.QueryRows(
      "SELECT member, date_key, actual, point, lo95, hi95, run_id FROM forecast_actual_view "
      "WHERE series_by = $1 AND measure = $2 ORDER BY member, date_key",
      params, [&](Row row) -> Status {
        ForecastActualRow& r = out.emplace_back();
        r.series_by = series_by;
        r.measure = measure;
        r.member = Text(row[0]);
        r.date_key = static_cast<int32_t>(Int(row[1]));
        r.actual = OptionalReal(row[2]);
        r.point = OptionalReal(row[3]);
        r.lo95 = OptionalReal(row[4]);
        r.hi95 = OptionalReal(row[5]);
        if (row[6]) r.run_id = Int(row[6]);
        return {};
      }));
  return out;
}

}  // namespace till
