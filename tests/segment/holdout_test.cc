// The holdout check of the purchase model on stores simulated from BG/NBD with known parameters:
// customers acquired through the year, each buying at a Gamma rate and dropping out after a
// purchase with a Beta probability; with steady rates, and with the rates of every customer
// growing together. Fitted on all but the last 90 days, the model's expected purchases in them
// must come within a few percent of the purchases simulated there.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "base/date.h"
#include "segment/lifetime.h"
#include "segment/orders.h"
#include "segment/segmentation.h"

namespace till::segment {
namespace {

constexpr int64_t kHoldoutDays = 90;

struct Store {
  OrderBook book;
  int64_t last_day = 0;
};

// `customers` first buying on a day uniform over `days` days, then buying at rate
// lambda * exp(trend * (day - last day)) with lambda ~ Gamma(r, alpha), and after each repeat
// purchase leaving with probability p ~ Beta(a, b). Purchases are drawn on the clock where they
// are Poisson, the integral of the trend's factor, and taken back to days; every purchase is an
// order of its own.
Store SimulateStore(const BgNbdParams& truth, int customers, int64_t days, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::gamma_distribution<double> rate(truth.r, 1 / truth.alpha);
  std::gamma_distribution<double> beta_a(truth.a, 1), beta_b(truth.b, 1);
  std::uniform_real_distribution<double> unit(0, 1);
  Store store;
  const int64_t first_day = DaysFromCivil(CivilDate{2023, 3, 1});
  store.last_day = first_day + days - 1;
  const double end = static_cast<double>(days);  // the calendar's end, in days from first_day
  const double b = truth.trend;
  // The clock: Lambda(c) = integral from 0 to c of exp(b (v - end)), and back.
  auto clock = [&](double c) { return b == 0 ? c : std::exp(-b * end) * std::expm1(b * c) / b; };
  auto back = [&](double tau) {
    return b == 0 ? tau : std::log1p(b * tau * std::exp(b * end)) / b;
  };
  int64_t order = 0;
  for (int i = 0; i < customers; ++i) {
    const std::string id = std::to_string(100000 + i);
    const double lambda = rate(rng);
    const double ga = beta_a(rng), gb = beta_b(rng);
    const double drop = ga / (ga + gb);
    double c = unit(rng) * end;  // the first purchase
    auto buy = [&] {
      store.book.Add(id, std::to_string(++order), first_day + static_cast<int64_t>(c), 10.0);
    };
    buy();
    std::exponential_distribution<double> wait(lambda);
    while (true) {
      const double next = back(clock(c) + wait(rng));
      if (!(next < end)) break;
      c = next;
      buy();
      if (unit(rng) < drop) break;  // after a repeat purchase
    }
  }
  return store;
}

// The expected purchases of the calibration customers in the holdout under `params`, fitted on
// them.
double Predicted(const Store& store, const BgNbdParams& params) {
  const int64_t end = store.last_day - kHoldoutDays;
  double predicted = 0;
  for (const auto& history : store.book.Histories(end)) {
    predicted +=
        ExpectedPurchases(params, PurchaseHistory(history, end), static_cast<double>(kHoldoutDays));
  }
  return predicted;
}

TEST(HoldoutTest, SteadyRatesPredictTheHoldoutWithinAFewPercent) {
  const BgNbdParams truth{0.8, 40.0, 0.6, 2.5};
  const Store store = SimulateStore(truth, 30000, 366, 5);
  auto check = CheckHoldout(store.book, store.last_day, kHoldoutDays);
  ASSERT_TRUE(check) << check.error().message();
  RecordProperty("holdout", std::to_string(check->predicted) + " predicted, " +
                                std::to_string(check->actual) + " actual");
  EXPECT_EQ(check->params.trend, 0);
  EXPECT_NEAR(check->error, 0, 0.03);
}

// Every customer's rate doubles in a year. The paper's model, fitted on the past, expects the
// past's average rate and falls short of the holdout; with the trend it does not.
TEST(HoldoutTest, GrowingRatesPredictTheHoldoutWithTheirTrend) {
  BgNbdParams truth{0.8, 40.0, 0.6, 2.5};
  truth.trend = std::log(2.0) / 365;
  const Store store = SimulateStore(truth, 30000, 366, 7);
  auto check = CheckHoldout(store.book, store.last_day, kHoldoutDays);
  ASSERT_TRUE(check) << check.error().message();
  RecordProperty("holdout", std::to_string(check->predicted) + " predicted, " +
                                std::to_string(check->actual) + " actual");
  EXPECT_NEAR(check->params.trend, truth.trend, 0.25 * truth.trend);
  EXPECT_NEAR(check->error, 0, 0.03);

  // The same customers under the model without the trend.
  const int64_t end = store.last_day - kHoldoutDays;
  std::vector<BgNbdCustomer> calibration;
  for (const auto& history : store.book.Histories(end)) {
    calibration.push_back(PurchaseHistory(history, end));
  }
  auto fit = FitBgNbdModels(calibration);
  ASSERT_TRUE(fit) << fit.error().message();
  EXPECT_TRUE(fit->trend);
  const double steady = Predicted(store, fit->with_dropout) / static_cast<double>(check->actual);
  RecordProperty("steady_model_error", std::to_string(steady - 1));
  EXPECT_LT(steady - 1, -0.08);
}

}  // namespace
}  // namespace till::segment
