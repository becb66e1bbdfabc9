// Customers at risk: valuable customers who are slipping away. In the segment table's words
// (rfm.h) those of "At Risk" and "Can't Lose Them": good frequency and spend scores, a low
// recency score. What `/api/v1/customers/at-risk`, the dashboard's list and the at-risk alert
// all count.
#pragma once

#include <algorithm>
#include <iterator>
#include <string_view>

namespace till::segment {

inline constexpr std::string_view kAtRiskSegments[] = {"At Risk", "Can't Lose Them"};

inline bool IsAtRiskSegment(std::string_view segment) {
  return std::find(std::begin(kAtRiskSegments), std::end(kAtRiskSegments), segment) !=
         std::end(kAtRiskSegments);
}

}  // namespace till::segment
