#include "clean/amounts.h"

#include <gtest/gtest.h>

namespace till {
namespace {

Decimal D(const char* text) { return *ParseDecimal(text); }

TEST(ReconcileAmounts, AcceptsConsistentAmountsKeepingThemExactly) {
  SaleAmounts out;
  GivenAmounts given{D("3.0"), D("108.028757"), D("324.086270")};
  ASSERT_EQ(ReconcileAmounts(given, &out), AmountVerdict::kOk);
  EXPECT_EQ(out.quantity, 3);
  EXPECT_EQ(out.unit_price, 108.028757);
  EXPECT_EQ(out.total, 324.086270);
  EXPECT_EQ(out.recovered, RecoveredAmount::kNone);
}

TEST(ReconcileAmounts, AllowsTheRoundingOfAmountsGivenToCents) {
  // A real row of the 25-column re-export: 10 x 160.61 = 1606.10, written as 1606.07.
  SaleAmounts out;
  EXPECT_EQ(ReconcileAmounts({D("10"), D("160.61"), D("1606.07")}, &out), AmountVerdict::kOk);
  // But not beyond what rounding to cents explains.
  EXPECT_EQ(ReconcileAmounts({D("10"), D("160.61"), D("1606.20")}, &out),
            AmountVerdict::kInconsistentAmounts);
}

TEST(ReconcileAmounts, RejectsAmountsOffByMoreThanACent) {
  SaleAmounts out;
  EXPECT_EQ(ReconcileAmounts({D("3"), D("108.028757"), D("324.12")}, &out),
            AmountVerdict::kInconsistentAmounts);
  EXPECT_EQ(ReconcileAmounts({D("3"), D("108.028757"), D("324.096")}, &out),
            AmountVerdict::kOk);  // within a cent
}

TEST(ReconcileAmounts, RecoversTheMissingTotal) {
  SaleAmounts out;
  ASSERT_EQ(ReconcileAmounts({D("4"), D("25.5"), std::nullopt}, &out), AmountVerdict::kOk);
  EXPECT_EQ(out.total, 102.0);
  EXPECT_EQ(out.recovered, RecoveredAmount::kTotal);
}

TEST(ReconcileAmounts, RecoversTheMissingUnitPrice) {
  SaleAmounts out;
  ASSERT_EQ(ReconcileAmounts({D("4"), std::nullopt, D("102")}, &out), AmountVerdict::kOk);
  EXPECT_EQ(out.unit_price, 25.5);
  EXPECT_EQ(out.recovered, RecoveredAmount::kUnitPrice);
}

TEST(ReconcileAmounts, RecoversTheMissingQuantity) {
  SaleAmounts out;
  ASSERT_EQ(ReconcileAmounts({std::nullopt, D("108.028757"), D("324.086270")}, &out),
            AmountVerdict::kOk);
  EXPECT_EQ(out.quantity, 3);
  EXPECT_EQ(out.recovered, RecoveredAmount::kQuantity);
  // 2.5 units is no quantity.
  EXPECT_EQ(ReconcileAmounts({std::nullopt, D("10"), D("25")}, &out),
            AmountVerdict::kInconsistentAmounts);
}

TEST(ReconcileAmounts, RejectsRowsThatCannotBeASale) {
  SaleAmounts out;
  EXPECT_EQ(ReconcileAmounts({D("3"), std::nullopt, std::nullopt}, &out),
            AmountVerdict::kMissingAmounts);
  EXPECT_EQ(ReconcileAmounts({D("0"), D("10"), D("0")}, &out), AmountVerdict::kNonPositiveQuantity);
  EXPECT_EQ(ReconcileAmounts({D("-2"), D("10"), D("-20")}, &out), AmountVerdict::kNegativeAmount);
  EXPECT_EQ(ReconcileAmounts({D("-2"), D("10"), std::nullopt}, &out),
            AmountVerdict::kNonPositiveQuantity);
  EXPECT_EQ(ReconcileAmounts({D("2.5"), D("10"), D("25")}, &out),
            AmountVerdict::kFractionalQuantity);
  EXPECT_EQ(ReconcileAmounts({std::nullopt, D("0"), D("25")}, &out),
            AmountVerdict::kInconsistentAmounts);
}

// Beyond a plausible sale: amounts above a billion (1e308 would print as inf, and overflow any
// sum), a total above zero but below a tenth of a cent, a billion units or more on a line.
TEST(ReconcileAmounts, RejectsAmountsNoSaleCanHave) {
  SaleAmounts out;
  EXPECT_EQ(ReconcileAmounts({D("1"), D("1e308"), D("1e308")}, &out),
            AmountVerdict::kImplausibleUnitPrice);
  EXPECT_EQ(ReconcileAmounts({D("1"), std::nullopt, D("1e308")}, &out),
            AmountVerdict::kImplausibleTotal);
  EXPECT_EQ(ReconcileAmounts({D("3"), D("9.3e12"), std::nullopt}, &out),
            AmountVerdict::kImplausibleUnitPrice);
  EXPECT_EQ(ReconcileAmounts({D("4"), D("300000000"), std::nullopt}, &out),
            AmountVerdict::kImplausibleTotal);  // recovered: 1.2e9
  EXPECT_EQ(ReconcileAmounts({D("1"), D("0.0005"), D("0.0005")}, &out),
            AmountVerdict::kImplausibleTotal);
  EXPECT_EQ(ReconcileAmounts({D("2000000000"), D("0.01"), std::nullopt}, &out),
            AmountVerdict::kImplausibleQuantity);
  EXPECT_EQ(ReconcileAmounts({std::nullopt, D("0.001"), D("2000000")}, &out),
            AmountVerdict::kImplausibleQuantity);
  // The edges themselves are plausible, and so is a free item.
  EXPECT_EQ(ReconcileAmounts({D("1"), D("1000000000"), D("1000000000")}, &out), AmountVerdict::kOk);
  EXPECT_EQ(ReconcileAmounts({D("1"), D("0.001"), D("0.001")}, &out), AmountVerdict::kOk);
  EXPECT_EQ(ReconcileAmounts({D("2"), D("0"), D("0")}, &out), AmountVerdict::kOk);
  EXPECT_EQ(ReconcileAmounts({D("1000000000"), D("0.5"), std::nullopt}, &out), AmountVerdict::kOk);
}

}  // namespace
}  // namespace till
