// How the PostgreSQL back end talks to PostgreSQL: one libpq connection, its errors, COPY's
// text and binary formats, and the literals of arrays and uuids.
#pragma once

#include <fmt/format.h>
#include <libpq-fe.h>

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "base/result.h"
#include "model/star.h"
#include "warehouse/warehouse.h"

namespace till {

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
std::string Trimmed(const char* message);

// A PostgreSQL failure as an Error: what was being done, the server's message, and the
// constraint, table and column involved when the server names them.
Unexpected<Error> PgError(PGconn* conn, const PGresult* result, std::string_view what);

// Appends `value` to a COPY text-format line, escaped.
void AppendCopyText(std::string& out, std::string_view value);
// Appends a COPY text-format field: `value` escaped, or \N for NULL.
void AppendCopyField(std::string& out, std::optional<std::string_view> value);
// A date key of a seen range: 0 (unknown) is NULL.
void AppendCopyDate(std::string& out, int32_t key);
// A 128-bit row hash as a uuid: high half first, big-endian, so PostgreSQL orders uuids as the
// loader sorts the hashes.
void AppendUuid(std::string& out, const RowHash& hash);
// The row hash of a uuid as PostgreSQL writes it (AppendUuid's form); nullopt for other text.
std::optional<RowHash> ParseUuid(std::string_view text);

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
  // A row hash as a uuid: its 16 bytes in AppendUuid's order.
  void Uuid(const RowHash& hash) {
    Put<int32_t>(16);
    Put(hash.high);
    Put(hash.low);
  }
  void Null() { Put<int32_t>(-1); }
  void Text(std::string_view value) {
    Put(static_cast<int32_t>(value.size()));
    out_.append(value);
  }

  // Bytes so far.
  size_t size() const { return out_.size(); }

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

// Sent inside each transaction that changes what readers show (a load, a batch, a recorded
// file, a run's end, an unload): delivered at its commit to the sessions that LISTEN on the
// channel (`till serve`, Warehouse::WaitForCommit), nothing when it rolls back.
inline constexpr std::string_view kNotifyChange = "NOTIFY till_change";

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

  // Sends one or more statements without parameters and returns at once; Collect waits for
  // their end. Meanwhile the server works on them and the caller on something else.
  Status Send(std::string_view sql, std::string_view what) {
    std::string text(sql);
    if (!PQsendQuery(conn_, text.c_str())) return PgError(conn_, nullptr, what);
    return {};
  }

  // Waits for what Send sent to end: the first failure among its statements, if any.
  Status Collect(std::string_view what) {
    Status status;
    while (PgResult result{PQgetResult(conn_)}) {
      ExecStatusType state = PQresultStatus(result.get());
      if (state != PGRES_COMMAND_OK && state != PGRES_TUPLES_OK && status) {
        status = PgError(conn_, result.get(), what);
      }
    }
    return status;
  }

  // Asks the server to stop what Send sent, and waits for it to end.
  void Cancel() {
    PQrequestCancel(conn_);
    (void)Collect("cancelling");
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

  // Whether a transaction is open (or failed, waiting for its ROLLBACK).
  bool InTransaction() const {
    PGTransactionStatusType status = PQtransactionStatus(conn_);
    return status == PQTRANS_INTRANS || status == PQTRANS_INERROR;
  }

 private:
  std::string conninfo_;
  bool read_only_ = false;
  PGconn* conn_ = nullptr;
};

// A value of a result as text, nullopt for NULL.
std::optional<std::string> Value(const PgResult& result, int row, int column);
// A value of a result as an integer, 0 for NULL.
int64_t IntValue(const PgResult& result, int row, int column);
// `text`, or NULL when empty.
std::optional<std::string> Nullable(std::string_view text);
// A PostgreSQL array literal of `items`, each quoted.
std::string TextArray(std::span<const std::string_view> items);
std::string IntArray(std::span<const int64_t> items);

}  // namespace till
