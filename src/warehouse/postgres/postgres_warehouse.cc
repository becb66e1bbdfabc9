#include "warehouse/postgres/postgres_warehouse.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <libpq-fe.h>
#include <openssl/rand.h>
#include <poll.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <regex>
#include <thread>

#include "base/clock.h"
#include "base/date.h"
#include "base/text.h"
#include "warehouse/load/star_load.h"
#include "warehouse/postgres/postgres_connection.h"
#include "warehouse/postgres/postgres_load.h"
#include "warehouse/schema.h"

namespace till {
namespace {

constexpr std::string_view kStandbyWords = "a read-only replica (a hot standby)";

// A password for a role nobody gave one: 24 random bytes, hex.
Result<std::string> RandomPassword() {
  unsigned char bytes[24];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    return MakeError(ErrorCode::kInternal, "no random bytes for a password");
  }
  std::string out;
  for (unsigned char b : bytes) out += fmt::format("{:02x}", b);
  return out;
}

class PostgresWarehouse final : public Warehouse {
 public:
  PostgresWarehouse(std::string conninfo, bool read_only, const LoadOptions& load_options,
                    const WarehouseOptions& options)
      : connection_(conninfo, read_only),
        load_options_(load_options),
        batch_fact_bytes_(options.batch_fact_bytes),
        file_partition_bytes_(options.file_partition_bytes),
        shared_table_bytes_(options.shared_table_bytes) {
    if (options.stored_row_filter_keys > 0) {
      stored_rows_ = std::make_unique<StoredRowFilter>(options.stored_row_filter_keys);
    }
    if (!read_only && options.stage_file_facts) {
      staging_ = std::make_unique<Connection>(std::move(conninfo), false);
    }
  }

  Status Open() { return connection_.Connect(); }

  Status Migrate() override {
    TILL_RETURN_IF_ERROR(connection_.EnsureConnected());
    auto standby = Standby();
    TILL_RETURN_IF_ERROR(standby);
    if (*standby) {
      return MakeError(ErrorCode::kWarehouseError,
                       fmt::format("{} is {}: `till init` and every load go to its primary",
                                   Describe(), kStandbyWords));
    }
    TILL_RETURN_IF_ERROR(connection_.Exec("BEGIN", "starting the migration"));
    Status status = ApplyMigrations();
    if (status) status = connection_.Exec("COMMIT", "committing the migration");
    if (!status) connection_.Rollback();
    return status;
  }

  Result<int> SchemaVersion() override {
    TILL_RETURN_IF_ERROR(connection_.EnsureConnected());
    auto exists = connection_.Query("SELECT to_regclass('till_schema') IS NOT NULL", {},
                                    "reading the schema version");
    TILL_RETURN_IF_ERROR(exists);
    if (*Value(*exists, 0, 0) == "f") return 0;
    auto version = connection_.Query("SELECT coalesce(max(version), 0) FROM till_schema", {},
                                     "reading the schema version");
    TILL_RETURN_IF_ERROR(version);
    return static_cast<int>(IntValue(*version, 0, 0));
  }

  int NewestSchemaVersion() const override { return PostgresMigrations().back().version; }

  Result<std::optional<StandbyStatus>> Standby() override {
    TILL_RETURN_IF_ERROR(connection_.EnsureConnected());
    // An idle primary sends no commits, so the age of the last one replayed is a lag only while
    // the replica has received more than it replayed (a receiver that has received nothing since
    // the replica started has nothing to replay either). pg_stat_wal_receiver shows every role a
    // row while the receiver runs, and its status only to pg_read_all_stats: a receiver still
    // trying to reach its primary is told apart only there.
    auto row = connection_.Query(
        "SELECT in_recovery, receiving, CASE WHEN coalesce(received <= replayed, receiving) THEN 0 "
        "ELSE extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp()) END "
        "FROM (SELECT pg_is_in_recovery() AS in_recovery, pg_last_wal_receive_lsn() AS received, "
        "pg_last_wal_replay_lsn() AS replayed, EXISTS (SELECT 1 FROM pg_stat_wal_receiver "
        "WHERE status IS NULL OR status = 'streaming') AS receiving) AS state",
        {}, "reading whether the warehouse is a replica");
    TILL_RETURN_IF_ERROR(row);
    if (*Value(*row, 0, 0) != "t") return std::optional<StandbyStatus>();
    StandbyStatus status;
    status.receiving = *Value(*row, 0, 1) == "t";
    if (auto lag = Value(*row, 0, 2)) status.lag_seconds = std::max(0.0, std::stod(*lag));
    return std::optional<StandbyStatus>(status);
  }

