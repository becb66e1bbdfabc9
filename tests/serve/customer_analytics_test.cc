// The customer analytics endpoints (/api/v1/segments, clusters, cohorts, customers/at-risk),
// computed from the in-memory cube, reconciled with SQL run on the warehouse itself, on SQLite
// and on a throwaway PostgreSQL, under a filter (customers in Germany who bought Electronics):
// the segment summaries (scores from RANK() and the segment table written as a CASE), the R × F
// grid, the at-risk list, and the cohort matrix. No response carries anything personal.
#include "serve/customer_analytics.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "segment/at_risk.h"
#include "segment/rfm.h"
#include "serve/serve_support.h"
#include "support/backends.h"
#include "support/generated.h"

namespace till {
namespace {

using testing::AnswerJson;
using testing::Backend;
using testing::Json;

// The filtered sales with a customer id and a date, and their orders (a transaction id on a day,
// or a line of its own without one).
constexpr char kSales[] =
    "FROM fact_sales f JOIN dim_customer c ON c.customer_key = f.customer_key "
    "JOIN dim_location l ON l.location_key = f.location_key "
    "JOIN dim_product p ON p.product_key = f.product_key "
    "WHERE c.customer_id IS NOT NULL AND f.date_key <> 0 AND l.country = 'Germany' "
    "AND p.category = 'Electronics'";
constexpr char kOrderKey[] =
    "coalesce(f.transaction_id, 'line' || CAST(f.sale_id AS TEXT)) || '@' || "
    "CAST(f.date_key AS TEXT)";
constexpr char kMonth[] = "((f.date_key / 10000) * 12 + (f.date_key / 100) % 100 - 1)";

std::string SegmentCase() {
  std::string sql = "CASE";
  for (const auto& rule : segment::kSegmentTable) {
    std::string name;
    for (char ch : rule.name) name.append(ch == '\'' ? 2 : 1, ch);
    sql += fmt::format(
        " WHEN r BETWEEN {} AND {} AND f BETWEEN {} AND {} AND m BETWEEN {} AND {} THEN '{}'",
        rule.r_low, rule.r_high, rule.f_low, rule.f_high, rule.m_low, rule.m_high, name);
  }
  return sql + fmt::format(" ELSE '{}' END", segment::kOtherSegment);
}

const Params kGermanElectronics = {{"country", "Germany"}, {"category", "Electronics"}};

class CustomerAnalyticsTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    location_ = testing::NewWarehouseLocation(GetParam(), dir_, "till");
    warehouse_ = testing::OpenOrFail(location_);
    ASSERT_NE(warehouse_, nullptr);
    ASSERT_TRUE(warehouse_->Migrate());
    const std::string raw = testing::Generate(dir_, "raw.csv", 40000, 31);
    testing::IngestOrFail(*warehouse_, {raw});
    snapshot_ = testing::ReadSnapshot(location_);
    ASSERT_NE(snapshot_, nullptr);
  }

  std::vector<std::vector<std::string>> Rows(const std::string& sql) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& row : testing::Sql(*warehouse_, sql).rows) {
      std::vector<std::string> out;
      for (const auto& value : row) out.push_back(value.value_or(""));
      rows.push_back(std::move(out));
    }
    return rows;
  }

  testing::TempDir dir_;
  std::string location_;
  std::unique_ptr<Warehouse> warehouse_;
  std::shared_ptr<const Snapshot> snapshot_;
};

