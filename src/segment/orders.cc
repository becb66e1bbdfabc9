#include "segment/orders.h"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <functional>
#include <iterator>
#include <numeric>

#include "segment/parallel.h"

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
  assert(keying_ != Keying::kByNumber);
  keying_ = Keying::kById;
  AddLine(IndexOf(customer_id), transaction_id, day, amount);
}

void OrderBook::Add(uint32_t customer, std::string_view customer_id,
                    std::optional<std::string_view> transaction_id, int64_t day, double amount) {
  assert(keying_ != Keying::kById);
  keying_ = Keying::kByNumber;
  if (customer >= index_of_number_.size()) index_of_number_.resize(customer + 1, kNoIndex);
  uint32_t& index = index_of_number_[customer];
  if (index == kNoIndex) {
    index = static_cast<uint32_t>(ids_.size());
    ids_.emplace_back(customer_id);
  }
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
  if (chunks_.empty() || chunks_.back().size() == kChunkLines) {
    chunks_.emplace_back().reserve(kChunkLines);
  }
  chunks_.back().push_back(Line{order, amount, static_cast<int32_t>(day), index});
  ++lines_;
  if (!last_day_ || day > *last_day_) last_day_ = day;
}

std::vector<uint32_t> OrderBook::OrderOfIds() const {
  // Sorted by the ids' first eight bytes, read as one big-endian number (zero past the end: a
  // shorter id sorts first, as std::string's order has it), and by the whole ids only where
  // those are equal: most comparisons are then of two numbers side by side in memory, not of
  // two strings wherever the heap put them.
  struct Key {
    uint64_t prefix;
    uint32_t index;
  };
  std::vector<Key> keys(ids_.size());
  for (uint32_t i = 0; i < ids_.size(); ++i) {
    unsigned char bytes[8] = {};
    std::memcpy(bytes, ids_[i].data(), std::min<size_t>(8, ids_[i].size()));
    uint64_t prefix = 0;
    for (unsigned char b : bytes) prefix = (prefix << 8) | b;
    keys[i] = Key{prefix, i};
  }
  std::sort(keys.begin(), keys.end(), [&](const Key& a, const Key& b) {
    if (a.prefix != b.prefix) return a.prefix < b.prefix;
    return ids_[a.index] < ids_[b.index];
  });
  std::vector<uint32_t> order(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) order[i] = keys[i].index;
  return order;
}

std::vector<CustomerHistory> OrderBook::Histories(int64_t as_of_day) const {
  // The lines grouped by customer, each customer's in the order added (a counting sort).
  std::vector<size_t> start(ids_.size() + 1, 0);
  for (const auto& chunk : chunks_) {
    for (const Line& line : chunk) ++start[line.customer + 1];
  }
  std::partial_sum(start.begin(), start.end(), start.begin());
  std::vector<Line> grouped(static_cast<size_t>(lines_));
  {
    std::vector<size_t> next(start.begin(), start.end() - 1);
    for (const auto& chunk : chunks_) {
      for (const Line& line : chunk) grouped[next[line.customer]++] = line;
    }
  }
  const std::vector<uint32_t> by_id = OrderOfIds();
  // The customers in slices, each slice's histories built on a thread of its own and then put
  // end to end: the same histories in the same order as one pass would make.
  constexpr size_t kSlices = 16;
  std::vector<std::vector<CustomerHistory>> slices(kSlices);
  ParallelFor(kSlices, 0, [&](size_t slice) {
    const size_t begin = by_id.size() * slice / kSlices;
    const size_t end = by_id.size() * (slice + 1) / kSlices;
    std::vector<CustomerHistory>& out = slices[slice];
    out.reserve(end - begin);
    std::vector<Line> lines;
    for (size_t at = begin; at < end; ++at) {
      const uint32_t c = by_id[at];
      lines.clear();
      for (size_t i = start[c]; i < start[c + 1]; ++i) {
        if (grouped[i].day <= as_of_day) lines.push_back(grouped[i]);
      }
      if (lines.empty()) continue;
      std::stable_sort(lines.begin(), lines.end(), [](const Line& a, const Line& b) {
        return a.day != b.day ? a.day < b.day : a.order < b.order;
      });
      CustomerHistory history{ids_[c], {}};
      history.orders.reserve(lines.size());
      for (size_t i = 0; i < lines.size(); ++i) {
        if (i > 0 && lines[i].day == lines[i - 1].day && lines[i].order == lines[i - 1].order) {
          history.orders.back().value += lines[i].amount;
        } else {
          history.orders.push_back(Order{lines[i].day, lines[i].amount});
        }
      }
      out.push_back(std::move(history));
    }
  });
  std::vector<CustomerHistory> out;
  size_t customers = 0;
  for (const auto& slice : slices) customers += slice.size();
  out.reserve(customers);
  for (auto& slice : slices) std::move(slice.begin(), slice.end(), std::back_inserter(out));
  return out;
}

}  // namespace till::segment
