// The till command as a user runs it: exit codes, output formats, configuration.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <thread>
#include <utility>

#include "support/temp_dir.h"
#include "support/webhook_receiver.h"

namespace till {
namespace {

using testing::ReadFile;
using testing::TempDir;

struct Outcome {
  int exit_code = -1;
  std::string out;
  std::string err;
};

class CliTest : public ::testing::Test {
 protected:
  // Runs `till ARGS` in the test's folder with `env` prepended (e.g. "TILL_WAREHOUSE=x").
  Outcome Till(const std::string& args, const std::string& env = "") {
    std::string command = "cd '" + dir_.Path("") + "' && env -u TILL_WAREHOUSE -u TILL_CONFIG " +
                          env + " '" TILL_BINARY "' " + args + " >out.txt 2>err.txt";
    int status = std::system(command.c_str());
    Outcome outcome;
    outcome.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    outcome.out = ReadFile(dir_.Path("out.txt"));
    outcome.err = ReadFile(dir_.Path("err.txt"));
    return outcome;
  }

  std::string Sample() const {
    return std::string(TILL_TEST_DATA_DIR) + "/samples/real_rows_30.csv";
  }

  TempDir dir_;
};

TEST_F(CliTest, IngestPrintsOneJsonObjectPerFile) {
  dir_.Write("bad.csv", "Name,Amount\nx,1\n");
  Outcome run = Till("ingest '" + Sample() + "' bad.csv --json");
  EXPECT_EQ(run.exit_code, 1) << run.err;  // one file failed
  std::vector<nlohmann::json> files;
  size_t start = 0;
  while (start < run.out.size()) {
    size_t end = run.out.find('\n', start);
    files.push_back(nlohmann::json::parse(run.out.substr(start, end - start)));
    start = end + 1;
  }
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0]["status"], "loaded");
  EXPECT_EQ(files[0]["rows_read"], 30);
  EXPECT_EQ(files[0]["rows_loaded"], 30);
  EXPECT_EQ(files[0]["rows_rejected"], 0);
  EXPECT_EQ(files[0]["rows_duplicate"], 0);
  EXPECT_TRUE(files[0]["error"].is_null());
  EXPECT_NE(files[0]["uri"].get<std::string>().find("real_rows_30.csv"), std::string::npos);
  EXPECT_EQ(files[1]["status"], "failed");
  EXPECT_NE(files[1]["error"].get<std::string>().find("Date"), std::string::npos);

  Outcome again = Till("ingest '" + Sample() + "' --json");
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_EQ(nlohmann::json::parse(again.out)["status"], "skipped");
}

TEST_F(CliTest, AFolderStandsForItsCsvFiles) {
  std::filesystem::create_directory(dir_.Path("landing"));
  std::string rows = "Date,Total_Purchases,Amount\n";
  dir_.Write("landing/b.csv", rows + "5/2/2023,1,2\n");
  dir_.Write("landing/a.CSV", rows + "5/1/2023,1,2\n");
  dir_.Write("landing/notes.txt", "not data");
  Outcome run = Till("ingest landing --json");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(std::count(run.out.begin(), run.out.end(), '\n'), 2);
  EXPECT_LT(run.out.find("a.CSV"), run.out.find("b.csv"));
  std::filesystem::create_directory(dir_.Path("empty"));
  Outcome empty = Till("ingest empty");
  EXPECT_EQ(empty.exit_code, 2);
  EXPECT_NE(empty.err.find("no .csv"), std::string::npos) << empty.err;
}

