#include "segment/segmentation.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <future>
#include <map>

namespace till::segment {
namespace {

// A cluster's profile in words, from its centroid in standard deviations of each feature:
// beyond half of one either way earns a word.
std::string ProfileWords(std::span<const double> centroid) {
  constexpr double kNotable = 0.5;
  struct Words {
    const char* low;
    const char* high;
  };
  constexpr Words kWords[] = {{"recent", "lapsed"},
                              {"infrequent", "frequent"},
                              {"low spend", "high spend"},
                              {"small baskets", "large baskets"}};
  // Frequency and spend read best first, then recency and baskets.
  constexpr size_t kOrder[] = {1, 2, 0, 3};
  std::string words;
  for (size_t feature : kOrder) {
    const char* word = centroid[feature] > kNotable    ? kWords[feature].high
                       : centroid[feature] < -kNotable ? kWords[feature].low
                                                       : nullptr;
    if (!word) continue;
    if (!words.empty()) words += ", ";
    words += word;
  }
  return words.empty() ? "average on every count" : words;
}

struct GroupTotals {
  int64_t customers = 0;
  double revenue = 0, frequency = 0, recency = 0, clv = 0, p_alive = 0;
  void Add(const CustomerScore& c) {
    ++customers;
    revenue += c.rfm.monetary;
    frequency += static_cast<double>(c.rfm.frequency);
    recency += static_cast<double>(c.rfm.recency_days);
    clv += c.clv_12m;
    p_alive += c.p_alive;
  }
  GroupSummary Summary(std::string name, double all_revenue) const {
    GroupSummary s;
    s.name = std::move(name);
    s.customers = customers;
    s.revenue = revenue;
    const auto n = static_cast<double>(customers);
    s.revenue_share = all_revenue > 0 ? revenue / all_revenue : 0;
    s.average_monetary = revenue / n;
    s.average_frequency = frequency / n;
    s.average_recency_days = recency / n;
    s.average_clv_12m = clv / n;
    s.average_p_alive = p_alive / n;
    return s;
  }
};

// ExpectedPurchases of many customers: the part that depends on x and T alone (a
// hypergeometric series) is computed once per distinct pair.
class PurchaseForecast {
 public:
  PurchaseForecast(const BgNbdParams& params, double days) : params_(params), days_(days) {}
  double operator()(const BgNbdCustomer& c) {
    auto [it, inserted] = if_alive_.try_emplace(std::pair(c.x, c.T), 0.0);
    if (inserted) it->second = ExpectedPurchasesIfAlive(params_, c.x, c.T, days_);
    return it->second * ProbabilityAlive(params_, c);
  }

 private:
  BgNbdParams params_;
  double days_;
  std::map<std::pair<double, double>, double> if_alive_;
};

}  // namespace

Result<HoldoutCheck> CheckHoldout(const OrderBook& book, int64_t as_of_day, int64_t days) {
  HoldoutCheck check;
  check.days = days;
  check.calibration_end_day = as_of_day - days;
  const auto histories = book.Histories(as_of_day);
  std::vector<BgNbdCustomer> calibration;
  for (const auto& history : histories) {
    if (history.orders.front().day > check.calibration_end_day) continue;
    calibration.push_back(PurchaseHistory(history, check.calibration_end_day));
    for (const Order& order : history.orders) {
      if (order.day > check.calibration_end_day) ++check.actual;
    }
  }
  auto fit = FitBgNbdModels(calibration);
  if (!fit) return MakeError(fit.error().code(), "holdout check: " + fit.error().message());
  check.params = fit->params;
  check.customers = static_cast<int64_t>(calibration.size());
  PurchaseForecast forecast(check.params, static_cast<double>(days));
  for (const auto& c : calibration) check.predicted += forecast(c);
  check.error = check.actual > 0 ? check.predicted / static_cast<double>(check.actual) - 1 : 0;
  return check;
}

FeatureMatrix ClusterFeatures(std::span<const Rfm> rfm) {
  FeatureMatrix features;
  features.rows = rfm.size();
  features.columns = 4;
  features.values.reserve(rfm.size() * 4);
  for (const Rfm& c : rfm) {
    const double monetary = std::max(c.monetary, 0.0);
    features.values.push_back(std::log1p(static_cast<double>(c.recency_days)));
    features.values.push_back(std::log1p(static_cast<double>(c.frequency)));
    features.values.push_back(std::log1p(monetary));
    features.values.push_back(std::log1p(monetary / static_cast<double>(c.frequency)));
  }
  return features;
}

BgNbdCustomer PurchaseHistory(const CustomerHistory& history, int64_t as_of_day) {
  BgNbdCustomer c;
  const int64_t first = history.orders.front().day;
  int64_t last = first, orders = 0, sum_t = 0;
  for (const Order& order : history.orders) {
    if (order.day > as_of_day) break;
    last = order.day;
    sum_t += order.day - first;  // 0 for the first
    ++orders;
  }
  c.x = static_cast<double>(orders - 1);
  c.t_x = static_cast<double>(last - first);
  // Days are whole: an order stands for the middle of its day, and the observation ends with
  // the as-of day, half a day after its middle. Measured to the as-of day's start instead, every
  // order would sit half a day later in the observation than it does on average, a bias that
  // the trend's likelihood reads as growth when there is none.
  c.T = static_cast<double>(as_of_day - first) + 0.5;
  c.sum_t = static_cast<double>(sum_t);
  return c;
}

Result<Segmentation> Segment(const OrderBook& book, const SegmentOptions& options) {
  Segmentation out;
  auto started = std::chrono::steady_clock::now();
  auto step = [&](const char* name) {
    const auto now = std::chrono::steady_clock::now();
    out.step_seconds.emplace_back(name, std::chrono::duration<double>(now - started).count());
    started = now;
  };
  out.as_of_day = options.as_of_day;
  const std::vector<CustomerHistory> histories = book.Histories(options.as_of_day);
  if (histories.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "no customer has an order by the as-of date");
  }
  step("histories");
  const std::vector<Rfm> rfm = ComputeRfm(histories, options.as_of_day);
  step("rfm");

