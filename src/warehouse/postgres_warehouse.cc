#include "warehouse/postgres_warehouse.h"

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <libpq-fe.h>
#include <openssl/rand.h>

#include <algorithm>
#include <bit>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <map>
#include <regex>
#include <type_traits>

#include "base/clock.h"
#include "base/text.h"
#include "warehouse/calendar.h"
#include "warehouse/schema.h"

namespace till {
namespace {

// Transaction-level advisory locks (pg_advisory_xact_lock keys). Migrations take one; every
// load takes the other for its whole transaction, so concurrent loaders into one database
// write one after the other: each finds the dimensions as the previous one left them and no
// two ever wait on each other's rows. Reading, cleaning and staging run outside it.
constexpr int64_t kMigrateLock = 0x74696c6c'00000001;  // "till" 1
constexpr int64_t kLoadLock = 0x74696c6c'00000002;     // "till" 2

struct ResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using PgResult = std::unique_ptr<PGresult, ResultDeleter>;

// The first line of a libpq message, without its trailing newline and "ERROR:  " prefix.
std::string Trimmed(const char* message) {
  std::string_view text = message ? message : "";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  return std::string(text);
}

// A PostgreSQL failure as an Error: what was being done, the server's message, and the
// constraint, table and column involved when the server names them.
Unexpected<Error> PgError(PGconn* conn, const PGresult* result, std::string_view what) {
  std::string message =
      Trimmed(result ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr);
  if (message.empty()) message = Trimmed(PQerrorMessage(conn));
  if (message.empty()) message = "unknown error";
  std::string detail;
  if (result) {
    for (auto [field, label] :
         {std::pair{PG_DIAG_CONSTRAINT_NAME, "constraint"}, std::pair{PG_DIAG_TABLE_NAME, "table"},
          std::pair{PG_DIAG_COLUMN_NAME, "column"}}) {
      if (const char* value = PQresultErrorField(result, field)) {
        detail += fmt::format("{}{} {}", detail.empty() ? "" : ", ", label, value);
      }
    }
    if (const char* extra = PQresultErrorField(result, PG_DIAG_MESSAGE_DETAIL)) {
      detail += fmt::format("{}{}", detail.empty() ? "" : "; ", Trimmed(extra));
    }
  }
  if (PQstatus(conn) == CONNECTION_BAD) message += " (the connection to the server was lost)";
  return MakeError(ErrorCode::kWarehouseError,
                   fmt::format("PostgreSQL: {}: {}{}", what, message,
                               detail.empty() ? "" : fmt::format(" ({})", detail)));
}

// Appends `value` to a COPY text-format line, escaped.
void AppendCopyText(std::string& out, std::string_view value) {
  size_t start = 0;
  for (size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    const char* escape = nullptr;
    switch (c) {
      case '\\':
        escape = "\\\\";
        break;
      case '\t':
        escape = "\\t";
        break;
      case '\n':
        escape = "\\n";
        break;
      case '\r':
        escape = "\\r";
        break;
      default:
        continue;
    }
    out.append(value.substr(start, i - start));
    out += escape;
    start = i + 1;
  }
  out.append(value.substr(start));
}

void AppendCopyField(std::string& out, std::optional<std::string_view> value) {
  if (value) {
    AppendCopyText(out, *value);
  } else {
    out += "\\N";
  }
}

// A date key of a seen range: 0 (unknown) is NULL.
void AppendCopyDate(std::string& out, int32_t key) {
  if (key == 0) {
    out += "\\N";
  } else {
    fmt::format_to(std::back_inserter(out), "{}", key);
  }
}

// A 128-bit row hash as a uuid: high half first, big-endian, so PostgreSQL orders uuids as the
// loader sorts the hashes.
void AppendUuid(std::string& out, const RowHash& hash) {
  std::string hex = fmt::format("{:016x}{:016x}", hash.high, hash.low);
  out.append(hex, 0, 8);
  out += '-';
  out.append(hex, 8, 4);
  out += '-';
  out.append(hex, 12, 4);
  out += '-';
  out.append(hex, 16, 4);
  out += '-';
  out.append(hex, 20, 12);
}

// COPY's binary format, written by hand because libpq leaves it to the caller: a header, then
// per row a field count and each field as a big-endian length and value (-1 for NULL), then a
// trailer. The server skips parsing text for every number, which is most of a fact.
class BinaryCopy {
 public:
  explicit BinaryCopy(size_t reserve) {
    out_.reserve(reserve + 32);
    out_.append("PGCOPY\n\xff\r\n\0", 11);
    Put<int32_t>(0);  // flags
    Put<int32_t>(0);  // header extension length
  }

  void Row(int16_t fields) { Put(fields); }
  void Int8(int64_t value) { Field(value); }
  void Int4(int32_t value) { Field(value); }
  void Float8(double value) { Field(std::bit_cast<int64_t>(value)); }
  void Null() { Put<int32_t>(-1); }
  void Text(std::string_view value) {
    Put(static_cast<int32_t>(value.size()));
    out_.append(value);
  }

  // The finished data, trailer included.
  std::string& Finish() {
    Put<int16_t>(-1);
    return out_;
  }

 private:
  template <typename T>
  void Field(T value) {
    Put(static_cast<int32_t>(sizeof(T)));
    Put(value);
  }
  template <typename T>
  void Put(T value) {
    auto bits = static_cast<std::make_unsigned_t<T>>(value);
    char bytes[sizeof(T)];
    for (size_t i = 0; i < sizeof(T); ++i) {
      bytes[i] = static_cast<char>(bits >> (8 * (sizeof(T) - 1 - i)));
    }
    out_.append(bytes, sizeof(T));
  }

