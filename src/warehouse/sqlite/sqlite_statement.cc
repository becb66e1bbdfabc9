#include "warehouse/sqlite/sqlite_statement.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <charconv>
#include <vector>

namespace till {

Unexpected<Error> SqliteError(sqlite3* db, std::string_view what) {
  return MakeError(ErrorCode::kWarehouseError,
                   fmt::format("SQLite: {}: {}", what, sqlite3_errmsg(db)));
}

Status Statement::Prepare(sqlite3* db, std::string_view sql) {
  sqlite3_finalize(stmt_);
  stmt_ = nullptr;
  db_ = db;
  if (sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                         &stmt_, nullptr) != SQLITE_OK) {
    return SqliteError(db, fmt::format("preparing {}", sql.substr(0, 60)));
  }
  return {};
}

Status Statement::Run() {
  int rc = sqlite3_step(stmt_);
  sqlite3_reset(stmt_);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) return SqliteError(db_, "executing a statement");
  return {};
}

Result<bool> Statement::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteError(db_, "reading rows");
}

template <typename BindOne>
Status Statement::BindEachNumbered(size_t values, BindOne bind) {
  std::vector<bool> used(values);
  for (int i = 1; i <= sqlite3_bind_parameter_count(stmt_); ++i) {
    const char* name = sqlite3_bind_parameter_name(stmt_, i);
    size_t n = 0;
    std::string_view digits = name && name[0] == '$' ? std::string_view(name + 1) : "";
    auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (digits.empty() || error != std::errc() || end != digits.data() + digits.size() || n == 0) {
      return MakeError(ErrorCode::kInvalidArgument,
                       fmt::format("parameter {} of the statement is '{}'; write parameters as "
                                   "$1, $2 …",
                                   i, name ? name : "?"));
    }
    if (n > values) {
      return MakeError(ErrorCode::kInvalidArgument,
                       fmt::format("the statement names ${} but was given {} values", n, values));
    }
    bind(i, n - 1);
    used[n - 1] = true;
  }
  for (size_t n = 0; n < used.size(); ++n) {
    if (!used[n]) {
      return MakeError(ErrorCode::kInvalidArgument,
                       fmt::format("the statement has no parameter ${} for its value", n + 1));
    }
  }
  return {};
}

Status Statement::BindNumbered(std::span<const std::string> values) {
  return BindEachNumbered(values.size(),
                          [&](int index, size_t n) { Bind(index, std::string_view(values[n])); });
}

Status Statement::BindNumbered(std::span<const std::optional<std::string>> values) {
  return BindEachNumbered(values.size(), [&](int index, size_t n) { Bind(index, values[n]); });
}

Status Exec(sqlite3* db, std::string_view sql) {
  std::string text(sql);
  char* message = nullptr;
  if (sqlite3_exec(db, text.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    std::string detail = message ? message : "unknown error";
    sqlite3_free(message);
    return MakeError(ErrorCode::kWarehouseError,
                     fmt::format("SQLite: {}: {}", text.substr(0, 60), detail));
  }
  return {};
}

std::string ManyRowsSql(std::string_view insert, std::string_view row, size_t rows) {
  return fmt::format("{}{}", insert, fmt::join(std::vector<std::string_view>(rows, row), ", "));
}

}  // namespace till
