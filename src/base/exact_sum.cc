#include "base/exact_sum.h"

#include <fmt/format.h>

#include <bit>
#include <cassert>
#include <cmath>

namespace till {

SplitAmount SplitExact(double amount) {
  assert(IsExactAmount(amount));
  SplitAmount split;
  double whole = std::trunc(amount);
  split.whole = static_cast<uint32_t>(whole);
  // amount - whole is exact (both share the exponent range of amount), and scaling by 2^64 only
  // moves the exponent; the result is a whole number below 2^64, so the conversion is exact.
  split.fraction = static_cast<uint64_t>(std::ldexp(amount - whole, 64));
  return split;
}

Uint128 ExactSum::Cents() const {
  Uint128 scaled_fraction = Uint128{Fraction()} * 100;  // below 100 * 2^64
  Uint128 cents = Whole() * 100 + (scaled_fraction >> 64);
  if (static_cast<uint64_t>(scaled_fraction) >= (uint64_t{1} << 63)) ++cents;  // half or more
  return cents;
}

double ExactSum::RoundedToCents() const { return static_cast<double>(Cents()) / 100.0; }

std::string ExactSum::CentsText() const {
  Uint128 cents = Cents();
  Uint128 units = cents / 100;
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(units % 10)));
    units /= 10;
  } while (units != 0);
  return fmt::format("{}.{:02}", digits, static_cast<int>(cents % 100));
}

long double ExactSum::Approximate() const {
  return static_cast<long double>(Whole()) + std::ldexp(static_cast<long double>(Fraction()), -64);
}

std::strong_ordering operator<=>(const ExactSum& a, const ExactSum& b) {
  if (auto order = a.Whole() <=> b.Whole(); order != 0) return order;
  return a.Fraction() <=> b.Fraction();
}

}  // namespace till
