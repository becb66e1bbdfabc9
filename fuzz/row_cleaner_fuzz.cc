// Fuzzes the cleaning rules and the star builder with arbitrary field values. The first byte
// picks a header (the full 30 columns, the 25-column re-export, or only the required ones); the
// rest is split on '|' into the record's fields. Checks what a cleaned row promises: a positive
// whole quantity, amounts that agree, valid dates, times and UTF-8; and that a rejected row says
// why with a rejecting code.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "base/text.h"
#include "clean/header_map.h"
#include "clean/row_cleaner.h"
#include "model/star.h"

namespace {

using till::CleanOutcome;
using till::Column;

constexpr std::string_view kFull =
    "Transaction_ID,Customer_ID,Name,Email,Phone,Address,City,State,Zipcode,Country,Age,Gender,"
    "Income,Customer_Segment,Date,Year,Month,Time,Total_Purchases,Amount,Total_Amount,"
    "Product_Category,Product_Brand,Product_Type,Feedback,Shipping_Method,Payment_Method,"
    "Order_Status,Ratings,products";
constexpr std::string_view kReexport =
    "Transaction_ID,Customer_ID,Name,City,State,Zipcode,Country,Age,Gender,Income,"
    "Customer_Segment,Date,Year,Month,Total_Purchases,Amount,Total_Amount,Product_Category,"
    "Product_Brand,Product_Type,Feedback,Shipping_Method,Payment_Method,Order_Status,Ratings";
constexpr std::string_view kRequired = "Date,Total_Purchases,Amount,Total_Amount";

std::vector<std::string_view> Split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (;;) {
    size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

void Check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string_view header = data[0] % 3 == 0 ? kFull : data[0] % 3 == 1 ? kReexport : kRequired;
  auto map = till::MapHeader(Split(header, ','));
  Check(map.has_value());
  auto mark = data[0] & 0x80 ? till::RowCleaner::DecimalMark::kPointOrComma
                             : till::RowCleaner::DecimalMark::kPoint;
  till::RowCleaner cleaner(*map, mark);

  till::CsvRecord record;
  record.fields = Split(input, '|');
  record.line = 2;
  record.raw = input;
  till::CleanRow row;
  std::vector<till::RowIssue> issues;
  if (cleaner.Clean(record, &row, &issues) == CleanOutcome::kRejected) {
    Check(!issues.empty() && till::RejectsRow(issues.front().code));
    return 0;
  }
  for (const till::RowIssue& issue : issues) Check(!till::RejectsRow(issue.code));
  const till::SaleAmounts& amounts = row.amounts;
  Check(amounts.quantity > 0);
  Check(std::isfinite(amounts.unit_price) && amounts.unit_price >= 0);
  Check(std::isfinite(amounts.total) && amounts.total >= 0);
  // Every total loaded is one that sums exactly, and no quantity can overflow a sum of units.
  Check(till::IsExactAmount(amounts.total));
  Check(static_cast<double>(amounts.quantity) <= till::kMaxQuantity);
  if (amounts.recovered == till::RecoveredAmount::kTotal) {
    Check(amounts.total == static_cast<double>(amounts.quantity) * amounts.unit_price);
  }
  if (row.date) {
    Check(till::ParseDate(till::FormatDate(*row.date)) == row.date);
  }
  if (row.time) Check(*row.time >= 0 && *row.time < 86400);
  if (row.age) Check(*row.age >= 0 && *row.age <= 150);
  if (row.rating) Check(*row.rating >= 0 && *row.rating <= 10);
  for (const auto& text : row.text) {
    if (text) Check(till::IsValidUtf8(*text) && !text->empty());
  }
  // The star builder takes every clean row, and a row built twice hashes the same.
  till::StarBuilder star;
  std::vector<till::MemberSighting> sightings;
  till::FactSale first;
  till::FactSale second;
  star.Build(row, &first, &sightings);
  star.Build(row, &second, &sightings);
  Check(first.row_hash == second.row_hash && first.keys == second.keys);
  return 0;
}
