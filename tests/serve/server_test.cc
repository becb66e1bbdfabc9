// `till serve` over real HTTP: a DashboardServer on a loopback port of its own, read with
// libcurl. The dashboard's files and their headers, the API, paths that try to leave the built-in
// files, methods and sizes it refuses, the token, /metrics through promtool, a file loaded while
// it runs, many clients at once, and stopping.
#include "serve/server.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <latch>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "serve/serve_support.h"
#include "support/generated.h"
#include "support/promtool.h"
#include "support/temp_dir.h"

namespace till {
namespace {

using namespace std::chrono_literals;
using testing::HttpClient;
using testing::HttpReply;
using testing::Json;
using testing::OpenOrFail;
using testing::ReadFile;
using testing::SqlInt;
using testing::TempDir;

// Polls `condition` until it holds or `timeout` passes; returns whether it held.
bool Eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
}

using testing::PromtoolCheck;

// The value of the sample named `name` whose labels include each of `labels` (as exposed:
// `endpoint="kpis"`); -1 when there is none.
double Sample(const std::string& text, const std::string& name,
              const std::vector<std::string>& labels = {}) {
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + start, end - start);
    start = end + 1;
    if (!line.starts_with(name)) continue;
    std::string_view rest = line.substr(name.size());
    if (rest.empty() || (rest[0] != '{' && rest[0] != ' ')) continue;
    std::string_view label_part = rest[0] == '{' ? rest.substr(0, rest.find('}') + 1) : "";
    bool all = true;
    for (const auto& label : labels) all = all && label_part.find(label) != std::string_view::npos;
    if (!all) continue;
    return std::stod(std::string(line.substr(line.rfind(' ') + 1)));
  }
  return -1;
}

// A warehouse of `rows` generated rows in `dir`; returns its path.
std::string LoadedWarehouse(const TempDir& dir, int64_t rows, uint64_t seed) {
  std::string path = dir.Path("till.db");
  auto warehouse = OpenOrFail(path);
  if (!warehouse) return path;
  testing::IngestOrFail(*warehouse, {testing::Generate(dir, "sales.csv", rows, seed)});
  return path;
}

class ServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    path_ = LoadedWarehouse(*dir_, 5'000, 51);
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  // Starts a server on the suite's warehouse unless `options` names another.
  void Start(ServeOptions options = {}) {
    if (options.warehouse.empty()) options.warehouse = path_;
    options.port = 0;
    options.version = "test";
    server_ = std::make_unique<DashboardServer>(options);
    Status started = server_->Start();
    ASSERT_TRUE(started) << started.error().message();
    ASSERT_GT(server_->port(), 0);
  }

  std::string Url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + std::string(path);
  }

  HttpReply Get(std::string_view path, const std::vector<std::string>& headers = {}) {
    return client_.Get(Url(path), headers);
  }

  static inline TempDir* dir_ = nullptr;
  static inline std::string path_;
  std::unique_ptr<DashboardServer> server_;
  HttpClient client_;  // destroyed first: a server being destroyed waits for open connections
};

TEST_F(ServerTest, ServesTheDashboardWithSecurityHeaders) {
  Start();
  HttpReply reply = Get("/");
  ASSERT_EQ(reply.status, 200) << reply.curl_error;
  EXPECT_TRUE(reply.Header("content-type").starts_with("text/html"))
      << reply.Header("content-type");
  EXPECT_NE(reply.body.find("<html"), std::string::npos);
  std::string policy = reply.Header("content-security-policy");
  EXPECT_NE(policy.find("default-src 'self'"), std::string::npos) << policy;
  EXPECT_NE(policy.find("script-src 'self'"), std::string::npos) << policy;
  EXPECT_EQ(policy.find("script-src 'self' 'unsafe-inline'"), std::string::npos) << policy;
  EXPECT_EQ(reply.Header("x-content-type-options"), "nosniff");
  EXPECT_FALSE(reply.Header("x-frame-options").empty());
  EXPECT_EQ(Get("/index.html").body, reply.body);
  // Every answer carries them, an API answer and an error too.
  for (const char* path : {"/api/v1/kpis", "/no-such-file"}) {
    HttpReply other = Get(path);
    EXPECT_EQ(other.Header("x-content-type-options"), "nosniff") << path;
    EXPECT_FALSE(other.Header("content-security-policy").empty()) << path;
  }
}

