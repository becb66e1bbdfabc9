// Customer lifetime models fitted by maximum likelihood:
//
// - BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way"): while alive, a
//   customer buys at Poisson rate lambda ~ Gamma(r, alpha); after each purchase they drop out
//   with probability p ~ Beta(a, b). From a customer's repeat purchases x, the time of the last
//   one t_x and their age T (both from the first purchase), it gives the expected purchases in
//   a coming period and the probability of being alive.
// - Gamma-Gamma (Fader, Hardie & Lee 2005, "RFM and CLV"; Fader & Hardie's note on the
//   Gamma-Gamma model): order values of a customer are Gamma(p, nu) with nu ~ Gamma(q, gamma);
//   from the number of orders x and their mean m, the expected value of the customer's orders.
//
// Times are in days. The likelihoods are the papers' closed forms; the fits maximise them with
// NLopt's L-BFGS on the logarithms of the parameters, with the analytic gradient. Pure
// functions, thread-safe.
//
// No drop-out: when customers never stop buying (every one a Poisson buyer for as long as they
// are watched), the BG/NBD likelihood is highest in the limit a -> 0, where it becomes the NBD
// model's (Gamma-Poisson purchases, nobody leaves). There the BG/NBD fit wanders along a flat
// ridge of (a, b) whose point says nothing. FitBgNbd therefore also fits the NBD model and
// keeps BG/NBD only when it is significantly more likely (likelihood-ratio statistic above
// kDropoutChiSquare, the 95% point of chi-square with one degree of freedom); otherwise it
// returns the NBD's r and alpha with a = b = 0, which every function here reads as "no
// drop-out": P(alive) = 1, expected purchases (r + x) / (alpha + T) per day.
//
// Trend: BG/NBD takes every customer's purchase rate to be constant in time. A store whose
// custom grows or shrinks as a whole (every customer buying more often this year than last)
// breaks that: fitted on the past, the model expects the past's average rate, and its forecasts
// of the coming days fall short of (or exceed) what comes. FitBgNbd therefore also fits the kept
// model with a common trend: every rate multiplied by exp(trend * (day - end of observation)),
// the same factor for every customer, trend estimated by maximum likelihood with the rest. On
// the model's own clock, tau(t) = the integral of that factor, purchases are again BG/NBD, so
// every formula of the paper holds with the times replaced by their tau; the purchase times add
// trend * (sum_t - x T) to a customer's log-likelihood (the log of the product of the factors
// at their repeat purchases). The trend is kept only when its likelihood-ratio statistic over
// the model without it exceeds kDropoutChiSquare (one more parameter); otherwise trend = 0 and
// everything is as above. A trend fitted on the observation period is extrapolated into the
// forecast days: it follows the growth the data show, and cannot know a season it has not seen.
#pragma once

#include <span>

#include "base/result.h"

namespace till::segment {

struct BgNbdCustomer {
  double x = 0;    // repeat purchases (orders after the first)
  double t_x = 0;  // days from the first purchase to the last
  double T = 0;    // days from the first purchase to the end of the observation
  // The sum over the repeat purchases of their days from the first purchase (t_x when x = 1,
  // 0 when x = 0): what a trend's likelihood reads of the purchase times.
  double sum_t = 0;
};

struct BgNbdParams {
  double r = 0, alpha = 0, a = 0, b = 0;
  // The common trend of the purchase rates, per day: rates are multiplied by
  // exp(trend * (day - end of observation)). 0: none, the paper's model.
  double trend = 0;
};

// True for the no-drop-out limit (a = 0): the NBD model.
inline bool NoDropout(const BgNbdParams& params) { return params.a == 0; }

inline constexpr double kDropoutChiSquare = 3.841458820694124;

// The log-likelihood of `customers` under `params` (the sum over customers of equation 6 of
// the paper, in logs).
double BgNbdLogLikelihood(const BgNbdParams& params, std::span<const BgNbdCustomer> customers);

// The maximum-likelihood parameters (a = b = 0 when the data show no drop-out, trend = 0 when
// they show no trend, see above). kInvalidArgument without any customer or without any repeat
// purchase (the drop-out process cannot be told apart then), or for a history whose numbers
// cannot be (sum_t outside [t_x, x t_x]); kInternal when the optimiser fails.
Result<BgNbdParams> FitBgNbd(std::span<const BgNbdCustomer> customers);

// FitBgNbd with what decided between the two models.
struct BgNbdFit {
  BgNbdParams params;                    // as FitBgNbd returns them
  BgNbdParams with_dropout;              // the BG/NBD fit, whichever was kept
  BgNbdParams without_dropout;           // the NBD fit (a = b = 0)
  double log_likelihood = 0;             // of with_dropout
  double no_dropout_log_likelihood = 0;  // of without_dropout
  // 2 (log_likelihood - no_dropout_log_likelihood); drop-out is kept above kDropoutChiSquare.
  double likelihood_ratio = 0;
  bool dropout = false;  // with_dropout chosen over without_dropout
  // The chosen one of the two with a trend, its log-likelihood and its likelihood-ratio
  // statistic over the chosen one without; the trend is kept above kDropoutChiSquare.
  BgNbdParams with_trend;
  double trend_log_likelihood = 0;
  double trend_likelihood_ratio = 0;
  bool trend = false;  // params == with_trend
};
Result<BgNbdFit> FitBgNbdModels(std::span<const BgNbdCustomer> customers);

// The expected number of purchases in the next `days` days of a customer with this history
// (equation 10 of the paper, on the trend's clock).
double ExpectedPurchases(const BgNbdParams& params, const BgNbdCustomer& customer, double days);

// The expected number of purchases in the next `days` days of a customer with this history,
// were they known to be alive: ExpectedPurchases divided by ProbabilityAlive. It depends on x
// and T only, so callers may share it between customers.
double ExpectedPurchasesIfAlive(const BgNbdParams& params, double x, double T, double days);

// The probability that a customer with this history is still alive (still buying).
double ProbabilityAlive(const BgNbdParams& params, const BgNbdCustomer& customer);

struct SpendCustomer {
  double x = 0;     // orders (at least 1)
  double mean = 0;  // their mean value (positive)
};

struct GammaGammaParams {
  double p = 0, q = 0, gamma = 0;
};

// The log-likelihood of `customers` under `params`.
double GammaGammaLogLikelihood(const GammaGammaParams& params,
                               std::span<const SpendCustomer> customers);

// The maximum-likelihood parameters. kInvalidArgument without any customer or with an order
// count below 1 or a mean that is not positive; kInternal when the optimiser fails.
Result<GammaGammaParams> FitGammaGamma(std::span<const SpendCustomer> customers);

// The expected value of an order of a customer with `customer`'s spend; of a new customer
// (x = 0) the population mean p * gamma / (q - 1) when q > 1.
double ExpectedOrderValue(const GammaGammaParams& params, const SpendCustomer& customer);

}  // namespace till::segment
