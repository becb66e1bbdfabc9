// `till forecast --warehouse` on both back ends: the daily series read through the typed read
// add up to what the warehouse holds, and the same file loaded into SQLite and PostgreSQL gives
// the same forecast, byte for byte.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "pipeline/ingest.h"
#include "support/backends.h"
#include "support/generated.h"
#include "support/temp_dir.h"
#include "warehouse/reads.h"
#include "warehouse/warehouse.h"

namespace till {
namespace {

using testing::Backend;

std::string RunTill(const testing::TempDir& dir, const std::string& args, int* exit_code) {
  std::string out = dir.Path("out.txt");
  std::string command =
      "'" TILL_BINARY "' " + args + " >'" + out + "' 2>'" + dir.Path("err.txt") + "'";
  int status = std::system(command.c_str());
  *exit_code = WEXITSTATUS(status);
  return testing::ReadFile(out) + testing::ReadFile(dir.Path("err.txt"));
}

TEST(ForecastWarehouseTest, SameForecastOnBothBackEnds) {
  testing::TempDir dir;
  std::string raw = testing::Generate(dir, "sales.csv", 20000, 7);
  std::string outputs[2];
  for (Backend backend : testing::kBackends) {
    SCOPED_TRACE(testing::BackendName(backend));
    std::string location = testing::NewWarehouseLocation(backend, dir, "till");
    {
      auto warehouse = OpenWarehouse(location);
      ASSERT_TRUE(warehouse) << warehouse.error().message();
      ASSERT_TRUE((*warehouse)->Migrate());
      auto report = IngestFiles(**warehouse, std::vector<std::string>{raw}, IngestOptions{});
      ASSERT_TRUE(report) << report.error().message();

      // The daily series add up to the warehouse's totals, per measure.
      auto revenue =
          ReadDailySales(**warehouse, SalesGrouping::kCountryCategory, SalesMeasure::kRevenue, {});
      ASSERT_TRUE(revenue) << revenue.error().message();
      auto units = ReadDailySales(**warehouse, SalesGrouping::kTotal, SalesMeasure::kUnits, {});
      ASSERT_TRUE(units) << units.error().message();
      auto orders = ReadDailySales(**warehouse, SalesGrouping::kTotal, SalesMeasure::kOrders, {});
      ASSERT_TRUE(orders);
      double revenue_sum = 0, units_sum = 0, orders_sum = 0;
      for (const auto& row : *revenue) revenue_sum += row.value;
      for (const auto& row : *units) units_sum += row.value;
      for (const auto& row : *orders) orders_sum += row.value;
      auto totals = (*warehouse)
                        ->Query(
                            "SELECT sum(total_amount), sum(quantity), count(*) FROM fact_sales "
                            "WHERE date_key <> 0");
      ASSERT_TRUE(totals) << totals.error().message();
      EXPECT_NEAR(revenue_sum, std::stod(*totals->rows[0][0]),
                  0.01 * static_cast<double>(revenue->size()));
      EXPECT_EQ(units_sum, std::stod(*totals->rows[0][1]));
      EXPECT_EQ(orders_sum, std::stod(*totals->rows[0][2]));

      // A filter keeps only what it selects.
      DailySalesFilter books;
      books.categories = {"Books"};
      books.from_key = 20230601;
      auto filtered =
          ReadDailySales(**warehouse, SalesGrouping::kCategory, SalesMeasure::kUnits, books);
      ASSERT_TRUE(filtered);
      ASSERT_FALSE(filtered->empty());
      for (const auto& row : *filtered) {
        EXPECT_EQ(row.series, "Books");
        EXPECT_GE(row.date_key, 20230601);
      }
    }
    int code = -1;
    std::string out = RunTill(dir,
                              "forecast --warehouse '" + location +
                                  "' --by category --measure revenue --horizon 14 --json",
                              &code);
    ASSERT_EQ(code, 0) << out;
    auto json = nlohmann::json::parse(out);
    EXPECT_EQ(json["series"].size(), 5u);
    for (const auto& series : json["series"]) {
      EXPECT_EQ(series["forecast"].size(), 14u);
      EXPECT_EQ(series["season"], 7);
      for (const auto& step : series["forecast"]) EXPECT_GE(step["lo95"].get<double>(), 0.0);
    }
    EXPECT_TRUE(json["overall"]["auto"]["mase"].is_number());
    outputs[backend == Backend::kSqlite ? 0 : 1] = out;
  }
  EXPECT_EQ(outputs[0], outputs[1]);
}

}  // namespace
}  // namespace till
