// The PostgreSQL back end when things go wrong, against a real server (support/pg_cluster.h):
// a server that cannot be reached or refuses the login, a server stopped in the middle of a
// load, a constraint that refuses a row, loaders that run at the same time, and a server
// restarted under an open warehouse. Each case checks what the user is told and that nothing
// of a failed load is visible afterwards.
//
// Cases that stop or restart a server start a cluster of their own; the others share one and
// each works in a database of its own. Loads run as `till` child processes where the case is
// about processes (a crash, concurrent loaders), and in process otherwise. Every wait polls
// with a deadline, so a hang fails the test instead of blocking the run.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "generate/generator.h"
#include "pipeline/ingest.h"
#include "support/pg_cluster.h"
#include "support/ports.h"
#include "support/temp_dir.h"
#include "warehouse/warehouse.h"

extern char** environ;

namespace till {
namespace {

using testing::PgCluster;
using testing::PgRows;
using testing::ReadFile;
using testing::SharedPgCluster;
using testing::TempDir;
using testing::UniqueDatabaseName;
using SteadyClock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

// Bounds on every wait: far above what a healthy run needs, short enough that a hang fails the
// test well within CTest's timeout.
constexpr seconds kLoadTimeout{120};  // a `till ingest` of a generated file
constexpr seconds kExitTimeout{60};   // a `till` that lost its server, to give up
constexpr milliseconds kPollInterval{5};

// The advisory lock every PostgreSQL load holds for its whole transaction (kLoadLock in
// postgres/postgres_connection.h). pg_locks shows a bigint key as its high and low 32 bits.
constexpr int64_t kLoadLock = 0x74696c6c'00000002;

std::string LoadLockFilter() {
  return "locktype = 'advisory' AND classid = " + std::to_string(kLoadLock >> 32) +
         " AND objid = " + std::to_string(kLoadLock & 0xFFFFFFFF) + " AND objsubid = 1";
}

// Calls `done` until it returns true or `timeout` passes; returns its last answer.
template <typename Predicate>
bool PollUntil(milliseconds timeout, Predicate done) {
  auto deadline = SteadyClock::now() + timeout;
  for (;;) {
    if (done()) return true;
    if (SteadyClock::now() >= deadline) return false;
    std::this_thread::sleep_for(kPollInterval);
  }
}

bool Contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

// The generated raw files the tests load, written once per test binary.
struct RawFiles {
  RawFiles()
      : big(Generate("big.csv", 300'000, 5)),
        first(Generate("first.csv", 50'000, 1)),
        second(Generate("second.csv", 50'000, 2)),
        small(Generate("small.csv", 2'000, 7)) {
    // `second` also repeats the first 5,000 rows of `first`: whichever loads later finds them
    // loaded already.
    std::string rows = ReadFile(first);
    size_t header_end = rows.find('\n');
    size_t end = header_end;
    for (int i = 0; i < 5'000; ++i) end = rows.find('\n', end + 1);
    second =
        dir.Write("second.csv", ReadFile(second) + rows.substr(header_end + 1, end - header_end));
  }

  std::string Generate(const std::string& name, int64_t rows, uint64_t seed) const {
    std::string path = dir.Path(name);
    std::FILE* out = std::fopen(path.c_str(), "wb");
    EXPECT_NE(out, nullptr) << path;
    if (out == nullptr) return path;
    GenerateOptions options;
    options.rows = rows;
    options.seed = seed;
    Status written = GenerateRawFile(options, out);
    EXPECT_TRUE(written) << written.error().message();
    std::fclose(out);
    return path;
  }

  TempDir dir;
  std::string big;     // 300,000 rows: a load that takes seconds
  std::string first;   // 50,000 rows of seed 1
  std::string second;  // 50,000 rows of seed 2, then 5,000 rows of `first`
  std::string small;   // 2,000 rows
};

const RawFiles& Files() {
  static const RawFiles files;
  return files;
}

// Runs `sql` on `database` as the superuser; a failure fails the test and returns no rows.
PgRows Sql(PgCluster& cluster, const std::string& database, const std::string& sql) {
  PgRows rows;
  std::string error;
  if (!cluster.Exec(database, sql, &rows, &error)) {
    ADD_FAILURE() << sql << "\n" << error;
    return {};
  }
  return rows;
}

// The first value `sql` returns, as text; "" for NULL, no row or a failure.
std::string Value(PgCluster& cluster, const std::string& database, const std::string& sql) {
  PgRows rows = Sql(cluster, database, sql);
  if (rows.empty() || rows[0].empty()) return "";
  return rows[0][0].value_or("");
}

// A fresh database on `cluster`; its name.
std::string NewDatabase(PgCluster& cluster) {
  std::string name = UniqueDatabaseName();
  std::string error;
  EXPECT_TRUE(cluster.CreateDatabase(name, &error)) << error;
  return name;
}

std::unique_ptr<Warehouse> OpenMigrated(const std::string& location) {
  auto warehouse = OpenWarehouse(location);
  if (!warehouse) {
    ADD_FAILURE() << warehouse.error().message();
    return nullptr;
  }
  Status migrated = (*warehouse)->Migrate();
  EXPECT_TRUE(migrated) << migrated.error().message();
  return std::move(*warehouse);
}

// A connection of the test's own, for what must stay in one session: a lock held while till
// runs, or polling that should not open a connection every few milliseconds.
class PgSession {
 public:
  explicit PgSession(const std::string& url) {
    const char* keys[] = {"dbname", "sslmode", "connect_timeout", "application_name", nullptr};
    const char* values[] = {url.c_str(), "disable", "10", "till-test", nullptr};
    connection_ = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
    if (PQstatus(connection_) != CONNECTION_OK) error_ = PQerrorMessage(connection_);
  }
  ~PgSession() { PQfinish(connection_); }
  PgSession(const PgSession&) = delete;
  PgSession& operator=(const PgSession&) = delete;

  bool connected() const { return PQstatus(connection_) == CONNECTION_OK; }
  const std::string& error() const { return error_; }

  // Runs `sql`; returns the first value of its last statement ("" for none), or nullopt on
  // failure with the reason in error().
  std::optional<std::string> Value(const std::string& sql) {
    PGresult* result = PQexec(connection_, sql.c_str());
    std::optional<std::string> value;
    ExecStatusType status = PQresultStatus(result);
    if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) {
      value = PQntuples(result) > 0 && PQnfields(result) > 0 ? PQgetvalue(result, 0, 0) : "";
    } else {
      error_ = PQresultErrorMessage(result);
    }
    PQclear(result);
    return value;
  }

 private:
  PGconn* connection_ = nullptr;
  std::string error_;
};

// The test's environment without what would steer till elsewhere: TILL_WAREHOUSE, TILL_CONFIG
// and the PG* variables (PGAPPNAME would rename it in pg_stat_activity).
std::vector<std::string> ChildEnvironment() {
  std::vector<std::string> environment;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string_view variable = *entry;
    if (variable.starts_with("PG") || variable.starts_with("TILL_WAREHOUSE=") ||
        variable.starts_with("TILL_CONFIG=")) {
      continue;
    }
    environment.emplace_back(variable);
  }
  return environment;
}

std::vector<char*> Pointers(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (std::string& text : strings) pointers.push_back(text.data());
  pointers.push_back(nullptr);
  return pointers;
}

// `till ARGS` running as a child process in `folder`, its stdout and stderr in files there
// named after `name`. The destructor kills a child still running.
class TillProcess {
 public:
  TillProcess(const std::string& folder, const std::string& name,
              const std::vector<std::string>& args)
      : out_path_(folder + "/" + name + ".out"), err_path_(folder + "/" + name + ".err") {
    std::vector<std::string> argv = {TILL_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<std::string> environment = ChildEnvironment();
    std::vector<char*> argv_pointers = Pointers(argv);
    std::vector<char*> environment_pointers = Pointers(environment);
    int in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    int out = ::open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int err = ::open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    // Between fork and exec only async-signal-safe calls: the test may have other threads.
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(in, STDIN_FILENO);
      ::dup2(out, STDOUT_FILENO);
      ::dup2(err, STDERR_FILENO);
      ::close_range(3, ~0U, 0);
      if (::chdir(folder.c_str()) != 0) ::_exit(126);
      ::execve(argv_pointers[0], argv_pointers.data(), environment_pointers.data());
      ::_exit(127);
    }
    for (int fd : {in, out, err}) {
      if (fd >= 0) ::close(fd);
    }
    EXPECT_GT(pid_, 0) << "fork failed";
    ended_ = pid_ <= 0;
  }

  ~TillProcess() {
    if (!Reaped()) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status_, 0);
    }
  }
  TillProcess(const TillProcess&) = delete;
  TillProcess& operator=(const TillProcess&) = delete;

  // Waits until the child ends or `timeout` passes; true when it ended.
  bool WaitFor(milliseconds timeout) {
    return PollUntil(timeout, [this] { return Reaped(); });
  }
  bool running() { return !Reaped(); }

  // Kills the child at once (SIGKILL: nothing of it runs after) and reaps it.
  void Kill() {
    if (Reaped()) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status_, 0);
    ended_ = true;
  }

  // How it ended, for assertions and messages: "exit code N", "killed by signal N", "running".
  std::string Ending() {
    if (!Reaped()) return "running";
    if (WIFEXITED(status_)) return "exit code " + std::to_string(WEXITSTATUS(status_));
    return "killed by signal " + std::to_string(WTERMSIG(status_));
  }

  std::string out() const { return ReadFile(out_path_); }
  std::string err() const { return ReadFile(err_path_); }
  // Both, for a failure message.
  std::string Output() const { return "stdout:\n" + out() + "\nstderr:\n" + err(); }

 private:
  bool Reaped() {
    if (!ended_ && ::waitpid(pid_, &status_, WNOHANG) == pid_) ended_ = true;
    return ended_;
  }

  std::string out_path_;
  std::string err_path_;
  pid_t pid_ = -1;
  int status_ = 0;
  bool ended_ = false;
};

// A port of 127.0.0.1 that nothing listens on at this moment.
int UnusedPort() {
  int port = testing::FreeLoopbackPort();
  EXPECT_NE(port, 0);
  return port;
}

// Expects that nothing of any load is visible in `database`: no facts or row hashes, only the
// Unknown member in every dimension, no file recorded as loaded, no file's fact table left
// behind, and the constraints a first load drops for its bulk copy in place.
void ExpectNothingLoaded(PgCluster& cluster, const std::string& database) {
  EXPECT_EQ(Value(cluster, database, "SELECT count(*) FROM fact_sales"), "0");
  EXPECT_EQ(Value(cluster, database, "SELECT count(*) FROM fact_sales_row"), "0");
  EXPECT_EQ(
      Value(cluster, database, "SELECT string_agg(customer_key::text, ',') FROM dim_customer"),
      "0");
  for (const char* dimension :
       {"dim_date", "dim_gender", "dim_income", "dim_feedback", "dim_shipping_method",
        "dim_payment_method", "dim_order_status", "dim_location", "dim_product"}) {
    EXPECT_EQ(Value(cluster, database, std::string("SELECT count(*) FROM ") + dimension), "1")
        << dimension << " holds more than its Unknown member";
  }
  EXPECT_EQ(Value(cluster, database, "SELECT count(*) FROM etl_file WHERE status = 'loaded'"), "0");
  EXPECT_EQ(Value(cluster, database,
                  "SELECT string_agg(relname, ', ') FROM pg_class "
                  "WHERE relname LIKE 'fact\\_sales\\_file\\_%'"),
            "");
  EXPECT_EQ(
      Value(cluster, database,
            "SELECT string_agg(conname, ', ' ORDER BY conname) FROM pg_constraint "
            "WHERE (conrelid, conname) IN (('fact_sales_row'::regclass, 'fact_sales_row_pkey'), "
            "('dim_customer'::regclass, 'dim_customer_pkey'), "
            "('fact_sales_files'::regclass, 'fact_sales_customer_key_fkey'))"),
      "dim_customer_pkey, fact_sales_customer_key_fkey, fact_sales_row_pkey");
}

// The counts of the files recorded 'loaded': "read loaded rejected duplicate", one per file.
std::string LoadedCounts(PgCluster& cluster, const std::string& database) {
  return Value(cluster, database,
               "SELECT string_agg(concat_ws(' ', rows_read, rows_loaded, rows_rejected, "
               "rows_duplicate), '; ') FROM etl_file WHERE status = 'loaded'");
}

// The natural key of each dimension: what must be unique besides the surrogate key.
const std::map<std::string, std::string>& NaturalKeys() {
  static const std::map<std::string, std::string> keys = {
      {"dim_gender", "gender"},
      {"dim_income", "income"},
      {"dim_feedback", "feedback"},
      {"dim_shipping_method", "shipping_method"},
      {"dim_payment_method", "payment_method"},
      {"dim_order_status", "order_status"},
      {"dim_location", "country, state, city"},
      {"dim_product", "category, brand, product_type, product_name"},
      {"dim_customer", "customer_id, name, email, phone, address, zipcode, age, customer_segment"},
      {"dim_date", "full_date"},
  };
  return keys;
}

// Expects what any number of loads must leave: unique natural keys, one current version of
// each customer, and facts, row hashes, the view and the files' counts that agree.
void ExpectConsistent(PgCluster& cluster, const std::string& database) {
  for (const auto& [table, key] : NaturalKeys()) {
    EXPECT_EQ(Value(cluster, database,
                    "SELECT count(*) - (SELECT count(*) FROM (SELECT DISTINCT " + key + " FROM " +
                        table + ") d) FROM " + table),
              "0")
        << table << " holds a natural key twice";
  }
  EXPECT_EQ(Value(cluster, database,
                  "SELECT count(*) FROM (SELECT customer_id FROM dim_customer "
                  "WHERE customer_id IS NOT NULL GROUP BY customer_id "
                  "HAVING count(*) FILTER (WHERE is_current) <> 1) s"),
            "0")
      << "customer ids without exactly one current version";
  std::string facts = Value(cluster, database, "SELECT count(*) FROM fact_sales");
  EXPECT_NE(facts, "0");
  EXPECT_EQ(Value(cluster, database, "SELECT sum(rows_loaded) FROM etl_file"), facts);
  EXPECT_EQ(Value(cluster, database, "SELECT count(*) FROM fact_sales_row"), facts);
  EXPECT_EQ(Value(cluster, database, "SELECT count(DISTINCT row_hash) FROM fact_sales_row"), facts);
  EXPECT_EQ(Value(cluster, database, "SELECT count(*) FROM retail_data_view"), facts);
  EXPECT_EQ(Value(cluster, database,
                  "SELECT count(*) FROM fact_sales f LEFT JOIN fact_sales_row r "
                  "ON r.file_id = f.file_id AND r.source_line = f.source_line "
                  "WHERE r.row_hash IS NULL"),
            "0")
      << "facts without their row hash";
  EXPECT_EQ(Value(cluster, database,
                  "SELECT string_agg(relname, ', ') FROM pg_class WHERE relkind = 'r' "
                  "AND NOT relispartition AND relname LIKE 'fact\\_sales\\_file\\_%'"),
            "")
      << "file fact tables never attached";
}

// What a warehouse holds, whatever ids its loads drew: the view's rows as a multiset without
// sale_id, file_id and source_line; each dimension's members; each file's counts in load order.
struct Contents {
  std::string view;                               // "count md5"
  std::map<std::string, std::string> dimensions;  // table -> "count md5"
  std::string files;
};

Contents ReadContents(PgCluster& cluster, const std::string& database) {
  auto fingerprint = [&](const std::string& rows) {
    return Value(cluster, database,
                 "SELECT count(*) || ' ' || md5(coalesce(string_agg(r::text, E'\\n' ORDER BY "
                 "r::text), '')) FROM (" +
                     rows + ") r");
  };
  Contents contents;
  contents.view = fingerprint(
      "SELECT transaction_id, customer_id, name, email, phone, address, city, state, zipcode, "
      "country, age, gender, income, customer_segment, date, year, month, time, total_purchases, "
      "amount, total_amount, product_category, product_brand, product_type, feedback, "
      "shipping_method, payment_method, order_status, ratings, products, month_number, quarter, "
      "day_of_week FROM retail_data_view");
  for (const auto& [table, key] : NaturalKeys()) {
    contents.dimensions[table] = fingerprint("SELECT * FROM " + table);
  }
  contents.files = Value(cluster, database,
                         "SELECT string_agg(concat_ws(' ', uri, status, rows_read, rows_loaded, "
                         "rows_rejected, rows_duplicate, values_nulled), E'\\n' ORDER BY file_id) "
                         "FROM etl_file");
  return contents;
}

void ExpectSameContents(const Contents& actual, const Contents& expected) {
  EXPECT_EQ(actual.view, expected.view) << "retail_data_view differs";
  for (const auto& [table, fingerprint] : expected.dimensions) {
    EXPECT_EQ(actual.dimensions.at(table), fingerprint) << table << " differs";
  }
  EXPECT_EQ(actual.files, expected.files);
}

class PostgresFaultTest : public ::testing::Test {
 protected:
  PgCluster& cluster_ = SharedPgCluster();
  TempDir dir_;
};

// A location that cannot be used, the password it carries, and what the message must say.
struct BadLocation {
  std::string what;
  std::string url;
  std::string password;
  std::string expected;
};

std::vector<BadLocation> BadLocations(PgCluster& cluster) {
  const std::string wrong = "Wr0ng-Passw0rd-4-Till";
  return {
      {"no server",
       "postgres://postgres:" + cluster.password() + "@127.0.0.1:" + std::to_string(UnusedPort()) +
           "/postgres",
       cluster.password(), "Connection refused"},
      {"wrong password", cluster.Url("postgres", "postgres", wrong), wrong,
       "password authentication failed"},
      {"no database", cluster.Url("no_such_warehouse"), cluster.password(),
       "\"no_such_warehouse\" does not exist"},
  };
}

TEST_F(PostgresFaultTest, OpeningAnUnusableDatabaseSaysWhyWithoutThePassword) {
  for (const BadLocation& bad : BadLocations(cluster_)) {
    SCOPED_TRACE(bad.what);
    auto warehouse = OpenWarehouse(bad.url);
    ASSERT_FALSE(warehouse);
    EXPECT_EQ(warehouse.error().code(), ErrorCode::kWarehouseError);
    EXPECT_TRUE(Contains(warehouse.error().message(), bad.expected)) << warehouse.error().message();
    EXPECT_FALSE(Contains(warehouse.error().message(), bad.password))
        << warehouse.error().message();
  }
}

TEST_F(PostgresFaultTest, IngestIntoAnUnusableDatabaseExitsWithOneAndSaysWhy) {
  for (const BadLocation& bad : BadLocations(cluster_)) {
    SCOPED_TRACE(bad.what);
    TillProcess till(dir_.Path(""), "ingest", {"ingest", Files().small, "--warehouse", bad.url});
    ASSERT_TRUE(till.WaitFor(kExitTimeout)) << "till did not give up";
    EXPECT_EQ(till.Ending(), "exit code 1") << till.Output();
    EXPECT_TRUE(Contains(till.err(), bad.expected)) << till.Output();
    EXPECT_FALSE(Contains(till.err(), bad.password)) << till.Output();
    EXPECT_FALSE(Contains(till.out(), bad.password)) << till.Output();
  }
}

TEST_F(PostgresFaultTest, AMalformedConnectionStringIsAnInvalidArgumentWithoutThePassword) {
  const std::string password = "S3cret-Of-The-Loader";
  for (const std::string& location : {
           "postgres://postgres:" + password + "@127.0.0.1:5432/till?no_such_option=1",
           "host=127.0.0.1 password=" + password + " dbname",
           "postgres://postgres:" + password + "@[::1/till",
       }) {
    SCOPED_TRACE(location);
    auto warehouse = OpenWarehouse(location);
    ASSERT_FALSE(warehouse);
    EXPECT_EQ(warehouse.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_TRUE(Contains(warehouse.error().message(), "connection string"))
        << warehouse.error().message();
    EXPECT_FALSE(Contains(warehouse.error().message(), password)) << warehouse.error().message();
  }
}

TEST_F(PostgresFaultTest, AConstraintViolationFailsTheFileNamingItAndLeavesNothing) {
  std::string database = NewDatabase(cluster_);
  auto warehouse = OpenMigrated(cluster_.Url(database));
  ASSERT_NE(warehouse, nullptr);
  // Till's own 'Male' member has another key, so writing it breaks UNIQUE (gender).
  Sql(cluster_, database, "INSERT INTO dim_gender VALUES (12345, 'Male')");

  auto failed = IngestFiles(*warehouse, std::vector<std::string>{Files().small}, IngestOptions{});
  ASSERT_TRUE(failed) << failed.error().message();
  EXPECT_FALSE(failed->succeeded);
  ASSERT_EQ(failed->files.size(), 1u);
  const FileOutcome& outcome = failed->files[0];
  EXPECT_EQ(outcome.status, FileStatus::kFailed);
  EXPECT_TRUE(Contains(outcome.error, "dim_gender_gender_key")) << outcome.error;
  EXPECT_EQ(Value(cluster_, database, "SELECT count(*) FROM fact_sales"), "0");
  EXPECT_EQ(
      Value(cluster_, database, "SELECT string_agg(customer_key::text, ',') FROM dim_customer"),
      "0");
  EXPECT_EQ(Value(cluster_, database, "SELECT string_agg(gender_key::text, ',') FROM dim_gender"),
            "0,12345");
  EXPECT_EQ(Value(cluster_, database, "SELECT string_agg(status, ',') FROM etl_file"), "failed");
  EXPECT_EQ(Value(cluster_, database, "SELECT error FROM etl_file"), outcome.error);
  EXPECT_EQ(Value(cluster_, database,
                  "SELECT count(*) FROM pg_class WHERE relname LIKE 'fact\\_sales\\_file\\_%'"),
            "0");

  Sql(cluster_, database, "DELETE FROM dim_gender WHERE gender_key = 12345");
  auto loaded = IngestFiles(*warehouse, std::vector<std::string>{Files().small}, IngestOptions{});
  ASSERT_TRUE(loaded) << loaded.error().message();
  ASSERT_EQ(loaded->files.size(), 1u);
  EXPECT_EQ(loaded->files[0].status, FileStatus::kLoaded) << loaded->files[0].error;
  EXPECT_EQ(Value(cluster_, database, "SELECT count(*) FROM dim_gender WHERE gender = 'Male'"),
            "1");
  EXPECT_EQ(Value(cluster_, database, "SELECT count(*) FROM retail_data_view"),
            std::to_string(loaded->files[0].rows_loaded));
  ExpectConsistent(cluster_, database);
}

// Two loaders of different files, started together on a fresh database, leave what loading
// the files one after the other (in the order the loaders committed) leaves. Run a few times on
// fresh databases, since a race need not show every time.
TEST_F(PostgresFaultTest, ConcurrentLoadersOfDifferentFilesEqualLoadingThemInTurn) {
  std::map<std::string, Contents> in_turn;  // by load order
  for (int round = 1; round <= 3; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    std::string database = NewDatabase(cluster_);
    std::string url = cluster_.Url(database);
    TillProcess first(dir_.Path(""), "first" + std::to_string(round),
                      {"ingest", Files().first, "--warehouse", url});
    TillProcess second(dir_.Path(""), "second" + std::to_string(round),
                       {"ingest", Files().second, "--warehouse", url});
    ASSERT_TRUE(first.WaitFor(kLoadTimeout)) << "deadlock? " << first.Output();
    ASSERT_TRUE(second.WaitFor(kLoadTimeout)) << "deadlock? " << second.Output();
    EXPECT_EQ(first.Ending(), "exit code 0") << first.Output();
    EXPECT_EQ(second.Ending(), "exit code 0") << second.Output();

    EXPECT_EQ(Value(cluster_, database, "SELECT string_agg(status, ',') FROM etl_file"),
              "loaded,loaded");
    ExpectConsistent(cluster_, database);
    EXPECT_EQ(Value(cluster_, database, "SELECT sum(rows_duplicate) >= 5000 FROM etl_file"), "t")
        << "the rows both files hold were not found loaded";

    std::vector<std::string> order;
    for (const auto& row : Sql(cluster_, database, "SELECT uri FROM etl_file ORDER BY file_id")) {
      order.push_back(row.at(0).value_or(""));
    }
    ASSERT_EQ(order.size(), 2u);
    std::string key = order[0] + "\n" + order[1];
    if (!in_turn.contains(key)) {
      std::string sequential = NewDatabase(cluster_);
      auto warehouse = OpenMigrated(cluster_.Url(sequential));
      ASSERT_NE(warehouse, nullptr);
      for (const std::string& path : order) {
        auto report = IngestFiles(*warehouse, std::vector<std::string>{path}, IngestOptions{});
        ASSERT_TRUE(report && report->succeeded) << path;
      }
      in_turn[key] = ReadContents(cluster_, sequential);
    }
    ExpectSameContents(ReadContents(cluster_, database), in_turn[key]);
  }
}

// Both loaders find the content new, then queue for the load lock (the test holds it until both
// wait); the one that loads second must see the first's commit and skip.
TEST_F(PostgresFaultTest, TheSameFileLoadedTwiceAtOnceLoadsOnceAndIsSkippedOnce) {
  std::string database = NewDatabase(cluster_);
  std::string url = cluster_.Url(database);
  PgSession gate(url);
  ASSERT_TRUE(gate.connected()) << gate.error();
  ASSERT_TRUE(gate.Value("SELECT pg_advisory_lock(" + std::to_string(kLoadLock) + ")"))
      << gate.error();

  TillProcess one(dir_.Path(""), "one", {"ingest", Files().first, "--warehouse", url});
  TillProcess two(dir_.Path(""), "two", {"ingest", Files().first, "--warehouse", url});
  bool both_wait = PollUntil(kLoadTimeout, [&] {
    return gate.Value("SELECT count(*) FROM pg_locks WHERE NOT granted AND " + LoadLockFilter()) ==
               "2" ||
           !one.running() || !two.running();
  });
  EXPECT_TRUE(both_wait && one.running() && two.running())
      << "both loaders should wait for the load lock\n"
      << one.Output() << "\n"
      << two.Output();
  ASSERT_TRUE(gate.Value("SELECT pg_advisory_unlock(" + std::to_string(kLoadLock) + ")"))
      << gate.error();

  ASSERT_TRUE(one.WaitFor(kLoadTimeout)) << one.Output();
  ASSERT_TRUE(two.WaitFor(kLoadTimeout)) << two.Output();
  EXPECT_EQ(one.Ending(), "exit code 0") << one.Output();
  EXPECT_EQ(two.Ending(), "exit code 0") << two.Output();
  EXPECT_EQ(
      Value(cluster_, database, "SELECT string_agg(status, ',' ORDER BY status) FROM etl_file"),
      "loaded,skipped");
  EXPECT_EQ(Value(cluster_, database,
                  "SELECT s.same_content_as = l.file_id FROM etl_file s, etl_file l "
                  "WHERE s.status = 'skipped' AND l.status = 'loaded'"),
            "t");
  ExpectConsistent(cluster_, database);
}

// A large file's facts are copied and indexed on a second session, in a table the load's
// transaction takes as the file's partition at its end. A load killed at any point of that
// leaves no row visible: the staged table (empty when the copy's transaction had not committed)
// stays behind under its stage name, no part of fact_sales, and the next load drops it. A rerun
// then loads everything.
TEST_F(PostgresFaultTest, AKilledLoadLeavesNoRowAndTheNextLoadDropsWhatItStaged) {
  const std::string database = NewDatabase(cluster_);
  const std::string url = cluster_.Url(database);
  ASSERT_NE(OpenMigrated(url), nullptr);
  PgSession watch(url);
  ASSERT_TRUE(watch.connected()) << watch.error();
  const std::string stages =
      "SELECT count(*) FROM pg_class WHERE relkind = 'r' AND relname LIKE 'till\\_stage\\_%'";
  const std::string activity =
      "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'till' "
      "AND datname = current_database()";
  struct KillPoint {
    std::string when;
    std::string seen;  // a condition on the till sessions of pg_stat_activity
    bool hold_steps;   // whether the test holds etl_step, so that the load waits on it
    std::string stages_left;
  };
  const KillPoint points[] = {
      {"copying the facts", "query LIKE 'COPY till\\_stage\\_%'", false, "1"},
      {"indexing the staged facts",
       "state = 'active' AND query LIKE 'COMMIT; ALTER TABLE till\\_stage\\_%'", false, "2"},
      {"waiting to commit", "wait_event_type = 'Lock' AND query LIKE 'DELETE FROM etl_step%'", true,
       "3"},
  };
  for (const KillPoint& point : points) {
    SCOPED_TRACE("killed " + point.when);
    PgSession holder(url);
    ASSERT_TRUE(holder.connected()) << holder.error();
    if (point.hold_steps) {
      ASSERT_TRUE(holder.Value("BEGIN; LOCK TABLE etl_step IN EXCLUSIVE MODE")) << holder.error();
    }
    TillProcess load(dir_.Path(""), "killed", {"ingest", Files().big, "--warehouse", url});
    bool seen = PollUntil(kLoadTimeout, [&] {
      return watch.Value(activity + " AND " + point.seen) != "0" || !load.running();
    });
    ASSERT_TRUE(seen && load.running()) << "the load was not seen " << point.when << "\n"
                                        << load.Output();
    load.Kill();
    ASSERT_TRUE(holder.Value("ROLLBACK")) << holder.error();
    // The server ends a killed client's sessions once each notices the closed socket.
    ASSERT_TRUE(PollUntil(kLoadTimeout, [&] { return watch.Value(activity) == "0"; }));
    ExpectNothingLoaded(cluster_, database);
    EXPECT_EQ(watch.Value(stages), point.stages_left);
  }

  TillProcess rerun(dir_.Path(""), "rerun", {"ingest", Files().big, "--warehouse", url});
  ASSERT_TRUE(rerun.WaitFor(kLoadTimeout)) << rerun.Output();
  EXPECT_EQ(rerun.Ending(), "exit code 0") << rerun.Output();
  EXPECT_EQ(watch.Value(stages), "0");
  EXPECT_EQ(Value(cluster_, database, "SELECT rows_read FROM etl_file WHERE status = 'loaded'"),
            "300000");
  // Autovacuum may have vacuumed the dimensions after the killed loads, leaving the planner
  // sure they hold one row each; and it never gathers statistics of a partitioned table such
  // as fact_sales. Counting the view then ran nested loops for over ten minutes once.
  Sql(cluster_, database, "ANALYZE");
  ExpectConsistent(cluster_, database);
}

// Cases that stop or restart the server run a cluster of their own.
class ServerFaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    cluster_ = PgCluster::Start(&error);
    ASSERT_NE(cluster_, nullptr) << error;
    database_ = NewDatabase(*cluster_);
    url_ = cluster_->Url(database_);
  }

  std::unique_ptr<PgCluster> cluster_;
  std::string database_;
  std::string url_;
  TempDir dir_;
};

// What a till that lost its server must say: that the connection was lost, in Till's words or
// libpq's. (The server's own "terminating connection" notice, which libpq prints by itself
// when it happens to read it in time, does not count.)
bool NamesTheLostConnection(std::string_view message) {
  return Contains(message, "connection to the server was lost") ||
         Contains(message, "server closed the connection");
}

TEST_F(ServerFaultTest, AServerStoppedMidLoadLeavesNothingAndARerunLoadsEverything) {
  PgSession watch(cluster_->Url("postgres"));
  ASSERT_TRUE(watch.connected()) << watch.error();
  TillProcess load(dir_.Path(""), "interrupted", {"ingest", Files().big, "--warehouse", url_});
  // In progress: a till session holds the load lock, and its second session is copying facts
  // into the file's staged table.
  const std::string copying =
      "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'till' "
      "AND query LIKE 'COPY till\\_stage\\_%' AND EXISTS (SELECT 1 FROM pg_locks l "
      "WHERE l.granted AND l." +
      LoadLockFilter() + ")";
  bool seen =
      PollUntil(kLoadTimeout, [&] { return watch.Value(copying) == "1" || !load.running(); });
  ASSERT_TRUE(seen && load.running()) << "the load was not seen in progress\n" << load.Output();

  std::string error;
  ASSERT_TRUE(cluster_->Stop(PgCluster::StopMode::kImmediate, &error)) << error;
  ASSERT_TRUE(load.WaitFor(kExitTimeout)) << "till hangs after losing its server";
  EXPECT_EQ(load.Ending(), "exit code 1") << load.Output();
  EXPECT_TRUE(NamesTheLostConnection(load.err())) << load.Output();

  ASSERT_TRUE(cluster_->Restart(&error)) << error;
  ExpectNothingLoaded(*cluster_, database_);

  TillProcess rerun(dir_.Path(""), "rerun", {"ingest", Files().big, "--warehouse", url_});
  ASSERT_TRUE(rerun.WaitFor(kLoadTimeout)) << rerun.Output();
  EXPECT_EQ(rerun.Ending(), "exit code 0") << rerun.Output();

  // The same file into SQLite: the counts any complete load of it gives.
  auto sqlite = OpenWarehouse(dir_.Path("reference.db"));
  ASSERT_TRUE(sqlite) << sqlite.error().message();
  auto reference = IngestFiles(**sqlite, std::vector<std::string>{Files().big}, IngestOptions{});
  ASSERT_TRUE(reference && reference->succeeded);
  const FileOutcome& expected = reference->files.at(0);
  EXPECT_EQ(expected.rows_read, 300'000);
  EXPECT_EQ(LoadedCounts(*cluster_, database_), std::to_string(expected.rows_read) + " " +
                                                    std::to_string(expected.rows_loaded) + " " +
                                                    std::to_string(expected.rows_rejected) + " " +
                                                    std::to_string(expected.rows_duplicate));
  EXPECT_EQ(Value(*cluster_, database_, "SELECT count(*) FROM retail_data_view"),
            std::to_string(expected.rows_loaded));
  ExpectConsistent(*cluster_, database_);
}

// The latest moment: every row, member and date written, the load waiting to record its steps
// (the test holds etl_step), when the server stops.
TEST_F(ServerFaultTest, AServerStoppedJustBeforeCommitLeavesNothing) {
  ASSERT_NE(OpenMigrated(url_), nullptr);
  PgSession holder(url_);
  ASSERT_TRUE(holder.connected()) << holder.error();
  ASSERT_TRUE(holder.Value("BEGIN; LOCK TABLE etl_step IN EXCLUSIVE MODE")) << holder.error();
  PgSession watch(cluster_->Url("postgres"));
  ASSERT_TRUE(watch.connected()) << watch.error();

  TillProcess load(dir_.Path(""), "interrupted", {"ingest", Files().first, "--warehouse", url_});
  bool waiting = PollUntil(kLoadTimeout, [&] {
    return watch.Value(
               "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'till' "
               "AND wait_event_type = 'Lock' AND query LIKE 'DELETE FROM etl_step%'") == "1" ||
           !load.running();
  });
  ASSERT_TRUE(waiting && load.running()) << "the load did not reach etl_step\n" << load.Output();

  std::string error;
  ASSERT_TRUE(cluster_->Stop(PgCluster::StopMode::kImmediate, &error)) << error;
  ASSERT_TRUE(load.WaitFor(kExitTimeout)) << "till hangs after losing its server";
  EXPECT_EQ(load.Ending(), "exit code 1") << load.Output();
  EXPECT_TRUE(NamesTheLostConnection(load.err())) << load.Output();

  ASSERT_TRUE(cluster_->Restart(&error)) << error;
  ExpectNothingLoaded(*cluster_, database_);
  TillProcess rerun(dir_.Path(""), "rerun", {"ingest", Files().first, "--warehouse", url_});
  ASSERT_TRUE(rerun.WaitFor(kLoadTimeout)) << rerun.Output();
  EXPECT_EQ(rerun.Ending(), "exit code 0") << rerun.Output();
  ExpectConsistent(*cluster_, database_);
}

// A long-lived process (the watcher) keeps its Warehouse across a server restart.
TEST_F(ServerFaultTest, AnOpenWarehouseReconnectsAfterTheServerRestarted) {
  auto warehouse = OpenMigrated(url_);
  ASSERT_NE(warehouse, nullptr);
  std::string error;
  ASSERT_TRUE(cluster_->Restart(&error)) << error;

  auto report = IngestFiles(*warehouse, std::vector<std::string>{Files().small}, IngestOptions{});
  ASSERT_TRUE(report) << report.error().message();
  ASSERT_EQ(report->files.size(), 1u);
  EXPECT_EQ(report->files[0].status, FileStatus::kLoaded) << report->files[0].error;
  EXPECT_EQ(Value(*cluster_, database_, "SELECT count(*) FROM retail_data_view"),
            std::to_string(report->files[0].rows_loaded));
}

}  // namespace
}  // namespace till
