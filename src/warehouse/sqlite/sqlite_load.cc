#include "warehouse/sqlite/sqlite_load.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <vector>

#include "base/clock.h"

namespace till {
namespace {

// The indexes a load into empty tables drops and builds again at the end, as migration 1
// creates them.
constexpr const char* kFactFileIndex = "CREATE INDEX fact_sales_file ON fact_sales (file_id)";
constexpr const char* kCustomerKeyIndex =
    "CREATE UNIQUE INDEX dim_customer_key ON dim_customer (customer_key)";
constexpr const char* kCustomerCurrentIndex =
    "CREATE INDEX dim_customer_current ON dim_customer (customer_id) "
    "WHERE is_current = 1 AND customer_id IS NOT NULL";

// Runs `sql`, a statement that sorts many rows (an index build, an ordered copy), with SQLite's
// temporary files on disk. While they are kept in memory (temp_store = MEMORY, which a load's
// statement journals want), SQLite's sorter holds every row of a sort at once: the three index
// builds at the end of a 30-million-row load took 1.5 GB. With them on disk it sorts runs of
// the page cache's size on two threads and merges them: about 530 MB, in the same time.
// SQLite refuses the switch inside a transaction once the connection's temporary database is
// open: a load begins with it closed (SqliteWarehouse::Begin), but an unload in the same load
// opens it for its work table, and the sorts after it then stay in memory.
Status ExecSortingOnDisk(sqlite3* db, std::string_view sql) {
  const bool on_disk = static_cast<bool>(Exec(db, "PRAGMA temp_store = FILE"));
  Status status = Exec(db, sql);
  if (!on_disk) return status;
  Status back = Exec(db, "PRAGMA temp_store = MEMORY");
  return status ? back : status;
}

size_t AttributeIndex(Dimension dimension, std::string_view attribute) {
  const auto& attributes = Spec(dimension).attributes;
  return static_cast<size_t>(std::find(attributes.begin(), attributes.end(), attribute) -
                             attributes.begin());
}

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

void BindDate(Statement& statement, int index, int32_t key) {
  if (key == 0) {
    statement.BindNull(index);
  } else {
    statement.Bind(index, static_cast<int64_t>(key));
  }
}

// Binds the key and the attributes of `member` as parameters offset+1 … offset+n+1. Every
// attribute binds as text; the age column's INTEGER affinity stores "21" as the integer 21.
void BindMember(Statement& statement, const Member& member, int offset = 0) {
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

constexpr size_t kCustomerColumns = 12;  // key, 8 attributes, seen range, current

// Binds a customer version as CustomerInsertSql() lays its parameters out, from parameter
// offset+1 on.
void BindCustomer(Statement& statement, const CustomerRow& version, int offset) {
  const int first_at = offset + static_cast<int>(kCustomerColumns) - 2;
  BindMember(statement, version.member, offset);
  // The age, always an integer's digits (see StarBuilder), binds as the integer its column's
  // affinity would make of the text, without SQLite's conversion through a double.
  static const size_t age = AttributeIndex(Dimension::kCustomer, "age");
  int64_t years = 0;
  if (auto text = version.member.attribute(age)) {
    auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), years);
    if (error == std::errc() && end == text->data() + text->size()) {
      statement.Bind(offset + static_cast<int>(age) + 2, years);
    }
  }
  BindDate(statement, first_at, version.seen.first);
  BindDate(statement, first_at + 1, version.seen.last);
  statement.Bind(first_at + 2, static_cast<int64_t>(version.current ? 1 : 0));
}

class SqliteTransport final : public LoadTransport {
 public:
  SqliteTransport(sqlite3* db, int64_t file_id, bool restore_wal, RecentRows& recent,
                  ClaimTable claims)
      : db_(db), file_id_(file_id), restore_wal_(restore_wal), recent_(recent), claims_(claims) {}
  ~SqliteTransport() override {
    if (!committed_) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      if (recent_reloaded_) recent_.Invalidate();
    }
    if (restore_wal_) sqlite3_exec(db_, "PRAGMA journal_mode = WAL", nullptr, nullptr, nullptr);
  }

