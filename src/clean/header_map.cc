#include "clean/header_map.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "base/text.h"

namespace till {

Result<HeaderMap> MapHeader(const std::vector<std::string_view>& header) {
  HeaderMap map;
  map.position.fill(-1);
  map.field_count = header.size();
  for (size_t i = 0; i < header.size(); ++i) {
    auto column = ColumnFromHeader(header[i]);
    if (!column) {
      map.extra_columns.emplace_back(TrimAscii(header[i]));
      continue;
    }
    int& slot = map.position[Index(*column)];
    if (slot >= 0) {
      return MakeError(ErrorCode::kBadFormat,
                       fmt::format("header names column {} twice (fields {} and {})",
                                   RawName(*column), slot + 1, i + 1));
    }
    slot = static_cast<int>(i);
  }
  for (size_t c = 0; c < kColumnCount; ++c) {
    if (map.position[c] < 0) map.missing_columns.emplace_back(RawName(static_cast<Column>(c)));
  }
  std::vector<std::string_view> lacking;
  if (!map.Has(Column::kDate)) lacking.push_back(RawName(Column::kDate));
  int amounts =
      map.Has(Column::kTotalPurchases) + map.Has(Column::kAmount) + map.Has(Column::kTotalAmount);
  if (amounts < 2) {
    for (Column c : {Column::kTotalPurchases, Column::kAmount, Column::kTotalAmount}) {
      if (!map.Has(c)) lacking.push_back(RawName(c));
    }
  }
  if (!lacking.empty()) {
    std::string hint = amounts < 2 ? " (a sales file needs Date and at least two of "
                                     "Total_Purchases, Amount and Total_Amount)"
                                   : "";
    if (header.size() == 1) {
      for (char separator : {';', '\t', '|'}) {
        if (header[0].find(separator) != std::string_view::npos) {
          hint += fmt::format(
              "; the header is one field holding '{}': Till reads comma-separated "
              "files",
              separator == '\t' ? std::string("\\t") : std::string(1, separator));
          break;
        }
      }
    }
    return MakeError(ErrorCode::kBadFormat,
                     fmt::format("not a sales file: header lacks required column{} {}{}",
                                 lacking.size() > 1 ? "s" : "", fmt::join(lacking, ", "), hint));
  }
  return map;
}

}  // namespace till
