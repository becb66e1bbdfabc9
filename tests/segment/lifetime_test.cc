// BG/NBD and Gamma-Gamma: the log-likelihoods and forecasts against an independent SciPy
// computation (reference.py), and the parameters recovered from data simulated from the models
// with known parameters.
#include "segment/lifetime.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <random>
#include <vector>

#include "segment/reference.h"
#include "support/temp_dir.h"

namespace till::segment {
namespace {

using till::testing::TempDir;

// Customers simulated from BG/NBD: rate ~ Gamma(r, alpha), drop-out after each repeat purchase
// with probability ~ Beta(a, b) (never when a = 0), observed for T days from the first purchase, T
// uniform in [min_T, max_T] whole days; purchase times rounded to whole days, as the warehouse
// holds them (to the nearest, which leaves them unbiased, as the day's middle does for
// PurchaseHistory). With a trend, the rate at day u of a customer's T is rate * exp(trend (u - T)):
// purchases are drawn on the clock tau(u) = exp(-trend T) (exp(trend u) - 1) / trend, where they
// are Poisson, and taken back to days.
std::vector<BgNbdCustomer> SimulateBgNbd(const BgNbdParams& p, size_t n, uint64_t seed,
                                         double min_T, double max_T) {
  std::mt19937_64 rng(seed);
  std::gamma_distribution<double> rate(p.r, 1 / p.alpha);
  // a = 0: nobody drops out.
  std::gamma_distribution<double> beta_a(p.a > 0 ? p.a : 1, 1), beta_b(p.b > 0 ? p.b : 1, 1);
  std::uniform_real_distribution<double> age(min_T, max_T);
  std::uniform_real_distribution<double> unit(0, 1);
  std::vector<BgNbdCustomer> out;
  for (size_t i = 0; i < n; ++i) {
    const double lambda = rate(rng);
    const double ga = beta_a(rng), gb = beta_b(rng);
    const double drop = p.a > 0 ? ga / (ga + gb) : 0;
    const double T = std::floor(age(rng));
    BgNbdCustomer c{0, 0, T};
    std::exponential_distribution<double> wait(lambda);
    const double b = p.trend;
    const double end = b == 0 ? T : -std::expm1(-b * T) / b;  // tau(T)
    double tau = 0;
    while (true) {
      tau += wait(rng);
      if (tau > end) break;
      const double t = b == 0 ? tau : std::log1p(b * tau * std::exp(b * T)) / b;
      c.x += 1;
      c.t_x = std::min(std::round(t), T);
      c.sum_t += c.t_x;
      if (unit(rng) < drop) break;
    }
    out.push_back(c);
  }
  return out;
}

void WriteBgNbd(const std::string& path, const std::vector<BgNbdCustomer>& customers) {
  std::ofstream out(path);
  out.precision(17);
  for (const auto& c : customers) {
    out << c.x << ',' << c.t_x << ',' << c.T << ',' << c.sum_t << '\n';
  }
}

std::string ParamsJson(const BgNbdParams& p) {
  nlohmann::json j{{"r", p.r}, {"alpha", p.alpha}, {"a", p.a}, {"b", p.b}, {"trend", p.trend}};
  return j.dump();
}

constexpr BgNbdParams kBgNbdTruth{0.8, 40.0, 0.6, 2.5};

TEST(BgNbdTest, LogLikelihoodAndForecastsEqualSciPys) {
  TempDir dir;
  const auto customers = SimulateBgNbd(kBgNbdTruth, 3000, 7, 100, 400);
  WriteBgNbd(dir.Path("customers.csv"), customers);
  // With trends of either sign (per day): rates growing 50% in a year, and halving.
  for (const BgNbdParams& params :
       {kBgNbdTruth, BgNbdParams{2.5, 7.0, 1.7, 0.4}, BgNbdParams{0.05, 300.0, 3.0, 12.0},
        BgNbdParams{0.8, 40.0, 0.6, 2.5, std::log(1.5) / 365},
        BgNbdParams{2.5, 7.0, 1.7, 0.4, std::log(0.5) / 365},
        BgNbdParams{1.5, 60.0, 0, 0, std::log(1.5) / 365}}) {
    std::ofstream(dir.Path("params.json")) << ParamsJson(params);
    const auto reference =
        testing::RunReference("bgnbd " + dir.Path("params.json") + " " + dir.Path("customers.csv"));
    ASSERT_TRUE(reference.is_object());
    const double ll = BgNbdLogLikelihood(params, customers);
    RecordProperty("ll_difference_" + std::to_string(params.r),
                   std::to_string(ll - reference["log_likelihood"].get<double>()));
    EXPECT_NEAR(ll, reference["log_likelihood"].get<double>(), 1e-6) << ParamsJson(params);
    for (size_t i = 0; i < customers.size(); ++i) {
      const double expected = reference["expected_90d"][i].get<double>();
      const double p_alive = reference["p_alive"][i].get<double>();
      ASSERT_NEAR(ExpectedPurchases(params, customers[i], 90), expected, 1e-9 * (1 + expected))
          << i;
      ASSERT_NEAR(ProbabilityAlive(params, customers[i]), p_alive, 1e-12) << i;
    }
  }
}

TEST(BgNbdTest, RecoversTheParametersOfSimulatedData) {
  const auto customers = SimulateBgNbd(kBgNbdTruth, 40000, 11, 300, 730);
  auto fitted = FitBgNbd(customers);
  ASSERT_TRUE(fitted) << fitted.error().message();
  RecordProperty("fitted", ParamsJson(*fitted));
  EXPECT_NEAR(fitted->r, kBgNbdTruth.r, 0.1 * kBgNbdTruth.r);
  EXPECT_NEAR(fitted->alpha, kBgNbdTruth.alpha, 0.1 * kBgNbdTruth.alpha);
  EXPECT_NEAR(fitted->a, kBgNbdTruth.a, 0.1 * kBgNbdTruth.a);
  EXPECT_NEAR(fitted->b, kBgNbdTruth.b, 0.1 * kBgNbdTruth.b);
  // The maximum: no nearby point is more likely.
  const double best = BgNbdLogLikelihood(*fitted, customers);
  for (double step : {0.99, 1.01}) {
    BgNbdParams other = *fitted;
    other.r *= step;
    EXPECT_LE(BgNbdLogLikelihood(other, customers), best);
    other = *fitted;
    other.b *= step;
    EXPECT_LE(BgNbdLogLikelihood(other, customers), best);
  }
}

// Writes x,t_x,T rows and runs SciPy's own fit of them (reference.py fitbgnbd).
nlohmann::json SciPyFit(const TempDir& dir, const std::vector<BgNbdCustomer>& customers) {
  WriteBgNbd(dir.Path("fit.csv"), customers);
  return testing::RunReference("fitbgnbd " + dir.Path("fit.csv") + " 90");
}

void ExpectWithin(double value, double reference, double share, const char* name) {
  EXPECT_NEAR(value, reference, share * std::abs(reference)) << name;
}

TEST(BgNbdTest, FitEqualsSciPysOnDataWithDropout) {
  TempDir dir;
  const auto customers = SimulateBgNbd(kBgNbdTruth, 8000, 23, 300, 730);
  auto fit = FitBgNbdModels(customers);
  ASSERT_TRUE(fit) << fit.error().message();
  const auto reference = SciPyFit(dir, customers);
  ASSERT_TRUE(reference.is_object());
  RecordProperty("fitted", ParamsJson(fit->params));
  RecordProperty("scipy", reference["params"].dump());
  EXPECT_TRUE(fit->dropout);
  EXPECT_TRUE(reference["dropout"].get<bool>());
  const auto& p = reference["params"];
  ExpectWithin(fit->params.r, p["r"].get<double>(), 0.01, "r");
  ExpectWithin(fit->params.alpha, p["alpha"].get<double>(), 0.01, "alpha");
  ExpectWithin(fit->params.a, p["a"].get<double>(), 0.01, "a");
  ExpectWithin(fit->params.b, p["b"].get<double>(), 0.01, "b");
  EXPECT_GE(fit->log_likelihood, reference["log_likelihood"].get<double>() - 1e-6);
}

// Customers who never leave (BG/NBD with drop-out probability 0): the likelihood is highest in
// the limit a -> 0, and the fit says so with the NBD model instead of a point on a ridge.
TEST(BgNbdTest, NoDropoutWhenNobodyLeaves) {
  TempDir dir;
  const BgNbdParams truth{1.5, 60.0, 0, 0};
  const auto customers = SimulateBgNbd(truth, 8000, 29, 100, 365);
  auto fit = FitBgNbdModels(customers);
  ASSERT_TRUE(fit) << fit.error().message();
  EXPECT_FALSE(fit->dropout);
  EXPECT_LT(fit->likelihood_ratio, kDropoutChiSquare);
  EXPECT_TRUE(NoDropout(fit->params));
  EXPECT_NEAR(fit->params.r, truth.r, 0.1 * truth.r);
  EXPECT_NEAR(fit->params.alpha, truth.alpha, 0.1 * truth.alpha);
  EXPECT_EQ(ProbabilityAlive(fit->params, customers[0]), 1.0);
  const auto reference = SciPyFit(dir, customers);
  ASSERT_TRUE(reference.is_object());
  EXPECT_FALSE(reference["dropout"].get<bool>());
  ExpectWithin(fit->params.r, reference["params"]["r"].get<double>(), 0.01, "r");
  ExpectWithin(fit->params.alpha, reference["params"]["alpha"].get<double>(), 0.01, "alpha");
  // The no-drop-out forecast: (r + x) / (alpha + T) a day, summed as SciPy sums it.
  double expected = 0;
  for (const auto& c : customers) expected += ExpectedPurchases(fit->params, c, 90);
  ExpectWithin(expected, reference["expected"].get<double>(), 0.01, "expected purchases");
  // The log-likelihood of the limit equals SciPy's NBD log-likelihood.
  EXPECT_NEAR(BgNbdLogLikelihood(fit->params, customers),
              reference["no_dropout_log_likelihood"].get<double>(), 1e-3);
}

// Rates growing 40% a year: the trend is found and kept, the parameters recovered within 10%,
// and the fit equals SciPy's own fit of the trend (reference.py, with numerical gradients).
TEST(BgNbdTest, RecoversATrendOfTheRatesAndEqualsSciPysFit) {
  TempDir dir;
  BgNbdParams truth = kBgNbdTruth;
  truth.trend = std::log(1.4) / 365;
  auto customers = SimulateBgNbd(truth, 40000, 31, 300, 730);
  auto fit = FitBgNbdModels(customers);
  ASSERT_TRUE(fit) << fit.error().message();
  RecordProperty("fitted_40000", ParamsJson(fit->params));
  EXPECT_TRUE(fit->dropout);
  EXPECT_TRUE(fit->trend);
  EXPECT_GT(fit->trend_likelihood_ratio, kDropoutChiSquare);
  EXPECT_NEAR(fit->params.r, truth.r, 0.1 * truth.r);
  EXPECT_NEAR(fit->params.alpha, truth.alpha, 0.1 * truth.alpha);
  EXPECT_NEAR(fit->params.a, truth.a, 0.1 * truth.a);
  EXPECT_NEAR(fit->params.b, truth.b, 0.1 * truth.b);
  EXPECT_NEAR(fit->params.trend, truth.trend, 0.1 * truth.trend);
  // SciPy's fit, with numerical gradients, on fewer of them.
  customers.resize(8000);
  fit = FitBgNbdModels(customers);
  ASSERT_TRUE(fit) << fit.error().message();
  RecordProperty("fitted", ParamsJson(fit->params));
  EXPECT_TRUE(fit->trend);
  const auto reference = SciPyFit(dir, customers);
  ASSERT_TRUE(reference.is_object());
  RecordProperty("scipy", reference["params"].dump());
  ASSERT_TRUE(reference["trend"].get<bool>());
  const auto& p = reference["params"];
  ExpectWithin(fit->params.r, p["r"].get<double>(), 0.01, "r");
  ExpectWithin(fit->params.alpha, p["alpha"].get<double>(), 0.01, "alpha");
  ExpectWithin(fit->params.a, p["a"].get<double>(), 0.01, "a");
  ExpectWithin(fit->params.b, p["b"].get<double>(), 0.01, "b");
  ExpectWithin(fit->params.trend, p["trend"].get<double>(), 0.01, "trend");
  EXPECT_GE(fit->trend_log_likelihood, reference["trend_log_likelihood"].get<double>() - 1e-6);
  double expected = 0;
  for (const auto& c : customers) expected += ExpectedPurchases(fit->params, c, 90);
  ExpectWithin(expected, reference["expected"].get<double>(), 0.01, "expected purchases");
}

// Steady rates, with and without drop-out: no trend is kept, and the models are the paper's.
TEST(BgNbdTest, NoTrendWhenRatesAreSteady) {
  for (const auto& [truth, seed] :
       {std::pair(kBgNbdTruth, 37), std::pair(BgNbdParams{1.5, 60.0, 0, 0}, 41)}) {
    const auto customers = SimulateBgNbd(truth, 20000, seed, 100, 500);
    auto fit = FitBgNbdModels(customers);
    ASSERT_TRUE(fit) << fit.error().message();
    RecordProperty("trend_ratio_" + std::to_string(seed),
                   std::to_string(fit->trend_likelihood_ratio));
    EXPECT_FALSE(fit->trend) << fit->trend_likelihood_ratio;
    EXPECT_EQ(fit->params.trend, 0);
    EXPECT_EQ(fit->dropout, !NoDropout(truth));
  }
}

TEST(BgNbdTest, RefusesHistoriesItCannotFit) {
  EXPECT_FALSE(FitBgNbd({}));
  const std::vector<BgNbdCustomer> no_repeat{{0, 0, 30}, {0, 0, 40}};
  EXPECT_EQ(FitBgNbd(no_repeat).error().code(), ErrorCode::kInvalidArgument);
  const std::vector<BgNbdCustomer> bad{{1, 50, 40}};
  EXPECT_EQ(FitBgNbd(bad).error().code(), ErrorCode::kInvalidArgument);
  // Two repeat purchases, the last on day 20: their days sum to between 20 and 40.
  for (double sum_t : {0.0, 19.0, 41.0}) {
    const std::vector<BgNbdCustomer> bad_sum{{2, 20, 40, sum_t}, {0, 0, 30, 0}};
    EXPECT_EQ(FitBgNbd(bad_sum).error().code(), ErrorCode::kInvalidArgument) << sum_t;
  }
}

constexpr GammaGammaParams kSpendTruth{6.0, 4.0, 15.0};

// Customers with 1 + Poisson(2) orders, each Gamma(p, nu) with nu ~ Gamma(q, gamma).
std::vector<SpendCustomer> SimulateSpend(const GammaGammaParams& p, size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::gamma_distribution<double> nu_of(p.q, 1 / p.gamma);
  std::poisson_distribution<int> extra(2.0);
  std::vector<SpendCustomer> out;
  for (size_t i = 0; i < n; ++i) {
    const double nu = nu_of(rng);
    std::gamma_distribution<double> value(p.p, 1 / nu);
    const int x = 1 + extra(rng);
    double sum = 0;
    for (int k = 0; k < x; ++k) sum += value(rng);
    out.push_back(SpendCustomer{static_cast<double>(x), sum / x});
  }
  return out;
}

TEST(GammaGammaTest, LogLikelihoodEqualsSciPys) {
  TempDir dir;
  const auto customers = SimulateSpend(kSpendTruth, 3000, 5);
  {
    std::ofstream out(dir.Path("spend.csv"));
    out.precision(17);
    for (const auto& c : customers) out << c.x << ',' << c.mean << '\n';
  }
  for (const GammaGammaParams& params :
       {kSpendTruth, GammaGammaParams{1.2, 30.0, 400.0}, GammaGammaParams{0.3, 1.5, 2.0}}) {
    std::ofstream(dir.Path("params.json"))
        << nlohmann::json{{"p", params.p}, {"q", params.q}, {"gamma", params.gamma}}.dump();
    const auto reference = testing::RunReference("gammagamma " + dir.Path("params.json") + " " +
                                                 dir.Path("spend.csv"));
    ASSERT_TRUE(reference.is_object());
    EXPECT_NEAR(GammaGammaLogLikelihood(params, customers),
                reference["log_likelihood"].get<double>(), 1e-6);
  }
}

TEST(GammaGammaTest, RecoversTheParametersOfSimulatedData) {
  const auto customers = SimulateSpend(kSpendTruth, 40000, 13);
  auto fitted = FitGammaGamma(customers);
  ASSERT_TRUE(fitted) << fitted.error().message();
  RecordProperty(
      "fitted",
      nlohmann::json{{"p", fitted->p}, {"q", fitted->q}, {"gamma", fitted->gamma}}.dump());
  EXPECT_NEAR(fitted->p, kSpendTruth.p, 0.1 * kSpendTruth.p);
  EXPECT_NEAR(fitted->q, kSpendTruth.q, 0.1 * kSpendTruth.q);
  EXPECT_NEAR(fitted->gamma, kSpendTruth.gamma, 0.1 * kSpendTruth.gamma);
  // The expected order value moves from the population mean towards the customer's own mean
  // as their orders grow.
  const double population = kSpendTruth.p * kSpendTruth.gamma / (kSpendTruth.q - 1);
  const double few = ExpectedOrderValue(kSpendTruth, SpendCustomer{1, 3 * population});
  const double many = ExpectedOrderValue(kSpendTruth, SpendCustomer{50, 3 * population});
  EXPECT_GT(few, population);
  EXPECT_GT(many, few);
  EXPECT_LT(many, 3 * population);
}

TEST(GammaGammaTest, RefusesSpendItCannotFit) {
  EXPECT_FALSE(FitGammaGamma({}));
  const std::vector<SpendCustomer> bad{{0, 10}};
  EXPECT_EQ(FitGammaGamma(bad).error().code(), ErrorCode::kInvalidArgument);
  const std::vector<SpendCustomer> negative{{2, -1}};
  EXPECT_EQ(FitGammaGamma(negative).error().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace till::segment