TEST_P(CustomerAnalyticsTest, SegmentsAndCohortsReconcileWithSql) {
  const Json segments = AnswerJson(*snapshot_, "segments", kGermanElectronics);
  ASSERT_TRUE(segments.is_object());
  const std::string last = testing::SqlScalar(
      *warehouse_, fmt::format("SELECT max(f.date_key) {}", "FROM fact_sales f"));
  EXPECT_EQ(segments["as_of"],
            fmt::format("{}-{}-{}", last.substr(0, 4), last.substr(4, 2), last.substr(6, 2)));

  // Scores from RANK(): 1 + 5 * (customers strictly worse) / n; recency as of the data's last day.
  const std::string per_customer = fmt::format(
      "SELECT c.customer_id AS id, count(DISTINCT {}) AS orders, sum(f.total_amount) AS revenue, "
      "max(f.date_key) AS last_day {} GROUP BY c.customer_id",
      kOrderKey, kSales);
  const std::string scored = fmt::format(
      "SELECT id, revenue, orders, "
      "1 + 5 * (RANK() OVER (ORDER BY last_day) - 1) / (SELECT count(*) FROM ({}) n) AS r, "
      "1 + 5 * (RANK() OVER (ORDER BY orders) - 1) / (SELECT count(*) FROM ({}) n) AS f, "
      "1 + 5 * (RANK() OVER (ORDER BY revenue) - 1) / (SELECT count(*) FROM ({}) n) AS m "
      "FROM ({}) p",
      per_customer, per_customer, per_customer, per_customer);
  std::map<std::string, std::pair<int64_t, double>> sql_segments;
  int64_t customers = 0;
  for (const auto& row :
       Rows(fmt::format("SELECT {} AS segment, count(*), sum(revenue) FROM ({}) s GROUP BY 1",
                        SegmentCase(), scored))) {
    sql_segments[row[0]] = {std::stoll(row[1]), std::stod(row[2])};
    customers += std::stoll(row[1]);
  }
  ASSERT_GT(customers, 100);
  EXPECT_EQ(segments["customers"], customers);
  ASSERT_EQ(segments["segments"].size(), sql_segments.size());
  for (const Json& g : segments["segments"]) {
    const std::string name = g["segment"];
    ASSERT_TRUE(sql_segments.count(name)) << name;
    EXPECT_EQ(g["customers"], sql_segments[name].first) << name;
    EXPECT_EQ(testing::Cents(g["revenue"]), testing::Cents(sql_segments[name].second)) << name;
  }

  // The R × F grid.
  std::map<std::pair<int, int>, int64_t> grid;
  for (const auto& row :
       Rows(fmt::format("SELECT r, f, count(*) FROM ({}) s GROUP BY r, f", scored))) {
    grid[{std::stoi(row[0]), std::stoi(row[1])}] = std::stoll(row[2]);
  }
  ASSERT_EQ(segments["rf_scores"].size(), 25u);
  for (const Json& cell : segments["rf_scores"]) {
    const std::pair<int, int> at{cell["r_score"].get<int>(), cell["f_score"].get<int>()};
    EXPECT_EQ(cell["customers"], grid[at]) << cell.dump();
  }

  // Each frequency score's customers and the fewest and most orders among them; a score no
  // customer has (equal orders share a score) has none.
  std::map<int, std::vector<int64_t>> f_scores;
  for (const auto& row : Rows(fmt::format(
           "SELECT f, count(*), min(orders), max(orders) FROM ({}) s GROUP BY f", scored))) {
    f_scores[std::stoi(row[0])] = {std::stoll(row[1]), std::stoll(row[2]), std::stoll(row[3])};
  }
  ASSERT_EQ(segments["f_scores"].size(), 5u);
  for (const Json& score : segments["f_scores"]) {
    const int f = score["f_score"];
    if (!f_scores.count(f)) {
      EXPECT_EQ(score["customers"], 0) << f;
      EXPECT_TRUE(score["min_orders"].is_null()) << f;
      continue;
    }
    EXPECT_EQ(score["customers"], f_scores[f][0]) << f;
    EXPECT_EQ(score["min_orders"], f_scores[f][1]) << f;
    EXPECT_EQ(score["max_orders"], f_scores[f][2]) << f;
  }

  // The at-risk list: its customers are those of the two segments, most valuable first.
  const Json at_risk =
      AnswerJson(*snapshot_, "customers/at-risk",
                 Params{{"country", "Germany"}, {"category", "Electronics"}, {"limit", "100000"}});
  int64_t expected_at_risk = 0;
  for (std::string_view name : segment::kAtRiskSegments) {
    expected_at_risk += sql_segments[std::string(name)].first;
  }
  ASSERT_GT(expected_at_risk, 0);
  EXPECT_EQ(at_risk["total_rows"], expected_at_risk);
  ASSERT_EQ(at_risk["rows"].size(), static_cast<size_t>(expected_at_risk));
  std::set<std::string> sql_at_risk;
  for (const auto& row : Rows(fmt::format("SELECT id FROM ({}) s WHERE {} IN ('At Risk', "
                                          "'Can''t Lose Them')",
                                          scored, SegmentCase()))) {
    sql_at_risk.insert(row[0]);
  }
  double previous = INFINITY;
  for (const Json& row : at_risk["rows"]) {
    EXPECT_TRUE(sql_at_risk.count(row["customer_id"])) << row.dump();
    EXPECT_LE(row["clv_12m"].get<double>(), previous);
    previous = row["clv_12m"];
  }
  const Json richer = AnswerJson(
      *snapshot_, "customers/at-risk",
      Params{
          {"country", "Germany"}, {"category", "Electronics"}, {"min_clv", "100"}, {"limit", "5"}});
  EXPECT_LE(richer["rows"].size(), 5u);
  for (const Json& row : richer["rows"]) EXPECT_GE(row["clv_12m"].get<double>(), 100);

  // The cohort matrix: customers active and revenue by first month and months since.
  const Json cohorts = AnswerJson(*snapshot_, "cohorts", kGermanElectronics);
  const std::string firsts = fmt::format(
      "SELECT c.customer_id AS id, min({}) AS m0 {} GROUP BY c.customer_id", kMonth, kSales);
  std::map<std::pair<std::string, int64_t>, std::pair<int64_t, double>> cells;
  auto month_name = [](const std::string& index) {
    const int64_t m = std::stoll(index);
    return fmt::format("{:04}-{:02}", m / 12, m % 12 + 1);
  };
  for (const auto& row : Rows(fmt::format(
           "SELECT x.m0, a.m - x.m0, count(*) FROM (SELECT DISTINCT c.customer_id AS id, {} AS m "
           "{}) a JOIN ({}) x ON x.id = a.id GROUP BY x.m0, a.m - x.m0",
           kMonth, kSales, firsts))) {
    cells[{month_name(row[0]), std::stoll(row[1])}].first = std::stoll(row[2]);
  }
  for (const auto& row : Rows(fmt::format(
           "SELECT x.m0, {} - x.m0, sum(f.total_amount) {} GROUP BY x.m0, {} - x.m0", kMonth,
           std::string(kSales).replace(
               std::string(kSales).find("WHERE"), 5,
               fmt::format("JOIN ({}) x ON x.id = c.customer_id WHERE", firsts)),
           kMonth))) {
    cells[{month_name(row[0]), std::stoll(row[1])}].second = std::stod(row[2]);
  }
  std::map<std::string, int64_t> sizes;
  for (const auto& row : Rows(fmt::format("SELECT m0, count(*) FROM ({}) x GROUP BY m0", firsts))) {
    sizes[month_name(row[0])] = std::stoll(row[1]);
  }
  ASSERT_EQ(cohorts["cohorts"].size(), sizes.size());
  EXPECT_EQ(cohorts["customers"], customers);
  const size_t sql_cells = cells.size();
  size_t nonzero = 0;
  for (const Json& cohort : cohorts["cohorts"]) {
    const std::string month = cohort["cohort"];
    EXPECT_EQ(cohort["customers"], sizes[month]) << month;
    for (const Json& m : cohort["months"]) {
      const auto found = cells.find({month, m["offset"].get<int64_t>()});
      const auto cell = found == cells.end() ? std::pair<int64_t, double>{} : found->second;
      EXPECT_EQ(m["active"], cell.first) << month << " +" << m["offset"];
      EXPECT_EQ(testing::Cents(m["revenue"]), testing::Cents(cell.second))
          << month << " +" << m["offset"];
      if (m["active"].get<int64_t>() > 0) ++nonzero;
    }
  }
  EXPECT_EQ(nonzero, sql_cells);

  // Clusters: every customer in one.
  const Json clusters = AnswerJson(*snapshot_, "clusters", kGermanElectronics);
  int64_t clustered = 0;
  for (const Json& g : clusters["clusters"]) clustered += g["customers"].get<int64_t>();
  EXPECT_EQ(clustered, customers);
  EXPECT_EQ(clusters["k"], clusters["clusters"].size());
}

