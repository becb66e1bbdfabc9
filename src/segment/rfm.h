// Recency, frequency and monetary value, their 1-5 scores, and the named RFM segments.
//
// Scores are quintiles of the customers' ranks, with ties kept together: a customer's score is
// 1 + floor(5 * worse / n), where n is the number of customers and `worse` the number whose
// value is strictly worse (a longer recency; fewer orders; less revenue). Customers with equal
// values always share a score, so a tie that straddles a quintile edge goes wholly to the lower
// quintile, and a value most customers share (one order) scores 1 for all of them. (The CRAN
// rfm package splits ties by row order with dplyr::ntile; equal customers there may get
// different scores.)
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "segment/orders.h"

namespace till::segment {

struct Rfm {
  int64_t recency_days = 0;  // from the last order to the as-of day
  int64_t frequency = 0;     // distinct orders
  double monetary = 0;       // revenue
  int r_score = 0;           // 1-5, 5 the most recent
  int f_score = 0;           // 1-5, 5 the most orders
  int m_score = 0;           // 1-5, 5 the most revenue
};

// The quintile scores of `values` under the rule above, higher values better; customers in
// the same order as `values`. Reverse the sign of a value where lower is better.
std::vector<int> QuintileScores(std::span<const double> values);

// Recency, frequency and monetary value of each history as of `as_of_day` (no order after
// it), with their scores.
std::vector<Rfm> ComputeRfm(std::span<const CustomerHistory> histories, int64_t as_of_day);

// One row of the segment table: a customer whose three scores fall in the row's ranges
// (inclusive) belongs to the row's segment; the first row that matches wins.
struct SegmentRule {
  std::string_view name;
  int r_low, r_high;
  int f_low, f_high;
  int m_low, m_high;
};

// The segment table, in the order it is matched. Rows 1-10 are the table of the CRAN rfm
// package's documented example (rfm_segment, version 0.3.0), in its order; Hibernating is ours:
// recency score 2 with no row above matched. Customers no row matches are kOtherSegment.
// clang-format off
inline constexpr SegmentRule kSegmentTable[] = {
    // name                 R       F       M
    {"Champions",           5, 5,   5, 5,   5, 5},
    {"Potential Loyalist",  3, 5,   3, 5,   2, 5},
    {"Loyal Customers",     2, 4,   2, 4,   2, 4},
    {"Promising",           3, 4,   1, 3,   3, 5},
    {"New Customers",       4, 5,   1, 3,   1, 5},
    {"Can't Lose Them",     1, 2,   3, 4,   4, 5},
    {"At Risk",             1, 2,   2, 5,   4, 5},
    {"Need Attention",      1, 3,   3, 5,   3, 5},
    {"About To Sleep",      2, 3,   1, 3,   1, 4},
    {"Hibernating",         2, 2,   1, 5,   1, 5},
    {"Lost",                1, 1,   1, 5,   1, 5},
};
// clang-format on
inline constexpr std::string_view kOtherSegment = "Others";

// The segment of a customer with these scores: a name from kSegmentTable, or kOtherSegment.
std::string_view SegmentOf(int r_score, int f_score, int m_score);

}  // namespace till::segment
