// Exact sums of money amounts. An amount is a double (as both warehouses store it); a sum of
// doubles in floating point depends on the order of its terms and rounds at every step (a cent
// off over 300,000 sales), and rounding each amount to a fixed unit first biases the sum just as
// much. Every double from kMinExactAmount to kMaxExactAmount has no binary digit below 2^-64
// and none above 2^29, so it splits exactly into a 32-bit whole part and a 64-bit fraction
// (in 2^-64ths); sums of those two integers are exact, fast, and the same in any order.
//
// Overflow: the whole parts are summed in 64 bits and the fractions in 128, so a sum takes
// 2^34 amounts before it could overflow, more rows than any Cube (32-bit codes) or report reads.
#pragma once

#include <compare>
#include <cstdint>
#include <string>

namespace till {

__extension__ using Uint128 = unsigned __int128;  // GCC and Clang; -Wpedantic accepts this

// The range of amounts a sum is exact for; the cleaning rule for plausible amounts
// (clean/amounts.h) keeps every loaded Total_Amount inside it.
inline constexpr double kMaxExactAmount = 1e9;
// Smallest amount above zero: 2^-12 is the true limit; a tenth of a cent is a rounder one.
inline constexpr double kMinExactAmount = 0.001;

// True for 0 and for amounts from kMinExactAmount to kMaxExactAmount.
inline bool IsExactAmount(double amount) {
  return amount == 0 || (amount >= kMinExactAmount && amount <= kMaxExactAmount);
}

// An amount split into its whole part and its fraction in 2^-64ths, exactly.
struct SplitAmount {
  uint32_t whole = 0;
  uint64_t fraction = 0;
};
// Requires IsExactAmount(amount).
SplitAmount SplitExact(double amount);

class ExactSum {
 public:
  void Add(SplitAmount amount) {
    whole_ += amount.whole;
    fraction_ += amount.fraction;
  }
  // Requires IsExactAmount(amount).
  void Add(double amount) { Add(SplitExact(amount)); }
  void Add(const ExactSum& other) {
    whole_ += other.whole_;
    fraction_ += other.fraction_;
  }

  // The sum in cents, rounded half away from zero as SQL's round(x, 2) rounds.
  Uint128 Cents() const;
  // Cents() / 100 as the nearest double: exact to the cent below 2^53 cents (90 trillion).
  double RoundedToCents() const;
  // Cents() written out: "1234.50".
  std::string CentsText() const;
  // The sum to about 19 significant digits, for ratios.
  long double Approximate() const;

  friend std::strong_ordering operator<=>(const ExactSum& a, const ExactSum& b);
  friend bool operator==(const ExactSum& a, const ExactSum& b) { return a <=> b == 0; }

 private:
  // The sum as whole units and a fraction below one, in 2^-64ths.
  Uint128 Whole() const { return Uint128{whole_} + (fraction_ >> 64); }
  uint64_t Fraction() const { return static_cast<uint64_t>(fraction_); }

  uint64_t whole_ = 0;
  Uint128 fraction_ = 0;
};

}  // namespace till