  Result<std::string> LoadPrivilegeProblem() override {
    TILL_RETURN_IF_ERROR(connection_.EnsureConnected());
    auto standby = Standby();
    TILL_RETURN_IF_ERROR(standby);
    if (*standby) return fmt::format("the warehouse is {}, which takes no loads", kStandbyWords);
    auto row = connection_.Query(
        "SELECT current_user, c.oid IS NOT NULL, "
        "coalesce(pg_has_role(current_user, c.relowner, 'USAGE'), false), "
        "coalesce(pg_get_userbyid(c.relowner), ''), "
        "has_schema_privilege(current_user, 'public', 'CREATE') "
        "FROM (SELECT 1) AS one LEFT JOIN pg_class c ON c.oid = to_regclass('fact_sales')",
        {}, "reading the role's privileges");
    TILL_RETURN_IF_ERROR(row);
    std::string role = *Value(*row, 0, 0);
    bool schema_exists = *Value(*row, 0, 1) == "t";
    if (schema_exists && *Value(*row, 0, 2) != "t") {
      return fmt::format("role {} does not own the warehouse's tables (their owner is {})", role,
                         *Value(*row, 0, 3));
    }
    if (!schema_exists && *Value(*row, 0, 4) != "t") {
      return fmt::format("role {} may not create tables in schema public", role);
    }
    return std::string();
  }

  Result<int64_t> StartRun(std::string_view trigger) override {
    TILL_RETURN_IF_ERROR(connection_.EnsureConnected());
    TILL_RETURN_IF_ERROR(MarkInterruptedRuns());
    // The run is this session's: if the session ends (the process is killed), anyone can tell.
    auto row = connection_.Query(
        "INSERT INTO etl_run (trigger, started_at, status, till_version, owner) "
        "SELECT $1, $2, 'running', $3, 'pg:' || pid || ':' || extract(epoch FROM backend_start) "
        "FROM pg_stat_activity WHERE pid = pg_backend_pid() RETURNING run_id",
        {std::string(trigger), FormatTimestamp(Clock::Real().Now()), TILL_VERSION},
        "starting a run");
    TILL_RETURN_IF_ERROR(row);
    return IntValue(*row, 0, 0);
  }

  Result<int64_t> MarkInterruptedRuns() override {
    TILL_RETURN_IF_ERROR(connection_.EnsureConnected());
    // A session of another role may show no start time (insufficient privilege): it counts as
    // there, never as gone.
    auto marked = connection_.Query(
        "UPDATE etl_run r SET status = 'failed', interrupted_at = $1, "
        "  error = 'interrupted: its server session (' || r.owner || ') was gone when this was "
        "noticed' "
        "WHERE r.status = 'running' AND r.owner LIKE 'pg:%' AND NOT EXISTS ("
        "  SELECT 1 FROM pg_stat_activity a "
        "  WHERE a.pid = split_part(r.owner, ':', 2)::int AND (a.backend_start IS NULL OR "
        "    extract(epoch FROM a.backend_start)::text = split_part(r.owner, ':', 3))) "
        "RETURNING r.run_id",
        {FormatTimestamp(Clock::Real().Now())}, "marking interrupted runs");
    TILL_RETURN_IF_ERROR(marked);
    return static_cast<int64_t>(PQntuples(marked->get()));
  }

  Status FinishRun(int64_t run_id, bool succeeded, std::string_view error) override {
    TILL_RETURN_IF_ERROR(connection_.EnsureConnected());
    std::vector<std::optional<std::string>> params = {FormatTimestamp(Clock::Real().Now()),
                                                      succeeded ? "succeeded" : "failed",
                                                      Nullable(error), std::to_string(run_id)};
    auto done = connection_.Query(
        "UPDATE etl_run SET finished_at = $1, status = $2, error = $3, interrupted_at = NULL "
        "WHERE run_id = $4",
        params, "finishing the run");
    TILL_RETURN_IF_ERROR(done);
    return connection_.Exec(kNotifyChange, "finishing the run");
  }

  Result<std::optional<int64_t>> FindLoadedContent(std::string_view sha256) override {
    TILL_RETURN_IF_ERROR(connection_.EnsureConnected());
    auto row = connection_.Query(
        "SELECT file_id FROM etl_file WHERE sha256 = $1 AND status = 'loaded' AND "
        "unloaded_at IS NULL",
        {std::string(sha256)}, "looking up the file's content");
    TILL_RETURN_IF_ERROR(row);
    if (PQntuples(row->get()) == 0) return std::optional<int64_t>();
    return std::optional<int64_t>(IntValue(*row, 0, 0));
  }

