// The warehouse: where the star schema, the view and the run records live. Callers hold a
// Warehouse from OpenWarehouse() and never name a back end; today that is SQLite, and the
// PostgreSQL back end implements the same interface.
//
// A file is loaded inside one WarehouseLoad: everything written through it becomes visible
// at Commit() and not before; destroying an uncommitted load rolls it back, so a failure at
// any call leaves nothing of the file behind. Neither class is thread-safe: one thread uses a
// warehouse and its load at a time.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "model/star.h"
#include "record/run_record.h"

namespace till {

// First and last date (YYYYMMDD) a customer version was seen; 0 where none is known.
struct SeenRange {
  int32_t first = 0;
  int32_t last = 0;
};

// The range covering both; 0 (the Unknown date) widens nothing.
inline SeenRange Widened(SeenRange a, SeenRange b) {
  auto pick = [](int32_t x, int32_t y, bool low) {
    if (x == 0) return y;
    if (y == 0) return x;
    return low ? std::min(x, y) : std::max(x, y);
  };
  return SeenRange{pick(a.first, b.first, true), pick(a.last, b.last, false)};
}

// A customer version to write, with the dates this load saw it.
struct CustomerWrite {
  const Member* member;
  SeenRange seen;
  bool current = false;
};

// A stored customer version.
struct CustomerVersion {
  int64_t key = 0;
  SeenRange seen;
};

// What one key of a landing zone holds: its landing_key record, the ledger that makes watching
// exactly-once.
struct LandingEntry {
  std::string zone;     // "file:///data/raw/" or "s3://bucket/raw_data/"
  std::string key;      // the file's path within the zone
  std::string version;  // how the zone tells contents apart without reading them
  int64_t size_bytes = 0;
  std::string sha256;  // of the content last read, empty when never read
  // The loaded etl_file whose rows the key holds; none while its content fails.
  std::optional<int64_t> file_id;
  bool loaded = false;  // false: the content failed and waits for a change or `till retry`
  std::string error;
};

// The answer a stream receiver gave a request that carried an Idempotency-Key, kept with the
// rows it loaded so that a retry of the request gets the same answer and loads nothing again.
struct StreamRequest {
  std::string idempotency_key;
  std::string body_sha256;  // of the request's body: the same key with another body is refused
  std::string answer;       // the JSON answer, as sent
};

// Rows of a read-only query, every value as text (nullopt for NULL).
struct QueryResult {
  std::vector<std::string> columns;
  std::vector<std::vector<std::optional<std::string>>> rows;
};

// Passwords for CreateRoles; an empty one keeps an existing role's password, or generates one
// for a new role.
struct RolePasswords {
  std::string loader;
  std::string reader;
};

// A role CreateRoles made or changed, with the password it generated (empty when it was given
// or kept).
struct RoleCredential {
  std::string role;
  bool created = false;
  std::string generated_password;
};

// One customer's row of customer_segment: the customer analytics of the sales as of a day
// (src/segment/), the customer named by id only, never by anything personal.
struct CustomerSegmentRow {
  std::string customer_id;
  int32_t as_of_key = 0;  // YYYYMMDD
  int64_t recency_days = 0;
  int64_t frequency = 0;  // distinct orders
  double monetary = 0;    // revenue
  int r_score = 0, f_score = 0, m_score = 0;
  std::string segment;
  int cluster = 0;
  double expected_purchases_90d = 0;
  double p_alive = 0;
  double expected_order_value = 0;
  double clv_12m = 0;
  std::optional<int64_t> run_id;  // the load's run that refreshed them; none from `till segments`
};

class WarehouseLoad {
 public:
  virtual ~WarehouseLoad() = default;

  // The etl_file id the load's facts point at.
  virtual int64_t file_id() const = 0;

