// How the SQLite back end talks to SQLite: prepared statements, plain execution, and many-row
// inserts.
#pragma once

#include <sqlite3.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "base/result.h"

namespace till {

Unexpected<Error> SqliteError(sqlite3* db, std::string_view what);

// A prepared statement, finalized on destruction.
class Statement {
 public:
  Statement() = default;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement() { sqlite3_finalize(stmt_); }

  Status Prepare(sqlite3* db, std::string_view sql);

  void BindNull(int index) { sqlite3_bind_null(stmt_, index); }
  void Bind(int index, int64_t value) { sqlite3_bind_int64(stmt_, index, value); }
  void Bind(int index, double value) { sqlite3_bind_double(stmt_, index, value); }
  // Text and blobs are bound without copies: they must stay put until the statement has run.
  void Bind(int index, std::string_view value) {
    sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_STATIC);
  }
  void BindBlob(int index, const void* data, int size) {
    sqlite3_bind_blob(stmt_, index, data, size, SQLITE_STATIC);
  }
  void Bind(int index, const std::optional<std::string>& value) {
    if (value) {
      Bind(index, std::string_view(*value));
    } else {
      BindNull(index);
    }
  }

  // Binds `values` as text to the parameters written $1, $2 … (PostgreSQL's way, so that one
  // statement text serves both back ends). Fails when the statement has another kind of
  // parameter, names a $n past the values, or leaves a value unused.
  Status BindNumbered(std::span<const std::string> values);
  // The same, with nullopt bound as NULL.
  Status BindNumbered(std::span<const std::optional<std::string>> values);

  // Runs to completion (for statements that return no rows). Resets for reuse.
  Status Run();

  // Steps once: true with a row, false when done.
  Result<bool> Step();
  void Reset() { sqlite3_reset(stmt_); }

  sqlite3_stmt* get() { return stmt_; }

 private:
  // Calls bind(index, n) for each parameter $n, after the checks BindNumbered promises.
  template <typename BindOne>
  Status BindEachNumbered(size_t values, BindOne bind);

  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

// Runs one or more statements without parameters.
Status Exec(sqlite3* db, std::string_view sql);

// `insert` ("INSERT INTO t (…) VALUES ") followed by `rows` copies of `row` ("(?, ?)").
std::string ManyRowsSql(std::string_view insert, std::string_view row, size_t rows);

// Binds and runs rows 0 … count-1, `per` rows to a run of `many` and the rest one at a time
// through `one`. bind(statement, row, slot) binds row `row` as the statement's slot-th row.
template <typename BindRow>
Status InsertRows(Statement& many, Statement& one, size_t per, size_t count, BindRow bind) {
  size_t done = 0;
  for (; done + per <= count; done += per) {
    for (size_t slot = 0; slot < per; ++slot) bind(many, done + slot, slot);
    TILL_RETURN_IF_ERROR(many.Run());
  }
  for (; done < count; ++done) {
    bind(one, done, 0);
    TILL_RETURN_IF_ERROR(one.Run());
  }
  return {};
}

}  // namespace till