// A folder means what it means to `till watch`: subfolders included, hidden and partly
// written files left out.
TEST_F(CliTest, AFolderTakesItsSubfoldersAndSkipsHiddenAndPartialFiles) {
  std::filesystem::create_directories(dir_.Path("landing/2023"));
  std::string rows = "Date,Total_Purchases,Amount\n";
  dir_.Write("landing/2023/12.csv", rows + "12/1/2023,1,2\n");
  dir_.Write("landing/2024-01.csv", rows + "1/1/2024,1,2\n");
  dir_.Write("landing/.2024-02.csv", rows + "2/1/2024,1,2\n");
  dir_.Write("landing/2024-03.csv.part", rows + "3/1/2024,1,2\n");
  Outcome run = Till("ingest landing/ --json");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  ASSERT_EQ(std::count(run.out.begin(), run.out.end(), '\n'), 2) << run.out;
  auto first = nlohmann::json::parse(run.out.substr(0, run.out.find('\n')));
  EXPECT_NE(first["uri"].get<std::string>().find("/landing/2023/12.csv"), std::string::npos);
  EXPECT_EQ(first["status"], "loaded");
  EXPECT_NE(run.out.find("landing/2024-01.csv"), std::string::npos) << run.out;
}

TEST_F(CliTest, UsageErrorsExitWithTwo) {
  EXPECT_EQ(Till("").exit_code, 2);
  EXPECT_EQ(Till("ingest").exit_code, 2);
  EXPECT_EQ(Till("ingest no-such-file.csv").exit_code, 2);
  EXPECT_EQ(Till("ingest '" + Sample() + "' --max-reject-ratio 2").exit_code, 2);
  EXPECT_EQ(Till("frobnicate").exit_code, 2);
  EXPECT_EQ(Till("--version").exit_code, 0);
}

TEST_F(CliTest, WarehouseComesFromFlagEnvironmentOrTillToml) {
  EXPECT_EQ(Till("ingest '" + Sample() + "' --warehouse flag.db").exit_code, 0);
  EXPECT_EQ(Till("ingest '" + Sample() + "'", "TILL_WAREHOUSE=env.db").exit_code, 0);
  dir_.Write("till.toml", "warehouse = \"toml.db\"\n");
  EXPECT_EQ(Till("ingest '" + Sample() + "'").exit_code, 0);
  for (const char* name : {"flag.db", "env.db", "toml.db"}) {
    EXPECT_FALSE(ReadFile(dir_.Path(name)).empty()) << name;
  }
  EXPECT_TRUE(ReadFile(dir_.Path("till.db")).empty());
}

TEST_F(CliTest, AMalformedTillTomlIsAUsageErrorNamingTheLine) {
  dir_.Write("till.toml", "warehouse = \"a.db\"\nmax_reject_ratio = = 3\n");
  Outcome run = Till("runs");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("till.toml:2"), std::string::npos) << run.err;
}

TEST_F(CliTest, GenerateIsDeterministic) {
  Outcome first = Till("generate --rows 50 --seed 9");
  Outcome second = Till("generate --rows 50 --seed 9");
  EXPECT_EQ(first.exit_code, 0);
  EXPECT_EQ(first.out, second.out);
  EXPECT_EQ(std::count(first.out.begin(), first.out.end(), '\n'), 51);
  EXPECT_NE(first.out, Till("generate --rows 50 --seed 10").out);
}

TEST_F(CliTest, RunsRejectsAndReportReadTheRecords) {
  std::string rows = "Date,Total_Purchases,Amount\n";
  for (int i = 0; i < 40; ++i) rows += "5/1/2023," + std::to_string(i + 1) + ",2.5\n";
  rows += "5/45/2023,1,1\n";
  dir_.Write("one-bad.csv", rows);
  ASSERT_EQ(Till("ingest one-bad.csv").exit_code, 0);
  Outcome runs = Till("runs --json");
  EXPECT_EQ(runs.exit_code, 0);
  auto run = nlohmann::json::parse(runs.out.substr(0, runs.out.find('\n')));
  EXPECT_EQ(run["status"], "succeeded");
  EXPECT_EQ(run["rows_loaded"], "40");
  Outcome rejects = Till("rejects --json --reason bad_date");
  auto reject = nlohmann::json::parse(rejects.out.substr(0, rejects.out.find('\n')));
  EXPECT_EQ(reject["line"], "42");
  EXPECT_EQ(reject["column"], "Date");
  EXPECT_EQ(reject["raw_line"], "5/45/2023,1,1");
  Outcome report = Till("report");
  EXPECT_EQ(report.exit_code, 0);
  EXPECT_NE(report.out.find("Revenue by category"), std::string::npos);
}

