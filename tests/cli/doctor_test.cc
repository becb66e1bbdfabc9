// `till doctor` against real services: a throwaway PostgreSQL, moto_server for S3 (with the aws
// client to make buckets), a webhook receiver on a loopback port. A healthy set-up passes every
// check and exits 0; each broken one fails its own check, with its advice, and exits 1.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "support/moto_server.h"
#include "support/pg_cluster.h"
#include "support/ports.h"
#include "support/temp_dir.h"

namespace till {
namespace {

using testing::PgCluster;
using testing::ReadFile;
using testing::TempDir;

struct Outcome {
  int exit_code = -1;
  std::string out;
  nlohmann::json report;  // --json's object
};

// An HTTP receiver on a loopback port that answers every request with `status`, as a webhook
// receiver would; stopped on destruction.
class WebhookReceiver {
 public:
  explicit WebhookReceiver(int status) : status_(status) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    port_ = testing::BindLoopback(fd_);
    ::listen(fd_, 8);
    thread_ = std::thread([this] { Serve(); });
  }
  ~WebhookReceiver() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    ::close(fd_);
  }
  std::string Url() const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/hooks/T0/s3cr3t";
  }
  int requests() const { return requests_; }

 private:
  void Serve() {
    while (!stop_) {
      int client = ::accept(fd_, nullptr, nullptr);
      if (client < 0) return;
      char buffer[4096];
      std::string request;
      // Headers, then the body the Content-Length announces (the probe's is 2 bytes).
      while (request.find("\r\n\r\n") == std::string::npos || !request.ends_with("{}")) {
        ssize_t got = ::recv(client, buffer, sizeof buffer, 0);
        if (got <= 0) break;
        request.append(buffer, static_cast<size_t>(got));
      }
      ++requests_;
      std::string answer = "HTTP/1.1 " + std::to_string(status_) +
                           " Answer\r\nContent-Length: 7\r\nConnection: close\r\n\r\nno_text";
      ::send(client, answer.data(), answer.size(), MSG_NOSIGNAL);
      ::close(client);
    }
  }

  int status_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::thread thread_;
};

class DoctorTest : public ::testing::Test {
 protected:
  void SetUp() override { std::filesystem::create_directory(dir_.Path("landing")); }

  // Runs `till ARGS` in the test's folder, with `env` and none of the caller's settings (nor an
  // instance role: no request leaves for the metadata service's link-local address).
  Outcome Till(const std::string& args, const std::string& env = "") {
    std::string command = "cd '" + dir_.Path("") +
                          "' && env -u TILL_WAREHOUSE -u TILL_CONFIG -u PGPASSWORD -u PGUSER "
                          "-u PGHOST -u AWS_PROFILE -u AWS_REGION -u AWS_DEFAULT_REGION "
                          "-u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN "
                          "-u AWS_ENDPOINT_URL "
                          "AWS_SHARED_CREDENTIALS_FILE=none AWS_CONFIG_FILE=none "
                          "AWS_EC2_METADATA_DISABLED=true " +
                          env + " '" TILL_BINARY "' " + args + " >out.txt 2>err.txt";
    int status = std::system(command.c_str());
    Outcome run;
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    run.out = ReadFile(dir_.Path("out.txt")) + ReadFile(dir_.Path("err.txt"));
    return run;
  }

  // `till doctor --json ARGS`, its object parsed.
  Outcome Doctor(const std::string& args, const std::string& env = "") {
    Outcome run = Till("doctor --json " + args, env);
    run.report = nlohmann::json::parse(run.out, nullptr, /*allow_exceptions=*/false);
    EXPECT_FALSE(run.report.is_discarded()) << run.out;
    EXPECT_EQ(run.exit_code, run.report.value("ok", false) ? 0 : 1) << run.out;
    return run;
  }

  // The checks named `check` that failed, as "target: detail; remedy" lines.
  static std::vector<std::string> Failed(const Outcome& run, const std::string& check) {
    std::vector<std::string> failed;
    if (run.report.is_discarded()) return failed;
    for (const auto& item : run.report["checks"]) {
      if (item["check"] == check && !item["ok"].get<bool>()) {
        failed.push_back(item["target"].get<std::string>() + ": " +
                         item["detail"].get<std::string>() + "; " +
                         item["remedy"].get<std::string>());
      }
    }
    return failed;
  }
  static int FailedCount(const Outcome& run) {
    int count = 0;
    for (const auto& item : run.report["checks"]) count += item["ok"].get<bool>() ? 0 : 1;
    return count;
  }

  TempDir dir_;
};

