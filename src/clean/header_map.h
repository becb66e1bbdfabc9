// Maps a file's header to the known columns: by name, ignoring case, spaces, hyphens and
// underscores, in any order. Extra columns are ignored (and reported); optional columns that
// are missing load as null; a file without its required columns is not a sales file.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "domain/columns.h"

namespace till {

struct HeaderMap {
  // Field index of each known column in the file, or -1 where the file lacks it.
  std::array<int, kColumnCount> position;
  // Number of fields every record must have.
  size_t field_count = 0;
  // Header cells that name no known column, as written.
  std::vector<std::string> extra_columns;
  // Known columns the file lacks (they load as null), by raw name.
  std::vector<std::string> missing_columns;

  bool Has(Column column) const { return position[Index(column)] >= 0; }
};

// Fails with kBadFormat when the header names a column twice, or lacks Date or two of
// Total_Purchases / Amount / Total_Amount; the message names the missing columns.
Result<HeaderMap> MapHeader(const std::vector<std::string_view>& header);

}  // namespace till