  // Inserts members not yet present; for present ones keeps the smaller label spelling. Not for
  // customer versions (see UpsertCustomers).
  virtual Status UpsertMembers(Dimension dimension, std::span<const Member> members) = 0;
  // Adds these dates (YYYYMMDD) to dim_date and fills the calendar between them.
  virtual Status EnsureDates(std::span<const int32_t> date_keys) = 0;
  // Appends facts, skipping any whose row hash is already loaded (by this or an earlier file).
  // Returns how many were inserted; the rest were duplicates. With `inserted`, also which:
  // (*inserted)[i] is 1 when facts[i] was inserted, else 0.
  virtual Result<int64_t> AppendFacts(std::span<const FactSale> facts,
                                      std::vector<uint8_t>* inserted = nullptr) = 0;
  virtual Status AddRejects(std::span<const RejectRecord> rejects) = 0;
  // True when dim_customer held versions besides Unknown when this load began.
  virtual Result<bool> HasCustomers() = 0;
  // Inserts customer versions or widens the first/last seen of those present. `current` is
  // written for new versions only; present versions keep their flag. Returns, in order, each
  // version's seen range after the merge.
  virtual Result<std::vector<SeenRange>> UpsertCustomers(
      std::span<const CustomerWrite> versions) = 0;
  // Widens the first/last seen of versions this load already wrote. Returns, in order, each
  // version's range after the merge.
  virtual Result<std::vector<SeenRange>> WidenCustomers(
      std::span<const CustomerVersion> versions) = 0;
  // The current version of each of `customer_ids`, where the warehouse has one.
  virtual Result<std::vector<std::optional<CustomerVersion>>> CurrentCustomers(
      std::span<const std::string_view> customer_ids) = 0;
  virtual Status SetCustomersCurrent(std::span<const int64_t> customer_keys, bool current) = 0;
  virtual Status AddSteps(std::span<const StepTiming> steps) = 0;
  // Removes the rows only file `file_id` holds and marks it unloaded; a row another loaded file
  // holds too moves to that file instead. For a key whose content changed.
  virtual Status UnloadFile(int64_t file_id) = 0;
  // Writes the ledger entry of the key this load brings, committed with the rows.
  virtual Status SetLandingEntry(const LandingEntry& entry) = 0;
  // Records the answer to a stream request whose rows this load brings, committed with them.
  // A key recorded already keeps its first answer.
  virtual Status RecordStreamRequest(const StreamRequest& request) = 0;
  // Writes the final etl_file record and makes the whole load visible at once.
  virtual Status Commit(const FileOutcome& outcome) = 0;
};

// A warehouse that is a read-only replica of another: a PostgreSQL hot standby.
struct StandbyStatus {
  // How far behind its primary the replica is: 0 when it has replayed all it received, else
  // the age of the last commit it replayed; unknown (nullopt) before its first replay.
  std::optional<double> lag_seconds;
  // Whether it receives from its primary now (a WAL receiver runs). A replica that does not
  // reports the lag of what it last received: it may be further behind.
  bool receiving = false;
};

class Warehouse {
 public:
  virtual ~Warehouse() = default;

  // Creates the schema or upgrades it through the versioned migrations. Idempotent.
  // Fails with kSchemaTooNew on a warehouse written by a newer Till.
  virtual Status Migrate() = 0;
  // A warehouse that keeps a filter of its stored rows (WarehouseOptions::
  // stored_row_filter_keys) reads it now, waiting for the loads in progress, rather than in its
  // first load: at a start, before any request waits on it. Nothing for one that keeps none.
  virtual Status ReadStoredRows() { return {}; }
  virtual Result<int> SchemaVersion() = 0;
  // The schema version Migrate() brings a warehouse to: the newest this Till knows.
  virtual int NewestSchemaVersion() const = 0;
  // Why this connection could not load files into the warehouse, or "" when it can: a SQLite
  // file or folder this user cannot write; a PostgreSQL role that is not (a member of) the owner
  // of the warehouse's tables, which attaching a file's facts needs, or cannot create them.
  virtual Result<std::string> LoadPrivilegeProblem() = 0;
  // The replica's state when the warehouse is a read-only replica; nullopt for a primary, and
  // always for SQLite. Readers such as `till serve` work on a replica; Migrate(), loads and
  // other writes fail there with a message that names the primary as the place for them.
  virtual Result<std::optional<StandbyStatus>> Standby() = 0;

  // Starts a run, recording who runs it; first marks the runs whose process is gone
  // (MarkInterruptedRuns).
  virtual Result<int64_t> StartRun(std::string_view trigger) = 0;
  // Marks every run still 'running' whose process is gone (killed, or its machine restarted:
  // on SQLite a process of this machine; on PostgreSQL a server session, from any machine) as
  // interrupted: status 'failed', interrupted_at the time it was noticed, and an error saying
  // so. A run that later finishes after all (its session was lost and came back) records its
  // own ending over it. Returns how many runs it marked.
  virtual Result<int64_t> MarkInterruptedRuns() = 0;
  virtual Status FinishRun(int64_t run_id, bool succeeded, std::string_view error) = 0;

  // The file_id of a loaded file with this content, if any.
  virtual Result<std::optional<int64_t>> FindLoadedContent(std::string_view sha256) = 0;

