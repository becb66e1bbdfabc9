// Splits a line on commas, for tests whose lines hold no quoted fields.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace till::testing {

inline std::vector<std::string> SplitCommas(std::string_view line) {
  std::vector<std::string> fields;
  size_t start = 0;
  for (;;) {
    size_t comma = line.find(',', start);
    fields.emplace_back(line.substr(start, comma - start));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return fields;
}

}  // namespace till::testing