  // A file's size, known before it loads, decides where its facts go: a large file's load is
  // fastest into a table of its own, and large files are few (at most the data's size over the
  // threshold); the many small ones share a table, so their number does not slow reads.
  Result<std::unique_ptr<WarehouseLoad>> BeginLoad(int64_t run_id,
                                                   const FileOutcome& outcome) override {
    return Begin(run_id, outcome,
                 outcome.size_bytes >= file_partition_bytes_ ? FactStorage::kFilePartition
                                                             : FactStorage::kSharedTable);
  }

  Status ReadStoredRows() override {
    if (!stored_rows_) return {};
    TILL_RETURN_IF_ERROR(connection_.EnsureConnected());
    TILL_RETURN_IF_ERROR(connection_.Exec("BEGIN", "reading the stored rows"));
    Status read = connection_.Exec(fmt::format("SELECT pg_advisory_xact_lock({})", kLoadLock),
                                   "waiting for other loads");
    if (read) read = ReadPostgresStoredRows(connection_, *stored_rows_, 0);
    if (read) read = connection_.Exec("COMMIT", "reading the stored rows");
    if (!read) connection_.Rollback();
    return read;
  }

  Result<std::unique_ptr<WarehouseLoad>> BeginBatchLoad(int64_t run_id,
                                                        const FileOutcome& outcome) override {
    return Begin(run_id, outcome, FactStorage::kBatchPartition);
  }

  Result<std::unique_ptr<WarehouseLoad>> Begin(int64_t run_id, const FileOutcome& outcome,
                                               FactStorage storage) {
    TILL_RETURN_IF_ERROR(connection_.EnsureConnected());
    TILL_RETURN_IF_ERROR(connection_.Exec("BEGIN", "starting the load"));
    auto started = StartLoad(run_id, outcome, storage);
    if (!started) connection_.Rollback();
    return started;
  }

  Result<int64_t> RecordFile(int64_t run_id, const FileOutcome& outcome,
                             std::span<const RejectRecord> rejects) override {
    TILL_RETURN_IF_ERROR(connection_.EnsureConnected());
    TILL_RETURN_IF_ERROR(connection_.Exec("BEGIN", "recording the file"));
    auto file_id = InsertFile(run_id, outcome, std::string(FileStatusName(outcome.status)));
    Status status = file_id ? Status{} : Status(Unexpected<Error>(file_id.error()));
    if (status && !rejects.empty()) {
      std::string data;
      for (const RejectRecord& reject : rejects) AppendReject(data, *file_id, reject);
      status = connection_.CopyIn(kCopyRejects, data, "recording the file's rejects");
    }
    if (status) status = connection_.Exec(kNotifyChange, "recording the file");
    if (status) status = connection_.Exec("COMMIT", "recording the file");
    if (!status) {
      connection_.Rollback();
      return Unexpected<Error>(status.error());
    }
    return *file_id;
  }

  Status ReplaceCustomerSegments(std::span<const CustomerSegmentRow> rows) override {
    TILL_RETURN_IF_ERROR(connection_.EnsureConnected());
    std::string data;
    data.reserve(rows.size() * 160);
    for (const CustomerSegmentRow& row : rows) {
      AppendCopyText(data, row.customer_id);
      // Doubles with as many digits as give them back exactly, as the SQLite back end stores them.
      data += fmt::format("\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t", FormatDate(DateFromKey(row.as_of_key)),
                          row.recency_days, row.frequency, row.monetary, row.r_score, row.f_score,
                          row.m_score);
      AppendCopyText(data, row.segment);
      data += fmt::format("\t{}\t{}\t{}\t{}\t{}\t", row.cluster, row.expected_purchases_90d,
                          row.p_alive, row.expected_order_value, row.clv_12m);
      data += row.run_id ? std::to_string(*row.run_id) : std::string("\\N");
      data += '\n';
    }
    constexpr std::string_view kWhat = "replacing the customer segments";
    TILL_RETURN_IF_ERROR(connection_.Exec("BEGIN", kWhat));
    Status status = connection_.Exec("DELETE FROM customer_segment", kWhat);
    if (status) {
      status = connection_.CopyIn(
          "COPY customer_segment (customer_id, as_of_date, recency_days, frequency, monetary, "
          "r_score, f_score, m_score, segment, cluster, expected_purchases_90d, p_alive, "
          "expected_order_value, clv_12m, run_id) FROM STDIN",
          data, kWhat);
    }
    if (status) {
      status = connection_.Exec(
          "UPDATE customer_segment s SET customer_key = c.customer_key FROM dim_customer c "
          "WHERE c.customer_id = s.customer_id AND c.is_current",
          kWhat);
    }
    if (status) status = connection_.Exec("COMMIT", kWhat);
    if (!status) connection_.Rollback();
    return status;
  }