TEST_F(DoctorTest, AHealthySqliteSetUpPassesEveryCheck) {
  WebhookReceiver receiver(400);  // Slack refuses an empty payload so
  dir_.Write("till.toml", "warehouse = \"w.db\"\n[alerts]\nwebhooks = [\"" + receiver.Url() +
                              "\"]\nfreshness_minutes = 60\n");
  ASSERT_EQ(Till("init").exit_code, 0);
  int port = testing::FreeLoopbackPort();
  Outcome run = Doctor("landing --port " + std::to_string(port));
  EXPECT_EQ(run.exit_code, 0) << run.out;
  EXPECT_EQ(FailedCount(run), 0) << run.out;
  std::set<std::string> checks;
  for (const auto& item : run.report["checks"]) checks.insert(item["check"]);
  EXPECT_EQ(checks, (std::set<std::string>{"config", "warehouse", "schema", "privileges", "zone",
                                           "webhook", "port"}));
  EXPECT_EQ(receiver.requests(), 1);
  // The webhook's path is its secret: never printed.
  EXPECT_EQ(run.out.find("s3cr3t"), std::string::npos) << run.out;

  Outcome text = Till("doctor landing");
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_NE(text.out.find("ok    zone landing: listed: 0 raw files"), std::string::npos)
      << text.out;
}

TEST_F(DoctorTest, EachBrokenPartFailsItsCheckWithItsRemedy) {
  WebhookReceiver revoked(404);
  const int down = testing::FreeLoopbackPort();  // nothing listens there
  dir_.Write("till.toml", "warehouse = \"w.db\"\nmax_reject_rato = 0.1\n[alerts]\nwebhooks = [\"" +
                              revoked.Url() + "\", \"http://127.0.0.1:" + std::to_string(down) +
                              "/hook\"]\n");
  // No warehouse yet: read-only, the doctor creates nothing.
  Outcome missing = Doctor("landing");
  ASSERT_EQ(Failed(missing, "warehouse").size(), 1u) << missing.out;
  EXPECT_NE(Failed(missing, "warehouse")[0].find("till init"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir_.Path("w.db")));

  ASSERT_EQ(Till("init").exit_code, 0);
  // An old schema: version 2 taken back, as a warehouse of the previous Till reads.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir_.Path("w.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(db, "DELETE FROM till_schema WHERE version > 1", nullptr, nullptr, nullptr),
      SQLITE_OK);
  sqlite3_close(db);

  int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int taken = testing::BindLoopback(listener);
  ASSERT_EQ(::listen(listener, 1), 0);
  Outcome run = Doctor("landing no-such-folder --port " + std::to_string(taken));
  ::close(listener);

  auto config = Failed(run, "config");
  ASSERT_EQ(config.size(), 1u) << run.out;
  EXPECT_NE(config[0].find("max_reject_rato (line 2)"), std::string::npos) << config[0];
  EXPECT_NE(config[0].find("docs/configuration.md"), std::string::npos) << config[0];

  auto schema = Failed(run, "schema");
  ASSERT_EQ(schema.size(), 1u) << run.out;
  EXPECT_NE(schema[0].find("schema version 1"), std::string::npos) << schema[0];
  EXPECT_NE(schema[0].find("run `till init`"), std::string::npos) << schema[0];

  auto zones = Failed(run, "zone");
  ASSERT_EQ(zones.size(), 1u) << run.out;
  EXPECT_EQ(zones[0].rfind("no-such-folder: ", 0), 0u) << zones[0];
  EXPECT_NE(zones[0].find("create the folder"), std::string::npos) << zones[0];

  auto webhooks = Failed(run, "webhook");
  ASSERT_EQ(webhooks.size(), 2u) << run.out;
  EXPECT_NE(webhooks[0].find("HTTP 404"), std::string::npos) << webhooks[0];
  EXPECT_NE(webhooks[0].find("revoked"), std::string::npos) << webhooks[0];
  EXPECT_NE(webhooks[1].find("no answer"), std::string::npos) << webhooks[1];
  EXPECT_NE(webhooks[1].find("alerts.webhooks"), std::string::npos) << webhooks[1];

  auto ports = Failed(run, "port");
  ASSERT_EQ(ports.size(), 1u) << run.out;
  EXPECT_NE(ports[0].find("taken by another process"), std::string::npos) << ports[0];
  EXPECT_EQ(FailedCount(run), 6) << run.out;
  EXPECT_EQ(run.exit_code, 1);

  // The text form: one line per check, the failed ones with what to do.
  Outcome text = Till("doctor landing --port " + std::to_string(down));
  EXPECT_EQ(text.exit_code, 1);
  EXPECT_NE(text.out.find("FAIL  schema sqlite:w.db: schema version 1"), std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("; to fix: run `till init`"), std::string::npos) << text.out;
}

