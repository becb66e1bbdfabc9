// Anomaly alerts after loads: a day whose sales lie outside the 95% interval of the forecast
// stored before it was loaded raises one alert through the alert command, and the first day back
// inside resolves it, on both back ends.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "support/backends.h"
#include "support/generated.h"
#include "support/temp_dir.h"

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

// The fields of one raw line (quoted fields keep their quotes; none spans lines in generated
// files).
std::vector<std::string> Fields(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (char c : line) {
    if (c == '"') quoted = !quoted;
    if (c == ',' && !quoted) {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  return fields;
}

std::string Join(const std::vector<std::string>& fields) {
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) out += (i ? "," : "") + fields[i];
  return out;
}

// The raw file's Date (month first, in its three spellings) as "MM-DD-YYYY"; "" when empty.
std::string MonthDayYear(const std::string& text) {
  int m = 0, d = 0, y = 0;
  char sep = 0;
  if (std::sscanf(text.c_str(), "%d%c%d%*c%d", &m, &sep, &d, &y) != 4) return "";
  if (y < 100) y += 2000;
  return fmt::format("{:02}-{:02}-{:04}", m, d, y);
}

std::vector<nlohmann::json> Alerts(const testing::TempDir& dir) {
  std::vector<nlohmann::json> alerts;
  std::istringstream lines(testing::ReadFile(dir.Path("alerts.jsonl")));
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) alerts.push_back(nlohmann::json::parse(line));
  }
  return alerts;
}

// Splits a generated year into files: every day before `anomaly_day` ("MM-DD-YYYY"), that day
// at five times its sales (each of its rows five times, as five distinct transactions), and each
// day of `after` as it was, one file each. Returns the files in load order.
std::vector<std::string> PlantAnomaly(const testing::TempDir& dir, const std::string& anomaly_day,
                                      const std::vector<std::string>& after) {
  std::string raw = testing::Generate(dir, "sales.csv", 20000, 31);
  std::ifstream in(raw);
  std::string header;
  std::getline(in, header);
  std::vector<std::string> names = {"history.csv", "anomaly.csv"};
  for (const std::string& day : after) names.push_back("day-" + day + ".csv");
  std::vector<std::ofstream> files;
  for (const std::string& name : names) {
    files.emplace_back(dir.Path(name));
    files.back() << header << "\n";
  }
  std::vector<int> rows(names.size());
  int planted = 0;
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> fields = Fields(line);
    EXPECT_EQ(fields.size(), 30u) << line;
    std::string date = fields.size() == 30 ? MonthDayYear(fields[14]) : "";
    if (date == anomaly_day) {
      for (int copy = 0; copy < 5; ++copy) {
        fields[0] = std::to_string(90000000 + planted++);
        files[1] << Join(fields) << "\n";
        ++rows[1];
      }
      continue;
    }
    size_t to = 0;
    for (size_t d = 0; d < after.size(); ++d) {
      if (date == after[d]) to = 2 + d;
    }
    // Days after the last one of `after` are left out: the history ends before the anomaly.
    if (to == 0 && date.size() == 10 &&
        date.substr(6) + date.substr(0, 5) >= anomaly_day.substr(6) + anomaly_day.substr(0, 5)) {
      continue;
    }
    files[to] << line << "\n";
    ++rows[to];
  }
  for (size_t i = 0; i < names.size(); ++i) {
    EXPECT_GT(rows[i], 20) << names[i];
    names[i] = dir.Path(names[i]);
  }
  return names;
}

void WriteSettings(const testing::TempDir& dir, const std::string& by) {
  std::ofstream toml(dir.Path("till.toml"));
  toml << fmt::format("[alerts]\ncommand = \"cat >> '{}'\"\n[forecast]\nby = [{}]\nhorizon = 7\n",
                      dir.Path("alerts.jsonl"), by);
}

TEST(ForecastAnomalyTest, APlantedAnomalyFiresOnceAndResolvesAfterANormalDay) {
  for (Backend backend : testing::kBackends) {
    SCOPED_TRACE(testing::BackendName(backend));
    testing::TempDir dir;
    WriteSettings(dir, "\"total\"");
    auto files = PlantAnomaly(dir, "02-28-2024", {"02-29-2024"});
    std::string location = testing::NewWarehouseLocation(backend, dir, "anomaly");
    int code = -1;
    auto ingest = [&](const std::string& file) {
      std::string out = RunTill(dir, "ingest '" + file + "' --warehouse '" + location + "'", &code);
      EXPECT_EQ(code, 0) << out;
    };
    ingest(files[0]);
    EXPECT_TRUE(Alerts(dir).empty()) << "no forecast before the first load: nothing to hold";
    ingest(files[1]);
    auto alerts = Alerts(dir);
    ASSERT_EQ(alerts.size(), 1u) << testing::ReadFile(dir.Path("alerts.jsonl"));
    EXPECT_EQ(alerts[0]["kind"], "forecast_anomaly");
    EXPECT_EQ(alerts[0]["status"], "firing");
    std::string detail = alerts[0]["detail"];
    EXPECT_NE(detail.find("2024-02-28"), std::string::npos) << detail;
    EXPECT_NE(detail.find("total revenue"), std::string::npos) << detail;

    ingest(files[2]);
    alerts = Alerts(dir);
    ASSERT_EQ(alerts.size(), 2u) << testing::ReadFile(dir.Path("alerts.jsonl"));
    EXPECT_EQ(alerts[1]["kind"], "forecast_anomaly");
    EXPECT_EQ(alerts[1]["status"], "resolved");
    EXPECT_NE(alerts[1]["detail"].get<std::string>().find("2024-02-29"), std::string::npos);

    // The same file again loads nothing: no check, no alert.
    ingest(files[2]);
    EXPECT_EQ(Alerts(dir).size(), 2u);
  }
}

// Many series outside on one day are one incident: one alert naming them. A refit on the
// anomalous day lifts some categories' forecasts for a while, so the incident closes on the
// first day when every series is back inside, within the days after it.
TEST(ForecastAnomalyTest, SeriesOutsideTogetherAreOneIncident) {
  testing::TempDir dir;
  WriteSettings(dir, "\"total\", \"category\"");
  auto files =
      PlantAnomaly(dir, "02-25-2024", {"02-26-2024", "02-27-2024", "02-28-2024", "02-29-2024"});
  std::string location = testing::NewWarehouseLocation(Backend::kSqlite, dir, "anomaly");
  int code = -1;
  for (const std::string& file : files) {
    std::string out = RunTill(dir, "ingest '" + file + "' --warehouse '" + location + "'", &code);
    ASSERT_EQ(code, 0) << out;
  }
  auto alerts = Alerts(dir);
  ASSERT_EQ(alerts.size(), 2u) << testing::ReadFile(dir.Path("alerts.jsonl"));
  EXPECT_EQ(alerts[0]["status"], "firing");
  std::string detail = alerts[0]["detail"];
  EXPECT_NE(detail.find("2024-02-25"), std::string::npos) << detail;
  EXPECT_NE(detail.find("total revenue"), std::string::npos) << detail;
  EXPECT_NE(detail.find("Electronics revenue"), std::string::npos) << detail;
  EXPECT_EQ(alerts[1]["status"], "resolved");
}

}  // namespace
}  // namespace till
