// The 30 attributes of a raw retail transaction, in the order the public file writes them.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

namespace till {

enum class Column {
  kTransactionId,
  kCustomerId,
  kName,
  kEmail,
  kPhone,
  kAddress,
  kCity,
  kState,
  kZipcode,
  kCountry,
  kAge,
  kGender,
  kIncome,
  kCustomerSegment,
  kDate,
  kYear,
  kMonth,
  kTime,
  kTotalPurchases,
  kAmount,
  kTotalAmount,
  kProductCategory,
  kProductBrand,
  kProductType,
  kFeedback,
  kShippingMethod,
  kPaymentMethod,
  kOrderStatus,
  kRatings,
  kProducts,
};

inline constexpr size_t kColumnCount = 30;

// The header spelling of the public file: "Transaction_ID" … "products".
std::string_view RawName(Column column);

// The lower-case name the warehouse view uses: "transaction_id" … "products".
std::string_view ViewName(Column column);

// Maps a header cell to a column, ignoring case, spaces, hyphens and underscores
// ("transaction id", "TRANSACTION_ID"); also takes a few common aliases ("Rating", "Product").
std::optional<Column> ColumnFromHeader(std::string_view header);

inline constexpr size_t Index(Column column) { return static_cast<size_t>(column); }

}  // namespace till