TEST_F(DoctorTest, PostgresPasswordsAndRolePrivileges) {
  std::string error;
  auto cluster = PgCluster::Start(&error);
  ASSERT_NE(cluster, nullptr) << error;
  ASSERT_TRUE(cluster->CreateDatabase("retail", &error)) << error;
  Outcome roles = Till("init --create-roles --warehouse '" + cluster->Url("retail") + "'",
                       "TILL_LOADER_PASSWORD=loader-pw TILL_READER_PASSWORD=reader-pw");
  ASSERT_EQ(roles.exit_code, 0) << roles.out;

  const std::string loader = cluster->Url("retail", "till_loader", "loader-pw");
  Outcome healthy = Doctor("--warehouse '" + loader + "' landing");
  EXPECT_EQ(healthy.exit_code, 0) << healthy.out;
  EXPECT_EQ(FailedCount(healthy), 0) << healthy.out;

  Outcome wrong = Doctor("--warehouse '" + cluster->Url("retail", "till_loader", "not-it") + "'");
  auto warehouse = Failed(wrong, "warehouse");
  ASSERT_EQ(warehouse.size(), 1u) << wrong.out;
  EXPECT_NE(warehouse[0].find("check the role's password"), std::string::npos) << warehouse[0];
  EXPECT_EQ(wrong.out.find("not-it"), std::string::npos) << "the password was printed";

  const std::string reader = cluster->Url("retail", "till_reader", "reader-pw");
  Outcome reads = Doctor("--warehouse '" + reader + "'");
  auto privileges = Failed(reads, "privileges");
  ASSERT_EQ(privileges.size(), 1u) << reads.out;
  EXPECT_NE(privileges[0].find("role till_reader does not own"), std::string::npos)
      << privileges[0];
  EXPECT_NE(privileges[0].find("till_loader"), std::string::npos) << privileges[0];
  EXPECT_EQ(FailedCount(reads), 1) << reads.out;

  Outcome serving = Doctor("--read-only --warehouse '" + reader + "'");
  EXPECT_EQ(serving.exit_code, 0) << serving.out;
}