  std::string out_;
};

// Where the literal or comment starting at `sql[i]` ends (one past it), or `i` when none
// starts there: '…' (with E'…' backslash escapes), "…", $tag$…$tag$, -- … and /* … */.
size_t SkipQuoted(std::string_view sql, size_t i) {
  auto find_or_end = [&](std::string_view what, size_t from) {
    size_t at = sql.find(what, from);
    return at == std::string_view::npos ? sql.size() : at + what.size();
  };
  char c = sql[i];
  if (c == '\'' || c == '"') {
    const bool escapes =
        c == '\'' && i > 0 && (sql[i - 1] == 'E' || sql[i - 1] == 'e') &&
        (i < 2 || !(std::isalnum(static_cast<unsigned char>(sql[i - 2])) || sql[i - 2] == '_'));
    for (size_t at = i + 1; at < sql.size(); ++at) {
      if (escapes && sql[at] == '\\') {
        ++at;
      } else if (sql[at] == c) {
        if (at + 1 < sql.size() && sql[at + 1] == c) {
          ++at;  // a doubled quote
        } else {
          return at + 1;
        }
      }
    }
    return sql.size();
  }
  if (sql.substr(i, 2) == "--") return find_or_end("\n", i);
  if (sql.substr(i, 2) == "/*") return find_or_end("*/", i + 2);
  if (c == '$') {
    size_t close = i + 1;
    while (close < sql.size() &&
           (std::isalnum(static_cast<unsigned char>(sql[close])) || sql[close] == '_')) {
      ++close;
    }
    if (close < sql.size() && sql[close] == '$' &&
        !(close > i + 1 && std::isdigit(static_cast<unsigned char>(sql[i + 1])))) {
      std::string_view tag = sql.substr(i, close - i + 1);
      return find_or_end(tag, close + 1);
    }
  }
  return i;
}

// Turns the "?" and "?N" placeholders the warehouse interface uses (SQLite's) into PostgreSQL's
// "$N", leaving literals, quoted names and comments alone.
std::string ToDollarPlaceholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 8);
  int next = 0;
  for (size_t i = 0; i < sql.size(); ++i) {
    if (size_t end = SkipQuoted(sql, i); end != i) {
      out.append(sql.substr(i, end - i));
      i = end - 1;
    } else if (sql[i] == '?') {
      size_t digits = i + 1;
      while (digits < sql.size() && sql[digits] >= '0' && sql[digits] <= '9') ++digits;
      if (digits > i + 1) {
        out += '$';
        out.append(sql.substr(i + 1, digits - i - 1));
        i = digits - 1;
      } else {
        out += fmt::format("${}", ++next);
      }
    } else {
      out += sql[i];
    }
  }
  return out;
}

// One libpq connection and the few ways Till talks over it.
class Connection {
 public:
  Connection(std::string conninfo, bool read_only)
      : conninfo_(std::move(conninfo)), read_only_(read_only) {}
  ~Connection() { PQfinish(conn_); }

  // Connects, or reconnects after the server went away.
  Status Connect() {
    PQfinish(conn_);
    // Settings the user's connection string or PG* variables do not set: a bounded wait for an
    // unreachable server, and a name in pg_stat_activity. The user's string comes last and wins.
    std::vector<const char*> keys;
    std::vector<const char*> values;
    if (!std::getenv("PGCONNECT_TIMEOUT")) {
      keys.push_back("connect_timeout");
      values.push_back("10");
    }
    if (!std::getenv("PGAPPNAME")) {
      keys.push_back("application_name");
      values.push_back("till");
    }
    keys.push_back("dbname");
    values.push_back(conninfo_.c_str());
    keys.push_back(nullptr);
    values.push_back(nullptr);
    conn_ = PQconnectdbParams(keys.data(), values.data(), /*expand_dbname=*/1);
    if (PQstatus(conn_) != CONNECTION_OK) {
      return MakeError(ErrorCode::kWarehouseError,
                       fmt::format("cannot connect to PostgreSQL warehouse {}: {}", Describe(),
                                   Trimmed(PQerrorMessage(conn_))));
    }
    // Timestamps in UTC and ISO form, whatever the server's or the role's defaults.
    TILL_RETURN_IF_ERROR(
        Exec("SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET client_encoding = 'UTF8'; "
             "SET client_min_messages = 'warning'",
             "setting up the session"));
    if (!read_only_) return {};
    return Exec("SET default_transaction_read_only = on", "making the session read-only");
  }

  // Reconnects when the connection was lost (the server restarted, say).
  Status EnsureConnected() {
    // A server that restarted or went away has closed the socket (or sent a last FATAL) while
    // the connection sat idle; reading what is pending tells.
    if (conn_ && PQstatus(conn_) == CONNECTION_OK && PQtransactionStatus(conn_) == PQTRANS_IDLE) {
      PQconsumeInput(conn_);
      while (PGnotify* notice = PQnotifies(conn_)) PQfreemem(notice);
    }
    if (conn_ && PQstatus(conn_) == CONNECTION_OK) return {};
    return Connect();
  }

  // postgres://user@host:port/database: where this connection goes, never with a password.
  std::string Describe() const {
    if (!conn_) return "postgres://";
    auto text = [](const char* value) { return std::string(value ? value : ""); };
    std::string host = text(PQhost(conn_));
    if (host.find(':') != std::string::npos) host = fmt::format("[{}]", host);  // IPv6
    return fmt::format("postgres://{}@{}:{}/{}", text(PQuser(conn_)), host, text(PQport(conn_)),
                       text(PQdb(conn_)));
  }

  PGconn* get() const { return conn_; }

  // Runs one or more statements without parameters.
  Status Exec(std::string_view sql, std::string_view what) {
    std::string text(sql);
    PgResult result = Run([&] { return PQexec(conn_, text.c_str()); });
    ExecStatusType status = PQresultStatus(result.get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      return PgError(conn_, result.get(), what);
    }
    return {};
  }

