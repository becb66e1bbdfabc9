#include "warehouse/sqlite_warehouse.h"

#include <absl/container/flat_hash_map.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <mutex>
#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "clean/rules.h"
#include "warehouse/calendar.h"
#include "warehouse/schema.h"

#ifndef TILL_VERSION
#define TILL_VERSION "dev"
#endif

namespace till {
namespace {

Unexpected<Error> SqliteError(sqlite3* db, std::string_view what) {
  return MakeError(ErrorCode::kWarehouseError,
                   fmt::format("SQLite: {}: {}", what, sqlite3_errmsg(db)));
}

// A prepared statement, finalized on destruction.
class Statement {
 public:
  Statement() = default;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement() { sqlite3_finalize(stmt_); }

  Status Prepare(sqlite3* db, std::string_view sql) {
    sqlite3_finalize(stmt_);
    stmt_ = nullptr;
    db_ = db;
    if (sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                           &stmt_, nullptr) != SQLITE_OK) {
      return SqliteError(db, fmt::format("preparing {}", sql.substr(0, 60)));
    }
    return {};
  }

  void BindNull(int index) { sqlite3_bind_null(stmt_, index); }
  void Bind(int index, int64_t value) { sqlite3_bind_int64(stmt_, index, value); }
  void Bind(int index, double value) { sqlite3_bind_double(stmt_, index, value); }
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

  // Runs to completion (for statements that return no rows). Resets for reuse.
  Status Run() {
    int rc = sqlite3_step(stmt_);
    sqlite3_reset(stmt_);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) return SqliteError(db_, "executing a statement");
    return {};
  }

  // Steps once: true with a row, false when done.
  Result<bool> Step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return SqliteError(db_, "reading rows");
  }
  void Reset() { sqlite3_reset(stmt_); }

  sqlite3_stmt* get() { return stmt_; }

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

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

// The customer indexes, as migration 1 creates them.
constexpr const char* kCustomerKeyIndex =
    "CREATE UNIQUE INDEX dim_customer_key ON dim_customer (customer_key)";
constexpr const char* kCustomerCurrentIndex =
    "CREATE INDEX dim_customer_current ON dim_customer (customer_id) "
    "WHERE is_current = 1 AND customer_id IS NOT NULL";

size_t AttributeIndex(Dimension dimension, std::string_view attribute) {
  const auto& attributes = Spec(dimension).attributes;
  return static_cast<size_t>(std::find(attributes.begin(), attributes.end(), attribute) -
                             attributes.begin());
}

// `insert` ("INSERT INTO t (…) VALUES ") followed by `rows` copies of `row` ("(?, ?)").
std::string ManyRowsSql(std::string_view insert, std::string_view row, size_t rows) {
  return fmt::format("{}{}", insert, fmt::join(std::vector<std::string_view>(rows, row), ", "));
}

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

constexpr const char* kFactFileIndex = "CREATE INDEX fact_sales_file ON fact_sales (file_id)";

// INSERT INTO dim_customer (customer_key, attributes…, first_seen, last_seen, is_current).
std::string CustomerInsertSql() {
  const DimensionSpec& spec = Spec(Dimension::kCustomer);
  std::vector<std::string> placeholders(spec.attributes.size() + 4, "?");
  return fmt::format(
      "INSERT INTO dim_customer ({}, {}, first_seen, last_seen, is_current) VALUES ({})",
      spec.key_column, fmt::join(spec.attributes, ", "), fmt::join(placeholders, ", "));
}

// Inserts a categorical member, or keeps the smaller label spelling of one present: the
// smallest spelling of a member is its label, whichever file brought it first.
std::string UpsertSql(const DimensionSpec& spec) {
  std::vector<std::string> placeholders(spec.attributes.size() + 1, "?");
  std::vector<std::string> updates;
  for (std::string_view attribute : spec.attributes) {
    updates.push_back(fmt::format("{0} = min({0}, excluded.{0})", attribute));
  }
  return fmt::format("INSERT INTO {} ({}, {}) VALUES ({}) ON CONFLICT ({}) DO UPDATE SET {}",
                     spec.table, spec.key_column, fmt::join(spec.attributes, ", "),
                     fmt::join(placeholders, ", "), spec.key_column, fmt::join(updates, ", "));
}

class SqliteWarehouse;

// etl_file's extra and missing columns, joined with commas for binding.
struct JoinedColumns {
  std::string extra;
  std::string missing;
};

// Binds an etl_file's counts (rows_read, rows_loaded, rows_rejected, rows_duplicate,
// values_nulled, year_mismatches, month_mismatches, extra_columns, missing_columns) as
// parameters offset+1 … offset+9. `joined` holds the bound column lists until the statement runs.
void BindFileCounts(Statement& s, int offset, const FileOutcome& outcome, JoinedColumns* joined) {
  joined->extra = fmt::format("{}", fmt::join(outcome.extra_columns, ","));
  joined->missing = fmt::format("{}", fmt::join(outcome.missing_columns, ","));
  int at = offset;
  for (int64_t count :
       {outcome.rows_read, outcome.rows_loaded, outcome.rows_rejected, outcome.rows_duplicate,
        outcome.values_nulled, outcome.year_mismatches, outcome.month_mismatches}) {
    s.Bind(++at, count);
  }
  // No columns is NULL, as on PostgreSQL.
  for (const std::string* list : {&joined->extra, &joined->missing}) {
    if (list->empty()) {
      s.BindNull(++at);
    } else {
      s.Bind(++at, std::string_view(*list));
    }
  }
}

// Removes the rows only `file_id` holds and marks it unloaded, inside the caller's
// transaction. A row that a still-loaded file held as a duplicate moves to the first such
// holder (its file and line) instead.
Status UnloadSqliteFile(sqlite3* db, int64_t file_id) {
  const std::string sql = fmt::format(R"sql(
CREATE TEMP TABLE IF NOT EXISTS till_move (
  row_hash BLOB PRIMARY KEY, sale_id INTEGER, file_id INTEGER, source_line INTEGER);
DELETE FROM till_move;
INSERT OR IGNORE INTO till_move
  SELECT r.row_hash, r.sale_id, d.file_id, d.source_line
  FROM fact_sales f
  JOIN fact_sales_row r ON r.sale_id = f.sale_id
  JOIN fact_sales_dup d ON d.row_hash = r.row_hash AND d.file_id <> f.file_id
  JOIN etl_file e ON e.file_id = d.file_id AND e.status = 'loaded' AND e.unloaded_at IS NULL
  WHERE f.file_id = {0}
  ORDER BY d.file_id, d.source_line;
UPDATE fact_sales SET
  file_id = (SELECT m.file_id FROM till_move m WHERE m.sale_id = fact_sales.sale_id),
  source_line = (SELECT m.source_line FROM till_move m WHERE m.sale_id = fact_sales.sale_id)
WHERE sale_id IN (SELECT sale_id FROM till_move);
DELETE FROM fact_sales_dup
WHERE (row_hash, file_id, source_line) IN (SELECT row_hash, file_id, source_line FROM till_move);
UPDATE etl_file SET
  rows_loaded = rows_loaded + (SELECT count(*) FROM till_move m WHERE m.file_id = etl_file.file_id),
  rows_duplicate = rows_duplicate - (SELECT count(*) FROM till_move m WHERE m.file_id = etl_file.file_id)
WHERE file_id IN (SELECT file_id FROM till_move);
DELETE FROM fact_sales_row
WHERE sale_id IN (SELECT sale_id FROM fact_sales WHERE file_id = {0});
DELETE FROM fact_sales WHERE file_id = {0};
DELETE FROM fact_sales_dup WHERE file_id = {0};
UPDATE etl_file SET unloaded_at = '{1}' WHERE file_id = {0};
DELETE FROM till_move;
)sql",
                                      file_id, FormatTimestamp(Clock::Real().Now()));
  return Exec(db, sql);
}

