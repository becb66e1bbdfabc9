// customer_segment on SQLite and on a throwaway PostgreSQL: the rows `till segments --save` and
// every successful load store, read back the same on both back ends; a refresh replaces them
// whole; till.toml's [segments] turns the refresh after loads off.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "base/date.h"
#include "pipeline/ingest.h"
#include "segment/at_risk.h"
#include "segment/segmentation.h"
#include "support/backends.h"
#include "support/generated.h"
#include "support/temp_dir.h"
#include "warehouse/reads.h"
#include "warehouse/warehouse.h"

namespace till {
namespace {

using testing::Backend;

// The rows the command line stores for a segmentation: what CustomerSegmentRows writes
// (src/cli/customer_segments.cc), written again here field by field.
std::vector<CustomerSegmentRow> Rows(const segment::Segmentation& s, std::optional<int64_t> run) {
  std::vector<CustomerSegmentRow> rows;
  for (const auto& c : s.customers) {
    CustomerSegmentRow row;
    row.customer_id = c.customer_id;
    row.as_of_key = CivilFromDays(s.as_of_day).Key();
    row.recency_days = c.rfm.recency_days;
    row.frequency = c.rfm.frequency;
    row.monetary = c.rfm.monetary;
    row.r_score = c.rfm.r_score;
    row.f_score = c.rfm.f_score;
    row.m_score = c.rfm.m_score;
    row.segment = std::string(c.segment);
    row.cluster = c.cluster;
    row.expected_purchases_90d = c.expected_purchases_90d;
    row.p_alive = c.p_alive;
    row.expected_order_value = c.expected_order_value;
    row.clv_12m = c.clv_12m;
    row.run_id = run;
    rows.push_back(std::move(row));
  }
  return rows;
}

segment::Segmentation SegmentOf(Warehouse& warehouse) {
  segment::OrderBook book;
  EXPECT_TRUE(ScanCustomerSales(warehouse, [&](const CustomerSaleRow& sale) {
    book.Add(sale.customer_id, sale.transaction_id, DaysFromCivil(DateFromKey(sale.date_key)),
             sale.amount);
    return Status{};
  }));
  segment::SegmentOptions options;
  options.as_of_day = book.last_day().value_or(0);
  auto result = segment::Segment(book, options);
  EXPECT_TRUE(result) << result.error().message();
  return result ? *result : segment::Segmentation{};
}

// Loads the same generated file into a new warehouse on `backend`.
std::unique_ptr<Warehouse> Loaded(Backend backend, const testing::TempDir& dir,
                                  const std::string& raw) {
  auto opened = OpenWarehouse(testing::NewWarehouseLocation(backend, dir, "till"));
  EXPECT_TRUE(opened) << opened.error().message();
  if (!opened) return nullptr;
  EXPECT_TRUE((*opened)->Migrate());
  auto report = IngestFiles(**opened, std::vector<std::string>{raw}, IngestOptions{});
  EXPECT_TRUE(report && report->files.at(0).status == FileStatus::kLoaded);
  return std::move(*opened);
}

void ExpectSameRow(const CustomerSegmentRow& a, const CustomerSegmentRow& b) {
  auto near = [](double x, double y) { return std::abs(x - y) <= 1e-9 * (1 + std::abs(x)); };
  EXPECT_EQ(a.customer_id, b.customer_id);
  EXPECT_EQ(a.as_of_key, b.as_of_key) << a.customer_id;
  EXPECT_EQ(a.recency_days, b.recency_days) << a.customer_id;
  EXPECT_EQ(a.frequency, b.frequency) << a.customer_id;
  EXPECT_TRUE(near(a.monetary, b.monetary)) << a.customer_id;
  EXPECT_EQ(a.r_score, b.r_score) << a.customer_id;
  EXPECT_EQ(a.f_score, b.f_score) << a.customer_id;
  EXPECT_EQ(a.m_score, b.m_score) << a.customer_id;
  EXPECT_EQ(a.segment, b.segment) << a.customer_id;
  EXPECT_EQ(a.cluster, b.cluster) << a.customer_id;
  EXPECT_TRUE(near(a.expected_purchases_90d, b.expected_purchases_90d)) << a.customer_id;
  EXPECT_TRUE(near(a.p_alive, b.p_alive)) << a.customer_id;
  EXPECT_TRUE(near(a.expected_order_value, b.expected_order_value)) << a.customer_id;
  EXPECT_TRUE(near(a.clv_12m, b.clv_12m)) << a.customer_id;
  EXPECT_EQ(a.run_id, b.run_id) << a.customer_id;
}

// The scan of the customers' sales reads numbers as numbers: every value the same as QueryRows'
// text read back, on both back ends, for the sales and for awkward doubles.
TEST(CustomerSegmentTest, TypedRowsReadWhatTextRowsSay) {
  testing::TempDir dir;
  const std::string raw = testing::Generate(dir, "raw.csv", 2000, 29);
  const std::string sql =
      "SELECT sale_id, customer_key, transaction_id, date_key, total_amount, unit_price, rating "
      "FROM fact_sales UNION ALL SELECT -1, -9007199254740993, NULL, 0, "
      "CAST(0.1 AS DOUBLE PRECISION) + CAST(0.2 AS DOUBLE PRECISION), "
      "CAST(1e-300 AS DOUBLE PRECISION), NULL ORDER BY 1";
  for (Backend backend : testing::kBackends) {
    SCOPED_TRACE(testing::BackendName(backend));
    auto warehouse = Loaded(backend, dir, raw);
    ASSERT_NE(warehouse, nullptr);
    std::vector<std::vector<std::optional<std::string>>> text;
    ASSERT_TRUE(warehouse->QueryRows(sql, {}, [&](auto row) {
      auto& out = text.emplace_back();
      for (const auto& value : row) out.emplace_back(value);
      return Status{};
    }));
    ASSERT_GT(text.size(), 1500u);
    size_t n = 0;
    ASSERT_TRUE(warehouse->QueryTypedRows(sql, {}, [&](const Warehouse::TypedRow& row) {
      EXPECT_LT(n, text.size());
      if (n >= text.size()) return Status{};
      const auto& expected = text[n++];
      EXPECT_EQ(row.Int(0), std::stoll(*expected[0]));
      EXPECT_EQ(row.Int(1), std::stoll(*expected[1]));
      EXPECT_EQ(row.IsNull(2), !expected[2]);
      EXPECT_EQ(row.Text(2), expected[2].value_or(""));
      EXPECT_EQ(row.Int(3), std::stoll(*expected[3]));
      EXPECT_EQ(row.Real(4), std::stod(*expected[4]));
      EXPECT_EQ(row.Real(5), std::stod(*expected[5]));
      EXPECT_EQ(row.IsNull(6), !expected[6]);
      EXPECT_EQ(row.Int(6), expected[6] ? std::stoll(*expected[6]) : 0);
      return Status{};
    }));
    EXPECT_EQ(n, text.size());
  }
}

TEST(CustomerSegmentTest, SameRowsOnBothBackEnds) {
  testing::TempDir dir;
  const std::string raw = testing::Generate(dir, "raw.csv", 20000, 23);
  std::map<Backend, std::vector<CustomerSegmentRow>> stored;
  for (Backend backend : testing::kBackends) {
    SCOPED_TRACE(testing::BackendName(backend));
    auto warehouse = Loaded(backend, dir, raw);
    ASSERT_NE(warehouse, nullptr);
    auto none = CountSegmentCustomers(*warehouse, segment::kAtRiskSegments, 0);
    ASSERT_TRUE(none) << none.error().message();
    EXPECT_FALSE(none->has_value()) << "an empty table has no count";

    const segment::Segmentation s = SegmentOf(*warehouse);
    ASSERT_GT(s.customers.size(), 1000u);
    const auto rows = Rows(s, 1);
    ASSERT_TRUE(warehouse->ReplaceCustomerSegments(rows));
    auto read = ReadCustomerSegments(*warehouse);
    ASSERT_TRUE(read) << read.error().message();
    ASSERT_EQ(read->size(), rows.size());
    for (size_t i = 0; i < rows.size(); ++i) ExpectSameRow((*read)[i], rows[i]);

    // Each row names its customer's current version.
    auto unmatched = warehouse->Query(
        "SELECT count(*) FROM customer_segment s LEFT JOIN dim_customer c ON "
        "c.customer_key = s.customer_key WHERE c.customer_id IS NULL OR "
        "c.customer_id <> s.customer_id");
    ASSERT_TRUE(unmatched) << unmatched.error().message();
    EXPECT_EQ(unmatched->rows.at(0).at(0), "0");

    // The at-risk count against the rows themselves, above a threshold most of them pass.
    const double min_clv = 50;
    int64_t expected = 0;
    for (const auto& row : rows) {
      expected += segment::IsAtRiskSegment(row.segment) && row.clv_12m >= min_clv;
    }
    ASSERT_GT(expected, 0);
    auto counted = CountSegmentCustomers(*warehouse, segment::kAtRiskSegments, min_clv);
    ASSERT_TRUE(counted) << counted.error().message();
    EXPECT_EQ(counted->value_or(-1), expected);

    // A refresh replaces the rows whole.
    std::vector<CustomerSegmentRow> fewer(rows.begin(), rows.begin() + 10);
    ASSERT_TRUE(warehouse->ReplaceCustomerSegments(fewer));
    auto after = ReadCustomerSegments(*warehouse);
    ASSERT_TRUE(after);
    EXPECT_EQ(after->size(), 10u);
    ASSERT_TRUE(warehouse->ReplaceCustomerSegments(rows));
    stored[backend] = *ReadCustomerSegments(*warehouse);
  }
  const auto& sqlite = stored[Backend::kSqlite];
  const auto& postgres = stored[Backend::kPostgres];
  ASSERT_EQ(sqlite.size(), postgres.size());
  for (size_t i = 0; i < sqlite.size(); ++i) ExpectSameRow(sqlite[i], postgres[i]);
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// `till ARGS` in `dir` with `env`; its exit code.
int Till(const testing::TempDir& dir, const std::string& args, const std::string& env = "") {
  const std::string command = "cd '" + dir.Path("") + "' && env -u TILL_WAREHOUSE -u TILL_CONFIG " +
                              env + " '" TILL_BINARY "' " + args + " >out.txt 2>err.txt";
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class CustomerSegmentCliTest : public ::testing::TestWithParam<Backend> {};

TEST_P(CustomerSegmentCliTest, LoadsRefreshTheTableUnlessTurnedOff) {
  testing::TempDir dir;
  const std::string first = testing::Generate(dir, "first.csv", 6000, 5);
  const std::string second = testing::Generate(dir, "second.csv", 6000, 6);
  const std::string location = testing::NewWarehouseLocation(GetParam(), dir, "till");
  auto opened = OpenWarehouse(location);
  ASSERT_TRUE(opened) << opened.error().message();
  Warehouse& warehouse = **opened;

  // Off: the load stores nothing.
  { std::ofstream(dir.Path("off.toml")) << "[segments]\nrefresh_after_load = false\n"; }
  ASSERT_EQ(Till(dir, "ingest '" + first + "' --warehouse '" + location + "'",
                 "TILL_CONFIG=" + dir.Path("off.toml")),
            0)
      << ReadText(dir.Path("err.txt"));
  auto rows = ReadCustomerSegments(warehouse);
  ASSERT_TRUE(rows) << rows.error().message();
  EXPECT_TRUE(rows->empty());

  // `till segments --save` stores what `--json` prints, without a run.
  ASSERT_EQ(Till(dir, "segments --save --csv --warehouse '" + location + "'"), 0)
      << ReadText(dir.Path("err.txt"));
  const std::string csv = ReadText(dir.Path("out.txt"));
  rows = ReadCustomerSegments(warehouse);
  ASSERT_TRUE(rows);
  ASSERT_FALSE(rows->empty());
  EXPECT_EQ(static_cast<size_t>(std::count(csv.begin(), csv.end(), '\n')), rows->size() + 1);
  EXPECT_FALSE(rows->front().run_id.has_value());

  // On (the default): the next load refreshes every customer as of the newest sale, naming its
  // run.
  ASSERT_EQ(Till(dir, "ingest '" + second + "' --warehouse '" + location + "'"), 0)
      << ReadText(dir.Path("err.txt"));
  rows = ReadCustomerSegments(warehouse);
  ASSERT_TRUE(rows);
  const segment::Segmentation expected = SegmentOf(warehouse);
  ASSERT_EQ(rows->size(), expected.customers.size());
  auto last = ReadLastLoad(warehouse);
  ASSERT_TRUE(last && *last);
  const auto want = Rows(expected, (*last)->run_id);
  for (size_t i = 0; i < want.size(); ++i) ExpectSameRow((*rows)[i], want[i]);
}

INSTANTIATE_TEST_SUITE_P(Backends, CustomerSegmentCliTest, ::testing::ValuesIn(testing::kBackends),
                         [](const auto& instance) { return testing::BackendName(instance.param); });

}  // namespace
}  // namespace till
