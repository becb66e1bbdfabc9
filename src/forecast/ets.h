// Exponential smoothing state-space models, ETS(error, trend, season), as Hyndman &
// Athanasopoulos, "Forecasting: Principles and Practice" (3rd ed., ch. 8) write them and as R's
// forecast::ets fits them: the same recursions (Hyndman et al. 2008, table 2.1), the same
// heuristic initial states (forecast:::initstate), the same "both" parameter bounds (usual
// and admissible), the likelihood without constants (n·log Σe² plus 2·Σlog|ŷ| for
// multiplicative errors), AICc over the parameters and initial states plus one, and the
// analytic prediction variances of the three model classes (forecast:::class1/2/3).
// Parameters and initial states are estimated by maximum likelihood with NLopt's Nelder-Mead.
// Everything here is deterministic: the same series gives the same fit, bit for bit.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "base/result.h"
#include "forecast/prediction.h"

namespace till::forecast {

enum class Component { kNone, kAdditive, kMultiplicative };

struct EtsForm {
  Component error = Component::kAdditive;
  Component trend = Component::kNone;  // kNone or kAdditive (no multiplicative trend)
  Component season = Component::kNone;
  bool damped = false;

  // "ETS(M,Ad,M)", as R prints it.
  std::string Name() const;
  // "MAdM": the model string of forecast::ets(model=..., damped=...).
  std::string Code() const;
  friend bool operator==(const EtsForm&, const EtsForm&) = default;
};

// Parses "ANN", "MAM", "AAdA" (Code()'s spelling); an error for anything else.
Result<EtsForm> ParseEtsForm(std::string_view code);

enum class Criterion { kLikelihood, kMse };

struct EtsFit {
  EtsForm form;
  int m = 1;  // the season length used (1 when the form has no season)
  double alpha = 0, beta = 0, gamma = 0, phi = 1;
  // States after the last observation: level, trend (if any), then the m seasonal states,
  // the most recent first.
  std::vector<double> last_state;
  std::vector<double> initial_state;
  std::vector<double> residuals;  // additive: y - ŷ; multiplicative: (y - ŷ)/ŷ
  std::vector<double> fitted;
  int n = 0;
  int parameters = 0;  // smoothing parameters and free initial states (R's length(par))
  double loglik = 0;   // -0.5 × (n·log Σe² [+ 2Σlog|ŷ|]), as R's ets reports it
  double aic = 0, aicc = 0, bic = 0;
  double mse = 0;     // mean squared one-step error on the data's scale
  double sigma2 = 0;  // Σe²/(n - parameters), R's sigma2
};

// Fits one form to y with season length m (ignored when the form has no season).
// kInvalidArgument when the form cannot be fitted to this series: too short for its
// parameters, a multiplicative component on data with zeros or negatives, a season on m < 2
// or m > 24 (R's limit), or when the optimiser finds no admissible point.
// `start`, when given and of the same form, is where the optimiser starts instead of R's
// heuristic (for refits on a longer or shorter part of the same series).
Result<EtsFit> FitEts(std::span<const double> y, int m, EtsForm form,
                      Criterion criterion = Criterion::kLikelihood, const EtsFit* start = nullptr);

struct EtsParameters {
  double alpha = 0, beta = 0, gamma = 0, phi = 1;
};
// The model with given parameters and initial states (level, trend if any, then all m
// seasonal states, the most recent first, as R's fit$initstate lists them): its residuals,
// likelihood, AICc and last state, without optimising anything. FitEts ends here.
Result<EtsFit> EvaluateEts(std::span<const double> y, int m, EtsForm form,
                           const EtsParameters& parameters, std::span<const double> initial);

// The forms forecast::ets(y) tries by default for this series, in R's order: error A or M
// (M only for positive data), trend none/additive/damped, season none/additive/
// multiplicative (seasons only for 2 <= m <= 24 and more than m points; no additive error
// with multiplicative season), and only forms with fewer parameters than n - 4.
std::vector<EtsForm> CandidateForms(std::span<const double> y, int m);

struct EtsSelection {
  EtsFit best;
  struct Tried {
    EtsForm form;
    double aicc = 0;  // infinity when the form could not be fitted
  };
  std::vector<Tried> tried;
};

// Fits every candidate form and keeps the one with the smallest AICc (forecast::ets's
// automatic choice). kInvalidArgument when no form can be fitted.
Result<EtsSelection> SelectEts(std::span<const double> y, int m);

// Point forecasts and analytic 80%/95% intervals for h steps after the data.
Prediction ForecastEts(const EtsFit& fit, int h);

}  // namespace till::forecast