TEST_F(ServerTest, ServesScriptsAsJavascript) {
  Start();
  for (const char* path : {"/app.js", "/vendor/echarts.min.js"}) {
    HttpReply reply = Get(path);
    ASSERT_EQ(reply.status, 200) << path << ": " << reply.curl_error;
    EXPECT_NE(reply.Header("content-type").find("javascript"), std::string::npos)
        << path << ": " << reply.Header("content-type");
    EXPECT_FALSE(reply.body.empty()) << path;
  }
  EXPECT_GT(Get("/vendor/echarts.min.js").body.size(), 100'000u);
}

TEST_F(ServerTest, AnswersAMatchingIfNoneMatchWith304) {
  Start();
  HttpReply first = Get("/app.js");
  ASSERT_EQ(first.status, 200);
  std::string etag = first.Header("etag");
  ASSERT_FALSE(etag.empty());
  HttpReply again = Get("/app.js", {"If-None-Match: " + etag});
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  HttpReply stale = Get("/app.js", {"If-None-Match: \"not-the-etag\""});
  EXPECT_EQ(stale.status, 200);
  EXPECT_EQ(stale.body, first.body);
  EXPECT_NE(Get("/").Header("etag"), etag);  // each file has its own
}

TEST_F(ServerTest, ApiAnswersAreTheApisAndAreNeverStored) {
  Start();
  auto snapshot = testing::ReadSnapshot(path_);
  ASSERT_NE(snapshot, nullptr);

  HttpReply kpis = Get("/api/v1/kpis");
  ASSERT_EQ(kpis.status, 200) << kpis.curl_error;
  EXPECT_EQ(kpis.Header("content-type"), "application/json");
  EXPECT_EQ(kpis.Header("cache-control"), "no-store");
  EXPECT_EQ(kpis.body, testing::Answer(*snapshot, "kpis").body);

  // Query strings are decoded: repeated members, and a member with '+' and '=' in it.
  HttpReply filtered =
      Get("/api/v1/breakdown?by=city&from=2023-09-01&to=2023-11-30&category=Books&category="
          "Electronics&country=USA");
  ASSERT_EQ(filtered.status, 200) << filtered.body;
  EXPECT_EQ(filtered.body, testing::Answer(*snapshot, "breakdown",
                                           {{"by", "city"},
                                            {"from", "2023-09-01"},
                                            {"to", "2023-11-30"},
                                            {"category", "Books"},
                                            {"category", "Electronics"},
                                            {"country", "USA"}})
                               .body);

  HttpReply csv = Get("/api/v1/timeseries?grain=month&format=csv");
  ASSERT_EQ(csv.status, 200);
  EXPECT_TRUE(csv.Header("content-type").starts_with("text/csv")) << csv.Header("content-type");
  EXPECT_EQ(csv.Header("content-disposition"),
            "attachment; filename=\"till-timeseries-month.csv\"");
  EXPECT_TRUE(csv.body.starts_with("period,revenue,orders,units,days,partial\r\n"));

  HttpReply bad = Get("/api/v1/kpis?from=2024-13-01");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.Header("content-type"), "application/json");
  Json error = Json::parse(bad.body, nullptr, false);
  EXPECT_EQ(error["error"]["status"], 400) << bad.body;
  EXPECT_NE(bad.body.find("'from'"), std::string::npos) << bad.body;

  HttpReply missing = Get("/api/v1/sales");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(Json::parse(missing.body, nullptr, false)["error"]["status"], 404) << missing.body;

  HttpReply head = client_.Send(Url("/api/v1/kpis"), {"HEAD", {}, false});
  EXPECT_EQ(head.status, 200);
}

