#include "forecast/prediction.h"

#include <algorithm>
#include <cmath>

namespace till::forecast {

void Sanitize(Prediction& p, Floor floor) {
  double last = 0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    double& point = p.point[i];
    if (!std::isfinite(point)) point = last;
    last = point;
    for (double* bound : {&p.lo80[i], &p.lo95[i]}) {
      if (!std::isfinite(*bound)) *bound = point;
    }
    for (double* bound : {&p.hi80[i], &p.hi95[i]}) {
      if (!std::isfinite(*bound)) *bound = point;
    }
    if (floor == Floor::kZero) {
      point = std::max(point, 0.0);
      for (double* v : {&p.lo80[i], &p.hi80[i], &p.lo95[i], &p.hi95[i]}) *v = std::max(*v, 0.0);
    }
    p.lo80[i] = std::min(p.lo80[i], point);
    p.lo95[i] = std::min(p.lo95[i], p.lo80[i]);
    p.hi80[i] = std::max(p.hi80[i], point);
    p.hi95[i] = std::max(p.hi95[i], p.hi80[i]);
  }
}

}  // namespace till::forecast
