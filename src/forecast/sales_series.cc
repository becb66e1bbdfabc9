#include "forecast/sales_series.h"

#include <fmt/format.h>

#include <algorithm>
#include <climits>

namespace till::forecast {

Result<SalesSeries> BuildSalesSeries(std::span<const DatedValue> rows, SalesGrain grain,
                                     int horizon) {
  if (rows.empty()) {
    return MakeError(ErrorCode::kNotFound, "no dated sales for this selection");
  }
  int64_t first = INT64_MAX, last = INT64_MIN;
  for (const DatedValue& row : rows) {
    int64_t day = DaysFromCivil(DateFromKey(row.date_key));
    first = std::min(first, day);
    last = std::max(last, day);
  }
  SalesSeries out;
  const bool weekly = grain == SalesGrain::kWeek;
  int64_t start = first, steps = last - first + 1, step_days = 1;
  if (weekly) {
    start = WeekStart(first) == first ? first : WeekStart(first) + 7;
    int64_t end = WeekStart(last + 1);  // the Monday after the last whole week
    steps = std::max<int64_t>((end - start) / 7, 0);
    step_days = 7;
    if (start != first || end != last + 1) {
      out.notes.push_back("the partial weeks at either end are left out");
    }
  }
  int unknown = 0;
  std::string last_unknown;
  for (const DatedValue& row : rows) {
    if (row.series.find("(unknown)") != std::string::npos) {
      if (row.series != last_unknown) ++unknown;
      last_unknown = row.series;
      continue;
    }
    std::string name = row.series.empty() ? "total" : row.series;
    if (out.names.empty() || out.names.back() != name) {
      out.names.push_back(name);
      out.values.emplace_back(steps, 0.0);
    }
    int64_t offset = DaysFromCivil(DateFromKey(row.date_key)) - start;
    if (offset < 0 || offset >= steps * step_days) continue;
    out.values.back()[offset / step_days] += row.value;
  }
  if (unknown > 0) {
    out.notes.push_back(fmt::format(
        "{} series of an unknown member (sales without the attribute) are not forecast", unknown));
  }
  if (out.values.empty() || steps == 0) {
    return MakeError(ErrorCode::kNotFound, "no whole series to forecast for this selection");
  }
  for (int64_t k = 0; k < steps; ++k) out.history.push_back(CivilFromDays(start + k * step_days));
  for (int k = 1; k <= horizon; ++k) {
    out.future.push_back(CivilFromDays(start + (steps - 1 + k) * step_days));
  }
  return out;
}

Result<SalesForecast> ForecastSales(std::span<const DatedValue> rows, SalesGrain grain, int horizon,
                                    int season, int threads) {
  auto sales = BuildSalesSeries(rows, grain, horizon);
  TILL_RETURN_IF_ERROR(sales);
  SeriesOptions options;
  options.horizon = horizon;
  options.season = season > 0 ? season : grain == SalesGrain::kWeek ? 52 : 7;
  SalesForecast out{std::move(*sales), {}};
  out.results = ForecastAll(out.sales.values, options, std::max(1, threads));
  return out;
}

}  // namespace till::forecast
