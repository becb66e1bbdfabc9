#include "warehouse/postgres/postgres_load.h"

#include <absl/container/flat_hash_map.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <map>
#include <tuple>
#include <vector>

#include "base/text.h"

namespace till {
namespace {

// The first file id of the stream batches' range (the schema's sequence stream_file_id).
constexpr int64_t kFirstBatchId = 1'000'000'000'000;

constexpr std::string_view kFactColumns =
    "sale_id, file_id, source_line, transaction_id, date_key, sale_time, gender_key, income_key, "
    "feedback_key, shipping_method_key, payment_method_key, order_status_key, location_key, "
    "product_key, customer_key, quantity, unit_price, total_amount, rating, recovered";

class PostgresTransport final : public LoadTransport {
 public:
  PostgresTransport(Connection& connection, Connection* staging, int64_t file_id,
                    FactStorage storage, size_t held_fact_bytes, int64_t shared_table_bytes)
      : connection_(connection),
        staging_(storage == FactStorage::kFilePartition ? staging : nullptr),
        file_id_(file_id),
        max_held_bytes_(held_fact_bytes),
        shared_table_bytes_(shared_table_bytes),
        storage_(storage),
        partition_(OwnPartition() ? fmt::format("fact_sales_file_{}", file_id)
                   : storage == FactStorage::kSharedTable ? std::string("fact_sales_shared")
                                                          : std::string("fact_sales_batch")),
        stage_(fmt::format("till_stage_{}", file_id)) {}
  ~PostgresTransport() override {
    if (committed_) return;
    connection_.Rollback();  // first: it may hold the staged table, renamed
    if (staging_) DropStage();
  }

  int64_t file_id() const override { return file_id_; }

  Result<LoadStart> BeginBulk() override {
    auto state = connection_.Query(
        "SELECT NOT EXISTS (SELECT 1 FROM fact_sales_row), "
        "  NOT EXISTS (SELECT 1 FROM dim_customer WHERE customer_key <> 0), "
        "  (SELECT coalesce(max(sale_id), 0) FROM fact_sales), "
        "  EXISTS (SELECT 1 FROM pg_class WHERE relkind = 'r' AND relname LIKE 'till\\_stage\\_%' "
        "    AND pg_table_is_visible(oid))",
        {}, "reading the warehouse's state");
    TILL_RETURN_IF_ERROR(state);
    if (*Value(*state, 0, 3) == "t") TILL_RETURN_IF_ERROR(DropLeftStages());
    LoadStart start;
    rows_bulk_ = *Value(*state, 0, 0) == "t";
    start.rows_stored = !rows_bulk_;
    start.customers_stored = *Value(*state, 0, 1) == "f";
    start.next_sale_id = IntValue(*state, 0, 2) + 1;
    no_facts_ = start.next_sale_id == 1;
    if (rows_bulk_) {
      // Into an empty fact_sales_row the indexes are built once, after the last claims are
      // written, in one sort each: growing a b-tree of random hashes row by row costs several
      // times as much, and so does growing it by millions of rows at a time once it outgrows
      // the server's buffers.
      TILL_RETURN_IF_ERROR(
          connection_.Exec("ALTER TABLE fact_sales_row DROP CONSTRAINT fact_sales_row_pkey; "
                           "DROP INDEX fact_sales_row_file",
                           "preparing fact_sales_row"));
    }
    if (!OwnPartition()) return start;  // facts for a shared table wait until EndBulk
    // The CHECK lets the attach skip scanning the file's table for the partition bound.
    const std::string create = fmt::format(
        "CREATE TABLE {0} (LIKE fact_sales INCLUDING DEFAULTS INCLUDING CONSTRAINTS); "
        "ALTER TABLE {0} ADD CONSTRAINT {0}_file CHECK (file_id = {1})",
        staging_ ? stage_ : partition_, file_id_);
    if (!staging_) {
      TILL_RETURN_IF_ERROR(connection_.Exec(create, "creating the file's fact table"));
      return start;
    }
    // On the staging connection the table is made at once: made in the copy's transaction, it
    // would hold a lock on fact_sales (the LIKE's) that an unload in this transaction waits for.
    // The facts are copied in a transaction of their own, committed when the last is in; their
    // indexes are then built there while this transaction writes the row claims and customer
    // versions, and this transaction gives the indexed table (its constraints and indexes too)
    // the partition's names, adds its foreign keys and attaches it. Until then the table is no
    // part of fact_sales: a load killed before leaves it behind under its stage name, for the
    // next load to drop (DropLeftStages). Its commits need not wait for the disk: this
    // transaction's, later in the log, makes them durable. Both sessions sort their indexes
    // without parallel workers: two sorts at once keep the cores busy already, and their
    // workers would only crowd them.
    TILL_RETURN_IF_ERROR(
        connection_.Exec("SET LOCAL max_parallel_maintenance_workers = 0", "starting the load"));
    TILL_RETURN_IF_ERROR(
        staging_->Exec("SET client_min_messages = warning; SET synchronous_commit = off; "
                       "SET max_parallel_maintenance_workers = 0; " +
                           create,
                       "creating the file's fact table"));
    TILL_RETURN_IF_ERROR(staging_->Exec("BEGIN", "copying the file's facts"));
    return start;
  }

