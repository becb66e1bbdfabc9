// The live dashboard: `till serve` pushes each committed change to clients of /api/v1/events
// (server-sent events), on SQLite and PostgreSQL, with sales posted to a real `till stream` (a
// child process) or loaded from a file while it runs; the Pipeline tab's streams (rate, lag,
// rejects); and the limits that keep long-lived event streams from taking the server: a cap,
// probes answered while it is reached, heartbeats, the token.
#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/byte_source.h"
#include "csv/csv_reader.h"
#include "serve/api.h"
#include "serve/serve_support.h"
#include "serve/server.h"
#include "support/backends.h"
#include "support/child_process.h"
#include "support/generated.h"
#include "support/moto_server.h"
#include "support/ports.h"
#include "support/temp_dir.h"

extern char** environ;

namespace till {
namespace {

using namespace std::chrono_literals;
using testing::Backend;
using testing::HttpClient;
using testing::HttpReply;
using testing::Json;
using testing::OpenOrFail;
using testing::TempDir;
using Steady = std::chrono::steady_clock;

bool Eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  auto deadline = Steady::now() + timeout;
  for (;;) {
    if (condition()) return true;
    if (Steady::now() >= deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
}

// A client of a server over a plain socket, reading what it sends as it comes: an event stream
// never ends, so a client that waits for the end of the answer would wait for ever.
class RawClient {
 public:
  explicit RawClient(int port)
      : socket_(testing::ConnectLoopback(port)), connected_(socket_ >= 0) {}
  ~RawClient() {
    if (socket_ >= 0) ::close(socket_);
  }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool Get(std::string_view path, std::string_view headers = "") {
    std::string request = fmt::format(
        "GET {} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n{}\r\n", path, headers);
    return connected_ && ::send(socket_, request.data(), request.size(), MSG_NOSIGNAL) ==
                             static_cast<ssize_t>(request.size());
  }

  // What the server sent up to and including `marker`, once it has (taken from what is kept);
  // nullopt when it has not by `timeout` or the connection ended.
  std::optional<std::string> ReadUntil(std::string_view marker, std::chrono::milliseconds timeout) {
    auto deadline = Steady::now() + timeout;
    for (;;) {
      size_t at = pending_.find(marker);
      if (at != std::string::npos) {
        std::string out = pending_.substr(0, at + marker.size());
        pending_.erase(0, at + marker.size());
        return out;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Steady::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd wait{socket_, POLLIN, 0};
      if (::poll(&wait, 1, static_cast<int>(left.count())) <= 0) return std::nullopt;
      char buffer[16384];
      ssize_t got = ::recv(socket_, buffer, sizeof(buffer), 0);
      if (got <= 0) return std::nullopt;
      pending_.append(buffer, static_cast<size_t>(got));
    }
  }

  // The response's head (up to the blank line) and its status.
  std::string Head(std::chrono::milliseconds timeout = 5s) {
    return ReadUntil("\r\n\r\n", timeout).value_or("");
  }

  // The next event's data (JSON), skipping comments; null when none came within `timeout`.
  Json NextEvent(std::chrono::milliseconds timeout) {
    auto deadline = Steady::now() + timeout;
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Steady::now());
      auto block = ReadUntil("\n\n", std::max(left, 1ms));
      if (!block) return nullptr;
      size_t data = block->find("data: ");
      if (block->find("event: change\n") != std::string::npos && data != std::string::npos) {
        return Json::parse(block->substr(data + 6), nullptr, false);
      }
    }
  }

 private:
  int socket_ = -1;
  bool connected_ = false;
  std::string pending_;
};

int StatusOf(const std::string& head) {
  return head.size() > 12 ? std::stoi(head.substr(9, 3)) : 0;
}

// POSTs `body` to a `till stream` on `port`; the HTTP status (0: no answer).
long PostRows(int port, const std::string& body) {
  CURL* curl = curl_easy_init();
  std::string url = fmt::format("http://127.0.0.1:{}/v1/transactions", port);
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 60L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  curl_easy_setopt(
      curl, CURLOPT_WRITEFUNCTION,
      +[](char*, size_t size, size_t count, void*) { return size * count; });
  curl_slist* list = curl_slist_append(nullptr, "Content-Type: application/x-ndjson");
  list = curl_slist_append(list, "Expect:");
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  long status = 0;
  if (curl_easy_perform(curl) == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(list);
  curl_easy_cleanup(curl);
  return status;
}

// The rows of a raw file as NDJSON objects, keys its header's names.
std::vector<Json> NdjsonRows(const std::string& path) {
  std::vector<Json> rows;
  auto source = OpenFileSource(path);
  EXPECT_TRUE(source);
  if (!source) return rows;
  CsvReaderOptions options;
  CsvReader reader(**source, options);
  CsvRecord record;
  std::vector<std::string> names;
  while (*reader.Next(&record)) {
    if (names.empty()) {
      names.assign(record.fields.begin(), record.fields.end());
      continue;
    }
    Json object = Json::object();
    for (size_t i = 0; i < names.size() && i < record.fields.size(); ++i) {
      object[names[i]] = std::string(record.fields[i]);
    }
    rows.push_back(std::move(object));
  }
  return rows;
}

// `till stream` as a child process on `port`, ended with the test.
class StreamProcess {
 public:
  StreamProcess(std::string warehouse, int port) : warehouse_(std::move(warehouse)), port_(port) {}
  ~StreamProcess() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }

  bool Start() {
    std::string listen = fmt::format("127.0.0.1:{}", port_);
    std::vector<std::string> args = {TILL_BINARY, "stream",      "--listen",
                                     listen,      "--warehouse", warehouse_};
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    int spawned = posix_spawn(&pid_, TILL_BINARY, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0) return false;
    HttpClient client;
    return Eventually(
        [&] { return client.Get(fmt::format("http://127.0.0.1:{}/healthz", port_)).status == 200; },
        30s);
  }

 private:
  std::string warehouse_;
  int port_;
  pid_t pid_ = 0;
};

class LiveTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    location_ = testing::NewWarehouseLocation(GetParam(), dir_, "live");
    writer_ = OpenOrFail(location_);
    ASSERT_NE(writer_, nullptr);
    testing::IngestOrFail(*writer_, {testing::Generate(dir_, "first.csv", 1'000, 91)});
  }

  void Start(ServeOptions options = {}) {
    options.warehouse = location_;
    options.port = 0;
    options.version = "test";
    server_ = std::make_unique<DashboardServer>(options);
    Status started = server_->Start();
    ASSERT_TRUE(started) << started.error().message();
  }

  Json GetJson(std::string_view path) {
    return Json::parse(
        client_.Get(fmt::format("http://127.0.0.1:{}{}", server_->port(), path)).body, nullptr,
        false);
  }

  TempDir dir_;
  std::string location_;
  std::unique_ptr<Warehouse> writer_;
  std::unique_ptr<DashboardServer> server_;
  HttpClient client_;
};

INSTANTIATE_TEST_SUITE_P(Backends, LiveTest, ::testing::ValuesIn(testing::kBackends),
                         [](const ::testing::TestParamInfo<Backend>& backend) {
                           return testing::BackendName(backend.param);
                         });

// A sale posted to `till stream` reaches an open event stream, and the API, within a second of
// its commit, though the server's own check of the warehouse comes only every minute: the
// commit is noticed (SQLite's data_version, PostgreSQL's notification) and pushed.
TEST_P(LiveTest, APostedSaleIsPushedWithinASecond) {
  ServeOptions options;
  options.refresh_seconds = 60;
  Start(options);
  RawClient events(server_->port());
  ASSERT_TRUE(events.Get("/api/v1/events"));
  std::string head = events.Head();
  ASSERT_EQ(StatusOf(head), 200) << head;
  EXPECT_NE(head.find("Content-Type: text/event-stream"), std::string::npos) << head;
  EXPECT_NE(head.find("Cache-Control: no-store"), std::string::npos) << head;
  EXPECT_NE(head.find("X-Content-Type-Options: nosniff"), std::string::npos) << head;
  EXPECT_NE(head.find("Content-Security-Policy: "), std::string::npos) << head;
  Json meta = GetJson("/api/v1/meta");
  Json first = events.NextEvent(5s);
  ASSERT_TRUE(first.is_object()) << "no event on opening the stream";
  EXPECT_EQ(first["data_version"], meta["data_version"]);
  EXPECT_EQ(first["refreshed_at"], meta["refreshed_at"]);
  EXPECT_EQ(first["sales"], 1'000);

  int port = testing::FreeLoopbackPort();
  ASSERT_GT(port, 0);
  StreamProcess stream(location_, port);
  ASSERT_TRUE(stream.Start());
  std::vector<Json> rows = NdjsonRows(testing::Generate(dir_, "posted.csv", 4, 92));
  ASSERT_EQ(rows.size(), 4u);
  rows[3]["Total_Purchases"] = "0";  // rejected: a sale of nothing
  std::string body;
  for (const Json& row : rows) body += row.dump() + "\n";

  std::vector<double> latencies;
  auto posted = Steady::now();
  ASSERT_EQ(PostRows(port, body), 200);
  auto committed = Steady::now();
  Json event;
  do {
    event = events.NextEvent(10s);
  } while (event.is_object() && event["sales"] != 1'003);
  auto pushed = Steady::now();
  ASSERT_TRUE(event.is_object()) << "no event with the posted sales within 10 s";
  EXPECT_GT(event["data_version"].get<int64_t>(), first["data_version"].get<int64_t>());
  Json after = GetJson("/api/v1/meta");
  EXPECT_EQ(after["rows"], 1'003);
  double from_post = std::chrono::duration<double>(pushed - posted).count();
  double from_commit = std::chrono::duration<double>(pushed - committed).count();
  std::printf("     %s: POST to pushed %.0f ms (commit to pushed %.0f ms)\n",
              testing::BackendName(GetParam()).c_str(), from_post * 1000, from_commit * 1000);
  // The target is 1 s; a machine busy with other builds is allowed twice that.
  EXPECT_LT(from_post, 2.0);

  // The stream on the Pipeline tab: its batch, rows, reject, rate and lag.
  Json streams = GetJson("/api/v1/pipeline/streams");
  ASSERT_EQ(streams["streams"].size(), 1u) << streams.dump();
  const Json& s = streams["streams"][0];
  EXPECT_EQ(s["source"], "till stream");
  EXPECT_GE(s["batches"].get<int64_t>(), 1);
  EXPECT_EQ(s["rows_loaded"], 3);
  EXPECT_EQ(s["rows_rejected"], 1);
  EXPECT_EQ(s["rows_per_second"], 0.1);  // 3 rows in the last minute
  EXPECT_GE(s["lag_seconds"].get<double>(), 0);
  EXPECT_LT(s["lag_seconds"].get<double>(), 30);
  EXPECT_TRUE(s["last_batch_at"].is_string());
}

// A file loaded while the server runs is pushed too (files notify as batches do).
TEST_P(LiveTest, ALoadedFileIsPushed) {
  ServeOptions options;
  options.refresh_seconds = 60;
  Start(options);
  RawClient events(server_->port());
  ASSERT_TRUE(events.Get("/api/v1/events"));
  ASSERT_EQ(StatusOf(events.Head()), 200);
  ASSERT_TRUE(events.NextEvent(5s).is_object());
  auto loaded = Steady::now();
  testing::IngestOrFail(*writer_, {testing::Generate(dir_, "second.csv", 500, 93)});
  auto ingested = Steady::now();
  Json event;
  do {
    event = events.NextEvent(10s);
  } while (event.is_object() && event["sales"] != 1'500);
  ASSERT_TRUE(event.is_object()) << "no event with the loaded file's sales within 10 s";
  double seconds = std::chrono::duration<double>(Steady::now() - ingested).count();
  std::printf("     %s: file loaded in %.0f ms, pushed %.0f ms after\n",
              testing::BackendName(GetParam()).c_str(),
              std::chrono::duration<double>(ingested - loaded).count() * 1000, seconds * 1000);
  EXPECT_LT(seconds, 2.0);
  EXPECT_EQ(GetJson("/api/v1/pipeline/streams")["streams"].size(), 0u);
}

// A Kinesis data stream read by `till watch kinesis://` (moto_server's Kinesis, filled by the
// aws command-line client as a producer fills it) shows on the Pipeline tab: its source, batches,
// rows and rejects, rate and lag. Once its newest batch is older than the rate's window it is
// idle: no lag (the last one is not shown for ever), a rate of 0, and when it last received.
// moto_server and aws belong to the test environment: when either is missing the test fails and
// says so, rather than skip.
TEST_P(LiveTest, AKinesisStreamShowsOnThePipelineTabThenGoesIdle) {
  testing::MotoServer moto(dir_);
  ASSERT_FALSE(HasFailure());  // moto_server or aws missing, or no free port
  testing::ScopedEnv env;
  moto.SetEnvironment(env);
  env.Set("AWS_EC2_METADATA_DISABLED", "true");
  ASSERT_NO_FATAL_FAILURE(moto.Start());
  auto run = [&](const std::vector<std::string>& argv) {
    testing::Outcome outcome = testing::RunToEnd(argv, dir_);
    EXPECT_EQ(outcome.exit_code, 0) << testing::Describe(argv, outcome);
    return outcome;
  };
  moto.Aws({"kinesis", "create-stream", "--stream-name", "pos-sales", "--shard-count", "2"});
  // Six sales, one NDJSON record each, the last rejected (a sale of nothing).
  std::vector<Json> rows = NdjsonRows(testing::Generate(dir_, "kinesis.csv", 6, 94));
  ASSERT_EQ(rows.size(), 6u);
  rows[5]["Total_Purchases"] = "0";
  Json records = Json::array();
  for (size_t i = 0; i < rows.size(); ++i) {
    records.push_back(
        {{"Data", rows[i].dump() + "\n"}, {"PartitionKey", fmt::format("key-{}", i)}});
  }
  std::string records_path = dir_.Path("records.json");
  {
    std::FILE* out = std::fopen(records_path.c_str(), "wb");
    ASSERT_NE(out, nullptr);
    std::string text = records.dump();
    std::fwrite(text.data(), 1, text.size(), out);
    std::fclose(out);
  }
  testing::Outcome put = moto.Aws({"kinesis", "put-records", "--stream-name", "pos-sales",
                                   "--records", "file://" + records_path});
  EXPECT_EQ(Json::parse(put.out, nullptr, false).value("FailedRecordCount", -1), 0) << put.out;

  Start();
  EXPECT_EQ(GetJson("/api/v1/pipeline/streams")["streams"].size(), 0u);  // files only so far
  run({TILL_BINARY, "watch", "kinesis://pos-sales", "--warehouse", location_, "--once"});
  Json stream;
  EXPECT_TRUE(Eventually(
      [&] {
        Json streams = GetJson("/api/v1/pipeline/streams")["streams"];
        if (!streams.is_array() || streams.size() != 1) return false;
        stream = streams[0];
        return stream["rows_loaded"] == 5;
      },
      10s))
      << "the Pipeline tab's streams do not show the stream's 5 rows: " << stream.dump();
  EXPECT_EQ(stream["source"], "kinesis://pos-sales");
  EXPECT_EQ(stream["state"], "receiving");
  EXPECT_GE(stream["batches"].get<int64_t>(), 1);  // a batch for each shard read with records
  EXPECT_LE(stream["batches"].get<int64_t>(), 2);
  EXPECT_EQ(stream["failed_batches"], 0);
  EXPECT_EQ(stream["rows_rejected"], 1);
  EXPECT_EQ(stream["rows_duplicate"], 0);
  EXPECT_EQ(stream["rows_per_second"], 0.1);  // 5 rows in the last minute
  ASSERT_TRUE(stream["lag_seconds"].is_number()) << stream.dump();
  EXPECT_GE(stream["lag_seconds"].get<double>(), 0);
  EXPECT_LT(stream["lag_seconds"].get<double>(), 30);
  ASSERT_TRUE(stream["last_batch_at"].is_string()) << stream.dump();

  // The same warehouse as the server reads it, asked about later with no batch since: the lag
  // grows while the rate's window holds the batches, then the stream is idle.
  std::shared_ptr<const Snapshot> snapshot = testing::ReadSnapshot(location_);
  ASSERT_NE(snapshot, nullptr);
  auto asked_at = [&](std::chrono::system_clock::time_point at) {
    ApiResponse answer = AnswerApi(*snapshot, "pipeline/streams", {}, at, "test");
    EXPECT_EQ(answer.status, 200) << answer.body;
    Json streams = Json::parse(answer.body, nullptr, false)["streams"];
    return streams.is_array() && streams.size() == 1 ? streams[0] : Json();
  };
  auto now = std::chrono::system_clock::now();
  Json soon = asked_at(now + 40s);
  EXPECT_EQ(soon["state"], "receiving") << soon.dump();
  ASSERT_TRUE(soon["lag_seconds"].is_number()) << soon.dump();
  EXPECT_GE(soon["lag_seconds"].get<double>(), 40);
  EXPECT_EQ(soon["rows_per_second"], 0.1);
  Json later = asked_at(now + 61s);
  EXPECT_EQ(later["state"], "idle") << later.dump();
  EXPECT_TRUE(later["lag_seconds"].is_null()) << later.dump();
  EXPECT_EQ(later["rows_per_second"], 0.0);
  EXPECT_EQ(later["last_batch_at"], stream["last_batch_at"]);
  EXPECT_EQ(later["rows_loaded"], 5);
}

// Event streams hold no thread, and no more than max_event_streams of them are open: one more is
// answered 503 with Retry-After, probes and API requests are answered at once meanwhile, and a
// closed stream gives its place back.
TEST_P(LiveTest, EventStreamsAreCappedAndStarveNoOne) {
  ServeOptions options;
  options.max_event_streams = 3;
  options.threads = 1;
  Start(options);
  std::vector<std::unique_ptr<RawClient>> open;
  for (int i = 0; i < 3; ++i) {
    open.push_back(std::make_unique<RawClient>(server_->port()));
    ASSERT_TRUE(open.back()->Get("/api/v1/events"));
    ASSERT_EQ(StatusOf(open.back()->Head()), 200) << "stream " << i;
  }
  RawClient refused(server_->port());
  ASSERT_TRUE(refused.Get("/api/v1/events"));
  std::string head = refused.Head();
  EXPECT_EQ(StatusOf(head), 503) << head;
  EXPECT_NE(head.find("Retry-After: "), std::string::npos) << head;

  for (std::string_view path :
       {"/healthz", "/api/v1/meta", "/api/v1/breakdown?by=product&limit=5"}) {
    auto asked = Steady::now();
    HttpReply reply = client_.Get(fmt::format("http://127.0.0.1:{}{}", server_->port(), path));
    double ms = std::chrono::duration<double, std::milli>(Steady::now() - asked).count();
    EXPECT_EQ(reply.status, 200) << path;
    // Answered at once (a probe's budget is 100 ms; a busy machine gets ten times that).
    EXPECT_LT(ms, 1000) << path;
  }
  std::string metrics =
      client_.Get(fmt::format("http://127.0.0.1:{}/metrics", server_->port())).body;
  EXPECT_NE(metrics.find("till_serve_event_streams 3"), std::string::npos) << metrics;

  open.pop_back();  // a client goes: its place is given back
  EXPECT_TRUE(Eventually(
      [&] {
        RawClient again(server_->port());
        return again.Get("/api/v1/events") && StatusOf(again.Head()) == 200;
      },
      10s));
}

// A quiet stream gets a comment every event_heartbeat_seconds, so that proxies keep it open.
TEST_P(LiveTest, AQuietStreamGetsHeartbeats) {
  ServeOptions options;
  options.event_heartbeat_seconds = 0.2;
  Start(options);
  RawClient events(server_->port());
  ASSERT_TRUE(events.Get("/api/v1/events"));
  ASSERT_EQ(StatusOf(events.Head()), 200);
  ASSERT_TRUE(events.NextEvent(5s).is_object());
  EXPECT_TRUE(events.ReadUntil(":\n\n", 3s)) << "no heartbeat within 3 s";
  EXPECT_TRUE(events.ReadUntil(":\n\n", 3s)) << "no second heartbeat within 3 s";
}

// The event stream is the API's: a token, when asked of the client, guards it too.
TEST_P(LiveTest, TheTokenGuardsTheEventStream) {
  ServeOptions options;
  options.token = "s3cret";
  options.loopback_needs_token = true;
  Start(options);
  RawClient without(server_->port());
  ASSERT_TRUE(without.Get("/api/v1/events"));
  EXPECT_EQ(StatusOf(without.Head()), 401);
  RawClient with(server_->port());
  ASSERT_TRUE(with.Get("/api/v1/events", "Authorization: Bearer s3cret\r\n"));
  EXPECT_EQ(StatusOf(with.Head()), 200);
  EXPECT_TRUE(with.NextEvent(5s).is_object());
}

}  // namespace
}  // namespace till