  int64_t file_id() const override { return file_id_; }

  Result<LoadStart> BeginBulk() override {
    TILL_RETURN_IF_ERROR(recent_.CatchUp(db_));
    Statement any_row;
    TILL_RETURN_IF_ERROR(any_row.Prepare(db_, "SELECT EXISTS (SELECT 1 FROM fact_sales_row)"));
    auto row_stored = any_row.Step();
    TILL_RETURN_IF_ERROR(row_stored);
    rows_stored_ = sqlite3_column_int(any_row.get(), 0) != 0;
    any_row.Reset();
    LoadStart start;
    Statement last_sale;
    TILL_RETURN_IF_ERROR(
        last_sale.Prepare(db_, "SELECT coalesce(max(sale_id), 0) FROM fact_sales"));
    auto row = last_sale.Step();
    TILL_RETURN_IF_ERROR(row);
    start.next_sale_id = sqlite3_column_int64(last_sale.get(), 0) + 1;
    last_sale.Reset();  // a statement still stepping would lock the table against DROP INDEX
    first_sale_id_ = start.next_sale_id;
    facts_bulk_ = start.next_sale_id == 1;
    start.rows_stored = !facts_bulk_;
    // fact_sales_row is its own index, keyed by random hashes: into an empty one, every claim
    // goes in at commit, in key order, each leaf written once, instead of a write at each limit
    // rewriting most of the leaves the ones before wrote.
    start.claims_at_commit = facts_bulk_ && !rows_stored_ && claims_ == ClaimTable::kRows;
    if (facts_bulk_) {
      // Into an empty fact table, the file index is built once, at the end, from rows already
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
    start.customers_stored = !customers_bulk_;
    if (customers_bulk_) {
      // Both customer indexes are built once, at the end: the current-version index has
      // nothing to find in an empty dimension.
      TILL_RETURN_IF_ERROR(
          Exec(db_, "DROP INDEX dim_customer_key; DROP INDEX dim_customer_current"));
    }
    for (Dimension dimension : AllDimensions()) {
      if (dimension == Dimension::kCustomer) continue;  // see AppendCustomers
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
    TILL_RETURN_IF_ERROR(insert_reject_.Prepare(db_, kInsertRejectSql));
    return start;
  }

  Status EndBulk() override {
    if (facts_bulk_) TILL_RETURN_IF_ERROR(ExecSortingOnDisk(db_, kFactFileIndex));
    TILL_RETURN_IF_ERROR(EnsureCustomerKeyIndex());
    if (customers_bulk_) TILL_RETURN_IF_ERROR(ExecSortingOnDisk(db_, kCustomerCurrentIndex));
    // The recent hashes move in key order, so that each leaf of fact_sales_row they land in is
    // written once for all of them.
    const size_t recent = recent_.size() + pending_.size();
    const size_t merge_at = recent_.MergeAt(first_sale_id_ - 1);
    if (recent == 0 || recent < merge_at) return {};
    if (claims_ == ClaimTable::kRows) {
      TILL_RETURN_IF_ERROR(ExecSortingOnDisk(db_,
                                             "INSERT INTO fact_sales_row (row_hash, sale_id) "
                                             "SELECT row_hash, sale_id FROM fact_sales_row_recent "
                                             "ORDER BY row_hash"));
      TILL_RETURN_IF_ERROR(Exec(db_, "DELETE FROM fact_sales_row_recent"));
      recent_merged_ = true;
      return {};
    }
    return MoveFullestSlices(merge_at);
  }

  Status UpsertMembers(Dimension dimension, std::span<const Member> members) override {
    Statement& statement = upserts_[static_cast<size_t>(dimension)];
    for (const Member& member : members) {
      BindMember(statement, member);
      TILL_RETURN_IF_ERROR(statement.Run());
    }
    return {};
  }

  Result<std::optional<std::pair<int32_t, int32_t>>> DateBounds() override {
    Statement bounds;
    TILL_RETURN_IF_ERROR(bounds.Prepare(
        db_, "SELECT min(date_key), max(date_key) FROM dim_date WHERE date_key > 0"));
    auto row = bounds.Step();
    TILL_RETURN_IF_ERROR(row);
    std::optional<std::pair<int32_t, int32_t>> stored;
    if (sqlite3_column_type(bounds.get(), 0) != SQLITE_NULL) {
      stored.emplace(sqlite3_column_int(bounds.get(), 0), sqlite3_column_int(bounds.get(), 1));
    }
    return stored;
  }

  Status AppendDates(std::span<const CalendarDay> days) override {
    Statement insert;
    TILL_RETURN_IF_ERROR(insert.Prepare(
        db_,
        "INSERT OR IGNORE INTO dim_date (date_key, full_date, year, quarter, month, month_name, "
        "day, day_of_week, day_name, iso_week, is_weekend) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "?, ?)"));
    for (const CalendarDay& day : days) {
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

  // Rows go kFactsPerInsert to a statement: one VDBE program run per 32 rows instead of per
  // row saves about a fifth of the insert time.
  Status AppendFacts(std::span<const FactSale* const> facts, int64_t first_sale_id) override {
    return InsertRows(insert_facts_, insert_fact_, kFactsPerInsert, facts.size(),
                      [&](Statement& statement, size_t row, size_t slot) {
                        BindFact(statement, slot * kFactColumns,
                                 first_sale_id + static_cast<int64_t>(row), *facts[row]);
                      });
  }

  // A hash held by a sale this load inserted is this file's own. The recent hashes are looked
  // up in memory, the others in fact_sales_row when it holds any.
  Result<std::vector<RowOwner>> FindRowOwners(std::span<const RowHash> hashes) override {
    static_assert(sizeof(RowHash) == 16);
    std::vector<RowOwner> owners(hashes.size(), RowOwner::kNone);
    std::vector<uint32_t> order;
    for (uint32_t i = 0; i < hashes.size(); ++i) {
      if (pending_.contains(hashes[i])) {
        owners[i] = RowOwner::kThisFile;
      } else if (const int64_t* sale_id = recent_.Find(hashes[i])) {
        owners[i] = *sale_id >= first_sale_id_ ? RowOwner::kThisFile : RowOwner::kOtherFile;
      } else if (rows_stored_) {
        order.push_back(i);
      }
    }
    if (order.empty()) return owners;
    if (!owner_.get()) {
      TILL_RETURN_IF_ERROR(
          owner_.Prepare(db_, "SELECT sale_id FROM fact_sales_row WHERE row_hash = ?"));
    }
    // Looked up in the order of the index (the hashes' bytes), not the rows': random hashes
    // make each lookup walk a random leaf of a table that outgrows the CPU's caches, while in
    // order consecutive lookups mostly walk the same pages. Under `till stream` (100 clients
    // posting 500-row requests) the lookups went from 0.93 to 0.73 µs of CPU a row.
    std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
      return std::memcmp(&hashes[a], &hashes[b], sizeof(RowHash)) < 0;
    });
    for (uint32_t i : order) {
      owner_.BindBlob(1, &hashes[i], sizeof(RowHash));
      auto row = owner_.Step();
      int64_t owner = row && *row ? sqlite3_column_int64(owner_.get(), 0) : 0;
      owner_.Reset();
      TILL_RETURN_IF_ERROR(row);
      owners[i] = !*row                     ? RowOwner::kNone
                  : owner >= first_sale_id_ ? RowOwner::kThisFile
                                            : RowOwner::kOtherFile;
    }
    return owners;
  }

  // A batch's into fact_sales_row_recent, in sale-id order: appended to the table's end. A
  // file's into fact_sales_row in the order of the hashes' bytes (how SQLite compares blobs), so
  // that the table grows by appending where it can.
  Status AppendRowClaims(std::span<RowClaim> claims) override {
    if (claims_ == ClaimTable::kRecent) return AppendRecentClaims(claims);
    rows_stored_ = true;
    std::sort(claims.begin(), claims.end(), [](const RowClaim& a, const RowClaim& b) {
      return std::memcmp(&a.hash, &b.hash, sizeof(RowHash)) < 0;
    });
    if (!claim_rows_.get()) {
      constexpr std::string_view kInsert = "INSERT INTO fact_sales_row (row_hash, sale_id) VALUES ";
      TILL_RETURN_IF_ERROR(
          claim_rows_.Prepare(db_, ManyRowsSql(kInsert, "(?, ?)", kClaimsPerInsert)));
      TILL_RETURN_IF_ERROR(claim_row_.Prepare(db_, ManyRowsSql(kInsert, "(?, ?)", 1)));
    }
    return InsertRows(claim_rows_, claim_row_, kClaimsPerInsert, claims.size(),
                      [&](Statement& statement, size_t row, size_t slot) {
                        const RowClaim& claim = claims[row];
                        statement.BindBlob(static_cast<int>(2 * slot + 1), &claim.hash,
                                           sizeof claim.hash);
                        statement.Bind(static_cast<int>(2 * slot + 2), claim.sale_id);
                      });
  }

  // Lookups are in-process here, and cheap: no filter is kept.
  Status ReadStoredRows(StoredRowFilter& filter) override {
    filter.Clear();
    return {};
  }

  Status AppendRowHolders(std::span<const RowHolder> holders) override {
    if (!holder_.get()) {
      TILL_RETURN_IF_ERROR(holder_.Prepare(db_,
                                           "INSERT OR IGNORE INTO fact_sales_dup (row_hash, "
                                           "file_id, source_line) VALUES (?, ?, ?)"));
    }
    for (const RowHolder& holder : holders) {
      holder_.BindBlob(1, &holder.hash, sizeof holder.hash);
      holder_.Bind(2, file_id_);
      holder_.Bind(3, holder.source_line);
      TILL_RETURN_IF_ERROR(holder_.Run());
    }
    return {};
  }

  Status AppendRejects(std::span<const RejectRecord> rejects) override {
    for (const RejectRecord& reject : rejects) {
      TILL_RETURN_IF_ERROR(InsertReject(insert_reject_, file_id_, reject));
    }
    return {};
  }

  // Many to a statement. The versions' text lies in the order they came, not in this one: it
  // is fetched ahead of the binding.
  Status AppendCustomers(std::span<const CustomerRow> versions) override {
    if (!insert_customers_.get()) {
      std::string sql = CustomerInsertSql();
      size_t values = sql.find("VALUES ") + 7;
      TILL_RETURN_IF_ERROR(insert_customers_.Prepare(
          db_, ManyRowsSql(std::string_view(sql).substr(0, values),
                           std::string_view(sql).substr(values), kCustomersPerInsert)));
      TILL_RETURN_IF_ERROR(insert_customer_.Prepare(db_, sql));
    }
    constexpr size_t kAhead = 16;
    return InsertRows(insert_customers_, insert_customer_, kCustomersPerInsert, versions.size(),
                      [&](Statement& statement, size_t row, size_t slot) {
                        if (row + kAhead < versions.size()) {
                          __builtin_prefetch(versions[row + kAhead].member.text);
                        }
                        BindCustomer(statement, versions[row],
                                     static_cast<int>(slot * kCustomerColumns));
                      });
  }

  Result<std::vector<std::optional<SeenRange>>> FindCustomers(
      std::span<const int64_t> keys) override {
    TILL_RETURN_IF_ERROR(EnsureCustomerKeyIndex());
    if (!find_customer_.get()) {
      TILL_RETURN_IF_ERROR(find_customer_.Prepare(
          db_,
          "SELECT coalesce(first_seen, 0), coalesce(last_seen, 0) FROM dim_customer "
          "WHERE customer_key = ?"));
    }
    std::vector<std::optional<SeenRange>> found;
    found.reserve(keys.size());
    for (int64_t key : keys) {
      find_customer_.Bind(1, key);
      auto row = find_customer_.Step();
      auto& seen = found.emplace_back();
      if (row && *row) {
        seen = SeenRange{sqlite3_column_int(find_customer_.get(), 0),
                         sqlite3_column_int(find_customer_.get(), 1)};
      }
      find_customer_.Reset();
      TILL_RETURN_IF_ERROR(row);
    }
    return found;
  }

  Status SetCustomersSeen(std::span<const CustomerVersion> versions) override {
    TILL_RETURN_IF_ERROR(EnsureCustomerKeyIndex());
    Statement update;
    TILL_RETURN_IF_ERROR(update.Prepare(
        db_, "UPDATE dim_customer SET first_seen = ?, last_seen = ? WHERE customer_key = ?"));
    for (const CustomerVersion& version : versions) {
      BindDate(update, 1, version.seen.first);
      BindDate(update, 2, version.seen.last);
      update.Bind(3, version.key);
      TILL_RETURN_IF_ERROR(update.Run());
    }
    return {};
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
      auto& version = versions.emplace_back();
      if (row && *row) {
        sqlite3_stmt* s = select.get();
        version = CustomerVersion{sqlite3_column_int64(s, 0),
                                  SeenRange{sqlite3_column_int(s, 1), sqlite3_column_int(s, 2)}};
      }
      select.Reset();
      TILL_RETURN_IF_ERROR(row);
    }
    return versions;
  }

  Status SetCustomersCurrent(std::span<const int64_t> customer_keys, bool current) override {
    TILL_RETURN_IF_ERROR(EnsureCustomerKeyIndex());
    Statement update;
    TILL_RETURN_IF_ERROR(
        update.Prepare(db_, "UPDATE dim_customer SET is_current = ? WHERE customer_key = ?"));
    for (int64_t key : customer_keys) {
      update.Bind(1, static_cast<int64_t>(current ? 1 : 0));
      update.Bind(2, key);
      TILL_RETURN_IF_ERROR(update.Run());
    }
    return {};
  }

  Status AppendSteps(std::span<const StepTiming> steps) override {
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

  // The unload may free recent hashes: the copy is read again as this transaction sees it.
  Status UnloadFile(int64_t file_id) override {
    recent_reloaded_ = true;
    TILL_RETURN_IF_ERROR(UnloadSqliteFile(db_, file_id));
    return recent_.Reload(db_);
  }

  Status Write(const BookkeepingWrite& write) override { return RunBookkeeping(db_, write); }

  Status Commit() override {
    if (Status done = Exec(db_, "COMMIT"); !done) {
      recent_.Invalidate();  // read again at the next load, whatever the commit became
      return done;
    }
    committed_ = true;
    if (recent_merged_) {
      recent_.Clear();
      return {};
    }
    recent_.EraseSlices(moved_slices_);
    for (const auto& [hash, sale_id] : pending_) {
      if (!(moved_slices_ >> RecentRows::SliceOf(hash) & 1)) recent_.Add(hash, sale_id);
    }
    return {};
  }

 private:
  // Moves slices of fact_sales_row_recent, the fullest first, into fact_sales_row until fewer
  // than `merge_at` hashes are left in it. The copy's and this load's hashes are counted apart:
  // after an unload the copy holds this transaction's state, which may already count some of
  // this load's, so the sizes are an estimate, which is all the choice needs.
  Status MoveFullestSlices(size_t merge_at) {
    std::array<size_t, RecentRows::kSlices> sizes = recent_.slice_sizes();
    for (const auto& [hash, sale_id] : pending_) ++sizes[RecentRows::SliceOf(hash)];
    size_t left = 0;
    for (size_t size : sizes) left += size;
    if (!move_slice_.get()) {
      TILL_RETURN_IF_ERROR(move_slice_.Prepare(db_,
                                               "INSERT INTO fact_sales_row (row_hash, sale_id) "
                                               "SELECT row_hash, sale_id "
                                               "FROM fact_sales_row_recent WHERE slice = ? "
                                               "ORDER BY row_hash"));
      TILL_RETURN_IF_ERROR(
          drop_slice_.Prepare(db_, "DELETE FROM fact_sales_row_recent WHERE slice = ?"));
    }
    while (left >= merge_at && left > 0) {
      const int slice =
          static_cast<int>(std::max_element(sizes.begin(), sizes.end()) - sizes.begin());
      for (Statement* statement : {&move_slice_, &drop_slice_}) {
        statement->Bind(1, static_cast<int64_t>(slice));
        TILL_RETURN_IF_ERROR(statement->Run());
      }
      moved_slices_ |= 1u << slice;
      rows_stored_ = true;
      left -= sizes[slice];
      sizes[slice] = 0;
    }
    return {};
  }

  Status AppendRecentClaims(std::span<RowClaim> claims) {
    std::sort(claims.begin(), claims.end(), [](const RowClaim& a, const RowClaim& b) {
      const int slice_a = RecentRows::SliceOf(a.hash);
      const int slice_b = RecentRows::SliceOf(b.hash);
      return slice_a != slice_b ? slice_a < slice_b : a.sale_id < b.sale_id;
    });
    if (!claim_rows_.get()) {
      constexpr std::string_view kInsert =
          "INSERT INTO fact_sales_row_recent (slice, sale_id, row_hash) VALUES ";
      TILL_RETURN_IF_ERROR(
          claim_rows_.Prepare(db_, ManyRowsSql(kInsert, "(?, ?, ?)", kClaimsPerInsert)));
      TILL_RETURN_IF_ERROR(claim_row_.Prepare(db_, ManyRowsSql(kInsert, "(?, ?, ?)", 1)));
    }
    pending_.reserve(pending_.size() + claims.size());
    for (const RowClaim& claim : claims) pending_.emplace(claim.hash, claim.sale_id);
    return InsertRows(claim_rows_, claim_row_, kClaimsPerInsert, claims.size(),
                      [&](Statement& statement, size_t row, size_t slot) {
                        const RowClaim& claim = claims[row];
                        const int at = static_cast<int>(3 * slot);
                        statement.Bind(at + 1,
                                       static_cast<int64_t>(RecentRows::SliceOf(claim.hash)));
                        statement.Bind(at + 2, claim.sale_id);
                        statement.BindBlob(at + 3, &claim.hash, sizeof claim.hash);
                      });
  }

  // A bulk load drops the customer-key index and appends versions without it; anything that
  // looks versions up by key first rebuilds it, in one sort.
  Status EnsureCustomerKeyIndex() {
    if (!customers_bulk_ || customer_index_built_) return {};
    TILL_RETURN_IF_ERROR(ExecSortingOnDisk(db_, kCustomerKeyIndex));
    customer_index_built_ = true;
    return {};
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

  sqlite3* db_;
  const int64_t file_id_;
  const bool restore_wal_;
  RecentRows& recent_;
  const ClaimTable claims_;
  bool committed_ = false;
  bool rows_stored_ = false;      // fact_sales_row may hold a hash
  bool recent_reloaded_ = false;  // recent_ holds this transaction's state (see UnloadFile)
  bool recent_merged_ = false;    // fact_sales_row_recent moved into fact_sales_row
  uint32_t moved_slices_ = 0;     // slices of it moved there, a bit each
  // This load's claims in fact_sales_row_recent: recent_ gets them once they are committed.
  absl::flat_hash_map<RowHash, int64_t, RowHashHasher> pending_;
  int64_t first_sale_id_ = 1;    // the first sale id of this load
  bool facts_bulk_ = false;      // fact_sales was empty when the load began
  bool customers_bulk_ = false;  // dim_customer was: its indexes are dropped until the end
  bool customer_index_built_ = false;
  std::array<Statement, kDimensionCount> upserts_;
  static constexpr size_t kFactColumns = 20;
  static constexpr size_t kFactsPerInsert = 32;
  Statement insert_fact_;   // one row
  Statement insert_facts_;  // kFactsPerInsert rows
  Statement insert_reject_;
  Statement owner_;
  Statement holder_;
  static constexpr size_t kClaimsPerInsert = 64;
  Statement claim_row_;
  Statement claim_rows_;  // kClaimsPerInsert rows
  Statement move_slice_;
  Statement drop_slice_;
  static constexpr size_t kCustomersPerInsert = 32;
  Statement insert_customer_;
  Statement insert_customers_;  // kCustomersPerInsert rows
  Statement find_customer_;
};

}  // namespace

Status RecentRows::CatchUp(sqlite3* db) {
  Statement version;
  TILL_RETURN_IF_ERROR(version.Prepare(db, "PRAGMA data_version"));
  auto row = version.Step();
  TILL_RETURN_IF_ERROR(row);
  const int64_t now = sqlite3_column_int64(version.get(), 0);
  if (valid_ && now == data_version_) return {};
  TILL_RETURN_IF_ERROR(Reload(db));
  data_version_ = now;
  valid_ = true;
  return {};
}

Status RecentRows::Reload(sqlite3* db) {
  Clear();
  Statement select;
  TILL_RETURN_IF_ERROR(select.Prepare(db, "SELECT sale_id, row_hash FROM fact_sales_row_recent"));
  for (;;) {
    auto row = select.Step();
    TILL_RETURN_IF_ERROR(row);
    if (!*row) break;
    RowHash hash;
    if (sqlite3_column_bytes(select.get(), 1) != static_cast<int>(sizeof hash)) {
      return MakeError(ErrorCode::kWarehouseError,
                       "fact_sales_row_recent holds a row hash that is not 16 bytes");
    }
    std::memcpy(&hash, sqlite3_column_blob(select.get(), 1), sizeof hash);
    Add(hash, sqlite3_column_int64(select.get(), 0));
  }
  return {};
}

void RecentRows::Add(const RowHash& hash, int64_t sale_id) {
  if (sale_ids_.emplace(hash, sale_id).second) ++slice_sizes_[SliceOf(hash)];
}

void RecentRows::Clear() {
  sale_ids_.clear();
  slice_sizes_.fill(0);
}

void RecentRows::EraseSlices(uint32_t slices) {
  if (slices == 0) return;
  absl::erase_if(sale_ids_, [&](const auto& entry) { return slices >> SliceOf(entry.first) & 1; });
  for (int slice = 0; slice < kSlices; ++slice) {
    if (slices >> slice & 1) slice_sizes_[slice] = 0;
  }
}

size_t RecentRows::MergeAt(int64_t facts) const {
  return std::clamp(static_cast<size_t>(std::max<int64_t>(facts, 0) / 4), limit_, 4 * limit_);
}

std::unique_ptr<LoadTransport> MakeSqliteTransport(sqlite3* db, int64_t file_id, bool restore_wal,
                                                   RecentRows& recent, ClaimTable claims) {
  return std::make_unique<SqliteTransport>(db, file_id, restore_wal, recent, claims);
}

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
INSERT OR IGNORE INTO till_move
  SELECT r.row_hash, r.sale_id, d.file_id, d.source_line
  FROM fact_sales f
  JOIN fact_sales_row_recent r ON r.sale_id = f.sale_id
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
DELETE FROM fact_sales_row_recent
WHERE sale_id IN (SELECT sale_id FROM fact_sales WHERE file_id = {0});
DELETE FROM fact_sales WHERE file_id = {0};
DELETE FROM fact_sales_dup WHERE file_id = {0};
UPDATE etl_file SET unloaded_at = '{1}' WHERE file_id = {0};
DELETE FROM till_move;
)sql",
                                      file_id, FormatTimestamp(Clock::Real().Now()));
  return Exec(db, sql);
}

Status RunBookkeeping(sqlite3* db, const BookkeepingWrite& write) {
  Statement statement;
  TILL_RETURN_IF_ERROR(statement.Prepare(db, write.sql));
  TILL_RETURN_IF_ERROR(statement.BindNumbered(write.values));
  return statement.Run();
}

Status InsertReject(Statement& s, int64_t file_id, const RejectRecord& reject) {
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

}  // namespace till