Status WriteLandingEntry(sqlite3* db, const LandingEntry& entry) {
  Statement upsert;
  TILL_RETURN_IF_ERROR(upsert.Prepare(
      db,
      "INSERT OR REPLACE INTO landing_key (zone, key, version, size_bytes, sha256, file_id, "
      "status, error, seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  std::string now = FormatTimestamp(Clock::Real().Now());
  upsert.Bind(1, std::string_view(entry.zone));
  upsert.Bind(2, std::string_view(entry.key));
  upsert.Bind(3, std::string_view(entry.version));
  upsert.Bind(4, entry.size_bytes);
  if (entry.sha256.empty()) {
    upsert.BindNull(5);
  } else {
    upsert.Bind(5, std::string_view(entry.sha256));
  }
  if (entry.file_id) {
    upsert.Bind(6, *entry.file_id);
  } else {
    upsert.BindNull(6);
  }
  upsert.Bind(7, std::string_view(entry.loaded ? "loaded" : "failed"));
  if (entry.error.empty()) {
    upsert.BindNull(8);
  } else {
    upsert.Bind(8, std::string_view(entry.error));
  }
  upsert.Bind(9, std::string_view(now));
  return upsert.Run();
}

class SqliteLoad final : public WarehouseLoad {
 public:
  SqliteLoad(sqlite3* db, int64_t file_id, bool restore_wal)
      : db_(db), file_id_(file_id), restore_wal_(restore_wal) {}
  ~SqliteLoad() override {
    if (!committed_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    if (restore_wal_) sqlite3_exec(db_, "PRAGMA journal_mode = WAL", nullptr, nullptr, nullptr);
  }

  Status Prepare() {
    // Into an empty fact table, duplicates are caught in memory and fact_sales_row is written
    // once at commit in key order: many times faster than growing it row by row in random order.
    // Otherwise each fact first claims its row hash in fact_sales_row.
    Statement last_sale;
    TILL_RETURN_IF_ERROR(
        last_sale.Prepare(db_, "SELECT coalesce(max(sale_id), 0) FROM fact_sales"));
    auto row = last_sale.Step();
    TILL_RETURN_IF_ERROR(row);
    next_sale_id_ = sqlite3_column_int64(last_sale.get(), 0) + 1;
    first_sale_id_ = next_sale_id_;
    bulk_ = next_sale_id_ == 1;
    facts_bulk_ = bulk_;
    last_sale.Reset();
    if (facts_bulk_) {
      // Into an empty fact table, the file index is built once, at commit, from rows already
      // in its order.
      TILL_RETURN_IF_ERROR(Exec(db_, "DROP INDEX fact_sales_file"));
    }
    Statement any_customer;
    TILL_RETURN_IF_ERROR(any_customer.Prepare(
        db_, "SELECT EXISTS (SELECT 1 FROM dim_customer WHERE customer_key <> 0)"));
    auto customer_row = any_customer.Step();
    TILL_RETURN_IF_ERROR(customer_row);
    customers_bulk_ = sqlite3_column_int(any_customer.get(), 0) == 0;
    any_customer.Reset();
    if (customers_bulk_) {
      // Both customer indexes are built once, at the end: the current-version index has
      // nothing to find in an empty dimension.
      TILL_RETURN_IF_ERROR(
          Exec(db_, "DROP INDEX dim_customer_key; DROP INDEX dim_customer_current"));
    }
    TILL_RETURN_IF_ERROR(claim_row_.Prepare(
        db_, "INSERT OR IGNORE INTO fact_sales_row (row_hash, sale_id) VALUES (?, ?)"));
    for (Dimension dimension : AllDimensions()) {
      if (dimension == Dimension::kCustomer) continue;  // see UpsertCustomers
      TILL_RETURN_IF_ERROR(
          upserts_[static_cast<size_t>(dimension)].Prepare(db_, UpsertSql(Spec(dimension))));
    }
    const std::string insert =
        "INSERT INTO fact_sales (sale_id, file_id, source_line, transaction_id, "
        "date_key, sale_time, gender_key, income_key, feedback_key, shipping_method_key, "
        "payment_method_key, order_status_key, location_key, product_key, customer_key, "
        "quantity, unit_price, total_amount, rating, recovered) VALUES ";
    const std::string one_row = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    TILL_RETURN_IF_ERROR(insert_fact_.Prepare(db_, insert + one_row));
    TILL_RETURN_IF_ERROR(insert_facts_.Prepare(db_, ManyRowsSql(insert, one_row, kFactsPerInsert)));
    TILL_RETURN_IF_ERROR(insert_reject_.Prepare(
        db_,
        "INSERT INTO etl_reject (file_id, line, column_name, reason, message, raw_line, "
        "row_rejected) VALUES (?, ?, ?, ?, ?, ?, ?)"));
    return {};
  }

  int64_t file_id() const override { return file_id_; }

  Status UpsertMembers(Dimension dimension, std::span<const Member> members) override {
    Statement& statement = upserts_[static_cast<size_t>(dimension)];
    for (const Member& member : members) {
      BindMember(statement, member);
      TILL_RETURN_IF_ERROR(statement.Run());
    }
    return {};
  }

  Result<bool> HasCustomers() override { return !customers_bulk_; }

  // Into an empty dimension, versions are kept here until commit (or until
  // kMaxPendingCustomers) and written once, with their final seen range and flag, in key order:
  // nearly every row of a real file brings a version, and updating each again when it is
  // widened or made current cost as much as writing it. Otherwise most versions are new: a
  // plain insert, or one that yields to a version already stored, whose seen range is then
  // widened instead.
  Result<std::vector<SeenRange>> UpsertCustomers(std::span<const CustomerWrite> versions) override {
    std::vector<SeenRange> merged;
    merged.reserve(versions.size());
    if (customers_bulk_) {
      if (pending_.size() + versions.size() > std::min(kMaxPendingCustomers, BulkRowCheckLimit())) {
        TILL_RETURN_IF_ERROR(WritePendingCustomers());
      }
      for (const CustomerWrite& version : versions) {
        auto [it, inserted] = pending_index_.try_emplace(version.member->key, pending_.size());
        if (!inserted) {
          PendingCustomer& pending = pending_[it->second];
          pending.seen = Widened(pending.seen, version.seen);
          merged.push_back(pending.seen);
          continue;
        }
        pending_.push_back(
            PendingCustomer{CopyMember(*version.member), version.seen, version.current});
        merged.push_back(version.seen);
      }
      return merged;
    }
    Statement& insert = insert_or_ignore_customer_;
    if (!insert.get()) {
      std::string sql = CustomerInsertSql();
      sql.replace(0, 6, "INSERT OR IGNORE");
      TILL_RETURN_IF_ERROR(insert.Prepare(db_, sql));
    }
    for (const CustomerWrite& version : versions) {
      BindCustomer(insert, version);
      TILL_RETURN_IF_ERROR(insert.Run());
      if (sqlite3_changes(db_) == 1) {
        merged.push_back(version.seen);
        continue;
      }
      auto widened = Widen(CustomerVersion{version.member->key, version.seen});
      TILL_RETURN_IF_ERROR(widened);
      merged.push_back(*widened);
    }
    return merged;
  }

  Result<std::vector<std::optional<CustomerVersion>>> CurrentCustomers(
      std::span<const std::string_view> customer_ids) override {
    Statement select;
    TILL_RETURN_IF_ERROR(select.Prepare(
        db_,
        "SELECT customer_key, coalesce(first_seen, 0), coalesce(last_seen, 0) FROM "
        "dim_customer WHERE customer_id = ? AND is_current = 1 AND customer_id IS NOT NULL"));
    std::vector<std::optional<CustomerVersion>> versions;
    versions.reserve(customer_ids.size());
    for (std::string_view id : customer_ids) {
      select.Bind(1, id);
      auto row = select.Step();
      if (!row) {
        select.Reset();
        return Unexpected<Error>(row.error());
      }
      auto& version = versions.emplace_back();
      if (*row) {
        sqlite3_stmt* s = select.get();
        version = CustomerVersion{sqlite3_column_int64(s, 0),
                                  SeenRange{sqlite3_column_int(s, 1), sqlite3_column_int(s, 2)}};
      }
      select.Reset();
    }
    return versions;
  }

  Result<std::vector<SeenRange>> WidenCustomers(
      std::span<const CustomerVersion> versions) override {
    std::vector<SeenRange> merged;
    merged.reserve(versions.size());
    for (const CustomerVersion& version : versions) {
      if (auto it = pending_index_.find(version.key); it != pending_index_.end()) {
        PendingCustomer& pending = pending_[it->second];
        pending.seen = Widened(pending.seen, version.seen);
        merged.push_back(pending.seen);
        continue;
      }
      auto widened = Widen(version);
      TILL_RETURN_IF_ERROR(widened);
      merged.push_back(*widened);
    }
    return merged;
  }

  // Widens the stored seen range of a version to include `version.seen`; returns the result.
  Result<SeenRange> Widen(const CustomerVersion& version) {
    TILL_RETURN_IF_ERROR(EnsureCustomerKeyIndex());
    if (!widen_.get()) {
      TILL_RETURN_IF_ERROR(widen_.Prepare(
          db_,
          "UPDATE dim_customer SET "
          "first_seen = CASE WHEN first_seen IS NULL OR ?1 < first_seen THEN ?1 ELSE first_seen "
          "END, "
          "last_seen = CASE WHEN last_seen IS NULL OR ?2 > last_seen THEN ?2 ELSE last_seen END "
          "WHERE customer_key = ?3 RETURNING coalesce(first_seen, 0), coalesce(last_seen, 0)"));
    }
    BindDate(widen_, 1, version.seen.first);
    BindDate(widen_, 2, version.seen.last);
    widen_.Bind(3, version.key);
    auto row = widen_.Step();
    SeenRange merged{sqlite3_column_int(widen_.get(), 0), sqlite3_column_int(widen_.get(), 1)};
    widen_.Reset();
    TILL_RETURN_IF_ERROR(row);
    if (!*row) return MakeError(ErrorCode::kInternal, "widening a customer version not stored");
    return merged;
  }

  // A bulk load drops the customer-key index and appends versions without it; anything that
  // looks versions up by key first rebuilds it, in one sort.
  Status EnsureCustomerKeyIndex() {
    if (!customers_bulk_ || customer_index_built_) return {};
    TILL_RETURN_IF_ERROR(Exec(db_, kCustomerKeyIndex));
    customer_index_built_ = true;
    return {};
  }

  Status SetCustomersCurrent(std::span<const int64_t> customer_keys, bool current) override {
    std::vector<int64_t> stored;
    for (int64_t key : customer_keys) {
      if (auto it = pending_index_.find(key); it != pending_index_.end()) {
        pending_[it->second].current = current;
      } else {
        stored.push_back(key);
      }
    }
    if (stored.empty()) return {};
    TILL_RETURN_IF_ERROR(EnsureCustomerKeyIndex());
    Statement update;
    TILL_RETURN_IF_ERROR(
        update.Prepare(db_, "UPDATE dim_customer SET is_current = ? WHERE customer_key = ?"));
    for (int64_t key : stored) {
      update.Bind(1, static_cast<int64_t>(current ? 1 : 0));
      update.Bind(2, key);
      TILL_RETURN_IF_ERROR(update.Run());
    }
    return {};
  }

  Status EnsureDates(std::span<const int32_t> date_keys) override {
    if (date_keys.empty()) return {};
    Statement bounds;
    TILL_RETURN_IF_ERROR(bounds.Prepare(
        db_, "SELECT min(date_key), max(date_key) FROM dim_date WHERE date_key > 0"));
    auto row = bounds.Step();
    TILL_RETURN_IF_ERROR(row);
    std::optional<std::pair<int32_t, int32_t>> stored;
    if (sqlite3_column_type(bounds.get(), 0) != SQLITE_NULL) {
      stored.emplace(sqlite3_column_int(bounds.get(), 0), sqlite3_column_int(bounds.get(), 1));
    }
    Statement insert;
    TILL_RETURN_IF_ERROR(insert.Prepare(
        db_,
        "INSERT OR IGNORE INTO dim_date (date_key, full_date, year, quarter, month, month_name, "
        "day, day_of_week, day_name, iso_week, is_weekend) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "?, ?)"));
    for (const CalendarDay& day : CalendarDays(date_keys, stored)) {
      insert.Bind(1, static_cast<int64_t>(day.key));
      insert.Bind(2, std::string_view(day.full_date));
      insert.Bind(3, static_cast<int64_t>(day.year));
      insert.Bind(4, static_cast<int64_t>(day.quarter));
      insert.Bind(5, static_cast<int64_t>(day.month));
      insert.Bind(6, day.month_name);
      insert.Bind(7, static_cast<int64_t>(day.day));
      insert.Bind(8, static_cast<int64_t>(day.day_of_week));
      insert.Bind(9, day.day_name);
      insert.Bind(10, static_cast<int64_t>(day.iso_week));
      insert.Bind(11, static_cast<int64_t>(day.is_weekend ? 1 : 0));
      TILL_RETURN_IF_ERROR(insert.Run());
    }
    return {};
  }

  Result<int64_t> AppendFacts(std::span<const FactSale> facts) override {
    // Rows go kFactsPerInsert to a statement: one VDBE program run per 32 rows instead of per
    // row saves about a fifth of the insert time.
    int64_t inserted = 0;
    std::array<const FactSale*, kFactsPerInsert> chunk;
    size_t filled = 0;
    for (const FactSale& fact : facts) {
      auto claimed = ClaimRow(fact);
      TILL_RETURN_IF_ERROR(claimed);
      if (!*claimed) continue;  // a duplicate
      sale_ids_[filled] = next_sale_id_++;
      chunk[filled++] = &fact;
      if (filled == kFactsPerInsert) {
        for (size_t i = 0; i < filled; ++i) {
          BindFact(insert_facts_, i * kFactColumns, sale_ids_[i], *chunk[i]);
        }
        TILL_RETURN_IF_ERROR(insert_facts_.Run());
        inserted += sqlite3_changes(db_);
        filled = 0;
      }
    }
    for (size_t i = 0; i < filled; ++i) {
      BindFact(insert_fact_, 0, sale_ids_[i], *chunk[i]);
      TILL_RETURN_IF_ERROR(insert_fact_.Run());
      inserted += sqlite3_changes(db_);
    }
    return inserted;
  }

  // Claims `hash` for the fact about to get next_sale_id_: false when a loaded row (of this
  // file or an earlier one) holds it already.
  Result<bool> ClaimRow(const FactSale& fact) {
    const RowHash& hash = fact.row_hash;
    if (bulk_) {
      if (claimed_rows_.size() < BulkRowCheckLimit()) {
        return claimed_rows_.try_emplace(hash, next_sale_id_).second;
      }
      // Past the limit the hashes held so far go to the table (in key order, into an empty
      // table: still appended) and the rest of the file claims through it, so memory stays
      // bounded whatever the file's size.
      TILL_RETURN_IF_ERROR(WriteClaimedRows());
      bulk_ = false;
    }
    static_assert(sizeof(RowHash) == 16);
    claim_row_.BindBlob(1, &hash, sizeof hash);
    claim_row_.Bind(2, next_sale_id_);
    TILL_RETURN_IF_ERROR(claim_row_.Run());
    if (sqlite3_changes(db_) == 1) return true;
    TILL_RETURN_IF_ERROR(RecordHolder(fact));
    return false;
  }

  // A duplicate of a row an earlier file loaded: this file holds it too, which keeps the row
  // when that file is unloaded (see UnloadFile).
  Status RecordHolder(const FactSale& fact) {
    if (!owner_.get()) {
      TILL_RETURN_IF_ERROR(
          owner_.Prepare(db_, "SELECT sale_id FROM fact_sales_row WHERE row_hash = ?"));
      TILL_RETURN_IF_ERROR(holder_.Prepare(db_,
                                           "INSERT OR IGNORE INTO fact_sales_dup (row_hash, "
                                           "file_id, source_line) VALUES (?, ?, ?)"));
    }
    owner_.BindBlob(1, &fact.row_hash, sizeof fact.row_hash);
    auto row = owner_.Step();
    int64_t owner = row && *row ? sqlite3_column_int64(owner_.get(), 0) : 0;
    owner_.Reset();
    TILL_RETURN_IF_ERROR(row);
    if (owner >= first_sale_id_) return {};  // this file's own row, met again
    holder_.BindBlob(1, &fact.row_hash, sizeof fact.row_hash);
    holder_.Bind(2, file_id_);
    holder_.Bind(3, fact.source_line);
    return holder_.Run();
  }

  // Writes the row hashes a bulk load claimed, in the order of their bytes (how SQLite compares
  // blobs), so that the table grows by appending.
  Status WriteClaimedRows() {
    std::vector<std::pair<RowHash, int64_t>> rows;
    rows.reserve(claimed_rows_.size());
    for (auto it = claimed_rows_.begin(); it != claimed_rows_.end();) {
      rows.push_back(*it);
      claimed_rows_.erase(it++);
    }
    claimed_rows_ = {};
    std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
      return std::memcmp(&a.first, &b.first, sizeof(RowHash)) < 0;
    });
    if (!claim_rows_.get()) {
      TILL_RETURN_IF_ERROR(claim_rows_.Prepare(
          db_, ManyRowsSql("INSERT INTO fact_sales_row (row_hash, sale_id) VALUES ", "(?, ?)",
                           kClaimsPerInsert)));
    }
    return InsertRows(claim_rows_, claim_row_, kClaimsPerInsert, rows.size(),
                      [&](Statement& statement, size_t row, size_t slot) {
                        const auto& [hash, sale_id] = rows[row];
                        statement.BindBlob(static_cast<int>(2 * slot + 1), &hash, sizeof hash);
                        statement.Bind(static_cast<int>(2 * slot + 2), sale_id);
                      });
  }

  // Binds `fact` to parameters first+1 … first+kFactColumns. Text is bound without copies:
  // `fact` must stay put until the statement has run.
  void BindFact(Statement& s, size_t first, int64_t sale_id, const FactSale& fact) {
    int at = static_cast<int>(first);
    s.Bind(at + 1, sale_id);
    s.Bind(at + 2, file_id_);
    s.Bind(at + 3, fact.source_line);
    s.Bind(at + 4, fact.transaction_id);
    s.Bind(at + 5, static_cast<int64_t>(fact.date_key));
    if (fact.time >= 0) {
      s.Bind(at + 6, static_cast<int64_t>(fact.time));
    } else {
      s.BindNull(at + 6);
    }
    for (size_t d = 0; d < kDimensionCount; ++d) s.Bind(at + 7 + static_cast<int>(d), fact.keys[d]);
    s.Bind(at + 16, fact.quantity);
    s.Bind(at + 17, fact.unit_price);
    s.Bind(at + 18, fact.total_amount);
    if (fact.rating >= 0) {
      s.Bind(at + 19, static_cast<int64_t>(fact.rating));
    } else {
      s.BindNull(at + 19);
    }
    if (fact.recovered == RecoveredAmount::kNone) {
      s.BindNull(at + 20);
    } else {
      s.Bind(at + 20, RecoveredAmountName(fact.recovered));
    }
  }

  Status AddRejects(std::span<const RejectRecord> rejects) override {
    for (const RejectRecord& reject : rejects) {
      TILL_RETURN_IF_ERROR(InsertReject(insert_reject_, file_id_, reject));
    }
    return {};
  }

  static Status InsertReject(Statement& s, int64_t file_id, const RejectRecord& reject) {
    s.Bind(1, file_id);
    s.Bind(2, reject.line);
    if (reject.column.empty()) {
      s.BindNull(3);
    } else {
      s.Bind(3, std::string_view(reject.column));
    }
    s.Bind(4, std::string_view(reject.reason));
    s.Bind(5, std::string_view(reject.message));
    s.Bind(6, std::string_view(reject.raw));
    s.Bind(7, static_cast<int64_t>(reject.row_rejected ? 1 : 0));
    return s.Run();
  }

  Status AddSteps(std::span<const StepTiming> steps) override {
    Statement insert;
    TILL_RETURN_IF_ERROR(
        insert.Prepare(db_,
                       "INSERT OR REPLACE INTO etl_step (run_id, file_id, step, rows, seconds) "
                       "SELECT run_id, file_id, ?, ?, ? FROM etl_file WHERE file_id = ?"));
    for (const StepTiming& step : steps) {
      insert.Bind(1, std::string_view(step.step));
      insert.Bind(2, step.rows);
      insert.Bind(3, step.seconds);
      insert.Bind(4, file_id_);
      TILL_RETURN_IF_ERROR(insert.Run());
    }
    return {};
  }

  Status UnloadFile(int64_t file_id) override { return UnloadSqliteFile(db_, file_id); }

  Status SetLandingEntry(const LandingEntry& entry) override {
    return WriteLandingEntry(db_, entry);
  }

  Status Commit(const FileOutcome& outcome) override {
    Statement update;
    TILL_RETURN_IF_ERROR(update.Prepare(
        db_,
        "UPDATE etl_file SET status = 'loaded', rows_read = ?, rows_loaded = ?, "
        "rows_rejected = ?, rows_duplicate = ?, values_nulled = ?, year_mismatches = ?, "
        "month_mismatches = ?, extra_columns = ?, missing_columns = ?, finished_at = ? "
        "WHERE file_id = ?"));
    JoinedColumns joined;
    BindFileCounts(update, 0, outcome, &joined);
    update.Bind(10, std::string_view(outcome.finished_at));
    update.Bind(11, file_id_);
    TILL_RETURN_IF_ERROR(update.Run());
    if (bulk_) TILL_RETURN_IF_ERROR(WriteClaimedRows());
    if (facts_bulk_) TILL_RETURN_IF_ERROR(Exec(db_, kFactFileIndex));
    TILL_RETURN_IF_ERROR(WritePendingCustomers());
    TILL_RETURN_IF_ERROR(EnsureCustomerKeyIndex());
    if (customers_bulk_) TILL_RETURN_IF_ERROR(Exec(db_, kCustomerCurrentIndex));
    TILL_RETURN_IF_ERROR(Exec(db_, "COMMIT"));
    committed_ = true;
    return {};
  }

 private:
  struct PendingCustomer {
    Member member;  // its text in pending_text_
    SeenRange seen;
    bool current = false;
  };

  Member CopyMember(const Member& member) {
    size_t size = 0;
    for (size_t i = 0; i < member.arity; ++i) {
      if (member.lengths[i] != Member::kNull) size += member.lengths[i];
    }
    Member copy = member;
    char* text = pending_text_->Allocate(size);
    if (size > 0) std::memcpy(text, member.text, size);
    copy.text = text;
    return copy;
  }

  // Writes the versions kept so far, in key order, many to a statement; from then on they are
  // stored versions like any other. In key order, the key index is built from sorted rows, a
  // third of the time it takes otherwise.
  Status WritePendingCustomers() {
    if (pending_.empty()) return {};
    std::sort(pending_.begin(), pending_.end(),
              [](const PendingCustomer& a, const PendingCustomer& b) {
                return a.member.key < b.member.key;
              });
    if (!insert_customers_.get()) {
      std::string sql = CustomerInsertSql();
      size_t values = sql.find("VALUES ") + 7;
      TILL_RETURN_IF_ERROR(insert_customers_.Prepare(
          db_, ManyRowsSql(std::string_view(sql).substr(0, values),
                           std::string_view(sql).substr(values), kCustomersPerInsert)));
      TILL_RETURN_IF_ERROR(insert_customer_.Prepare(db_, sql));
    }
    // The versions' text lies in the order they came: it is fetched ahead of the binding.
    constexpr size_t kAhead = 16;
    TILL_RETURN_IF_ERROR(InsertRows(
        insert_customers_, insert_customer_, kCustomersPerInsert, pending_.size(),
        [&](Statement& statement, size_t row, size_t slot) {
          if (row + kAhead < pending_.size()) {
            __builtin_prefetch(pending_[row + kAhead].member.text);
          }
          const PendingCustomer& version = pending_[row];
          BindCustomer(statement, CustomerWrite{&version.member, version.seen, version.current},
                       static_cast<int>(slot * kCustomerColumns));
        }));
    pending_ = {};
    pending_index_ = {};
    pending_text_ = std::make_unique<TextArena>();
    return {};
  }

  static void BindDate(Statement& statement, int index, int32_t key) {
    if (key == 0) {
      statement.BindNull(index);
    } else {
      statement.Bind(index, static_cast<int64_t>(key));
    }
  }

  // Binds a customer version as CustomerInsertSql() lays its parameters out, from parameter
  // offset+1 on.
  static void BindCustomer(Statement& statement, const CustomerWrite& version, int offset = 0) {
    const int first_at = offset + static_cast<int>(kCustomerColumns) - 2;
    BindMember(statement, *version.member, offset);
    // The age, always an integer's digits (see StarBuilder), binds as the integer its column's
    // affinity would make of the text, without SQLite's conversion through a double.
    static const size_t age = AttributeIndex(Dimension::kCustomer, "age");
    int64_t years = 0;
    if (auto text = version.member->attribute(age)) {
      auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), years);
      if (error == std::errc() && end == text->data() + text->size()) {
        statement.Bind(offset + static_cast<int>(age) + 2, years);
      }
    }
    BindDate(statement, first_at, version.seen.first);
    BindDate(statement, first_at + 1, version.seen.last);
    statement.Bind(first_at + 2, static_cast<int64_t>(version.current ? 1 : 0));
  }

  // Binds the key and the attributes of `member` as parameters offset+1 … offset+n+1. Every
  // attribute binds as text; the age column's INTEGER affinity stores "21" as the integer 21.
  static void BindMember(Statement& statement, const Member& member, int offset = 0) {
    statement.Bind(offset + 1, member.key);
    for (size_t i = 0; i < member.arity; ++i) {
      int index = offset + static_cast<int>(i) + 2;
      if (auto value = member.attribute(i)) {
        statement.Bind(index, *value);
      } else {
        statement.BindNull(index);
      }
    }
  }

  sqlite3* db_;
  int64_t file_id_;
  bool restore_wal_;
  bool committed_ = false;
  static constexpr size_t kCustomerColumns = 12;  // key, 8 attributes, seen range, current
  static constexpr size_t kCustomersPerInsert = 32;
  Statement insert_customers_;  // kCustomersPerInsert at a time, into an empty dimension
  Statement insert_customer_;   // into an empty dimension
  // About 200 bytes each: a first load keeps at most this many versions in memory (or
  // BulkRowCheckLimit(), when tests lower it).
  static constexpr size_t kMaxPendingCustomers = 1'000'000;
  std::vector<PendingCustomer> pending_;  // versions new to an empty dimension, until commit
  absl::flat_hash_map<int64_t, size_t> pending_index_;
  std::unique_ptr<TextArena> pending_text_ = std::make_unique<TextArena>();
  Statement insert_or_ignore_customer_;  // into one that may hold the version already
  Statement widen_;
  bool customers_bulk_ = false;
  bool customer_index_built_ = false;
  bool bulk_ = false;        // the load claims its row hashes in memory
  bool facts_bulk_ = false;  // fact_sales was empty when the load began
  struct RowHashHasher {
    size_t operator()(const RowHash& h) const { return static_cast<size_t>(h.low); }
  };
  absl::flat_hash_map<RowHash, int64_t, RowHashHasher> claimed_rows_;  // bulk mode only
  int64_t next_sale_id_ = 1;
  int64_t first_sale_id_ = 1;  // the first sale id of this load
  Statement owner_;
  Statement holder_;
  Statement claim_row_;
  static constexpr size_t kClaimsPerInsert = 64;
  Statement claim_rows_;  // kClaimsPerInsert rows, for a bulk load's claims
  std::array<Statement, kDimensionCount> upserts_;
  static constexpr size_t kFactColumns = 20;
  static constexpr size_t kFactsPerInsert = 32;
  std::array<int64_t, kFactsPerInsert> sale_ids_{};  // of the chunk being bound
  Statement insert_fact_;                            // one row
  Statement insert_facts_;                           // kFactsPerInsert rows
  Statement insert_reject_;
};