  // Starts loading a file. `outcome` carries the uri, hash, size and start time. A back end
  // shared by several loaders may wait here for another load to finish; it fails with
  // kAlreadyLoaded when that load brought the same content.
  virtual Result<std::unique_ptr<WarehouseLoad>> BeginLoad(int64_t run_id,
                                                           const FileOutcome& outcome) = 0;
  // Starts loading a batch of rows that arrived over a stream (`till stream`): as BeginLoad,
  // except that its facts append to storage every batch shares instead of storage of their
  // own (on PostgreSQL a file's facts are a partition of fact_sales; batches share one), so
  // that many small batches make no table, partition or index each. A batch's rows stay
  // removable by its file_id as a file's are.
  virtual Result<std::unique_ptr<WarehouseLoad>> BeginBatchLoad(int64_t run_id,
                                                                const FileOutcome& outcome) = 0;
  // Records a file that was skipped or failed, with a sample of its rejects, in its own
  // transaction.
  virtual Result<int64_t> RecordFile(int64_t run_id, const FileOutcome& outcome,
                                     std::span<const RejectRecord> rejects) = 0;

  // Runs a read-only statement (reports, `till runs`, tests). Parameters are written $1, $2 …
  // on both back ends and bind as text.
  virtual Result<QueryResult> Query(std::string_view sql,
                                    std::span<const std::string> params = {}) = 0;
  // Runs a read-only statement and hands `visit` its rows one at a time, so that a result of
  // any size is read in constant memory. Values are text (nullopt for NULL), valid during the
  // call only. An error `visit` returns stops the query and is returned.
  using RowVisitor = std::function<Status(std::span<const std::optional<std::string_view>>)>;
  virtual Status QueryRows(std::string_view sql, std::span<const std::string> params,
                           const RowVisitor& visit) = 0;
  // One row of QueryTypedRows, each column read as the type the caller knows it holds: the
  // values Int, Real and Text of row_values.h read from QueryRows' text (0, 0 and empty for
  // NULL). Valid during the visit only.
  class TypedRow {
   public:
    virtual bool IsNull(int column) const = 0;
    virtual int64_t Int(int column) const = 0;
    virtual double Real(int column) const = 0;
    virtual std::string_view Text(int column) const = 0;

   protected:
    ~TypedRow() = default;
  };
  using TypedRowVisitor = std::function<Status(const TypedRow&)>;
  // QueryRows for the scans of millions of rows: a back end that stores numbers as numbers
  // (SQLite) hands them over as they are instead of writing them out as text to be parsed
  // back. This default reads QueryRows' text, which is what PostgreSQL sends anyway.
  virtual Status QueryTypedRows(std::string_view sql, std::span<const std::string> params,
                                const TypedRowVisitor& visit);
  // Runs `reads` (queries only) inside one read transaction, so that they all see the same
  // committed state while loaders go on committing. Returns what `reads` returns.
  virtual Status ReadConsistently(const std::function<Status()>& reads) = 0;
  // Runs `writes` (statements through Query, which may then write) inside one read-write
  // transaction: committed when it returns success, rolled back otherwise. For the small tables
  // the warehouse keeps beside the loads (forecasts); loads have their own transactions.
  virtual Status WriteAtomically(const std::function<Status()>& writes) = 0;

  // Replaces every row of customer_segment with `rows` (customer ids unique) in one
  // transaction, each given the key of its customer's current version. Readers see the old rows
  // or the new ones, never a mix.
  virtual Status ReplaceCustomerSegments(std::span<const CustomerSegmentRow> rows) = 0;

  // The ledger of landing zone `zone`, every key it recorded.
  virtual Result<std::vector<LandingEntry>> LandingEntries(std::string_view zone) = 0;
  // Records `entry` in a transaction of its own, unloading file `unload` first when given (see
  // WarehouseLoad::UnloadFile).
  virtual Status RecordLandingEntry(const LandingEntry& entry, std::optional<int64_t> unload) = 0;
  // Forgets key `key` of `zone`, gone from the zone, in a transaction of its own, unloading
  // file `unload` first when given (see WarehouseLoad::UnloadFile).
  virtual Status ForgetLandingKey(std::string_view zone, std::string_view key,
                                  std::optional<int64_t> unload) = 0;
  // Makes the watcher try again the failed keys of `zone` (those of `keys`, or all when
  // empty), as if their content had changed. Returns how many keys it marked.
  virtual Result<int64_t> RetryLandingKeys(std::string_view zone,
                                           std::span<const std::string> keys) = 0;
  // Claims key `key` of `zone` for this watcher until ReleaseLandingKey (or until the process
  // ends, however it ends). False when another watcher holds it: it is loading that key now.
  virtual Result<bool> ClaimLandingKey(std::string_view zone, std::string_view key) = 0;
  virtual Status ReleaseLandingKey(std::string_view zone, std::string_view key) = 0;
  // Takes the right to watch landing zone `zone` for the life of this object. A SQLite
  // warehouse has one watcher at a time and refuses a second; PostgreSQL takes several.
  virtual Status LockWatcher(std::string_view zone) = 0;