  Status EndFacts() override {
    if (!staging_ || facts_ended_) return {};
    facts_ended_ = true;
    TILL_RETURN_IF_ERROR(staging_->Send(
        fmt::format("COMMIT; ALTER TABLE {0} ADD CONSTRAINT {0}_pkey PRIMARY KEY (sale_id, "
                    "file_id); CREATE INDEX {0}_date ON {0} (date_key); "
                    "CREATE INDEX {0}_product ON {0} (product_key)",
                    stage_),
        "indexing the file's facts"));
    indexing_ = true;
    return {};
  }

  // A file's own table gets the foreign keys of fact_sales_files, each validated in one join,
  // and the indexes of fact_sales, each built in one sort, before it is attached: the attach
  // then scans nothing, and holds fact_sales only briefly. A shared table's facts are checked
  // the same way, set-based, by its trigger on the one statement that appends them (see the
  // schema's versions 9 to 11): one COPY of the facts held here, or, when they outgrew memory,
  // one INSERT of the staged ones.
  Status EndBulk() override {
    TILL_RETURN_IF_ERROR(EnsureCustomerIndexes());
    TILL_RETURN_IF_ERROR(IndexRows());
    if (!OwnPartition()) {
      TILL_RETURN_IF_ERROR(AppendHeldFacts());
      if (storage_ != FactStorage::kSharedTable) return {};
      auto size = connection_.Query("SELECT pg_relation_size('fact_sales_shared')", {},
                                    "measuring the shared facts");
      TILL_RETURN_IF_ERROR(size);
      if (IntValue(*size, 0, 0) < shared_table_bytes_) return {};
      // Every id this table holds is this file's or below it, and later loads take larger ones.
      return connection_.Exec(fmt::format("SELECT till_close_shared_facts({})", file_id_ + 1),
                              "closing the shared facts");
    }
    std::string indexes;
    if (staging_) {
      TILL_RETURN_IF_ERROR(EndFacts());
      indexing_ = false;
      TILL_RETURN_IF_ERROR(staging_->Collect("indexing the file's facts"));
      TILL_RETURN_IF_ERROR(
          connection_.Exec(fmt::format("ALTER TABLE {0} RENAME TO {1}; "
                                       "ALTER TABLE {1} RENAME CONSTRAINT {0}_file TO {1}_file; "
                                       "ALTER TABLE {1} RENAME CONSTRAINT {0}_pkey TO {1}_pkey; "
                                       "ALTER INDEX {0}_date RENAME TO {1}_date; "
                                       "ALTER INDEX {0}_product RENAME TO {1}_product",
                                       stage_, partition_),
                           "taking the file's facts"));
    } else {
      indexes = fmt::format(
          "ALTER TABLE {0} ADD CONSTRAINT {0}_pkey PRIMARY KEY (sale_id, file_id); "
          "CREATE INDEX {0}_date ON {0} (date_key); "
          "CREATE INDEX {0}_product ON {0} (product_key);",
          partition_);
    }
    TILL_RETURN_IF_ERROR(connection_.Exec(fmt::format(R"sql(
DO $$
DECLARE
  keys text;
BEGIN
  SELECT string_agg(format('ADD CONSTRAINT %I %s', conname, pg_get_constraintdef(oid)), ', ')
    INTO keys FROM pg_constraint
    WHERE conrelid = 'fact_sales_files'::regclass AND contype = 'f';
  EXECUTE 'ALTER TABLE {0} ' || keys;
END $$;
{1}
)sql",
                                                      partition_, indexes),
                                          "checking and indexing the file's facts"));
    // The shared table's ids are all below this file's: closed into a block of the range below
    // it, they need no scan to show that none is this file's.
    TILL_RETURN_IF_ERROR(connection_.Exec(
        fmt::format("SELECT till_close_shared_facts({})", file_id_), "closing the shared facts"));
    return connection_.Exec(
        fmt::format("ALTER TABLE fact_sales ATTACH PARTITION {} FOR VALUES FROM ({}) TO ({})",
                    partition_, file_id_, file_id_ + 1),
        "attaching the file's facts");
  }

