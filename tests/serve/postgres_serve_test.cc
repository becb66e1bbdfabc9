// `till serve` on PostgreSQL (a throwaway cluster, support/pg_cluster.h): the same files loaded
// into PostgreSQL and into SQLite give the same answers, byte for byte; the figures agree with SQL
// run on PostgreSQL; the reader cannot write; and the server starts on a postgres:// URL.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "serve/serve_support.h"
#include "serve/server.h"
#include "support/generated.h"
#include "support/pg_cluster.h"
#include "support/temp_dir.h"

namespace till {
namespace {

using testing::Answer;
using testing::AnswerJson;
using testing::Cents;
using testing::HttpClient;
using testing::Json;
using testing::Kpi;
using testing::OpenOrFail;
using testing::Sql;
using testing::SqlInt;
using testing::SqlNumber;
using testing::TempDir;

// The same files in a SQLite file and in a PostgreSQL database of the suite's own, and a
// snapshot of each.
class PostgresServeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    std::vector<std::string> files = {testing::Generate(*dir_, "sales.csv", 20'000, 81),
                                      testing::WriteOddNamesFile(*dir_, "odd.csv")};
    IngestOptions options;
    options.max_reject_ratio = 0.5;

    sqlite_ = dir_->Path("till.db");
    auto sqlite = OpenOrFail(sqlite_);
    ASSERT_NE(sqlite, nullptr);
    for (const auto& file : files) testing::IngestOrFail(*sqlite, {file}, options);

    database_ = testing::UniqueDatabaseName();
    std::string error;
    ASSERT_TRUE(testing::SharedPgCluster().CreateDatabase(database_, &error)) << error;
    postgres_ = testing::SharedPgCluster().Url(database_);
    auto postgres = OpenOrFail(postgres_);
    ASSERT_NE(postgres, nullptr);
    for (const auto& file : files) testing::IngestOrFail(*postgres, {file}, options);

    sqlite_snapshot_ = Read(sqlite_, &sqlite_error_);
    postgres_snapshot_ = Read(postgres_, &postgres_error_);
  }

  // A snapshot of `location`; nullptr, with the reason in *error, when it cannot be read. (Each
  // test asserts it, so that a reader that fails fails every test with its reason.)
  static std::shared_ptr<const Snapshot> Read(const std::string& location, std::string* error) {
    auto warehouse = OpenWarehouse(location, Access::kReadOnly);
    if (!warehouse) {
      *error = warehouse.error().message();
      return nullptr;
    }
    SnapshotReader reader(std::move(*warehouse));
    auto snapshot = reader.Refresh(nullptr);
    if (!snapshot) {
      *error = snapshot.error().message();
      return nullptr;
    }
    return *snapshot;
  }

  static void TearDownTestSuite() {
    sqlite_snapshot_.reset();
    postgres_snapshot_.reset();
    delete dir_;
    dir_ = nullptr;
  }

  void SetUp() override { ASSERT_FALSE(postgres_.empty()) << "the files were not loaded"; }

  // Use as ASSERT_NO_FATAL_FAILURE(NeedSnapshots()).
  // A server on `warehouse`, started on a free port; fails the test when it cannot start.
  static std::unique_ptr<DashboardServer> StartServer(const std::string& warehouse) {
    ServeOptions options;
    options.warehouse = warehouse;
    options.port = 0;
    options.version = "test";
    auto server = std::make_unique<DashboardServer>(options);
    Status started = server->Start();
    EXPECT_TRUE(started) << started.error().message();
    return started ? std::move(server) : nullptr;
  }

  static void NeedSnapshots() {
    ASSERT_NE(sqlite_snapshot_, nullptr) << "reading SQLite: " << sqlite_error_;
    ASSERT_NE(postgres_snapshot_, nullptr) << "reading PostgreSQL: " << postgres_error_;
  }

