// Warehouses an old Till left, brought to this Till's schema as an upgraded installation brings
// them: tests/data/upgrade/ holds a SQLite file and a PostgreSQL dump (with its roles) that the
// till of commit f54bd9c made at schema version 1, with the figures that till's SQL counted in
// them (regenerate.sh tells how). On each back end, `till doctor` names the old schema and fails;
// `till init` (what the package's postinst and every loading command run) applies each later
// migration once, as the role that owns the warehouse, and keeps every row: counts, units and
// revenue to the cent are the same before and after, through SQL and through this Till's typed
// reads; a second start applies nothing; `till doctor` then passes; and loading goes on, the old
// loads' contents still known.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include "support/pg_cluster.h"
#include "support/temp_dir.h"
#include "warehouse/reads.h"
#include "warehouse/schema.h"
#include "warehouse/warehouse.h"

namespace till {
namespace {

using testing::PgCluster;
using testing::ReadFile;
using testing::TempDir;

const std::string kFixtures = TILL_TEST_DATA_DIR "/upgrade";

// name -> value, as regenerate.sh counted them (expected.txt).
using Figures = std::map<std::string, std::string>;

Figures ExpectedFigures() {
  Figures figures;
  std::ifstream in(kFixtures + "/expected.txt");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string name, value;
    fields >> name >> value;
    figures[name] = value;
  }
  return figures;
}

// The SQL regenerate.sh counts with, valid on the old schema and the new (`rejected` is the
// back end's spelling of a rejected row: 1 in SQLite, true in PostgreSQL).
std::map<std::string, std::string> FigureQueries(const std::string& rejected) {
  return {
      {"facts", "SELECT count(*) FROM fact_sales"},
      {"files_loaded", "SELECT count(*) FROM etl_file WHERE status = 'loaded'"},
      {"files_skipped", "SELECT count(*) FROM etl_file WHERE status = 'skipped'"},
      {"rejects", "SELECT count(*) FROM etl_reject WHERE row_rejected = " + rejected},
      {"customers", "SELECT count(*) FROM dim_customer WHERE customer_key <> 0"},
      {"revenue", "SELECT round(CAST(sum(total_amount) AS NUMERIC), 2) FROM fact_sales"},
      {"units", "SELECT sum(quantity) FROM fact_sales"},
  };
}

// The versions of till_schema rows written as "VERSION DESCRIPTION APPLIED_AT".
std::vector<std::string> Versions(const std::vector<std::string>& rows) {
  std::vector<std::string> versions;
  for (const std::string& row : rows) versions.push_back(row.substr(0, row.find(' ')));
  return versions;
}

struct Outcome {
  int exit_code = -1;
  std::string out;
};

class UpgradeTest : public ::testing::Test {
 protected:
  // Runs `till ARGS` in the test's folder with none of the caller's settings.
  Outcome Till(const std::string& args) {
    std::string command = "cd '" + dir_.Path("") +
                          "' && env -u TILL_WAREHOUSE -u TILL_CONFIG -u PGPASSWORD -u PGUSER "
                          "-u PGHOST '" TILL_BINARY "' " +
                          args + " >out.txt 2>err.txt";
    int status = std::system(command.c_str());
    Outcome run;
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    run.out = ReadFile(dir_.Path("out.txt")) + ReadFile(dir_.Path("err.txt"));
    return run;
  }

  // `till doctor --json` on `location`: its checks by name (each check here comes once).
  std::map<std::string, nlohmann::json> Doctor(const std::string& location, int* exit_code) {
    Outcome run = Till("doctor --json --warehouse '" + location + "'");
    *exit_code = run.exit_code;
    std::map<std::string, nlohmann::json> checks;
    auto report = nlohmann::json::parse(run.out, nullptr, /*allow_exceptions=*/false);
    EXPECT_FALSE(report.is_discarded()) << run.out;
    if (report.is_discarded()) return checks;
    for (const auto& check : report["checks"]) checks[check["check"]] = check;
    return checks;
  }

