#include "segment/cohorts.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "base/date.h"

namespace till::segment {
namespace {

int64_t MonthIndex(int64_t day) {
  const CivilDate date = CivilFromDays(day);
  return int64_t{date.year} * 12 + (date.month - 1);
}

}  // namespace

CohortReport ComputeCohorts(std::span<const CustomerHistory> histories, int64_t as_of_day) {
  CohortReport report;
  const int64_t last_month = MonthIndex(as_of_day);
  struct Accumulator {
    int64_t customers = 0;
    std::vector<int64_t> active;
    std::vector<double> revenue;
  };
  std::map<int64_t, Accumulator> by_month;
  std::vector<int64_t> gaps;
  for (const CustomerHistory& history : histories) {
    if (history.orders.empty() || history.orders.front().day > as_of_day) continue;
    const int64_t first = MonthIndex(history.orders.front().day);
    Accumulator& cohort = by_month[first];
    const auto span = static_cast<size_t>(last_month - first + 1);
    if (cohort.active.size() < span) {
      cohort.active.resize(span);
      cohort.revenue.resize(span);
    }
    ++cohort.customers;
    ++report.customers;
    int64_t orders = 0, previous_offset = -1, previous_day = 0;
    for (const Order& order : history.orders) {
      if (order.day > as_of_day) break;
      const int64_t offset = MonthIndex(order.day) - first;
      if (offset != previous_offset) ++cohort.active[offset];
      previous_offset = offset;
      cohort.revenue[offset] += order.value;
      if (orders > 0) gaps.push_back(order.day - previous_day);
      previous_day = order.day;
      ++orders;
    }
    if (orders >= 2) ++report.repeat_customers;
  }
  for (const auto& [month, cohort] : by_month) {
    Cohort out;
    out.month = fmt::format("{:04}-{:02}", month / 12, month % 12 + 1);
    out.customers = cohort.customers;
    for (size_t offset = 0; offset < cohort.active.size(); ++offset) {
      out.months.push_back(CohortMonth{
          static_cast<int64_t>(offset), cohort.active[offset],
          static_cast<double>(cohort.active[offset]) / static_cast<double>(cohort.customers),
          cohort.revenue[offset]});
    }
    report.cohorts.push_back(std::move(out));
  }
  if (report.customers > 0) {
    report.repeat_rate =
        static_cast<double>(report.repeat_customers) / static_cast<double>(report.customers);
  }
  report.gaps = static_cast<int64_t>(gaps.size());
  if (!gaps.empty()) {
    double sum = 0;
    for (int64_t gap : gaps) sum += static_cast<double>(gap);
    report.mean_days_between = sum / static_cast<double>(gaps.size());
    const size_t middle = gaps.size() / 2;
    std::nth_element(gaps.begin(), gaps.begin() + middle, gaps.end());
    double median = static_cast<double>(gaps[middle]);
    if (gaps.size() % 2 == 0) {
      median =
          (median + static_cast<double>(*std::max_element(gaps.begin(), gaps.begin() + middle))) /
          2;
    }
    report.median_days_between = median;
  }
  return report;
}

}  // namespace till::segment