// Every key of every object in `value`.
void CollectKeys(const Json& value, std::set<std::string>& keys) {
  if (value.is_object()) {
    for (const auto& [key, inner] : value.items()) {
      keys.insert(key);
      CollectKeys(inner, keys);
    }
  } else if (value.is_array()) {
    for (const auto& inner : value) CollectKeys(inner, keys);
  }
}

TEST_P(CustomerAnalyticsTest, NoResponseCarriesAnythingPersonal) {
  std::vector<std::string> personal;
  for (const auto& row : Rows("SELECT name, email, phone, address FROM dim_customer")) {
    for (const std::string& value : row) {
      if (value.size() >= 5) personal.push_back(value);
    }
  }
  ASSERT_GT(personal.size(), 1000u);
  const std::set<std::string> allowed = {"as_of",
                                         "customers",
                                         "revenue",
                                         "segments",
                                         "segment",
                                         "rf_scores",
                                         "r_score",
                                         "f_score",
                                         "f_scores",
                                         "min_orders",
                                         "max_orders",
                                         "m_score",
                                         "clv_distribution",
                                         "from",
                                         "to",
                                         "revenue_share",
                                         "average_monetary",
                                         "average_frequency",
                                         "average_recency_days",
                                         "average_clv_12m",
                                         "average_p_alive",
                                         "k",
                                         "silhouette",
                                         "silhouettes",
                                         "clusters",
                                         "cluster",
                                         "profile",
                                         "repeat_customers",
                                         "repeat_rate",
                                         "mean_days_between_orders",
                                         "median_days_between_orders",
                                         "cohorts",
                                         "cohort",
                                         "months",
                                         "offset",
                                         "active",
                                         "share_active",
                                         "min_clv",
                                         "total_rows",
                                         "rows",
                                         "customer_id",
                                         "recency_days",
                                         "frequency",
                                         "monetary",
                                         "p_alive",
                                         "expected_purchases_90d",
                                         "expected_order_value",
                                         "clv_12m"};
  for (const char* endpoint : {"segments", "clusters", "cohorts", "customers/at-risk"}) {
    for (const char* format : {"json", "csv"}) {
      const ApiResponse response =
          testing::Answer(*snapshot_, endpoint, Params{{"format", format}, {"limit", "100000"}});
      if (std::string_view(endpoint) != "customers/at-risk" &&
          response.status == 400) {  // only at-risk takes a limit
        continue;
      }
      ASSERT_EQ(response.status, 200) << endpoint << " " << response.body;
      for (const std::string& value : personal) {
        ASSERT_EQ(response.body.find(value), std::string::npos) << endpoint << ": " << value;
      }
      if (std::string_view(format) == "json") {
        std::set<std::string> keys;
        CollectKeys(Json::parse(response.body), keys);
        for (const std::string& key : keys)
          EXPECT_TRUE(allowed.count(key)) << endpoint << ": " << key;
      }
    }
  }
  const ApiResponse plain = testing::Answer(*snapshot_, "segments", Params{{"format", "json"}});
  EXPECT_EQ(plain.status, 200);
}

