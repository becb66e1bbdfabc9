// `till serve` over real HTTP: a DashboardServer on a loopback port of its own, read with
// libcurl. The dashboard's files and their headers, the API, paths that try to leave the built-in
// files, methods and sizes it refuses, the token, /metrics through promtool, a file loaded while
// it runs, many clients at once, and stopping; the Customers tab's default question segmented
// in the background once the warehouse is read. Over raw sockets: hostile and greedy clients (slow
// ones, a keep-alive flood, pipelining, oversized headers), and the memory distinct heavy
// questions take.
#include "serve/server.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <latch>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "serve/customer_analytics.h"
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

// A client over a plain socket, for what libcurl will not do: send a request a byte at a time,
// pipeline requests, send oversized headers.
class RawConnection {
 public:
  explicit RawConnection(int port)
      : socket_(testing::ConnectLoopback(port)), connected_(socket_ >= 0) {}
  ~RawConnection() {
    if (socket_ >= 0) ::close(socket_);
  }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return connected_; }

  // The port this end of the connection has.
  int local_port() const {
    sockaddr_in address{};
    socklen_t size = sizeof(address);
    if (::getsockname(socket_, reinterpret_cast<sockaddr*>(&address), &size) != 0) return -1;
    return ntohs(address.sin_port);
  }

  // Sends all of `bytes`; false when the connection is gone.
  bool Send(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t sent = ::send(socket_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (sent <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(sent));
    }
    return true;
  }

  struct Response {
    int status = 0;  // 0: none whole before the deadline, or the connection closed
    std::string head;
    std::string body;
  };

  // Reads one response (its body's length from Content-Length; none for HEAD and 304) by
  // `deadline`.
  Response Read(std::chrono::steady_clock::time_point deadline, bool head_only = false) {
    Response response;
    size_t head_end;
    while ((head_end = pending_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill(deadline)) return response;
    }
    response.head = pending_.substr(0, head_end + 4);
    size_t length = 0;
    std::string lower = response.head;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    size_t at = lower.find("\r\ncontent-length:");
    if (at != std::string::npos && !head_only) {
      length = std::stoul(lower.substr(at + 17));
    }
    if (lower.find(" 304 ") != std::string::npos) length = 0;
    while (pending_.size() < head_end + 4 + length) {
      if (!Fill(deadline)) return response;
    }
    response.body = pending_.substr(head_end + 4, length);
    pending_.erase(0, head_end + 4 + length);
    response.status = std::stoi(response.head.substr(9, 3));
    return response;
  }

  // Whether the server has closed the connection (reads and drops what it sent).
  bool ClosedByServer() {
    char buffer[4096];
    for (;;) {
      ssize_t got = ::recv(socket_, buffer, sizeof(buffer), MSG_DONTWAIT);
      if (got == 0) return true;
      if (got < 0) return errno != EAGAIN && errno != EWOULDBLOCK;
    }
  }

 private:
  bool Fill(std::chrono::steady_clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd wait{socket_, POLLIN, 0};
    if (::poll(&wait, 1, static_cast<int>(left.count())) <= 0) return false;
    char buffer[65536];
    ssize_t got = ::recv(socket_, buffer, sizeof(buffer), 0);
    if (got <= 0) return false;
    pending_.append(buffer, static_cast<size_t>(got));
    return true;
  }

  int socket_ = -1;
  bool connected_ = false;
  std::string pending_;
};

std::string GetRequest(std::string_view path, std::string_view extra = "") {
  return fmt::format("GET {} HTTP/1.1\r\nHost: 127.0.0.1\r\n{}\r\n", path, extra);
}

// This process's resident memory, and its peak since ResetPeakMemory(), in bytes.
int64_t StatusBytes(std::string_view field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with(field)) return std::stoll(line.substr(field.size() + 1)) * 1024;
  }
  return -1;
}
int64_t ResidentBytes() { return StatusBytes("VmRSS"); }
int64_t PeakResidentBytes() { return StatusBytes("VmHWM"); }
bool ResetPeakMemory() {
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
  return static_cast<bool>(clear.flush());
}

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
  std::optional<TempDir> scratch_;  // a test's own warehouse, kept until its server is gone
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

