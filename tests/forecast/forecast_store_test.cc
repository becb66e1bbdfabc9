// The forecasts the warehouse keeps (forecast_sales, forecast_actual_view) on both back ends:
// written by the refresh after `till ingest` and by `till forecast --save`, the same rows on
// SQLite and PostgreSQL, the same numbers `till forecast` prints, and readable by the reporting
// role.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "support/backends.h"
#include "support/generated.h"
#include "support/temp_dir.h"
#include "warehouse/forecasts.h"
#include "warehouse/reads.h"
#include "warehouse/warehouse.h"

namespace till {
namespace {

using testing::Backend;

std::string RunTill(const testing::TempDir& dir, const std::string& args, int* exit_code) {
  std::string out = dir.Path("out.txt");
  std::string command = "TILL_CONFIG='" + dir.Path("till.toml") + "' '" TILL_BINARY "' " + args +
                        " >'" + out + "' 2>'" + dir.Path("err.txt") + "'";
  int status = std::system(command.c_str());
  *exit_code = WEXITSTATUS(status);
  return testing::ReadFile(out) + testing::ReadFile(dir.Path("err.txt"));
}

// Every stored row but its run id and time, as text.
std::string Describe(const std::vector<StoredForecast>& rows) {
  std::string out;
  for (const StoredForecast& f : rows) {
    out += fmt::format("{} {} {} {} {} {} {} {} {} {} {} {}\n", f.series_by, f.measure, f.grain,
                       f.origin_key, f.step.member, f.step.date_key, f.step.model, f.step.point,
                       f.step.lo80, f.step.hi80, f.step.lo95, f.step.hi95);
  }
  return out;
}

TEST(ForecastStoreTest, RefreshAndSaveStoreTheSameRowsOnBothBackEnds) {
  testing::TempDir dir;
  {
    std::ofstream toml(dir.Path("till.toml"));
    toml << "[forecast]\nby = [\"total\", \"category\"]\nhorizon = 14\n";
  }
  std::string raw = testing::Generate(dir, "sales.csv", 20000, 11);
  std::string stored[2], view[2];
  for (Backend backend : testing::kBackends) {
    SCOPED_TRACE(testing::BackendName(backend));
    std::string location = testing::NewWarehouseLocation(backend, dir, "store");
    int code = -1;
    std::string out = RunTill(dir, "ingest '" + raw + "' --warehouse '" + location + "'", &code);
    ASSERT_EQ(code, 0) << out;

    auto warehouse = OpenWarehouse(location);
    ASSERT_TRUE(warehouse) << warehouse.error().message();
    // The refresh after the load: the total and the five categories, 14 days each, one run.
    auto rows = ReadForecasts(**warehouse, {});
    ASSERT_TRUE(rows) << rows.error().message();
    ASSERT_EQ(rows->size(), 6u * 14u);
    for (const StoredForecast& f : *rows) {
      EXPECT_EQ(f.run_id, 1);
      EXPECT_EQ(f.measure, "revenue");
      EXPECT_EQ(f.grain, "day");
      EXPECT_EQ(f.origin_key, 20240229);
      EXPECT_GT(f.step.date_key, 20240229);
      EXPECT_LE(f.step.date_key, 20240314);
      EXPECT_LE(f.step.lo95, f.step.lo80);
      EXPECT_LE(f.step.lo80, f.step.point);
      EXPECT_LE(f.step.point, f.step.hi80);
      EXPECT_LE(f.step.hi80, f.step.hi95);
      EXPECT_GE(f.step.lo95, 0);
      EXPECT_FALSE(f.created_at.empty());
    }

    // The same numbers `till forecast` prints, to the hundredth.
    out = RunTill(dir, "forecast --warehouse '" + location + "' --by category --horizon 14 --json",
                  &code);
    ASSERT_EQ(code, 0) << out;
    auto json = nlohmann::json::parse(out);
    std::map<std::pair<std::string, std::string>, nlohmann::json> printed;
    for (const auto& series : json["series"]) {
      for (const auto& step : series["forecast"]) {
        nlohmann::json one = step;
        one["model"] = series["model"];
        printed[{series["series"].get<std::string>(), step["date"].get<std::string>()}] = one;
      }
    }
    int compared = 0;
    for (const StoredForecast& f : *rows) {
      if (f.series_by != "category") continue;
      std::string date = fmt::format("{:04}-{:02}-{:02}", f.step.date_key / 10000,
                                     f.step.date_key / 100 % 100, f.step.date_key % 100);
      auto it = printed.find({f.step.member, date});
      ASSERT_NE(it, printed.end()) << f.step.member << " " << date;
      EXPECT_EQ(f.step.model, it->second["model"].get<std::string>());
      for (auto [name, value] : {std::pair{"point", f.step.point}, std::pair{"lo80", f.step.lo80},
                                 std::pair{"hi95", f.step.hi95}}) {
        EXPECT_NEAR(value, it->second[name].get<double>(), 0.005 + 1e-9) << name;
      }
      ++compared;
    }
    EXPECT_EQ(compared, 5 * 14);

    // --save stores a new run; from the same data it replaces the rows it repeats.
    out = RunTill(dir, "forecast --warehouse '" + location + "' --by category --horizon 14 --save",
                  &code);
    ASSERT_EQ(code, 0) << out;
    EXPECT_NE(out.find("stored as forecast run 2"), std::string::npos) << out;
    auto again = ReadForecasts(**warehouse, {});
    ASSERT_TRUE(again);
    ASSERT_EQ(again->size(), rows->size());
    EXPECT_EQ(Describe(*again), Describe(*rows));
    for (const StoredForecast& f : *again) EXPECT_EQ(f.run_id, f.series_by == "total" ? 1 : 2);
    // A filtered selection is not stored.
    out = RunTill(dir, "forecast --warehouse '" + location + "' --by category --country USA --save",
                  &code);
    EXPECT_NE(code, 0) << out;
    EXPECT_NE(out.find("takes no filter"), std::string::npos) << out;

    // The view: every loaded day's actual beside the forecast days.
    auto actuals = ReadForecastActuals(**warehouse, "total", "revenue");
    ASSERT_TRUE(actuals) << actuals.error().message();
    auto daily = ReadDailySales(**warehouse, SalesGrouping::kTotal, SalesMeasure::kRevenue, {});
    ASSERT_TRUE(daily);
    ASSERT_EQ(actuals->size(), daily->size() + 14);
    std::string text;
    for (size_t i = 0; i < actuals->size(); ++i) {
      const ForecastActualRow& row = (*actuals)[i];
      EXPECT_EQ(row.member, "total");
      if (i < daily->size()) {
        EXPECT_EQ(row.date_key, (*daily)[i].date_key);
        ASSERT_TRUE(row.actual);
        EXPECT_NEAR(*row.actual, (*daily)[i].value, 0.005);
        EXPECT_FALSE(row.point);
      } else {
        EXPECT_FALSE(row.actual);
        ASSERT_TRUE(row.point && row.lo95 && row.hi95);
      }
      text += fmt::format("{} {} {} {}\n", row.date_key, row.actual.value_or(-1),
                          row.point.value_or(-1), row.hi95.value_or(-1));
    }
    stored[backend == Backend::kSqlite ? 0 : 1] = Describe(*again);
    view[backend == Backend::kSqlite ? 0 : 1] = text;
  }
  EXPECT_EQ(stored[0], stored[1]);
  EXPECT_EQ(view[0], view[1]);
}

// The reporting role reads the stored forecasts and the view, as it reads the other views.
TEST(ForecastStoreTest, TheReportingRoleReadsTheForecasts) {
  testing::TempDir dir;
  {
    std::ofstream toml(dir.Path("till.toml"));
    toml << "[forecast]\nby = [\"total\"]\nhorizon = 7\n";
  }
  testing::PgCluster& cluster = testing::SharedPgCluster();
  std::string database = testing::UniqueDatabaseName();
  std::string error;
  ASSERT_TRUE(cluster.CreateDatabase(database, &error)) << error;
  std::string raw = testing::Generate(dir, "sales.csv", 3000, 5);
  int code = -1;
  std::string out =
      RunTill(dir, "ingest '" + raw + "' --warehouse '" + cluster.Url(database) + "'", &code);
  ASSERT_EQ(code, 0) << out;
  {
    auto admin = OpenWarehouse(cluster.Url(database));
    ASSERT_TRUE(admin);
    auto roles = (*admin)->CreateRoles({"loader-Pw-7", "reader-Pw-7"});
    ASSERT_TRUE(roles) << roles.error().message();
  }
  // The loader, owning the table now, refreshes it on its next load.
  std::string more = testing::Generate(dir, "more.csv", 500, 6);
  out = RunTill(dir,
                "ingest '" + more + "' --warehouse '" +
                    cluster.Url(database, "till_loader", "loader-Pw-7") + "'",
                &code);
  ASSERT_EQ(code, 0) << out;
  auto reader = OpenWarehouse(cluster.Url(database, "till_reader", "reader-Pw-7"));
  ASSERT_TRUE(reader) << reader.error().message();
  auto rows = ReadForecasts(**reader, {});
  ASSERT_TRUE(rows) << rows.error().message();
  EXPECT_EQ(rows->size(), 7u);
  for (const StoredForecast& f : *rows) EXPECT_EQ(f.run_id, 2);
  auto view = ReadForecastActuals(**reader, "total", "revenue");
  ASSERT_TRUE(view) << view.error().message();
  EXPECT_GT(view->size(), 7u);
}

}  // namespace
}  // namespace till
