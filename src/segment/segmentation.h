// The whole customer segmentation of an order book as of a day: RFM scores and named segments
// (rfm.h), behavioural clusters (clusters.h), BG/NBD and Gamma-Gamma lifetime value
// (lifetime.h), cohorts (cohorts.h), summaries per segment and per cluster, and optionally a
// holdout check of the purchase model.
//
// Customers are the histories with an order on or before the as-of day; their customer ids are
// all that is kept of them. Thread-compatible: Segment() reads the book only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "segment/clusters.h"
#include "segment/cohorts.h"
#include "segment/lifetime.h"
#include "segment/orders.h"
#include "segment/rfm.h"

namespace till::segment {

inline constexpr double kPredictionDays = 90;
inline constexpr double kLifetimeDays = 365;

struct SegmentOptions {
  int64_t as_of_day = 0;     // days since 1970-01-01
  int64_t holdout_days = 0;  // 0: no holdout check
  ClusterOptions clusters;
};

struct CustomerScore {
  std::string customer_id;
  Rfm rfm;
  std::string_view segment;  // a name of kSegmentTable or kOtherSegment
  int cluster = 0;           // 1 .. k
  double expected_purchases_90d = 0;
  double p_alive = 0;
  double expected_order_value = 0;
  // Expected purchases in the next 365 days times the expected order value, undiscounted.
  double clv_12m = 0;
};

// Customers of one segment or cluster.
struct GroupSummary {
  std::string name;     // the segment's name, or the cluster's number
  std::string profile;  // clusters: the profile in words ("frequent, high spend, recent")
  int64_t customers = 0;
  double revenue = 0;
  double revenue_share = 0;  // of all customers' revenue
  double average_monetary = 0;
  double average_frequency = 0;
  double average_recency_days = 0;
  double average_clv_12m = 0;
  double average_p_alive = 0;
};

// Fit on the orders up to holdout_days before the as-of day; compare the purchases the model
// expects of those customers in the holdout days with the orders they placed.
struct HoldoutCheck {
  int64_t calibration_end_day = 0;
  int64_t days = 0;
  int64_t customers = 0;
  double predicted = 0;
  int64_t actual = 0;
  double error = 0;    // predicted / actual - 1
  BgNbdParams params;  // fitted on the calibration days (with their drop-out and trend choices)
};

struct Segmentation {
  int64_t as_of_day = 0;
  std::vector<CustomerScore> customers;  // in order of customer id
  std::vector<GroupSummary> segments;  // in kSegmentTable's order, then Others; empty ones left out
  std::vector<GroupSummary> clusters;  // by number
  std::vector<std::pair<size_t, double>> silhouettes;  // (k, silhouette) of every k tried
  double silhouette = 0;                               // of the k chosen
  BgNbdParams bg_nbd;  // a = b = 0 when the data show no drop-out (lifetime.h)
  // Whether the data show customers dropping out, and the likelihood-ratio statistic of BG/NBD
  // over the no-drop-out NBD model that decided it (kept above kDropoutChiSquare). Without
  // drop-out every P(alive) is 1 by the model, not by measurement.
  bool dropout = true;
  double dropout_likelihood_ratio = 0;
  // Whether the purchase rates show a common trend (bg_nbd.trend, per day; 0 without), and the
  // likelihood-ratio statistic that decided it (kept above kDropoutChiSquare).
  bool trend = false;
  double trend_likelihood_ratio = 0;
  GammaGammaParams gamma_gamma;
  CohortReport cohorts;
  std::optional<HoldoutCheck> holdout;
  // Wall seconds of each step: histories, rfm, lifetime, clusters (what their search took
  // beyond the lifetime fits, which run meanwhile), scores, cohorts, holdout.
  std::vector<std::pair<std::string, double>> step_seconds;
};

// The features the clusters are made of, one row per history: log(1 + recency days),
// log(1 + orders), log(1 + revenue), log(1 + revenue per order); before standardising.
FeatureMatrix ClusterFeatures(std::span<const Rfm> rfm);

// The BG/NBD history of a customer as of `as_of_day` (orders after it ignored): days from the
// first order, which with every order taken at the middle of its day puts the end of the
// observation, the end of the as-of day, at T = as-of day - first day + 1/2.
BgNbdCustomer PurchaseHistory(const CustomerHistory& history, int64_t as_of_day);

// The holdout check of the purchase model as of `as_of_day`: fitted on the orders up to `days`
// days before it, of the customers whose first order lies there; their expected purchases in
// the `days` days after (on the fitted model's trend, if any) beside the orders they placed.
// kInvalidArgument when the calibration days hold no customer or no repeat purchase.
Result<HoldoutCheck> CheckHoldout(const OrderBook& book, int64_t as_of_day, int64_t days);

// The segmentation of `book` under `options`. kInvalidArgument when no customer has an order
// by the as-of day, or too few for the models (fewer customers than two clusters; no repeat
// purchase).
Result<Segmentation> Segment(const OrderBook& book, const SegmentOptions& options);

}  // namespace till::segment
