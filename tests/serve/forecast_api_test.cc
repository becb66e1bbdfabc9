// /api/v1/forecast and /api/v1/forecast/accuracy reconciled with `till forecast --warehouse`
// on the same warehouse: the same series, models, forecasts and backtest figures, with the
// same filters; and the parameters checked as the other endpoints check theirs.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <map>
#include <string>

#include "serve_support.h"
#include "support/generated.h"

namespace till {
namespace {

using testing::Json;

class ForecastApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    location_ = dir_->Path("till.db");
    auto warehouse = testing::OpenOrFail(location_);
    ASSERT_NE(warehouse, nullptr);
    ASSERT_TRUE(warehouse->Migrate());
    testing::IngestOrFail(*warehouse, {testing::Generate(*dir_, "sales.csv", 20000, 21)});
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  static Json RunForecast(const std::string& args) {
    std::string out = dir_->Path("out.json");
    std::string command = "'" TILL_BINARY "' forecast --warehouse '" + location_ + "' " + args +
                          " --json >'" + out + "' 2>/dev/null";
    int status = std::system(command.c_str());
    EXPECT_EQ(WEXITSTATUS(status), 0) << command;
    return Json::parse(testing::ReadFile(out));
  }

  // The API's answer beside the command's: every series, its model and each forecast step.
  static void Reconcile(const Params& params, const std::string& args, size_t series_count) {
    auto snapshot = testing::ReadSnapshot(location_);
    ASSERT_NE(snapshot, nullptr);
    Json api = testing::AnswerJson(*snapshot, "forecast", params);
    Json cli = RunForecast(args);
    ASSERT_EQ(api["series"].size(), series_count) << api.dump().substr(0, 500);
    ASSERT_EQ(api["series"].size(), cli["series"].size());
    for (size_t i = 0; i < cli["series"].size(); ++i) {
      const Json& a = api["series"][i];
      const Json& c = cli["series"][i];
      SCOPED_TRACE(c["series"].get<std::string>());
      EXPECT_EQ(a["series"], c["series"]);
      EXPECT_EQ(a["model"], c["model"]);
      EXPECT_EQ(a["why"], c["why"]);
      ASSERT_EQ(a["forecast"].size(), c["forecast"].size());
      for (size_t k = 0; k < c["forecast"].size(); ++k) {
        EXPECT_EQ(a["forecast"][k]["date"], c["forecast"][k]["date"]);
        for (const char* bound : {"point", "lo80", "hi80", "lo95", "hi95"}) {
          double x = a["forecast"][k][bound].get<double>();
          double y = c["forecast"][k][bound].get<double>();
          EXPECT_NEAR(x, y, 1e-6 * std::max(1.0, std::abs(y))) << bound << " step " << k;
        }
      }
      EXPECT_EQ(a["accuracy"], c["backtest"]["chosen"]);
    }
    // The accuracy table: every candidate's figures, and the overall means.
    Json accuracy = testing::AnswerJson(*snapshot, "forecast/accuracy", params);
    ASSERT_EQ(accuracy["series"].size(), series_count);
    for (size_t i = 0; i < series_count; ++i) {
      const Json& a = accuracy["series"][i];
      const Json& c = cli["series"][i]["backtest"]["candidates"];
      ASSERT_EQ(a["candidates"].size(), c.size());
      for (size_t j = 0; j < c.size(); ++j) {
        EXPECT_EQ(a["candidates"][j]["model"], c[j]["model"]);
        EXPECT_EQ(a["candidates"][j]["chosen"], c[j]["chosen"]);
        if (c[j].contains("accuracy")) {
          EXPECT_EQ(a["candidates"][j]["accuracy"], c[j]["accuracy"]);
        }
      }
    }
    std::map<std::string, Json> overall;
    for (const Json& row : accuracy["overall"]) overall[row["model"]] = row;
    ASSERT_EQ(overall.size(), cli["overall"].size());
    for (const auto& [model, figures] : cli["overall"].items()) {
      ASSERT_TRUE(overall.count(model)) << model;
      for (const char* name : {"mase", "wape", "bias", "coverage80", "coverage95", "points"}) {
        EXPECT_EQ(overall[model][name], figures[name]) << model << " " << name;
      }
    }
  }

