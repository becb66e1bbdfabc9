#include "warehouse/postgres/postgres_connection.h"

#include <fmt/ranges.h>

#include <cctype>
#include <cstdlib>

namespace till {
namespace {

// Where the literal or comment starting at `sql[i]` ends (one past it), or `i` when none
// starts there: '…' (with E'…' backslash escapes), "…", $tag$…$tag$, -- … and /* … */.
size_t SkipQuoted(std::string_view sql, size_t i) {
  auto find_or_end = [&](std::string_view what, size_t from) {
    size_t at = sql.find(what, from);
    return at == std::string_view::npos ? sql.size() : at + what.size();
  };
  char c = sql[i];
  if (c == '\'' || c == '"') {
    const bool escapes =
        c == '\'' && i > 0 && (sql[i - 1] == 'E' || sql[i - 1] == 'e') &&
        (i < 2 || !(std::isalnum(static_cast<unsigned char>(sql[i - 2])) || sql[i - 2] == '_'));
    for (size_t at = i + 1; at < sql.size(); ++at) {
      if (escapes && sql[at] == '\\') {
        ++at;
      } else if (sql[at] == c) {
        if (at + 1 < sql.size() && sql[at + 1] == c) {
          ++at;  // a doubled quote
        } else {
          return at + 1;
        }
      }
    }
    return sql.size();
  }
  if (sql.substr(i, 2) == "--") return find_or_end("\n", i);
  if (sql.substr(i, 2) == "/*") return find_or_end("*/", i + 2);
  if (c == '$') {
    size_t close = i + 1;
    while (close < sql.size() &&
           (std::isalnum(static_cast<unsigned char>(sql[close])) || sql[close] == '_')) {
      ++close;
    }
    if (close < sql.size() && sql[close] == '$' &&
        !(close > i + 1 && std::isdigit(static_cast<unsigned char>(sql[i + 1])))) {
      std::string_view tag = sql.substr(i, close - i + 1);
      return find_or_end(tag, close + 1);
    }
  }
  return i;
}

}  // namespace

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

std::string ToDollarPlaceholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 8);
  int next = 0;
  for (size_t i = 0; i < sql.size(); ++i) {
    if (size_t end = SkipQuoted(sql, i); end != i) {
      out.append(sql.substr(i, end - i));
      i = end - 1;
    } else if (sql[i] == '?') {
      size_t digits = i + 1;
      while (digits < sql.size() && sql[digits] >= '0' && sql[digits] <= '9') ++digits;
      if (digits > i + 1) {
        out += '$';
        out.append(sql.substr(i + 1, digits - i - 1));
        i = digits - 1;
      } else {
        out += fmt::format("${}", ++next);
      }
    } else {
      out += sql[i];
    }
  }
  return out;
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