// A Total_Amount of 1e308 is rejected naming its line and column; the report's revenue is the
// exact sum, to the cent (no "inf", no bias from rounding each amount).
// What GLIBC_TUNABLES a running `till watch` has, started with `tunables` in its environment.
// It is read once the warehouse exists, which is after any start again.
std::string TunablesOfRunningTill(const TempDir& dir, const std::string& tunables) {
  const std::string script =
      "cd '" + dir.Path("") +
      "' && mkdir -p zone && rm -f w.db && "
      "{ env -u TILL_WAREHOUSE -u TILL_CONFIG GLIBC_TUNABLES='" +
      tunables +
      "' '" TILL_BINARY
      "' watch zone --warehouse w.db >/dev/null 2>&1 & pid=$!; "
      "for i in $(seq 300); do [ -e w.db ] && break; sleep 0.1; done; sleep 0.2; "
      "tr '\\0' '\\n' </proc/$pid/environ | grep '^GLIBC_TUNABLES=' >tunables.txt; "
      "kill $pid; wait $pid; }";
  if (std::system(script.c_str()) != 0) return "till watch did not stop cleanly";
  std::string line = ReadFile(dir.Path("tunables.txt"));
  if (!line.empty() && line.back() == '\n') line.pop_back();
  return line;
}

TEST_F(CliTest, HeapAsksForHugePagesWhenTheKernelGivesThemOnRequest) {
  const std::string modes = ReadFile("/sys/kernel/mm/transparent_hugepage/enabled");
  const bool on_request = modes.find("[madvise]") != std::string::npos;
  // glibc shows the first tunable of the list only, once it has parsed it.
  EXPECT_EQ(TunablesOfRunningTill(dir_, "glibc.malloc.arena_max=2"),
            on_request ? "GLIBC_TUNABLES=glibc.malloc.hugetlb=1"
                       : "GLIBC_TUNABLES=glibc.malloc.arena_max=2")
      << modes;
  // The user's own choice stands.
  EXPECT_EQ(TunablesOfRunningTill(dir_, "glibc.malloc.hugetlb=0"),
            "GLIBC_TUNABLES=glibc.malloc.hugetlb=0");
}

TEST_F(CliTest, ImplausibleAmountsAreRejectedAndTheReportSumsExactly) {
  std::string rows = "Date,Total_Purchases,Amount,Total_Amount,Product_Category,Customer_ID\n";
  for (int i = 0; i < 40'000; ++i) {
    rows += "5/" + std::to_string(i % 28 + 1) + "/2023,1,0.4999996,0.4999996,Books," +
            std::to_string(i) + "\n";
  }
  rows += "5/2/2023,1,1e308,1e308,Books,x\n";
  dir_.Write("huge.csv", rows);
  Outcome ingest = Till("ingest huge.csv --json");
  EXPECT_EQ(ingest.exit_code, 0) << ingest.err;
  Outcome rejects = Till("rejects --json --reason implausible_amount");
  auto reject = nlohmann::json::parse(rejects.out.substr(0, rejects.out.find('\n')));
  EXPECT_EQ(reject["line"], "40002");
  EXPECT_EQ(reject["column"], "Amount");
  Outcome report = Till("report");
  EXPECT_EQ(report.exit_code, 0) << report.err;
  EXPECT_EQ(report.out.find("inf"), std::string::npos) << report.out;
  // 40,000 x 0.4999996 = 19,999.984: 19999.98, where rounding each amount to millionths first
  // would make 20000.00.
  EXPECT_NE(report.out.find("19999.98"), std::string::npos) << report.out;
}

