#include "warehouse/sqlite/sqlite_warehouse.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "base/clock.h"
#include "base/date.h"
#include "base/process.h"
#include "warehouse/load/star_load.h"
#include "warehouse/schema.h"
#include "warehouse/sqlite/sqlite_load.h"
#include "warehouse/sqlite/sqlite_statement.h"

#ifndef TILL_VERSION
#define TILL_VERSION "dev"
#endif

namespace till {
namespace {

// A column's value as text. SQLite writes a REAL with 15 significant digits, which does not
// always give the stored double back (0.1 + 0.2 reads "0.3"); such a value is written with as
// many digits as it takes (in `scratch`), as PostgreSQL writes it, so that what readers sum is
// exactly what is stored.
std::string_view ColumnText(sqlite3_stmt* s, int column, std::string& scratch) {
  // The type and the double are asked for before the text, which converts the value.
  const bool real = sqlite3_column_type(s, column) == SQLITE_FLOAT;
  const double stored = real ? sqlite3_column_double(s, column) : 0;
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(s, column));
  std::string_view view(text, static_cast<size_t>(sqlite3_column_bytes(s, column)));
  if (!real) return view;
  double read = 0;
  auto [end, error] = std::from_chars(view.data(), view.data() + view.size(), read);
  if (error == std::errc() && end == view.data() + view.size() && read == stored) return view;
  scratch = fmt::format("{}", stored);
  return scratch;
}

// The current row of a statement, read through SQLite's own conversions, which agree with
// ColumnText's text read back as a number.
class ColumnRow final : public Warehouse::TypedRow {
 public:
  explicit ColumnRow(sqlite3_stmt* s) : s_(s) {}
  bool IsNull(int column) const override { return sqlite3_column_type(s_, column) == SQLITE_NULL; }
  int64_t Int(int column) const override { return sqlite3_column_int64(s_, column); }
  double Real(int column) const override { return sqlite3_column_double(s_, column); }
  std::string_view Text(int column) const override {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(s_, column));
    if (!text) return {};
    return {text, static_cast<size_t>(sqlite3_column_bytes(s_, column))};
  }

 private:
  sqlite3_stmt* s_;
};

class SqliteWarehouse final : public Warehouse {
 public:
  SqliteWarehouse(sqlite3* db, std::string path, const LoadOptions& load_options,
                  size_t recent_row_limit)
      : db_(db), path_(std::move(path)), load_options_(load_options), recent_(recent_row_limit) {}
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

  int NewestSchemaVersion() const override { return SqliteMigrations().back().version; }

  Result<std::optional<StandbyStatus>> Standby() override { return std::optional<StandbyStatus>(); }

  Result<std::string> LoadPrivilegeProblem() override {
    // A load writes the file, and its journal or WAL beside it in the folder.
    const std::filesystem::path file(path_);
    const std::filesystem::path folder =
        file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
    for (const std::filesystem::path& needed : {file, folder}) {
      if (::access(needed.c_str(), W_OK) != 0) {
        return fmt::format("this user cannot write {}: {}", needed.string(), std::strerror(errno));
      }
    }
    return std::string();
  }

  Result<int64_t> StartRun(std::string_view trigger) override {
    TILL_RETURN_IF_ERROR(MarkInterruptedRuns());
    Statement insert;
    TILL_RETURN_IF_ERROR(
        insert.Prepare(db_,
                       "INSERT INTO etl_run (trigger, started_at, status, till_version, owner) "
                       "VALUES (?, ?, 'running', ?, ?)"));
    std::string now = FormatTimestamp(Clock::Real().Now());
    std::string owner = ThisProcess();
    insert.Bind(1, trigger);
    insert.Bind(2, std::string_view(now));
    insert.Bind(3, std::string_view(TILL_VERSION));
    insert.Bind(4, std::string_view(owner));
    TILL_RETURN_IF_ERROR(insert.Run());
    return static_cast<int64_t>(sqlite3_last_insert_rowid(db_));
  }