class SqliteWarehouse final : public Warehouse {
 public:
  SqliteWarehouse(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  ~SqliteWarehouse() override {
    sqlite3_close_v2(db_);
    if (watch_lock_fd_ >= 0) ::close(watch_lock_fd_);
  }

  Status Configure() {
    // WAL lets the dashboard read while a load writes; synchronous=FULL makes each commit
    // durable when it returns. 16 KiB pages (set when the file is new) make bulk loads about
    // a tenth faster than the default 4 KiB; two sorter threads build indexes. Foreign keys are
    // declared for readers and BI tools but not checked row by row: the loader writes every
    // member before the transaction commits.
    sqlite3_busy_timeout(db_, 30000);
    return Exec(db_,
                "PRAGMA page_size = 16384; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; "
                "PRAGMA threads = 2; PRAGMA cache_size = -131072; PRAGMA temp_store = MEMORY;");
  }

  // A reader leaves the file's settings alone: it only waits out writers and reads.
  Status ConfigureReader() {
    sqlite3_busy_timeout(db_, 30000);
    return Exec(db_, "PRAGMA cache_size = -131072; PRAGMA temp_store = MEMORY;");
  }

  Status Migrate() override {
    TILL_RETURN_IF_ERROR(Exec(db_, "BEGIN IMMEDIATE"));
    Status status = ApplyMigrations();
    if (!status) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      return status;
    }
    return Exec(db_, "COMMIT");
  }