// Endless inputs: a FIFO with no writer, /dev/zero and a link to /dev/urandom are refused at
// once with a message, like the folder scan skips them, instead of waiting or reading forever.
TEST_F(CliTest, IngestRefusesAnythingButRegularFiles) {
  ASSERT_EQ(::mkfifo(dir_.Path("pipe.csv").c_str(), 0600), 0);
  std::filesystem::create_symlink("/dev/urandom", dir_.Path("random.csv"));
  dir_.Write("good.csv", "Date,Total_Purchases,Amount\n5/1/2023,1,2\n");
  for (std::string path : {"pipe.csv", "/dev/zero", "random.csv"}) {
    // `timeout` turns a hang into exit 124 instead of a test that never ends.
    Outcome run = Till("ingest good.csv '" + path + "' --json", "timeout 20");
    EXPECT_EQ(run.exit_code, 1) << path << ": " << run.err;
    EXPECT_NE(run.out.find("not a regular file"), std::string::npos) << path << ": " << run.out;
    EXPECT_NE(run.out.find(path), std::string::npos) << run.out;
  }
  Outcome runs = Till("runs --json");
  EXPECT_EQ(runs.exit_code, 0);
  EXPECT_NE(runs.out.find("\"rows_loaded\":\"1\""), std::string::npos) << runs.out;
}

// Logs: one JSON object per line on standard error (or in the log file), carrying the run id,
// the file and, at debug level, each step.
TEST_F(CliTest, LogsAreOneJsonObjectPerLineWithRunFileAndStep) {
  Outcome run = Till("--log-level debug --log-format json ingest '" + Sample() + "'");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::vector<nlohmann::json> events;
  size_t start = 0;
  while (start < run.err.size()) {
    size_t end = run.err.find('\n', start);
    auto event = nlohmann::json::parse(run.err.substr(start, end - start), nullptr, false);
    ASSERT_FALSE(event.is_discarded()) << run.err.substr(start, end - start);
    events.push_back(event);
    start = end + 1;
  }
  bool file_event = false;
  bool step_event = false;
  for (const auto& event : events) {
    EXPECT_TRUE(event.contains("time") && event.contains("level") && event.contains("msg"));
    EXPECT_EQ(event.value("run_id", 0), 1) << event.dump();
    if (event["msg"] == "file loaded") {
      file_event = true;
      EXPECT_EQ(event["rows_loaded"], 30);
      EXPECT_NE(event["file"].get<std::string>().find("real_rows_30.csv"), std::string::npos);
    }
    if (event["msg"] == "step" && event["step"] == "sales") step_event = true;
  }
  EXPECT_TRUE(file_event) << run.err;
  EXPECT_TRUE(step_event) << run.err;

  // The default level (warn) says nothing of a good load; a log file takes the events instead.
  Outcome quiet = Till("ingest '" + Sample() + "' --warehouse other.db");
  EXPECT_EQ(quiet.err, "");
  Outcome to_file = Till("ingest '" + Sample() +
                         "' --warehouse third.db --log-level info "
                         "--log-file till.log");
  EXPECT_EQ(to_file.err, "");
  EXPECT_NE(ReadFile(dir_.Path("till.log")).find("\"msg\":\"file loaded\""), std::string::npos);
  Outcome bad = Till("ingest '" + Sample() + "' --log-level loud");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("unknown log level 'loud'"), std::string::npos) << bad.err;
}

