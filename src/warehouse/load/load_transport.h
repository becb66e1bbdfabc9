// What a warehouse back end does for a load: the transport under StarLoad. It appends rows to
// tables, looks rows up by key, updates them, and sets up and tears down a bulk write, each in
// its own SQL and with its own speed-ups (many-row statements, COPY, indexes dropped while a
// table is written from empty). What to write, when, and in what order is decided once, above
// it (star_load.h, row_claims.h, customer_versions.h).
//
// Everything a transport writes lies inside the load's transaction: visible at Commit(), rolled
// back when the transport is destroyed uncommitted. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "model/star.h"
#include "warehouse/calendar.h"
#include "warehouse/load/bookkeeping.h"
#include "warehouse/load/stored_rows.h"
#include "warehouse/warehouse.h"

namespace till {

// What the warehouse held when the load began.
struct LoadStart {
  int64_t next_sale_id = 1;       // one past the largest stored sale_id
  bool rows_stored = false;       // fact_sales_row holds row hashes
  bool customers_stored = false;  // dim_customer holds versions besides Unknown
  // fact_sales_row is empty and is written fastest all at once, in key order: SQLite's, which is
  // its own index. Past the limit the load keeps its claims in its file of them (claim_runs.h)
  // rather than writing them, and writes every claim at commit.
  bool claims_at_commit = false;
};

// For hash tables of row hashes: the low half of a row hash is as random as the whole.
struct RowHashHasher {
  size_t operator()(const RowHash& h) const { return static_cast<size_t>(h.low); }
};

// This load's claim of a row hash: the fact that holds the row.
struct RowClaim {
  RowHash hash;
  int64_t sale_id = 0;
  int64_t source_line = 0;
};

// Who holds a stored row hash (in fact_sales_row, or on SQLite fact_sales_row_recent).
enum class RowOwner { kNone, kThisFile, kOtherFile };

// A fact_sales_dup record: a line of this file repeating a row another file loaded.
struct RowHolder {
  RowHash hash;
  int64_t source_line = 0;
};

// A customer version to append, with its final seen range and flag. The member's text must stay
// put until the append returns.
struct CustomerRow {
  Member member;
  SeenRange seen;
  bool current = false;
};

class LoadTransport {
 public:
  virtual ~LoadTransport() = default;

  // The etl_file id the load writes under.
  virtual int64_t file_id() const = 0;

  // Reads the warehouse's state and begins the bulk write: tables empty at this point may drop
  // their indexes until EndBulk(). Called once, first.
  virtual Result<LoadStart> BeginBulk() = 0;
  // Says the last fact is appended, before the row claims and customer versions held in memory
  // are written: work on the facts alone (on PostgreSQL, a file's partition's indexes) may start
  // now, beside that writing, and end by EndBulk().
  virtual Status EndFacts() { return {}; }
  // Rebuilds what BeginBulk() dropped and puts the file's facts in place (on PostgreSQL,
  // attaches the file's partition). Called once, after the last append.
  virtual Status EndBulk() = 0;

  // Inserts members not yet present; for present ones keeps the smaller label spelling.
  virtual Status UpsertMembers(Dimension dimension, std::span<const Member> members) = 0;
  // The first and last date in dim_date besides Unknown, none when it holds no other.
  virtual Result<std::optional<std::pair<int32_t, int32_t>>> DateBounds() = 0;
  // Adds days to dim_date; days present already are left alone.
  virtual Status AppendDates(std::span<const CalendarDay> days) = 0;

  // Appends facts with sale ids first_sale_id, first_sale_id + 1, … in this order.
  virtual Status AppendFacts(std::span<const FactSale* const> facts, int64_t first_sale_id) = 0;
  // Who holds each hash among the stored ones, in order.
  virtual Result<std::vector<RowOwner>> FindRowOwners(std::span<const RowHash> hashes) = 0;
  // Appends claims none of which is stored. The transport may reorder `claims` into the order
  // its index wants.
  virtual Status AppendRowClaims(std::span<RowClaim> claims) = 0;
  virtual Status AppendRowHolders(std::span<const RowHolder> holders) = 0;
  // Adds to `filter` the hashes of the claims stored by loads committed after its mark (every
  // claim when it has none) and moves its mark past them; a filter whose mark no longer fits the
  // warehouse (its claims were emptied or made again) is read from nothing. Called under the load
  // lock before the load claims a row, when the claims table held rows as the load began. A back
  // end that cannot tell which claims are new leaves the filter unusable.
  virtual Status ReadStoredRows(StoredRowFilter& filter) = 0;
  virtual Status AppendRejects(std::span<const RejectRecord> rejects) = 0;

  // Appends customer versions none of which is stored, in this order.
  virtual Status AppendCustomers(std::span<const CustomerRow> versions) = 0;
  // The stored seen range of each version key, in order; nullopt for keys not stored.
  virtual Result<std::vector<std::optional<SeenRange>>> FindCustomers(
      std::span<const int64_t> keys) = 0;
  // Sets the seen range of stored versions.
  virtual Status SetCustomersSeen(std::span<const CustomerVersion> versions) = 0;
  // The stored current version of each customer id, in order.
  virtual Result<std::vector<std::optional<CustomerVersion>>> CurrentCustomers(
      std::span<const std::string_view> customer_ids) = 0;
  // Sets the current flag of stored versions.
  virtual Status SetCustomersCurrent(std::span<const int64_t> customer_keys, bool current) = 0;

  virtual Status AppendSteps(std::span<const StepTiming> steps) = 0;
  // See WarehouseLoad::UnloadFile.
  virtual Status UnloadFile(int64_t file_id) = 0;
  // Runs a statement of the load's bookkeeping (bookkeeping.h).
  virtual Status Write(const BookkeepingWrite& write) = 0;
  virtual Status Commit() = 0;
};

}  // namespace till