// The lifetime values' bins span the data: the first holds the least value, all have one nice
// width (1, 2, 2.5 or 5 times a power of ten), the last is open above the 99th percentile, and
// their counts are the values' own, counted again here.
TEST_P(CustomerAnalyticsTest, LifetimeValueBinsSpanTheData) {
  const Json segments = AnswerJson(*snapshot_, "segments", kGermanElectronics);
  const Json& bins = segments["clv_distribution"];
  ASSERT_GE(bins.size(), 2u);
  ASSERT_LE(bins.size(), 21u);
  const double first = bins[0]["from"], width = bins[0]["to"].get<double>() - first;
  ASSERT_GT(width, 0);
  const double power = std::pow(10.0, std::floor(std::log10(width) + 1e-9));
  const double mantissa = width / power;
  EXPECT_TRUE(std::abs(mantissa - 1) < 1e-6 || std::abs(mantissa - 2) < 1e-6 ||
              std::abs(mantissa - 2.5) < 1e-6 || std::abs(mantissa - 5) < 1e-6)
      << width;
  EXPECT_TRUE(bins.back()["to"].is_null());

  Selection selection;
  for (auto [dim, value] : {std::pair{Dim::kCountry, "Germany"}, {Dim::kCategory, "Electronics"}}) {
    auto member = snapshot_->cube->MemberId(dim, value);
    ASSERT_TRUE(member.has_value()) << value;
    selection.members[static_cast<size_t>(dim)].push_back(*member);
  }
  auto segmentation = SegmentSales(snapshot_->cube, selection);
  ASSERT_TRUE(segmentation) << segmentation.error().message();
  std::vector<double> values;
  for (const auto& c : (*segmentation)->customers) values.push_back(std::max(c.clv_12m, 0.0));
  std::sort(values.begin(), values.end());
  ASSERT_EQ(segments["customers"], values.size());
  EXPECT_LE(first, values.front() + 0.005);
  EXPECT_GT(first + width, values.front());
  const double top = values[values.size() * 99 / 100];
  EXPECT_LE(bins.back()["from"].get<double>(), top + 0.005);
  EXPECT_GT(bins.back()["from"].get<double>() + width, top - 0.005);
  std::vector<int64_t> counts(bins.size(), 0);
  for (double v : values) {
    size_t b = 0;
    while (b + 1 < bins.size() && v >= first + static_cast<double>(b + 1) * width - 1e-9) ++b;
    ++counts[b];
  }
  for (size_t b = 0; b < bins.size(); ++b) {
    EXPECT_NEAR(bins[b]["from"].get<double>(), first + static_cast<double>(b) * width, 0.005);
    EXPECT_EQ(bins[b]["customers"], counts[b]) << b;
  }
  EXPECT_GT(counts[0], 0);
}