  Result<QueryResult> Query(std::string_view sql, std::span<const std::string> params) override {
    TILL_RETURN_IF_ERROR(connection_.EnsureConnected());
    std::vector<std::optional<std::string>> bound(params.begin(), params.end());
    auto rows = connection_.Query(sql, bound, "running a query");
    TILL_RETURN_IF_ERROR(rows);
    QueryResult result;
    PGresult* r = rows->get();
    for (int c = 0; c < PQnfields(r); ++c) result.columns.emplace_back(PQfname(r, c));
    result.rows.reserve(static_cast<size_t>(PQntuples(r)));
    for (int row = 0; row < PQntuples(r); ++row) {
      auto& out = result.rows.emplace_back();
      out.reserve(static_cast<size_t>(PQnfields(r)));
      for (int c = 0; c < PQnfields(r); ++c) out.push_back(Value(*rows, row, c));
    }
    return result;
  }

  Status QueryRows(std::string_view sql, std::span<const std::string> params,
                   const RowVisitor& visit) override {
    TILL_RETURN_IF_ERROR(connection_.EnsureConnected());
    return connection_.QueryRows(sql, params, visit, "running a query");
  }

  Status ReadConsistently(const std::function<Status()>& reads) override {
    TILL_RETURN_IF_ERROR(connection_.EnsureConnected());
    TILL_RETURN_IF_ERROR(
        connection_.Exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "starting a read"));
    Status status = reads();
    if (status) status = connection_.Exec("COMMIT", "ending a read");
    if (!status) connection_.Rollback();
    return status;
  }

  Status WriteAtomically(const std::function<Status()>& writes) override {
    TILL_RETURN_IF_ERROR(connection_.EnsureConnected());
    TILL_RETURN_IF_ERROR(connection_.Exec("BEGIN", "starting a write"));
    Status status = writes();
    if (status) status = connection_.Exec("COMMIT", "ending a write");
    if (!status) connection_.Rollback();
    return status;
  }

  std::string Describe() const override { return connection_.Describe(); }

  // On a primary, the notifications loads send with their commit (kNotifyChange), read on this
  // session between its reads; a replica cannot LISTEN (nor do notifications reach it), so
  // there its replay position is looked at every 100 ms.
  Result<bool> WaitForCommit(std::chrono::milliseconds timeout) override {
    PGconn* conn = connection_.get();
    const bool watching = conn && PQstatus(conn) == CONNECTION_OK &&
                          PQtransactionStatus(conn) == PQTRANS_IDLE &&
                          watching_backend_ == PQbackendPID(conn);
    if (!watching) {
      // The first call, or a new session: notifications before it went elsewhere.
      TILL_RETURN_IF_ERROR(connection_.EnsureConnected());
      auto recovery = connection_.Query("SELECT pg_is_in_recovery()", {}, "watching for changes");
      TILL_RETURN_IF_ERROR(recovery);
      replica_ = Value(*recovery, 0, 0) == "t";
      if (!replica_) {
        TILL_RETURN_IF_ERROR(connection_.Exec("LISTEN till_change", "watching for changes"));
      }
      watching_backend_ = PQbackendPID(connection_.get());
      replayed_.clear();
      return true;
    }
    if (replica_) return WaitForReplay(timeout);
    auto notified = [&]() -> Result<bool> {
      if (PQconsumeInput(conn) == 0) {
        watching_backend_ = 0;
        return MakeError(ErrorCode::kWarehouseError,
                         fmt::format("lost the PostgreSQL warehouse {} while watching for changes: "
                                     "{}",
                                     Describe(), Trimmed(PQerrorMessage(conn))));
      }
      bool any = false;
      while (PGnotify* notice = PQnotifies(conn)) {
        any = true;
        PQfreemem(notice);
      }
      return any;
    };
    auto pending = notified();
    if (!pending || *pending) return pending;
    pollfd socket{PQsocket(conn), POLLIN, 0};
    int ready = ::poll(&socket, 1, static_cast<int>(timeout.count()));
    if (ready <= 0) return false;  // the timeout, or a signal: the caller looks again
    return notified();
  }