  Status UpsertMembers(Dimension dimension, std::span<const Member> members) override {
    const DimensionSpec& spec = Spec(dimension);
    // One statement may not touch a row twice: a member met twice in a batch (a smaller
    // spelling came later) is merged here first, keeping each attribute's smallest spelling.
    std::map<int64_t, std::vector<std::optional<std::string_view>>> merged;
    for (const Member& member : members) {
      auto [it, inserted] = merged.try_emplace(member.key);
      auto& values = it->second;
      for (size_t i = 0; i < member.arity; ++i) {
        auto value = member.attribute(i);
        if (inserted) {
          values.push_back(value);
        } else if (value && (!values[i] || *value < *values[i])) {
          values[i] = value;
        }
      }
    }
    // A member stored with spellings no larger is left as it is, not written again: a stream
    // meets the same members in every batch.
    std::vector<std::string> updates;
    std::vector<std::string> stored;
    std::vector<std::string> smallest;
    for (std::string_view attribute : spec.attributes) {
      updates.push_back(fmt::format("{0} = least(t.{0}, excluded.{0})", attribute));
      stored.push_back(fmt::format("t.{}", attribute));
      smallest.push_back(fmt::format("least(t.{0}, excluded.{0})", attribute));
    }
    constexpr size_t kRowsPerStatement = 1000;
    std::vector<std::optional<std::string>> params;
    std::vector<std::string> rows;
    auto flush = [&]() -> Status {
      if (rows.empty()) return {};
      std::string sql = fmt::format(
          "INSERT INTO {0} AS t ({1}, {2}) VALUES {3} ON CONFLICT ({1}) DO UPDATE SET {4} "
          "WHERE ROW({5}) IS DISTINCT FROM ROW({6})",
          spec.table, spec.key_column, fmt::join(spec.attributes, ", "), fmt::join(rows, ", "),
          fmt::join(updates, ", "), fmt::join(stored, ", "), fmt::join(smallest, ", "));
      auto done = connection_.Query(sql, params, fmt::format("writing {}", spec.table));
      rows.clear();
      params.clear();
      return done ? Status{} : Status(Unexpected<Error>(done.error()));
    };
    for (const auto& [key, values] : merged) {
      std::vector<std::string> placeholders;
      params.push_back(std::to_string(key));
      placeholders.push_back(fmt::format("${}::bigint", params.size()));
      for (const auto& value : values) {
        params.push_back(value ? std::optional<std::string>(*value) : std::nullopt);
        placeholders.push_back(fmt::format("${}", params.size()));
      }
      rows.push_back(fmt::format("({})", fmt::join(placeholders, ", ")));
      if (rows.size() == kRowsPerStatement) TILL_RETURN_IF_ERROR(flush());
    }
    return flush();
  }

  Result<std::optional<std::pair<int32_t, int32_t>>> DateBounds() override {
    auto bounds =
        connection_.Query("SELECT min(date_key), max(date_key) FROM dim_date WHERE date_key > 0",
                          {}, "reading the calendar");
    TILL_RETURN_IF_ERROR(bounds);
    std::optional<std::pair<int32_t, int32_t>> stored;
    if (!PQgetisnull(bounds->get(), 0, 0)) {
      stored.emplace(static_cast<int32_t>(IntValue(*bounds, 0, 0)),
                     static_cast<int32_t>(IntValue(*bounds, 0, 1)));
    }
    return stored;
  }

  Status AppendDates(std::span<const CalendarDay> days) override {
    std::string data;
    for (const CalendarDay& day : days) {
      fmt::format_to(std::back_inserter(data), "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
                     day.key, day.full_date, day.year, day.quarter, day.month, day.month_name,
                     day.day, day.day_of_week, day.day_name, day.iso_week,
                     day.is_weekend ? 't' : 'f');
    }
    TILL_RETURN_IF_ERROR(connection_.Exec(
        "CREATE TEMPORARY TABLE till_date (LIKE dim_date) ON COMMIT DROP", "staging the calendar"));
    TILL_RETURN_IF_ERROR(
        connection_.CopyIn("COPY till_date FROM STDIN", data, "staging the calendar"));
    return connection_.Exec(
        "INSERT INTO dim_date SELECT * FROM till_date ORDER BY date_key ON CONFLICT DO NOTHING",
        "writing dim_date");
  }

  Status AppendFacts(std::span<const FactSale* const> facts, int64_t first_sale_id) override {
    if (!OwnPartition()) {
      int64_t sale_id = first_sale_id;
      for (const FactSale* fact : facts) AppendFact(held_, sale_id++, *fact);
      held_facts_ += static_cast<int64_t>(facts.size());
      if (held_.size() >= max_held_bytes_) return StageHeldFacts();
      return {};
    }
    BinaryCopy copy(facts.size() * 200);
    int64_t sale_id = first_sale_id;
    for (const FactSale* fact : facts) AppendFact(copy, sale_id++, *fact);
    return (staging_ ? *staging_ : connection_)
        .CopyIn(fmt::format("COPY {} ({}) FROM STDIN (FORMAT binary)",
                            staging_ ? stage_ : partition_, kFactColumns),
                copy.Finish(), "writing facts");
  }