  // Runs one statement with text parameters (nullopt binds NULL).
  Result<PgResult> Query(std::string_view sql, std::span<const std::optional<std::string>> params,
                         std::string_view what) {
    std::string text(sql);
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const auto& param : params) values.push_back(param ? param->c_str() : nullptr);
    PgResult result = Run([&] {
      return PQexecParams(conn_, text.c_str(), static_cast<int>(values.size()), nullptr,
                          values.data(), nullptr, nullptr, 0);
    });
    ExecStatusType status = PQresultStatus(result.get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      return PgError(conn_, result.get(), what);
    }
    return result;
  }

  Result<PgResult> Query(std::string_view sql, std::initializer_list<std::string> params,
                         std::string_view what) {
    std::vector<std::optional<std::string>> bound(params.begin(), params.end());
    return Query(sql, bound, what);
  }

  // Runs one statement in libpq's single-row mode, handing each row to `visit` as it arrives.
  Status QueryRows(std::string_view sql, std::span<const std::string> params,
                   const Warehouse::RowVisitor& visit, std::string_view what) {
    std::string text(sql);
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const auto& param : params) values.push_back(param.c_str());
    if (!PQsendQueryParams(conn_, text.c_str(), static_cast<int>(values.size()), nullptr,
                           values.data(), nullptr, nullptr, 0) ||
        !PQsetSingleRowMode(conn_)) {
      return PgError(conn_, nullptr, what);
    }
    Status status;
    std::vector<std::optional<std::string_view>> row;
    while (PgResult result{PQgetResult(conn_)}) {
      PGresult* r = result.get();
      ExecStatusType state = PQresultStatus(r);
      if (state == PGRES_SINGLE_TUPLE && status) {
        row.resize(static_cast<size_t>(PQnfields(r)));
        for (int c = 0; c < PQnfields(r); ++c) {
          if (PQgetisnull(r, 0, c)) {
            row[c].reset();
          } else {
            row[c].emplace(PQgetvalue(r, 0, c), static_cast<size_t>(PQgetlength(r, 0, c)));
          }
        }
        status = visit(row);
        // Stop the server sending more; the remaining results still have to be drained.
        if (!status) PQrequestCancel(conn_);
      } else if (state != PGRES_SINGLE_TUPLE && state != PGRES_TUPLES_OK &&
                 state != PGRES_COMMAND_OK && status) {
        status = PgError(conn_, r, what);
      }
    }
    return status;
  }

  // COPY … FROM STDIN: StartCopy, then PutCopy any number of times, then EndCopy. The data is
  // COPY's text format (lines ending in '\n') or, when the statement asks for it, binary.
  Status StartCopy(std::string_view copy_sql, std::string_view what) {
    std::string text(copy_sql);
    PgResult start(PQexec(conn_, text.c_str()));
    if (PQresultStatus(start.get()) != PGRES_COPY_IN) return PgError(conn_, start.get(), what);
    return {};
  }

  Status PutCopy(std::string_view data, std::string_view what) {
    // Sent in pieces of at most 1 MiB: libpq takes any size, but the server reads messages of
    // at most 1 GiB, and smaller pieces keep both sides busy.
    constexpr size_t kPiece = 1 << 20;
    for (size_t at = 0; at < data.size(); at += kPiece) {
      std::string_view piece = data.substr(at, kPiece);
      if (PQputCopyData(conn_, piece.data(), static_cast<int>(piece.size())) != 1) {
        return PgError(conn_, nullptr, what);
      }
    }
    return {};
  }

  Status EndCopy(std::string_view what) {
    if (PQputCopyEnd(conn_, nullptr) != 1) return PgError(conn_, nullptr, what);
    PgResult end(PQgetResult(conn_));
    Status status = PQresultStatus(end.get()) == PGRES_COMMAND_OK
                        ? Status{}
                        : Status(PgError(conn_, end.get(), what));
    // Drain what is left so the connection is ready for the next statement.
    while (PgResult more{PQgetResult(conn_)}) {
    }
    return status;
  }

  Status CopyIn(std::string_view copy_sql, std::string_view data, std::string_view what) {
    TILL_RETURN_IF_ERROR(StartCopy(copy_sql, what));
    Status put = PutCopy(data, what);
    Status ended = EndCopy(what);  // ends the copy even when a piece failed
    return put ? ended : put;
  }

  // Runs `send` once, and once more on a new connection when the old one turned out to be
  // dead: a server that restarted while the connection sat idle outside any transaction had
  // nothing of this session to lose.
  template <typename Send>
  PgResult Run(Send send) {
    const bool idle = PQtransactionStatus(conn_) == PQTRANS_IDLE;
    PgResult result(send());
    if (idle && PQstatus(conn_) == CONNECTION_BAD && Connect()) result.reset(send());
    return result;
  }

  // Rolls back whatever transaction is open; quiet when there is none or the server is gone.
  void Rollback() {
    if (conn_ && PQstatus(conn_) == CONNECTION_OK) PgResult(PQexec(conn_, "ROLLBACK"));
  }

 private:
  std::string conninfo_;
  bool read_only_ = false;
  PGconn* conn_ = nullptr;
};

std::optional<std::string> Value(const PgResult& result, int row, int column) {
  if (PQgetisnull(result.get(), row, column)) return std::nullopt;
  return std::string(PQgetvalue(result.get(), row, column),
                     static_cast<size_t>(PQgetlength(result.get(), row, column)));
}

int64_t IntValue(const PgResult& result, int row, int column) {
  if (PQgetisnull(result.get(), row, column)) return 0;
  return std::strtoll(PQgetvalue(result.get(), row, column), nullptr, 10);
}

std::optional<std::string> Nullable(std::string_view text) {
  if (text.empty()) return std::nullopt;
  return std::string(text);
}

// A PostgreSQL array literal of `items`, each quoted.
std::string TextArray(std::span<const std::string_view> items) {
  std::string out = "{";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    out += '"';
    for (char c : items[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

std::string IntArray(std::span<const int64_t> items) {
  return fmt::format("{{{}}}", fmt::join(items, ","));
}

// The COPY line of an etl_reject record.
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

constexpr std::string_view kCopyRejects =
    "COPY etl_reject (file_id, line, column_name, reason, message, raw_line, row_rejected) "
    "FROM STDIN";

constexpr std::string_view kFactColumns =
    "sale_id, file_id, source_line, transaction_id, date_key, sale_time, gender_key, income_key, "
    "feedback_key, shipping_method_key, payment_method_key, order_status_key, location_key, "
    "product_key, customer_key, quantity, unit_price, total_amount, rating, recovered";

// A customer version waiting, in a load into an empty customer dimension, to be written at
// commit with its final seen range and flag.
struct PendingCustomer {
  int64_t key = 0;
  std::string attributes;  // COPY text of the attribute columns, tab-separated
  SeenRange seen;
  bool current = false;
};

// Removes the rows only `file_id` holds and marks it unloaded, inside the caller's
// transaction: rows a still-loaded file held as duplicates move to the first such holder (into
// its partition), then the file's partition is dropped.
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
    ALTER TABLE fact_sales DETACH PARTITION fact_sales_file_{0};
    DROP TABLE fact_sales_file_{0};
  END IF;
END $$;
UPDATE etl_file SET unloaded_at = now() WHERE file_id = {0};
)sql",
                                     file_id),
                         fmt::format("unloading file {}", file_id));
}

