// `till forecast --input` as a user runs it: the JSON shape, and a clear error for bad input.
#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "support/temp_dir.h"

namespace till {
namespace {

struct Outcome {
  int exit_code = -1;
  std::string out, err;
};

Outcome Till(const testing::TempDir& dir, const std::string& args) {
  std::string command = "'" TILL_BINARY "' " + args + " >'" + dir.Path("out.txt") + "' 2>'" +
                        dir.Path("err.txt") + "'";
  int status = std::system(command.c_str());
  return {WEXITSTATUS(status), testing::ReadFile(dir.Path("out.txt")),
          testing::ReadFile(dir.Path("err.txt"))};
}

TEST(ForecastCliTest, JsonShape) {
  testing::TempDir dir;
  std::string csv = "date,value\n";
  for (int d = 1; d <= 29; ++d) {  // 2024 is a leap year
    csv += "2024-02-" + std::string(d < 10 ? "0" : "") + std::to_string(d) + "," +
           std::to_string(100 + (d % 7) * 10) + "\n";
  }
  for (int d = 1; d <= 31; ++d) {
    if (d == 15) continue;  // a day without sales
    csv += "2024-03-" + std::string(d < 10 ? "0" : "") + std::to_string(d) + "," +
           std::to_string(100 + (d % 7) * 10) + "\n";
  }
  std::string path = dir.Write("series.csv", csv);
  Outcome o = Till(dir, "forecast --input '" + path + "' --horizon 5 --json");
  ASSERT_EQ(o.exit_code, 0) << o.err;
  auto j = nlohmann::json::parse(o.out);
  EXPECT_TRUE(j["model"].is_string());
  EXPECT_EQ(j["season"], 7);
  ASSERT_EQ(j["forecast"].size(), 5u);
  EXPECT_EQ(j["forecast"][0]["date"], "2024-04-01");
  for (const char* key : {"point", "lo80", "hi80", "lo95", "hi95"}) {
    EXPECT_TRUE(j["forecast"][4][key].is_number()) << key;
  }
  EXPECT_TRUE(j["backtest"]["candidates"].is_array());
  EXPECT_EQ(j["backtest"]["origins"].size(), 4u);
  bool noted = false;
  for (const auto& note : j["notes"]) noted |= note.get<std::string>().find("1 missing day") == 0;
  EXPECT_TRUE(noted) << j["notes"];
}

TEST(ForecastCliTest, UnreadableInputNamesLineAndReason) {
  testing::TempDir dir;
  std::string path = dir.Write("bad.csv", "date,value\n2024-01-01,1\n2024-01-02,,\n");
  Outcome o = Till(dir, "forecast --input '" + path + "' --horizon 3 --json");
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_NE(o.err.find("bad.csv:3: expected two fields"), std::string::npos) << o.err;
  EXPECT_TRUE(o.out.empty());
  Outcome missing = Till(dir, "forecast --input '" + dir.Path("none.csv") + "' --horizon 3");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("cannot read"), std::string::npos);
}

}  // namespace
}  // namespace till