  // Only Till's loaders write fact_sales_row, one at a time (the load lock), so a hash looked
  // up and not found stays free until this load commits. Each hash is looked up through the
  // primary key by itself (the LIMIT keeps the subquery from being flattened into a join):
  // given the whole array, the planner scans the table instead while it is smaller than a few
  // times the array, and a stream appends a few thousand rows to a growing table many times a
  // second.
  Result<std::vector<RowOwner>> FindRowOwners(std::span<const RowHash> hashes) override {
    TILL_RETURN_IF_ERROR(IndexRows());  // a lookup goes through the index
    std::string array = "{";
    for (const RowHash& hash : hashes) {
      if (array.size() > 1) array += ',';
      AppendUuid(array, hash);
    }
    array += '}';
    auto rows = connection_.Query(
        "SELECT h.ord, r.file_id FROM unnest($1::uuid[]) WITH ORDINALITY AS h (row_hash, ord) "
        "CROSS JOIN LATERAL (SELECT file_id FROM fact_sales_row r "
        "  WHERE r.row_hash = h.row_hash LIMIT 1) r",
        {array}, "checking rows for duplicates");
    TILL_RETURN_IF_ERROR(rows);
    std::vector<RowOwner> owners(hashes.size(), RowOwner::kNone);
    for (int r = 0; r < PQntuples(rows->get()); ++r) {
      int64_t ord = IntValue(*rows, r, 0);
      if (ord < 1 || static_cast<size_t>(ord) > hashes.size()) {
        return MakeError(ErrorCode::kInternal, "a row hash's position is out of range");
      }
      owners[static_cast<size_t>(ord - 1)] =
          IntValue(*rows, r, 1) == file_id_ ? RowOwner::kThisFile : RowOwner::kOtherFile;
    }
    return owners;
  }

  // In uuid order, the order of the table's index.
  Status AppendRowClaims(std::span<RowClaim> claims) override {
    std::sort(claims.begin(), claims.end(), [](const RowClaim& a, const RowClaim& b) {
      return std::tie(a.hash.high, a.hash.low) < std::tie(b.hash.high, b.hash.low);
    });
    BinaryCopy data(claims.size() * 42);
    for (const RowClaim& claim : claims) AppendRowLine(data, claim.hash, claim.source_line);
    TILL_RETURN_IF_ERROR(connection_.CopyIn(
        "COPY fact_sales_row (row_hash, file_id, source_line) FROM STDIN (FORMAT binary)",
        data.Finish(), "writing row hashes"));
    // Into an empty table, the index waits for the last claims (EndBulk): the load finds the
    // claims it wrote in its own file of them (load/claim_runs.h).
    return {};
  }

  Status AppendRowHolders(std::span<const RowHolder> holders) override {
    BinaryCopy data(holders.size() * 42);
    for (const RowHolder& holder : holders) AppendRowLine(data, holder.hash, holder.source_line);
    return connection_.CopyIn(
        "COPY fact_sales_dup (row_hash, file_id, source_line) FROM STDIN (FORMAT binary)",
        data.Finish(), "recording duplicate rows");
  }

  Status ReadStoredRows(StoredRowFilter& filter) override {
    return ReadPostgresStoredRows(connection_, filter, file_id_);
  }

  Status AppendRejects(std::span<const RejectRecord> rejects) override {
    std::string data;
    for (const RejectRecord& reject : rejects) AppendReject(data, file_id_, reject);
    return connection_.CopyIn(kCopyRejects, data, "writing rejects");
  }

  // With no facts pointing at customers, the key and current-version indexes (and the foreign
  // key that needs the first) are dropped for the first copy and built again in one sort each
  // when something first looks versions up, or at the end, instead of grown row by row. A first
  // load that keeps more versions than it holds in memory copies them in several goes and looks
  // none up until it settles them (see CustomerVersions): built after the first copy, as they
  // were, the indexes took every later copy's 1,000,000 versions at random places.
  Status AppendCustomers(std::span<const CustomerRow> versions) override {
    if (no_facts_ && !customers_copied_) {
      TILL_RETURN_IF_ERROR(connection_.Exec(
          "ALTER TABLE fact_sales_files DROP CONSTRAINT fact_sales_customer_key_fkey; "
          "ALTER TABLE dim_customer DROP CONSTRAINT dim_customer_pkey; "
          "DROP INDEX dim_customer_current",
          "preparing dim_customer"));
      customer_indexes_dropped_ = true;
    }
    customers_copied_ = true;
    return CopyCustomers(versions);
  }

  Status EnsureCustomerIndexes() {
    if (!customer_indexes_dropped_) return {};
    customer_indexes_dropped_ = false;
    return connection_.Exec(
        "ALTER TABLE dim_customer ADD CONSTRAINT dim_customer_pkey PRIMARY KEY (customer_key); "
        "CREATE UNIQUE INDEX dim_customer_current ON dim_customer (customer_id) "
        "  WHERE is_current AND customer_id IS NOT NULL; "
        "ALTER TABLE fact_sales_files ADD CONSTRAINT fact_sales_customer_key_fkey "
        "  FOREIGN KEY (customer_key) REFERENCES dim_customer (customer_key)",
        "indexing dim_customer");
  }