  // A printable description of where this warehouse is, never with a password.
  virtual std::string Describe() const = 0;

  // Waits up to `timeout` for a commit to the warehouse by another connection: true as soon as
  // one may have happened since the previous call (always on the first call, and after a lost
  // connection), false at the timeout. For readers that show new data at once (`till serve`),
  // cheaply: SQLite's data_version counter looked at every 100 ms; PostgreSQL's notifications
  // on the `till_change` channel that loads send with their commit (LISTEN), or a replica's
  // replay position. This default, for a back end that cannot tell, waits and says true.
  virtual Result<bool> WaitForCommit(std::chrono::milliseconds timeout);

  // Creates (or updates) the login roles of a shared warehouse: till_loader, which owns and
  // writes the schema, and till_reader, which reads the reporting views only, with customer
  // emails, phones and addresses masked. Back ends without users refuse.
  virtual Result<std::vector<RoleCredential>> CreateRoles(const RolePasswords& passwords) = 0;
};

// Opens the warehouse `location` names:
//  - a SQLite file path (or "sqlite://PATH"), created if missing;
//  - a PostgreSQL database: "postgres://…" or "postgresql://…" URLs, libpq "key=value"
//    strings ("host=… dbname=…"), or "postgres:" alone for the PG* environment variables.
// Fails with kInvalidArgument for a location it cannot use, and with kWarehouseError when the
// database cannot be reached; no message holds a password.
// With kReadOnly the warehouse refuses every write (a SQLite file opened read-only, a
// PostgreSQL session whose transactions are read-only): for readers such as `till serve`.
enum class Access { kReadWrite, kReadOnly };

// How a warehouse loads files, the same on every back end.
struct WarehouseOptions {
  // A load checks its rows for duplicates in memory up to this many rows (about 160 MB), then
  // through the warehouse. Tests lower it to reach the switch with small files.
  size_t row_check_limit = 4'000'000;
  // SQLite: the fewest row hashes of batches kept in fact_sales_row_recent before they move to
  // fact_sales_row (see RecentRows in sqlite/sqlite_load.h); about 40 bytes of memory each in a
  // process that loads. Tests lower it to reach the move with small batches.
  size_t recent_row_limit = 1'000'000;
  // PostgreSQL: a stream batch holds its facts in memory up to this many bytes (about 300,000
  // facts), appended at commit by one COPY; past it they are staged in a temporary table. Tests
  // lower it to reach the staging with small batches.
  size_t batch_fact_bytes = 64 << 20;
  // PostgreSQL: a file of at least this many bytes loads its facts into a partition of its own
  // (copied without indexes, indexed in one sort, attached); a smaller one appends them to the
  // table small files share, so that files do not multiply partitions (see the schema's version
  // 11). bench/pg_many_files.sh chose 16 MiB: from about there a file loads 10-30% faster into
  // its own partition, while one of 5 MiB loads as fast into the shared table. Tests lower it to
  // 0 for a partition each.
  int64_t file_partition_bytes = int64_t{16} << 20;
  // PostgreSQL: the table small files share is closed into a partition of its own once it holds
  // this many bytes, which bounds the one scan a close costs (during which reads wait). Tests
  // lower it to close it often.
  int64_t shared_table_bytes = int64_t{256} << 20;
  // PostgreSQL: a process that loads many times keeps a filter of the row hashes the warehouse
  // holds, read at its first load into a warehouse that holds some and brought up to date at
  // each later one, so that the rows it says are new are not looked up (load/stored_rows.h);
  // up to this many hashes, 2 to 4 bytes each, past which rows are looked up again. 0: none,
  // for a process that loads once, which would read every hash to spare a lookup of each row,
  // and for files: into a large warehouse the lookups warm the index pages that the file's
  // claims are then written to, and sparing them saved nothing (bench/stream.sh's batches gain).
  size_t stored_row_filter_keys = 0;
  // PostgreSQL: a file with a partition of its own copies its facts and builds their indexes on
  // a second connection, beside the row claims and customer versions the load's transaction
  // writes; that transaction then takes the indexed table as the file's partition. Off: all on
  // one connection, as the tests compare.
  bool stage_file_facts = true;
};

// The stored row filter of a process that loads batches many times (`till stream`, `till watch
// kinesis://`): at most about 200 MB.
inline constexpr size_t kKeptRowFilterKeys = 50'000'000;

Result<std::unique_ptr<Warehouse>> OpenWarehouse(const std::string& location,
                                                 Access access = Access::kReadWrite,
                                                 const WarehouseOptions& options = {});

// The versions of the back ends' client libraries this Till was built with, for `till
// --version`: "SQLite 3.40.1 and libpq 15.18".
std::string WarehouseLibraryVersions();

}  // namespace till
