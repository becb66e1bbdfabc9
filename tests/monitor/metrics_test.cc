// The watcher's Prometheus metrics: valid exposition format (checked by promtool, from Debian's
// prometheus package) and values that agree with the run records after real loads.
#include "monitor/metrics.h"

#include <curl/curl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "support/ports.h"
#include "support/promtool.h"
#include "support/temp_dir.h"
#include "warehouse/warehouse.h"

namespace till {
namespace {

using testing::ReadFile;
using testing::TempDir;

using testing::PromtoolCheck;

// The value of the sample `series` (name with its labels, as exposed), or -1 when absent.
double Sample(const std::string& text, const std::string& series) {
  size_t at = text.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + series.size() + 2));
}

TEST(WatchMetricsTest, CountsFilesAndRowsAndPassesPromtool) {
  WatchMetrics metrics("file:///data/raw/", "1.2.3");
  FileOutcome loaded;
  loaded.status = FileStatus::kLoaded;
  loaded.rows_loaded = 90;
  loaded.rows_rejected = 7;
  loaded.rows_duplicate = 3;
  loaded.started_at = "2024-02-01T10:00:00.000Z";
  loaded.finished_at = "2024-02-01T10:00:01.500Z";
  loaded.steps = {StepTiming{"read", 100, 0.2}, StepTiming{"sales", 90, 0.3}};
  metrics.OnFile(loaded);
  FileOutcome failed;
  failed.status = FileStatus::kFailed;
  failed.transient = true;
  metrics.OnFile(failed);
  metrics.OnRun(2.0, false);
  metrics.OnBacklog(4);
  metrics.OnEventMessage(/*ignored=*/false);
  metrics.OnEventMessage(/*ignored=*/true);
  metrics.OnEventMessage(/*ignored=*/false);
  metrics.OnEventLag(0.75);
  std::string text = metrics.Text();
  EXPECT_EQ(Sample(text, "till_event_messages_total{outcome=\"received\"}"), 3);
  EXPECT_EQ(Sample(text, "till_event_messages_total{outcome=\"ignored\"}"), 1);
  EXPECT_EQ(Sample(text, "till_event_lag_seconds_sum"), 0.75);
  EXPECT_EQ(Sample(text, "till_event_lag_seconds_count"), 1);
  EXPECT_EQ(Sample(text, "till_rows_total{outcome=\"loaded\"}"), 90);
  EXPECT_EQ(Sample(text, "till_rows_total{outcome=\"rejected\"}"), 7);
  EXPECT_EQ(Sample(text, "till_rows_total{outcome=\"duplicate\"}"), 3);
  EXPECT_EQ(Sample(text, "till_files_total{status=\"loaded\"}"), 1);
  EXPECT_EQ(Sample(text, "till_files_total{status=\"failed\"}"), 1);
  EXPECT_EQ(Sample(text, "till_transient_retries_total"), 1);
  EXPECT_EQ(Sample(text, "till_runs_failed_total"), 1);
  EXPECT_EQ(Sample(text, "till_run_duration_seconds_count"), 1);
  EXPECT_EQ(Sample(text, "till_file_duration_seconds_sum"), 1.5);
  EXPECT_EQ(Sample(text, "till_step_duration_seconds_count{step=\"read\"}"), 1);
  EXPECT_EQ(Sample(text, "till_watch_backlog_files{zone=\"file:///data/raw/\"}"), 4);
  EXPECT_EQ(Sample(text, "till_build_info{version=\"1.2.3\"}"), 1);
  EXPECT_GT(Sample(text, "till_last_success_timestamp_seconds{zone=\"file:///data/raw/\"}"), 1e9);
  TempDir dir;
  bool ok = false;
  std::string report = PromtoolCheck(dir, text, &ok);
  EXPECT_TRUE(ok) << report;
}

int FreePort() { return testing::FreeLoopbackPort(); }

size_t Append(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

// GETs `url`; empty when nothing answered.
std::string Fetch(const std::string& url) {
  std::string body;
  CURL* curl = curl_easy_init();
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Append);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 5L);
  CURLcode code = curl_easy_perform(curl);
  curl_easy_cleanup(curl);
  return code == CURLE_OK ? body : std::string();
}

// A real watcher over a folder with a good and a bad file: /metrics, scraped over HTTP, passes
// promtool and says what the run records say.
TEST(WatchMetricsTest, AWatcherServesMetricsThatMatchItsRunRecords) {
  TempDir dir;
  std::filesystem::create_directory(dir.Path("zone"));
  std::string good = std::string(TILL_TEST_DATA_DIR) + "/samples/real_rows_30.csv";
  std::filesystem::copy_file(good, dir.Path("zone/good.csv"));
  dir.Write("zone/bad.csv", "Name,Amount\nx,1\n");
  int port = FreePort();
  pid_t child = ::fork();
  if (child == 0) {
    ::setpgid(0, 0);
    std::string log = dir.Path("watch.log");
    std::freopen(log.c_str(), "w", stdout);
    std::freopen(log.c_str(), "a", stderr);
    std::string port_text = std::to_string(port);
    std::string zone = dir.Path("zone");
    std::string db = dir.Path("till.db");
    ::execl(TILL_BINARY, TILL_BINARY, "watch", zone.c_str(), "--warehouse", db.c_str(), "--rescan",
            "0.2", "--metrics-port", port_text.c_str(), static_cast<char*>(nullptr));
    std::_Exit(127);
  }
  ASSERT_GT(child, 0);
  std::string url = "http://127.0.0.1:" + std::to_string(port) + "/metrics";
  std::string text;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    text = Fetch(url);
    if (Sample(text, "till_files_total{status=\"loaded\"}") == 1 &&
        Sample(text, "till_files_total{status=\"failed\"}") == 1 &&
        Sample(text, "till_watch_backlog_files{zone=\"file://" + dir.Path("zone") + "/\"}") == 0) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ::kill(-child, SIGTERM);
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_FALSE(text.empty()) << "no metrics on " << url << "\n" << ReadFile(dir.Path("watch.log"));
  bool ok = false;
  std::string report = PromtoolCheck(dir, text, &ok);
  EXPECT_TRUE(ok) << report;

  auto warehouse = OpenWarehouse(dir.Path("till.db"));
  ASSERT_TRUE(warehouse) << warehouse.error().message();
  auto records = (*warehouse)
                     ->Query(
                         "SELECT sum(rows_loaded), sum(rows_rejected), sum(rows_duplicate), "
                         "count(*) FROM etl_file "
                         "WHERE status = 'loaded'");
  ASSERT_TRUE(records) << records.error().message();
  const auto& row = records->rows.at(0);
  EXPECT_EQ(Sample(text, "till_rows_total{outcome=\"loaded\"}"), std::stod(*row[0]));
  EXPECT_EQ(Sample(text, "till_rows_total{outcome=\"rejected\"}"), std::stod(*row[1]));
  EXPECT_EQ(Sample(text, "till_rows_total{outcome=\"duplicate\"}"), std::stod(*row[2]));
  EXPECT_EQ(Sample(text, "till_files_total{status=\"loaded\"}"), std::stod(*row[3]));
  auto failed = (*warehouse)->Query("SELECT count(*) FROM etl_file WHERE status = 'failed'");
  ASSERT_TRUE(failed);
  EXPECT_EQ(Sample(text, "till_files_total{status=\"failed\"}"), std::stod(*failed->rows[0][0]));
  // No label carries a file name.
  EXPECT_EQ(text.find("good.csv"), std::string::npos);
  EXPECT_EQ(text.find("bad.csv"), std::string::npos);
}

}  // namespace
}  // namespace till