  Result<std::vector<std::optional<SeenRange>>> FindCustomers(
      std::span<const int64_t> keys) override {
    TILL_RETURN_IF_ERROR(EnsureCustomerIndexes());
    auto rows = connection_.Query(
        "SELECT customer_key, coalesce(first_seen, 0), coalesce(last_seen, 0) FROM dim_customer "
        "WHERE customer_key = ANY ($1::bigint[])",
        {IntArray(keys)}, "reading stored customer versions");
    TILL_RETURN_IF_ERROR(rows);
    absl::flat_hash_map<int64_t, SeenRange> stored;
    for (int r = 0; r < PQntuples(rows->get()); ++r) {
      stored[IntValue(*rows, r, 0)] = SeenRange{static_cast<int32_t>(IntValue(*rows, r, 1)),
                                                static_cast<int32_t>(IntValue(*rows, r, 2))};
    }
    std::vector<std::optional<SeenRange>> found(keys.size());
    for (size_t i = 0; i < keys.size(); ++i) {
      if (auto it = stored.find(keys[i]); it != stored.end()) found[i] = it->second;
    }
    return found;
  }

  Status SetCustomersSeen(std::span<const CustomerVersion> versions) override {
    TILL_RETURN_IF_ERROR(EnsureCustomerIndexes());
    std::vector<int64_t> keys;
    std::vector<int64_t> firsts;
    std::vector<int64_t> lasts;
    for (const CustomerVersion& version : versions) {
      keys.push_back(version.key);
      firsts.push_back(version.seen.first);
      lasts.push_back(version.seen.last);
    }
    auto updated = connection_.Query(
        "UPDATE dim_customer c SET first_seen = nullif(w.first_seen, 0), "
        "  last_seen = nullif(w.last_seen, 0) "
        "FROM unnest($1::bigint[], $2::integer[], $3::integer[]) AS w (customer_key, "
        "  first_seen, last_seen) WHERE c.customer_key = w.customer_key",
        {IntArray(keys), IntArray(firsts), IntArray(lasts)}, "widening customer versions");
    TILL_RETURN_IF_ERROR(updated);
    return {};
  }

  Result<std::vector<std::optional<CustomerVersion>>> CurrentCustomers(
      std::span<const std::string_view> customer_ids) override {
    TILL_RETURN_IF_ERROR(EnsureCustomerIndexes());
    std::vector<std::optional<CustomerVersion>> versions(customer_ids.size());
    auto rows = connection_.Query(
        "SELECT u.ord, c.customer_key, coalesce(c.first_seen, 0), coalesce(c.last_seen, 0) "
        "FROM unnest($1::text[]) WITH ORDINALITY AS u (id, ord) "
        "JOIN dim_customer c ON c.customer_id = u.id AND c.is_current",
        {TextArray(customer_ids)}, "reading current customer versions");
    TILL_RETURN_IF_ERROR(rows);
    for (int r = 0; r < PQntuples(rows->get()); ++r) {
      auto at = static_cast<size_t>(IntValue(*rows, r, 0) - 1);
      versions.at(at) = CustomerVersion{IntValue(*rows, r, 1),
                                        SeenRange{static_cast<int32_t>(IntValue(*rows, r, 2)),
                                                  static_cast<int32_t>(IntValue(*rows, r, 3))}};
    }
    return versions;
  }

  Status SetCustomersCurrent(std::span<const int64_t> customer_keys, bool current) override {
    TILL_RETURN_IF_ERROR(EnsureCustomerIndexes());
    auto done = connection_.Query(
        "UPDATE dim_customer SET is_current = $1 WHERE customer_key = ANY ($2::bigint[])",
        {current ? "true" : "false", IntArray(customer_keys)}, "flagging current customers");
    TILL_RETURN_IF_ERROR(done);
    return {};
  }

  // The file's run is read through etl_file's key: joined to the steps as a set, the planner
  // hashed the whole of etl_file, a scan that grew with every file loaded.
  Status AppendSteps(std::span<const StepTiming> steps) override {
    std::vector<std::string_view> names;
    std::vector<int64_t> rows;
    std::vector<double> seconds;
    for (const StepTiming& step : steps) {
      names.push_back(step.step);
      rows.push_back(step.rows);
      seconds.push_back(step.seconds);
    }
    TILL_RETURN_IF_ERROR(connection_.Exec(
        fmt::format("DELETE FROM etl_step WHERE file_id = {}", file_id_), "writing steps"));
    auto written = connection_.Query(
        "INSERT INTO etl_step (run_id, file_id, step, rows, seconds) "
        "SELECT f.run_id, f.file_id, s.step, s.rows, s.seconds "
        "FROM etl_file f, unnest($1::text[], $2::bigint[], $3::double precision[]) "
        "  AS s (step, rows, seconds) "
        "WHERE f.file_id = $4",
        {TextArray(names), IntArray(rows), fmt::format("{{{}}}", fmt::join(seconds, ",")),
         std::to_string(file_id_)},
        "writing steps");
    TILL_RETURN_IF_ERROR(written);
    return {};
  }

  Status UnloadFile(int64_t file_id) override {
    TILL_RETURN_IF_ERROR(EnsureCustomerIndexes());
    return UnloadPostgresFile(connection_, file_id);
  }

  Status Write(const BookkeepingWrite& write) override {
    return RunBookkeeping(connection_, write);
  }