// Each snapshot read after a change has its default Customers question segmented in the
// background too, without any request.
TEST_F(ServerRefreshTest, SegmentsTheDefaultQuestionOfEachNewSnapshot) {
  Load("first.csv", 2'000, 63);
  StartHere();
  const auto first = server_->snapshot();
  Load("second.csv", 2'000, 64);
  const int64_t rows = FactRows();
  // Run records may change the snapshot before the sales do: wait for the sales.
  ASSERT_TRUE(Eventually(
      [&] { return static_cast<int64_t>(server_->snapshot()->cube->rows()) == rows; }, 30s));
  const auto cube = server_->snapshot()->cube;
  ASSERT_NE(cube, first->cube);
  ASSERT_TRUE(
      Eventually([&] { return SegmentationReady(cube, *DefaultCustomersSelection(*cube)); }, 60s));
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

// The URL path of the Customers tab's segments with the dashboard's default filters, and the
// selection it names.
std::string DefaultSegmentsPath(const Cube& cube) {
  auto selection = DefaultCustomersSelection(cube);
  if (!selection) return {};
  return fmt::format("/api/v1/segments?from={}&to={}", FormatDay(*selection->from),
                     FormatDay(*selection->to));
}

// Without any request, the server segments the default question once it has read the
// warehouse; the answer it then gives is the one computed on demand, byte for byte.
TEST_F(ServerTest, SegmentsTheDefaultCustomersQuestionBeforeAnyRequest) {
  const int64_t computed_before = SegmentationsComputed();
  ServeOptions options;
  options.threads = 2;
  Start(options);
  const auto cube = server_->snapshot()->cube;
  const auto selection = DefaultCustomersSelection(*cube);
  ASSERT_TRUE(selection.has_value());
  ASSERT_TRUE(Eventually([&] { return SegmentationReady(cube, *selection); }, 60s));
  EXPECT_EQ(SegmentationsComputed(), computed_before + 1);

  const std::string path = DefaultSegmentsPath(*cube);
  HttpReply served = Get(path);
  ASSERT_EQ(served.status, 200) << served.body;
  for (const char* endpoint : {"clusters", "cohorts", "customers/at-risk"}) {
    std::string other = path;
    other.replace(other.find("segments"), 8, endpoint);
    EXPECT_EQ(Get(other).status, 200) << other;
  }
  EXPECT_EQ(SegmentationsComputed(), computed_before + 1) << "a request segmented again";

  // On demand: a snapshot of its own, so nothing cached is shared.
  auto fresh = testing::ReadSnapshot(path_);
  ASSERT_NE(fresh, nullptr);
  ApiResponse on_demand = testing::Answer(
      *fresh, "segments",
      Params{{"from", FormatDay(*selection->from)}, {"to", FormatDay(*selection->to)}});
  ASSERT_EQ(on_demand.status, 200) << on_demand.body;
  EXPECT_EQ(SegmentationsComputed(), computed_before + 2);
  EXPECT_EQ(served.body, on_demand.body);
}

// Requests that come while the background job segments the default question wait for that
// computation: however many ask at once, it is computed once.
TEST_F(ServerTest, RequestsDuringTheBackgroundSegmentationShareIt) {
  const int64_t computed_before = SegmentationsComputed();
  ServeOptions options;
  options.threads = 3;
  Start(options);
  const std::string path = DefaultSegmentsPath(*server_->snapshot()->cube);
  std::vector<std::thread> clients;
  std::vector<HttpReply> replies(4);
  for (size_t i = 0; i < replies.size(); ++i) {
    clients.emplace_back([&, i] {
      HttpClient client;
      replies[i] = client.Get(Url(path));
    });
  }
  for (auto& client : clients) client.join();
  for (const HttpReply& reply : replies) {
    EXPECT_EQ(reply.status, 200);
    EXPECT_EQ(reply.body, replies[0].body);
  }
  EXPECT_EQ(SegmentationsComputed(), computed_before + 1);
}

// With a single worker, the background job would hold the only thread answering: none is run,
// and the first request computes the question itself.
TEST_F(ServerTest, OneWorkerSegmentsOnlyOnDemand) {
  const int64_t computed_before = SegmentationsComputed();
  ServeOptions options;
  options.threads = 1;
  Start(options);
  std::this_thread::sleep_for(200ms);
  const auto cube = server_->snapshot()->cube;
  EXPECT_FALSE(SegmentationReady(cube, *DefaultCustomersSelection(*cube)));
  EXPECT_EQ(SegmentationsComputed(), computed_before);
  EXPECT_EQ(Get(DefaultSegmentsPath(*cube)).status, 200);
  EXPECT_EQ(SegmentationsComputed(), computed_before + 1);
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

// Clients that send a request a byte at a time, more of them than a thread per connection would
// serve, and more busy keep-alive connections than that besides, stall no one: a new client is
// answered at once (the target is 100 ms; the bound here is loose, for loaded machines), and a
// slow client is closed once its request has taken 5 s, however steadily it trickles.
TEST_F(ServerTest, SlowClientsAndAKeepAliveFloodStallNoOne) {
  Start();
  using Clock = std::chrono::steady_clock;
  const int port = server_->port();
  constexpr int kSlow = 80;
  constexpr int kBusy = 80;
  std::vector<std::unique_ptr<RawConnection>> slow;
  for (int i = 0; i < kSlow; ++i) {
    slow.push_back(std::make_unique<RawConnection>(port));
    ASSERT_TRUE(slow.back()->connected());
  }
  const auto slow_opened = Clock::now();
  std::atomic<bool> done{false};
  std::atomic<int64_t> busy_answers{0};
  std::thread trickle([&] {
    // One byte a second (here every 250 ms) of a request head that never ends.
    const std::string head = GetRequest("/healthz", "X-Slow: " + std::string(1000, 'a'));
    for (size_t at = 0; !done && at < head.size() - 4; ++at) {
      for (auto& connection : slow) connection->Send(head.substr(at, 1));
      std::this_thread::sleep_for(250ms);
    }
  });
  std::vector<std::thread> busy;
  for (int i = 0; i < kBusy; ++i) {
    busy.emplace_back([&] {
      RawConnection connection(port);
      while (!done) {
        if (!connection.Send(GetRequest("/api/v1/kpis"))) return;
        if (connection.Read(Clock::now() + 30s).status != 200) return;
        ++busy_answers;
      }
    });
  }
  std::this_thread::sleep_for(1s);
  std::vector<double> waits;
  for (int probe = 0; probe < 10; ++probe) {
    RawConnection connection(port);
    auto asked = Clock::now();
    ASSERT_TRUE(connection.Send(GetRequest("/api/v1/kpis")));
    auto response = connection.Read(asked + 3s);
    waits.push_back(std::chrono::duration<double>(Clock::now() - asked).count());
    EXPECT_EQ(response.status, 200) << "probe " << probe << " unanswered after 3 s";
    std::this_thread::sleep_for(50ms);
  }
  std::sort(waits.begin(), waits.end());
  EXPECT_LT(waits[waits.size() / 2], 0.5) << "median wait of a new client";
  EXPECT_GT(busy_answers.load(), 0);
  // 5 s after they opened (plus a margin), the slow clients are gone, still trickling.
  std::this_thread::sleep_until(slow_opened + 8s);
  int closed = 0;
  for (auto& connection : slow) closed += connection->ClosedByServer() ? 1 : 0;
  EXPECT_EQ(closed, kSlow) << "slow clients the server still waits for";
  done = true;
  trickle.join();
  for (auto& thread : busy) thread.join();
}

// The bytes the kernel holds in the send queue of the IPv4 TCP socket from `local_port` to
// `remote_port` (sent, not yet taken by the other end), from /proc/net/tcp; -1 when there is
// no such socket.
int64_t SendQueueBytes(int local_port, int remote_port) {
  std::ifstream table("/proc/net/tcp");
  std::string line;
  std::getline(table, line);  // the column names
  while (std::getline(table, line)) {
    // "  sl  local_address rem_address   st tx_queue:rx_queue ...", ports in hex.
    std::istringstream fields(line);
    std::string slot, local, remote, state, queues;
    fields >> slot >> local >> remote >> state >> queues;
    if (std::stoi(local.substr(local.find(':') + 1), nullptr, 16) != local_port ||
        std::stoi(remote.substr(remote.find(':') + 1), nullptr, 16) != remote_port) {
      continue;
    }
    return std::stoll(queues.substr(0, queues.find(':')), nullptr, 16);
  }
  return -1;
}

// A client that pipelines many requests for a large answer and never reads the answers holds
// the server to a budget of unsent bytes: the server reads none of its next requests while an
// answer is unsent, and the kernel holds at most the connection's send buffer of what was
// written (without a budget, the send buffer grows to net.ipv4.tcp_wmem's maximum, 4 MiB by
// default, for each such connection). The connection still answers once the client reads.
TEST_F(ServerTest, AClientThatNeverReadsHoldsTheServerToAByteBudget) {
  Start();
  const std::string path = "/vendor/echarts.min.js";  // a megabyte, sent whole without gzip
  const size_t size = Get(path).body.size();
  ASSERT_GT(size, 512u << 10);
  RawConnection connection(server_->port());
  std::string requests;
  for (int i = 0; i < 200; ++i) requests += GetRequest(path);
  ASSERT_TRUE(connection.Send(requests));
  // What the server's socket holds, once it stops growing.
  int64_t queued = -1;
  Eventually(
      [&] {
        int64_t now = SendQueueBytes(server_->port(), connection.local_port());
        bool steady = now > 0 && now == queued;
        queued = now;
        return steady;
      },
      5s);
  RecordProperty("unsent_kib", std::to_string(queued >> 10));
  EXPECT_GT(queued, 0);
  EXPECT_LT(queued, 1 << 20) << "bytes the server's socket holds for a client that never reads";
  auto deadline = std::chrono::steady_clock::now() + 10s;
  for (int i = 0; i < 3; ++i) {
    auto response = connection.Read(deadline);
    EXPECT_EQ(response.status, 200) << "answer " << i;
    EXPECT_EQ(response.body.size(), size) << "answer " << i;
  }
}

// Connections that each ask a distinct heavy question and never read hold the server to one
// budget of such answers in all, not one answer each: beyond it a new large answer is refused at
// once (503 with Retry-After) instead of being held, small answers still go, and a client that
// takes its answer makes room again.
TEST_F(ServerTest, ClientsThatNeverReadHoldTheServerToOneBudgetOfAnswers) {
  // A warehouse whose answer below (a group for nearly every sale, some 2 MB) is several times
  // what the kernel takes of it: the server's send buffer (kSendBufferBytes) and the client's
  // receive buffer. Just over their sum, the answer was sometimes taken whole by the kernel, and
  // the server had nothing to hold.
  ServeOptions options;
  options.warehouse = LoadedWarehouse(scratch_.emplace(), 25'000, 52);
  options.held_answer_bytes = 1;  // one large answer held at a time
  Start(options);
  const std::string heavy = "/api/v1/breakdown?by=product&by=city&limit=";
  RawConnection holder(server_->port());
  ASSERT_TRUE(holder.Send(GetRequest(heavy + "25000")));
  // Its answer is larger than the sockets take: the server holds the rest, unsent.
  int64_t queued = -1;
  ASSERT_TRUE(Eventually(
      [&] {
        int64_t now = SendQueueBytes(server_->port(), holder.local_port());
        bool steady = now > 0 && now == queued;
        queued = now;
        return steady;
      },
      10s));
  RawConnection second(server_->port());
  ASSERT_TRUE(second.Send(GetRequest(heavy + "4999")));
  auto refused = second.Read(std::chrono::steady_clock::now() + 5s);
  EXPECT_EQ(refused.status, 503) << refused.head;
  EXPECT_NE(refused.head.find("Retry-After: 1"), std::string::npos) << refused.head;
  EXPECT_EQ(Get("/api/v1/kpis").status, 200) << "a small answer while the budget is taken";

  auto taken = holder.Read(std::chrono::steady_clock::now() + 10s);
  ASSERT_EQ(taken.status, 200);
  EXPECT_GT(taken.body.size(), 1u << 20) << "the held answer must outgrow the sockets' buffers";
  RawConnection third(server_->port());
  ASSERT_TRUE(third.Send(GetRequest(heavy + "4999")));
  EXPECT_EQ(third.Read(std::chrono::steady_clock::now() + 10s).status, 200)
      << "once the first client took its answer";
}

// Requests sent together on one connection are answered in order, at once, as when sent one by
// one.
TEST_F(ServerTest, AnswersPipelinedRequestsAtOnce) {
  Start();
  const std::vector<std::string> paths = {
      "/healthz", "/api/v1/kpis", "/api/v1/breakdown?by=category", "/no-such-file", "/api/v1/meta"};
  std::vector<HttpReply> alone;
  for (const auto& path : paths) alone.push_back(Get(path));
  RawConnection connection(server_->port());
  std::string together;
  for (const auto& path : paths) together += GetRequest(path);
  ASSERT_TRUE(connection.Send(together));
  auto deadline = std::chrono::steady_clock::now() + 2s;
  for (size_t i = 0; i < paths.size(); ++i) {
    auto response = connection.Read(deadline);
    EXPECT_EQ(response.status, alone[i].status) << paths[i] << " (within 2 s)";
    EXPECT_EQ(response.body, alone[i].body) << paths[i];
  }
}

// Headers of 64 KiB are refused at once with 431, before the server has read them all; a request
// line over the limit with 414. The server goes on answering.
TEST_F(ServerTest, OversizedHeadersGet431AtOnce) {
  Start();
  {
    RawConnection connection(server_->port());
    auto sent = std::chrono::steady_clock::now();
    connection.Send(GetRequest("/healthz", "X-Padding: " + std::string(64 << 10, 'b') + "\r\n"));
    auto response = connection.Read(sent + 2s);
    EXPECT_EQ(response.status, 431) << response.head;
    EXPECT_NE(response.head.find("nosniff"), std::string::npos) << response.head;
    EXPECT_EQ(Json::parse(response.body, nullptr, false)["error"]["status"], 431) << response.body;
  }
  {
    RawConnection connection(server_->port());
    connection.Send(GetRequest("/api/v1/kpis?category=" + std::string(64 << 10, 'c')));
    EXPECT_EQ(connection.Read(std::chrono::steady_clock::now() + 2s).status, 414);
  }
  EXPECT_EQ(Get("/healthz").status, 200);
}

// Distinct heavy questions (each a breakdown over every product and city, never asked before),
// 64 at a time, leave the server's memory bounded: what questions in flight take is bounded by
// the threads computing answers, not by the clients asking, and is given back afterwards.
TEST_F(ServerTest, DistinctHeavyQuestionsKeepMemoryBounded) {
  ServeOptions options;
  options.cache = false;  // the answer cache has its own bound; this is about the rest
  Start(options);
  ASSERT_EQ(Get("/api/v1/breakdown?by=product&by=city&limit=1").status, 200);
  const int64_t before = ResidentBytes();
  ASSERT_TRUE(ResetPeakMemory());
  constexpr int kClients = 64;
  constexpr int kQuestions = 256;
  std::atomic<int> next{0};
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&] {
      HttpClient client;
      for (int q = next++; q < kQuestions; q = next++) {
        HttpReply reply =
            client.Get(Url(fmt::format("/api/v1/breakdown?by=product&by=city&limit={}", 1000 + q)));
        if (reply.status == 200) ++ok;
      }
    });
  }
  for (auto& thread : clients) thread.join();
  EXPECT_EQ(ok.load(), kQuestions);
  const int64_t peak = PeakResidentBytes() - before;
  std::this_thread::sleep_for(200ms);
  const int64_t after = ResidentBytes() - before;
  constexpr int64_t kMiB = 1 << 20;
  RecordProperty("peak_growth_mib", std::to_string(peak / kMiB));
  RecordProperty("idle_growth_mib", std::to_string(after / kMiB));
  EXPECT_LT(peak, 64 * kMiB) << "peak resident memory grew by " << peak / kMiB << " MiB";
  EXPECT_LT(after, 32 * kMiB) << "resident memory grew by " << after / kMiB << " MiB for good";
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
