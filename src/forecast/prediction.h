// What every model of the forecast library returns for the days after a series ends: the
// point forecast and the bounds of the 80% and 95% prediction intervals, one entry per step.
#pragma once

#include <cstddef>
#include <vector>

namespace till::forecast {

// Standard normal quantiles of the two interval levels: qnorm(0.90) and qnorm(0.975).
inline constexpr double kZ80 = 1.2815515655446004;
inline constexpr double kZ95 = 1.959963984540054;

struct Prediction {
  std::vector<double> point;
  std::vector<double> lo80, hi80, lo95, hi95;

  std::size_t size() const { return point.size(); }
  void Resize(std::size_t h) {
    point.assign(h, 0.0);
    lo80.assign(h, 0.0);
    hi80.assign(h, 0.0);
    lo95.assign(h, 0.0);
    hi95.assign(h, 0.0);
  }
  // Sets step i to point ± z·se for both levels.
  void SetNormal(std::size_t i, double mean, double se) {
    point[i] = mean;
    lo80[i] = mean - kZ80 * se;
    hi80[i] = mean + kZ80 * se;
    lo95[i] = mean - kZ95 * se;
    hi95[i] = mean + kZ95 * se;
  }
};

// Makes a prediction fit to publish: every value finite (a non-finite value becomes the last
// finite point, or 0), the bounds ordered lo95 <= lo80 <= point <= hi80 <= hi95, and, when
// the series cannot go below zero (units, revenue, orders), nothing below zero.
enum class Floor { kNone, kZero };
void Sanitize(Prediction& prediction, Floor floor);

}  // namespace till::forecast
