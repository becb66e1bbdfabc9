#include "segment/orders.h"

#include <algorithm>
#include <functional>
#include <numeric>

namespace till::segment {
namespace {
constexpr uint32_t kNoIndex = UINT32_MAX;
}  // namespace

uint32_t OrderBook::IndexOf(std::string_view customer_id) {
  // Abseil's string_view may not be std's: look up through its own.
  auto it = index_.find(absl::string_view(customer_id.data(), customer_id.size()));
  if (it == index_.end()) {
    it = index_.emplace(std::string(customer_id), static_cast<uint32_t>(ids_.size())).first;
    ids_.emplace_back(customer_id);
  }
  return it->second;
}

void OrderBook::Add(std::string_view customer_id, std::optional<std::string_view> transaction_id,
                    int64_t day, double amount) {
  AddLine(IndexOf(customer_id), transaction_id, day, amount);
}

void OrderBook::Add(uint32_t customer, std::string_view customer_id,
                    std::optional<std::string_view> transaction_id, int64_t day, double amount) {
  if (customer >= index_of_number_.size()) index_of_number_.resize(customer + 1, kNoIndex);
  uint32_t& index = index_of_number_[customer];
  if (index == kNoIndex) index = IndexOf(customer_id);
  AddLine(index, transaction_id, day, amount);
}

void OrderBook::AddLine(uint32_t index, std::optional<std::string_view> transaction_id, int64_t day,
                        double amount) {
  // Named orders hash into the upper half of the key space and unnamed ones count up from 0 in
  // the lower half, so the two never meet. Two transaction ids of one customer sharing a day
  // and a 63-bit hash would merge: a chance of about 1e-16 per pair. std::hash rather than
  // Abseil's, whose seed changes from run to run: the order of a day's orders, and with it the
  // last bits of the sums over them, would too.
  const uint64_t order =
      transaction_id ? (std::hash<std::string_view>{}(*transaction_id) | (uint64_t{1} << 63))
                     : unnamed_orders_++;
  lines_.push_back(Line{order, day, amount});
  line_customers_.push_back(index);
  if (!last_day_ || day > *last_day_) last_day_ = day;
}

std::vector<CustomerHistory> OrderBook::Histories(int64_t as_of_day) const {
  // The lines grouped by customer, each customer's in the order added (a counting sort).
  std::vector<size_t> start(ids_.size() + 1, 0);
  for (uint32_t c : line_customers_) ++start[c + 1];
  std::partial_sum(start.begin(), start.end(), start.begin());
  std::vector<Line> grouped(lines_.size());
  {
    std::vector<size_t> next(start.begin(), start.end() - 1);
    for (size_t i = 0; i < lines_.size(); ++i) grouped[next[line_customers_[i]]++] = lines_[i];
  }
  std::vector<uint32_t> by_id(ids_.size());
  std::iota(by_id.begin(), by_id.end(), 0u);
  std::sort(by_id.begin(), by_id.end(), [&](uint32_t a, uint32_t b) { return ids_[a] < ids_[b]; });
  std::vector<CustomerHistory> out;
  out.reserve(ids_.size());
  std::vector<Line> lines;
  for (uint32_t c : by_id) {
    lines.clear();
    for (size_t i = start[c]; i < start[c + 1]; ++i) {
      if (grouped[i].day <= as_of_day) lines.push_back(grouped[i]);
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