  Result<int64_t> MarkInterruptedRuns() override {
    std::vector<std::pair<int64_t, std::string>> gone;
    {
      Statement select;
      TILL_RETURN_IF_ERROR(select.Prepare(
          db_, "SELECT run_id, owner FROM etl_run WHERE status = 'running' AND owner IS NOT NULL"));
      for (;;) {
        auto row = select.Step();
        TILL_RETURN_IF_ERROR(row);
        if (!*row) break;
        const auto* owner = reinterpret_cast<const char*>(sqlite3_column_text(select.get(), 1));
        if (StateOfProcess(owner) == ProcessState::kGone) {
          gone.emplace_back(sqlite3_column_int64(select.get(), 0), owner);
        }
      }
    }
    int64_t marked = 0;
    for (const auto& [run_id, owner] : gone) {
      Statement update;
      TILL_RETURN_IF_ERROR(
          update.Prepare(db_,
                         "UPDATE etl_run SET status = 'failed', interrupted_at = ?, error = ? "
                         "WHERE run_id = ? AND status = 'running'"));
      std::string now = FormatTimestamp(Clock::Real().Now());
      std::string error =
          fmt::format("interrupted: its process ({}) was gone when this was noticed", owner);
      update.Bind(1, std::string_view(now));
      update.Bind(2, std::string_view(error));
      update.Bind(3, run_id);
      TILL_RETURN_IF_ERROR(update.Run());
      marked += sqlite3_changes(db_);
    }
    return marked;
  }