TEST(CliSegmentsTest, SegmentsPrintCustomersByIdOnlyThenSummaries) {
  TempDir dir;
  auto till = [&](const std::string& args) {
    const std::string command = "cd '" + dir.Path("") +
                                "' && env -u TILL_WAREHOUSE -u TILL_CONFIG '" + TILL_BINARY "' " +
                                args + " >out.txt 2>err.txt";
    const int status = std::system(command.c_str());
    return std::pair(WIFEXITED(status) ? WEXITSTATUS(status) : -1, ReadFile(dir.Path("out.txt")));
  };
  ASSERT_EQ(till("generate --rows 6000 --seed 3 --output raw.csv").first, 0);
  ASSERT_EQ(till("ingest raw.csv --warehouse w.db").first, 0);
  const auto [code, out] = till("segments --warehouse w.db --json");
  ASSERT_EQ(code, 0) << ReadFile(dir.Path("err.txt"));
  const std::set<std::string> customer_keys{"customer_id", "recency_days",
                                            "frequency",   "monetary",
                                            "r_score",     "f_score",
                                            "m_score",     "segment",
                                            "cluster",     "expected_purchases_90d",
                                            "p_alive",     "expected_order_value",
                                            "clv_12m"};
  size_t customers = 0, segments = 0, clusters = 0, models = 0;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    const auto object = nlohmann::json::parse(line);
    if (!object.contains("summary")) {
      ++customers;
      std::set<std::string> keys;
      for (const auto& [key, value] : object.items()) keys.insert(key);
      EXPECT_EQ(keys, customer_keys);
      EXPECT_EQ(object["customer_id"].get<std::string>().find_first_not_of("0123456789"),
                std::string::npos);
      EXPECT_GE(object["r_score"].get<int>(), 1);
      EXPECT_LE(object["r_score"].get<int>(), 5);
      EXPECT_GE(object["p_alive"].get<double>(), 0);
      EXPECT_LE(object["p_alive"].get<double>(), 1);
    } else if (object["summary"] == "segment") {
      ++segments;
    } else if (object["summary"] == "cluster") {
      ++clusters;
      EXPECT_FALSE(object["profile"].get<std::string>().empty());
    } else if (object["summary"] == "model") {
      ++models;
    }
  }
  EXPECT_GT(customers, 5000u);
  EXPECT_GT(segments, 5u);
  EXPECT_GE(clusters, 2u);
  EXPECT_EQ(models, 1u);
  // Nothing personal: no email, name or phone of the raw file appears.
  EXPECT_EQ(out.find("@gmail.com"), std::string::npos);
  EXPECT_EQ(out.find("\"name\""), std::string::npos);

  const auto [csv_code, csv] = till("segments --warehouse w.db --csv");
  EXPECT_EQ(csv_code, 0);
  EXPECT_EQ(csv.rfind("customer_id,recency_days,frequency,monetary,", 0), 0u);
  EXPECT_EQ(static_cast<size_t>(std::count(csv.begin(), csv.end(), '\n')), customers + 1);

  EXPECT_EQ(till("segments --warehouse w.db --as-of 2023-13-01").first, 2);
  EXPECT_EQ(till("segments --warehouse w.db --holdout-days 0").first, 2);
  EXPECT_EQ(till("segments --warehouse w.db --as-of 2020-01-01").first, 1);
}

// The status code `GET path` gets from 127.0.0.1:`port` with `headers` ("Name: value\r\n" each);
// 0 when there is no answer.
// The whole reply (status line, headers, body) to GET `path` on a server on this machine.
std::string Get(int port, const std::string& path, const std::string& headers = "") {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval timeout{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  std::string request = "GET " + path + " HTTP/1.0\r\n" + headers + "\r\n";
  std::string reply;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(request.size())) {
    // HTTP/1.0: the server closes the connection after its reply.
    char buffer[4096];
    for (ssize_t got; (got = ::recv(fd, buffer, sizeof(buffer), 0)) > 0;) {
      reply.append(buffer, static_cast<size_t>(got));
    }
  }
  ::close(fd);
  return reply;
}