  Status Commit() override {
    TILL_RETURN_IF_ERROR(connection_.Exec(kNotifyChange, "committing the load"));
    TILL_RETURN_IF_ERROR(connection_.Exec("COMMIT", "committing the load"));
    committed_ = true;
    return {};
  }

 private:
  // Drops the staged tables of killed loads, which no load can be using: this one holds the load
  // lock, and stages only after taking it. One a role of this session may not drop is left.
  Status DropLeftStages() {
    return connection_.Exec(R"sql(
DO $$
DECLARE
  stage text;
BEGIN
  FOR stage IN SELECT relname FROM pg_class WHERE relkind = 'r'
      AND relname LIKE 'till\_stage\_%' AND pg_table_is_visible(oid) LOOP
    BEGIN
      EXECUTE format('DROP TABLE %I', stage);
    EXCEPTION WHEN insufficient_privilege THEN
      NULL;
    END;
  END LOOP;
END $$)sql",
                            "dropping the tables of killed loads");
  }

  // Takes back what the staging connection did for a load that does not commit: its open
  // transaction, or the table it committed. Quiet: what is left, the next load drops.
  void DropStage() {
    if (PQstatus(staging_->get()) != CONNECTION_OK) return;
    if (indexing_) staging_->Cancel();
    if (staging_->InTransaction()) staging_->Rollback();
    (void)staging_->Exec(fmt::format("DROP TABLE IF EXISTS {}", stage_), "dropping staged facts");
  }

  // Builds the indexes of fact_sales_row that BeginBulk() dropped, once.
  Status IndexRows() {
    if (!rows_bulk_) return {};
    rows_bulk_ = false;
    return connection_.Exec(
        "ALTER TABLE fact_sales_row ADD CONSTRAINT fact_sales_row_pkey PRIMARY KEY (row_hash); "
        "CREATE INDEX fact_sales_row_file ON fact_sales_row (file_id)",
        "indexing fact_sales_row");
  }

  // Appends the facts held in memory, or staged, to the shared table by one statement.
  Status AppendHeldFacts() {
    if (!staged_) {
      if (held_facts_ == 0) return {};
      return connection_.CopyIn(
          fmt::format("COPY {} ({}) FROM STDIN (FORMAT binary)", partition_, kFactColumns),
          held_.Finish(), "appending the facts");
    }
    TILL_RETURN_IF_ERROR(StageHeldFacts());
    return connection_.Exec(fmt::format("INSERT INTO {0} ({1}) SELECT {1} FROM till_batch_facts",
                                        partition_, kFactColumns),
                            "appending the facts");
  }

  // Moves the facts held in memory to the session's temporary table, made once per session
  // and emptied at each commit, where the rest of the batch's facts join them until EndBulk.
  Status StageHeldFacts() {
    if (!staged_) {
      TILL_RETURN_IF_ERROR(
          connection_.Exec("SET LOCAL client_min_messages = warning; "
                           "CREATE TEMPORARY TABLE IF NOT EXISTS till_batch_facts "
                           "(LIKE fact_sales INCLUDING DEFAULTS) ON COMMIT DELETE ROWS",
                           "staging the batch's facts"));
      staged_ = true;
    }
    if (held_facts_ == 0) return {};
    TILL_RETURN_IF_ERROR(connection_.CopyIn(
        fmt::format("COPY till_batch_facts ({}) FROM STDIN (FORMAT binary)", kFactColumns),
        held_.Finish(), "staging the batch's facts"));
    held_ = BinaryCopy(0);
    held_facts_ = 0;
    return {};
  }

  // A row of fact_sales_row or fact_sales_dup: the row's hash, and this file's line of it.
  void AppendRowLine(BinaryCopy& copy, const RowHash& hash, int64_t source_line) const {
    copy.Row(3);
    copy.Uuid(hash);
    copy.Int8(file_id_);
    copy.Int8(source_line);
  }

  // One fact in the column order of kFactColumns.
  void AppendFact(BinaryCopy& copy, int64_t sale_id, const FactSale& fact) {
    copy.Row(20);
    copy.Int8(sale_id);
    copy.Int8(file_id_);
    copy.Int8(fact.source_line);
    if (fact.transaction_id) {
      copy.Text(*fact.transaction_id);
    } else {
      copy.Null();
    }
    copy.Int4(fact.date_key);
    if (fact.time >= 0) {
      copy.Int4(fact.time);
    } else {
      copy.Null();
    }
    for (int64_t key : fact.keys) copy.Int8(key);
    copy.Int8(fact.quantity);
    copy.Float8(fact.unit_price);
    copy.Float8(fact.total_amount);
    if (fact.rating >= 0) {
      copy.Int4(fact.rating);
    } else {
      copy.Null();
    }
    if (fact.recovered == RecoveredAmount::kNone) {
      copy.Null();
    } else {
      copy.Text(RecoveredAmountName(fact.recovered));
    }
  }