  Result<std::vector<LandingEntry>> LandingEntries(std::string_view zone) override {
    TILL_RETURN_IF_ERROR(connection_.EnsureConnected());
    auto rows = connection_.Query(
        "SELECT key, version, size_bytes, sha256, file_id, status, error FROM landing_key "
        "WHERE zone = $1 ORDER BY key",
        {std::string(zone)}, "reading the landing ledger");
    TILL_RETURN_IF_ERROR(rows);
    std::vector<LandingEntry> entries;
    for (int r = 0; r < PQntuples(rows->get()); ++r) {
      LandingEntry& entry = entries.emplace_back();
      entry.zone = std::string(zone);
      entry.key = Value(*rows, r, 0).value_or("");
      entry.version = Value(*rows, r, 1).value_or("");
      entry.size_bytes = IntValue(*rows, r, 2);
      entry.sha256 = Value(*rows, r, 3).value_or("");
      if (!PQgetisnull(rows->get(), r, 4)) entry.file_id = IntValue(*rows, r, 4);
      entry.loaded = Value(*rows, r, 5) == "loaded";
      entry.error = Value(*rows, r, 6).value_or("");
    }
    return entries;
  }

  Status ForgetLandingKey(std::string_view zone, std::string_view key,
                          std::optional<int64_t> unload) override {
    return ChangeLedger(unload, "forgetting the landing key", [&] {
      return RunBookkeeping(connection_, ForgetLandingKeyWrite(zone, key));
    });
  }

  Status RecordLandingEntry(const LandingEntry& entry, std::optional<int64_t> unload) override {
    return ChangeLedger(unload, "recording the landing key", [&] {
      return RunBookkeeping(connection_,
                            LandingEntryWrite(entry, FormatTimestamp(Clock::Real().Now())));
    });
  }

  // Runs `change` to the ledger in a transaction of its own, unloading file `unload` first
  // (under the load lock) when given.
  template <typename Change>
  Status ChangeLedger(std::optional<int64_t> unload, std::string_view what, Change change) {
    TILL_RETURN_IF_ERROR(connection_.EnsureConnected());
    TILL_RETURN_IF_ERROR(connection_.Exec("BEGIN", what));
    Status status;
    if (unload) {
      status = connection_.Exec(fmt::format("SELECT pg_advisory_xact_lock({})", kLoadLock),
                                "waiting for other loads");
      if (status) status = UnloadPostgresFile(connection_, *unload);
    }
    if (status) status = change();
    if (status && unload) status = connection_.Exec(kNotifyChange, what);
    if (status) status = connection_.Exec("COMMIT", what);
    if (!status) connection_.Rollback();
    return status;
  }

  Result<int64_t> RetryLandingKeys(std::string_view zone,
                                   std::span<const std::string> keys) override {
    TILL_RETURN_IF_ERROR(connection_.EnsureConnected());
    std::vector<std::string_view> names(keys.begin(), keys.end());
    auto updated = connection_.Query(
        "UPDATE landing_key SET version = 'retry', sha256 = NULL "
        "WHERE zone = $1 AND status = 'failed' AND (cardinality($2::text[]) = 0 OR key = ANY "
        "($2::text[]))",
        {std::string(zone), TextArray(names)}, "marking keys for retry");
    TILL_RETURN_IF_ERROR(updated);
    return std::strtoll(PQcmdTuples(updated->get()), nullptr, 10);
  }

  // A claim is a session-level advisory lock on the hash of zone and key: the server lets go
  // of it when the watcher's connection ends, so a killed watcher's keys are free again at once.
  Result<bool> ClaimLandingKey(std::string_view zone, std::string_view key) override {
    TILL_RETURN_IF_ERROR(connection_.EnsureConnected());
    auto claimed = connection_.Query("SELECT pg_try_advisory_lock(hashtextextended($1, 0))",
                                     {fmt::format("{}\n{}", zone, key)}, "claiming a key");
    TILL_RETURN_IF_ERROR(claimed);
    return Value(*claimed, 0, 0) == "t";
  }

  Status ReleaseLandingKey(std::string_view zone, std::string_view key) override {
    auto released = connection_.Query("SELECT pg_advisory_unlock(hashtextextended($1, 0))",
                                      {fmt::format("{}\n{}", zone, key)}, "releasing a key");
    return released ? Status{} : Status(Unexpected<Error>(released.error()));
  }

  // Several watchers may share a PostgreSQL warehouse: loads take turns under the load lock.
  Status LockWatcher(std::string_view) override { return {}; }

