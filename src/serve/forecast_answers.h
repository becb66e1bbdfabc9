// The forecasts `till serve` answers (/api/v1/forecast and /api/v1/forecast/accuracy): the
// cube's daily sales of the selection, per series of a grouping, handed to the forecast library
// (forecast/sales_series.h, the assembly `till forecast --warehouse` uses too) and shaped as
// `till forecast --json` shapes them. Each answer is computed once per cube and question: the
// two endpoints and repeated requests share it.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "base/result.h"
#include "forecast/sales_series.h"
#include "serve/cube.h"

namespace till {

struct ForecastQuestion {
  std::string by = "total";  // total, category, country, country,category, brand
  std::string measure = "revenue";
  forecast::SalesGrain grain = forecast::SalesGrain::kDay;
  int horizon = 28;
};

// The forecast of every series of `question.by` in `selection`. kNotFound when the selection
// holds no dated sale. Thread-safe; runs on the calling thread (one series after another).
Result<std::shared_ptr<const forecast::SalesForecast>> ForecastCube(
    const std::shared_ptr<const Cube>& cube, const Selection& selection,
    const ForecastQuestion& question);

// The answers' JSON: every series with its actual values, forecast and backtest; and the
// accuracy table, per series and overall, every candidate beside the chosen model.
nlohmann::ordered_json ForecastJson(const forecast::SalesForecast& forecast,
                                    const ForecastQuestion& question);
nlohmann::ordered_json AccuracyJson(const forecast::SalesForecast& forecast,
                                    const ForecastQuestion& question);

}  // namespace till