  // The whole upgrade on the warehouse at `location` (as the role that owns it), whose figures
  // `count` gives by SQL and whose till_schema rows `schema` lists, as "VERSION DESCRIPTION
  // APPLIED_AT".
  void Upgrade(const std::string& location, const std::function<Figures()>& count,
               const std::function<std::vector<std::string>()>& schema,
               std::span<const Migration> migrations) {
    const Figures expected = ExpectedFigures();
    ASSERT_EQ(expected.size(), 7u) << "tests/data/upgrade/expected.txt is incomplete";
    ASSERT_EQ(count(), expected) << "the old warehouse is not what regenerate.sh left";
    ASSERT_EQ(Versions(schema()), std::vector<std::string>{"1"});
    const int newest = migrations.back().version;
    ASSERT_GT(newest, 1);

    int exit_code = 0;
    auto before = Doctor(location, &exit_code);
    EXPECT_EQ(exit_code, 1);
    ASSERT_TRUE(before.contains("schema"));
    EXPECT_FALSE(before["schema"]["ok"].get<bool>());
    const std::string detail = before["schema"]["detail"].get<std::string>();
    EXPECT_EQ(detail.rfind("schema version 1; this till ", 0), 0u) << detail;
    EXPECT_TRUE(detail.ends_with(" uses version " + std::to_string(newest))) << detail;
    EXPECT_NE(before["schema"]["remedy"].get<std::string>().find("run `till init`"),
              std::string::npos);
    EXPECT_EQ(Versions(schema()), std::vector<std::string>{"1"}) << "the doctor migrated";

    Outcome init = Till("init --warehouse '" + location + "'");
    ASSERT_EQ(init.exit_code, 0) << init.out;
    EXPECT_NE(init.out.find("schema version " + std::to_string(newest)), std::string::npos)
        << init.out;
    // Each later migration once, in order, recorded with its description.
    std::vector<std::string> applied = schema();
    ASSERT_EQ(applied.size(), migrations.size());
    for (size_t i = 1; i < migrations.size(); ++i) {
      EXPECT_EQ(applied[i].substr(0, applied[i].find(' ')), std::to_string(migrations[i].version));
      EXPECT_NE(applied[i].find(std::string(migrations[i].description)), std::string::npos)
          << applied[i];
    }
    EXPECT_EQ(count(), expected) << "the upgrade changed the rows";

    // This Till's own reads of the upgraded warehouse: exact sums of every sale's amount.
    auto opened = OpenWarehouse(location, Access::kReadOnly);
    ASSERT_TRUE(opened) << opened.error().message();
    auto by_category = ReadRevenueBy(**opened, ProductAttribute::kCategory, 1000);
    ASSERT_TRUE(by_category) << by_category.error().message();
    ExactSum revenue;
    int64_t sales = 0;
    for (const RevenueRow& row : *by_category) {
      revenue.Add(row.revenue);
      sales += row.sales;
    }
    EXPECT_EQ(revenue.CentsText(), expected.at("revenue"));
    EXPECT_EQ(std::to_string(sales), expected.at("facts"));
    auto files = ReadFiles(**opened, 100);
    ASSERT_TRUE(files) << files.error().message();
    int64_t loaded_files = 0;
    for (const FileRecord& file : *files) loaded_files += file.status == "loaded" ? 1 : 0;
    EXPECT_EQ(std::to_string(loaded_files), expected.at("files_loaded"));
    opened->reset();

    auto after = Doctor(location, &exit_code);
    EXPECT_EQ(exit_code, 0);
    for (const auto& [name, check] : after) {
      EXPECT_TRUE(check["ok"].get<bool>()) << check.dump();
    }
    ASSERT_TRUE(after.contains("schema"));
    EXPECT_EQ(after["schema"]["detail"], "version " + std::to_string(newest) + ", this till's");

    // A second start applies nothing: the same rows, the same times.
    Outcome again = Till("init --warehouse '" + location + "'");
    ASSERT_EQ(again.exit_code, 0) << again.out;
    EXPECT_EQ(schema(), applied);

    // Loading goes on: the old till's file is known by its content, a new one loads.
    std::filesystem::copy_file(TILL_TEST_DATA_DIR "/samples/real_rows_30.csv",
                               dir_.Path("real_rows_30.csv"));
    Outcome same = Till("ingest --json --warehouse '" + location + "' real_rows_30.csv");
    EXPECT_EQ(same.exit_code, 0) << same.out;
    EXPECT_NE(same.out.find("\"status\":\"skipped\""), std::string::npos) << same.out;
    ASSERT_EQ(Till("generate --rows 40 --seed 1616 --output new_40.csv").exit_code, 0);
    Outcome fresh = Till("ingest --json --warehouse '" + location + "' new_40.csv");
    ASSERT_EQ(fresh.exit_code, 0) << fresh.out;
    auto outcome = nlohmann::json::parse(fresh.out.substr(0, fresh.out.find('\n')), nullptr,
                                         /*allow_exceptions=*/false);
    ASSERT_FALSE(outcome.is_discarded()) << fresh.out;
    EXPECT_EQ(outcome.value("status", ""), "loaded") << fresh.out;
    const int64_t new_rows = outcome.value("rows_loaded", int64_t{0});
    EXPECT_GT(new_rows, 30);
    EXPECT_EQ(count()["facts"], std::to_string(std::stoll(expected.at("facts")) + new_rows));
    EXPECT_EQ(schema(), applied);
  }