int StatusOf(int port, const std::string& path, const std::string& headers = "") {
  const std::string reply = Get(port, path, headers);
  return reply.size() >= 12 && reply.starts_with("HTTP/1.") ? std::stoi(reply.substr(9, 3)) : 0;
}

// Behind a reverse proxy on the same machine every request comes from loopback: the token can be
// asked of every client, by flag or in till.toml.
TEST_F(CliTest, ServeCanAskLoopbackClientsForTheToken) {
  ASSERT_EQ(Till("ingest '" + Sample() + "' --warehouse w.db").exit_code, 0);
  // The API's status for a request without the token and with it, from `till serve ARGS`.
  auto statuses = [&](const std::string& args) -> std::pair<int, int> {
    std::filesystem::remove(dir_.Path("serve.txt"));
    std::string command = "cd '" + dir_.Path("") +
                          "' && { env -u TILL_CONFIG -u TILL_SERVE_TOKEN '" TILL_BINARY
                          "' serve --warehouse w.db --port 0 " +
                          args + " >serve.txt 2>serve-err.txt & echo $! >serve.pid; }";
    if (std::system(command.c_str()) != 0) return {-1, -1};
    std::smatch match;
    std::string out;
    const std::regex url("http://127\\.0\\.0\\.1:([0-9]+)/");
    for (int i = 0; i < 300 && !std::regex_search(out, match, url); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      out = ReadFile(dir_.Path("serve.txt"));
    }
    std::pair<int, int> result{-1, -1};
    if (!match.empty()) {
      int port = std::stoi(match[1]);
      result = {StatusOf(port, "/api/v1/kpis"),
                StatusOf(port, "/api/v1/kpis", "Authorization: Bearer t0ken\r\n")};
    } else {
      ADD_FAILURE() << args << ": " << ReadFile(dir_.Path("serve-err.txt"));
    }
    pid_t pid = std::stoi(ReadFile(dir_.Path("serve.pid")));
    ::kill(pid, SIGTERM);
    for (int i = 0; i < 100 && ::kill(pid, 0) == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return result;
  };
  EXPECT_EQ(statuses("--token t0ken"), std::make_pair(200, 200));
  EXPECT_EQ(statuses("--token t0ken --token-on-loopback"), std::make_pair(401, 200));
  dir_.Write("till.toml", "[serve]\ntoken_on_loopback = true\n");
  EXPECT_EQ(statuses("--token t0ken"), std::make_pair(401, 200));
  // Without a token to ask for, the setting is a usage error, not an open server.
  Outcome no_token = Till("serve --warehouse w.db --port 0");
  EXPECT_EQ(no_token.exit_code, 2);
  EXPECT_NE(no_token.err.find("token"), std::string::npos) << no_token.err;
  dir_.Write("till.toml", "[serve]\ntoken_on_loopback = \"yes\"\n");
  Outcome malformed = Till("serve --warehouse w.db --port 0 --token t0ken");
  EXPECT_EQ(malformed.exit_code, 2);
  EXPECT_NE(malformed.err.find("token_on_loopback"), std::string::npos) << malformed.err;
}

// The JSON log events of `message` in `log` (--log-format json), in order.
std::vector<nlohmann::json> LogEvents(const std::string& log, const std::string& message) {
  std::vector<nlohmann::json> events;
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    auto event = nlohmann::json::parse(line, nullptr, false);
    if (!event.is_discarded() && event.value("msg", "") == message) events.push_back(event);
  }
  return events;
}