  Result<int> SchemaVersion() override {
    auto result = Query(
        "SELECT coalesce(max(version), 0) FROM till_schema WHERE EXISTS "
        "(SELECT 1 FROM sqlite_master WHERE name = 'till_schema')",
        {});
    if (!result) {
      // No till_schema table yet: a new, empty warehouse.
      return 0;
    }
    if (result->rows.empty() || !result->rows[0][0]) return 0;
    return std::stoi(*result->rows[0][0]);
  }

  Result<int64_t> StartRun(std::string_view trigger) override {
    Statement insert;
    TILL_RETURN_IF_ERROR(
        insert.Prepare(db_,
                       "INSERT INTO etl_run (trigger, started_at, status, till_version) "
                       "VALUES (?, ?, 'running', ?)"));
    std::string now = FormatTimestamp(Clock::Real().Now());
    insert.Bind(1, trigger);
    insert.Bind(2, std::string_view(now));
    insert.Bind(3, std::string_view(TILL_VERSION));
    TILL_RETURN_IF_ERROR(insert.Run());
    return static_cast<int64_t>(sqlite3_last_insert_rowid(db_));
  }

  Status FinishRun(int64_t run_id, bool succeeded, std::string_view error) override {
    Statement update;
    TILL_RETURN_IF_ERROR(update.Prepare(
        db_, "UPDATE etl_run SET finished_at = ?, status = ?, error = ? WHERE run_id = ?"));
    std::string now = FormatTimestamp(Clock::Real().Now());
    update.Bind(1, std::string_view(now));
    update.Bind(2, std::string_view(succeeded ? "succeeded" : "failed"));
    if (error.empty()) {
      update.BindNull(3);
    } else {
      update.Bind(3, error);
    }
    update.Bind(4, run_id);
    return update.Run();
  }