  // The clusters and the lifetime models do not depend on each other: the clusters are
  // searched on other threads while this one fits the models.
  auto clustering = std::async(std::launch::async, [&] {
    return ChooseClusters(Standardise(ClusterFeatures(rfm)), options.clusters);
  });
  std::vector<BgNbdCustomer> purchases;
  std::vector<SpendCustomer> spend, repeat_spend;
  purchases.reserve(histories.size());
  spend.reserve(histories.size());
  for (size_t i = 0; i < histories.size(); ++i) {
    purchases.push_back(PurchaseHistory(histories[i], options.as_of_day));
    const auto orders = static_cast<double>(rfm[i].frequency);
    spend.push_back(SpendCustomer{orders, rfm[i].monetary / orders});
    // Gamma-Gamma is fitted on the customers who came back, as in Fader, Hardie & Lee.
    if (rfm[i].frequency >= 2 && spend.back().mean > 0) repeat_spend.push_back(spend.back());
  }
  auto bg_nbd = FitBgNbdModels(purchases);
  if (!bg_nbd) return MakeError(bg_nbd.error().code(), "BG/NBD: " + bg_nbd.error().message());
  auto gamma_gamma = FitGammaGamma(repeat_spend);
  if (!gamma_gamma) {
    return MakeError(gamma_gamma.error().code(), "Gamma-Gamma: " + gamma_gamma.error().message());
  }
  out.bg_nbd = bg_nbd->params;
  out.dropout = bg_nbd->dropout;
  out.dropout_likelihood_ratio = bg_nbd->likelihood_ratio;
  out.trend = bg_nbd->trend;
  out.trend_likelihood_ratio = bg_nbd->trend_likelihood_ratio;
  out.gamma_gamma = *gamma_gamma;
  step("lifetime");
  auto choice = clustering.get();
  if (!choice) return MakeError(choice.error().code(), choice.error().message());
  out.silhouettes = choice->silhouettes;
  out.silhouette = choice->best.silhouette;
  step("clusters");  // beyond the lifetime fits, which ran meanwhile

  // Clusters numbered from 1 by decreasing mean revenue.
  const KMeansFit& fit = choice->best;
  std::vector<double> cluster_revenue(fit.k, 0);
  std::vector<int64_t> cluster_size(fit.k, 0);
  for (size_t i = 0; i < histories.size(); ++i) {
    cluster_revenue[fit.labels[i]] += rfm[i].monetary;
    ++cluster_size[fit.labels[i]];
  }
  std::vector<size_t> by_revenue(fit.k);
  for (size_t c = 0; c < fit.k; ++c) by_revenue[c] = c;
  std::stable_sort(by_revenue.begin(), by_revenue.end(), [&](size_t a, size_t b) {
    return cluster_revenue[a] / static_cast<double>(cluster_size[a]) >
           cluster_revenue[b] / static_cast<double>(cluster_size[b]);
  });
  std::vector<int> number(fit.k);
  for (size_t rank = 0; rank < fit.k; ++rank) number[by_revenue[rank]] = static_cast<int>(rank + 1);

  PurchaseForecast in_90_days(out.bg_nbd, kPredictionDays);
  PurchaseForecast in_a_year(out.bg_nbd, kLifetimeDays);
  double all_revenue = 0;
  out.customers.reserve(histories.size());
  for (size_t i = 0; i < histories.size(); ++i) {
    CustomerScore c;
    c.customer_id = histories[i].customer_id;
    c.rfm = rfm[i];
    c.segment = SegmentOf(rfm[i].r_score, rfm[i].f_score, rfm[i].m_score);
    c.cluster = number[fit.labels[i]];
    c.expected_purchases_90d = in_90_days(purchases[i]);
    c.p_alive = ProbabilityAlive(out.bg_nbd, purchases[i]);
    c.expected_order_value = ExpectedOrderValue(out.gamma_gamma, spend[i]);
    c.clv_12m = in_a_year(purchases[i]) * c.expected_order_value;
    all_revenue += c.rfm.monetary;
    out.customers.push_back(std::move(c));
  }

  step("scores");
  std::map<std::string_view, GroupTotals> segments;
  std::vector<GroupTotals> clusters(fit.k);
  for (const CustomerScore& c : out.customers) {
    segments[c.segment].Add(c);
    clusters[c.cluster - 1].Add(c);
  }
  auto add_segment = [&](std::string_view name) {
    auto it = segments.find(name);
    if (it != segments.end())
      out.segments.push_back(it->second.Summary(std::string(name), all_revenue));
  };
  for (const SegmentRule& rule : kSegmentTable) add_segment(rule.name);
  add_segment(kOtherSegment);
  for (size_t rank = 0; rank < fit.k; ++rank) {
    GroupSummary summary = clusters[rank].Summary(std::to_string(rank + 1), all_revenue);
    const size_t label = by_revenue[rank];
    summary.profile = ProfileWords(std::span<const double>(fit.centroids).subspan(label * 4, 4));
    out.clusters.push_back(std::move(summary));
  }

  out.cohorts = ComputeCohorts(histories, options.as_of_day);
  step("cohorts");
  if (options.holdout_days > 0) {
    auto holdout = CheckHoldout(book, options.as_of_day, options.holdout_days);
    if (!holdout) return MakeError(holdout.error().code(), holdout.error().message());
    out.holdout = *holdout;
    step("holdout");
  }
  return out;
}

}  // namespace till::segment
