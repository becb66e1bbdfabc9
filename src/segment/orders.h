// Customers' order histories, built from sale lines. An order is what one customer bought under
// one transaction id on one day; a line without a transaction id is an order of its own (the
// raw file's Transaction_ID is not unique across customers, and a few lines lack one). Lines
// without a customer id are not anyone's history and are left out by the caller.
//
// Not thread-safe; an OrderBook is filled by one thread, then read.
#pragma once

#include <absl/container/flat_hash_map.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace till::segment {

struct Order {
  int64_t day = 0;   // days since 1970-01-01
  double value = 0;  // the sum of its lines' amounts
};

// One customer's orders, oldest first (orders of one day in a fixed order of their ids).
struct CustomerHistory {
  std::string customer_id;
  std::vector<Order> orders;
};

class OrderBook {
 public:
  // Adds one sale line. Lines of the same customer, transaction id and day form one order.
  void Add(std::string_view customer_id, std::optional<std::string_view> transaction_id,
           int64_t day, double amount);
  // The same for a caller that numbers its customer ids itself (densely from 0, one number per
  // id, as ScanCustomerSales does): `customer` stands for `customer_id`, which is neither hashed
  // nor looked up. A book takes its lines through one of the two only: an id added by number
  // and by text would be two customers.
  void Add(uint32_t customer, std::string_view customer_id,
           std::optional<std::string_view> transaction_id, int64_t day, double amount);

  // Every customer with at least one order on or before `as_of_day`, with those orders only,
  // in order of customer id. Spreads the work over the machine's cores.
  std::vector<CustomerHistory> Histories(int64_t as_of_day) const;

  // The latest day of any line; none before the first Add.
  std::optional<int64_t> last_day() const { return last_day_; }
  int64_t lines() const { return lines_; }

 private:
  struct Line {
    uint64_t order = 0;  // the transaction id's hash, or a number of its own without one
    double amount = 0;
    int32_t day = 0;
    uint32_t customer = 0;  // index into ids_
  };
  uint32_t IndexOf(std::string_view customer_id);
  // The customers' indexes into ids_ in order of id.
  std::vector<uint32_t> OrderOfIds() const;
  void AddLine(uint32_t index, std::optional<std::string_view> transaction_id, int64_t day,
               double amount);

  enum class Keying { kUnset, kById, kByNumber };
  Keying keying_ = Keying::kUnset;  // which Add fed the book
  absl::flat_hash_map<std::string, uint32_t> index_;
  std::vector<uint32_t> index_of_number_;  // by the caller's number; kNoIndex until seen
  // Every line in the order added, in chunks of kChunkLines: one store rather than one per
  // customer, which Histories sorts by customer; chunks rather than one array, which copied
  // every line again each time it doubled.
  static constexpr size_t kChunkLines = size_t{1} << 16;
  std::vector<std::vector<Line>> chunks_;
  int64_t lines_ = 0;
  std::vector<std::string> ids_;
  uint64_t unnamed_orders_ = 0;
  std::optional<int64_t> last_day_;
};

}  // namespace till::segment
