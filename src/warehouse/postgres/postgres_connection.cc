#include "warehouse/postgres/postgres_connection.h"

#include <fmt/ranges.h>

#include <cctype>
#include <cstdlib>

namespace till {

std::string Trimmed(const char* message) {
  std::string_view text = message ? message : "";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  return std::string(text);
}

Unexpected<Error> PgError(PGconn* conn, const PGresult* result, std::string_view what) {
  std::string message =
      Trimmed(result ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr);
  if (message.empty()) message = Trimmed(PQerrorMessage(conn));
  if (message.empty()) message = "unknown error";
  std::string detail;
  if (result) {
    for (auto [field, label] :
         {std::pair{PG_DIAG_CONSTRAINT_NAME, "constraint"}, std::pair{PG_DIAG_TABLE_NAME, "table"},
          std::pair{PG_DIAG_COLUMN_NAME, "column"}}) {
      if (const char* value = PQresultErrorField(result, field)) {
        detail += fmt::format("{}{} {}", detail.empty() ? "" : ", ", label, value);
      }
    }
    if (const char* extra = PQresultErrorField(result, PG_DIAG_MESSAGE_DETAIL)) {
      detail += fmt::format("{}{}", detail.empty() ? "" : "; ", Trimmed(extra));
    }
  }
  if (PQstatus(conn) == CONNECTION_BAD) message += " (the connection to the server was lost)";
  return MakeError(ErrorCode::kWarehouseError,
                   fmt::format("PostgreSQL: {}: {}{}", what, message,
                               detail.empty() ? "" : fmt::format(" ({})", detail)));
}

void AppendCopyText(std::string& out, std::string_view value) {
  size_t start = 0;
  for (size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    const char* escape = nullptr;
    switch (c) {
      case '\\':
        escape = "\\\\";
        break;
      case '\t':
        escape = "\\t";
        break;
      case '\n':
        escape = "\\n";
        break;
      case '\r':
        escape = "\\r";
        break;
      default:
        continue;
    }
    out.append(value.substr(start, i - start));
    out += escape;
    start = i + 1;
  }
  out.append(value.substr(start));
}

void AppendCopyField(std::string& out, std::optional<std::string_view> value) {
  if (value) {
    AppendCopyText(out, *value);
  } else {
    out += "\\N";
  }
}

// A date key of a seen range: 0 (unknown) is NULL.
void AppendCopyDate(std::string& out, int32_t key) {
  if (key == 0) {
    out += "\\N";
  } else {
    fmt::format_to(std::back_inserter(out), "{}", key);
  }
}

// A 128-bit row hash as a uuid: high half first, big-endian, so PostgreSQL orders uuids as the
// loader sorts the hashes.
void AppendUuid(std::string& out, const RowHash& hash) {
  std::string hex = fmt::format("{:016x}{:016x}", hash.high, hash.low);
  out.append(hex, 0, 8);
  out += '-';
  out.append(hex, 8, 4);
  out += '-';
  out.append(hex, 12, 4);
  out += '-';
  out.append(hex, 16, 4);
  out += '-';
  out.append(hex, 20, 12);
}

std::optional<RowHash> ParseUuid(std::string_view text) {
  if (text.size() != 36) return std::nullopt;
  uint64_t halves[2] = {0, 0};
  int digits = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return std::nullopt;
      continue;
    }
    uint64_t value;
    if (c >= '0' && c <= '9') {
      value = static_cast<uint64_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      value = static_cast<uint64_t>(c - 'a' + 10);
    } else {
      return std::nullopt;
    }
    uint64_t& half = halves[digits++ / 16];
    half = half << 4 | value;
  }
  return RowHash{halves[0], halves[1]};
}

std::optional<std::string> Value(const PgResult& result, int row, int column) {
  if (PQgetisnull(result.get(), row, column)) return std::nullopt;
  return std::string(PQgetvalue(result.get(), row, column),
                     static_cast<size_t>(PQgetlength(result.get(), row, column)));
}

int64_t IntValue(const PgResult& result, int row, int column) {
  if (PQgetisnull(result.get(), row, column)) return 0;
  return std::strtoll(PQgetvalue(result.get(), row, column), nullptr, 10);
}

std::optional<std::string> Nullable(std::string_view text) {
  if (text.empty()) return std::nullopt;
  return std::string(text);
}

std::string TextArray(std::span<const std::string_view> items) {
  std::string out = "{";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    out += '"';
    for (char c : items[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

std::string IntArray(std::span<const int64_t> items) {
  return fmt::format("{{{}}}", fmt::join(items, ","));
}
}  // namespace till
