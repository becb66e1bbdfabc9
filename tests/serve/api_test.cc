// The JSON API over a real SQLite warehouse loaded by the real pipeline, every figure reconciled
// with SQL run on the warehouse itself; its errors, its CSV, and how the snapshot reader follows
// the warehouse as files load and unload.
#include "serve/api.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/date.h"
#include "serve/cube.h"
#include "serve/serve_support.h"
#include "serve/snapshot.h"
#include "support/generated.h"
#include "support/temp_dir.h"

namespace till {
namespace {

using testing::Answer;
using testing::AnswerJson;
using testing::Cents;
using testing::Json;
using testing::Kpi;
using testing::OpenOrFail;
using testing::Sql;
using testing::SqlInt;
using testing::SqlNumber;
using testing::SqlScalar;
using testing::TempDir;

// Records of an RFC 4180 text: quoted fields may hold commas, quotes and line breaks.
std::vector<std::vector<std::string>> ParseCsv(std::string_view text) {
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> record;
  std::string cell;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        cell += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cell += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      record.push_back(std::move(cell));
      cell.clear();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      continue;
    } else if (c == '\n') {
      record.push_back(std::move(cell));
      cell.clear();
      records.push_back(std::move(record));
      record.clear();
    } else {
      cell += c;
    }
  }
  if (!cell.empty() || !record.empty()) {
    record.push_back(std::move(cell));
    records.push_back(std::move(record));
  }
  return records;
}

std::vector<std::string> SplitHeader(std::string_view header) {
  std::vector<std::string> names;
  size_t start = 0;
  for (;;) {
    size_t comma = header.find(',', start);
    names.emplace_back(header.substr(start, comma - start));
    if (comma == std::string_view::npos) return names;
    start = comma + 1;
  }
}

// The measures the API reports per group, as SQL computes them.
struct SqlMeasures {
  double revenue = 0;
  int64_t orders = 0;
  int64_t units = 0;
  int64_t customers = 0;
  std::optional<double> average_rating;
};

constexpr std::string_view kMeasuresSql =
    "sum(total_amount), count(*), sum(total_purchases), count(DISTINCT customer_id), "
    "avg(ratings)";

SqlMeasures MeasuresOf(const std::vector<std::optional<std::string>>& row, size_t first) {
  SqlMeasures m;
  m.revenue = std::stod(row[first].value_or("0"));
  m.orders = std::stoll(row[first + 1].value_or("0"));
  m.units = std::stoll(row[first + 2].value_or("0"));
  m.customers = std::stoll(row[first + 3].value_or("0"));
  if (row[first + 4]) m.average_rating = std::stod(*row[first + 4]);
  return m;
}

// retail_data_view's measures grouped by `key` (an SQL expression), under `where`.
std::map<std::string, SqlMeasures> GroupBy(Warehouse& warehouse, const std::string& key,
                                           const std::string& where = "1 = 1",
                                           const std::vector<std::string>& params = {}) {
  auto result = Sql(warehouse,
                    "SELECT " + key + ", " + std::string(kMeasuresSql) +
                        " FROM retail_data_view WHERE " + where + " GROUP BY 1",
                    params);
  std::map<std::string, SqlMeasures> groups;
  for (const auto& row : result.rows) groups[row[0].value_or("NULL")] = MeasuresOf(row, 1);
  return groups;
}

SqlMeasures Totals(Warehouse& warehouse, const std::string& where = "1 = 1",
                   const std::vector<std::string>& params = {}) {
  auto result =
      Sql(warehouse,
          "SELECT " + std::string(kMeasuresSql) + " FROM retail_data_view WHERE " + where, params);
  return result.rows.empty() ? SqlMeasures{} : MeasuresOf(result.rows[0], 0);
}

// An SQL expression for a column with "(unknown)" for NULL.
std::string Member(const std::string& column) { return "coalesce(" + column + ", '(unknown)')"; }

// Compares one API row (breakdown) with SQL's measures.
void ExpectSameMeasures(const Json& row, const SqlMeasures& sql, const std::string& what) {
  EXPECT_EQ(Cents(row.at("revenue").get<double>()), Cents(sql.revenue)) << what;
  EXPECT_EQ(row.at("orders").get<int64_t>(), sql.orders) << what;
  EXPECT_EQ(row.at("units").get<int64_t>(), sql.units) << what;
  EXPECT_EQ(row.at("customers").get<int64_t>(), sql.customers) << what;
  if (sql.average_rating) {
    EXPECT_NEAR(row.at("average_rating").get<double>(), *sql.average_rating, 0.00005 + 1e-9)
        << what;
  } else {
    EXPECT_TRUE(row.at("average_rating").is_null()) << what;
  }
}

void ExpectSameKpis(const Json& body, const char* field, const SqlMeasures& sql,
                    const std::string& what) {
  EXPECT_EQ(Cents(Kpi(body, "revenue").at(field).get<double>()), Cents(sql.revenue)) << what;
  EXPECT_EQ(Kpi(body, "orders").at(field).get<int64_t>(), sql.orders) << what;
  EXPECT_EQ(Kpi(body, "units").at(field).get<int64_t>(), sql.units) << what;
  EXPECT_EQ(Kpi(body, "unique_customers").at(field).get<int64_t>(), sql.customers) << what;
  ASSERT_TRUE(sql.average_rating) << what;
  EXPECT_NEAR(Kpi(body, "average_rating").at(field).get<double>(), *sql.average_rating,
              0.00005 + 1e-9)
      << what;
  EXPECT_NEAR(Kpi(body, "average_order_value").at(field).get<double>(),
              sql.revenue / static_cast<double>(sql.orders), 0.005 + 1e-9)
      << what;
  EXPECT_NEAR(Kpi(body, "basket_size").at(field).get<double>(),
              static_cast<double>(sql.units) / static_cast<double>(sql.orders), 0.00005 + 1e-9)
      << what;
}

std::string ShiftDays(const std::string& day, int days) {
  auto parsed = ParseDay(day);
  EXPECT_TRUE(parsed) << day;
  return FormatDay(parsed.value_or(0) + days);
}

// The columns behind each dimension of the API, in retail_data_view.
const std::map<std::string, std::string> kDimensionSql = {
    {"category", "product_category"},
    {"brand", "product_brand"},
    {"product_type", "product_type"},
    {"product", "products"},
    {"country", "country"},
    {"state", "state"},
    {"city", "city"},
    {"segment", "customer_segment"},
    {"age_band",
     "CASE WHEN age IS NULL THEN NULL WHEN age < 18 THEN '<18' WHEN age < 25 THEN '18-24' "
     "WHEN age < 35 THEN '25-34' WHEN age < 45 THEN '35-44' WHEN age < 55 THEN '45-54' "
     "WHEN age < 65 THEN '55-64' ELSE '65+' END"},
    {"gender", "gender"},
    {"income", "income"},
    {"payment_method", "payment_method"},
    {"shipping_method", "shipping_method"},
    {"order_status", "order_status"},
    {"feedback", "feedback"},
    {"rating", "CAST(ratings AS TEXT)"},
};

// The members of `a` that `b` lacks.
std::vector<std::string> Minus(const std::vector<std::string>& a,
                               const std::vector<std::string>& b) {
  std::vector<std::string> out;
  for (const auto& member : a) {
    if (std::find(b.begin(), b.end(), member) == b.end()) out.push_back(member);
  }
  return out;
}