TEST_P(CustomerAnalyticsTest, BadParametersAndTooFewCustomersAreRefused) {
  EXPECT_EQ(testing::Answer(*snapshot_, "customers/at-risk", Params{{"min_clv", "-1"}}).status,
            400);
  EXPECT_EQ(testing::Answer(*snapshot_, "customers/at-risk", Params{{"min_clv", "x"}}).status, 400);
  EXPECT_EQ(testing::Answer(*snapshot_, "customers/at-risk", Params{{"limit", "0"}}).status, 400);
  EXPECT_EQ(testing::Answer(*snapshot_, "segments", Params{{"country", "Atlantis"}}).status, 400);
  EXPECT_EQ(testing::Answer(*snapshot_, "cohorts", Params{{"min_clv", "1"}}).status, 400);
  // One day of one city: too few customers for the models.
  const ApiResponse few = testing::Answer(*snapshot_, "clusters",
                                          Params{{"from", "2023-06-01"},
                                                 {"to", "2023-06-01"},
                                                 {"category", "Electronics"},
                                                 {"country", "Germany"},
                                                 {"gender", "Female"}});
  EXPECT_EQ(few.status, 422) << few.body;
  EXPECT_NE(few.body.find("too few customers"), std::string::npos) << few.body;
}

INSTANTIATE_TEST_SUITE_P(Backends, CustomerAnalyticsTest, ::testing::ValuesIn(testing::kBackends),
                         [](const auto& instance) { return testing::BackendName(instance.param); });

}  // namespace
}  // namespace till