  static testing::TempDir* dir_;
  static std::string location_;
};

testing::TempDir* ForecastApiTest::dir_ = nullptr;
std::string ForecastApiTest::location_;

TEST_F(ForecastApiTest, CategoriesAsTheCommandForecastsThem) {
  Reconcile({{"by", "category"}, {"horizon", "14"}}, "--by category --horizon 14", 5);
}

TEST_F(ForecastApiTest, FiltersAndBothGroupingsAsTheCommandTakesThem) {
  Reconcile({{"by", "country"},
             {"by", "category"},
             {"horizon", "7"},
             {"measure", "units"},
             {"country", "USA"},
             {"country", "UK"},
             {"from", "2023-06-01"},
             {"to", "2024-01-31"}},
            "--by country,category --horizon 7 --measure units --country USA --country UK "
            "--from 2023-06-01 --to 2024-01-31",
            10);
}

TEST_F(ForecastApiTest, TotalWeeklyAsTheCommandForecastsIt) {
  Reconcile({{"grain", "week"}, {"horizon", "4"}, {"category", "Books"}},
            "--grain week --horizon 4 --category Books", 1);
}

TEST_F(ForecastApiTest, TheSeriesCarryTheirActualsAndCsvHasEveryStep) {
  auto snapshot = testing::ReadSnapshot(location_);
  ASSERT_NE(snapshot, nullptr);
  Json body = testing::AnswerJson(*snapshot, "forecast", {{"by", "country"}, {"horizon", "5"}});
  ASSERT_FALSE(body["series"].empty());
  // The actual values add up to the KPIs' revenue of each country over the same days.
  for (const Json& series : body["series"]) {
    double sum = 0;
    for (const Json& day : series["actual"]) sum += day["value"].get<double>();
    // Dated sales only, as the series count them.
    Json kpis = testing::AnswerJson(*snapshot, "kpis",
                                    {{"country", series["series"]},
                                     {"from", series["actual"].front()["date"]},
                                     {"to", series["actual"].back()["date"]}});
    EXPECT_NEAR(sum, testing::Kpi(kpis, "revenue")["value"].get<double>(),
                0.01 * static_cast<double>(series["actual"].size()));
  }
  ApiResponse csv = testing::Answer(*snapshot, "forecast",
                                    {{"by", "country"}, {"horizon", "5"}, {"format", "csv"}});
  ASSERT_EQ(csv.status, 200);
  EXPECT_EQ(csv.filename, "till-forecast.csv");
  size_t lines = std::count(csv.body.begin(), csv.body.end(), '\n');
  EXPECT_EQ(lines, 1 + 5 * body["series"].size());
  EXPECT_EQ(csv.body.substr(0, csv.body.find('\r')), "series,date,model,point,lo80,hi80,lo95,hi95");
}

TEST_F(ForecastApiTest, BadParametersAreRefused) {
  auto snapshot = testing::ReadSnapshot(location_);
  ASSERT_NE(snapshot, nullptr);
  for (const Params& params : std::vector<Params>{{{"by", "gender"}},
                                                  {{"by", "country"}, {"by", "brand"}},
                                                  {{"measure", "profit"}},
                                                  {{"grain", "month"}},
                                                  {{"horizon", "0"}},
                                                  {{"horizon", "x"}},
                                                  {{"horizon", "367"}},
                                                  {{"country", "Atlantis"}},
                                                  {{"from", "2024-13-01"}},
                                                  {{"season", "7"}}}) {
    ApiResponse response = testing::Answer(*snapshot, "forecast", params);
    EXPECT_EQ(response.status, 400) << params.begin()->first << ": " << response.body;
  }
  // A selection without sales: no series, and a note why.
  Json empty = testing::AnswerJson(*snapshot, "forecast", {{"from", "2030-01-01"}});
  EXPECT_TRUE(empty["series"].empty());
  EXPECT_FALSE(empty["notes"].empty());
}

}  // namespace
}  // namespace till