TEST_F(ServerTest, PathsThatTryToLeaveTheDashboardsFilesAreRefused) {
  Start();
  for (const char* path :
       {"/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/%252e%252e/etc/passwd",
        "/..%2f..%2fetc%2fpasswd", "/vendor/../../../etc/passwd",
        "/vendor/..%2F..%2F..%2Fetc%2Fpasswd", "/./app.js/../../../../etc/passwd", "/etc/passwd",
        "//etc/passwd", "/api/v1/../../../etc/passwd"}) {
    HttpReply reply = client_.Send(Url(path), {"GET", {}, /*path_as_is=*/true});
    EXPECT_TRUE(reply.status == 400 || reply.status == 404)
        << path << " answered " << reply.status << " " << reply.curl_error;
    EXPECT_EQ(reply.body.find("root:"), std::string::npos) << path;
  }
  EXPECT_EQ(Get("/healthz").status, 200);
}

TEST_F(ServerTest, MethodsOtherThanGetAndHeadAnswer405WithAllow) {
  Start();
  for (const char* method : {"POST", "PUT", "DELETE", "PATCH"}) {
    for (const char* path : {"/", "/api/v1/kpis", "/metrics"}) {
      HttpClient client;  // a refused request may close its connection
      HttpReply reply = client.Send(Url(path), {method, {}, false});
      EXPECT_EQ(reply.status, 405) << method << " " << path << " " << reply.curl_error;
      std::string allow = reply.Header("allow");
      EXPECT_NE(allow.find("GET"), std::string::npos) << method << " " << path << ": " << allow;
      EXPECT_NE(allow.find("HEAD"), std::string::npos) << method << " " << path << ": " << allow;
    }
  }
}