Status WriteLandingEntry(Connection& connection, const LandingEntry& entry) {
  std::vector<std::optional<std::string>> params = {
      entry.zone,
      entry.key,
      entry.version,
      std::to_string(entry.size_bytes),
      Nullable(entry.sha256),
      entry.file_id ? std::optional<std::string>(std::to_string(*entry.file_id)) : std::nullopt,
      entry.loaded ? "loaded" : "failed",
      Nullable(ReplaceInvalidUtf8(entry.error))};
  auto done = connection.Query(
      "INSERT INTO landing_key (zone, key, version, size_bytes, sha256, file_id, status, error, "
      "seen_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now()) "
      "ON CONFLICT (zone, key) DO UPDATE SET version = excluded.version, "
      "size_bytes = excluded.size_bytes, sha256 = excluded.sha256, file_id = excluded.file_id, "
      "status = excluded.status, error = excluded.error, seen_at = excluded.seen_at",
      params, "recording the landing key");
  return done ? Status{} : Status(Unexpected<Error>(done.error()));
}

class PostgresLoad final : public WarehouseLoad {
 public:
  PostgresLoad(Connection& connection, int64_t file_id)
      : connection_(connection),
        file_id_(file_id),
        partition_(fmt::format("fact_sales_file_{}", file_id)) {}
  ~PostgresLoad() override {
    if (!committed_) connection_.Rollback();
  }

  // Runs inside the load's transaction, under the load lock.
  Status Prepare() {
    auto state = connection_.Query(
        "SELECT NOT EXISTS (SELECT 1 FROM fact_sales_row), "
        "  NOT EXISTS (SELECT 1 FROM dim_customer WHERE customer_key <> 0), "
        "  (SELECT coalesce(max(sale_id), 0) FROM fact_sales)",
        {}, "reading the warehouse's state");
    TILL_RETURN_IF_ERROR(state);
    facts_bulk_ = *Value(*state, 0, 0) == "t";
    probe_rows_ = !facts_bulk_;
    customers_before_ = *Value(*state, 0, 1) == "f";
    probe_stored_ = customers_before_;
    next_sale_id_ = IntValue(*state, 0, 2) + 1;
    no_facts_ = next_sale_id_ == 1;
    if (facts_bulk_) {
      // Into an empty fact_sales_row the load appends its row hashes as they come and builds
      // the indexes once, at commit, in one sort each (see WriteClaims): growing a
      // b-tree of random hashes row by row costs several times as much.
      TILL_RETURN_IF_ERROR(
          connection_.Exec("ALTER TABLE fact_sales_row DROP CONSTRAINT fact_sales_row_pkey; "
                           "DROP INDEX fact_sales_row_file",
                           "preparing fact_sales_row"));
    }
    // The file's facts go to a table of its own, attached to fact_sales at commit (see
    // postgres_schema.cc). The CHECK lets the attach skip scanning it for the partition bound.
    return connection_.Exec(
        fmt::format("CREATE TABLE {0} (LIKE fact_sales INCLUDING DEFAULTS INCLUDING CONSTRAINTS); "
                    "ALTER TABLE {0} ADD CONSTRAINT {0}_file CHECK (file_id = {1})",
                    partition_, file_id_),
        "creating the file's fact table");
  }

