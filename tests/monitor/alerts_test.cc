// Alerts reach a real HTTP receiver started by the test on loopback: one message per incident,
// one when it is over, deliveries retried, and a receiver that is down never breaks a load.
#include "monitor/alerts.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "support/ports.h"
#include "support/temp_dir.h"
#include "support/webhook_receiver.h"

namespace till {
namespace {

using namespace std::chrono_literals;
using testing::ReadFile;
using testing::TempDir;
using Receiver = testing::WebhookReceiver;

std::vector<std::string> KindsAndStatuses(const std::vector<nlohmann::json>& bodies) {
  std::vector<std::string> seen;
  for (const auto& body : bodies) {
    seen.push_back(body.value("kind", "?") + ":" + body.value("status", "?"));
  }
  return seen;
}

FileOutcome Loaded(int64_t read, int64_t rejected) {
  FileOutcome file;
  file.uri = "file:///zone/a.csv";
  file.status = FileStatus::kLoaded;
  file.rows_read = read;
  file.rows_rejected = rejected;
  file.rows_loaded = read - rejected;
  return file;
}

TEST(AlerterTest, EachKindFiresOncePerIncidentAndResolvesOnRecovery) {
  Receiver receiver;
  AlertConfig config;
  config.webhooks = {receiver.url()};
  config.reject_ratio = 0.1;
  config.freshness = 1s;
  config.failures_in_a_row = 2;
  {
    Alerter alerter(config, "file:///zone/");
    FileOutcome failed;
    failed.uri = "file:///zone/bad.csv";
    failed.status = FileStatus::kFailed;
    failed.error = "line 1: not a sales file";
    alerter.OnFile(failed);
    alerter.OnRun(false);
    alerter.OnRun(false);  // the same incident: no second message
    alerter.OnFile(Loaded(100, 30));
    alerter.OnFile(Loaded(100, 40));  // still over: no second message
    alerter.OnRun(true);
    alerter.OnFile(Loaded(100, 1));
    alerter.OnRetry("cannot list the zone");
    alerter.OnRetry("cannot list the zone");
    alerter.OnRetry("cannot list the zone");
    alerter.OnListed();
    std::this_thread::sleep_for(1100ms);
    alerter.Tick();
    alerter.Tick();
    alerter.OnFile(Loaded(10, 0));
    ASSERT_TRUE(receiver.WaitFor(8))
        << ::testing::PrintToString(KindsAndStatuses(receiver.bodies()));
  }
  std::vector<std::string> expected = {"run_failed:firing",      "reject_ratio:firing",
                                       "run_failed:resolved",    "reject_ratio:resolved",
                                       "watcher_failing:firing", "watcher_failing:resolved",
                                       "stale:firing",           "stale:resolved"};
  EXPECT_EQ(KindsAndStatuses(receiver.bodies()), expected);
  auto first = receiver.bodies().at(0);
  EXPECT_NE(first["text"].get<std::string>().find("bad.csv failed: line 1: not a sales file"),
            std::string::npos)
      << first.dump();
}

// The at-risk alert compares each segment refresh with the one before: it fires once when the
// count grows by more than the share, stays quiet while open, and resolves when a refresh is
// within the share again.
TEST(AlerterTest, AtRiskCustomersGrowingFireOnceAndResolve) {
  Receiver receiver;
  AlertConfig config;
  config.webhooks = {receiver.url()};
  config.at_risk_growth = 0.2;
  config.at_risk_min_clv = 500;
  {
    Alerter alerter(config, "file:///zone/");
    alerter.OnAtRiskCustomers(std::nullopt, 100);  // no earlier refresh: nothing to compare
    alerter.OnAtRiskCustomers(100, 120);           // 20%: not more than the share
    alerter.OnAtRiskCustomers(120, 145);           // 20.8%: fires
    alerter.OnAtRiskCustomers(145, 200);           // still growing: the same incident
    alerter.OnAtRiskCustomers(200, 210);           // 5%: resolved
    alerter.OnAtRiskCustomers(210, 200);
    ASSERT_TRUE(receiver.WaitFor(2));
  }
  EXPECT_EQ(KindsAndStatuses(receiver.bodies()),
            (std::vector<std::string>{"at_risk_growth:firing", "at_risk_growth:resolved"}));
  const std::string text = receiver.bodies().at(0)["text"].get<std::string>();
  EXPECT_NE(text.find("from 120 to 145"), std::string::npos) << text;
  EXPECT_NE(text.find("500.00"), std::string::npos) << text;

  // Without a share set the alert never fires.
  Receiver quiet;
  AlertConfig off;
  off.webhooks = {quiet.url()};
  {
    Alerter alerter(off, "file:///zone/");
    alerter.OnAtRiskCustomers(10, 1000);
    alerter.OnRun(false);
    ASSERT_TRUE(quiet.WaitFor(1));
  }
  EXPECT_EQ(KindsAndStatuses(quiet.bodies()), (std::vector<std::string>{"run_failed:firing"}));
}

TEST(AlerterTest, ADeliveryThatFailsIsTriedAgain) {
  Receiver receiver({500, 503});
  AlertConfig config;
  config.webhooks = {receiver.url()};
  {
    Alerter alerter(config, "file:///zone/");
    alerter.OnRun(false);
    ASSERT_TRUE(receiver.WaitFor(1));
    EXPECT_EQ(alerter.undelivered(), 0);
  }
  EXPECT_EQ(receiver.requests(), 3);  // two refusals, then the delivery
  EXPECT_EQ(receiver.bodies().size(), 1u);
}

TEST(AlerterTest, TheCommandGetsTheAlertOnItsStandardInput) {
  TempDir dir;
  AlertConfig config;
  config.command = "cat >> '" + dir.Path("alerts.jsonl") + "'";
  {
    Alerter alerter(config, "file:///zone/");
    alerter.OnRun(false);
    alerter.OnRun(true);
  }
  std::string text = ReadFile(dir.Path("alerts.jsonl"));
  ASSERT_EQ(std::count(text.begin(), text.end(), '\n'), 2) << text;
  auto first = nlohmann::json::parse(text.substr(0, text.find('\n')));
  EXPECT_EQ(first["kind"], "run_failed");
  EXPECT_EQ(first["status"], "firing");
}

// End to end: `till watch` with [alerts] in till.toml, a receiver that is down for the first
// alert's tries and a file that fails: the load of the good file is unaffected, and the alert
// arrives once the receiver is up.
TEST(AlerterTest, AWatcherAlertsThroughTillTomlAndAnAlertFailureNeverBreaksALoad) {
  TempDir dir;
  std::filesystem::create_directory(dir.Path("zone"));
  dir.Write("zone/bad.csv", "Name,Amount\nx,1\n");
  Receiver receiver({500});
  // A second webhook nobody listens on: its deliveries fail every time.
  dir.Write("till.toml", "warehouse = \"" + dir.Path("till.db") + "\"\n[alerts]\nwebhooks = [\"" +
                             receiver.url() + "\", \"http://127.0.0.1:1/nobody\"]\n");
  pid_t child = ::fork();
  if (child == 0) {
    ::setpgid(0, 0);
    std::string log = dir.Path("watch.log");
    std::freopen(log.c_str(), "w", stdout);
    std::freopen(log.c_str(), "a", stderr);
    ::chdir(dir.Path("").c_str());
    ::unsetenv("TILL_WAREHOUSE");
    ::unsetenv("TILL_CONFIG");
    std::string zone = dir.Path("zone");
    ::execl(TILL_BINARY, TILL_BINARY, "watch", zone.c_str(), "--rescan", "0.2",
            static_cast<char*>(nullptr));
    std::_Exit(127);
  }
  ASSERT_GT(child, 0);
  bool alerted = receiver.WaitFor(1);
  std::filesystem::copy_file(std::string(TILL_TEST_DATA_DIR) + "/samples/real_rows_30.csv",
                             dir.Path("zone/good.csv"));
  bool resolved = receiver.WaitFor(2);
  ::kill(-child, SIGTERM);
  int status = 0;
  ::waitpid(child, &status, 0);
  std::string log = ReadFile(dir.Path("watch.log"));
  ASSERT_TRUE(alerted && resolved) << log;
  EXPECT_EQ(KindsAndStatuses(receiver.bodies()),
            (std::vector<std::string>{"run_failed:firing", "run_failed:resolved"}));
  EXPECT_NE(log.find("loaded   good.csv: 30 read, 30 loaded"), std::string::npos) << log;
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << log;
}

// till ingest alerts too: a run with a failed file.
TEST(AlerterTest, IngestAlertsWhenItsRunFails) {
  TempDir dir;
  dir.Write("bad.csv", "Name,Amount\nx,1\n");
  Receiver receiver;
  dir.Write("till.toml", "warehouse = \"" + dir.Path("till.db") + "\"\n[alerts]\nwebhooks = [\"" +
                             receiver.url() + "\"]\n");
  std::string command = "cd '" + dir.Path("") + "' && env -u TILL_WAREHOUSE -u TILL_CONFIG '" +
                        TILL_BINARY + "' ingest bad.csv >/dev/null 2>&1";
  int status = std::system(command.c_str());
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1);
  ASSERT_TRUE(receiver.WaitFor(1));
  EXPECT_EQ(KindsAndStatuses(receiver.bodies()), (std::vector<std::string>{"run_failed:firing"}));
}

}  // namespace
}  // namespace till