// One warehouse for the whole suite, read-only once loaded: 20,000 generated rows, a small file
// of names that spreadsheets and browsers would run (with one rejected row), and a file that
// fails, each in a run of its own.
class ApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    path_ = dir_->Path("till.db");
    sql_ = OpenOrFail(path_);
    ASSERT_NE(sql_, nullptr);
    std::string sales = testing::Generate(*dir_, "sales.csv", 20'000, 11);
    auto report = testing::IngestOrFail(*sql_, {sales});
    ASSERT_EQ(report.files.size(), 1u);
    ASSERT_EQ(report.files[0].status, FileStatus::kLoaded) << report.files[0].error;
    IngestOptions lenient;
    lenient.max_reject_ratio = 0.5;
    report = testing::IngestOrFail(*sql_, {testing::WriteOddNamesFile(*dir_, "odd.csv")}, lenient);
    ASSERT_EQ(report.files.size(), 1u);
    ASSERT_EQ(report.files[0].status, FileStatus::kLoaded) << report.files[0].error;
    ASSERT_EQ(report.files[0].rows_rejected, 1);
    report = testing::IngestOrFail(*sql_, {dir_->Write("broken.csv", "Name,Amount\nx,1\n")});
    ASSERT_EQ(report.files.size(), 1u);
    ASSERT_EQ(report.files[0].status, FileStatus::kFailed);
    snapshot_ = testing::ReadSnapshot(path_);
  }

  static void TearDownTestSuite() {
    snapshot_.reset();
    sql_.reset();
    delete dir_;
    dir_ = nullptr;
  }

  void SetUp() override {
    ASSERT_NE(snapshot_, nullptr) << "the warehouse could not be loaded and read";
  }

  static Warehouse& sql() { return *sql_; }
  static const Snapshot& snapshot() { return *snapshot_; }

  static inline TempDir* dir_ = nullptr;
  static inline std::string path_;
  static inline std::unique_ptr<Warehouse> sql_;
  static inline std::shared_ptr<const Snapshot> snapshot_;
};

TEST_F(ApiTest, MetaDescribesTheSnapshot) {
  Json meta = AnswerJson(snapshot(), "meta");
  EXPECT_EQ(meta["version"], "test");
  EXPECT_EQ(meta["warehouse"], "sqlite:" + path_);
  EXPECT_EQ(meta["rows"].get<int64_t>(), SqlInt(sql(), "SELECT count(*) FROM fact_sales"));
  EXPECT_EQ(meta["first_date"], SqlScalar(sql(), "SELECT min(date) FROM retail_data_view"));
  EXPECT_EQ(meta["last_date"], SqlScalar(sql(), "SELECT max(date) FROM retail_data_view"));
  EXPECT_EQ(meta["data_version"], 1);
  EXPECT_TRUE(meta["refreshed_at"].is_string());
}

TEST_F(ApiTest, KpisOfTheWholeRangeEqualSql) {
  Json body = AnswerJson(snapshot(), "kpis");
  SqlMeasures all = Totals(sql());
  ExpectSameKpis(body, "value", all, "everything");

  // The period is the data's range; the one before it holds nothing, so no change is stated.
  std::string first = SqlScalar(sql(), "SELECT min(date) FROM retail_data_view");
  std::string last = SqlScalar(sql(), "SELECT max(date) FROM retail_data_view");
  int length = *ParseDay(last) - *ParseDay(first) + 1;
  EXPECT_EQ(body["period"],
            Json::object({{"from", first}, {"to", last}, {"days", length}, {"coverage", 1.0}}));
  EXPECT_EQ(body["previous"], Json::object({{"from", ShiftDays(first, -length)},
                                            {"to", ShiftDays(first, -1)},
                                            {"days", length},
                                            {"coverage", 0.0}}));
  for (const auto& kpi : body["kpis"]) EXPECT_FALSE(kpi["comparable"].get<bool>()) << kpi.dump();
  EXPECT_EQ(Kpi(body, "revenue")["previous"].get<double>(), 0);
  EXPECT_EQ(Kpi(body, "orders")["previous"].get<int64_t>(), 0);
  for (const auto& kpi : body["kpis"]) EXPECT_TRUE(kpi["change"].is_null()) << kpi.dump();
}

TEST_F(ApiTest, KpisOfADateRangeAndACategoryEqualSqlAndSoDoThoseOfThePreviousPeriod) {
  Json body = AnswerJson(snapshot(), "kpis",
                         {{"from", "2023-09-01"}, {"to", "2023-11-30"}, {"category", "Books"}});
  EXPECT_EQ(body["period"],
            Json::object(
                {{"from", "2023-09-01"}, {"to", "2023-11-30"}, {"days", 91}, {"coverage", 1.0}}));
  EXPECT_EQ(body["previous"],
            Json::object(
                {{"from", "2023-06-02"}, {"to", "2023-08-31"}, {"days", 91}, {"coverage", 1.0}}));
  for (const auto& kpi : body["kpis"]) EXPECT_TRUE(kpi["comparable"].get<bool>()) << kpi.dump();
  const std::string where = "date BETWEEN $1 AND $2 AND product_category = $3";
  SqlMeasures now = Totals(sql(), where, {"2023-09-01", "2023-11-30", "Books"});
  SqlMeasures before = Totals(sql(), where, {"2023-06-02", "2023-08-31", "Books"});
  ASSERT_GT(now.orders, 100);
  ASSERT_GT(before.orders, 100);
  ExpectSameKpis(body, "value", now, "Books, autumn 2023");
  ExpectSameKpis(body, "previous", before, "Books, summer 2023");
  EXPECT_NEAR(Kpi(body, "orders")["change"].get<double>(),
              static_cast<double>(now.orders - before.orders) / static_cast<double>(before.orders),
              0.00005 + 1e-9);
  EXPECT_NEAR(Kpi(body, "revenue")["change"].get<double>(),
              (now.revenue - before.revenue) / before.revenue, 0.0001);
}

TEST_F(ApiTest, KpisWithOnlyFromOrOnlyToEqualSql) {
  Json since = AnswerJson(snapshot(), "kpis", {{"from", "2024-01-01"}});
  ExpectSameKpis(since, "value", Totals(sql(), "date >= $1", {"2024-01-01"}), "from 2024");
  Json until = AnswerJson(snapshot(), "kpis", {{"to", "2023-04-30"}, {"country", "UK"}});
  ExpectSameKpis(until, "value", Totals(sql(), "date <= $1 AND country = $2", {"2023-04-30", "UK"}),
                 "UK until April 2023");
}

TEST_F(ApiTest, MonthlyTimeseriesEqualsSqlAndAddsUpToTheTotals) {
  Json body = AnswerJson(snapshot(), "timeseries", {{"grain", "month"}});
  EXPECT_EQ(body["grain"], "month");
  auto months = GroupBy(sql(), "substr(date, 1, 7) || '-01'", "date IS NOT NULL");
  ASSERT_EQ(body["points"].size(), months.size());
  double revenue = 0;
  int64_t orders = 0, units = 0;
  for (const auto& point : body["points"]) {
    std::string period = point["period"];
    ASSERT_TRUE(months.contains(period)) << period;
    const SqlMeasures& m = months[period];
    EXPECT_EQ(Cents(point["revenue"].get<double>()), Cents(m.revenue)) << period;
    EXPECT_EQ(point["orders"].get<int64_t>(), m.orders) << period;
    EXPECT_EQ(point["units"].get<int64_t>(), m.units) << period;
    revenue += point["revenue"].get<double>();
    orders += point["orders"].get<int64_t>();
    units += point["units"].get<int64_t>();
  }
  // Sales of unknown date are in the totals but in no period.
  SqlMeasures dated = Totals(sql(), "date IS NOT NULL");
  SqlMeasures all = Totals(sql());
  ASSERT_GT(all.orders, dated.orders);
  EXPECT_EQ(orders, dated.orders);
  EXPECT_EQ(units, dated.units);
  EXPECT_NEAR(revenue, dated.revenue, 0.005 * static_cast<double>(months.size()) + 1e-6);
  Json kpis = AnswerJson(snapshot(), "kpis");
  EXPECT_EQ(orders + (all.orders - dated.orders), Kpi(kpis, "orders")["value"].get<int64_t>());
}

