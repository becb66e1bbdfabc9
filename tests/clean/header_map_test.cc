#include "clean/header_map.h"

#include <gtest/gtest.h>

#include "support/split.h"

namespace till {
namespace {

// Views into `line`, as the CSV reader hands a header out.
std::vector<std::string_view> Split(std::string_view line) {
  static std::vector<std::string> owned;
  owned = testing::SplitCommas(line);
  return std::vector<std::string_view>(owned.begin(), owned.end());
}

constexpr std::string_view kRealHeader =
    "Transaction_ID,Customer_ID,Name,Email,Phone,Address,City,State,Zipcode,Country,Age,Gender,"
    "Income,Customer_Segment,Date,Year,Month,Time,Total_Purchases,Amount,Total_Amount,"
    "Product_Category,Product_Brand,Product_Type,Feedback,Shipping_Method,Payment_Method,"
    "Order_Status,Ratings,products";

TEST(MapHeader, MapsTheRealHeader) {
  auto map = MapHeader(Split(kRealHeader));
  ASSERT_TRUE(map);
  EXPECT_EQ(map->field_count, 30u);
  for (size_t c = 0; c < kColumnCount; ++c) EXPECT_EQ(map->position[c], static_cast<int>(c));
  EXPECT_TRUE(map->extra_columns.empty());
  EXPECT_TRUE(map->missing_columns.empty());
}

TEST(MapHeader, IgnoresCaseSpacesUnderscoresAndOrder) {
  auto map = MapHeader(Split("total amount,DATE,Amount,row_index, transaction id "));
  ASSERT_TRUE(map);
  EXPECT_EQ(map->position[Index(Column::kTotalAmount)], 0);
  EXPECT_EQ(map->position[Index(Column::kDate)], 1);
  EXPECT_EQ(map->position[Index(Column::kAmount)], 2);
  EXPECT_EQ(map->position[Index(Column::kTransactionId)], 4);
  EXPECT_EQ(map->extra_columns, std::vector<std::string>{"row_index"});
  EXPECT_EQ(map->missing_columns.size(), kColumnCount - 4);
}

TEST(MapHeader, FailsWithoutDateNamingIt) {
  auto map = MapHeader(Split("Total_Purchases,Amount,Total_Amount"));
  ASSERT_FALSE(map);
  EXPECT_EQ(map.error().code(), ErrorCode::kBadFormat);
  EXPECT_NE(map.error().message().find("Date"), std::string::npos);
}

TEST(MapHeader, FailsWithFewerThanTwoAmountsNamingThem) {
  auto map = MapHeader(Split("Date,Amount,Name"));
  ASSERT_FALSE(map);
  EXPECT_NE(map.error().message().find("Total_Purchases"), std::string::npos);
  EXPECT_NE(map.error().message().find("Total_Amount"), std::string::npos);
}

TEST(MapHeader, FailsOnAColumnNamedTwice) {
  auto map = MapHeader(Split("Date,Amount,Total_Amount,amount"));
  ASSERT_FALSE(map);
  EXPECT_NE(map.error().message().find("twice"), std::string::npos);
}

TEST(MapHeader, SaysWhenTheFileUsesAnotherSeparator) {
  auto map = MapHeader(Split("Transaction_ID;Date;Amount;Total_Amount"));
  ASSERT_FALSE(map);
  EXPECT_NE(map.error().message().find("';'"), std::string::npos) << map.error().message();
}

TEST(MapHeader, RefusesANonCsvHeader) {
  EXPECT_FALSE(MapHeader(Split("\x89PNG\r\n\x1a")));
  EXPECT_FALSE(MapHeader(Split("")));
}

}  // namespace
}  // namespace till