  // Copies customer versions into dim_customer a megabyte at a time.
  Status CopyCustomers(std::span<const CustomerRow> versions) {
    constexpr std::string_view kWhat = "writing dim_customer";
    TILL_RETURN_IF_ERROR(connection_.StartCopy("COPY dim_customer FROM STDIN", kWhat));
    std::string data;
    Status put;
    for (size_t i = 0; put && i < versions.size(); ++i) {
      const CustomerRow& version = versions[i];
      fmt::format_to(std::back_inserter(data), "{}\t", version.member.key);
      for (size_t a = 0; a < version.member.arity; ++a) {
        AppendCopyField(data, version.member.attribute(a));
        data += '\t';
      }
      AppendCopyDate(data, version.seen.first);
      data += '\t';
      AppendCopyDate(data, version.seen.last);
      data += version.current ? "\tt\n" : "\tf\n";
      if (data.size() >= (1 << 20)) {
        put = connection_.PutCopy(data, kWhat);
        data.clear();
      }
    }
    if (put) put = connection_.PutCopy(data, kWhat);
    Status ended = connection_.EndCopy(kWhat);
    return put ? ended : put;
  }

  // A file's facts in a table of its own, attached at commit; else in a shared one.
  bool OwnPartition() const { return storage_ == FactStorage::kFilePartition; }

  Connection& connection_;
  // A file's partition's second connection, which copies and indexes its facts (BeginBulk);
  // none for the shared tables, or when the warehouse has none.
  Connection* const staging_;
  const int64_t file_id_;
  const size_t max_held_bytes_;
  const int64_t shared_table_bytes_;
  const FactStorage storage_;
  const std::string partition_;
  const std::string stage_;  // the table staging_ copies the facts into
  bool facts_ended_ = false;
  bool indexing_ = false;  // staging_ is building the indexes
  bool committed_ = false;
  bool rows_bulk_ = false;  // fact_sales_row was empty: its indexes are dropped until written
  bool no_facts_ = false;   // fact_sales was empty when the load began
  bool customers_copied_ = false;          // AppendCustomers() ran
  bool customer_indexes_dropped_ = false;  // see AppendCustomers()
  // Facts for a shared table, held for the one statement that appends them at EndBulk; past
  // max_held_bytes_ they are staged in a temporary table instead (staged_).
  BinaryCopy held_{0};
  int64_t held_facts_ = 0;
  bool staged_ = false;
};

}  // namespace

// The mark is "<file node> <files> <batches>": fact_sales_row's file node (another once the
// table is emptied or made again, when the filter starts from nothing), and in each range of
// file ids the largest whose claims the filter holds. Loads take their ids under the load lock
// (files and batches each from a range of their own), so every load with a smaller id in this
// one's range has committed, and every later load takes a larger id than any there is now:
// the claims of the loads committed after a reading are those of larger ids. An unload moves a
// claim only to a file that held the row as a duplicate, loaded after the claim's file, so a
// claim never moves below the mark unread.
Status ReadPostgresStoredRows(Connection& connection, StoredRowFilter& filter,
                              int64_t own_file_id) {
  auto state = connection.Query(
      "SELECT pg_relation_filenode('fact_sales_row'), "
      "  (SELECT coalesce(max(file_id), 0) FROM etl_file WHERE file_id < $1), "
      "  (SELECT coalesce(max(file_id), $1 - 1) FROM etl_file WHERE file_id >= $1)",
      {std::to_string(kFirstBatchId)}, "reading the row hashes' state");
  TILL_RETURN_IF_ERROR(state);
  const int64_t node = IntValue(*state, 0, 0);
  int64_t files = IntValue(*state, 0, 1);
  int64_t batches = IntValue(*state, 0, 2);
  // A load's own id is the largest of its range, and its claims are not committed yet.
  if (own_file_id > 0) (own_file_id < kFirstBatchId ? files : batches) = own_file_id - 1;
  int64_t read_node = 0;
  int64_t read_files = 0;
  int64_t read_batches = 0;
  bool fits = std::sscanf(filter.mark().c_str(), "%" SCNd64 " %" SCNd64 " %" SCNd64, &read_node,
                          &read_files, &read_batches) == 3 &&
              read_node == node && read_files <= files && read_batches <= batches;
  auto add = [&](const PgResult& rows) -> Status {
    for (int r = 0; r < PQntuples(rows.get()); ++r) {
      auto hash = ParseUuid(std::string_view(PQgetvalue(rows.get(), r, 0),
                                             static_cast<size_t>(PQgetlength(rows.get(), r, 0))));
      if (!hash) return MakeError(ErrorCode::kInternal, "a stored row hash is not a uuid");
      filter.Add(*hash);
    }
    return {};
  };
  if (fits) {
    auto rows = connection.Query(
        "SELECT row_hash FROM fact_sales_row "
        "WHERE (file_id > $1 AND file_id < $3) OR file_id > $2",
        {std::to_string(read_files), std::to_string(read_batches), std::to_string(kFirstBatchId)},
        "reading the row hashes loaded since");
    TILL_RETURN_IF_ERROR(rows);
    TILL_RETURN_IF_ERROR(add(*rows));
  } else {
    // Every claim, a page at a time in the order of the table's key, so that neither side
    // holds them all at once.
    filter.Clear();
    constexpr int kPage = 200'000;
    std::string after;
    for (;;) {
      auto rows = after.empty()
                      ? connection.Query(fmt::format("SELECT row_hash FROM fact_sales_row "
                                                     "ORDER BY row_hash LIMIT {}",
                                                     kPage),
                                         {}, "reading the row hashes")
                      : connection.Query(fmt::format("SELECT row_hash FROM fact_sales_row "
                                                     "WHERE row_hash > $1 "
                                                     "ORDER BY row_hash LIMIT {}",
                                                     kPage),
                                         {after}, "reading the row hashes");
      TILL_RETURN_IF_ERROR(rows);
      TILL_RETURN_IF_ERROR(add(*rows));
      const int n = PQntuples(rows->get());
      if (n < kPage) break;
      after = PQgetvalue(rows->get(), n - 1, 0);
    }
  }
  filter.set_mark(fmt::format("{} {} {}", node, files, batches));
  return {};
}

