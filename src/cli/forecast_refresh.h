// The forecasts the warehouse keeps, kept fresh: after a load (`till ingest`, `till watch`) and
// on `till forecast --save`, every series of the configured groupings and measures is forecast
// (src/forecast/) and stored as one run (warehouse/forecasts.h); before that, the days the load
// brought are held against the forecast stored before them, and a day outside its 95% interval
// is an anomaly.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "cli/config.h"
#include "forecast/sales_series.h"
#include "warehouse/forecasts.h"
#include "warehouse/warehouse.h"

namespace till {

// The stored form of one grouping's forecasts (day or week grain).
ForecastBatch MakeForecastBatch(const std::string& by, const std::string& measure,
                                const std::string& grain, const forecast::SalesForecast& forecast);

struct RefreshOutcome {
  int64_t run_id = 0;
  int64_t series = 0;  // series stored
  int64_t failed = 0;  // series the engine could not forecast (left out)
};
// Forecasts every series of `settings.by` × `settings.measures`, daily, `settings.horizon` days
// ahead, and stores them as one run.
Result<RefreshOutcome> RefreshForecasts(Warehouse& warehouse, const ForecastSettings& settings);

// A change of the anomaly incident: it opened (`firing`) or closed on a day.
struct AnomalyEvent {
  bool firing = false;
  std::string text;
};
// Holds the days after the last stored forecast's origin against the forecasts stored for them
// (forecast_actual_view): an incident opens on a day when some series lies outside its 95%
// interval and the day checked before it had none outside, and closes on a day when none is
// outside. Stateless: the warehouse's stored forecasts are the incident's history, so a restart
// neither repeats nor loses an alert. Call before RefreshForecasts.
Result<std::vector<AnomalyEvent>> CheckAnomalies(Warehouse& warehouse,
                                                 const ForecastSettings& settings);

// What a load that loaded something runs after it: the anomaly check (events handed to
// `on_event`), then the refresh, as `config.forecast` says. Problems are logged (with `run_id`,
// the load's run, when not 0), never fatal to the load.
void AfterLoad(Warehouse& warehouse, const Config& config, int64_t run_id,
               const std::function<void(const AnomalyEvent&)>& on_event);

}  // namespace till
