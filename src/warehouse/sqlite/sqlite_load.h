// The SQLite back end's side of a load (LoadTransport) and the records a load and the
// warehouse both write.
#pragma once

#include <absl/container/flat_hash_map.h>
#include <sqlite3.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "warehouse/load/load_transport.h"
#include "warehouse/sqlite/sqlite_statement.h"
#include "warehouse/warehouse.h"

namespace till {

// The row hashes of fact_sales_row_recent, held in memory by a connection that loads.
//
// Why: fact_sales_row is keyed by random 128-bit hashes, so a commit that adds a few thousand
// of them dirties most of its leaves (16 KiB each in the WAL, and again at checkpoint), and the
// more rows the warehouse holds, the more leaves. Batches, which commit every 100-200 ms,
// append their hashes to fact_sales_row_recent instead, keyed by slice (the top four bits of the
// hash's first byte, so 16 ranges of fact_sales_row's key) then sale id, where a commit writes
// only each slice's last page, and look them up in this copy rather than through an index.
// Once the recent hashes reach a quarter of the facts (within [limit, 4 × limit]), a batch's
// load moves the fullest slices into fact_sales_row, each in one pass in key order, until they
// are fewer again. A slice gathered its hashes for as long as the others, so its move writes
// each leaf of its range once for as many rows as a move of every slice would, while the group
// that makes it waits for a sixteenth of that move; a file's load, long anyway, moves them all.
// Per row, the log written stays about the same whatever the warehouse's size, up to 16 × limit
// facts.
//
// The copy is caught up at the start of each load, under the write lock: kept when no other
// connection has committed since it was read (PRAGMA data_version), read again whole
// otherwise. A load's own claims join it only once that load commits. Not thread-safe: one per
// connection, used by that connection's loads one at a time.
class RecentRows {
 public:
  explicit RecentRows(size_t limit) : limit_(limit) {}

  // Brings the copy up to the table as committed. Call inside the load's write transaction,
  // before it changes the table.
  Status CatchUp(sqlite3* db);
  // Reads the table as this transaction sees it. The copy then holds uncommitted state: the
  // caller must Invalidate() it unless the transaction commits.
  Status Reload(sqlite3* db);
  void Invalidate() { valid_ = false; }

  // The sale id holding `hash` in the table, or nullptr.
  const int64_t* Find(const RowHash& hash) const {
    auto it = sale_ids_.find(hash);
    return it == sale_ids_.end() ? nullptr : &it->second;
  }
  // After a commit that appended (hash, sale_id) to the table.
  void Add(const RowHash& hash, int64_t sale_id);
  // After a commit that moved the table into fact_sales_row.
  void Clear();
  // After a commit that moved the slices whose bits are set in `slices` into fact_sales_row.
  void EraseSlices(uint32_t slices);

  static constexpr int kSlices = 16;
  // The slice of fact_sales_row_recent a hash is kept in: the top four bits of its first byte
  // as stored (SQLite compares blobs byte by byte), so that a slice is a range of
  // fact_sales_row's key.
  static int SliceOf(const RowHash& hash) {
    return reinterpret_cast<const unsigned char*>(&hash)[0] >> 4;
  }

  size_t size() const { return sale_ids_.size(); }
  const std::array<size_t, kSlices>& slice_sizes() const { return slice_sizes_; }
  // How many recent hashes a warehouse of `facts` facts holds before it moves them to
  // fact_sales_row.
  size_t MergeAt(int64_t facts) const;

 private:
  const size_t limit_;
  bool valid_ = false;
  int64_t data_version_ = 0;  // PRAGMA data_version when the copy was read
  absl::flat_hash_map<RowHash, int64_t, RowHashHasher> sale_ids_;
  std::array<size_t, kSlices> slice_sizes_{};  // of sale_ids_
};

// Where a load's row claims go: a file's, written in key order once at commit, into
// fact_sales_row; a batch's into fact_sales_row_recent (see RecentRows).
enum class ClaimTable { kRows, kRecent };

// The transport of a load whose transaction is open on `db` and whose etl_file record is
// `file_id`. Destroying it uncommitted rolls the transaction back; with `restore_wal` it then
// puts the database back in WAL mode (see SqliteWarehouse::BeginLoad). `recent`, the
// connection's copy, must outlive the transport.
std::unique_ptr<LoadTransport> MakeSqliteTransport(sqlite3* db, int64_t file_id, bool restore_wal,
                                                   RecentRows& recent, ClaimTable claims);

// Removes the rows only `file_id` holds and frees their hashes, and marks it unloaded, inside
// the caller's transaction. A row that a still-loaded file held as a duplicate moves to the
// first such holder (its file and line) instead. The caller's RecentRows must be invalidated or
// reloaded.
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