TEST_F(ApiTest, APreviousPeriodTheDataCoversInPartIsNotComparable) {
  std::string first = SqlScalar(sql(), "SELECT min(date) FROM retail_data_view");
  // Ten days from the data's first: the ten days before hold none of it.
  Json body = AnswerJson(snapshot(), "kpis", {{"from", first}, {"to", ShiftDays(first, 9)}});
  EXPECT_EQ(body["previous"]["coverage"].get<double>(), 0.0);
  // From the data's sixth day: the previous ten days are half covered.
  body =
      AnswerJson(snapshot(), "kpis", {{"from", ShiftDays(first, 5)}, {"to", ShiftDays(first, 14)}});
  EXPECT_EQ(body["previous"]["coverage"].get<double>(), 0.5);
  for (const auto& kpi : body["kpis"]) {
    EXPECT_FALSE(kpi["comparable"].get<bool>()) << kpi.dump();
    if (kpi["name"] == "orders") {
      EXPECT_FALSE(kpi["change"].is_null()) << kpi.dump();
    }
  }
}

TEST_F(ApiTest, TimeseriesMarksPeriodsTheRangeCutsShort) {
  Json body = AnswerJson(snapshot(), "timeseries",
                         {{"grain", "month"}, {"from", "2023-06-15"}, {"to", "2023-09-10"}});
  const auto& points = body["points"];
  ASSERT_EQ(points.size(), 4u);
  EXPECT_EQ(points[0]["period"], "2023-06-01");
  EXPECT_EQ(points[0]["days"], 16);
  EXPECT_TRUE(points[0]["partial"].get<bool>());
  EXPECT_EQ(points[1]["days"], 31);
  EXPECT_FALSE(points[1]["partial"].get<bool>());
  EXPECT_FALSE(points[2]["partial"].get<bool>());
  EXPECT_EQ(points[3]["days"], 10);
  EXPECT_TRUE(points[3]["partial"].get<bool>());
  // The data's own first month is whole only when the data starts on its first day.
  std::string first = SqlScalar(sql(), "SELECT min(date) FROM retail_data_view");
  Json all = AnswerJson(snapshot(), "timeseries", {{"grain", "week"}});
  EXPECT_EQ(all["points"][0]["partial"].get<bool>(),
            WeekStart(*ParseDay(first)) != *ParseDay(first));
}

TEST_F(ApiTest, GrowthByCategoryEqualsSqlForThePeriodAndThePreviousOne) {
  const std::string from = "2023-09-01", to = "2023-11-30";
  Json body = AnswerJson(snapshot(), "growth",
                         {{"by", "category"}, {"from", from}, {"to", to}, {"country", "USA"}});
  const std::string where = "date BETWEEN $1 AND $2 AND country = $3";
  auto now = GroupBy(sql(), Member("product_category"), where, {from, to, "USA"});
  auto before =
      GroupBy(sql(), Member("product_category"), where, {"2023-06-02", "2023-08-31", "USA"});
  ASSERT_EQ(body["rows"].size(), now.size());
  // A year before lies outside the data: no values, no changes.
  EXPECT_EQ(body["year_ago"]["from"], "2022-09-01");
  EXPECT_EQ(body["year_ago"]["coverage"].get<double>(), 0.0);
  double previous_value = std::numeric_limits<double>::infinity();
  for (const auto& row : body["rows"]) {
    std::string member = row["category"];
    ASSERT_TRUE(now.contains(member)) << member;
    EXPECT_EQ(Cents(row["value"].get<double>()), Cents(now[member].revenue)) << member;
    EXPECT_EQ(Cents(row["previous"].get<double>()), Cents(before[member].revenue)) << member;
    EXPECT_NEAR(row["change"].get<double>(),
                (now[member].revenue - before[member].revenue) / before[member].revenue, 0.0001)
        << member;
    EXPECT_TRUE(row["change_year"].is_null()) << member;
    // Sorted by value, and the weekly series adds up to it.
    EXPECT_LE(row["value"].get<double>(), previous_value) << member;
    previous_value = row["value"].get<double>();
    double sum = 0;
    for (const auto& value : row["series"]) sum += value.get<double>();
    EXPECT_NEAR(sum, row["value"].get<double>(),
                0.005 * static_cast<double>(row["series"].size()) + 1e-6)
        << member;
  }
  EXPECT_EQ(body["series_grain"], "week");

  Json orders = AnswerJson(snapshot(), "growth",
                           {{"by", "shipping_method"}, {"measure", "orders"}, {"sort", "change"}});
  // Over the data's whole range; sales of unknown date belong to no period.
  auto all = GroupBy(sql(), Member("shipping_method"), "date IS NOT NULL");
  for (const auto& row : orders["rows"]) {
    EXPECT_EQ(row["value"].get<int64_t>(), all[row["shipping_method"]].orders);
  }
}

TEST_F(ApiTest, WeeklyTimeseriesIsNamedByMondaysAndDailyHasEveryDay) {
  Json weeks = AnswerJson(snapshot(), "timeseries", {{"grain", "week"}});
  Json days = AnswerJson(snapshot(), "timeseries", {});
  EXPECT_EQ(days["grain"], "day");
  int64_t week_orders = 0, day_orders = 0;
  std::optional<Day> previous;
  for (const auto& point : weeks["points"]) {
    Day monday = *ParseDay(point["period"].get<std::string>());
    EXPECT_EQ((monday + 3) % 7, 0) << point["period"] << " is not a Monday";
    if (previous) {
      EXPECT_EQ(monday - *previous, 7);
    }
    previous = monday;
    week_orders += point["orders"].get<int64_t>();
  }
  for (const auto& point : days["points"]) day_orders += point["orders"].get<int64_t>();
  int64_t dated = SqlInt(sql(), "SELECT count(*) FROM retail_data_view WHERE date IS NOT NULL");
  EXPECT_EQ(week_orders, dated);
  EXPECT_EQ(day_orders, dated);
  int64_t span = static_cast<int64_t>(SqlNumber(
      sql(), "SELECT julianday(max(date)) - julianday(min(date)) + 1 FROM retail_data_view"));
  EXPECT_EQ(static_cast<int64_t>(days["points"].size()), span);
}

TEST_F(ApiTest, BreakdownByCategoryEqualsGroupBy) {
  Json body = AnswerJson(snapshot(), "breakdown", {{"by", "category"}});
  auto groups = GroupBy(sql(), Member("product_category"));
  EXPECT_EQ(body["by"], Json::array({"category"}));
  EXPECT_EQ(body["total_rows"].get<size_t>(), groups.size());
  ASSERT_EQ(body["rows"].size(), groups.size());
  for (const auto& row : body["rows"]) {
    std::string name = row["category"];
    ASSERT_TRUE(groups.contains(name)) << name;
    ExpectSameMeasures(row, groups[name], name);
  }
}

TEST_F(ApiTest, BreakdownByCountryAndGenderEqualsGroupBy) {
  Json body = AnswerJson(snapshot(), "breakdown", {{"by", "country"}, {"by", "gender"}});
  auto groups = GroupBy(sql(), Member("country") + " || '|' || " + Member("gender"));
  EXPECT_EQ(body["by"], Json::array({"country", "gender"}));
  EXPECT_EQ(body["total_rows"].get<size_t>(), groups.size());
  ASSERT_EQ(body["rows"].size(), groups.size());
  for (const auto& row : body["rows"]) {
    std::string name = row["country"].get<std::string>() + "|" + row["gender"].get<std::string>();
    ASSERT_TRUE(groups.contains(name)) << name;
    ExpectSameMeasures(row, groups[name], name);
  }
}

