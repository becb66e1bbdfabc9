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
#pragma once

#include <span>

#include "base/result.h"

namespace till::segment {

struct BgNbdCustomer {
  double x = 0;    // repeat purchases (orders after the first)
  double t_x = 0;  // days from the first purchase to the last
  double T = 0;    // days from the first purchase to the end of the observation
};

struct BgNbdParams {
  double r = 0, alpha = 0, a = 0, b = 0;
};

// The log-likelihood of `customers` under `params` (the sum over customers of equation 6 of
// the paper, in logs).
double BgNbdLogLikelihood(const BgNbdParams& params, std::span<const BgNbdCustomer> customers);

// The maximum-likelihood parameters. kInvalidArgument without any customer or without any
// repeat purchase (the drop-out process cannot be told apart then); kInternal when the
// optimiser fails.
Result<BgNbdParams> FitBgNbd(std::span<const BgNbdCustomer> customers);

// The expected number of purchases in the next `days` days of a customer with this history
// (equation 10 of the paper).
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
