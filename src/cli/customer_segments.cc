#include "cli/customer_segments.h"

#include <chrono>
#include <string>

#include "base/date.h"
#include "base/log.h"
#include "segment/at_risk.h"
#include "warehouse/reads.h"

namespace till {

Result<segment::Segmentation> SegmentWarehouse(Warehouse& warehouse,
                                               std::optional<int64_t> as_of_day,
                                               int64_t holdout_days,
                                               const nlohmann::json& log_fields) {
  auto fields = [&](nlohmann::json step) {
    step.update(log_fields);
    return step;
  };
  segment::OrderBook book;
  const auto started = std::chrono::steady_clock::now();
  // Sales come mostly in date order: a date key is converted once for a run of them.
  int32_t date_key = -1;
  int64_t day = 0;
  TILL_RETURN_IF_ERROR(ScanCustomerSales(warehouse, [&](const CustomerSaleRow& sale) -> Status {
    if (sale.date_key != date_key) {
      date_key = sale.date_key;
      day = DaysFromCivil(DateFromKey(date_key));
    }
    book.Add(sale.customer, sale.customer_id, sale.transaction_id, day, sale.amount);
    return {};
  }));
  if (!book.last_day()) {
    return MakeError(ErrorCode::kNotFound, "the warehouse holds no sale with a customer id");
  }
  Log(LogLevel::kInfo, "segments step",
      fields({{"step", "read"},
              {"seconds",
               std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()},
              {"lines", book.lines()}}));
  segment::SegmentOptions options;
  options.as_of_day = as_of_day.value_or(*book.last_day());
  options.holdout_days = holdout_days;
  auto segmentation = segment::Segment(book, options);
  TILL_RETURN_IF_ERROR(segmentation);
  for (const auto& [name, seconds] : segmentation->step_seconds) {
    Log(LogLevel::kInfo, "segments step", fields({{"step", name}, {"seconds", seconds}}));
  }
  return segmentation;
}

std::vector<CustomerSegmentRow> CustomerSegmentRows(const segment::Segmentation& segmentation,
                                                    std::optional<int64_t> run_id) {
  std::vector<CustomerSegmentRow> rows;
  rows.reserve(segmentation.customers.size());
  const int32_t as_of_key = CivilFromDays(segmentation.as_of_day).Key();
  for (const segment::CustomerScore& c : segmentation.customers) {
    CustomerSegmentRow& row = rows.emplace_back();
    row.customer_id = c.customer_id;
    row.as_of_key = as_of_key;
    row.recency_days = c.rfm.recency_days;
    row.frequency = c.rfm.frequency;
    row.monetary = c.rfm.monetary;
    row.r_score = c.rfm.r_score;
    row.f_score = c.rfm.f_score;
    row.m_score = c.rfm.m_score;
    row.segment = std::string(c.segment);
    row.cluster = c.cluster;
    row.expected_purchases_90d = c.expected_purchases_90d;
    row.p_alive = c.p_alive;
    row.expected_order_value = c.expected_order_value;
    row.clv_12m = c.clv_12m;
    row.run_id = run_id;
  }
  return rows;
}

Result<SegmentRefresh> RefreshCustomerSegments(Warehouse& warehouse, std::optional<int64_t> run_id,
                                               double min_clv) {
  SegmentRefresh refresh;
  auto before = CountSegmentCustomers(warehouse, segment::kAtRiskSegments, min_clv);
  TILL_RETURN_IF_ERROR(before);
  refresh.at_risk_before = *before;
  nlohmann::json log_fields = nlohmann::json::object();
  if (run_id) log_fields["run_id"] = *run_id;
  auto segmentation = SegmentWarehouse(warehouse, std::nullopt, 0, log_fields);
  TILL_RETURN_IF_ERROR(segmentation);
  const std::vector<CustomerSegmentRow> rows = CustomerSegmentRows(*segmentation, run_id);
  TILL_RETURN_IF_ERROR(warehouse.ReplaceCustomerSegments(rows));
  refresh.customers = static_cast<int64_t>(rows.size());
  for (const CustomerSegmentRow& row : rows) {
    if (segment::IsAtRiskSegment(row.segment) && row.clv_12m >= min_clv) ++refresh.at_risk_after;
  }
  return refresh;
}

void RefreshSegmentsAfterLoad(const Config& config, Warehouse& warehouse, Alerter* alerter) {
  if (!config.segments.refresh_after_load) return;
  const auto started = std::chrono::steady_clock::now();
  std::optional<int64_t> run_id;
  if (auto last = ReadLastLoad(warehouse); last && *last) run_id = (*last)->run_id;
  auto refresh = RefreshCustomerSegments(warehouse, run_id, config.alerts.at_risk_min_clv);
  if (!refresh) {
    // Too few customers, or none with a second order, for the models: nothing to store yet.
    const bool too_few = refresh.error().code() == ErrorCode::kInvalidArgument ||
                         refresh.error().code() == ErrorCode::kNotFound;
    nlohmann::json fields{{"reason", refresh.error().message()}};
    if (run_id) fields["run_id"] = *run_id;
    Log(too_few ? LogLevel::kInfo : LogLevel::kWarn, "customer segments not refreshed", fields);
    return;
  }
  nlohmann::json fields{
      {"customers", refresh->customers},
      {"at_risk", refresh->at_risk_after},
      {"seconds",
       std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()}};
  if (run_id) fields["run_id"] = *run_id;
  Log(LogLevel::kInfo, "customer segments refreshed", fields);
  if (alerter) alerter->OnAtRiskCustomers(refresh->at_risk_before, refresh->at_risk_after);
}

}  // namespace till