TEST_F(ApiTest, BreakdownOfAFilteredPeriodEqualsGroupBy) {
  Json body = AnswerJson(snapshot(), "breakdown",
                         {{"by", "payment_method"},
                          {"from", "2023-05-01"},
                          {"to", "2023-05-31"},
                          {"gender", "Female"},
                          {"country", "USA"},
                          {"country", "Canada"}});
  auto groups = GroupBy(sql(), Member("payment_method"),
                        "date BETWEEN $1 AND $2 AND gender = $3 AND country IN ($4, $5)",
                        {"2023-05-01", "2023-05-31", "Female", "USA", "Canada"});
  ASSERT_FALSE(groups.empty());
  ASSERT_EQ(body["rows"].size(), groups.size());
  for (const auto& row : body["rows"]) {
    std::string name = row["payment_method"];
    ASSERT_TRUE(groups.contains(name)) << name;
    ExpectSameMeasures(row, groups[name], name);
  }
}

TEST_F(ApiTest, BreakdownSortsAndLimits) {
  Json by_revenue = AnswerJson(snapshot(), "breakdown", {{"by", "city"}});
  ASSERT_GT(by_revenue["rows"].size(), 5u);
  for (size_t i = 1; i < by_revenue["rows"].size(); ++i) {
    EXPECT_GE(by_revenue["rows"][i - 1]["revenue"].get<double>(),
              by_revenue["rows"][i]["revenue"].get<double>());
  }
  Json by_orders = AnswerJson(snapshot(), "breakdown", {{"by", "city"}, {"sort", "orders"}});
  for (size_t i = 1; i < by_orders["rows"].size(); ++i) {
    EXPECT_GE(by_orders["rows"][i - 1]["orders"].get<int64_t>(),
              by_orders["rows"][i]["orders"].get<int64_t>());
  }
  Json by_name = AnswerJson(snapshot(), "breakdown", {{"by", "city"}, {"sort", "name"}});
  std::vector<std::string> names;
  for (const auto& row : by_name["rows"]) names.push_back(row["city"]);
  ASSERT_EQ(names.back(), "(unknown)");
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end() - 1));

  Json top = AnswerJson(snapshot(), "breakdown", {{"by", "city"}, {"limit", "3"}});
  ASSERT_EQ(top["rows"].size(), 3u);
  EXPECT_EQ(top["total_rows"], by_revenue["total_rows"]);
  EXPECT_EQ(top["total_rows"].get<size_t>(), by_revenue["rows"].size());
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(top["rows"][i], by_revenue["rows"][i]);
}

// SQL: a customer is new when their first known date over all the data falls in the period,
// returning when it came before.
std::map<std::string, SqlMeasures> NewAndReturning(Warehouse& warehouse, const std::string& from,
                                                   const std::string& to) {
  auto result = Sql(warehouse,
                    "WITH firsts AS (SELECT customer_id, min(date) AS first_date "
                    "FROM retail_data_view WHERE customer_id IS NOT NULL GROUP BY customer_id) "
                    "SELECT CASE WHEN f.first_date >= $1 THEN 'new' ELSE 'returning' END, "
                    "sum(v.total_amount), count(*), sum(v.total_purchases), "
                    "count(DISTINCT v.customer_id), avg(v.ratings) "
                    "FROM retail_data_view v JOIN firsts f ON f.customer_id = v.customer_id "
                    "WHERE v.date BETWEEN $1 AND $2 AND f.first_date IS NOT NULL GROUP BY 1",
                    {from, to});
  std::map<std::string, SqlMeasures> groups;
  for (const auto& row : result.rows) groups[row[0].value_or("NULL")] = MeasuresOf(row, 1);
  return groups;
}

TEST_F(ApiTest, NewAndReturningCustomersEqualSql) {
  for (auto [from, to] :
       {std::pair{"2023-09-01", "2023-11-30"}, std::pair{"2024-02-01", "2024-02-29"}}) {
    Json body = AnswerJson(snapshot(), "customers", {{"from", from}, {"to", to}});
    EXPECT_EQ(body["period"], Json::object({{"from", from}, {"to", to}}));
    auto groups = NewAndReturning(sql(), from, to);
    ASSERT_EQ(body["groups"].size(), 2u);
    for (const auto& group : body["groups"]) {
      std::string name = group["group"];
      const SqlMeasures& m = groups[name];
      ASSERT_GT(m.customers, 0) << name << " " << from;
      EXPECT_EQ(group["customers"].get<int64_t>(), m.customers) << name << " " << from;
      EXPECT_EQ(group["orders"].get<int64_t>(), m.orders) << name << " " << from;
      EXPECT_EQ(Cents(group["revenue"].get<double>()), Cents(m.revenue)) << name << " " << from;
    }
  }
}

TEST_F(ApiTest, DimensionMembersEqualSelectDistinct) {
  Json body = AnswerJson(snapshot(), "dimensions");
  ASSERT_EQ(body["dimensions"].size(), kDimCount);
  for (const auto& dimension : body["dimensions"]) {
    std::string name = dimension["name"];
    ASSERT_TRUE(kDimensionSql.contains(name)) << name;
    auto result =
        Sql(sql(), "SELECT DISTINCT " + kDimensionSql.at(name) + " FROM retail_data_view");
    std::vector<std::string> expected;
    bool unknown = false;
    for (const auto& row : result.rows) {
      if (row[0]) {
        expected.push_back(*row[0]);
      } else {
        unknown = true;
      }
    }
    std::sort(expected.begin(), expected.end());
    if (unknown) expected.emplace_back("(unknown)");
    auto served = dimension["members"].get<std::vector<std::string>>();
    EXPECT_EQ(served, expected) << name << ": served, but no sale has it: "
                                << Json(Minus(served, expected)).dump()
                                << "; a sale has it, but not served: "
                                << Json(Minus(expected, served)).dump();
    EXPECT_EQ(dimension["label"], std::string(InfoOf(*DimByName(name)).label));
  }
}

// Every member /dimensions lists must be accepted as a filter and select what SQL selects.
TEST_F(ApiTest, EveryListedMemberIsAFilterThatSelectsWhatSqlSelects) {
  Json body = AnswerJson(snapshot(), "dimensions");
  std::vector<std::string> problems;
  for (const auto& dimension : body["dimensions"]) {
    std::string name = dimension["name"];
    auto counts = GroupBy(sql(), Member(kDimensionSql.at(name)));
    for (const auto& member : dimension["members"]) {
      ApiResponse response = Answer(snapshot(), "kpis", {{name, member.get<std::string>()}});
      if (response.status != 200) {
        problems.push_back(name + "=" + member.get<std::string>() + ": " + response.body);
        continue;
      }
      int64_t orders = Kpi(Json::parse(response.body), "orders")["value"].get<int64_t>();
      std::string value = member.get<std::string>();
      int64_t expected = counts.contains(value) ? counts[value].orders : 0;
      if (orders != expected) {
        problems.push_back(name + "=" + member.get<std::string>() + ": " + std::to_string(orders) +
                           " orders, SQL " + std::to_string(expected));
      }
    }
  }
  std::string report;
  for (const auto& problem : problems) report += "\n  " + problem;
  EXPECT_TRUE(problems.empty()) << problems.size() << " members:" << report;
}

TEST_F(ApiTest, TheUnknownMemberSelectsTheSalesWithoutAValue) {
  ApiResponse response = Answer(snapshot(), "kpis", {{"category", "(unknown)"}});
  ASSERT_EQ(response.status, 200) << response.body;
  ExpectSameKpis(Json::parse(response.body), "value", Totals(sql(), "product_category IS NULL"),
                 "unknown category");
}

