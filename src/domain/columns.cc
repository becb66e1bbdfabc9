#include "domain/columns.h"

#include <string>

#include "base/text.h"

namespace till {
namespace {

struct ColumnNames {
  std::string_view raw;
  std::string_view view;
};

constexpr std::array<ColumnNames, kColumnCount> kNames = {{
    {"Transaction_ID", "transaction_id"},
    {"Customer_ID", "customer_id"},
    {"Name", "name"},
    {"Email", "email"},
    {"Phone", "phone"},
    {"Address", "address"},
    {"City", "city"},
    {"State", "state"},
    {"Zipcode", "zipcode"},
    {"Country", "country"},
    {"Age", "age"},
    {"Gender", "gender"},
    {"Income", "income"},
    {"Customer_Segment", "customer_segment"},
    {"Date", "date"},
    {"Year", "year"},
    {"Month", "month"},
    {"Time", "time"},
    {"Total_Purchases", "total_purchases"},
    {"Amount", "amount"},
    {"Total_Amount", "total_amount"},
    {"Product_Category", "product_category"},
    {"Product_Brand", "product_brand"},
    {"Product_Type", "product_type"},
    {"Feedback", "feedback"},
    {"Shipping_Method", "shipping_method"},
    {"Payment_Method", "payment_method"},
    {"Order_Status", "order_status"},
    {"Ratings", "ratings"},
    {"products", "products"},
}};

struct Alias {
  std::string_view folded;
  Column column;
};

// Spellings other exports use for the same attributes.
constexpr Alias kAliases[] = {
    {"rating", Column::kRatings},          {"product", Column::kProducts},
    {"productname", Column::kProducts},    {"zip", Column::kZipcode},
    {"zipcode", Column::kZipcode},         {"postcode", Column::kZipcode},
    {"segment", Column::kCustomerSegment}, {"quantity", Column::kTotalPurchases},
    {"unitprice", Column::kAmount},        {"category", Column::kProductCategory},
    {"brand", Column::kProductBrand},      {"producttype", Column::kProductType},
};

}  // namespace

std::string_view RawName(Column column) { return kNames[Index(column)].raw; }

std::string_view ViewName(Column column) { return kNames[Index(column)].view; }

std::optional<Column> ColumnFromHeader(std::string_view header) {
  std::string folded = FoldKey(TrimAscii(header));
  for (size_t i = 0; i < kColumnCount; ++i) {
    if (folded == FoldKey(kNames[i].raw)) return static_cast<Column>(i);
  }
  for (const Alias& alias : kAliases) {
    if (folded == alias.folded) return alias.column;
  }
  return std::nullopt;
}

}  // namespace till