  Result<std::optional<int64_t>> FindLoadedContent(std::string_view sha256) override {
    Statement select;
    TILL_RETURN_IF_ERROR(
        select.Prepare(db_,
                       "SELECT file_id FROM etl_file WHERE sha256 = ? AND status = 'loaded' AND "
                       "unloaded_at IS NULL"));
    select.Bind(1, sha256);
    auto row = select.Step();
    TILL_RETURN_IF_ERROR(row);
    if (!*row) return std::optional<int64_t>();
    return std::optional<int64_t>(sqlite3_column_int64(select.get(), 0));
  }

  Result<std::unique_ptr<WarehouseLoad>> BeginLoad(int64_t run_id,
                                                   const FileOutcome& outcome) override {
    // The first load into a warehouse without facts runs under a rollback journal: SQLite does
    // not journal pages past the file's old end, so each page is written once instead of to the
    // WAL and again at checkpoint. Nobody can be reading data that does not exist yet; if
    // another connection has the file open the switch is refused and the load stays in WAL.
    bool restore_wal = false;
    auto facts = Query("SELECT EXISTS (SELECT 1 FROM fact_sales)", {});
    TILL_RETURN_IF_ERROR(facts);
    if (facts->rows.at(0).at(0) == "0") {
      auto mode = Query("PRAGMA journal_mode = DELETE", {});
      restore_wal = mode && !mode->rows.empty() && mode->rows[0][0] == "delete";
    }
    if (Status begun = Exec(db_, "BEGIN IMMEDIATE"); !begun) {
      if (restore_wal) (void)Exec(db_, "PRAGMA journal_mode = WAL");
      return Unexpected<Error>(begun.error());
    }
    auto file_id = InsertFile(run_id, outcome, "loaded");
    if (!file_id) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      if (restore_wal) (void)Exec(db_, "PRAGMA journal_mode = WAL");
      return Unexpected<Error>(file_id.error());
    }
    auto load = std::make_unique<SqliteLoad>(db_, *file_id, restore_wal);
    TILL_RETURN_IF_ERROR(load->Prepare());  // the load's destructor rolls back on failure
    return std::unique_ptr<WarehouseLoad>(std::move(load));
  }

  Result<int64_t> RecordFile(int64_t run_id, const FileOutcome& outcome,
                             std::span<const RejectRecord> rejects) override {
    TILL_RETURN_IF_ERROR(Exec(db_, "BEGIN IMMEDIATE"));
    auto file_id = InsertFile(run_id, outcome, std::string(FileStatusName(outcome.status)));
    if (file_id) {
      Statement insert;
      Status status = insert.Prepare(
          db_,
          "INSERT INTO etl_reject (file_id, line, column_name, reason, message, raw_line, "
          "row_rejected) VALUES (?, ?, ?, ?, ?, ?, ?)");
      for (size_t i = 0; status && i < rejects.size(); ++i) {
        status = SqliteLoad::InsertReject(insert, *file_id, rejects[i]);
      }
      if (status) status = Exec(db_, "COMMIT");
      if (status) return *file_id;
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      return Unexpected<Error>(status.error());
    }
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return Unexpected<Error>(file_id.error());
  }

  Result<QueryResult> Query(std::string_view sql, std::span<const std::string> params) override {
    Statement statement;
    TILL_RETURN_IF_ERROR(statement.Prepare(db_, sql));
    for (size_t i = 0; i < params.size(); ++i) {
      statement.Bind(static_cast<int>(i) + 1, std::string_view(params[i]));
    }
    QueryResult result;
    sqlite3_stmt* s = statement.get();
    int count = sqlite3_column_count(s);
    for (int c = 0; c < count; ++c) result.columns.emplace_back(sqlite3_column_name(s, c));
    for (;;) {
      auto row = statement.Step();
      TILL_RETURN_IF_ERROR(row);
      if (!*row) break;
      auto& out = result.rows.emplace_back();
      out.reserve(static_cast<size_t>(count));
      for (int c = 0; c < count; ++c) {
        if (sqlite3_column_type(s, c) == SQLITE_NULL) {
          out.emplace_back(std::nullopt);
        } else {
          const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(s, c));
          out.emplace_back(std::string(text, static_cast<size_t>(sqlite3_column_bytes(s, c))));
        }
      }
    }
    return result;
  }

  Status QueryRows(std::string_view sql, std::span<const std::string> params,
                   const RowVisitor& visit) override {
    Statement statement;
    TILL_RETURN_IF_ERROR(statement.Prepare(db_, sql));
    for (size_t i = 0; i < params.size(); ++i) {
      statement.Bind(static_cast<int>(i) + 1, std::string_view(params[i]));
    }
    sqlite3_stmt* s = statement.get();
    std::vector<std::optional<std::string_view>> values(
        static_cast<size_t>(sqlite3_column_count(s)));
    for (;;) {
      auto row = statement.Step();
      TILL_RETURN_IF_ERROR(row);
      if (!*row) return {};
      for (size_t c = 0; c < values.size(); ++c) {
        int column = static_cast<int>(c);
        if (sqlite3_column_type(s, column) == SQLITE_NULL) {
          values[c].reset();
        } else {
          const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(s, column));
          values[c].emplace(text, static_cast<size_t>(sqlite3_column_bytes(s, column)));
        }
      }
      TILL_RETURN_IF_ERROR(visit(values));
    }
  }

  // A WAL reader sees the database as it was when its transaction's first read began.
  Status ReadConsistently(const std::function<Status()>& reads) override {
    TILL_RETURN_IF_ERROR(Exec(db_, "BEGIN"));
    Status status = reads();
    sqlite3_exec(db_, status ? "COMMIT" : "ROLLBACK", nullptr, nullptr, nullptr);
    return status;
  }

  std::string Describe() const override { return fmt::format("sqlite:{}", path_); }

  Result<std::vector<LandingEntry>> LandingEntries(std::string_view zone) override {
    auto rows = Query(
        "SELECT key, version, size_bytes, sha256, file_id, status, error FROM landing_key "
        "WHERE zone = ? ORDER BY key",
        std::vector<std::string>{std::string(zone)});
    TILL_RETURN_IF_ERROR(rows);
    std::vector<LandingEntry> entries;
    for (const auto& row : rows->rows) {
      LandingEntry& entry = entries.emplace_back();
      entry.zone = std::string(zone);
      entry.key = row[0].value_or("");
      entry.version = row[1].value_or("");
      entry.size_bytes = std::stoll(row[2].value_or("0"));
      entry.sha256 = row[3].value_or("");
      if (row[4]) entry.file_id = std::stoll(*row[4]);
      entry.loaded = row[5] == "loaded";
      entry.error = row[6].value_or("");
    }
    return entries;
  }

  Status ForgetLandingKey(std::string_view zone, std::string_view key,
                          std::optional<int64_t> unload) override {
    return ChangeLedger(unload, [&]() -> Status {
      Statement forget;
      TILL_RETURN_IF_ERROR(
          forget.Prepare(db_, "DELETE FROM landing_key WHERE zone = ? AND key = ?"));
      forget.Bind(1, zone);
      forget.Bind(2, key);
      return forget.Run();
    });
  }

  Status RecordLandingEntry(const LandingEntry& entry, std::optional<int64_t> unload) override {
    return ChangeLedger(unload, [&] { return WriteLandingEntry(db_, entry); });
  }

  // Runs `change` to the ledger in a transaction of its own, unloading file `unload` first when
  // given.
  template <typename Change>
  Status ChangeLedger(std::optional<int64_t> unload, Change change) {
    TILL_RETURN_IF_ERROR(Exec(db_, "BEGIN IMMEDIATE"));
    Status status = unload ? UnloadSqliteFile(db_, *unload) : Status{};
    if (status) status = change();
    if (status) status = Exec(db_, "COMMIT");
    if (!status) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return status;
  }

  Result<int64_t> RetryLandingKeys(std::string_view zone,
                                   std::span<const std::string> keys) override {
    // A version nothing in a zone has and no hash: the watcher reads the key again.
    Statement update;
    TILL_RETURN_IF_ERROR(update.Prepare(
        db_,
        "UPDATE landing_key SET version = 'retry', sha256 = NULL "
        "WHERE zone = ? AND status = 'failed' AND (? = 0 OR key IN (SELECT value FROM "
        "json_each(?)))"));
    nlohmann::json list = keys;
    std::string text = list.dump();
    update.Bind(1, zone);
    update.Bind(2, static_cast<int64_t>(keys.size()));
    update.Bind(3, std::string_view(text));
    TILL_RETURN_IF_ERROR(update.Run());
    return static_cast<int64_t>(sqlite3_changes(db_));
  }

  // One watcher per SQLite warehouse (see LockWatcher): every key is its own.
  Result<bool> ClaimLandingKey(std::string_view, std::string_view) override { return true; }
  Status ReleaseLandingKey(std::string_view, std::string_view) override { return {}; }

  Status LockWatcher(std::string_view zone) override {
    // One watcher per warehouse file: SQLite has one writer at a time, and a second watcher
    // would only wait for it. The lock is an flock on a file beside the warehouse, released
    // when the process ends however it ends.
    std::string lock_path = path_ + ".watch-lock";
    if (watch_lock_fd_ < 0) {
      watch_lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
      if (watch_lock_fd_ < 0) {
        return MakeError(ErrorCode::kIoError,
                         fmt::format("{}: {}", lock_path, std::strerror(errno)));
      }
    }
    if (::flock(watch_lock_fd_, LOCK_EX | LOCK_NB) != 0) {
      return MakeError(ErrorCode::kInvalidArgument,
                       fmt::format("another till watch is already loading into {} (a SQLite "
                                   "warehouse takes one watcher; use PostgreSQL for several); "
                                   "not watching {}",
                                   path_, zone));
    }
    return {};
  }

  Result<std::vector<RoleCredential>> CreateRoles(const RolePasswords&) override {
    return MakeError(ErrorCode::kInvalidArgument,
                     "a SQLite warehouse has no roles: it is a file, readable by whoever can "
                     "read the file; roles are for PostgreSQL warehouses");
  }

  sqlite3* handle() const { return db_; }

 private:
  Status ApplyMigrations() {
    TILL_RETURN_IF_ERROR(Exec(db_,
                              "CREATE TABLE IF NOT EXISTS till_schema (version INTEGER PRIMARY "
                              "KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)"));
    auto current = SchemaVersion();
    TILL_RETURN_IF_ERROR(current);
    auto migrations = SqliteMigrations();
    int newest = migrations.back().version;
    if (*current > newest) {
      return MakeError(ErrorCode::kSchemaTooNew,
                       fmt::format("{} has schema version {}, newer than this Till knows ({}); "
                                   "upgrade Till",
                                   path_, *current, newest));
    }
    for (const Migration& migration : migrations) {
      if (migration.version <= *current) continue;
      TILL_RETURN_IF_ERROR(Exec(db_, migration.sql));
      Statement record;
      TILL_RETURN_IF_ERROR(record.Prepare(
          db_, "INSERT INTO till_schema (version, description, applied_at) VALUES (?, ?, ?)"));
      std::string now = FormatTimestamp(Clock::Real().Now());
      record.Bind(1, static_cast<int64_t>(migration.version));
      record.Bind(2, migration.description);
      record.Bind(3, std::string_view(now));
      TILL_RETURN_IF_ERROR(record.Run());
    }
    return {};
  }

  Result<int64_t> InsertFile(int64_t run_id, const FileOutcome& outcome,
                             const std::string& status) {
    Statement insert;
    TILL_RETURN_IF_ERROR(insert.Prepare(
        db_,
        "INSERT INTO etl_file (run_id, uri, sha256, size_bytes, status, rows_read, rows_loaded, "
        "rows_rejected, rows_duplicate, values_nulled, year_mismatches, month_mismatches, "
        "extra_columns, missing_columns, same_content_as, error, started_at, finished_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    insert.Bind(1, run_id);
    insert.Bind(2, std::string_view(outcome.uri));
    insert.Bind(3, std::string_view(outcome.sha256));
    insert.Bind(4, outcome.size_bytes);
    insert.Bind(5, std::string_view(status));
    // A load in progress starts from zero; its counts are written at commit.
    FileOutcome counts;
    const FileOutcome& bound = status == "loaded" ? counts : outcome;
    counts.extra_columns = outcome.extra_columns;
    counts.missing_columns = outcome.missing_columns;
    JoinedColumns joined;
    BindFileCounts(insert, 5, bound, &joined);
    if (outcome.same_content_as) {
      insert.Bind(15, *outcome.same_content_as);
    } else {
      insert.BindNull(15);
    }
    if (outcome.error.empty()) {
      insert.BindNull(16);
    } else {
      insert.Bind(16, std::string_view(outcome.error));
    }
    insert.Bind(17, std::string_view(outcome.started_at));
    if (outcome.finished_at.empty()) {
      insert.BindNull(18);
    } else {
      insert.Bind(18, std::string_view(outcome.finished_at));
    }
    TILL_RETURN_IF_ERROR(insert.Run());
    return static_cast<int64_t>(sqlite3_last_insert_rowid(db_));
  }

  sqlite3* db_;
  std::string path_;
  int watch_lock_fd_ = -1;
};

}  // namespace

Result<std::unique_ptr<Warehouse>> OpenSqliteWarehouse(const std::string& path, Access access) {
  static std::once_flag configured_library;
  std::call_once(configured_library, [] {
    // Memory statistics take a global mutex on every allocation; Till does not read them.
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  });
  sqlite3* db = nullptr;
  const bool read_only = access == Access::kReadOnly;
  int flags = SQLITE_OPEN_NOMUTEX |
              (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close_v2(db);
    return MakeError(ErrorCode::kWarehouseError,
                     fmt::format("cannot open SQLite warehouse {}: {}", path, message));
  }
  auto warehouse = std::make_unique<SqliteWarehouse>(db, path);
  Status configured = read_only ? warehouse->ConfigureReader() : warehouse->Configure();
  if (!configured) {
    return MakeError(ErrorCode::kWarehouseError,
                     fmt::format("{} is not a usable SQLite warehouse: {}", path,
                                 sqlite3_errmsg(warehouse->handle())));
  }
  return std::unique_ptr<Warehouse>(std::move(warehouse));
}

}  // namespace till