  static inline TempDir* dir_ = nullptr;
  static inline std::string sqlite_;
  static inline std::string database_;
  static inline std::string postgres_;
  static inline std::shared_ptr<const Snapshot> sqlite_snapshot_;
  static inline std::shared_ptr<const Snapshot> postgres_snapshot_;
  static inline std::string sqlite_error_ = "not read";
  static inline std::string postgres_error_ = "not read";
};

// Removes, at any depth, the members named in `names`.
Json Without(Json value, const std::vector<std::string>& names) {
  if (value.is_object()) {
    for (const auto& name : names) value.erase(name);
    for (auto& [key, member] : value.items()) member = Without(member, names);
  } else if (value.is_array()) {
    for (auto& element : value) element = Without(element, names);
  }
  return value;
}

// The first differences between two JSON documents, as a JSON patch.
std::string FirstDifferences(const Json& a, const Json& b) {
  Json patch = Json::diff(a, b);
  Json first = Json::array();
  for (size_t i = 0; i < patch.size() && i < 8; ++i) first.push_back(patch[i]);
  return first.dump(1);
}

TEST_F(PostgresServeTest, AnswersAreTheSameAsOnSqlite) {
  ASSERT_NO_FATAL_FAILURE(NeedSnapshots());
  const std::vector<std::pair<std::string, Params>> requests = {
      {"kpis", {}},
      {"kpis", {{"from", "2023-09-01"}, {"to", "2023-11-30"}, {"category", "Books"}}},
      {"timeseries", {{"grain", "week"}}},
      {"timeseries", {{"grain", "month"}, {"country", "UK"}}},
      {"breakdown", {{"by", "category"}, {"by", "payment_method"}}},
      {"breakdown", {{"by", "city"}, {"limit", "10"}}},
      {"breakdown", {{"by", "product"}, {"category", std::string(testing::kScriptCategory)}}},
      {"breakdown", {{"by", "age_band"}, {"by", "rating"}, {"sort", "name"}}},
      {"customers", {{"from", "2023-09-01"}, {"to", "2023-11-30"}}},
      {"customers", {}},
      {"dimensions", {}},
      {"kpis", {{"format", "csv"}}},
      {"breakdown", {{"by", "segment"}, {"format", "csv"}}},
      {"pipeline/rejects", {}},
  };
  for (const auto& [endpoint, params] : requests) {
    std::string what = endpoint;
    for (const auto& [name, value] : params) what += " " + name + "=" + value;
    ApiResponse sqlite = Answer(*sqlite_snapshot_, endpoint, params);
    ApiResponse postgres = Answer(*postgres_snapshot_, endpoint, params);
    ASSERT_EQ(sqlite.status, 200) << what << ": " << sqlite.body;
    ASSERT_EQ(postgres.status, 200) << what << ": " << postgres.body;
    if (sqlite.body == postgres.body) continue;
    if (sqlite.content_type == "application/json") {
      ADD_FAILURE() << what << " differs, SQLite to PostgreSQL:\n"
                    << FirstDifferences(Json::parse(sqlite.body), Json::parse(postgres.body));
    } else {
      ADD_FAILURE() << what << " differs:\nSQLite:\n"
                    << sqlite.body << "\nPostgreSQL:\n"
                    << postgres.body;
    }
  }
}

TEST_F(PostgresServeTest, MetaAndPipelineAreTheSameApartFromTimesAndTheWarehouse) {
  ASSERT_NO_FATAL_FAILURE(NeedSnapshots());
  const std::vector<std::string> kTimes = {"refreshed_at", "warehouse",       "started_at",
                                           "finished_at",  "last_success_at", "age_seconds"};
  for (const char* endpoint : {"meta", "pipeline/runs", "pipeline/files", "pipeline/freshness"}) {
    Json sqlite = Without(AnswerJson(*sqlite_snapshot_, endpoint), kTimes);
    Json postgres = Without(AnswerJson(*postgres_snapshot_, endpoint), kTimes);
    EXPECT_EQ(sqlite, postgres) << endpoint << ":\n" << FirstDifferences(sqlite, postgres);
  }
  Json meta = AnswerJson(*postgres_snapshot_, "meta");
  std::string warehouse = meta["warehouse"];
  EXPECT_TRUE(warehouse.starts_with("postgres")) << warehouse;
  EXPECT_EQ(warehouse.find(testing::SharedPgCluster().password()), std::string::npos)
      << "the password is served: " << warehouse;
}

TEST_F(PostgresServeTest, FiguresEqualSqlOnPostgres) {
  ASSERT_NO_FATAL_FAILURE(NeedSnapshots());
  auto postgres = OpenOrFail(postgres_, Access::kReadOnly);
  ASSERT_NE(postgres, nullptr);
  Json kpis = AnswerJson(*postgres_snapshot_, "kpis");
  EXPECT_EQ(Cents(Kpi(kpis, "revenue")["value"].get<double>()),
            Cents(SqlNumber(*postgres, "SELECT sum(total_amount) FROM retail_data_view")));
  EXPECT_EQ(Kpi(kpis, "orders")["value"].get<int64_t>(),
            SqlInt(*postgres, "SELECT count(*) FROM retail_data_view"));
  EXPECT_EQ(Kpi(kpis, "unique_customers")["value"].get<int64_t>(),
            SqlInt(*postgres, "SELECT count(DISTINCT customer_id) FROM retail_data_view"));

  Json autumn = AnswerJson(*postgres_snapshot_, "kpis",
                           {{"from", "2023-09-01"}, {"to", "2023-11-30"}, {"category", "Books"}});
  EXPECT_EQ(Cents(Kpi(autumn, "revenue")["value"].get<double>()),
            Cents(SqlNumber(*postgres,
                            "SELECT sum(total_amount) FROM retail_data_view WHERE date BETWEEN "
                            "'2023-09-01' AND '2023-11-30' AND product_category = 'Books'")));

  Json breakdown = AnswerJson(*postgres_snapshot_, "breakdown", {{"by", "country"}});
  auto groups = Sql(*postgres,
                    "SELECT coalesce(country, '(unknown)'), sum(total_amount), count(*) "
                    "FROM retail_data_view GROUP BY 1");
  ASSERT_EQ(breakdown["rows"].size(), groups.rows.size());
  std::map<std::string, std::pair<double, int64_t>> expected;
  for (const auto& row : groups.rows) {
    expected[*row[0]] = {std::stod(*row[1]), std::stoll(*row[2])};
  }
  for (const auto& row : breakdown["rows"]) {
    std::string country = row["country"];
    ASSERT_TRUE(expected.contains(country)) << country;
    EXPECT_EQ(Cents(row["revenue"].get<double>()), Cents(expected[country].first)) << country;
    EXPECT_EQ(row["orders"].get<int64_t>(), expected[country].second) << country;
  }
}

TEST_F(PostgresServeTest, TheReadersWarehouseRefusesWrites) {
  auto writer = OpenOrFail(postgres_);
  ASSERT_NE(writer, nullptr);
  const int64_t sales = SqlInt(*writer, "SELECT count(*) FROM fact_sales");
  auto reader = OpenOrFail(postgres_, Access::kReadOnly);
  ASSERT_NE(reader, nullptr);
  Status created =
      reader->QueryRows("CREATE TABLE serve_probe (a integer)", {}, [](auto) { return Status{}; });
  EXPECT_FALSE(created);
  EXPECT_FALSE(reader->Query("CREATE TABLE serve_probe (a integer)"));
  EXPECT_FALSE(reader->Query("DELETE FROM fact_sales"));
  EXPECT_TRUE(reader->Query("SELECT count(*) FROM fact_sales"));  // it still reads
  EXPECT_EQ(SqlInt(*writer, "SELECT count(*) FROM pg_tables WHERE tablename = 'serve_probe'"), 0);
  EXPECT_EQ(SqlInt(*writer, "SELECT count(*) FROM fact_sales"), sales);
  // The same statement through a read-write warehouse does write: the refusal is the access's.
  auto control = writer->Query("CREATE TABLE serve_probe (a integer)");
  EXPECT_TRUE(control) << control.error().message();
  EXPECT_EQ(SqlInt(*writer, "SELECT count(*) FROM pg_tables WHERE tablename = 'serve_probe'"), 1);
  EXPECT_TRUE(writer->Query("DROP TABLE serve_probe"));
}

TEST_F(PostgresServeTest, TheServerStartsOnAPostgresUrlAndAnswers) {
  auto server = StartServer(postgres_);
  ASSERT_NE(server, nullptr);
  HttpClient client;
  std::string base = "http://127.0.0.1:" + std::to_string(server->port());
  auto reply = client.Get(base + "/api/v1/kpis");
  ASSERT_EQ(reply.status, 200) << reply.curl_error << " " << reply.body;
  auto meta = client.Get(base + "/api/v1/meta");
  ASSERT_EQ(meta.status, 200);
  EXPECT_EQ(meta.body.find(testing::SharedPgCluster().password()), std::string::npos);
  EXPECT_EQ(client.Get(base + "/healthz").status, 200);
  ASSERT_NO_FATAL_FAILURE(NeedSnapshots());
  EXPECT_EQ(reply.body, Answer(*postgres_snapshot_, "kpis").body);
}

// The README serves the dashboard as till_reader, the role that reads the reporting views only.
TEST_F(PostgresServeTest, TheReportingRoleCanServeTheDashboard) {
  auto admin = OpenOrFail(postgres_);
  ASSERT_NE(admin, nullptr);
  auto roles = admin->CreateRoles({"loader-Pw-1", "reader-Pw-1"});
  ASSERT_TRUE(roles) << roles.error().message();
  std::string reader = testing::SharedPgCluster().Url(database_, "till_reader", "reader-Pw-1");

  std::string error;
  auto snapshot = Read(reader, &error);
  ASSERT_NE(snapshot, nullptr) << "reading as till_reader: " << error;
  ASSERT_NO_FATAL_FAILURE(NeedSnapshots());
  for (const char* endpoint : {"kpis", "dimensions", "pipeline/rejects"}) {
    EXPECT_EQ(Answer(*snapshot, endpoint).body, Answer(*postgres_snapshot_, endpoint).body)
        << endpoint;
  }

  auto server = StartServer(reader);
  ASSERT_NE(server, nullptr);
  HttpClient client;
  auto reply = client.Get("http://127.0.0.1:" + std::to_string(server->port()) + "/api/v1/kpis");
  EXPECT_EQ(reply.status, 200) << reply.body;
}

// A refresh that fails partway (here reading the second of two new files) must leave nothing
// behind: the next refresh reads each file's sales once.
TEST(PostgresSnapshotReaderTest, AFailedRefreshLeavesNothingBehind) {
  testing::PgCluster& cluster = testing::SharedPgCluster();
  std::string database = testing::UniqueDatabaseName();
  std::string error;
  ASSERT_TRUE(cluster.CreateDatabase(database, &error)) << error;
  auto exec = [&](const std::string& sql) {
    std::string failure;
    EXPECT_TRUE(cluster.Exec(database, sql, nullptr, &failure)) << sql << ": " << failure;
  };
  TempDir dir;
  auto writer = OpenOrFail(cluster.Url(database));
  ASSERT_NE(writer, nullptr);
  testing::IngestOrFail(*writer, {testing::Generate(dir, "a.csv", 300, 91)});
  // A reader that is not the tables' owner, so that row security applies to it.
  std::string role = "reader_" + database;
  exec("CREATE ROLE " + role + " LOGIN PASSWORD 'reader-Pw-2'; GRANT USAGE ON SCHEMA public TO " +
       role + "; GRANT SELECT ON ALL TABLES IN SCHEMA public TO " + role);
  SnapshotReader reader(OpenOrFail(cluster.Url(database, role, "reader-Pw-2"), Access::kReadOnly));
  auto first = reader.Refresh(nullptr);
  ASSERT_TRUE(first) << first.error().message();
  ASSERT_EQ((*first)->cube->rows(), 300u);

  testing::IngestOrFail(*writer, {testing::Generate(dir, "b.csv", 200, 92)});
  testing::IngestOrFail(*writer, {testing::Generate(dir, "c.csv", 100, 93)});
  std::string c = std::to_string(SqlInt(*writer, "SELECT max(file_id) FROM etl_file"));
  // Reading file c's sales fails while this policy stands: it divides by zero on c's rows.
  exec(
      "ALTER TABLE fact_sales ENABLE ROW LEVEL SECURITY; CREATE POLICY fail_c ON fact_sales "
      "USING (file_id / (file_id - " +
      c + ") IS NOT NULL)");
  auto failed = reader.Refresh(*first);
  EXPECT_FALSE(failed) << "the policy did not make reading file " << c << " fail";
  exec("DROP POLICY fail_c ON fact_sales; ALTER TABLE fact_sales DISABLE ROW LEVEL SECURITY");

  auto after = reader.Refresh(*first);
  ASSERT_TRUE(after) << after.error().message();
  const int64_t sales = SqlInt(*writer, "SELECT count(*) FROM fact_sales");
  ASSERT_EQ(sales, 600);
  EXPECT_EQ(static_cast<int64_t>((*after)->cube->rows()), sales);
  EXPECT_EQ(Kpi(AnswerJson(**after, "kpis"), "orders")["value"], sales);
}

}  // namespace
}  // namespace till