TEST_F(ServerTest, AnOverlongUrlIsRefusedAndTheServerKeepsAnswering) {
  Start();
  HttpClient client;
  HttpReply reply = client.Get(Url("/api/v1/kpis?category=" + std::string(10'001, 'a')));
  EXPECT_TRUE(reply.status >= 400 && reply.status < 500)
      << "answered " << reply.status << " " << reply.curl_error;
  EXPECT_EQ(reply.status, 414);
  HttpReply header = client.Get(Url("/healthz"), {"X-Padding: " + std::string(20'000, 'b')});
  EXPECT_TRUE(header.status >= 400 && header.status < 500)
      << "answered " << header.status << " " << header.curl_error;
  EXPECT_EQ(Get("/healthz").status, 200);
  EXPECT_EQ(Get("/api/v1/kpis").status, 200);
}

TEST_F(ServerTest, ATokenGuardsTheApiAndMetricsButNotTheDashboardsFiles) {
  ServeOptions options;
  options.token = "s3cret-token";
  options.loopback_needs_token = true;
  Start(options);
  HttpReply none = Get("/api/v1/kpis");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.Header("www-authenticate"), "Bearer");
  EXPECT_EQ(Json::parse(none.body, nullptr, false)["error"]["status"], 401) << none.body;
  for (const char* wrong :
       {"Bearer nope", "Bearer s3cret-tokeN", "Bearer s3cret-token2", "Bearer s3cret-toke",
        "Bearer ", "s3cret-token", "Basic s3cret-token"}) {
    HttpReply reply = Get("/api/v1/kpis", {std::string("Authorization: ") + wrong});
    EXPECT_EQ(reply.status, 401) << wrong;
    EXPECT_EQ(reply.body.find("\"kpis\""), std::string::npos) << wrong;
  }
  EXPECT_EQ(Get("/metrics").status, 401);
  HttpReply right = Get("/api/v1/kpis", {"Authorization: Bearer s3cret-token"});
  EXPECT_EQ(right.status, 200) << right.body;
  EXPECT_NE(right.body.find("\"kpis\""), std::string::npos);
  EXPECT_EQ(Get("/metrics", {"Authorization: Bearer s3cret-token"}).status, 200);
  for (const char* path : {"/", "/app.js", "/vendor/echarts.min.js"}) {
    EXPECT_EQ(Get(path).status, 200) << path;
  }
}

TEST_F(ServerTest, ATokenIsNotAskedOfLoopbackClientsByDefault) {
  ServeOptions options;
  options.token = "s3cret-token";
  Start(options);
  EXPECT_EQ(Get("/api/v1/kpis").status, 200);
}

TEST_F(ServerTest, MetricsPassPromtoolAndCountTheRequests) {
  Start();
  constexpr int kKpis = 7;
  for (int i = 0; i < kKpis; ++i) ASSERT_EQ(Get("/api/v1/kpis").status, 200);
  ASSERT_EQ(Get("/api/v1/breakdown?by=category").status, 200);
  ASSERT_EQ(Get("/api/v1/breakdown?by=nothing").status, 400);
  ASSERT_EQ(Get("/no-such-file").status, 404);
  ASSERT_EQ(Get("/app.js").status, 200);
  // A request is recorded just after its answer is sent: wait for the last one to be.
  HttpReply reply;
  ASSERT_TRUE(Eventually(
      [&] {
        reply = Get("/metrics");
        return Sample(reply.body, "till_http_requests_total",
                      {"endpoint=\"static\"", "code=\"200\""}) == 1;
      },
      30s))
      << reply.body;
  ASSERT_EQ(reply.status, 200);
  EXPECT_TRUE(reply.Header("content-type").starts_with("text/plain"))
      << reply.Header("content-type");
  const std::string& text = reply.body;
  EXPECT_EQ(Sample(text, "till_http_requests_total", {"endpoint=\"kpis\"", "code=\"200\""}), kKpis);
  EXPECT_EQ(Sample(text, "till_http_requests_total", {"endpoint=\"breakdown\"", "code=\"200\""}),
            1);
  EXPECT_EQ(Sample(text, "till_http_requests_total", {"endpoint=\"breakdown\"", "code=\"400\""}),
            1);
  EXPECT_EQ(Sample(text, "till_http_requests_total", {"endpoint=\"not_found\"", "code=\"404\""}),
            1);
  EXPECT_EQ(Sample(text, "till_http_requests_total", {"endpoint=\"static\"", "code=\"200\""}), 1);
  EXPECT_EQ(Sample(text, "till_http_request_duration_seconds_count", {"endpoint=\"kpis\""}), kKpis);
  EXPECT_EQ(Sample(text, "till_serve_sales"),
            SqlInt(*OpenOrFail(path_), "SELECT count(*) FROM fact_sales"));
  EXPECT_EQ(Sample(text, "till_serve_data_version"), 1);
  EXPECT_EQ(Sample(text, "till_build_info", {"version=\"test\""}), 1);
  EXPECT_EQ(Sample(text, "till_warehouse_files", {"status=\"loaded\""}), 1);
  EXPECT_EQ(text.find("no-such-file"), std::string::npos) << "a raw path became a label";
  TempDir dir;
  bool ok = false;
  std::string report = PromtoolCheck(dir, text, &ok);
  EXPECT_TRUE(ok) << report << "\n" << text;
}

TEST_F(ServerTest, HealthzSaysOk) {
  Start();
  HttpReply reply = Get("/healthz");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, "ok\n");
}

TEST_F(ServerTest, StartFailsOnAWarehouseWithoutASchema) {
  TempDir dir;
  auto empty = OpenOrFail(dir.Path("empty.db"));  // created, never migrated
  ASSERT_NE(empty, nullptr);
  ServeOptions options;
  options.warehouse = dir.Path("empty.db");
  DashboardServer server(options);
  EXPECT_FALSE(server.Start());
  ServeOptions missing;
  missing.warehouse = dir.Path("missing.db");
  DashboardServer nothing(missing);
  EXPECT_FALSE(nothing.Start());
}

// A warehouse of the test's own, changed while the server runs.
class ServerRefreshTest : public ServerTest {
 protected:
  static void SetUpTestSuite() {}  // no shared warehouse: each test loads its own

  void SetUp() override {
    path_here_ = dir_here_.Path("till.db");
    writer_ = OpenOrFail(path_here_);
    ASSERT_NE(writer_, nullptr);
  }

  int64_t Load(const std::string& name, int64_t rows, uint64_t seed) {
    auto report = testing::IngestOrFail(*writer_, {testing::Generate(dir_here_, name, rows, seed)});
    EXPECT_EQ(report.files.size(), 1u);
    return report.files.empty() ? 0 : report.files[0].file_id;
  }

  void StartHere() {
    ServeOptions options;
    options.warehouse = path_here_;
    options.refresh_seconds = 0.2;
    Start(options);
  }

  int64_t FactRows() { return SqlInt(*writer_, "SELECT count(*) FROM fact_sales"); }

  // Waits, with requests that never touch the API's cache, until the server has read
  // `files_loaded` loaded files and no run is running.
  bool WaitForFiles(int64_t files_loaded) {
    HttpClient client;
    return Eventually(
        [&] {
          HttpReply reply = client.Get(Url("/api/v1/pipeline/freshness"));
          Json body = Json::parse(reply.body, nullptr, false);
          return reply.status == 200 && body["files_loaded"] == files_loaded &&
                 body["runs_running"] == 0;
        },
        30s);
  }

  TempDir dir_here_;
  std::string path_here_;
  std::unique_ptr<Warehouse> writer_;
};

TEST_F(ServerRefreshTest, PicksUpAFileLoadedWhileItRuns) {
  Load("first.csv", 1'000, 61);
  StartHere();
  Json before = Json::parse(Get("/api/v1/meta").body);
  ASSERT_EQ(before["rows"], 1'000);

  Load("second.csv", 1'500, 62);
  const int64_t rows = FactRows();
  ASSERT_EQ(rows, 2'500);
  Json after;
  bool caught_up = Eventually(
      [&] {
        after = Json::parse(Get("/api/v1/meta").body, nullptr, false);
        return after.is_object() && after["rows"] == rows;
      },
      30s);
  ASSERT_TRUE(caught_up) << "the server still serves " << after.dump();
  EXPECT_GT(after["data_version"].get<int64_t>(), before["data_version"].get<int64_t>());
  Json kpis = Json::parse(Get("/api/v1/kpis").body);
  EXPECT_EQ(testing::Kpi(kpis, "orders")["value"], rows);
}

// An answer is cached for the snapshot it was computed from and must never be served for a later
// one, however many snapshots came between and wherever they were allocated.
TEST_F(ServerRefreshTest, AnAnswerIsNeverServedForALaterSnapshot) {
  Load("a.csv", 1'000, 71);
  std::vector<int64_t> later;
  for (int i = 0; i < 6; ++i) later.push_back(Load(fmt::format("b{}.csv", i), 100, 72 + i));
  StartHere();
  int64_t files = 1 + static_cast<int64_t>(later.size());
  // Each round: an answer cached, then files unloaded one commit at a time, each change waited
  // for without touching the cache; the answer asked again must be the new one.
  for (size_t round = 0; round < later.size(); round += 2) {
    HttpReply cached = Get("/api/v1/kpis");
    ASSERT_EQ(cached.status, 200);
    for (size_t i = round; i < round + 2; ++i) {
      Status unloaded =
          writer_->ForgetLandingKey("file:///zone/", fmt::format("b{}.csv", i), later[i]);
      ASSERT_TRUE(unloaded) << unloaded.error().message();
      ASSERT_TRUE(WaitForFiles(--files)) << "round " << round;
    }
    Json kpis = Json::parse(Get("/api/v1/kpis").body);
    EXPECT_EQ(testing::Kpi(kpis, "orders")["value"], FactRows())
        << "round " << round << ": an answer of an earlier snapshot";
  }
  EXPECT_EQ(FactRows(), 1'000);
}

TEST_F(ServerTest, FiftyClientsAtOnceGetTheSameAnswers) {
  Start();
  const std::vector<std::string> paths = {"/api/v1/kpis",
                                          "/api/v1/timeseries?grain=week",
                                          "/api/v1/breakdown?by=category&by=gender",
                                          "/api/v1/dimensions",
                                          "/api/v1/customers?from=2023-09-01&to=2023-11-30",
                                          "/app.js"};
  std::vector<std::string> expected;
  for (const auto& path : paths) {
    HttpReply reply = Get(path);
    ASSERT_EQ(reply.status, 200) << path;
    expected.push_back(reply.body);
  }
  constexpr int kClients = 50;
  constexpr int kRequests = 20;
  std::latch ready(kClients);
  std::atomic<int> ok{0};
  std::mutex problems_mutex;
  std::vector<std::string> problems;
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      HttpClient client;
      ready.arrive_and_wait();
      for (int r = 0; r < kRequests; ++r) {
        size_t which = static_cast<size_t>(c + r) % paths.size();
        HttpReply reply = client.Get(Url(paths[which]));
        if (reply.status == 200 && reply.body == expected[which]) {
          ++ok;
        } else {
          std::lock_guard lock(problems_mutex);
          problems.push_back(paths[which] + ": " + std::to_string(reply.status) + " " +
                             reply.curl_error + " " + reply.body.substr(0, 100));
        }
      }
    });
  }
  for (auto& thread : clients) thread.join();
  EXPECT_EQ(ok.load(), kClients * kRequests);
  for (size_t i = 0; i < problems.size() && i < 5; ++i) ADD_FAILURE() << problems[i];
}

TEST_F(ServerTest, StopEndsWaitAndClosesThePort) {
  Start();
  ASSERT_EQ(Get("/healthz").status, 200);
  std::thread waiter([&] { server_->Wait(); });
  server_->Stop();
  waiter.join();
  HttpClient fresh;
  HttpReply after = fresh.Get(Url("/healthz"));
  EXPECT_EQ(after.status, 0) << "still answering after Stop()";
}

// Files and answers go out in gzip to clients that take it (compressed once, not per request),
// never in brotli, and as they are to the others.
TEST_F(ServerTest, CompressesWithGzipForClientsThatTakeIt) {
  Start();
  HttpClient client;
  for (std::string path : {"/vendor/echarts.min.js", "/api/v1/dimensions"}) {
    HttpReply plain = client.Get(Url(path));
    ASSERT_EQ(plain.status, 200) << path;
    EXPECT_EQ(plain.Header("content-encoding"), "") << path;
    HttpReply browser = client.Get(Url(path), {"Accept-Encoding: gzip, deflate, br"});
    ASSERT_EQ(browser.status, 200) << path;
    EXPECT_EQ(browser.Header("content-encoding"), "gzip") << path;
    ASSERT_GE(browser.body.size(), 2u) << path;
    EXPECT_EQ(browser.body.substr(0, 2), "\x1f\x8b") << path << ": not gzip";
    EXPECT_LT(browser.body.size(), plain.body.size()) << path;
    for (std::string refused : {"br", "gzip;q=0", "identity"}) {
      HttpReply other = client.Get(Url(path), {"Accept-Encoding: " + refused});
      EXPECT_EQ(other.Header("content-encoding"), "") << path << " with " << refused;
      EXPECT_EQ(other.body, plain.body) << path << " with " << refused;
    }
  }
}

// A second server on a port the first holds fails to start, instead of sharing the port and
// answering some of its requests; the first one keeps answering them all.
TEST_F(ServerTest, ASecondServerCannotTakeThePort) {
  Start();
  ServeOptions options;
  options.warehouse = path_;
  options.port = server_->port();
  options.version = "test";
  DashboardServer second(options);
  Status started = second.Start();
  ASSERT_FALSE(started) << "a second server listens on port " << options.port;
  EXPECT_NE(started.error().message().find(std::to_string(options.port)), std::string::npos)
      << started.error().message();
  HttpClient client;
  for (int i = 0; i < 20; ++i) EXPECT_EQ(client.Get(Url("/healthz")).status, 200);
}

// Stop() right after Start(), before the listening thread has run: the stop must not be lost
// (the port must close, and the destructor must be able to join).
TEST_F(ServerTest, StopRightAfterStartIsNotLost) {
  for (int attempt = 0; attempt < 20; ++attempt) {
    Start();
    std::string url = Url("/healthz");
    server_->Stop();
    long status = 0;
    {
      HttpClient fresh;
      status = fresh.Get(url).status;
    }
    if (status != 0) {
      ADD_FAILURE() << "attempt " << attempt << ": still answering (" << status << ") after Stop()";
      server_->Stop();  // the first was lost; end it for real so that the test can finish
      return;
    }
    server_.reset();
  }
}

}  // namespace
}  // namespace till