  Status FinishRun(int64_t run_id, bool succeeded, std::string_view error) override {
    Statement update;
    TILL_RETURN_IF_ERROR(update.Prepare(
        db_,
        "UPDATE etl_run SET finished_at = ?, status = ?, error = ?, interrupted_at = NULL "
        "WHERE run_id = ?"));
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

  // SQLite keeps every fact in one table: a batch loads as a file does, but for where its row
  // hashes go (see RecentRows).
  Result<std::unique_ptr<WarehouseLoad>> BeginBatchLoad(int64_t run_id,
                                                        const FileOutcome& outcome) override {
    return Begin(run_id, outcome, ClaimTable::kRecent);
  }

  Result<std::unique_ptr<WarehouseLoad>> BeginLoad(int64_t run_id,
                                                   const FileOutcome& outcome) override {
    return Begin(run_id, outcome, ClaimTable::kRows);
  }

  Result<std::unique_ptr<WarehouseLoad>> Begin(int64_t run_id, const FileOutcome& outcome,
                                               ClaimTable claims) {
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
    // A load sorts its index builds on disk (ExecSortingOnDisk), a switch SQLite allows inside
    // the transaction only while the connection's temporary database is closed, and earlier
    // statements open it: a migration's ALTER TABLE, an unload's work table. Switching outside
    // a transaction closes it (and drops that table, which each unload makes anew). Without
    // this, a first load into a new warehouse sorted each index in memory: 1.2 GB more at 30
    // million rows.
    (void)Exec(db_, "PRAGMA temp_store = FILE; PRAGMA temp_store = MEMORY");
    if (Status begun = Exec(db_, "BEGIN IMMEDIATE"); !begun) {
      if (restore_wal) (void)Exec(db_, "PRAGMA journal_mode = WAL");
      return Unexpected<Error>(begun.error());
    }
    auto give_up = [&](Error error) -> Result<std::unique_ptr<WarehouseLoad>> {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      if (restore_wal) (void)Exec(db_, "PRAGMA journal_mode = WAL");
      return Unexpected<Error>(std::move(error));
    };
    // Another loader may have brought the same content while this one waited for the write
    // lock: the caller then records this file as skipped, as on PostgreSQL.
    auto loaded = FindLoadedContent(outcome.sha256);
    if (!loaded) return give_up(loaded.error());
    if (*loaded) {
      return give_up(Error(ErrorCode::kAlreadyLoaded,
                           fmt::format("content already loaded as file {}", **loaded)));
    }
    auto file_id = InsertFile(run_id, outcome, "loaded");
    if (!file_id) return give_up(file_id.error());
    // The transport's destructor rolls back on failure.
    return StarLoad::Start(MakeSqliteTransport(db_, *file_id, restore_wal, recent_, claims),
                           load_options_);
  }

  Result<int64_t> RecordFile(int64_t run_id, const FileOutcome& outcome,
                             std::span<const RejectRecord> rejects) override {
    TILL_RETURN_IF_ERROR(Exec(db_, "BEGIN IMMEDIATE"));
    auto file_id = InsertFile(run_id, outcome, std::string(FileStatusName(outcome.status)));
    if (file_id) {
      Statement insert;
      Status status = insert.Prepare(db_, kInsertRejectSql);
      for (size_t i = 0; status && i < rejects.size(); ++i) {
        status = InsertReject(insert, *file_id, rejects[i]);
      }
      if (status) status = Exec(db_, "COMMIT");
      if (status) return *file_id;
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      return Unexpected<Error>(status.error());
    }
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return Unexpected<Error>(file_id.error());
  }

  Status ReplaceCustomerSegments(std::span<const CustomerSegmentRow> rows) override {
    TILL_RETURN_IF_ERROR(Exec(db_, "BEGIN IMMEDIATE"));
    Status status = Exec(db_, "DELETE FROM customer_segment");
    Statement insert;
    if (status) {
      status = insert.Prepare(
          db_,
          "INSERT INTO customer_segment (customer_id, as_of_date, recency_days, frequency, "
          "monetary, r_score, f_score, m_score, segment, cluster, expected_purchases_90d, "
          "p_alive, expected_order_value, clv_12m, run_id) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)");
    }
    for (size_t i = 0; status && i < rows.size(); ++i) {
      const CustomerSegmentRow& row = rows[i];
      const std::string as_of = FormatDate(DateFromKey(row.as_of_key));
      insert.Bind(1, std::string_view(row.customer_id));
      insert.Bind(2, std::string_view(as_of));
      insert.Bind(3, row.recency_days);
      insert.Bind(4, row.frequency);
      insert.Bind(5, row.monetary);
      insert.Bind(6, static_cast<int64_t>(row.r_score));
      insert.Bind(7, static_cast<int64_t>(row.f_score));
      insert.Bind(8, static_cast<int64_t>(row.m_score));
      insert.Bind(9, std::string_view(row.segment));
      insert.Bind(10, static_cast<int64_t>(row.cluster));
      insert.Bind(11, row.expected_purchases_90d);
      insert.Bind(12, row.p_alive);
      insert.Bind(13, row.expected_order_value);
      insert.Bind(14, row.clv_12m);
      if (row.run_id) {
        insert.Bind(15, *row.run_id);
      } else {
        insert.BindNull(15);
      }
      status = insert.Run();
    }
    if (status) {
      status = Exec(db_,
                    "UPDATE customer_segment SET customer_key = (SELECT c.customer_key FROM "
                    "dim_customer c WHERE c.customer_id = customer_segment.customer_id AND "
                    "c.is_current = 1)");
    }
    if (status) status = Exec(db_, "COMMIT");
    if (!status) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return status;
  }

  Result<QueryResult> Query(std::string_view sql, std::span<const std::string> params) override {
    Statement statement;
    TILL_RETURN_IF_ERROR(statement.Prepare(db_, sql));
    TILL_RETURN_IF_ERROR(statement.BindNumbered(params));
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
          std::string scratch;
          out.emplace_back(std::string(ColumnText(s, c, scratch)));
        }
      }
    }
    return result;
  }

  Status QueryRows(std::string_view sql, std::span<const std::string> params,
                   const RowVisitor& visit) override {
    Statement statement;
    TILL_RETURN_IF_ERROR(statement.Prepare(db_, sql));
    TILL_RETURN_IF_ERROR(statement.BindNumbered(params));
    sqlite3_stmt* s = statement.get();
    std::vector<std::optional<std::string_view>> values(
        static_cast<size_t>(sqlite3_column_count(s)));
    std::vector<std::string> scratch(values.size());
    for (;;) {
      auto row = statement.Step();
      TILL_RETURN_IF_ERROR(row);
      if (!*row) return {};
      for (size_t c = 0; c < values.size(); ++c) {
        int column = static_cast<int>(c);
        if (sqlite3_column_type(s, column) == SQLITE_NULL) {
          values[c].reset();
        } else {
          values[c].emplace(ColumnText(s, column, scratch[c]));
        }
      }
      TILL_RETURN_IF_ERROR(visit(values));
    }
  }

  // These scans read the file mapped into memory instead of copying every page into the page
  // cache (about a third less CPU on a scan of the fact table). Only while they run: a mapped
  // file turns an I/O error into a signal, which the loads and small reads are better without.
  // No statement is open when the mapping changes, so no page of the old one is still held.
  Status QueryTypedRows(std::string_view sql, std::span<const std::string> params,
                        const TypedRowVisitor& visit) override {
    TILL_RETURN_IF_ERROR(Exec(db_, "PRAGMA mmap_size = 68719476736"));  // capped by SQLite
    Status status = StepTypedRows(sql, params, visit);
    Status unmapped = Exec(db_, "PRAGMA mmap_size = 0");
    return status ? unmapped : status;
  }

  Status StepTypedRows(std::string_view sql, std::span<const std::string> params,
                       const TypedRowVisitor& visit) {
    Statement statement;
    TILL_RETURN_IF_ERROR(statement.Prepare(db_, sql));
    TILL_RETURN_IF_ERROR(statement.BindNumbered(params));
    const ColumnRow row(statement.get());
    for (;;) {
      auto stepped = statement.Step();
      TILL_RETURN_IF_ERROR(stepped);
      if (!*stepped) return {};
      TILL_RETURN_IF_ERROR(visit(row));
    }
  }

  // A WAL reader sees the database as it was when its transaction's first read began.
  Status ReadConsistently(const std::function<Status()>& reads) override {
    TILL_RETURN_IF_ERROR(Exec(db_, "BEGIN"));
    Status status = reads();
    sqlite3_exec(db_, status ? "COMMIT" : "ROLLBACK", nullptr, nullptr, nullptr);
    return status;
  }

  Status WriteAtomically(const std::function<Status()>& writes) override {
    TILL_RETURN_IF_ERROR(Exec(db_, "BEGIN IMMEDIATE"));
    Status status = writes();
    if (status) status = Exec(db_, "COMMIT");
    if (!status) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return status;
  }

  std::string Describe() const override { return fmt::format("sqlite:{}", path_); }

  // PRAGMA data_version changes when another connection commits to the file (this one never
  // counts, and `till serve` only reads); reading it costs a few microseconds.
  Result<bool> WaitForCommit(std::chrono::milliseconds timeout) override {
    constexpr auto kLook = std::chrono::milliseconds(100);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      auto version = Query("PRAGMA data_version", {});
      TILL_RETURN_IF_ERROR(version);
      if (version->rows.empty() || !version->rows[0][0]) {
        return MakeError(ErrorCode::kWarehouseError, "PRAGMA data_version gave no value");
      }
      std::string now = *version->rows[0][0];
      if (now != data_version_) {
        data_version_ = std::move(now);
        return true;
      }
      auto left = deadline - std::chrono::steady_clock::now();
      if (left <= std::chrono::steady_clock::duration::zero()) return false;
      std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(left, kLook));
    }
  }

  Result<std::vector<LandingEntry>> LandingEntries(std::string_view zone) override {
    auto rows = Query(
        "SELECT key, version, size_bytes, sha256, file_id, status, error FROM landing_key "
        "WHERE zone = $1 ORDER BY key",
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
    return ChangeLedger(unload,
                        [&] { return RunBookkeeping(db_, ForgetLandingKeyWrite(zone, key)); });
  }

  Status RecordLandingEntry(const LandingEntry& entry, std::optional<int64_t> unload) override {
    return ChangeLedger(unload, [&] {
      return RunBookkeeping(db_, LandingEntryWrite(entry, FormatTimestamp(Clock::Real().Now())));
    });
  }

  // Runs `change` to the ledger in a transaction of its own, unloading file `unload` first when
  // given.
  template <typename Change>
  Status ChangeLedger(std::optional<int64_t> unload, Change change) {
    TILL_RETURN_IF_ERROR(Exec(db_, "BEGIN IMMEDIATE"));
    if (unload) recent_.Invalidate();
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
  const LoadOptions load_options_;
  RecentRows recent_;  // of this connection's loads
  int watch_lock_fd_ = -1;
  std::string data_version_;  // as WaitForCommit last read it; empty before
};

}  // namespace

Result<std::unique_ptr<Warehouse>> OpenSqliteWarehouse(const std::string& path, Access access,
                                                       const WarehouseOptions& options) {
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
  auto warehouse = std::make_unique<SqliteWarehouse>(
      db, path, LoadOptions{.row_check_limit = options.row_check_limit}, options.recent_row_limit);
  Status configured = read_only ? warehouse->ConfigureReader() : warehouse->Configure();
  if (!configured) {
    return MakeError(ErrorCode::kWarehouseError,
                     fmt::format("{} is not a usable SQLite warehouse: {}", path,
                                 sqlite3_errmsg(warehouse->handle())));
  }
  return std::unique_ptr<Warehouse>(std::move(warehouse));
}

}  // namespace till
