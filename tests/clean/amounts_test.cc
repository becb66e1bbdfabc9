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

}  // namespace
}  // namespace till