// A streaming replica serves but takes no loads: doctor names it, with its lag, and fails only
// the privileges check, pointing loaders at the primary; --read-only (a serving host) passes.
// A replica cut off from its primary fails the replica check.
TEST_F(DoctorTest, AReplicaIsNamedAndTakesNoLoads) {
  std::string error;
  auto primary = PgCluster::Start(&error);
  ASSERT_NE(primary, nullptr) << error;
  ASSERT_TRUE(primary->CreateDatabase("retail", &error)) << error;
  Outcome init = Till("init --warehouse '" + primary->Url("retail") + "'");
  ASSERT_EQ(init.exit_code, 0) << init.out;
  auto replica = primary->StartStandby(&error);
  ASSERT_NE(replica, nullptr) << error;
  const std::string location = "--warehouse '" + replica->Url("retail") + "'";

  Outcome loads = Doctor(location);
  EXPECT_EQ(Failed(loads, "replica").size(), 0u) << loads.out;
  EXPECT_NE(loads.out.find("a read-only replica"), std::string::npos) << loads.out;
  auto privileges = Failed(loads, "privileges");
  ASSERT_EQ(privileges.size(), 1u) << loads.out;
  EXPECT_NE(privileges[0].find("point loaders"), std::string::npos) << privileges[0];
  EXPECT_EQ(FailedCount(loads), 1) << loads.out;

  Outcome serving = Doctor("--read-only " + location);
  EXPECT_EQ(serving.exit_code, 0) << serving.out;

  Outcome init_there = Till("init " + location);
  EXPECT_EQ(init_there.exit_code, 1) << init_there.out;
  EXPECT_NE(init_there.out.find("read-only replica"), std::string::npos) << init_there.out;
  EXPECT_NE(init_there.out.find("primary"), std::string::npos) << init_there.out;

  ASSERT_TRUE(primary->Stop(PgCluster::StopMode::kFast, &error)) << error;
  // The replica's receiver notices the primary is gone within moments.
  Outcome cut_off;
  for (int attempt = 0; attempt < 20; ++attempt) {
    cut_off = Doctor("--read-only " + location);
    if (!Failed(cut_off, "replica").empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  auto replica_checks = Failed(cut_off, "replica");
  ASSERT_EQ(replica_checks.size(), 1u) << cut_off.out;
  EXPECT_NE(replica_checks[0].find("receives nothing"), std::string::npos) << replica_checks[0];
  EXPECT_NE(replica_checks[0].find("primary_conninfo"), std::string::npos) << replica_checks[0];
}

TEST_F(DoctorTest, S3ZonesCredentialsBucketsAndEndpoint) {
  testing::MotoServer moto(dir_);
  testing::ScopedEnv aws_settings;  // for the aws client; each till run starts without them
  moto.SetEnvironment(aws_settings);
  ASSERT_NO_FATAL_FAILURE(moto.Start());
  const std::string& endpoint = moto.endpoint();
  const std::string aws_env = moto.EnvAssignments();
  ASSERT_EQ(moto.Aws({"s3", "mb", "s3://landing"}).exit_code, 0);
  ASSERT_EQ(Till("init").exit_code, 0);

  Outcome healthy = Doctor("s3://landing/raw_data/", aws_env);
  EXPECT_EQ(healthy.exit_code, 0) << healthy.out;

  Outcome no_bucket = Doctor("s3://no-such-bucket/raw_data/", aws_env);
  auto zones = Failed(no_bucket, "zone");
  ASSERT_EQ(zones.size(), 1u) << no_bucket.out;
  EXPECT_NE(zones[0].find("NoSuchBucket"), std::string::npos) << zones[0];
  EXPECT_NE(zones[0].find("create the bucket"), std::string::npos) << zones[0];

  Outcome no_credentials = Doctor("s3://landing/raw_data/", "AWS_ENDPOINT_URL=" + endpoint);
  zones = Failed(no_credentials, "zone");
  ASSERT_EQ(zones.size(), 1u) << no_credentials.out;
  EXPECT_NE(zones[0].find("AWS_SESSION_TOKEN), or a profile"), std::string::npos) << zones[0];

  const std::string unreachable = "http://127.0.0.1:" + std::to_string(testing::FreeLoopbackPort());
  Outcome no_store =
      Doctor("s3://landing/raw_data/", aws_env + " AWS_ENDPOINT_URL_S3=" + unreachable);
  zones = Failed(no_store, "zone");
  ASSERT_EQ(zones.size(), 1u) << no_store.out;
  EXPECT_NE(zones[0].find("check AWS_ENDPOINT_URL"), std::string::npos) << zones[0];
}

// The SQS queue of a zone's event notifications (till watch --events): one that exists passes,
// and is only asked for its attributes (a message in it is still unreceived afterwards); a
// missing one, one that is not a queue URL, and one asked without credentials fail the events
// check with their advice.
TEST_F(DoctorTest, EventQueuesExistAndAreReadable) {
  testing::MotoServer moto(dir_);
  testing::ScopedEnv aws_settings;  // for the aws client; each till run starts without them
  moto.SetEnvironment(aws_settings);
  ASSERT_NO_FATAL_FAILURE(moto.Start());
  const std::string aws_env = moto.EnvAssignments();
  ASSERT_EQ(moto.Aws({"s3", "mb", "s3://landing"}).exit_code, 0);
  ASSERT_EQ(moto.Aws({"sqs", "create-queue", "--queue-name", "retail-landing", "--attributes",
                      "VisibilityTimeout=300"})
                .exit_code,
            0);
  const std::string queue = moto.endpoint() + "/123456789012/retail-landing";
  ASSERT_EQ(moto.Aws({"sqs", "send-message", "--queue-url", queue, "--message-body",
                      R"({"Event":"s3:TestEvent"})"})
                .exit_code,
            0);
  ASSERT_EQ(Till("init").exit_code, 0);

  Outcome healthy = Doctor("s3://landing/raw_data/ --events " + queue, aws_env);
  EXPECT_EQ(healthy.exit_code, 0) << healthy.out;
  EXPECT_EQ(FailedCount(healthy), 0) << healthy.out;
  int events_checks = 0;
  for (const auto& item : healthy.report["checks"]) {
    if (item["check"] != "events") continue;
    ++events_checks;
    EXPECT_EQ(item["target"], queue);
    EXPECT_EQ(item["detail"], "readable: 1 message waiting, 0 in flight; visibility timeout 300 s")
        << healthy.out;
  }
  EXPECT_EQ(events_checks, 1) << healthy.out;
  // The doctor received nothing: the message is handed out now for the first time.
  const testing::Outcome receive =
      moto.Aws({"sqs", "receive-message", "--queue-url", queue, "--attribute-names",
                "ApproximateReceiveCount", "--output", "json"});
  ASSERT_EQ(receive.exit_code, 0);
  auto received = nlohmann::json::parse(receive.out, nullptr, false);
  ASSERT_FALSE(received.is_discarded()) << receive.out << receive.err;
  ASSERT_EQ(received["Messages"].size(), 1u) << received.dump();
  EXPECT_EQ(received["Messages"][0]["Attributes"]["ApproximateReceiveCount"], "1")
      << received.dump();

  const std::string missing_queue = moto.endpoint() + "/123456789012/no-such-queue";
  Outcome missing = Doctor("s3://landing/raw_data/ --events " + missing_queue, aws_env);
  auto events = Failed(missing, "events");
  ASSERT_EQ(events.size(), 1u) << missing.out;
  EXPECT_EQ(events[0].rfind(missing_queue + ": ", 0), 0u) << events[0];
  EXPECT_NE(events[0].find("QueueDoesNotExist"), std::string::npos) << events[0];
  EXPECT_NE(events[0].find("create the queue and the bucket's notification"), std::string::npos)
      << events[0];
  EXPECT_EQ(FailedCount(missing), 1) << missing.out;
  EXPECT_EQ(missing.exit_code, 1);

  Outcome not_a_queue = Doctor("--events retail-landing", aws_env);
  events = Failed(not_a_queue, "events");
  ASSERT_EQ(events.size(), 1u) << not_a_queue.out;
  EXPECT_NE(events[0].find("aws sqs get-queue-url"), std::string::npos) << events[0];

  Outcome no_credentials = Doctor("--events " + queue, "AWS_ENDPOINT_URL=" + moto.endpoint());
  events = Failed(no_credentials, "events");
  ASSERT_EQ(events.size(), 1u) << no_credentials.out;
  EXPECT_NE(events[0].find("give credentials"), std::string::npos) << events[0];

  Outcome text = Till("doctor --events " + missing_queue, aws_env);
  EXPECT_EQ(text.exit_code, 1);
  EXPECT_NE(text.out.find("FAIL  events " + missing_queue + ": "), std::string::npos) << text.out;
}

// moto_server serves a bucket whatever region a request is signed for, so AWS's answer to a
// request signed for the wrong region comes from a stand-in at the S3 interface: the documented
// 400 AuthorizationHeaderMalformed, naming the bucket's region, for any other region.
TEST_F(DoctorTest, AZoneAskedInTheWrongRegionFailsWithTheRegionRemedy) {
  httplib::Server s3;
  s3.Get(R"(/landing/?)", [](const httplib::Request& request, httplib::Response& response) {
    std::string authorization = request.get_header_value("Authorization");
    // "AWS4-HMAC-SHA256 Credential=KEY/DATE/REGION/s3/aws4_request, ..."
    size_t scope = authorization.find("Credential=");
    std::string region;
    if (scope != std::string::npos) {
      size_t date = authorization.find('/', scope);
      size_t start = authorization.find('/', date + 1) + 1;
      region = authorization.substr(start, authorization.find('/', start) - start);
    }
    if (region != "eu-west-1") {
      response.status = 400;
      response.set_content(
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>AuthorizationHeaderMalformed"
          "</Code><Message>The authorization header is malformed; the region '" +
              region +
              "' is wrong; expecting 'eu-west-1'</Message><Region>eu-west-1</Region>"
              "</Error>",
          "application/xml");
      return;
    }
    response.set_content(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult><Name>landing</Name>"
        "<KeyCount>0</KeyCount><IsTruncated>false</IsTruncated></ListBucketResult>",
        "application/xml");
  });
  int port = s3.bind_to_any_port("127.0.0.1");
  std::thread serving([&] { s3.listen_after_bind(); });
  while (!s3.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  struct Stop {
    httplib::Server& server;
    std::thread& thread;
    ~Stop() {
      server.stop();
      thread.join();
    }
  } stop{s3, serving};
  ASSERT_EQ(Till("init").exit_code, 0);
  const std::string aws_env =
      "AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing NO_PROXY=127.0.0.1 "
      "no_proxy=127.0.0.1 AWS_ENDPOINT_URL=http://127.0.0.1:" +
      std::to_string(port);

  Outcome wrong = Doctor("s3://landing/raw_data/", aws_env + " AWS_REGION=us-east-1");
  auto zones = Failed(wrong, "zone");
  ASSERT_EQ(zones.size(), 1u) << wrong.out;
  EXPECT_NE(zones[0].find("AuthorizationHeaderMalformed"), std::string::npos) << zones[0];
  EXPECT_NE(zones[0].find("set AWS_REGION to the bucket's region"), std::string::npos) << zones[0];

  Outcome right = Doctor("s3://landing/raw_data/", aws_env + " AWS_REGION=eu-west-1");
  EXPECT_TRUE(Failed(right, "zone").empty()) << right.out;
}

}  // namespace
}  // namespace till
