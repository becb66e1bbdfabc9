// Golden cases as data: each folder under tests/data/golden holds input.csv and expected.txt
// (the file's counts, its rejects, and retail_data_view in line order). A regression is one new
// folder. Every case runs on SQLite and on PostgreSQL (a throwaway cluster) against the same
// expected.txt. Set TILL_UPDATE_GOLDEN=1 to rewrite expected.txt from what Till produces on
// SQLite, then read the diff before committing it.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "pipeline/ingest.h"
#include "support/backends.h"
#include "support/temp_dir.h"

namespace till {
namespace {

using testing::Backend;

const std::filesystem::path kGolden = std::filesystem::path(TILL_TEST_DATA_DIR) / "golden";

// The REAL columns of what is dumped. SQLite prints a REAL with 15 significant digits and
// always a decimal point ("10.0"); PostgreSQL prints a double precision in its shortest exact
// form ("10", "352.40771728571427"). The stored values agree; their text is compared as SQLite
// prints it.
const std::set<std::string> kRealColumns = {"amount", "total_amount"};

std::string AsSqlitePrintsReal(const std::string& text) {
  std::string printed = fmt::format("{:.15g}", std::strtod(text.c_str(), nullptr));
  if (printed.find_first_of(".en") == std::string::npos) printed += ".0";
  return printed;
}

std::string Describe(Warehouse& warehouse, const FileOutcome& file) {
  std::string text = fmt::format(
      "status={} rows_read={} rows_loaded={} rows_rejected={} rows_duplicate={} "
      "values_nulled={} month_mismatches={}\n",
      FileStatusName(file.status), file.rows_read, file.rows_loaded, file.rows_rejected,
      file.rows_duplicate, file.values_nulled, file.month_mismatches);
  auto dump = [&](const std::string& title, const std::string& sql) {
    auto result = warehouse.Query(sql, {});
    EXPECT_TRUE(result) << result.error().message();
    if (!result) return;
    text += "\n# " + title + "\n";
    for (size_t c = 0; c < result->columns.size(); ++c) {
      if (c > 0) text += '\t';
      text += result->columns[c];
    }
    text += '\n';
    for (const auto& row : result->rows) {
      for (size_t c = 0; c < row.size(); ++c) {
        if (c > 0) text += '\t';
        if (!row[c]) {
          text += "\\N";
        } else if (kRealColumns.contains(result->columns[c])) {
          text += AsSqlitePrintsReal(*row[c]);
        } else {
          text += *row[c];
        }
      }
      text += '\n';
    }
  };
  dump("rejects",
       "SELECT line, column_name, reason, CASE WHEN row_rejected THEN 1 ELSE 0 END AS "
       "row_rejected FROM etl_reject ORDER BY line, reason");
  dump("retail_data_view",
       "SELECT source_line, transaction_id, customer_id, name, email, phone, address, city, state, "
       "zipcode, country, age, gender, income, customer_segment, date, year, month, time, "
       "total_purchases, amount, total_amount, product_category, product_brand, product_type, "
       "feedback, shipping_method, payment_method, order_status, ratings, products "
       "FROM retail_data_view ORDER BY source_line");
  return text;
}

class GoldenTest : public ::testing::TestWithParam<std::tuple<Backend, std::string>> {};

TEST_P(GoldenTest, MatchesExpectedTables) {
  const auto& [backend, name] = GetParam();
  std::filesystem::path folder = kGolden / name;
  testing::TempDir dir;
  auto warehouse = OpenWarehouse(testing::NewWarehouseLocation(backend, dir, "till"));
  ASSERT_TRUE(warehouse) << warehouse.error().message();
  IngestOptions options;
  options.max_reject_ratio = 1.0;  // golden inputs are dirty on purpose
  auto report =
      IngestFiles(**warehouse, std::vector<std::string>{(folder / "input.csv").string()}, options);
  ASSERT_TRUE(report) << report.error().message();
  std::string actual = Describe(**warehouse, report->files.at(0));
  std::filesystem::path expected_path = folder / "expected.txt";
  if (backend == Backend::kSqlite && std::getenv("TILL_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(expected_path) << actual;
  }
  EXPECT_EQ(actual, testing::ReadFile(expected_path.string()));
}

std::vector<std::string> Cases() {
  std::vector<std::string> cases;
  for (const auto& entry : std::filesystem::directory_iterator(kGolden)) {
    cases.push_back(entry.path().filename().string());
  }
  std::sort(cases.begin(), cases.end());
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Cases, GoldenTest,
                         ::testing::Combine(::testing::ValuesIn(testing::kBackends),
                                            ::testing::ValuesIn(Cases())),
                         [](const auto& instance) {
                           return std::get<1>(instance.param) + "_" +
                                  testing::BackendName(std::get<0>(instance.param));
                         });

}  // namespace
}  // namespace till