  TempDir dir_;
};

TEST_F(UpgradeTest, SqliteWarehouseOfSchemaVersion1) {
  const std::string file = dir_.Path("till.db");
  std::filesystem::copy_file(kFixtures + "/sqlite_v1.db", file);
  auto query = [&](const std::string& sql) {
    sqlite3* db = nullptr;
    std::vector<std::string> rows;
    EXPECT_EQ(sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* statement = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db);
    while (statement && sqlite3_step(statement) == SQLITE_ROW) {
      std::string row;
      for (int c = 0; c < sqlite3_column_count(statement); ++c) {
        const unsigned char* text = sqlite3_column_text(statement, c);
        if (c > 0) row += ' ';
        if (text) row += reinterpret_cast<const char*>(text);
      }
      rows.push_back(row);
    }
    sqlite3_finalize(statement);
    sqlite3_close(db);
    return rows;
  };
  auto count = [&] {
    Figures figures;
    for (const auto& [name, sql] : FigureQueries("1")) {
      auto rows = query(sql);
      figures[name] = rows.empty() ? "" : rows[0];
    }
    // SQLite's round() of a double drops trailing zeros: written with two decimals.
    char cents[64];
    std::snprintf(cents, sizeof cents, "%.2f", std::strtod(figures["revenue"].c_str(), nullptr));
    figures["revenue"] = cents;
    return figures;
  };
  auto schema = [&] {
    return query(
        "SELECT version || ' ' || description || ' ' || applied_at FROM till_schema "
        "ORDER BY version");
  };
  Upgrade(file, count, schema, SqliteMigrations());
}

TEST_F(UpgradeTest, PostgresWarehouseOfSchemaVersion1AndItsRoles) {
  std::string error;
  auto cluster = PgCluster::Start(&error);
  ASSERT_NE(cluster, nullptr) << error;
  // The dump as the old till's server held it: roles till_loader and till_reader, the database
  // till_v1 owned by the superuser, its schema and data owned by till_loader.
  std::string restore =
      "PGPASSWORD='" + cluster->password() +
      "' \"$(pg_config --bindir)/psql\" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p " +
      std::to_string(cluster->port()) + " -U postgres -d postgres -f '" + kFixtures +
      "/postgres_v1.sql' >'" + dir_.Path("psql.log") + "' 2>&1";
  ASSERT_EQ(std::system(restore.c_str()), 0) << ReadFile(dir_.Path("psql.log"));
  auto query = [&](const std::string& sql) {
    testing::PgRows rows;
    std::string failure;
    EXPECT_TRUE(cluster->Exec("till_v1", sql, &rows, &failure)) << failure;
    std::vector<std::string> texts;
    for (const auto& row : rows) {
      std::string text;
      for (size_t c = 0; c < row.size(); ++c) {
        if (c > 0) text += ' ';
        text += row[c].value_or("");
      }
      texts.push_back(text);
    }
    return texts;
  };
  auto count = [&] {
    Figures figures;
    for (const auto& [name, sql] : FigureQueries("true")) {
      auto rows = query(sql);
      figures[name] = rows.empty() ? "" : rows[0];
    }
    return figures;
  };
  auto schema = [&] {
    return query(
        "SELECT version || ' ' || description || ' ' || applied_at FROM till_schema "
        "ORDER BY version");
  };
  // As the package's services run: the loader role, which owns the warehouse.
  const std::string loader = cluster->Url("till_v1", "till_loader", "loader-pw");
  Upgrade(loader, count, schema, PostgresMigrations());
  if (HasFatalFailure()) return;

  // What the migrations made belongs to the loader, and the reporting role may read the new
  // views (the migrations grant them to till_reader when it exists; a view it may not read
  // fails the statement).
  EXPECT_EQ(query("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                  "WHERE n.nspname IN ('public', 'reporting') AND c.relkind IN ('r', 'p', 'v') "
                  "AND pg_get_userbyid(c.relowner) <> 'till_loader' ORDER BY 1"),
            std::vector<std::string>{});
  testing::PgRows rows;
  std::string failure;
  ASSERT_TRUE(cluster->Exec("till_v1",
                            "SET ROLE till_reader; SELECT "
                            "(SELECT count(*) FROM reporting.retail_data_view), "
                            "(SELECT count(*) FROM reporting.forecast_sales), "
                            "(SELECT count(*) FROM reporting.forecast_actual_view), "
                            "(SELECT count(*) FROM reporting.customer_segment)",
                            &rows, &failure))
      << failure;
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][0].value_or(""), query("SELECT count(*) FROM fact_sales")[0]);
  EXPECT_NE(rows[0][1].value_or("0"), "0") << "the load after the upgrade stored no forecasts";
}

}  // namespace
}  // namespace till