// A load keeps the cube file `till serve` starts from: the first start after a load reads the
// file alone (its log says where the cube came from) and answers as a start without it does.
TEST_F(CliTest, EachLoadKeepsTheCubeFileTheNextServeStartsFrom) {
  const std::string log = "--log-level info --log-format json ";
  Outcome first = Till(log + "ingest '" + Sample() + "'");
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.out.find("after the load: sales cube file"), std::string::npos) << first.out;
  auto updates = LogEvents(first.err, "sales cube file updated");
  ASSERT_EQ(updates.size(), 1u) << first.err;
  EXPECT_EQ(updates[0]["from"], "warehouse");
  EXPECT_EQ(updates[0]["sales"], 30);
  ASSERT_TRUE(std::filesystem::exists(dir_.Path("till.db.cube")));

  dir_.Write("more.csv", "Date,Total_Purchases,Amount\n5/1/2023,1,2\n5/2/2023,2,3\n");
  Outcome second = Till(log + "ingest more.csv");
  ASSERT_EQ(second.exit_code, 0) << second.err;
  updates = LogEvents(second.err, "sales cube file updated");
  ASSERT_EQ(updates.size(), 1u) << second.err;
  EXPECT_EQ(updates[0]["from"], "cube file and the files loaded since");
  EXPECT_EQ(updates[0]["sales"], 32);

  // `till serve ARGS` until its first answer to /api/v1/kpis: the answer and the log.
  auto serve = [&](const std::string& args) -> std::pair<std::string, std::string> {
    std::filesystem::remove(dir_.Path("serve.txt"));
    std::string command = "cd '" + dir_.Path("") + "' && { env -u TILL_CONFIG '" TILL_BINARY "' " +
                          log + "serve --port 0 " + args +
                          " >serve.txt 2>serve-err.txt & echo $! >serve.pid; }";
    if (std::system(command.c_str()) != 0) return {};
    std::smatch match;
    std::string out;
    const std::regex url("http://127\\.0\\.0\\.1:([0-9]+)/");
    for (int i = 0; i < 300 && !std::regex_search(out, match, url); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      out = ReadFile(dir_.Path("serve.txt"));
    }
    std::string answer;
    if (!match.empty()) {
      answer = Get(std::stoi(match[1]), "/api/v1/kpis");
      answer = answer.substr(std::min(answer.size(), answer.find("\r\n\r\n")));
    }
    pid_t pid = std::stoi(ReadFile(dir_.Path("serve.pid")));
    ::kill(pid, SIGTERM);
    for (int i = 0; i < 100 && ::kill(pid, 0) == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return {answer, ReadFile(dir_.Path("serve-err.txt"))};
  };
  auto [from_file, file_log] = serve("");
  auto reads = LogEvents(file_log, "sales cube read");
  ASSERT_EQ(reads.size(), 1u) << file_log;
  EXPECT_EQ(reads[0]["from"], "cube file");
  EXPECT_EQ(reads[0]["sales"], 32);
  auto [fresh, fresh_log] = serve("--no-cube-file");
  reads = LogEvents(fresh_log, "sales cube read");
  ASSERT_EQ(reads.size(), 1u) << fresh_log;
  EXPECT_EQ(reads[0]["from"], "warehouse");
  EXPECT_NE(fresh.find("\"orders\""), std::string::npos) << fresh;
  EXPECT_EQ(from_file, fresh);
}

// The cube file is the load's afterthought: one that cannot be written is a warning, and the
// rows loaded stay loaded; till.toml can turn it off.
TEST_F(CliTest, ACubeFileThatCannotBeWrittenNeverFailsTheLoadAndCanBeTurnedOff) {
  std::filesystem::create_directory(dir_.Path("till.db.cube"));  // a folder in the file's place
  Outcome blocked = Till("ingest '" + Sample() + "'");
  EXPECT_EQ(blocked.exit_code, 0) << blocked.err;
  EXPECT_NE(blocked.err.find("sales cube file not updated"), std::string::npos) << blocked.err;
  EXPECT_NE(blocked.out.find("run 1 succeeded"), std::string::npos) << blocked.out;
  Outcome again = Till("ingest '" + Sample() + "' --json");  // the file is in the warehouse
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(nlohmann::json::parse(again.out)["status"], "skipped");

  dir_.Write("till.toml", "warehouse = \"off.db\"\n[serve]\ncube_after_load = false\n");
  Outcome off = Till("ingest '" + Sample() + "'");
  EXPECT_EQ(off.exit_code, 0) << off.err;
  EXPECT_TRUE(std::filesystem::exists(dir_.Path("off.db")));
  EXPECT_FALSE(std::filesystem::exists(dir_.Path("off.db.cube")));
  EXPECT_EQ(off.out.find("sales cube file"), std::string::npos) << off.out;
  dir_.Write("till.toml", "warehouse = \"off.db\"\n[serve]\ncube_after_load = 1\n");
  Outcome malformed = Till("ingest '" + Sample() + "'");
  EXPECT_EQ(malformed.exit_code, 2);
  EXPECT_NE(malformed.err.find("cube_after_load"), std::string::npos) << malformed.err;
}

