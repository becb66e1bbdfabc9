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

namespace till {
namespace {

using namespace std::chrono_literals;
using testing::ReadFile;
using testing::TempDir;

// A one-thread HTTP server on 127.0.0.1 that records each request body and answers with the
// next status of its script (200 once the script is used up).
class Receiver {
 public:
  explicit Receiver(std::vector<int> statuses = {}) : statuses_(std::move(statuses)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int on = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    port_ = testing::BindLoopback(listener_);
    ::listen(listener_, 16);
    thread_ = std::thread([this] { Serve(); });
  }
  ~Receiver() {
    stop_ = true;
    ::shutdown(listener_, SHUT_RDWR);
    ::close(listener_);
    thread_.join();
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }

  std::vector<nlohmann::json> bodies() const {
    std::lock_guard lock(mutex_);
    return bodies_;
  }
  int requests() const { return requests_; }

  // Waits until `count` bodies arrived (or 30 s passed).
  bool WaitFor(size_t count) const {
    auto deadline = std::chrono::steady_clock::now() + 30s;
    while (std::chrono::steady_clock::now() < deadline) {
      if (bodies().size() >= count) return true;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }

 private:
  void Serve() {
    while (!stop_) {
      int client = ::accept(listener_, nullptr, nullptr);
      if (client < 0) return;
      std::string request;
      char buffer[4096];
      size_t body_at = std::string::npos;
      size_t length = 0;
      for (;;) {
        ssize_t got = ::read(client, buffer, sizeof buffer);
        if (got <= 0) break;
        request.append(buffer, static_cast<size_t>(got));
        if (body_at == std::string::npos &&
            (body_at = request.find("\r\n\r\n")) != std::string::npos) {
          body_at += 4;
          size_t header = request.find("Content-Length: ");
          if (header != std::string::npos) length = std::stoul(request.substr(header + 16));
        }
        if (body_at != std::string::npos && request.size() >= body_at + length) break;
      }
      int status = 200;
      {
        std::lock_guard lock(mutex_);
        ++requests_;
        if (!statuses_.empty()) {
          status = statuses_.front();
          statuses_.erase(statuses_.begin());
        }
        if (status == 200 && body_at != std::string::npos) {
          bodies_.push_back(nlohmann::json::parse(request.substr(body_at), nullptr, false));
        }
      }
      std::string answer = "HTTP/1.1 " + std::to_string(status) +
                           " X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      (void)!::write(client, answer.data(), answer.size());
      ::close(client);
    }
  }

  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable std::mutex mutex_;
  std::vector<int> statuses_;
  std::vector<nlohmann::json> bodies_;
  std::atomic<int> requests_{0};
};

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
