// The customer analytics of a warehouse (src/segment/) as the command line runs them: read the
// sales, segment the customers, and store the result in customer_segment, by `till segments
// --save` and after each successful load (till.toml [segments]).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "base/result.h"
#include "cli/config.h"
#include "monitor/alerts.h"
#include "segment/segmentation.h"
#include "warehouse/warehouse.h"

namespace till {

// The segmentation of every sale with a customer id and a date, as of `as_of_day` (default: the
// latest sale's day). kNotFound when no sale has a customer id; the engine's errors otherwise.
// Each step's time is logged (at info) with `log_fields` besides.
Result<segment::Segmentation> SegmentWarehouse(
    Warehouse& warehouse, std::optional<int64_t> as_of_day, int64_t holdout_days,
    const nlohmann::json& log_fields = nlohmann::json::object());

// The rows of customer_segment for `segmentation`, by customer id.
std::vector<CustomerSegmentRow> CustomerSegmentRows(const segment::Segmentation& segmentation,
                                                    std::optional<int64_t> run_id);

// What a refresh did.
struct SegmentRefresh {
  int64_t customers = 0;
  // At-risk customers (segment/at_risk.h) with a 12-month value of at least the alert's
  // threshold, before (none: the table was empty) and after.
  std::optional<int64_t> at_risk_before;
  int64_t at_risk_after = 0;
};

// Segments the warehouse as of its latest sale and replaces customer_segment with the result,
// the rows naming `run_id`. `min_clv` is the value from which at-risk customers are counted.
Result<SegmentRefresh> RefreshCustomerSegments(Warehouse& warehouse, std::optional<int64_t> run_id,
                                               double min_clv);

// After a successful load: the refresh above unless till.toml turns it off, its counts told to
// `alerter` (may be null). A failure is logged, never the load's: the rows it loaded stay. Too
// few customers for the models leaves the table as it was.
void RefreshSegmentsAfterLoad(const Config& config, Warehouse& warehouse, Alerter* alerter);

}  // namespace till
