#include "warehouse/sqlite/sqlite_statement.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

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