TEST_F(CliTest, ServePostsTheDigestOnTheScheduleOfTillToml) {
  ASSERT_EQ(Till("ingest '" + Sample() + "' --warehouse w.db").exit_code, 0);
  testing::WebhookReceiver receiver;
  dir_.Write("till.toml", "warehouse = \"w.db\"\n[alerts]\nwebhooks = [\"" + receiver.url() +
                              "\"]\n[digest]\nevery = \"2s\"\nsince = \"7d\"\n");
  std::string command = "cd '" + dir_.Path("") +
                        "' && { env -u TILL_CONFIG '" TILL_BINARY
                        "' serve --port 0 >serve.txt 2>serve-err.txt & echo $! >serve.pid; }";
  ASSERT_EQ(std::system(command.c_str()), 0);
  // Two posts: the schedule goes on after the first.
  bool posted = receiver.WaitFor(2);
  pid_t pid = std::stoi(ReadFile(dir_.Path("serve.pid")));
  ::kill(pid, SIGTERM);
  for (int i = 0; i < 100 && ::kill(pid, 0) == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(posted) << ReadFile(dir_.Path("serve-err.txt"));
  // The same digest as `till report --since 7d --to-webhook` posts, but for the clock.
  ASSERT_EQ(Till("report --since 7d --to-webhook").exit_code, 0);
  ASSERT_TRUE(receiver.WaitFor(3));
  auto bodies = receiver.bodies();
  for (const char* field : {"period", "revenue", "orders", "top_movers", "reject_ratio"}) {
    EXPECT_EQ(bodies[0][field], bodies[2][field]) << field;
    EXPECT_EQ(bodies[1][field], bodies[2][field]) << field;
  }
  EXPECT_EQ(bodies[0]["period"]["days"], 7);
  EXPECT_NE(bodies[0]["text"].get<std::string>().find("Till digest"), std::string::npos)
      << bodies[0]["text"];

  // A schedule that cannot be read, or one with nowhere to go, stops the command.
  dir_.Write("till.toml",
             "[alerts]\nwebhooks = [\"" + receiver.url() + "\"]\n[digest]\nevery = \"daily\"\n");
  Outcome malformed = Till("serve --warehouse w.db --port 0");
  EXPECT_EQ(malformed.exit_code, 2);
  EXPECT_NE(malformed.err.find("digest.every"), std::string::npos) << malformed.err;
  dir_.Write("till.toml", "[digest]\nevery = \"1d\"\nat = \"25:00\"\n");
  Outcome bad_time = Till("serve --warehouse w.db --port 0");
  EXPECT_EQ(bad_time.exit_code, 2);
  EXPECT_NE(bad_time.err.find("digest.at"), std::string::npos) << bad_time.err;
  dir_.Write("till.toml", "[digest]\nevery = \"1d\"\n");
  Outcome nowhere = Till("serve --warehouse w.db --port 0");
  EXPECT_EQ(nowhere.exit_code, 2);
  EXPECT_NE(nowhere.err.find("alerts.webhooks"), std::string::npos) << nowhere.err;
}

}  // namespace
}  // namespace till
