// Daily sales as the warehouse or the cube sums them (one value per series and day, days
// without sales absent) turned into the dense series the models take, and every series of a
// selection forecast at once: the one assembly `till forecast --warehouse`, the API and the
// warehouse's stored forecasts share, so that they agree.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/date.h"
#include "base/result.h"
#include "forecast/forecaster.h"

namespace till::forecast {

struct DatedValue {
  std::string series;    // "" for the total; a series named "...(unknown)..." is left out
  int32_t date_key = 0;  // YYYYMMDD
  double value = 0;
};

enum class SalesGrain { kDay, kWeek };

struct SalesSeries {
  std::vector<std::string> names;           // "total" for the total, in the order given
  std::vector<std::vector<double>> values;  // per name, one value per step
  std::vector<CivilDate> history;           // the first day of each step
  std::vector<CivilDate> future;            // the first day of each forecast step
  std::vector<std::string> notes;           // what was left out, and why
};

// Every series over the same steps, from the first day with sales to the last; a day without
// sales is a zero. Weeks run Monday to Sunday, and only whole weeks count. `rows` are ordered by
// series, then date. kNotFound when nothing is left to forecast.
Result<SalesSeries> BuildSalesSeries(std::span<const DatedValue> rows, SalesGrain grain,
                                     int horizon);

// ForecastAll over every series of `sales`, season 7 (days) or 52 (weeks) unless given.
struct SalesForecast {
  SalesSeries sales;
  std::vector<Result<SeriesForecast>> results;  // by sales.names
};
Result<SalesForecast> ForecastSales(std::span<const DatedValue> rows, SalesGrain grain, int horizon,
                                    int season, int threads);

}  // namespace till::forecast
