// The segmentation of a loaded warehouse reconciled with SQL run on the warehouse itself, on
// SQLite and on a throwaway PostgreSQL: each customer's recency, orders and revenue; the
// segment summaries (scores from RANK() and the segment table written as a CASE); the cohort
// matrix. Then, on a generated file of the real file's size, the purchase model and its holdout
// check against SciPy's own maximum-likelihood fit of the same histories.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "base/date.h"
#include "pipeline/ingest.h"
#include "segment/reference.h"
#include "segment/segmentation.h"
#include "support/backends.h"
#include "support/generated.h"
#include "support/temp_dir.h"
#include "warehouse/reads.h"
#include "warehouse/warehouse.h"

namespace till {
namespace {

using testing::Backend;

// Sales with a customer id and a date, and their orders: a transaction id on a day, or a line
// without one.
constexpr char kSales[] =
    "FROM fact_sales f JOIN dim_customer c ON c.customer_key = f.customer_key "
    "WHERE c.customer_id IS NOT NULL AND f.date_key <> 0";
constexpr char kOrderKey[] =
    "coalesce(f.transaction_id, 'line' || CAST(f.sale_id AS TEXT)) || '@' || "
    "CAST(f.date_key AS TEXT)";
constexpr char kMonth[] = "((f.date_key / 10000) * 12 + (f.date_key / 100) % 100 - 1)";

std::vector<std::vector<std::string>> Query(Warehouse& warehouse, const std::string& sql) {
  std::vector<std::vector<std::string>> rows;
  const Status status =
      warehouse.QueryRows(sql, {}, [&](std::span<const std::optional<std::string_view>> row) {
        std::vector<std::string> out;
        for (const auto& value : row) out.emplace_back(value.value_or(""));
        rows.push_back(std::move(out));
        return Status{};
      });
  EXPECT_TRUE(status) << status.error().message() << "\n" << sql;
  return rows;
}

// The segment table as a SQL CASE over columns r, f and m.
std::string SegmentCase() {
  std::string sql = "CASE";
  for (const auto& rule : segment::kSegmentTable) {
    std::string name;  // quotes doubled, as SQL writes them
    for (char ch : rule.name) name.append(ch == '\'' ? 2 : 1, ch);
    sql += fmt::format(
        " WHEN r BETWEEN {} AND {} AND f BETWEEN {} AND {} AND m BETWEEN {} AND {} THEN '{}'",
        rule.r_low, rule.r_high, rule.f_low, rule.f_high, rule.m_low, rule.m_high, name);
  }
  return sql + fmt::format(" ELSE '{}' END", segment::kOtherSegment);
}

class SegmentWarehouseTest : public ::testing::TestWithParam<Backend> {};

TEST_P(SegmentWarehouseTest, SegmentationReconcilesWithSql) {
  testing::TempDir dir;
  auto opened = OpenWarehouse(testing::NewWarehouseLocation(GetParam(), dir, "till"));
  ASSERT_TRUE(opened) << opened.error().message();
  Warehouse& warehouse = **opened;
  ASSERT_TRUE(warehouse.Migrate());
  const std::string raw = testing::Generate(dir, "raw.csv", 40000, 17);
  auto report = IngestFiles(warehouse, std::vector<std::string>{raw}, IngestOptions{});
  ASSERT_TRUE(report) << report.error().message();
  ASSERT_EQ(report->files.at(0).status, FileStatus::kLoaded);

  segment::OrderBook book;
  ASSERT_TRUE(ScanCustomerSales(warehouse, [&](const CustomerSaleRow& sale) {
    book.Add(sale.customer_id, sale.transaction_id, DaysFromCivil(DateFromKey(sale.date_key)),
             sale.amount);
    return Status{};
  }));
  ASSERT_TRUE(book.last_day());
  segment::SegmentOptions options;
  options.as_of_day = *book.last_day();
  auto result = segment::Segment(book, options);
  ASSERT_TRUE(result) << result.error().message();
  const segment::Segmentation& s = *result;

  // Each customer.
  const auto customers = Query(warehouse, fmt::format("SELECT c.customer_id, count(DISTINCT {}), "
                                                      "sum(f.total_amount), max(f.date_key) {} "
                                                      "GROUP BY c.customer_id",
                                                      kOrderKey, kSales));
  ASSERT_EQ(customers.size(), s.customers.size());
  std::map<std::string, const segment::CustomerScore*> by_id;
  for (const auto& c : s.customers) by_id[c.customer_id] = &c;
  for (const auto& row : customers) {
    const auto found = by_id.find(row[0]);
    ASSERT_NE(found, by_id.end()) << row[0];
    const segment::CustomerScore& c = *found->second;
    EXPECT_EQ(c.rfm.frequency, std::stoll(row[1])) << row[0];
    EXPECT_NEAR(c.rfm.monetary, std::stod(row[2]), 1e-6 * std::abs(std::stod(row[2]))) << row[0];
    const int64_t last = DaysFromCivil(DateFromKey(static_cast<int32_t>(std::stol(row[3]))));
    EXPECT_EQ(c.rfm.recency_days, s.as_of_day - last) << row[0];
  }

  // The segment summaries: quintile scores from RANK() (1 + the customers strictly worse),
  // 1 + 5 * worse / n, then the segment table.
  const std::string per_customer = fmt::format(
      "SELECT c.customer_id AS id, count(DISTINCT {}) AS orders, sum(f.total_amount) AS revenue, "
      "max(f.date_key) AS last_day {} GROUP BY c.customer_id",
      kOrderKey, kSales);
  const std::string scored = fmt::format(
      "SELECT id, revenue, "
      "1 + 5 * (RANK() OVER (ORDER BY last_day) - 1) / (SELECT count(*) FROM ({}) n) AS r, "
      "1 + 5 * (RANK() OVER (ORDER BY orders) - 1) / (SELECT count(*) FROM ({}) n) AS f, "
      "1 + 5 * (RANK() OVER (ORDER BY revenue) - 1) / (SELECT count(*) FROM ({}) n) AS m "
      "FROM ({}) p",
      per_customer, per_customer, per_customer, per_customer);
  const auto segments = Query(
      warehouse, fmt::format("SELECT {} AS segment, count(*), sum(revenue) FROM ({}) s GROUP BY 1",
                             SegmentCase(), scored));
  std::map<std::string, std::pair<int64_t, double>> sql_segments;
  for (const auto& row : segments) sql_segments[row[0]] = {std::stoll(row[1]), std::stod(row[2])};
  ASSERT_EQ(sql_segments.size(), s.segments.size());
  for (const auto& g : s.segments) {
    ASSERT_TRUE(sql_segments.count(g.name)) << g.name;
    EXPECT_EQ(g.customers, sql_segments[g.name].first) << g.name;
    EXPECT_NEAR(g.revenue, sql_segments[g.name].second, 1e-6 * g.revenue) << g.name;
  }
  int64_t cluster_customers = 0;
  for (const auto& g : s.clusters) cluster_customers += g.customers;
  EXPECT_EQ(cluster_customers, static_cast<int64_t>(customers.size()));

  // The cohort matrix: customers active and revenue by first month and months since.
  const std::string firsts = fmt::format(
      "SELECT c.customer_id AS id, min({}) AS m0 {} GROUP BY c.customer_id", kMonth, kSales);
  const auto active = Query(
      warehouse,
      fmt::format("SELECT x.m0, a.m - x.m0, count(*) FROM (SELECT DISTINCT c.customer_id AS id, "
                  "{} AS m {}) a JOIN ({}) x ON x.id = a.id GROUP BY x.m0, a.m - x.m0",
                  kMonth, kSales, firsts));
  const auto revenue = Query(
      warehouse, fmt::format("SELECT x.m0, {} - x.m0, sum(f.total_amount) {} "
                             "GROUP BY x.m0, {} - x.m0",
                             kMonth,
                             fmt::format("FROM fact_sales f JOIN dim_customer c ON c.customer_key "
                                         "= f.customer_key JOIN ({}) x ON x.id = c.customer_id "
                                         "WHERE c.customer_id IS NOT NULL AND f.date_key <> 0",
                                         firsts),
                             kMonth));
  const auto sizes =
      Query(warehouse, fmt::format("SELECT m0, count(*) FROM ({}) x GROUP BY m0", firsts));
  std::map<std::pair<std::string, int64_t>, std::pair<int64_t, double>> cells;
  auto month_name = [](const std::string& index) {
    const int64_t m = std::stoll(index);
    return fmt::format("{:04}-{:02}", m / 12, m % 12 + 1);
  };
  for (const auto& row : active) {
    cells[{month_name(row[0]), std::stoll(row[1])}].first = std::stoll(row[2]);
  }
  for (const auto& row : revenue) {
    cells[{month_name(row[0]), std::stoll(row[1])}].second = std::stod(row[2]);
  }
  std::map<std::string, int64_t> cohort_sizes;
  for (const auto& row : sizes) cohort_sizes[month_name(row[0])] = std::stoll(row[1]);
  ASSERT_EQ(cohort_sizes.size(), s.cohorts.cohorts.size());
  size_t nonzero = 0;
  for (const auto& cohort : s.cohorts.cohorts) {
    EXPECT_EQ(cohort.customers, cohort_sizes[cohort.month]) << cohort.month;
    for (const auto& month : cohort.months) {
      const auto cell = cells[{cohort.month, month.offset}];
      EXPECT_EQ(month.active, cell.first) << cohort.month << " +" << month.offset;
      EXPECT_NEAR(month.revenue, cell.second, 1e-6 * (1 + cell.second))
          << cohort.month << " +" << month.offset;
      if (month.active > 0) ++nonzero;
    }
  }
  EXPECT_EQ(nonzero, active.size());
}

// The real file's shape: 302,010 sales of about 86,900 customer ids over 366 days. The BG/NBD
// fit (with its choices between drop-out and none, trend and none), the expected purchases and
// the holdout check of the last 90 days are what SciPy's own fit of the same (x, t_x, T, sum_t)
// finds, within 1%; the actual holdout purchases are counted again by SQL. The generated file's
// demand grows through the year and peaks in its last 90 days: the holdout is checked against
// the target (within 10%).
TEST(SegmentRealShapeTest, PurchaseModelAndHoldoutEqualSciPysFit) {
  testing::TempDir dir;
  auto opened = OpenWarehouse(testing::NewWarehouseLocation(Backend::kSqlite, dir, "till"));
  ASSERT_TRUE(opened) << opened.error().message();
  Warehouse& warehouse = **opened;
  ASSERT_TRUE(warehouse.Migrate());
  const std::string raw = testing::Generate(dir, "raw.csv", 302010, 42);
  auto report = IngestFiles(warehouse, std::vector<std::string>{raw}, IngestOptions{});
  ASSERT_TRUE(report) << report.error().message();
  segment::OrderBook book;
  ASSERT_TRUE(ScanCustomerSales(warehouse, [&](const CustomerSaleRow& sale) {
    book.Add(sale.customer_id, sale.transaction_id, DaysFromCivil(DateFromKey(sale.date_key)),
             sale.amount);
    return Status{};
  }));
  segment::SegmentOptions options;
  options.as_of_day = *book.last_day();
  options.holdout_days = 90;
  auto result = segment::Segment(book, options);
  ASSERT_TRUE(result) << result.error().message();
  ASSERT_TRUE(result->holdout);
  const segment::HoldoutCheck& holdout = *result->holdout;

  // The histories as of the last day, and as of the end of the calibration period (customers
  // first seen in the holdout left out), written for SciPy.
  const auto histories = book.Histories(options.as_of_day);
  auto write = [&](const std::string& name, int64_t end) {
    std::ofstream out(dir.Path(name));
    std::vector<segment::BgNbdCustomer> rows;
    for (const auto& history : histories) {
      if (history.orders.front().day > end) continue;
      const segment::BgNbdCustomer c = segment::PurchaseHistory(history, end);
      out << c.x << ',' << c.t_x << ',' << c.T << ',' << c.sum_t << '\n';
      rows.push_back(c);
    }
    return rows;
  };
  const auto all_rows = write("all.csv", options.as_of_day);
  ASSERT_EQ(all_rows.size(), result->customers.size());
  const auto calibration_rows = write("calibration.csv", holdout.calibration_end_day);
  EXPECT_EQ(static_cast<int64_t>(calibration_rows.size()), holdout.customers);

  // The same choices (drop-out, trend) and parameters. Customers whose ids are drawn at random
  // for every sale all buy at about one rate: the fits lie on the NBD's ridge towards Poisson
  // (r and alpha large, only r / alpha, the rate, determined), where two optimisers stop at
  // different points of equal likelihood. So the rate is compared, and r and alpha themselves
  // only where r is small enough to be determined; the likelihood of Till's point is not below
  // SciPy's optimum.
  auto expect_same_fit = [](const nlohmann::json& reference, const segment::BgNbdParams& params,
                            bool dropout, double log_likelihood) {
    ASSERT_TRUE(reference.is_object());
    EXPECT_EQ(reference["dropout"].get<bool>(), dropout);
    const auto& p = reference["params"];
    EXPECT_EQ(reference["trend"].get<bool>(), params.trend != 0);
    const double trend = p["trend"].get<double>();
    EXPECT_NEAR(params.trend, trend, 0.01 * std::abs(trend)) << "trend";
    const double rate = p["r"].get<double>() / p["alpha"].get<double>();
    EXPECT_NEAR(params.r / params.alpha, rate, 0.01 * rate) << "r / alpha";
    const bool ridge = p["r"].get<double>() > 50;
    for (const auto& [name, value] : {std::pair("r", params.r), std::pair("alpha", params.alpha),
                                      std::pair("a", params.a), std::pair("b", params.b)}) {
      if (ridge && (std::string_view(name) == "r" || std::string_view(name) == "alpha")) continue;
      const double scipy = p[name].get<double>();
      EXPECT_NEAR(value, scipy, 0.01 * std::abs(scipy)) << name;
    }
    const double scipy_log_likelihood =
        reference["trend"].get<bool>() ? reference["trend_log_likelihood"].get<double>()
        : dropout                      ? reference["log_likelihood"].get<double>()
                                       : reference["no_dropout_log_likelihood"].get<double>();
    EXPECT_GE(log_likelihood, scipy_log_likelihood - 1e-3);
  };
  const auto all = segment::testing::RunReference("fitbgnbd " + dir.Path("all.csv") + " 90");
  expect_same_fit(all, result->bg_nbd, result->dropout,
                  segment::BgNbdLogLikelihood(result->bg_nbd, all_rows));
  double expected = 0;
  for (const auto& c : result->customers) expected += c.expected_purchases_90d;
  EXPECT_NEAR(expected, all["expected"].get<double>(), 0.01 * all["expected"].get<double>());

  const auto calibration =
      segment::testing::RunReference("fitbgnbd " + dir.Path("calibration.csv") + " 90");
  ASSERT_TRUE(calibration.is_object());
  expect_same_fit(calibration, holdout.params, !segment::NoDropout(holdout.params),
                  segment::BgNbdLogLikelihood(holdout.params, calibration_rows));
  EXPECT_NEAR(holdout.predicted, calibration["expected"].get<double>(),
              0.01 * calibration["expected"].get<double>());

  // The orders in the holdout of the customers seen before it, by SQL.
  const CivilDate end = CivilFromDays(holdout.calibration_end_day);
  const int32_t end_key = end.year * 10000 + end.month * 100 + end.day;
  const auto actual =
      Query(warehouse,
            fmt::format("SELECT count(DISTINCT c.customer_id || ':' || {}) {} AND f.date_key > {} "
                        "AND c.customer_id IN (SELECT c.customer_id {} AND f.date_key <= {})",
                        kOrderKey, kSales, end_key, kSales, end_key));
  ASSERT_EQ(actual.size(), 1u);
  EXPECT_EQ(holdout.actual, std::stoll(actual[0][0]));
  EXPECT_NEAR(holdout.error, 0, 0.1);
  RecordProperty(
      "holdout",
      fmt::format("predicted {:.1f} (SciPy {:.1f}), actual {}, error {:+.2f}%", holdout.predicted,
                  calibration["expected"].get<double>(), holdout.actual, 100 * holdout.error));
  RecordProperty("dropout", result->dropout ? "yes" : "no");
}

INSTANTIATE_TEST_SUITE_P(Backends, SegmentWarehouseTest, ::testing::ValuesIn(testing::kBackends),
                         [](const auto& instance) { return testing::BackendName(instance.param); });

}  // namespace
}  // namespace till