TEST_F(ApiTest, PipelineEndpointsEqualTheRunRecords) {
  Json runs = AnswerJson(snapshot(), "pipeline/runs");
  ASSERT_EQ(static_cast<int64_t>(runs["runs"].size()),
            SqlInt(sql(), "SELECT count(*) FROM etl_run"));
  EXPECT_EQ(runs["runs"][0]["run_id"].get<int64_t>(),
            SqlInt(sql(), "SELECT max(run_id) FROM etl_run"));
  for (const auto& run : runs["runs"]) {
    std::string id = std::to_string(run["run_id"].get<int64_t>());
    EXPECT_EQ(run["files"].get<int64_t>(),
              SqlInt(sql(), "SELECT count(*) FROM etl_file WHERE run_id = $1", {id}));
    EXPECT_EQ(run["rows_loaded"].get<int64_t>(),
              SqlInt(sql(), "SELECT coalesce(sum(rows_loaded), 0) FROM etl_file WHERE run_id = $1",
                     {id}));
    EXPECT_EQ(run["status"],
              SqlScalar(sql(), "SELECT status FROM etl_run WHERE run_id = $1", {id}));
  }
  EXPECT_EQ(AnswerJson(snapshot(), "pipeline/runs", {{"limit", "1"}})["runs"].size(), 1u);

  Json files = AnswerJson(snapshot(), "pipeline/files");
  ASSERT_EQ(static_cast<int64_t>(files["files"].size()),
            SqlInt(sql(), "SELECT count(*) FROM etl_file"));
  EXPECT_EQ(files["files"][0]["file_id"].get<int64_t>(),
            SqlInt(sql(), "SELECT max(file_id) FROM etl_file"));
  std::map<std::string, int64_t> statuses;
  for (const auto& file : files["files"]) ++statuses[file["status"]];
  EXPECT_EQ(statuses["loaded"], 2);
  EXPECT_EQ(statuses["failed"], 1);

  Json rejects = AnswerJson(snapshot(), "pipeline/rejects");
  auto reasons = Sql(sql(),
                     "SELECT reason, coalesce(column_name, ''), sum(row_rejected), "
                     "count(*) - sum(row_rejected) FROM etl_reject GROUP BY 1, 2");
  ASSERT_EQ(rejects["reasons"].size(), reasons.rows.size());
  std::map<std::string, std::pair<int64_t, int64_t>> expected;
  for (const auto& row : reasons.rows) {
    expected[*row[0] + "/" + *row[1]] = {std::stoll(*row[2]), std::stoll(*row[3])};
  }
  for (const auto& reason : rejects["reasons"]) {
    std::string key = reason["reason"].get<std::string>() + "/" +
                      (reason["column"].is_null() ? "" : reason["column"].get<std::string>());
    ASSERT_TRUE(expected.contains(key)) << key;
    EXPECT_EQ(reason["rows"].get<int64_t>(), expected[key].first) << key;
    EXPECT_EQ(reason["values"].get<int64_t>(), expected[key].second) << key;
  }
  EXPECT_EQ(expected["bad_date/Date"].first, 1);
  int64_t reject_count = SqlInt(sql(), "SELECT count(*) FROM etl_reject");
  EXPECT_EQ(static_cast<int64_t>(rejects["recent"].size()), std::min<int64_t>(reject_count, 100));
  for (const auto& recent : rejects["recent"]) EXPECT_FALSE(recent.contains("raw_line"));

  Json freshness = AnswerJson(snapshot(), "pipeline/freshness");
  const std::string loaded = "FROM etl_file WHERE status = 'loaded' AND unloaded_at IS NULL";
  EXPECT_EQ(freshness["files_loaded"].get<int64_t>(), SqlInt(sql(), "SELECT count(*) " + loaded));
  EXPECT_EQ(freshness["rows_loaded"].get<int64_t>(),
            SqlInt(sql(), "SELECT sum(rows_loaded) " + loaded));
  EXPECT_EQ(freshness["rows_rejected"].get<int64_t>(),
            SqlInt(sql(), "SELECT sum(rows_rejected) " + loaded));
  EXPECT_EQ(freshness["rows_duplicate"].get<int64_t>(),
            SqlInt(sql(), "SELECT sum(rows_duplicate) " + loaded));
  EXPECT_EQ(freshness["files_failed"].get<int64_t>(),
            SqlInt(sql(), "SELECT count(*) FROM etl_file WHERE status = 'failed'"));
  EXPECT_EQ(freshness["files_skipped"].get<int64_t>(), 0);
  EXPECT_EQ(freshness["runs_running"].get<int64_t>(), 0);
  EXPECT_TRUE(freshness["last_success_at"].is_string());
  EXPECT_GE(freshness["age_seconds"].get<int64_t>(), 0);
}

// A request the API cannot answer: its status, and the parameter its message must name.
struct BadCase {
  std::string endpoint;
  Params params;
  int status;
  std::string names;  // what the message must hold
};

TEST_F(ApiTest, EveryBadRequestIsAnErrorNamingItsParameter) {
  const std::vector<BadCase> cases = {
      {"kpis", {{"colour", "red"}}, 400, "'colour'"},
      {"kpis", {{"from", "2024-13-01"}}, 400, "'from'"},
      {"kpis", {{"to", "2023-02-29"}}, 400, "'to'"},
      {"kpis", {{"from", "2024-1-01"}}, 400, "'from'"},
      {"kpis", {{"from", "2024-01-01x"}}, 400, "'from'"},
      {"kpis", {{"from", "2024-03-01"}, {"to", "2024-02-01"}}, 400, "'from'"},
      {"kpis", {{"category", "Toys"}}, 400, "'category'"},
      {"kpis", {{"category", "books"}}, 400, "'category'"},
      {"kpis", {{"rating", "6"}}, 400, "'rating'"},
      {"customers", {{"age_band", "18-25"}}, 400, "'age_band'"},
      {"kpis", {{"from", "2024-01-01"}, {"from", "2024-01-02"}}, 400, "'from'"},
      {"kpis", {{"format", "xml"}}, 400, "'format'"},
      {"kpis", {{"format", "csv"}, {"format", "json"}}, 400, "'format'"},
      {"timeseries", {{"grain", "year"}}, 400, "'grain'"},
      {"timeseries", {{"grain", "day"}, {"grain", "week"}}, 400, "'grain'"},
      {"breakdown", {}, 400, "'by'"},
      {"breakdown", {{"by", "colour"}}, 400, "'by'"},
      {"breakdown", {{"by", "category"}, {"by", "category"}}, 400, "'by'"},
      {"breakdown", {{"by", "category"}, {"by", "brand"}, {"by", "city"}}, 400, "'by'"},
      {"breakdown", {{"by", "category"}, {"sort", "price"}}, 400, "'sort'"},
      {"breakdown", {{"by", "category"}, {"sort", "name"}, {"sort", "orders"}}, 400, "'sort'"},
      {"breakdown", {{"by", "category"}, {"limit", "0"}}, 400, "'limit'"},
      {"breakdown", {{"by", "category"}, {"limit", "-1"}}, 400, "'limit'"},
      {"breakdown", {{"by", "category"}, {"limit", "ten"}}, 400, "'limit'"},
      {"breakdown", {{"by", "category"}, {"limit", "5x"}}, 400, "'limit'"},
      {"breakdown", {{"by", "category"}, {"limit", "1"}, {"limit", "2"}}, 400, "'limit'"},
      {"breakdown", {{"by", "category"}, {"grain", "day"}}, 400, "'grain'"},
      {"meta", {{"from", "2024-01-01"}}, 400, "'from'"},
      {"dimensions", {{"category", "Books"}}, 400, "'category'"},
      {"pipeline/runs", {{"limit", "1001"}}, 400, "'limit'"},
      {"pipeline/runs", {{"limit", "0"}}, 400, "'limit'"},
      {"pipeline/files", {{"from", "2024-01-01"}}, 400, "'from'"},
      {"pipeline/rejects", {{"part", "all"}}, 400, "'part'"},
      {"pipeline/freshness", {{"limit", "5"}}, 400, "'limit'"},
      {"sales", {}, 404, "/api/v1/sales"},
      {"pipeline/steps", {}, 404, "/api/v1/pipeline/steps"},
  };
  for (const auto& bad : cases) {
    std::string what = bad.endpoint;
    for (const auto& [name, value] : bad.params) what += " " + name + "=" + value;
    ApiResponse response = Answer(snapshot(), bad.endpoint, bad.params);
    EXPECT_EQ(response.status, bad.status) << what << ": " << response.body;
    EXPECT_EQ(response.content_type, "application/json") << what;
    Json body = Json::parse(response.body, nullptr, /*allow_exceptions=*/false);
    ASSERT_TRUE(body.is_object()) << what << ": " << response.body;
    EXPECT_EQ(body["error"]["status"], bad.status) << what;
    std::string message = body["error"]["message"].is_string()
                              ? body["error"]["message"].get<std::string>()
                              : std::string();
    EXPECT_NE(message.find(bad.names), std::string::npos)
        << what << ": the message '" << message << "' does not name " << bad.names;
  }
}

