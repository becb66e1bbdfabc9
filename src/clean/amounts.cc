#include "clean/amounts.h"

#include <array>
#include <cmath>

namespace till {
namespace {

// Half a unit in the last of `decimals` places. Every given pair of amounts needs two, and pow
// showed in profiles, so the 15 possible values are computed once.
double HalfUnit(int decimals) {
  static const std::array<double, 15> kHalfUnits = [] {
    std::array<double, 15> units;
    for (int d = 0; d < 15; ++d) units[static_cast<size_t>(d)] = 0.5 * std::pow(10.0, -d);
    return units;
  }();
  return decimals >= 15 ? 0.0 : kHalfUnits[static_cast<size_t>(decimals)];
}

}  // namespace

double AmountTolerance(int64_t quantity, const Decimal& unit_price, const Decimal& total) {
  double rounding =
      static_cast<double>(quantity) * HalfUnit(unit_price.decimals) + HalfUnit(total.decimals);
  // The relative term keeps very large totals from failing on binary floating-point error.
  return 0.01 + rounding + 1e-9 * std::fabs(total.value);
}

AmountVerdict ReconcileAmounts(const GivenAmounts& given, SaleAmounts* out) {
  int present = given.quantity.has_value() + given.unit_price.has_value() + given.total.has_value();
  if (present < 2) return AmountVerdict::kMissingAmounts;
  if ((given.unit_price && given.unit_price->value < 0) ||
      (given.total && given.total->value < 0)) {
    return AmountVerdict::kNegativeAmount;
  }
  if (given.unit_price && given.unit_price->value > kMaxAmount) {
    return AmountVerdict::kImplausibleUnitPrice;
  }
  if (given.total && !IsExactAmount(given.total->value)) return AmountVerdict::kImplausibleTotal;
  *out = SaleAmounts{};
  if (given.quantity) {
    double q = given.quantity->value;
    if (q != std::trunc(q)) return AmountVerdict::kFractionalQuantity;
    if (q <= 0) return AmountVerdict::kNonPositiveQuantity;
    if (q > kMaxQuantity) return AmountVerdict::kImplausibleQuantity;
    out->quantity = static_cast<int64_t>(q);
  }
  if (!given.total) {
    out->unit_price = given.unit_price->value;
    out->total = static_cast<double>(out->quantity) * out->unit_price;
    out->recovered = RecoveredAmount::kTotal;
    if (!IsExactAmount(out->total)) return AmountVerdict::kImplausibleTotal;
    return AmountVerdict::kOk;
  }
  out->total = given.total->value;
  if (!given.unit_price) {
    out->unit_price = out->total / static_cast<double>(out->quantity);
    out->recovered = RecoveredAmount::kUnitPrice;
    return AmountVerdict::kOk;
  }
  out->unit_price = given.unit_price->value;
  if (!given.quantity) {
    if (out->unit_price <= 0) return AmountVerdict::kInconsistentAmounts;
    double q = std::round(out->total / out->unit_price);
    if (q <= 0) return AmountVerdict::kNonPositiveQuantity;
    if (q > kMaxQuantity) return AmountVerdict::kImplausibleQuantity;
    out->quantity = static_cast<int64_t>(q);
    out->recovered = RecoveredAmount::kQuantity;
  }
  double expected = static_cast<double>(out->quantity) * out->unit_price;
  if (std::fabs(expected - out->total) >
      AmountTolerance(out->quantity, *given.unit_price, *given.total)) {
    return AmountVerdict::kInconsistentAmounts;
  }
  return AmountVerdict::kOk;
}

std::string_view RecoveredAmountName(RecoveredAmount recovered) {
  switch (recovered) {
    case RecoveredAmount::kQuantity:
      return "quantity";
    case RecoveredAmount::kUnitPrice:
      return "unit_price";
    case RecoveredAmount::kTotal:
      return "total_amount";
    case RecoveredAmount::kNone:
      break;
  }
  return "";
}

}  // namespace till