std::unique_ptr<LoadTransport> MakePostgresTransport(Connection& connection, Connection* staging,
                                                     int64_t file_id, FactStorage storage,
                                                     size_t held_fact_bytes,
                                                     int64_t shared_table_bytes) {
  return std::make_unique<PostgresTransport>(connection, staging, file_id, storage, held_fact_bytes,
                                             shared_table_bytes);
}

Status UnloadPostgresFile(Connection& connection, int64_t file_id) {
  return connection.Exec(fmt::format(R"sql(
CREATE TEMPORARY TABLE IF NOT EXISTS till_move (
  row_hash uuid, old_line bigint, file_id bigint, source_line bigint) ON COMMIT DROP;
TRUNCATE till_move;
INSERT INTO till_move
  SELECT DISTINCT ON (r.row_hash) r.row_hash, r.source_line, d.file_id, d.source_line
  FROM fact_sales_row r
  JOIN fact_sales_dup d ON d.row_hash = r.row_hash AND d.file_id <> r.file_id
  JOIN etl_file e ON e.file_id = d.file_id AND e.status = 'loaded' AND e.unloaded_at IS NULL
  WHERE r.file_id = {0}
  ORDER BY r.row_hash, d.file_id, d.source_line;
UPDATE fact_sales f SET file_id = m.file_id, source_line = m.source_line
FROM till_move m WHERE f.file_id = {0} AND f.source_line = m.old_line;
UPDATE fact_sales_row r SET file_id = m.file_id, source_line = m.source_line
FROM till_move m WHERE r.row_hash = m.row_hash;
DELETE FROM fact_sales_dup d USING till_move m
WHERE d.row_hash = m.row_hash AND d.file_id = m.file_id AND d.source_line = m.source_line;
UPDATE etl_file e SET rows_loaded = e.rows_loaded + m.moved,
                      rows_duplicate = e.rows_duplicate - m.moved
FROM (SELECT file_id, count(*) AS moved FROM till_move GROUP BY file_id) m
WHERE e.file_id = m.file_id;
DELETE FROM fact_sales_row WHERE file_id = {0};
DELETE FROM fact_sales_dup WHERE file_id = {0};
DO $$ BEGIN
  IF to_regclass('fact_sales_file_{0}') IS NOT NULL THEN
    EXECUTE format('ALTER TABLE %s DETACH PARTITION fact_sales_file_{0}',
                   (SELECT inhparent::regclass FROM pg_inherits
                    WHERE inhrelid = 'fact_sales_file_{0}'::regclass));
    DROP TABLE fact_sales_file_{0};
  ELSE
    DELETE FROM fact_sales WHERE file_id = {0};
  END IF;
END $$;
UPDATE etl_file SET unloaded_at = now() WHERE file_id = {0};
)sql",
                                     file_id),
                         fmt::format("unloading file {}", file_id));
}

Status RunBookkeeping(Connection& connection, const BookkeepingWrite& write) {
  auto done = connection.Query(write.sql, write.values, "writing the load's records");
  return done ? Status{} : Status(Unexpected<Error>(done.error()));
}

void AppendReject(std::string& out, int64_t file_id, const RejectRecord& reject) {
  fmt::format_to(std::back_inserter(out), "{}\t{}\t", file_id, reject.line);
  // etl_reject keeps text; a raw line that is not UTF-8 (why it was rejected, often) keeps
  // its readable parts.
  AppendCopyField(
      out, reject.column.empty() ? std::nullopt : std::optional<std::string_view>(reject.column));
  out += '\t';
  AppendCopyText(out, ReplaceInvalidUtf8(reject.reason));
  out += '\t';
  AppendCopyText(out, ReplaceInvalidUtf8(reject.message));
  out += '\t';
  AppendCopyText(out, ReplaceInvalidUtf8(reject.raw));
  out += reject.row_rejected ? "\tt\n" : "\tf\n";
}

}  // namespace till