TEST_F(ApiTest, EveryEndpointOfDocsApiMdIsKnownAndAnswered) {
  for (std::string name :
       {"meta", "dimensions", "kpis", "timeseries", "breakdown", "customers", "pipeline/runs",
        "pipeline/files", "pipeline/rejects", "pipeline/freshness"}) {
    EXPECT_TRUE(IsApiEndpoint(name)) << name;
    EXPECT_NE(Answer(snapshot(), name, {}).status, 404) << name;
  }
  for (std::string_view name : {"", "sales", "pipeline", "pipeline/", "pipeline/steps", "KPIS"}) {
    EXPECT_FALSE(IsApiEndpoint(name)) << name;
  }
}

// An endpoint's CSV form: the header it must start with, and where its JSON keeps the rows.
struct CsvCase {
  std::string endpoint;
  Params params;
  std::string header;
  std::string rows_key;  // empty: the rows are the JSON object's members
};

TEST_F(ApiTest, EveryEndpointAnswersCsvWithAHeaderAndOneLinePerRow) {
  const std::vector<CsvCase> cases = {
      {"meta", {}, "key,value", ""},
      {"dimensions", {}, "dimension,member", "dimensions"},
      {"kpis", {}, "name,label,value,previous,change,comparable", "kpis"},
      {"timeseries", {{"grain", "month"}}, "period,revenue,orders,units,days,partial", "points"},
      {"growth",
       {{"by", "segment"}, {"from", "2023-09-01"}},
       "segment,value,previous,change,year_ago,change_year",
       "rows"},
      {"breakdown",
       {{"by", "category"}, {"by", "gender"}},
       "category,gender,revenue,orders,units,customers,average_rating",
       "rows"},
      {"customers", {{"from", "2023-09-01"}}, "group,customers,orders,revenue", "groups"},
      {"pipeline/runs",
       {},
       "run_id,trigger,started_at,finished_at,status,error,files,rows_loaded,rows_rejected,"
       "rows_duplicate",
       "runs"},
      {"pipeline/files",
       {},
       "file_id,run_id,uri,status,rows_read,rows_loaded,rows_rejected,rows_duplicate,started_at,"
       "finished_at,error",
       "files"},
      {"pipeline/rejects", {}, "reason,column,rows,values", "reasons"},
      {"pipeline/rejects",
       {{"part", "recent"}},
       "file_id,uri,line,column,reason,message,row_rejected",
       "recent"},
      {"pipeline/freshness", {}, "key,value", ""},
  };
  for (const auto& c : cases) {
    Json json = AnswerJson(snapshot(), c.endpoint, c.params);
    size_t rows = 0;
    if (c.rows_key.empty()) {
      rows = json.size();
    } else if (c.rows_key == "dimensions") {
      for (const auto& dimension : json["dimensions"]) rows += dimension["members"].size();
    } else {
      rows = json[c.rows_key].size();
    }
    ASSERT_GT(rows, 0u) << c.endpoint;

    Params params = c.params;
    params.emplace("format", "csv");
    ApiResponse response = Answer(snapshot(), c.endpoint, params);
    ASSERT_EQ(response.status, 200) << c.endpoint << ": " << response.body;
    EXPECT_EQ(response.content_type, "text/csv; charset=utf-8") << c.endpoint;
    EXPECT_TRUE(response.filename.starts_with("till-") && response.filename.ends_with(".csv"))
        << response.filename;
    ASSERT_TRUE(response.body.starts_with(c.header + "\r\n")) << c.endpoint << ":\n"
                                                              << response.body.substr(0, 200);
    EXPECT_TRUE(response.body.ends_with("\r\n")) << c.endpoint;
    auto records = ParseCsv(response.body);
    EXPECT_EQ(records.size(), rows + 1) << c.endpoint;
    size_t width = SplitHeader(c.header).size();
    for (const auto& record : records) EXPECT_EQ(record.size(), width) << c.endpoint;
  }
}

TEST_F(ApiTest, CsvNeutralisesCellsASpreadsheetWouldRun) {
  Params params = {{"by", "product"},
                   {"category", std::string(testing::kScriptCategory)},
                   {"sort", "name"},
                   {"format", "csv"}};
  ApiResponse response = Answer(snapshot(), "breakdown", params);
  ASSERT_EQ(response.status, 200) << response.body;
  auto records = ParseCsv(response.body);
  std::set<std::string> products;
  for (size_t r = 1; r < records.size(); ++r) products.insert(records[r][0]);
  EXPECT_EQ(products, (std::set<std::string>{"'=1+2", "'-x", "'@x", "'+x"})) << response.body;

  ApiResponse dimensions = Answer(snapshot(), "dimensions", {{"format", "csv"}});
  ASSERT_EQ(dimensions.status, 200);
  std::set<std::string> members;
  for (const auto& record : ParseCsv(dimensions.body)) {
    if (record[0] == "product") members.insert(record[1]);
  }
  for (const auto& product : testing::kFormulaProducts) {
    EXPECT_TRUE(members.contains("'" + product)) << product;
    EXPECT_FALSE(members.contains(product)) << product;
  }
  // Text that is not a formula stays as it is.
  ApiResponse categories = Answer(snapshot(), "breakdown", {{"by", "category"}, {"format", "csv"}});
  bool found = false;
  for (const auto& record : ParseCsv(categories.body)) {
    found = found || record[0] == testing::kScriptCategory;
  }
  EXPECT_TRUE(found) << categories.body;
}

TEST_F(ApiTest, CsvLeavesNumbersAlone) {
  // January 2024 sells less than the December before it: negative changes.
  ApiResponse response =
      Answer(snapshot(), "kpis", {{"from", "2024-01-01"}, {"to", "2024-01-31"}, {"format", "csv"}});
  ASSERT_EQ(response.status, 200);
  auto records = ParseCsv(response.body);
  ASSERT_EQ(records.size(), 8u);
  bool negative = false;
  for (size_t r = 1; r < records.size(); ++r) {
    for (size_t c = 2; c < 5; ++c) {
      const std::string& cell = records[r][c];
      ASSERT_FALSE(cell.empty()) << records[r][0];
      negative = negative || cell[0] == '-';
      size_t used = 0;
      std::stod(cell, &used);
      EXPECT_EQ(used, cell.size()) << "not a plain number: " << cell;
    }
  }
  EXPECT_TRUE(negative) << response.body;
}

