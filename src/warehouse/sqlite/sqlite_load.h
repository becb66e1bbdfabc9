// The SQLite back end's side of a load (LoadTransport) and the records a load and the
// warehouse both write.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>

#include "warehouse/load/load_transport.h"
#include "warehouse/sqlite/sqlite_statement.h"
#include "warehouse/warehouse.h"

namespace till {

// The transport of a load whose transaction is open on `db` and whose etl_file record is
// `file_id`. Destroying it uncommitted rolls the transaction back; with `restore_wal` it then
// puts the database back in WAL mode (see SqliteWarehouse::BeginLoad).
std::unique_ptr<LoadTransport> MakeSqliteTransport(sqlite3* db, int64_t file_id, bool restore_wal);

// Removes the rows only `file_id` holds and marks it unloaded, inside the caller's
// transaction. A row that a still-loaded file held as a duplicate moves to the first such
// holder (its file and line) instead.
Status UnloadSqliteFile(sqlite3* db, int64_t file_id);

// Runs a statement of the bookkeeping (load/bookkeeping.h), inside the caller's transaction.
Status RunBookkeeping(sqlite3* db, const BookkeepingWrite& write);

// Inserts an etl_reject record through `insert`, prepared from kInsertRejectSql.
inline constexpr std::string_view kInsertRejectSql =
    "INSERT INTO etl_reject (file_id, line, column_name, reason, message, raw_line, "
    "row_rejected) VALUES (?, ?, ?, ?, ?, ?, ?)";
Status InsertReject(Statement& insert, int64_t file_id, const RejectRecord& reject);

// etl_file's extra and missing columns, joined with commas for binding.
struct JoinedColumns {
  std::string extra;
  std::string missing;
};

// Binds an etl_file's counts (rows_read, rows_loaded, rows_rejected, rows_duplicate,
// values_nulled, year_mismatches, month_mismatches, extra_columns, missing_columns) as
// parameters offset+1 … offset+9. `joined` holds the bound column lists until the statement runs.
void BindFileCounts(Statement& s, int offset, const FileOutcome& outcome, JoinedColumns* joined);

}  // namespace till
