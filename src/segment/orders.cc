#include "segment/orders.h"

#include <absl/hash/hash.h>

#include <algorithm>
#include <numeric>

namespace till::segment {

void OrderBook::Add(std::string_view customer_id, std::optional<std::string_view> transaction_id,
                    int64_t day, double amount) {
  // Abseil's string_view may not be std's: look up through its own.
  auto it = index_.find(absl::string_view(customer_id.data(), customer_id.size()));
  if (it == index_.end()) {
    it = index_.emplace(std::string(customer_id), static_cast<uint32_t>(ids_.size())).first;
    ids_.emplace_back(customer_id);
    lines_by_customer_.emplace_back();
  }
  // Named orders hash into the upper half of the key space and unnamed ones count up from 0 in
  // the lower half, so the two never meet. Two transaction ids of one customer sharing a day
  // and a 63-bit hash would merge: a chance of about 1e-16 per pair.
  const uint64_t order =
      transaction_id
          ? (absl::HashOf(absl::string_view(transaction_id->data(), transaction_id->size())) |
             (uint64_t{1} << 63))
          : unnamed_orders_++;
  lines_by_customer_[it->second].push_back(Line{order, day, amount});
  ++lines_;
  if (!last_day_ || day > *last_day_) last_day_ = day;
}

std::vector<CustomerHistory> OrderBook::Histories(int64_t as_of_day) const {
  std::vector<uint32_t> by_id(ids_.size());
  std::iota(by_id.begin(), by_id.end(), 0u);
  std::sort(by_id.begin(), by_id.end(), [&](uint32_t a, uint32_t b) { return ids_[a] < ids_[b]; });
  std::vector<CustomerHistory> out;
  out.reserve(ids_.size());
  std::vector<Line> lines;
  for (uint32_t c : by_id) {
    lines.clear();
    for (const Line& line : lines_by_customer_[c]) {
      if (line.day <= as_of_day) lines.push_back(line);
    }
    if (lines.empty()) continue;
    std::stable_sort(lines.begin(), lines.end(), [](const Line& a, const Line& b) {
      return a.day != b.day ? a.day < b.day : a.order < b.order;
    });
    CustomerHistory history{ids_[c], {}};
    for (size_t i = 0; i < lines.size(); ++i) {
      if (i > 0 && lines[i].day == lines[i - 1].day && lines[i].order == lines[i - 1].order) {
        history.orders.back().value += lines[i].amount;
      } else {
        history.orders.push_back(Order{lines[i].day, lines[i].amount});
      }
    }
    out.push_back(std::move(history));
  }
  return out;
}

}  // namespace till::segment