  Result<std::vector<RoleCredential>> CreateRoles(const RolePasswords& passwords) override {
    TILL_RETURN_IF_ERROR(connection_.EnsureConnected());
    TILL_RETURN_IF_ERROR(connection_.Exec("BEGIN", "creating roles"));
    auto made = SetUpRoles(passwords);
    if (made) {
      Status committed = connection_.Exec("COMMIT", "creating roles");
      if (!committed) made = Unexpected<Error>(committed.error());
    }
    if (!made) connection_.Rollback();
    return made;
  }

 private:
  Status ApplyMigrations() {
    TILL_RETURN_IF_ERROR(
        connection_.Exec(fmt::format("SELECT pg_advisory_xact_lock({})", kMigrateLock),
                         "waiting for other migrations"));
    TILL_RETURN_IF_ERROR(
        connection_.Exec("CREATE TABLE IF NOT EXISTS till_schema (version integer PRIMARY KEY, "
                         "description text NOT NULL, applied_at timestamptz NOT NULL)",
                         "creating the schema table"));
    auto current = connection_.Query("SELECT coalesce(max(version), 0) FROM till_schema", {},
                                     "reading the schema version");
    TILL_RETURN_IF_ERROR(current);
    int version = static_cast<int>(IntValue(*current, 0, 0));
    auto migrations = PostgresMigrations();
    int newest = migrations.back().version;
    if (version > newest) {
      return MakeError(ErrorCode::kSchemaTooNew,
                       fmt::format("{} has schema version {}, newer than this Till knows ({}); "
                                   "upgrade Till",
                                   Describe(), version, newest));
    }
    for (const Migration& migration : migrations) {
      if (migration.version <= version) continue;
      TILL_RETURN_IF_ERROR(connection_.Exec(
          migration.sql,
          fmt::format("applying migration {} ({})", migration.version, migration.description)));
      auto recorded = connection_.Query(
          "INSERT INTO till_schema (version, description, applied_at) VALUES ($1, $2, $3)",
          {std::to_string(migration.version), std::string(migration.description),
           FormatTimestamp(Clock::Real().Now())},
          "recording the migration");
      TILL_RETURN_IF_ERROR(recorded);
    }
    return {};
  }

  Result<std::unique_ptr<WarehouseLoad>> StartLoad(int64_t run_id, const FileOutcome& outcome,
                                                   FactStorage storage) {
    TILL_RETURN_IF_ERROR(connection_.Exec(
        fmt::format("SELECT pg_advisory_xact_lock({})", kLoadLock), "waiting for other loads"));
    // Another loader may have brought the same content while this one waited.
    auto loaded = FindLoadedContent(outcome.sha256);
    TILL_RETURN_IF_ERROR(loaded);
    if (*loaded) {
      return MakeError(ErrorCode::kAlreadyLoaded,
                       fmt::format("content already loaded as file {}", **loaded));
    }
    auto file_id = InsertFile(run_id, outcome, "loaded", storage);
    TILL_RETURN_IF_ERROR(file_id);
    // A server that takes no second connection (at max_connections, say) gets the whole load
    // on this one.
    Connection* staging =
        storage == FactStorage::kFilePartition && staging_ && staging_->EnsureConnected()
            ? staging_.get()
            : nullptr;
    return StarLoad::Start(MakePostgresTransport(connection_, staging, *file_id, storage,
                                                 batch_fact_bytes_, shared_table_bytes_),
                           load_options_, stored_rows_.get());
  }

  // A batch's file_id comes from a range of its own (see the schema's version 7).
  Result<int64_t> InsertFile(int64_t run_id, const FileOutcome& outcome, const std::string& status,
                             FactStorage storage = FactStorage::kFilePartition) {
    // A load in progress starts from zero; its counts are written at commit.
    const bool in_progress = status == "loaded";
    auto count = [&](int64_t value) { return std::to_string(in_progress ? 0 : value); };
    std::vector<std::optional<std::string>> params = {
        std::to_string(run_id),
        outcome.uri,
        outcome.sha256,
        std::to_string(outcome.size_bytes),
        status,
        count(outcome.rows_read),
        count(outcome.rows_loaded),
        count(outcome.rows_rejected),
        count(outcome.rows_duplicate),
        count(outcome.values_nulled),
        count(outcome.year_mismatches),
        count(outcome.month_mismatches),
        Nullable(fmt::format("{}", fmt::join(outcome.extra_columns, ","))),
        Nullable(fmt::format("{}", fmt::join(outcome.missing_columns, ","))),
        outcome.same_content_as
            ? std::optional<std::string>(std::to_string(*outcome.same_content_as))
            : std::nullopt,
        Nullable(ReplaceInvalidUtf8(outcome.error)),
        outcome.started_at,
        Nullable(outcome.finished_at)};
    // A uri from a file name that is not UTF-8 is kept readable.
    params[1] = ReplaceInvalidUtf8(outcome.uri);
    bool batch = storage == FactStorage::kBatchPartition;
    auto row = connection_.Query(
        fmt::format(
            "INSERT INTO etl_file ({}run_id, uri, sha256, size_bytes, status, rows_read, "
            "rows_loaded, rows_rejected, rows_duplicate, values_nulled, year_mismatches, "
            "month_mismatches, extra_columns, missing_columns, same_content_as, error, "
            "started_at, finished_at) {}VALUES ({}$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, "
            "$12, $13, $14, $15, $16, $17, $18) RETURNING file_id",
            batch ? "file_id, " : "", batch ? "OVERRIDING SYSTEM VALUE " : "",
            batch ? "nextval('stream_file_id'), " : ""),
        params, "recording the file");
    TILL_RETURN_IF_ERROR(row);
    return IntValue(*row, 0, 0);
  }