TEST(CsvCellTest, QuotesAndNeutralisesAsRfc4180AndSpreadsheetsNeed) {
  EXPECT_EQ(CsvCell(""), "");
  EXPECT_EQ(CsvCell("Books"), "Books");
  EXPECT_EQ(CsvCell("=1+2"), "'=1+2");
  EXPECT_EQ(CsvCell("+x"), "'+x");
  EXPECT_EQ(CsvCell("-x"), "'-x");
  EXPECT_EQ(CsvCell("@SUM(A1)"), "'@SUM(A1)");
  EXPECT_EQ(CsvCell("\tx"), "'\tx");
  EXPECT_EQ(CsvCell("\rx"), "\"'\rx\"");
  EXPECT_EQ(CsvCell("a=b"), "a=b");
  EXPECT_EQ(CsvCell("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvCell("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvCell("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(CsvCell("=HYPERLINK(\"x\",\"y\")"), "\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\"");
}

// `to` alone, before the first sale: the period runs up to `to` and cannot start after it.
TEST_F(ApiTest, APeriodEndingBeforeTheDataStartsIsInOrder) {
  for (const char* endpoint : {"kpis", "customers"}) {
    Json body = AnswerJson(snapshot(), endpoint, {{"to", "2020-01-31"}});
    ASSERT_TRUE(body["period"].is_object()) << endpoint << ": " << body.dump();
    std::string from = body["period"]["from"], to = body["period"]["to"];
    EXPECT_EQ(to, "2020-01-31") << endpoint;
    EXPECT_LE(from, to) << endpoint << ": the period starts after it ends";
    if (body.contains("previous")) {
      std::string before_from = body["previous"]["from"], before_to = body["previous"]["to"];
      EXPECT_LE(before_from, before_to) << endpoint << ": the previous period is reversed";
      EXPECT_LT(before_to, from) << endpoint;
    }
  }
  Json kpis = AnswerJson(snapshot(), "kpis", {{"to", "2020-01-31"}});
  EXPECT_EQ(Kpi(kpis, "orders")["value"], 0);
}

TEST(EmptyWarehouseTest, EveryEndpointAnswers) {
  TempDir dir;
  std::string path = dir.Path("till.db");
  auto warehouse = OpenOrFail(path);
  ASSERT_NE(warehouse, nullptr);
  Status migrated = warehouse->Migrate();
  ASSERT_TRUE(migrated) << migrated.error().message();
  auto snapshot = testing::ReadSnapshot(path);
  ASSERT_NE(snapshot, nullptr);
  EXPECT_EQ(snapshot->cube->rows(), 0u);
  const std::vector<std::pair<std::string, Params>> requests = {
      {"meta", {}},
      {"dimensions", {}},
      {"kpis", {}},
      {"kpis", {{"from", "2024-01-01"}}},
      {"timeseries", {{"grain", "week"}}},
      {"breakdown", {{"by", "category"}, {"by", "city"}}},
      {"customers", {}},
      {"customers", {{"from", "2024-01-01"}, {"to", "2024-01-31"}}},
      {"growth", {{"by", "category"}}},
      {"growth", {{"by", "city"}, {"from", "2024-01-01"}}},
      {"pipeline/runs", {}},
      {"pipeline/files", {}},
      {"pipeline/rejects", {}},
      {"pipeline/freshness", {}},
  };
  for (const auto& [endpoint, params] : requests) {
    Json body = AnswerJson(*snapshot, endpoint, params);
    ASSERT_FALSE(body.is_null()) << endpoint;
  }
  Json kpis = AnswerJson(*snapshot, "kpis");
  EXPECT_TRUE(kpis["period"].is_null());
  EXPECT_EQ(Kpi(kpis, "orders")["value"], 0);
  EXPECT_TRUE(Kpi(kpis, "average_order_value")["value"].is_null());
  EXPECT_EQ(AnswerJson(*snapshot, "timeseries")["points"], Json::array());
  EXPECT_EQ(AnswerJson(*snapshot, "breakdown", {{"by", "gender"}})["total_rows"], 0);
  Json meta = AnswerJson(*snapshot, "meta");
  EXPECT_EQ(meta["rows"], 0);
  EXPECT_TRUE(meta["first_date"].is_null());
  EXPECT_TRUE(AnswerJson(*snapshot, "pipeline/freshness")["last_success_at"].is_null());
}

TEST_F(ApiTest, JsonGivesOddNamesBackExactly) {
  Json products = AnswerJson(
      snapshot(), "breakdown",
      {{"by", "product"}, {"by", "category"}, {"category", std::string(testing::kScriptCategory)}});
  std::set<std::string> names;
  for (const auto& row : products["rows"]) {
    names.insert(row["product"].get<std::string>());
    EXPECT_EQ(row["category"], testing::kScriptCategory);
  }
  EXPECT_EQ(names, (std::set<std::string>{"=1+2", "-x", "@x", "+x"}));
  Json one = AnswerJson(snapshot(), "kpis", {{"product", "=1+2"}});
  EXPECT_EQ(Kpi(one, "orders")["value"], 1);
  EXPECT_EQ(Cents(Kpi(one, "revenue")["value"].get<double>()), 2000);
}

// A warehouse of the test's own, changed between refreshes.
class SnapshotReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.Path("till.db");
    writer_ = OpenOrFail(path_);
    ASSERT_NE(writer_, nullptr);
    Status migrated = writer_->Migrate();
    ASSERT_TRUE(migrated) << migrated.error().message();
  }

  // Loads `rows` generated rows as file `name`; returns its file_id.
  int64_t Load(const std::string& name, int64_t rows, uint64_t seed) {
    auto report = testing::IngestOrFail(*writer_, {testing::Generate(dir_, name, rows, seed)});
    EXPECT_EQ(report.files.size(), 1u);
    if (report.files.empty()) return 0;
    EXPECT_EQ(report.files[0].status, FileStatus::kLoaded) << report.files[0].error;
    return report.files[0].file_id;
  }

  int64_t FactRows() { return SqlInt(*writer_, "SELECT count(*) FROM fact_sales"); }

  TempDir dir_;
  std::string path_;
  std::unique_ptr<Warehouse> writer_;
};

