#include "domain/columns.h"

#include <gtest/gtest.h>

#include <cctype>
#include <set>
#include <string>

namespace till {
namespace {

std::string Lower(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower;
}

Column ColumnAt(size_t index) { return static_cast<Column>(index); }

TEST(Columns, FollowThePublicFilesHeaderOrder) {
  EXPECT_EQ(kColumnCount, 30u);
  EXPECT_EQ(Index(Column::kTransactionId), 0u);
  EXPECT_EQ(Index(Column::kProducts), kColumnCount - 1);
  EXPECT_EQ(RawName(Column::kTransactionId), "Transaction_ID");
  EXPECT_EQ(RawName(Column::kCustomerSegment), "Customer_Segment");
  EXPECT_EQ(RawName(Column::kTotalAmount), "Total_Amount");
  EXPECT_EQ(RawName(Column::kRatings), "Ratings");
  EXPECT_EQ(RawName(Column::kProducts), "products");  // lower case in the public file
}

TEST(Columns, ViewNamesAreTheRawNamesInLowerCase) {
  std::set<std::string_view> views;
  for (size_t i = 0; i < kColumnCount; ++i) {
    Column column = ColumnAt(i);
    EXPECT_EQ(ViewName(column), Lower(RawName(column))) << RawName(column);
    views.insert(ViewName(column));
  }
  EXPECT_EQ(views.size(), kColumnCount);
}

TEST(Columns, EveryRawNameMapsBackToItsColumn) {
  for (size_t i = 0; i < kColumnCount; ++i) {
    Column column = ColumnAt(i);
    EXPECT_EQ(ColumnFromHeader(RawName(column)), column) << RawName(column);
    EXPECT_EQ(ColumnFromHeader(ViewName(column)), column) << ViewName(column);
  }
}

TEST(Columns, HeadersMatchIgnoringCaseSpacesHyphensAndUnderscores) {
  EXPECT_EQ(ColumnFromHeader("transaction id"), Column::kTransactionId);
  EXPECT_EQ(ColumnFromHeader("TRANSACTION_ID"), Column::kTransactionId);
  EXPECT_EQ(ColumnFromHeader("Transaction-Id"), Column::kTransactionId);
  EXPECT_EQ(ColumnFromHeader("TransactionID"), Column::kTransactionId);
  EXPECT_EQ(ColumnFromHeader("  Total_Amount\t"), Column::kTotalAmount);
  EXPECT_EQ(ColumnFromHeader("shipping method"), Column::kShippingMethod);
  EXPECT_EQ(ColumnFromHeader("PRODUCTS"), Column::kProducts);
}

TEST(Columns, CommonAliasesMap) {
  EXPECT_EQ(ColumnFromHeader("Rating"), Column::kRatings);
  EXPECT_EQ(ColumnFromHeader("Product"), Column::kProducts);
  EXPECT_EQ(ColumnFromHeader("Product Name"), Column::kProducts);
  EXPECT_EQ(ColumnFromHeader("zip"), Column::kZipcode);
  EXPECT_EQ(ColumnFromHeader("Postcode"), Column::kZipcode);
  EXPECT_EQ(ColumnFromHeader("Segment"), Column::kCustomerSegment);
  EXPECT_EQ(ColumnFromHeader("Quantity"), Column::kTotalPurchases);
  EXPECT_EQ(ColumnFromHeader("Unit_Price"), Column::kAmount);
  EXPECT_EQ(ColumnFromHeader("Category"), Column::kProductCategory);
  EXPECT_EQ(ColumnFromHeader("Brand"), Column::kProductBrand);
  EXPECT_EQ(ColumnFromHeader("product-type"), Column::kProductType);
}

TEST(Columns, UnknownHeadersMapToNothing) {
  EXPECT_EQ(ColumnFromHeader(""), std::nullopt);
  EXPECT_EQ(ColumnFromHeader("   "), std::nullopt);
  EXPECT_EQ(ColumnFromHeader("Discount"), std::nullopt);
  EXPECT_EQ(ColumnFromHeader("Transaction"), std::nullopt);  // a prefix is not a match
  EXPECT_EQ(ColumnFromHeader("Transaction_IDs"), std::nullopt);
  EXPECT_EQ(ColumnFromHeader("Customer.ID"), std::nullopt);  // only space, '-' and '_' fold
}

}  // namespace
}  // namespace till
