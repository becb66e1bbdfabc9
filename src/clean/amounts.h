// The money rule of a sale: Total_Amount = Total_Purchases × Amount. Any one of the three may
// be missing and is then recovered from the other two; given values are kept exactly as
// written (no rounding).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "base/exact_sum.h"
#include "clean/rules.h"

namespace till {

enum class AmountVerdict {
  kOk,
  kMissingAmounts,       // fewer than two of the three are given
  kNonPositiveQuantity,  // quantity given (or recovered) as zero or less
  kFractionalQuantity,   // quantity given as a fraction
  kNegativeAmount,       // a negative unit price or total
  kInconsistentAmounts,  // the three disagree by more than rounding explains
  // Beyond a plausible sale (see kMaxQuantity, kMaxAmount, kMinTotal): which value.
  kImplausibleQuantity,
  kImplausibleUnitPrice,
  kImplausibleTotal,
};

// What a sale can plausibly be. Beyond these a value is a typing or export error (1e308, a
// phone number in an amount column), and it would also take sums out of exact arithmetic:
// every Total_Amount loaded is one ExactSum (base/exact_sum.h) sums exactly, and a billion
// units a line keeps unit counts far from 64-bit overflow.
inline constexpr double kMaxQuantity = 1e9;            // Total_Purchases
inline constexpr double kMaxAmount = kMaxExactAmount;  // Amount and Total_Amount: 1,000,000,000
inline constexpr double kMinTotal = kMinExactAmount;   // a Total_Amount above 0: 0.001

enum class RecoveredAmount { kNone, kQuantity, kUnitPrice, kTotal };

// The fact_sales.recovered value: the column the amount was recovered into ("quantity",
// "unit_price", "total_amount"), or "" for none.
std::string_view RecoveredAmountName(RecoveredAmount recovered);

struct GivenAmounts {
  std::optional<Decimal> quantity;
  std::optional<Decimal> unit_price;
  std::optional<Decimal> total;
};

struct SaleAmounts {
  int64_t quantity = 0;
  double unit_price = 0;
  double total = 0;
  RecoveredAmount recovered = RecoveredAmount::kNone;
};

// The largest difference between quantity × unit_price and total that still counts as
// consistent: a cent, plus what rounding the two amounts to the decimals they were written
// with can account for (a file rounded to cents can be off by quantity × half a cent).
double AmountTolerance(int64_t quantity, const Decimal& unit_price, const Decimal& total);

// Checks and completes the amounts of one sale. On kOk, *out holds all three, and the total is
// 0 or from kMinTotal to kMaxAmount, the quantity at most kMaxQuantity.
AmountVerdict ReconcileAmounts(const GivenAmounts& given, SaleAmounts* out);

}  // namespace till
