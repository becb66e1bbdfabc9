// Cohorts: customers grouped by the month of their first order, with the share of them who
// ordered and the revenue they brought in each month since; the repeat-purchase rate; the days
// between a customer's consecutive orders.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "segment/orders.h"

namespace till::segment {

struct CohortMonth {
  int64_t offset = 0;  // months since the cohort's month (0: the month itself)
  int64_t active = 0;  // customers of the cohort with an order that month
  double share_active = 0;
  double revenue = 0;  // what the cohort's orders of that month brought
};

struct Cohort {
  std::string month;  // "YYYY-MM" of the first order
  int64_t customers = 0;
  std::vector<CohortMonth> months;  // offsets 0 .. up to the month of the as-of day
};

struct CohortReport {
  std::vector<Cohort> cohorts;  // oldest first
  int64_t customers = 0;
  int64_t repeat_customers = 0;  // with two orders or more
  double repeat_rate = 0;        // repeat_customers / customers
  int64_t gaps = 0;              // pairs of consecutive orders
  double mean_days_between = 0;
  double median_days_between = 0;
};

// The cohorts of `histories` (orders after `as_of_day` ignored).
CohortReport ComputeCohorts(std::span<const CustomerHistory> histories, int64_t as_of_day);

}  // namespace till::segment