TEST_F(SnapshotReaderTest, RefreshAddsAFileLoadedSinceAndKeepsTheSnapshotWhenNothingChanged) {
  Load("first.csv", 2'000, 21);
  SnapshotReader reader(OpenOrFail(path_, Access::kReadOnly));
  auto first = reader.Refresh(nullptr);
  ASSERT_TRUE(first) << first.error().message();
  EXPECT_EQ((*first)->data_version, 1);
  EXPECT_EQ(static_cast<int64_t>((*first)->cube->rows()), FactRows());

  auto same = reader.Refresh(*first);
  ASSERT_TRUE(same) << same.error().message();
  EXPECT_EQ(same->get(), first->get());

  Load("second.csv", 3'000, 22);
  auto second = reader.Refresh(*first);
  ASSERT_TRUE(second) << second.error().message();
  ASSERT_NE(second->get(), first->get());
  EXPECT_EQ((*second)->data_version, 2);
  EXPECT_EQ(static_cast<int64_t>((*second)->cube->rows()), FactRows());
  EXPECT_GT((*second)->cube->rows(), (*first)->cube->rows());
  EXPECT_EQ((*first)->cube->rows(), 2'000u);  // the old snapshot is unchanged
  ExpectSameKpis(AnswerJson(**second, "kpis"), "value", Totals(*writer_), "after the second file");
  Json breakdown = AnswerJson(**second, "breakdown", {{"by", "category"}});
  auto groups = GroupBy(*writer_, Member("product_category"));
  ASSERT_EQ(breakdown["rows"].size(), groups.size());
  for (const auto& row : breakdown["rows"]) {
    std::string name = row["category"];
    ExpectSameMeasures(row, groups[name], name);
  }
  EXPECT_EQ(AnswerJson(**second, "meta")["data_version"], 2);
}

TEST_F(SnapshotReaderTest, UnloadingAFileTakesItsRowsOutOnTheNextRefresh) {
  Load("kept.csv", 2'000, 31);
  int64_t gone = Load("gone.csv", 1'500, 32);
  SnapshotReader reader(OpenOrFail(path_, Access::kReadOnly));
  auto before = reader.Refresh(nullptr);
  ASSERT_TRUE(before) << before.error().message();
  ASSERT_EQ((*before)->cube->rows(), 3'500u);

  Status unloaded = writer_->ForgetLandingKey("file:///zone/", "gone.csv", gone);
  ASSERT_TRUE(unloaded) << unloaded.error().message();
  ASSERT_EQ(FactRows(), 2'000);
  auto after = reader.Refresh(*before);
  ASSERT_TRUE(after) << after.error().message();
  ASSERT_NE(after->get(), before->get());
  EXPECT_EQ((*after)->data_version, 2);
  EXPECT_EQ((*after)->cube->rows(), 2'000u);
  ExpectSameKpis(AnswerJson(**after, "kpis"), "value", Totals(*writer_), "after the unload");
  Json files = AnswerJson(**after, "pipeline/files");
  ASSERT_EQ(files["files"].size(), 2u);
  EXPECT_EQ(files["files"][0]["file_id"], gone);
  EXPECT_EQ(files["files"][0]["status"], "unloaded");
  EXPECT_EQ(AnswerJson(**after, "pipeline/freshness")["files_loaded"], 1);

  // And a file loaded after the unload is added to what is left.
  Load("third.csv", 500, 33);
  auto third = reader.Refresh(*after);
  ASSERT_TRUE(third) << third.error().message();
  EXPECT_EQ((*third)->cube->rows(), 2'500u);
  ExpectSameKpis(AnswerJson(**third, "kpis"), "value", Totals(*writer_), "after a third file");
}

// Members come from the sales served: a product only an unloaded file sold is no longer one.
TEST_F(SnapshotReaderTest, AnUnloadedFileLeavesNoMembersBehind) {
  Load("sales.csv", 1'000, 35);
  IngestOptions lenient;
  lenient.max_reject_ratio = 0.5;
  auto report =
      testing::IngestOrFail(*writer_, {testing::WriteOddNamesFile(dir_, "odd.csv")}, lenient);
  ASSERT_EQ(report.files.size(), 1u);
  SnapshotReader reader(OpenOrFail(path_, Access::kReadOnly));
  auto before = reader.Refresh(nullptr);
  ASSERT_TRUE(before) << before.error().message();
  EXPECT_EQ(Kpi(AnswerJson(**before, "kpis", {{"product", "=1+2"}}), "orders")["value"], 1);

  Status unloaded = writer_->ForgetLandingKey("file:///zone/", "odd.csv", report.files[0].file_id);
  ASSERT_TRUE(unloaded) << unloaded.error().message();
  auto after = reader.Refresh(*before);
  ASSERT_TRUE(after) << after.error().message();
  ASSERT_EQ((*after)->cube->rows(), 1'000u);
  auto products = (*after)->cube->Members(Dim::kProduct);
  auto categories = (*after)->cube->Members(Dim::kCategory);
  EXPECT_EQ(std::count(products.begin(), products.end(), "=1+2"), 0)
      << "product '=1+2' is still a member";
  EXPECT_EQ(std::count(categories.begin(), categories.end(), testing::kScriptCategory), 0)
      << "category '" << testing::kScriptCategory << "' is still a member";
  EXPECT_EQ(Answer(**after, "kpis", {{"product", "=1+2"}}).status, 400);
}

// Personal data in a validated column (an email where the Date should be, a phone number as
// the Age): the API's reject messages name the column and the rule, never the value, which
// stays in etl_reject for the loader.
TEST_F(SnapshotReaderTest, RejectMessagesServedNameTheColumnAndRuleNeverTheValue) {
  Load("first.csv", 100, 51);
  std::string rows = "Date,Total_Purchases,Amount,Total_Amount,Age\n";
  for (int i = 0; i < 40; ++i) rows += "5/1/2023," + std::to_string(i + 1) + ",2,,30\n";
  rows += "jane.secret@example.com,1,2,2,30\n";
  rows += "5/2/2023,1,2,2,+44 7700 900123\n";
  auto report = testing::IngestOrFail(*writer_, {dir_.Write("personal.csv", rows)});
  ASSERT_EQ(report.files.size(), 1u);
  ASSERT_EQ(report.files[0].status, FileStatus::kLoaded) << report.files[0].error;
  auto snapshot = testing::ReadSnapshot(path_);
  ASSERT_NE(snapshot, nullptr);
  for (const auto& params : {Params{}, Params{{"part", "recent"}, {"format", "csv"}}}) {
    std::string body = testing::Answer(*snapshot, "pipeline/rejects", params).body;
    EXPECT_EQ(body.find("jane.secret"), std::string::npos) << body;
    EXPECT_EQ(body.find("7700"), std::string::npos) << body;
  }
  Json recent = AnswerJson(*snapshot, "pipeline/rejects", {{"part", "recent"}})["recent"];
  std::map<std::string, std::string> messages;
  for (const auto& reject : recent) messages[reject["reason"]] = reject["message"];
  EXPECT_EQ(messages["bad_date"], "Date: not a month-first date");
  EXPECT_EQ(messages["bad_integer"],
            "Age: not a whole number in the column's range; loaded as null");
  // The loader's record keeps the value.
  EXPECT_EQ(SqlInt(*writer_,
                   "SELECT count(*) FROM etl_reject WHERE reason = 'bad_date' AND message LIKE "
                   "'%jane.secret@example.com%'"),
            1);
}

// Amounts with a seventh decimal: rounding each to millionths half up, then summing, made the
// revenue 20,000.00; the exact sum is 19,999.984, which SQL rounds to 19,999.98.
TEST_F(SnapshotReaderTest, RevenueIsTheExactSumRoundedOnceAsSqlRoundsIt) {
  std::string rows = "Date,Total_Purchases,Amount,Total_Amount,Customer_ID\n";
  for (int i = 0; i < 40'000; ++i) {
    rows += "5/" + std::to_string(i % 28 + 1) + "/2023,1,0.4999996,0.4999996," +
            std::to_string(10'000 + i) + "\n";
  }
  auto report = testing::IngestOrFail(*writer_, {dir_.Write("sevenths.csv", rows)});
  ASSERT_EQ(report.files.size(), 1u);
  ASSERT_EQ(report.files[0].rows_loaded, 40'000) << report.files[0].error;
  auto snapshot = testing::ReadSnapshot(path_);
  ASSERT_NE(snapshot, nullptr);
  const std::string sql_revenue = SqlScalar(
      *writer_, "SELECT printf('%.2f', round(sum(total_amount), 2)) FROM retail_data_view");
  EXPECT_EQ(sql_revenue, "19999.98");
  Json kpis = AnswerJson(*snapshot, "kpis");
  EXPECT_EQ(fmt::format("{:.2f}", Kpi(kpis, "revenue")["value"].get<double>()), sql_revenue);
  Json breakdown = AnswerJson(*snapshot, "breakdown", {{"by", "category"}});
  ASSERT_EQ(breakdown["rows"].size(), 1u);
  EXPECT_EQ(fmt::format("{:.2f}", breakdown["rows"][0]["revenue"].get<double>()), sql_revenue);
  Json months = AnswerJson(*snapshot, "timeseries", {{"grain", "month"}});
  ASSERT_EQ(months["points"].size(), 1u) << months.dump();
  EXPECT_EQ(fmt::format("{:.2f}", months["points"][0]["revenue"].get<double>()), sql_revenue);
}

TEST_F(SnapshotReaderTest, TheReadersWarehouseRefusesWrites) {
  Load("first.csv", 100, 41);
  auto reader = OpenOrFail(path_, Access::kReadOnly);
  ASSERT_NE(reader, nullptr);
  Status created = reader->QueryRows("CREATE TABLE x (a)", {}, [](auto) { return Status{}; });
  EXPECT_FALSE(created);
  EXPECT_FALSE(
      reader->Query("INSERT INTO etl_run (trigger, started_at, status, till_version) "
                    "VALUES ('x', 'x', 'running', 'x')"));
  EXPECT_FALSE(reader->Query("DELETE FROM fact_sales"));
  EXPECT_EQ(SqlInt(*writer_, "SELECT count(*) FROM sqlite_master WHERE name = 'x'"), 0);
  EXPECT_EQ(FactRows(), 100);
  // The same statement through a read-write warehouse does write: the refusal is the access's.
  Status control = writer_->QueryRows("CREATE TABLE x (a)", {}, [](auto) { return Status{}; });
  EXPECT_TRUE(control) << control.error().message();
  EXPECT_EQ(SqlInt(*writer_, "SELECT count(*) FROM sqlite_master WHERE name = 'x'"), 1);
}

}  // namespace
}  // namespace till
