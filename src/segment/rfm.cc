#include "segment/rfm.h"

#include <algorithm>
#include <numeric>

namespace till::segment {

std::vector<int> QuintileScores(std::span<const double> values) {
  const size_t n = values.size();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return values[a] < values[b]; });
  std::vector<int> scores(n);
  size_t worse = 0;  // customers with a strictly lower value than the current tie group
  for (size_t i = 0; i < n;) {
    size_t end = i;
    while (end < n && values[order[end]] == values[order[i]]) ++end;
    const int score = 1 + static_cast<int>(5 * worse / n);
    for (size_t j = i; j < end; ++j) scores[order[j]] = score;
    worse = end;
    i = end;
  }
  return scores;
}

std::vector<Rfm> ComputeRfm(std::span<const CustomerHistory> histories, int64_t as_of_day) {
  std::vector<Rfm> out(histories.size());
  std::vector<double> r(histories.size()), f(histories.size()), m(histories.size());
  for (size_t i = 0; i < histories.size(); ++i) {
    Rfm& rfm = out[i];
    for (const Order& order : histories[i].orders) {
      if (order.day > as_of_day) continue;
      rfm.recency_days = as_of_day - order.day;  // orders are oldest first
      ++rfm.frequency;
      rfm.monetary += order.value;
    }
    r[i] = -static_cast<double>(rfm.recency_days);
    f[i] = static_cast<double>(rfm.frequency);
    m[i] = rfm.monetary;
  }
  const auto rs = QuintileScores(r), fs = QuintileScores(f), ms = QuintileScores(m);
  for (size_t i = 0; i < out.size(); ++i) {
    out[i].r_score = rs[i];
    out[i].f_score = fs[i];
    out[i].m_score = ms[i];
  }
  return out;
}

std::string_view SegmentOf(int r_score, int f_score, int m_score) {
  for (const SegmentRule& rule : kSegmentTable) {
    if (r_score >= rule.r_low && r_score <= rule.r_high && f_score >= rule.f_low &&
        f_score <= rule.f_high && m_score >= rule.m_low && m_score <= rule.m_high) {
      return rule.name;
    }
  }
  return kOtherSegment;
}

}  // namespace till::segment
