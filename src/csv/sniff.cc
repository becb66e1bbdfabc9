#include "csv/sniff.h"

#include "base/text.h"

namespace till {

char DetectDelimiter(std::string_view header_line, KnownColumnTest is_known_column) {
  char best = ',';
  int best_known = 0;
  for (char candidate : {',', ';', '\t', '|'}) {
    int known = 0;
    bool quoted = false;
    size_t start = 0;
    for (size_t i = 0; i <= header_line.size(); ++i) {
      char c = i < header_line.size() ? header_line[i] : candidate;
      if (c == '"') quoted = !quoted;
      if (c != candidate || (quoted && i < header_line.size())) continue;
      std::string_view cell = TrimAscii(header_line.substr(start, i - start));
      if (cell.size() >= 2 && cell.front() == '"' && cell.back() == '"') {
        cell = cell.substr(1, cell.size() - 2);
      }
      known += is_known_column(cell);
      start = i + 1;
    }
    if (known > best_known) {
      best = candidate;
      best_known = known;
    }
  }
  return best;
}

Result<CsvFormat> SniffCsvFormat(std::string_view head, KnownColumnTest is_known_column) {
  if (head.starts_with("\xFF\xFE") || head.starts_with("\xFE\xFF")) {
    return MakeError(ErrorCode::kBadFormat,
                     "the file is UTF-16 text; save it as UTF-8 (or \"CSV UTF-8\") and load it "
                     "again");
  }
  CsvFormat format;
  format.cr_lines =
      head.find('\n') == std::string_view::npos && head.find('\r') != std::string_view::npos;
  std::string_view first_line = head.substr(0, head.find_first_of("\r\n"));
  format.utf8_bom = first_line.starts_with("\xEF\xBB\xBF");
  if (format.utf8_bom) first_line.remove_prefix(3);
  format.delimiter = DetectDelimiter(first_line, is_known_column);
  return format;
}

}  // namespace till