  // Creates or updates till_loader and till_reader inside the caller's transaction.
  Result<std::vector<RoleCredential>> SetUpRoles(const RolePasswords& passwords) {
    std::vector<RoleCredential> credentials;
    for (auto [role, given] :
         {std::pair<std::string, std::string>{"till_loader", passwords.loader},
          std::pair<std::string, std::string>{"till_reader", passwords.reader}}) {
      auto exists = connection_.Query("SELECT 1 FROM pg_roles WHERE rolname = $1", {role},
                                      "looking up roles");
      TILL_RETURN_IF_ERROR(exists);
      RoleCredential credential{role, PQntuples(exists->get()) == 0, ""};
      std::string password = given;
      if (password.empty() && credential.created) {
        auto generated = RandomPassword();
        TILL_RETURN_IF_ERROR(generated);
        password = credential.generated_password = *generated;
      }
      std::string statement =
          fmt::format("{} ROLE {} LOGIN", credential.created ? "CREATE" : "ALTER", role);
      if (!password.empty()) {
        // The password goes to the server already hashed, so no log line can show it.
        char* hashed =
            PQencryptPasswordConn(connection_.get(), password.c_str(), role.c_str(), nullptr);
        if (!hashed) return PgError(connection_.get(), nullptr, "hashing a role's password");
        char* literal = PQescapeLiteral(connection_.get(), hashed, std::strlen(hashed));
        PQfreemem(hashed);
        statement += fmt::format(" PASSWORD {}", literal);
        PQfreemem(literal);
      }
      TILL_RETURN_IF_ERROR(connection_.Exec(statement, fmt::format("creating role {}", role)));
      credentials.push_back(std::move(credential));
    }
    // The loader owns the schema (attaching a file's facts needs the owner) and every object in
    // it; the reader reads the reporting views only, and cannot write or create anything.
    auto database =
        connection_.Query("SELECT quote_ident(current_database())", {}, "granting privileges");
    TILL_RETURN_IF_ERROR(database);
    std::string db = *Value(*database, 0, 0);
    TILL_RETURN_IF_ERROR(connection_.Exec(fmt::format(R"sql(
GRANT till_loader TO CURRENT_USER;
GRANT CONNECT, TEMPORARY ON DATABASE {0} TO till_loader;
GRANT CONNECT ON DATABASE {0} TO till_reader;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE, CREATE ON SCHEMA public TO till_loader;
ALTER SCHEMA reporting OWNER TO till_loader;
DO $$
DECLARE object record;
BEGIN
  FOR object IN
    SELECT c.relkind, format('%I.%I', n.nspname, c.relname) AS name
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname IN ('public', 'reporting') AND c.relkind IN ('r', 'p', 'v')
      AND NOT c.relispartition
      AND (c.relname IN ('till_schema', 'etl_run', 'etl_file', 'etl_step', 'etl_reject',
                         'fact_sales', 'fact_sales_row', 'fact_sales_dup', 'landing_key',
                         'retail_data_view', 'customer_segment', 'forecast_sales',
                         'forecast_actual_view', 'stream_request')
           OR c.relname LIKE 'dim\_%' OR n.nspname = 'reporting')
  LOOP
    EXECUTE format('ALTER %s %s OWNER TO till_loader',
                   CASE object.relkind WHEN 'v' THEN 'VIEW' ELSE 'TABLE' END, object.name);
  END LOOP;
  FOR object IN
    SELECT format('%I.%I', n.nspname, c.relname) AS name
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relispartition
      AND (c.relname LIKE 'fact\_sales\_file\_%' OR c.relname LIKE 'fact\_sales\_block\_%'
           OR c.relname IN ('fact_sales_files', 'fact_sales_batch', 'fact_sales_shared'))
  LOOP
    EXECUTE format('ALTER TABLE %s OWNER TO till_loader', object.name);
  END LOOP;
  IF to_regclass('public.stream_file_id') IS NOT NULL THEN
    ALTER SEQUENCE public.stream_file_id OWNER TO till_loader;
  END IF;
  FOR object IN
    SELECT format('%I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid))
      AS name
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = 'reporting' OR (n.nspname = 'public' AND p.proname IN (
      'till_check_batch_facts', 'till_keep_batch_members', 'till_open_shared_facts',
      'till_close_shared_facts'))
  LOOP
    EXECUTE format('ALTER FUNCTION %s OWNER TO till_loader', object.name);
  END LOOP;
END $$;
REVOKE ALL ON SCHEMA reporting FROM PUBLIC;
GRANT USAGE ON SCHEMA reporting TO till_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA reporting TO till_reader;
ALTER DEFAULT PRIVILEGES FOR ROLE till_loader IN SCHEMA reporting
  GRANT SELECT ON TABLES TO till_reader;
ALTER ROLE till_reader SET search_path = reporting;
ALTER ROLE till_reader SET default_transaction_read_only = on;
)sql",
                                                      db),
                                          "granting privileges"));
    return credentials;
  }

