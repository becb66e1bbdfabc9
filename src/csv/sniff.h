// Tells how a raw file is written from its first bytes, before any record is read: the field
// separator, whether its lines end with a lone CR, whether it starts with a UTF-8 byte-order
// mark. UTF-16 text is refused here, since the reader takes bytes as UTF-8.
#pragma once

#include <cstddef>
#include <string_view>

#include "base/result.h"

namespace till {

// How many bytes of a file SniffCsvFormat is given: enough for any header line.
inline constexpr size_t kSniffBytes = 64 << 10;

struct CsvFormat {
  // The byte between fields: ',' in the usual export, ';', tab or '|' in others.
  char delimiter = ',';
  // Lines end with a lone CR and never with LF (an old Mac export): read each CR as LF. (The
  // reader takes a lone CR as a line end anyway; this also makes CRs inside quotes LFs.)
  bool cr_lines = false;
  // The file starts with a UTF-8 byte-order mark (which the reader skips itself).
  bool utf8_bom = false;
};

// Says whether a header cell (trimmed, outer quotes removed) names a column the caller knows.
using KnownColumnTest = bool (*)(std::string_view cell);

// The field separator of a file whose header line is `header_line` (without its line end or
// byte-order mark): of ',', ';', tab and '|', the one that splits it into the most cells that
// `is_known_column` accepts (',' when none does better). Separators within quotes do not split.
char DetectDelimiter(std::string_view header_line, KnownColumnTest is_known_column);

// The format of a file whose first bytes are `head` (its first kSniffBytes, or all of a
// shorter file); the delimiter is told by the first line (see DetectDelimiter). Fails with
// kBadFormat when the file is UTF-16 text (it starts with a UTF-16 byte-order mark); the message
// says how to save it as UTF-8.
Result<CsvFormat> SniffCsvFormat(std::string_view head, KnownColumnTest is_known_column);

}  // namespace till