  int64_t file_id() const override { return file_id_; }

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
    std::vector<std::string> updates;
    for (std::string_view attribute : spec.attributes) {
      updates.push_back(fmt::format("{0} = least(t.{0}, excluded.{0})", attribute));
    }
    constexpr size_t kRowsPerStatement = 1000;
    std::vector<std::optional<std::string>> params;
    std::vector<std::string> rows;
    auto flush = [&]() -> Status {
      if (rows.empty()) return {};
      std::string sql = fmt::format(
          "INSERT INTO {0} AS t ({1}, {2}) VALUES {3} ON CONFLICT ({1}) DO UPDATE SET {4}",
          spec.table, spec.key_column, fmt::join(spec.attributes, ", "), fmt::join(rows, ", "),
          fmt::join(updates, ", "));
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

  Status EnsureDates(std::span<const int32_t> date_keys) override {
    if (date_keys.empty()) return {};
    auto bounds =
        connection_.Query("SELECT min(date_key), max(date_key) FROM dim_date WHERE date_key > 0",
                          {}, "reading the calendar");
    TILL_RETURN_IF_ERROR(bounds);
    std::optional<std::pair<int32_t, int32_t>> stored;
    if (!PQgetisnull(bounds->get(), 0, 0)) {
      stored.emplace(static_cast<int32_t>(IntValue(*bounds, 0, 0)),
                     static_cast<int32_t>(IntValue(*bounds, 0, 1)));
    }
    std::string data;
    for (const CalendarDay& day : CalendarDays(date_keys, stored)) {
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

  // Each fact claims its row hash: a hash this load or an earlier file holds is a duplicate.
  // This load's claims are kept in memory and written at commit in hash order (or, into an
  // empty fact_sales_row, as they come, its indexes built at commit); earlier files' are looked
  // up in fact_sales_row. Only Till's loaders write there, one at a time (the load lock), so a
  // hash looked up and not found stays free until this load commits.
  Result<int64_t> AppendFacts(std::span<const FactSale> facts) override {
    if (claimed_.size() + facts.size() > BulkRowCheckLimit()) {
      // Memory stays bounded: the claims so far go to the table, and lookups find them there.
      TILL_RETURN_IF_ERROR(WriteClaims());
    }
    absl::flat_hash_map<RowHash, int64_t, RowHashHasher> owners;
    if (probe_rows_) {
      auto found = Owners(facts);
      TILL_RETURN_IF_ERROR(found);
      owners = std::move(*found);
    }
    std::vector<const FactSale*> kept;
    kept.reserve(facts.size());
    std::string holders;
    for (const FactSale& fact : facts) {
      if (claimed_.contains(fact.row_hash)) continue;  // this load's own row, met again
      if (auto owner = owners.find(fact.row_hash); owner != owners.end()) {
        if (owner->second != file_id_) {
          // A row an earlier file loaded: this file holds it too, which keeps the row when
          // that file is unloaded (see UnloadFile).
          AppendUuid(holders, fact.row_hash);
          fmt::format_to(std::back_inserter(holders), "\t{}\t{}\n", file_id_, fact.source_line);
        }
        continue;
      }
      claimed_.insert(fact.row_hash);
      staged_rows_.push_back(StagedRow{fact.row_hash, fact.source_line});
      kept.push_back(&fact);
    }
    if (!holders.empty()) {
      TILL_RETURN_IF_ERROR(
          connection_.CopyIn("COPY fact_sales_dup (row_hash, file_id, source_line) FROM STDIN",
                             holders, "recording duplicate rows"));
    }
    if (facts_bulk_) TILL_RETURN_IF_ERROR(WriteStagedRows());  // no index to keep in order
    BinaryCopy copy(kept.size() * 200);
    for (const FactSale* fact : kept) AppendFact(copy, next_sale_id_++, *fact);
    TILL_RETURN_IF_ERROR(connection_.CopyIn(
        fmt::format("COPY {} ({}) FROM STDIN (FORMAT binary)", partition_, kFactColumns),
        copy.Finish(), "writing facts"));
    return static_cast<int64_t>(kept.size());
  }

  Status AddRejects(std::span<const RejectRecord> rejects) override {
    std::string data;
    for (const RejectRecord& reject : rejects) AppendReject(data, file_id_, reject);
    return connection_.CopyIn(kCopyRejects, data, "writing rejects");
  }

  Result<bool> HasCustomers() override { return customers_before_; }

  // Customer versions new to the warehouse are kept here and written once, at commit, with
  // their final seen range and flag, in key order: nearly every row of a real file brings one,
  // and writing each as it comes and again when it is widened or made current costs several
  // times as much. Versions the warehouse holds already are widened where they are.
  Result<std::vector<SeenRange>> UpsertCustomers(std::span<const CustomerWrite> versions) override {
    if (pending_.size() + versions.size() > std::min(kMaxPendingCustomers, BulkRowCheckLimit())) {
      // Memory stays bounded: the versions kept so far go to the table now.
      TILL_RETURN_IF_ERROR(WritePendingCustomers());
    }
    std::vector<SeenRange> merged(versions.size());
    std::vector<size_t> unknown;  // neither kept by this load nor known to be new
    for (size_t i = 0; i < versions.size(); ++i) {
      auto it = pending_index_.find(versions[i].member->key);
      if (it == pending_index_.end()) {
        unknown.push_back(i);
        continue;
      }
      PendingCustomer& pending = pending_[it->second];
      pending.seen = Widened(pending.seen, versions[i].seen);
      merged[i] = pending.seen;
    }
    absl::flat_hash_map<int64_t, SeenRange> stored;
    if (probe_stored_ && !unknown.empty()) {
      std::vector<CustomerVersion> probe;
      probe.reserve(unknown.size());
      for (size_t i : unknown) probe.push_back({versions[i].member->key, versions[i].seen});
      auto widened = WidenStored(probe);
      TILL_RETURN_IF_ERROR(widened);
      stored = std::move(*widened);
    }
    for (size_t i : unknown) {
      const CustomerWrite& version = versions[i];
      if (auto found = stored.find(version.member->key); found != stored.end()) {
        merged[i] = found->second;
        continue;
      }
      pending_index_.emplace(version.member->key, pending_.size());
      PendingCustomer& pending = pending_.emplace_back();
      pending.key = version.member->key;
      pending.attributes = CustomerAttributes(*version.member);
      pending.seen = version.seen;
      pending.current = version.current;
      merged[i] = version.seen;
    }
    return merged;
  }

  Result<std::vector<SeenRange>> WidenCustomers(
      std::span<const CustomerVersion> versions) override {
    std::vector<SeenRange> merged(versions.size());
    std::vector<CustomerVersion> elsewhere;
    for (size_t i = 0; i < versions.size(); ++i) {
      auto it = pending_index_.find(versions[i].key);
      if (it == pending_index_.end()) {
        elsewhere.push_back(versions[i]);
        continue;
      }
      PendingCustomer& pending = pending_[it->second];
      pending.seen = Widened(pending.seen, versions[i].seen);
      merged[i] = pending.seen;
    }
    if (elsewhere.empty()) return merged;
    auto stored = WidenStored(elsewhere);
    TILL_RETURN_IF_ERROR(stored);
    for (size_t i = 0; i < versions.size(); ++i) {
      if (pending_index_.contains(versions[i].key)) continue;
      auto found = stored->find(versions[i].key);
      if (found == stored->end()) {
        return MakeError(ErrorCode::kInternal, "widening a customer version not written");
      }
      merged[i] = found->second;
    }
    return merged;
  }

  // The current version of each id among those stored before this load: the versions this load
  // keeps are not current in the warehouse yet (or have no id).
  Result<std::vector<std::optional<CustomerVersion>>> CurrentCustomers(
      std::span<const std::string_view> customer_ids) override {
    std::vector<std::optional<CustomerVersion>> versions(customer_ids.size());
    if (!probe_stored_) return versions;
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
    std::vector<int64_t> stored;
    for (int64_t key : customer_keys) {
      auto it = pending_index_.find(key);
      if (it == pending_index_.end()) {
        stored.push_back(key);
      } else {
        pending_[it->second].current = current;
      }
    }
    if (stored.empty()) return {};
    auto done = connection_.Query(
        "UPDATE dim_customer SET is_current = $1 WHERE customer_key = ANY ($2::bigint[])",
        {current ? "true" : "false", IntArray(stored)}, "flagging current customers");
    TILL_RETURN_IF_ERROR(done);
    return {};
  }

  Status AddSteps(std::span<const StepTiming> steps) override {
    std::string data;
    for (const StepTiming& step : steps) {
      fmt::format_to(std::back_inserter(data), "{}\t", file_id_);
      AppendCopyText(data, step.step);
      fmt::format_to(std::back_inserter(data), "\t{}\t{}\n", step.rows, step.seconds);
    }
    TILL_RETURN_IF_ERROR(connection_.Exec(
        fmt::format("DELETE FROM etl_step WHERE file_id = {}", file_id_), "writing steps"));
    TILL_RETURN_IF_ERROR(connection_.Exec(
        "CREATE TEMPORARY TABLE till_step (file_id bigint, step text, rows bigint, "
        "seconds double precision) ON COMMIT DROP",
        "writing steps"));
    TILL_RETURN_IF_ERROR(connection_.CopyIn("COPY till_step FROM STDIN", data, "writing steps"));
    return connection_.Exec(
        "INSERT INTO etl_step (run_id, file_id, step, rows, seconds) "
        "SELECT f.run_id, s.file_id, s.step, s.rows, s.seconds "
        "FROM till_step s JOIN etl_file f USING (file_id)",
        "writing steps");
  }

  Status UnloadFile(int64_t file_id) override { return UnloadPostgresFile(connection_, file_id); }

  Status SetLandingEntry(const LandingEntry& entry) override {
    return WriteLandingEntry(connection_, entry);
  }

  Status Commit(const FileOutcome& outcome) override {
    TILL_RETURN_IF_ERROR(WritePendingCustomers());
    TILL_RETURN_IF_ERROR(WriteClaims());
    // Attaching checks the file's facts against every dimension in one pass each, and builds
    // the partition's indexes in one sort each.
    TILL_RETURN_IF_ERROR(connection_.Exec(
        fmt::format("ALTER TABLE fact_sales ATTACH PARTITION {} FOR VALUES IN ({})", partition_,
                    file_id_),
        "attaching the file's facts"));
    std::vector<std::optional<std::string>> params = {
        std::to_string(outcome.rows_read),
        std::to_string(outcome.rows_loaded),
        std::to_string(outcome.rows_rejected),
        std::to_string(outcome.rows_duplicate),
        std::to_string(outcome.values_nulled),
        std::to_string(outcome.year_mismatches),
        std::to_string(outcome.month_mismatches),
        Nullable(fmt::format("{}", fmt::join(outcome.extra_columns, ","))),
        Nullable(fmt::format("{}", fmt::join(outcome.missing_columns, ","))),
        Nullable(outcome.finished_at),
        std::to_string(file_id_)};
    auto updated = connection_.Query(
        "UPDATE etl_file SET status = 'loaded', rows_read = $1, rows_loaded = $2, "
        "rows_rejected = $3, rows_duplicate = $4, values_nulled = $5, year_mismatches = $6, "
        "month_mismatches = $7, extra_columns = $8, missing_columns = $9, finished_at = $10 "
        "WHERE file_id = $11",
        params, "recording the file");
    TILL_RETURN_IF_ERROR(updated);
    TILL_RETURN_IF_ERROR(connection_.Exec("COMMIT", "committing the load"));
    committed_ = true;
    return {};
  }

 private:
  struct RowHashHasher {
    size_t operator()(const RowHash& h) const { return static_cast<size_t>(h.low); }
  };

  // Which of the facts' row hashes fact_sales_row holds, with the file holding each.
  Result<absl::flat_hash_map<RowHash, int64_t, RowHashHasher>> Owners(
      std::span<const FactSale> facts) {
    std::string hashes = "{";
    for (const FactSale& fact : facts) {
      if (hashes.size() > 1) hashes += ',';
      AppendUuid(hashes, fact.row_hash);
    }
    hashes += '}';
    auto rows = connection_.Query(
        "SELECT replace(row_hash::text, '-', ''), file_id FROM fact_sales_row "
        "WHERE row_hash = ANY ($1::uuid[])",
        {hashes}, "checking rows for duplicates");
    TILL_RETURN_IF_ERROR(rows);
    absl::flat_hash_map<RowHash, int64_t, RowHashHasher> owners;
    for (int r = 0; r < PQntuples(rows->get()); ++r) {
      std::string hex = Value(*rows, r, 0).value_or("");
      if (hex.size() != 32) return MakeError(ErrorCode::kInternal, "a row hash is not a uuid");
      RowHash hash{std::stoull(hex.substr(0, 16), nullptr, 16),
                   std::stoull(hex.substr(16), nullptr, 16)};
      owners[hash] = IntValue(*rows, r, 1);
    }
    return owners;
  }

  // Writes the row hashes this load claimed and has not written yet.
  Status WriteStagedRows() {
    if (staged_rows_.empty()) return {};
    if (!facts_bulk_) {
      // Into an index, in its order.
      std::sort(staged_rows_.begin(), staged_rows_.end(),
                [](const StagedRow& a, const StagedRow& b) {
                  return std::tie(a.hash.high, a.hash.low) < std::tie(b.hash.high, b.hash.low);
                });
    }
    std::string data;
    data.reserve(staged_rows_.size() * 64);
    for (const StagedRow& row : staged_rows_) {
      AppendUuid(data, row.hash);
      fmt::format_to(std::back_inserter(data), "\t{}\t{}\n", file_id_, row.source_line);
    }
    staged_rows_.clear();
    return connection_.CopyIn("COPY fact_sales_row (row_hash, file_id, source_line) FROM STDIN",
                              data, "writing row hashes");
  }

  // Puts every claim of this load in fact_sales_row, indexed: at commit, and when the claims
  // held in memory reach their limit.
  Status WriteClaims() {
    TILL_RETURN_IF_ERROR(WriteStagedRows());
    claimed_ = {};
    probe_rows_ = true;
    if (!facts_bulk_) return {};
    facts_bulk_ = false;
    return connection_.Exec(
        "ALTER TABLE fact_sales_row ADD CONSTRAINT fact_sales_row_pkey PRIMARY KEY (row_hash); "
        "CREATE INDEX fact_sales_row_file ON fact_sales_row (file_id)",
        "indexing fact_sales_row");
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

  static std::string CustomerAttributes(const Member& member) {
    std::string out;
    for (size_t i = 0; i < member.arity; ++i) {
      if (i) out += '\t';
      AppendCopyField(out, member.attribute(i));
    }
    return out;
  }

  // Widens the stored versions among `versions` to their seen ranges; returns the range after
  // the merge of each one stored, by key. Only ranges that grow are written.
  Result<absl::flat_hash_map<int64_t, SeenRange>> WidenStored(
      std::span<const CustomerVersion> versions) {
    std::vector<int64_t> keys;
    keys.reserve(versions.size());
    for (const CustomerVersion& version : versions) keys.push_back(version.key);
    auto rows = connection_.Query(
        "SELECT customer_key, coalesce(first_seen, 0), coalesce(last_seen, 0) FROM dim_customer "
        "WHERE customer_key = ANY ($1::bigint[])",
        {IntArray(keys)}, "reading stored customer versions");
    TILL_RETURN_IF_ERROR(rows);
    absl::flat_hash_map<int64_t, SeenRange> merged;
    for (int r = 0; r < PQntuples(rows->get()); ++r) {
      merged[IntValue(*rows, r, 0)] = SeenRange{static_cast<int32_t>(IntValue(*rows, r, 1)),
                                                static_cast<int32_t>(IntValue(*rows, r, 2))};
    }
    std::vector<int64_t> grown_keys;
    std::vector<int64_t> firsts;
    std::vector<int64_t> lasts;
    for (const CustomerVersion& version : versions) {
      auto it = merged.find(version.key);
      if (it == merged.end()) continue;
      SeenRange widened = Widened(it->second, version.seen);
      if (widened.first == it->second.first && widened.last == it->second.last) continue;
      it->second = widened;
      grown_keys.push_back(version.key);
      firsts.push_back(widened.first);
      lasts.push_back(widened.last);
    }
    if (!grown_keys.empty()) {
      auto updated = connection_.Query(
          "UPDATE dim_customer c SET first_seen = nullif(w.first_seen, 0), "
          "  last_seen = nullif(w.last_seen, 0) "
          "FROM unnest($1::bigint[], $2::integer[], $3::integer[]) AS w (customer_key, "
          "  first_seen, last_seen) WHERE c.customer_key = w.customer_key",
          {IntArray(grown_keys), IntArray(firsts), IntArray(lasts)}, "widening customer versions");
      TILL_RETURN_IF_ERROR(updated);
    }
    return merged;
  }

  // Writes the customer versions this load kept back, in key order; from then on they are
  // stored versions like any other.
  Status WritePendingCustomers() {
    if (pending_.empty()) return {};
    std::sort(pending_.begin(), pending_.end(),
              [](const PendingCustomer& a, const PendingCustomer& b) { return a.key < b.key; });
    std::vector<PendingCustomer> pending = std::move(pending_);
    pending_ = {};
    pending_index_ = {};
    probe_stored_ = true;
    if (!no_facts_) return CopyCustomers(pending);
    // With no facts pointing at customers, the key and current-version indexes (and the
    // foreign key that needs the first) are dropped for the copy and built after it in one
    // sort each, instead of grown row by row.
    TILL_RETURN_IF_ERROR(
        connection_.Exec("ALTER TABLE fact_sales DROP CONSTRAINT fact_sales_customer_key_fkey; "
                         "ALTER TABLE dim_customer DROP CONSTRAINT dim_customer_pkey; "
                         "DROP INDEX dim_customer_current",
                         "preparing dim_customer"));
    TILL_RETURN_IF_ERROR(CopyCustomers(pending));
    return connection_.Exec(
        "ALTER TABLE dim_customer ADD CONSTRAINT dim_customer_pkey PRIMARY KEY (customer_key); "
        "CREATE UNIQUE INDEX dim_customer_current ON dim_customer (customer_id) "
        "  WHERE is_current AND customer_id IS NOT NULL; "
        "ALTER TABLE fact_sales ADD CONSTRAINT fact_sales_customer_key_fkey "
        "  FOREIGN KEY (customer_key) REFERENCES dim_customer (customer_key)",
        "indexing dim_customer");
  }

  // Copies customer versions into dim_customer a megabyte at a time.
  Status CopyCustomers(const std::vector<PendingCustomer>& pending) {
    constexpr std::string_view kWhat = "writing dim_customer";
    TILL_RETURN_IF_ERROR(connection_.StartCopy("COPY dim_customer FROM STDIN", kWhat));
    std::string data;
    Status put;
    for (size_t i = 0; put && i < pending.size(); ++i) {
      const PendingCustomer& version = pending[i];
      fmt::format_to(std::back_inserter(data), "{}\t{}\t", version.key, version.attributes);
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

  Connection& connection_;
  const int64_t file_id_;
  const std::string partition_;
  bool committed_ = false;
  bool facts_bulk_ = false;        // fact_sales_row was empty: its indexes are dropped until commit
  bool no_facts_ = false;          // fact_sales was empty when the load began
  bool customers_before_ = false;  // dim_customer held versions when the load began
  bool probe_stored_ = false;      // a version may be stored already: look before keeping it
  // About 200 bytes each: a first load keeps at most this many versions in memory (or
  // BulkRowCheckLimit(), when tests lower it).
  static constexpr size_t kMaxPendingCustomers = 1'000'000;
  int64_t next_sale_id_ = 1;
  struct StagedRow {
    RowHash hash;
    int64_t source_line = 0;
  };
  absl::flat_hash_set<RowHash, RowHashHasher> claimed_;  // this load's row hashes, since written
  std::vector<StagedRow> staged_rows_;                   // claimed, not written yet
  bool probe_rows_ = false;  // fact_sales_row may hold a hash: look it up before claiming
  std::vector<PendingCustomer> pending_;  // versions new to the warehouse, until commit
  absl::flat_hash_map<int64_t, size_t> pending_index_;
};

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
  PostgresWarehouse(std::string conninfo, bool read_only)
      : connection_(std::move(conninfo), read_only) {}

  Status Open() { return connection_.Connect(); }

  Status Migrate() override {
    TILL_RETURN_IF_ERROR(connection_.EnsureConnected());
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

  Result<int64_t> StartRun(std::string_view trigger) override {
    TILL_RETURN_IF_ERROR(connection_.EnsureConnected());
    auto row = connection_.Query(
        "INSERT INTO etl_run (trigger, started_at, status, till_version) "
        "VALUES ($1, $2, 'running', $3) RETURNING run_id",
        {std::string(trigger), FormatTimestamp(Clock::Real().Now()), TILL_VERSION},
        "starting a run");
    TILL_RETURN_IF_ERROR(row);
    return IntValue(*row, 0, 0);
  }

  Status FinishRun(int64_t run_id, bool succeeded, std::string_view error) override {
    TILL_RETURN_IF_ERROR(connection_.EnsureConnected());
    std::vector<std::optional<std::string>> params = {FormatTimestamp(Clock::Real().Now()),
                                                      succeeded ? "succeeded" : "failed",
                                                      Nullable(error), std::to_string(run_id)};
    auto done = connection_.Query(
        "UPDATE etl_run SET finished_at = $1, status = $2, error = $3 WHERE run_id = $4", params,
        "finishing the run");
    TILL_RETURN_IF_ERROR(done);
    return {};
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

  Result<std::unique_ptr<WarehouseLoad>> BeginLoad(int64_t run_id,
                                                   const FileOutcome& outcome) override {
    TILL_RETURN_IF_ERROR(connection_.EnsureConnected());
    TILL_RETURN_IF_ERROR(connection_.Exec("BEGIN", "starting the load"));
    auto started = StartLoad(run_id, outcome);
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
    if (status) status = connection_.Exec("COMMIT", "recording the file");
    if (!status) {
      connection_.Rollback();
      return Unexpected<Error>(status.error());
    }
    return *file_id;
  }

  Result<QueryResult> Query(std::string_view sql, std::span<const std::string> params) override {
    TILL_RETURN_IF_ERROR(connection_.EnsureConnected());
    std::vector<std::optional<std::string>> bound(params.begin(), params.end());
    auto rows = connection_.Query(ToDollarPlaceholders(sql), bound, "running a query");
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
    return connection_.QueryRows(ToDollarPlaceholders(sql), params, visit, "running a query");
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

  std::string Describe() const override { return connection_.Describe(); }

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
    return ChangeLedger(unload, "forgetting the landing key", [&]() -> Status {
      auto forgotten =
          connection_.Query("DELETE FROM landing_key WHERE zone = $1 AND key = $2",
                            {std::string(zone), std::string(key)}, "forgetting the landing key");
      return forgotten ? Status{} : Status(Unexpected<Error>(forgotten.error()));
    });
  }

  Status RecordLandingEntry(const LandingEntry& entry, std::optional<int64_t> unload) override {
    return ChangeLedger(unload, "recording the landing key",
                        [&] { return WriteLandingEntry(connection_, entry); });
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

  Result<std::unique_ptr<WarehouseLoad>> StartLoad(int64_t run_id, const FileOutcome& outcome) {
    TILL_RETURN_IF_ERROR(connection_.Exec(
        fmt::format("SELECT pg_advisory_xact_lock({})", kLoadLock), "waiting for other loads"));
    // Another loader may have brought the same content while this one waited.
    auto loaded = FindLoadedContent(outcome.sha256);
    TILL_RETURN_IF_ERROR(loaded);
    if (*loaded) {
      return MakeError(ErrorCode::kAlreadyLoaded,
                       fmt::format("content already loaded as file {}", **loaded));
    }
    auto file_id = InsertFile(run_id, outcome, "loaded");
    TILL_RETURN_IF_ERROR(file_id);
    auto load = std::make_unique<PostgresLoad>(connection_, *file_id);
    TILL_RETURN_IF_ERROR(load->Prepare());
    return std::unique_ptr<WarehouseLoad>(std::move(load));
  }

  Result<int64_t> InsertFile(int64_t run_id, const FileOutcome& outcome,
                             const std::string& status) {
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
    auto row = connection_.Query(
        "INSERT INTO etl_file (run_id, uri, sha256, size_bytes, status, rows_read, rows_loaded, "
        "rows_rejected, rows_duplicate, values_nulled, year_mismatches, month_mismatches, "
        "extra_columns, missing_columns, same_content_as, error, started_at, finished_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) "
        "RETURNING file_id",
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
                         'retail_data_view')
           OR c.relname LIKE 'dim\_%' OR n.nspname = 'reporting')
  LOOP
    EXECUTE format('ALTER %s %s OWNER TO till_loader',
                   CASE object.relkind WHEN 'v' THEN 'VIEW' ELSE 'TABLE' END, object.name);
  END LOOP;
  FOR object IN
    SELECT format('%I.%I', n.nspname, c.relname) AS name
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relispartition AND c.relname LIKE 'fact\_sales\_file\_%'
  LOOP
    EXECUTE format('ALTER TABLE %s OWNER TO till_loader', object.name);
  END LOOP;
  FOR object IN
    SELECT format('%I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid))
      AS name
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = 'reporting'
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

  Connection connection_;
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

Result<std::unique_ptr<Warehouse>> OpenPostgresWarehouse(const std::string& conninfo,
                                                         Access access) {
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
  auto warehouse = std::make_unique<PostgresWarehouse>(conninfo, access == Access::kReadOnly);
  TILL_RETURN_IF_ERROR(warehouse->Open());
  return std::unique_ptr<Warehouse>(std::move(warehouse));
}

}  // namespace till