  // A replica's replay position, looked at every 100 ms until it moves or `timeout` passes.
  Result<bool> WaitForReplay(std::chrono::milliseconds timeout) {
    constexpr auto kLook = std::chrono::milliseconds(100);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      auto position =
          connection_.Query("SELECT pg_last_wal_replay_lsn()::text", {}, "watching for changes");
      TILL_RETURN_IF_ERROR(position);
      std::string now = Value(*position, 0, 0).value_or("");
      if (now != replayed_) {
        bool first = replayed_.empty();
        replayed_ = std::move(now);
        if (!first) return true;
      }
      auto left = deadline - std::chrono::steady_clock::now();
      if (left <= std::chrono::steady_clock::duration::zero()) return false;
      std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(left, kLook));
    }
  }

  Connection connection_;
  const LoadOptions load_options_;
  const size_t batch_fact_bytes_;
  const int64_t file_partition_bytes_;
  const int64_t shared_table_bytes_;
  std::unique_ptr<StoredRowFilter> stored_rows_;  // kept across loads; null: none
  // A file's partition's second connection (WarehouseOptions::stage_file_facts); null: none.
  std::unique_ptr<Connection> staging_;
  // WaitForCommit's session (its server process id; 0: none yet, or lost) and what it found.
  int watching_backend_ = 0;
  bool replica_ = false;
  std::string replayed_;
};

}  // namespace

bool IsPostgresKeywordString(std::string_view location) {
  size_t equals = location.find('=');
  if (equals == std::string_view::npos) return false;
  std::string key(TrimAscii(location.substr(0, equals)));
  if (key.empty() || key.find_first_of(" /\\") != std::string::npos) return false;
  // A libpq keyword, as libpq itself lists them.
  PQconninfoOption* options = PQconndefaults();
  bool known = false;
  for (PQconninfoOption* option = options; option && option->keyword; ++option) {
    if (key == option->keyword) known = true;
  }
  PQconninfoFree(options);
  return known;
}

Result<std::unique_ptr<Warehouse>> OpenPostgresWarehouse(const std::string& conninfo, Access access,
                                                         const WarehouseOptions& options) {
  char* message = nullptr;
  if (!conninfo.empty()) {
    PQconninfoOption* parsed = PQconninfoParse(conninfo.c_str(), &message);
    if (!parsed) {
      // libpq quotes the part it could not read, which may be the password: drop the quotes'
      // content.
      std::string reason = std::regex_replace(Trimmed(message), std::regex("\"[^\"]*\""), "\"…\"");
      PQfreemem(message);
      return MakeError(ErrorCode::kInvalidArgument,
                       fmt::format("not a PostgreSQL connection string: {}", reason));
    }
    PQconninfoFree(parsed);
  }
  auto warehouse = std::make_unique<PostgresWarehouse>(
      conninfo, access == Access::kReadOnly,
      LoadOptions{.row_check_limit = options.row_check_limit}, options);
  TILL_RETURN_IF_ERROR(warehouse->Open());
  return std::unique_ptr<Warehouse>(std::move(warehouse));
}

}  // namespace till
