// S3 landing zones against a real S3-compatible store: moto_server on a free port of 127.0.0.1,
// filled with the aws command-line client, read by the S3 client in process and by `till ingest`
// and `till watch` run as a user runs them.
//
// moto_server and aws belong to the test environment: when either is missing the tests fail and
// say so, rather than skip. Every child runs in a process group of its own and is ended, group
// and all, when its test ends, passes or fails; a child also dies with the test process
// (PR_SET_PDEATHSIG), so that nothing outlives a crash either.
#include "landing/s3_zone.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "generate/generator.h"
#include "landing/zone_events.h"
#include "pipeline/watch.h"
#include "support/child_process.h"
#include "support/moto_server.h"
#include "support/ports.h"
#include "support/temp_dir.h"
#include "warehouse/warehouse.h"

namespace till {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::Child;
using testing::IsolateAwsSettings;
using testing::kCommandTimeout;
using testing::kStopWait;
using testing::MotoServer;
using testing::Outcome;
using testing::ReadFile;
using testing::RunToEnd;
using testing::ScopedEnv;
using testing::TempDir;

// Generous bounds for a slow CI machine; a healthy run takes a fraction of each.
constexpr auto kNewObjectLoads = seconds(20);
// The watch retries an unreachable store after waits that double from 0.5 s up to 60 s (with
// jitter), and lists every 0.5 s besides: past this a recovered store was not noticed.
constexpr auto kRecoveredStoreLoads = seconds(75);

// A TCP port of 127.0.0.1 that nothing listens on at this moment, or 0.
int FreePort() { return testing::FreeLoopbackPort(); }

// Every complete line of `text` as JSON; a line that is not JSON fails the test.
std::vector<nlohmann::json> JsonLines(const std::string& text) {
  std::vector<nlohmann::json> lines;
  size_t start = 0;
  for (size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1) {
    std::string line = text.substr(start, end - start);
    auto parsed = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    EXPECT_FALSE(parsed.is_discarded()) << "not JSON: " << line;
    if (!parsed.is_discarded()) lines.push_back(std::move(parsed));
  }
  return lines;
}

// A raw retail file from the generator, written to `path`; returns its bytes.
std::string Generate(const std::string& path, int64_t rows, uint64_t seed) {
  std::FILE* out = std::fopen(path.c_str(), "wb");
  EXPECT_NE(out, nullptr) << path;
  if (!out) return "";
  GenerateOptions options;
  options.rows = rows;
  options.seed = seed;
  EXPECT_TRUE(GenerateRawFile(options, out));
  std::fclose(out);
  return ReadFile(path);
}

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// The first column of the first row of `sql` in the warehouse at `location`, as text.
std::string QueryOne(const std::string& location, const std::string& sql) {
  auto warehouse = OpenWarehouse(location);
  EXPECT_TRUE(warehouse) << warehouse.error().message();
  if (!warehouse) return "";
  auto result = (*warehouse)->Query(sql, {});
  EXPECT_TRUE(result) << sql << ": " << result.error().message();
  if (!result || result->rows.empty() || result->rows[0].empty()) return "";
  return result->rows[0][0].value_or("NULL");
}

// What two warehouses that hold the same rows agree on.
std::string Holdings(const std::string& location) {
  return QueryOne(location,
                  "SELECT count(*) || ' facts, ' || coalesce(sum(quantity), 0) || ' items, ' || "
                  "count(DISTINCT transaction_id) || ' transactions' FROM fact_sales");
}

class S3SettingsTest : public ::testing::Test {
 protected:
  void SetUp() override { IsolateAwsSettings(env_, dir_); }

  S3Settings Settings() {
    auto settings = S3SettingsFromEnvironment();
    EXPECT_TRUE(settings) << settings.error().message();
    return settings ? *settings : S3Settings{};
  }

  TempDir dir_;
  ScopedEnv env_;
};

TEST_F(S3SettingsTest, ComeFromTheEnvironmentVariables) {
  env_.Set("AWS_ACCESS_KEY_ID", "AKIAENVIRONMENT");
  env_.Set("AWS_SECRET_ACCESS_KEY", "secret/with+odd=characters");
  env_.Set("AWS_SESSION_TOKEN", "token-from-env");
  env_.Set("AWS_DEFAULT_REGION", "eu-west-1");
  S3Settings settings = Settings();
  EXPECT_EQ(settings.access_key, "AKIAENVIRONMENT");
  EXPECT_EQ(settings.secret_key, "secret/with+odd=characters");
  EXPECT_EQ(settings.session_token, "token-from-env");
  EXPECT_EQ(settings.region, "eu-west-1");
  EXPECT_EQ(settings.endpoint, "");
  EXPECT_FALSE(settings.path_style);

  env_.Set("AWS_REGION", "ap-southeast-2");  // the SDKs' name wins over the CLI's
  EXPECT_EQ(Settings().region, "ap-southeast-2");
  env_.Unset("AWS_REGION");
  env_.Unset("AWS_DEFAULT_REGION");
  EXPECT_EQ(Settings().region, "us-east-1");
}

TEST_F(S3SettingsTest, AwsProfileChoosesAProfileOfTheSharedFiles) {
  dir_.Write("credentials",
             "# two profiles\n"
             "[default]\n"
             "aws_access_key_id = AKIADEFAULT\n"
             "aws_secret_access_key = default-secret\n"
             "\n"
             "[work]\n"
             "aws_access_key_id=AKIAWORK\n"
             "aws_secret_access_key=work-secret\n"
             "aws_session_token = work-token\n");
  dir_.Write("config",
             "[default]\n"
             "region = us-west-2\n"
             "[profile work]\n"
             "region = eu-central-1\n"
             "[profile config-only]\n"
             "aws_access_key_id = AKIACONFIG\n"
             "aws_secret_access_key = config-secret\n"
             "region = sa-east-1\n");
  env_.Set("AWS_SHARED_CREDENTIALS_FILE", dir_.Path("credentials"));
  env_.Set("AWS_CONFIG_FILE", dir_.Path("config"));

  S3Settings fallback = Settings();
  EXPECT_EQ(fallback.access_key, "AKIADEFAULT");
  EXPECT_EQ(fallback.secret_key, "default-secret");
  EXPECT_EQ(fallback.session_token, "");
  EXPECT_EQ(fallback.region, "us-west-2");

  env_.Set("AWS_PROFILE", "work");
  S3Settings work = Settings();
  EXPECT_EQ(work.access_key, "AKIAWORK");
  EXPECT_EQ(work.secret_key, "work-secret");
  EXPECT_EQ(work.session_token, "work-token");
  EXPECT_EQ(work.region, "eu-central-1");  // from "[profile work]", not "[work]" or "[default]"

  env_.Set("AWS_PROFILE", "config-only");  // credentials may live in the config file too
  S3Settings config_only = Settings();
  EXPECT_EQ(config_only.access_key, "AKIACONFIG");
  EXPECT_EQ(config_only.secret_key, "config-secret");
  EXPECT_EQ(config_only.region, "sa-east-1");
}

// As the aws CLI and the SDKs resolve them: AWS_DEFAULT_REGION beats the config file's region,
// and credentials from the environment are taken whole, never completed with a session token
// of the shared file (which belongs to other keys and would make every request fail).
TEST_F(S3SettingsTest, TheEnvironmentBeatsTheSharedFiles) {
  dir_.Write("credentials",
             "[default]\n"
             "aws_access_key_id = AKIAFILE\n"
             "aws_secret_access_key = file-secret\n"
             "aws_session_token = file-token\n");
  dir_.Write("config", "[default]\nregion = us-west-2\n");
  env_.Set("AWS_SHARED_CREDENTIALS_FILE", dir_.Path("credentials"));
  env_.Set("AWS_CONFIG_FILE", dir_.Path("config"));
  env_.Set("AWS_ACCESS_KEY_ID", "AKIAENVIRONMENT");
  env_.Set("AWS_SECRET_ACCESS_KEY", "env-secret");
  env_.Set("AWS_DEFAULT_REGION", "eu-west-1");
  S3Settings settings = Settings();
  EXPECT_EQ(settings.access_key, "AKIAENVIRONMENT");
  EXPECT_EQ(settings.secret_key, "env-secret");
  EXPECT_EQ(settings.region, "eu-west-1") << "AWS_DEFAULT_REGION must beat the config file";
  EXPECT_EQ(settings.session_token, "")
      << "a session token of the shared file was paired with the environment's keys";
}

TEST_F(S3SettingsTest, NoCredentialsIsAnInvalidArgumentThatSaysWhatToSet) {
  auto none = S3SettingsFromEnvironment();
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(none.error().message().find("AWS_ACCESS_KEY_ID"), std::string::npos)
      << none.error().message();

  env_.Set("AWS_ACCESS_KEY_ID", "AKIAHALF");  // a key without its secret is no credential
  auto half = S3SettingsFromEnvironment();
  ASSERT_FALSE(half);
  EXPECT_EQ(half.error().code(), ErrorCode::kInvalidArgument);

  env_.Unset("AWS_ACCESS_KEY_ID");
  env_.Set("AWS_PROFILE", "nobody");
  auto missing_profile = S3SettingsFromEnvironment();
  ASSERT_FALSE(missing_profile);
  EXPECT_EQ(missing_profile.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(missing_profile.error().message().find("nobody"), std::string::npos)
      << missing_profile.error().message();
}

TEST_F(S3SettingsTest, ACustomEndpointIsAddressedByPath) {
  env_.Set("AWS_ACCESS_KEY_ID", "testing");
  env_.Set("AWS_SECRET_ACCESS_KEY", "testing");
  env_.Set("AWS_ENDPOINT_URL", "http://127.0.0.1:9000/");
  S3Settings settings = Settings();
  EXPECT_EQ(settings.endpoint, "http://127.0.0.1:9000");
  EXPECT_TRUE(settings.path_style);

  env_.Set("AWS_ENDPOINT_URL_S3", "http://s3.example.test:9100");  // the service's own wins
  EXPECT_EQ(Settings().endpoint, "http://s3.example.test:9100");

  env_.Set("TILL_S3_ADDRESSING", "virtual");
  EXPECT_FALSE(Settings().path_style);
  env_.Unset("AWS_ENDPOINT_URL");
  env_.Unset("AWS_ENDPOINT_URL_S3");
  env_.Set("TILL_S3_ADDRESSING", "path");
  S3Settings aws_by_path = Settings();
  EXPECT_EQ(aws_by_path.endpoint, "");
  EXPECT_TRUE(aws_by_path.path_style);
}

// A moto_server of its own for each test, on a free port of 127.0.0.1 (started by the test,
// which may first want an endpoint where nothing answers), and the AWS settings that the aws
// client, the S3 client in process and every till child read.
class S3ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(HasFailure());  // moto_server or aws missing, or no free port
    moto_.SetEnvironment(env_);
    port_ = moto_.port();
    endpoint_ = moto_.endpoint();
  }

  void StartServer() { moto_.Start(); }
  Outcome Aws(std::vector<std::string> args) { return moto_.Aws(std::move(args)); }
  void MakeBucket(const std::string& bucket) { Aws({"s3", "mb", "s3://" + bucket}); }
  void Put(const std::string& local, const std::string& bucket, const std::string& key) {
    Aws({"s3", "cp", "--only-show-errors", local, "s3://" + bucket + "/" + key});
  }

  // Runs `till ARGS…` to its end in the test's folder.
  Outcome Till(std::vector<std::string> args) {
    std::vector<std::string> argv = {TILL_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunToEnd(argv, dir_);
  }

  TempDir dir_;
  ScopedEnv env_;
  MotoServer moto_{dir_};  // after dir_: stopped before its folder goes
  int port_ = 0;
  std::string endpoint_;
};

using S3ClientTest = S3ServerTest;

S3Client ClientFromEnvironment() {
  auto settings = S3SettingsFromEnvironment();
  EXPECT_TRUE(settings) << settings.error().message();
  return S3Client(settings ? *settings : S3Settings{});
}

TEST_F(S3ClientTest, KeysWithSpacesPlusAndNonAsciiListAndDownloadByteExact) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  MakeBucket("odd-keys");
  const std::vector<std::string> keys = {"odd/with space.csv", "odd/plus+sign.csv",
                                         "odd/caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC.csv",
                                         "odd/100%25 & a=b~(1).csv", "odd/nested/deeper/file.csv"};
  std::map<std::string, std::string> contents;
  int index = 0;
  for (const std::string& key : keys) {
    // Every byte value, CR and LF and NUL among them, and enough to need many writes.
    std::string bytes = key + "\r\n";
    for (int c = 0; c < 256; ++c) bytes += static_cast<char>(c);
    uint32_t state = 2166136261u + static_cast<uint32_t>(index);
    for (int i = 0; i < 300000; ++i) {
      state = state * 1664525u + 1013904223u;
      bytes += static_cast<char>(state >> 24);
    }
    std::string local = dir_.Write("upload-" + std::to_string(index++), bytes);
    Put(local, "odd-keys", key);
    contents[key] = bytes;
  }
  Put(dir_.Write("elsewhere", "x"), "odd-keys", "other/not-listed.csv");

  S3Client client = ClientFromEnvironment();
  auto listed = client.List("odd-keys", "odd/");
  ASSERT_TRUE(listed) << listed.error().message();
  std::map<std::string, int64_t> sizes;
  for (const S3Object& object : *listed) {
    EXPECT_FALSE(object.etag.empty()) << object.key;
    sizes[object.key] = object.size;
  }
  std::map<std::string, int64_t> expected_sizes;
  for (const auto& [key, bytes] : contents) expected_sizes[key] = std::ssize(bytes);
  EXPECT_EQ(sizes, expected_sizes);
  EXPECT_EQ(listed->size(), keys.size()) << "a key was listed twice";

  for (const auto& [key, bytes] : contents) {
    std::string path = dir_.Path("download");
    Status downloaded = client.Download("odd-keys", key, path);
    ASSERT_TRUE(downloaded) << key << ": " << downloaded.error().message();
    std::string got = ReadFile(path);
    EXPECT_EQ(got.size(), bytes.size()) << key;
    EXPECT_TRUE(got == bytes) << key << ": the download differs from what was uploaded";
  }

  // A prefix that is itself an odd key's start lists just that key.
  auto cafe = client.List("odd-keys", "odd/caf\xC3\xA9 ");
  ASSERT_TRUE(cafe) << cafe.error().message();
  ASSERT_EQ(cafe->size(), 1u);
  EXPECT_EQ(cafe->at(0).key, "odd/caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC.csv");
  auto plus = client.List("odd-keys", "odd/plus+");
  ASSERT_TRUE(plus) << plus.error().message();
  ASSERT_EQ(plus->size(), 1u);
  EXPECT_EQ(plus->at(0).key, "odd/plus+sign.csv");

  Status missing = client.Download("odd-keys", "odd/no such key.csv", dir_.Path("missing"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::kIoError);
  EXPECT_NE(missing.error().message().find("404"), std::string::npos) << missing.error().message();
}

TEST_F(S3ClientTest, ListFollowsContinuationTokensPastAThousandObjects) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  MakeBucket("many");
  constexpr int kObjects = 1010;
  fs::create_directories(dir_.Path("many/part"));
  std::set<std::string> expected;
  for (int i = 0; i < kObjects; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "part-%04d.csv", i);
    dir_.Write(std::string("many/part/") + name, std::to_string(i));
    expected.insert(std::string("daily/part/") + name);
  }
  dir_.Write("many/beside.csv", "not under the prefix listed");
  Aws({"s3", "sync", "--only-show-errors", dir_.Path("many"), "s3://many/daily/"});

  // The store itself pages at 1,000 keys, so this listing takes more than one request.
  Outcome page = Aws({"s3api", "list-objects-v2", "--bucket", "many", "--prefix", "daily/part/",
                      "--no-paginate", "--query", "IsTruncated", "--output", "text"});
  EXPECT_EQ(page.out, "True\n") << "moto no longer pages at 1,000 keys; this test needs it to";

  auto listed = ClientFromEnvironment().List("many", "daily/part/");
  ASSERT_TRUE(listed) << listed.error().message();
  std::multiset<std::string> keys;
  for (const S3Object& object : *listed) keys.insert(object.key);
  EXPECT_EQ(keys.size(), static_cast<size_t>(kObjects));
  EXPECT_EQ(std::set<std::string>(keys.begin(), keys.end()), expected);
  for (const std::string& key : expected) EXPECT_EQ(keys.count(key), 1u) << key;
}

TEST_F(S3ClientTest, APrefixWithNothingUnderItListsEmpty) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  MakeBucket("sparse");
  Put(dir_.Write("one.csv", "a\n"), "sparse", "raw_data/one.csv");
  S3Client client = ClientFromEnvironment();
  for (const char* prefix : {"nothing/", "raw_data/one.csvx", "raw_data/two"}) {
    auto listed = client.List("sparse", prefix);
    ASSERT_TRUE(listed) << prefix << ": " << listed.error().message();
    EXPECT_TRUE(listed->empty()) << prefix;
  }
  auto all = client.List("sparse", "");
  ASSERT_TRUE(all) << all.error().message();
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ(all->at(0).key, "raw_data/one.csv");
  EXPECT_EQ(all->at(0).size, 2);
}

TEST_F(S3ClientTest, AMissingBucketIsAnErrorNamingTheBucketAndTheStatus) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  auto listed = ClientFromEnvironment().List("no-such-bucket", "raw_data/");
  ASSERT_FALSE(listed);
  EXPECT_EQ(listed.error().code(), ErrorCode::kIoError);
  EXPECT_NE(listed.error().message().find("no-such-bucket"), std::string::npos)
      << listed.error().message();
  EXPECT_NE(listed.error().message().find("404"), std::string::npos) << listed.error().message();
}

TEST_F(S3ClientTest, AnUnreachableStoreIsAnIoError) {
  // Nothing listens on port_: no server was started.
  auto listed = ClientFromEnvironment().List("bucket", "");
  ASSERT_FALSE(listed);
  EXPECT_EQ(listed.error().code(), ErrorCode::kIoError);
}

// moto checks signatures once INITIAL_NO_AUTH_ACTION_COUNT requests have passed, against the
// keys of its own IAM users. (Its check goes wrong by itself for keys with '+' or non-ASCII
// letters, and for listings with a prefix: the aws client fails those too. So what is signed
// here is a listing without prefix and downloads of keys it checks right.)
TEST_F(S3ClientTest, RequestsAreSignedSoThatAStoreThatChecksAcceptsThem) {
  env_.Set("INITIAL_NO_AUTH_ACTION_COUNT", "3");
  ASSERT_NO_FATAL_FAILURE(StartServer());
  Aws({"iam", "create-user", "--user-name", "till"});
  Aws({"iam", "put-user-policy", "--user-name", "till", "--policy-name", "s3", "--policy-document",
       R"({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*",)"
       R"( "Resource": "*"}]})"});
  Outcome key = Aws({"iam", "create-access-key", "--user-name", "till", "--query",
                     "AccessKey.[AccessKeyId,SecretAccessKey]", "--output", "text"});
  size_t tab = key.out.find('\t');
  ASSERT_NE(tab, std::string::npos) << key.out;
  const std::string access_key = key.out.substr(0, tab);
  const std::string secret_key = key.out.substr(tab + 1, key.out.find('\n') - tab - 1);
  env_.Set("AWS_ACCESS_KEY_ID", access_key);
  env_.Set("AWS_SECRET_ACCESS_KEY", secret_key);
  MakeBucket("signed");
  std::string plain = dir_.Write("plain.csv", "Date,Amount\n5/1/2023,2\n");
  std::string spaced = dir_.Write("spaced.csv", std::string("with\0bytes\r\n", 12));
  Put(plain, "signed", "raw_data/2024-01.csv");
  Put(spaced, "signed", "with space/2024-02.csv");

  S3Client client = ClientFromEnvironment();
  auto listed = client.List("signed", "");
  ASSERT_TRUE(listed) << listed.error().message();
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ(listed->at(0).key, "raw_data/2024-01.csv");
  EXPECT_EQ(listed->at(1).key, "with space/2024-02.csv");
  for (const auto& [key_name, local] :
       {std::pair{"raw_data/2024-01.csv", plain}, std::pair{"with space/2024-02.csv", spaced}}) {
    Status downloaded = client.Download("signed", key_name, dir_.Path("download"));
    ASSERT_TRUE(downloaded) << key_name << ": " << downloaded.error().message();
    EXPECT_EQ(ReadFile(dir_.Path("download")), ReadFile(local)) << key_name;
  }

  // A wrong secret is refused, and the error says by whom and how.
  S3Settings wrong;
  wrong.access_key = access_key;
  wrong.secret_key = secret_key + "x";
  wrong.endpoint = endpoint_;
  wrong.path_style = true;
  auto refused = S3Client(wrong).List("signed", "");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kIoError);
  EXPECT_NE(refused.error().message().find("403"), std::string::npos) << refused.error().message();
  EXPECT_NE(refused.error().message().find("s3://signed/"), std::string::npos)
      << refused.error().message();
}

using S3IngestTest = S3ServerTest;

// `till ingest s3://…` loads what a local `till ingest` of the same bytes loads, names the
// object by its s3:// URL, and skips content it loaded already.
TEST_F(S3IngestTest, AnObjectAndAPrefixLoadLikeTheSameLocalFiles) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  MakeBucket("shop");
  fs::create_directories(dir_.Path("local"));
  Generate(dir_.Path("local/2024-02.csv"), 400, 2);
  Generate(dir_.Path("local/2024-03.csv"), 300, 3);
  Put(dir_.Path("local/2024-02.csv"), "shop", "raw_data/2024-02.csv");
  Put(dir_.Path("local/2024-03.csv"), "shop", "raw_data/2024-03.csv");
  Put(dir_.Write("notes.txt", "not a raw file"), "shop", "raw_data/notes.txt");
  Put(dir_.Path("local/2024-03.csv"), "shop", "raw_data_old/2024-03.csv");

  const std::string s3_db = dir_.Path("s3.db");
  const std::string local_db = dir_.Path("local.db");
  // Where till streams the objects it reads, to see that none is left behind.
  fs::create_directories(dir_.Path("tmp"));
  env_.Set("TMPDIR", dir_.Path("tmp"));
  Outcome object =
      Till({"ingest", "s3://shop/raw_data/2024-02.csv", "--warehouse", s3_db, "--json"});
  ASSERT_EQ(object.exit_code, 0) << object.err;
  Outcome local =
      Till({"ingest", dir_.Path("local/2024-02.csv"), "--warehouse", local_db, "--json"});
  ASSERT_EQ(local.exit_code, 0) << local.err;
  auto from_s3 = JsonLines(object.out);
  auto from_disk = JsonLines(local.out);
  ASSERT_EQ(from_s3.size(), 1u) << object.out;
  ASSERT_EQ(from_disk.size(), 1u) << local.out;
  EXPECT_EQ(from_s3[0]["status"], "loaded");
  EXPECT_EQ(from_s3[0]["uri"], "s3://shop/raw_data/2024-02.csv");
  for (const char* field : {"rows_read", "rows_loaded", "rows_rejected", "rows_duplicate",
                            "values_nulled", "month_mismatches", "sha256", "size_bytes"}) {
    EXPECT_EQ(from_s3[0][field], from_disk[0][field]) << field;
  }
  EXPECT_GT(from_s3[0]["rows_loaded"].get<int64_t>(), 0);
  EXPECT_EQ(QueryOne(s3_db, "SELECT group_concat(uri) FROM etl_file"),
            "s3://shop/raw_data/2024-02.csv");
  EXPECT_EQ(Holdings(s3_db), Holdings(local_db));
  EXPECT_EQ(QueryOne(s3_db, "SELECT count(*) FROM etl_reject"),
            QueryOne(local_db, "SELECT count(*) FROM etl_reject"));

  Outcome again =
      Till({"ingest", "s3://shop/raw_data/2024-02.csv", "--warehouse", s3_db, "--json"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  auto skipped = JsonLines(again.out);
  ASSERT_EQ(skipped.size(), 1u) << again.out;
  EXPECT_EQ(skipped[0]["status"], "skipped");
  EXPECT_EQ(skipped[0]["uri"], "s3://shop/raw_data/2024-02.csv");

  // The prefix stands for its raw files, in key order: 2024-02 is loaded already.
  Outcome prefix = Till({"ingest", "s3://shop/raw_data/", "--warehouse", s3_db, "--json"});
  EXPECT_EQ(prefix.exit_code, 0) << prefix.err;
  auto files = JsonLines(prefix.out);
  ASSERT_EQ(files.size(), 2u) << prefix.out;
  EXPECT_EQ(files[0]["uri"], "s3://shop/raw_data/2024-02.csv");
  EXPECT_EQ(files[0]["status"], "skipped");
  EXPECT_EQ(files[1]["uri"], "s3://shop/raw_data/2024-03.csv");
  EXPECT_EQ(files[1]["status"], "loaded");
  ASSERT_EQ(Till({"ingest", dir_.Path("local/2024-03.csv"), "--warehouse", local_db}).exit_code, 0);
  EXPECT_EQ(Holdings(s3_db), Holdings(local_db));
  EXPECT_EQ(QueryOne(s3_db,
                     "SELECT count(*) FROM etl_file WHERE status = 'loaded' AND uri LIKE "
                     "'s3://shop/raw_data/%'"),
            "2");

  // An object whose key has spaces, '+' and non-ASCII letters, named by its URL as given.
  const std::string odd_url = "s3://shop/odd keys/2024-04+caf\xC3\xA9 \xE6\x97\xA5.csv";
  Generate(dir_.Path("local/2024-04.csv"), 200, 4);
  Put(dir_.Path("local/2024-04.csv"), "shop", odd_url.substr(std::strlen("s3://shop/")));
  Outcome odd = Till({"ingest", odd_url, "--warehouse", s3_db, "--json"});
  EXPECT_EQ(odd.exit_code, 0) << odd.err;
  auto odd_files = JsonLines(odd.out);
  ASSERT_EQ(odd_files.size(), 1u) << odd.out;
  EXPECT_EQ(odd_files[0]["status"], "loaded");
  EXPECT_EQ(odd_files[0]["uri"], odd_url);
  ASSERT_EQ(Till({"ingest", dir_.Path("local/2024-04.csv"), "--warehouse", local_db}).exit_code, 0);
  EXPECT_EQ(Holdings(s3_db), Holdings(local_db));

  EXPECT_TRUE(fs::is_empty(dir_.Path("tmp"))) << "a downloaded copy outlived its load";
}

TEST_F(S3IngestTest, AMissingObjectOrBucketExitsOneNamingIt) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  MakeBucket("shop");
  Put(dir_.Write("2024-01.csv", "Date,Total_Purchases,Amount\n5/1/2023,1,2\n"), "shop",
      "raw_data/2024-01.csv");
  const std::string db = dir_.Path("till.db");

  Outcome object = Till({"ingest", "s3://shop/raw_data/2024-99.csv", "--warehouse", db});
  EXPECT_EQ(object.exit_code, 1) << object.out << object.err;
  EXPECT_NE(object.err.find("s3://shop/raw_data/2024-99.csv"), std::string::npos) << object.err;
  EXPECT_NE(object.err.find("no such object"), std::string::npos) << object.err;

  Outcome bucket = Till({"ingest", "s3://no-such-bucket/raw_data/", "--warehouse", db});
  EXPECT_EQ(bucket.exit_code, 1) << bucket.out << bucket.err;
  EXPECT_NE(bucket.err.find("no-such-bucket"), std::string::npos) << bucket.err;

  Outcome empty = Till({"ingest", "s3://shop/nothing_here/", "--warehouse", db});
  EXPECT_EQ(empty.exit_code, 1) << empty.out << empty.err;
  EXPECT_NE(empty.err.find("s3://shop/nothing_here/"), std::string::npos) << empty.err;

  EXPECT_EQ(QueryOne(db, "SELECT count(*) FROM fact_sales"), "0");
  EXPECT_EQ(QueryOne(db, "SELECT count(*) FROM etl_file WHERE status = 'failed'"), "3");
}

// A `till watch` child with its output in files of the test's folder.
class Watcher {
 public:
  // Its output goes to NAME.out and NAME.err.
  Watcher(const TempDir& dir, std::vector<std::string> args, std::string name = "watch")
      : dir_(dir), name_(std::move(name)) {
    std::vector<std::string> argv = {TILL_BINARY, "watch"};
    argv.insert(argv.end(), args.begin(), args.end());
    std::string error;
    started_ = child_.Start(argv, dir.Path(""), dir.Path(name_ + ".out"), dir.Path(name_ + ".err"),
                            &error);
    EXPECT_TRUE(started_) << error;
  }

  std::string out() const { return ReadFile(dir_.Path(name_ + ".out")); }
  std::string err() const { return ReadFile(dir_.Path(name_ + ".err")); }
  Child& child() { return child_; }

  // Waits until a JSON line after those seen so far satisfies `wanted`, and returns it;
  // fails the test when the watch exits or `timeout` passes first.
  std::optional<nlohmann::json> WaitForLine(
      const std::function<bool(const nlohmann::json&)>& wanted, Clock::duration timeout,
      const std::string& what) {
    auto deadline = Clock::now() + timeout;
    for (;;) {
      auto lines = JsonLines(out());
      for (; seen_ < lines.size(); ++seen_) {
        if (wanted(lines[seen_])) return lines[seen_++];
      }
      if (!child_.Running()) {
        ADD_FAILURE() << "till watch exited while waiting for " << what << "\nstdout:\n"
                      << out() << "\nstderr:\n"
                      << err();
        return std::nullopt;
      }
      if (Clock::now() > deadline) {
        ADD_FAILURE() << "no " << what << " within "
                      << std::chrono::duration_cast<seconds>(timeout).count() << " s\nstdout:\n"
                      << out() << "\nstderr:\n"
                      << err();
        return std::nullopt;
      }
      std::this_thread::sleep_for(milliseconds(50));
    }
  }

  // Waits for the line of `key` with `status`.
  std::optional<nlohmann::json> WaitFor(const std::string& key, const std::string& status,
                                        Clock::duration timeout = kNewObjectLoads) {
    return WaitForLine(
        [&](const nlohmann::json& line) {
          return line.value("key", "") == key && line.value("status", "") == status;
        },
        timeout, "\"" + status + "\" line for " + key);
  }

 private:
  const TempDir& dir_;
  std::string name_;
  Child child_;
  bool started_ = false;
  size_t seen_ = 0;
};

using S3WatchTest = S3ServerTest;

TEST_F(S3WatchTest, LoadsNewObjectsOnceAndFollowsOverwrites) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  MakeBucket("landing");
  fs::create_directories(dir_.Path("local"));
  const std::string first = dir_.Path("local/first.csv");
  const std::string second = dir_.Path("local/second.csv");
  const std::string third = dir_.Path("local/third.csv");
  Generate(first, 300, 11);
  Generate(second, 250, 12);
  Generate(third, 200, 13);
  Put(first, "landing", "raw_data/2024-01.csv");
  Put(dir_.Write("readme.txt", "not a raw file"), "landing", "raw_data/readme.txt");
  Put(second, "landing", "elsewhere/2024-01.csv");

  const std::string db = dir_.Path("watch.db");
  const std::string zone = "s3://landing/raw_data/";
  fs::create_directories(dir_.Path("tmp"));
  env_.Set("TMPDIR", dir_.Path("tmp"));
  Watcher watch(dir_, {zone, "--warehouse", db, "--rescan", "0.5", "--json"});
  auto loaded = watch.WaitFor("2024-01.csv", "loaded");
  ASSERT_TRUE(loaded);
  EXPECT_EQ((*loaded)["uri"], zone + "2024-01.csv");
  const int64_t first_id = (*loaded)["file_id"].get<int64_t>();

  // A new object, with a key of spaces, '+' and non-ASCII letters.
  const std::string odd_key = "new 2024-02+caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC.csv";
  auto upload_started = Clock::now();
  Put(second, "landing", "raw_data/" + odd_key);
  double upload = SecondsSince(upload_started);
  auto odd = watch.WaitFor(odd_key, "loaded");
  ASSERT_TRUE(odd);
  double latency = SecondsSince(upload_started);
  RecordProperty("new_object_load_seconds", std::to_string(latency));
  std::printf(
      "[ measured ] a new object loaded %.2f s after its upload began (the upload took "
      "%.2f s)\n",
      latency, upload);
  EXPECT_EQ((*odd)["uri"], zone + odd_key);
  const int64_t second_id = (*odd)["file_id"].get<int64_t>();

  // The same bytes under a second key add nothing; the key is recorded as holding them.
  const std::string copy_key = "copy of 2024-01.csv";
  Put(first, "landing", "raw_data/" + copy_key);
  auto copy = watch.WaitForLine(
      [&](const nlohmann::json& line) { return line.value("key", "") == copy_key; },
      kNewObjectLoads, "a line for " + copy_key);
  ASSERT_TRUE(copy);
  EXPECT_EQ((*copy)["status"], "skipped") << copy->dump();
  EXPECT_EQ((*copy)["rows_loaded"], 0);
  EXPECT_EQ(QueryOne(db, "SELECT file_id || ' ' || status FROM landing_key WHERE key = '" +
                             copy_key + "'"),
            std::to_string(first_id) + " loaded");
  EXPECT_EQ(
      QueryOne(db, "SELECT count(*) FROM fact_sales WHERE file_id = " + std::to_string(first_id)),
      QueryOne(db, "SELECT rows_loaded FROM etl_file WHERE file_id = " + std::to_string(first_id)));

  // Overwritten with new content, the key's old rows go and the new ones come, in one step.
  Put(third, "landing", "raw_data/" + odd_key);
  auto overwritten = watch.WaitFor(odd_key, "loaded");
  ASSERT_TRUE(overwritten);
  const int64_t third_id = (*overwritten)["file_id"].get<int64_t>();
  EXPECT_NE(third_id, second_id);
  EXPECT_EQ(
      QueryOne(db, "SELECT count(*) FROM fact_sales WHERE file_id = " + std::to_string(second_id)),
      "0");
  EXPECT_NE(
      QueryOne(db, "SELECT count(*) FROM fact_sales WHERE file_id = " + std::to_string(third_id)),
      "0");
  EXPECT_EQ(QueryOne(db, "SELECT file_id FROM landing_key WHERE key = '" + odd_key + "'"),
            std::to_string(third_id));
  // A fresh local load of what the zone holds now holds the same rows.
  const std::string overwritten_db = dir_.Path("reference-overwritten.db");
  ASSERT_EQ(Till({"ingest", first, first, third, "--warehouse", overwritten_db}).exit_code, 0);
  EXPECT_EQ(Holdings(db), Holdings(overwritten_db)) << "after overwriting " << odd_key;

  // And back to the content it held first: that content loads again, the other goes.
  Put(second, "landing", "raw_data/" + odd_key);
  auto back = watch.WaitForLine(
      [&](const nlohmann::json& line) { return line.value("key", "") == odd_key; }, kNewObjectLoads,
      "a line for " + odd_key + " back at its first content");
  ASSERT_TRUE(back);
  EXPECT_EQ((*back)["status"], "loaded") << back->dump();
  EXPECT_EQ(
      QueryOne(db, "SELECT count(*) FROM fact_sales WHERE file_id = " + std::to_string(third_id)),
      "0");
  const std::string restored_db = dir_.Path("reference-restored.db");
  ASSERT_EQ(Till({"ingest", first, second, "--warehouse", restored_db}).exit_code, 0);
  EXPECT_EQ(Holdings(db), Holdings(restored_db)) << "after restoring " << odd_key;

  // Nothing outside the prefix, and no file that is not raw, was touched; the first file's
  // rows never moved.
  EXPECT_EQ(QueryOne(db, "SELECT count(*) FROM etl_file WHERE uri NOT LIKE '" + zone + "%'"), "0");
  EXPECT_EQ(QueryOne(db, "SELECT count(*) FROM landing_key WHERE key LIKE '%readme%'"), "0");
  EXPECT_EQ(
      QueryOne(db, "SELECT count(*) FROM fact_sales WHERE file_id = " + std::to_string(first_id)),
      QueryOne(db, "SELECT rows_loaded FROM etl_file WHERE file_id = " + std::to_string(first_id)));

  auto code = watch.child().Stop(SIGTERM, kStopWait);
  EXPECT_EQ(code, std::optional<int>(0)) << watch.err();
  EXPECT_TRUE(fs::is_empty(dir_.Path("tmp"))) << "a downloaded copy outlived its load";
  // Every line of --json is JSON (JsonLines fails the test on one that is not), and nothing
  // but the files' lines is there.
  auto lines = JsonLines(watch.out());
  EXPECT_EQ(lines.size(), 5u) << watch.out();
  for (const auto& line : lines) {
    EXPECT_TRUE(line.contains("key") && line.contains("status") && line.contains("file_id"))
        << line.dump();
  }
}

// The store is down when the watch starts and for a while after: the watch keeps going, says it
// will retry, and loads what arrives once the store is back, within the capped backoff.
TEST_F(S3WatchTest, WaitsOutAStoreThatIsDownAndLoadsOnceItIsBack) {
  const std::string db = dir_.Path("watch.db");
  Watcher watch(dir_, {"s3://landing/raw_data/", "--warehouse", db, "--rescan", "0.5"});
  auto started = Clock::now();
  constexpr size_t kRetries = 3;
  for (;;) {
    std::string err = watch.err();
    size_t retries = 0;
    for (size_t at = 0; (at = err.find("will retry", at)) != std::string::npos; ++at) ++retries;
    if (retries >= kRetries) break;
    ASSERT_TRUE(watch.child().Running()) << "till watch exited while the store was down\nstdout:\n"
                                         << watch.out() << "\nstderr:\n"
                                         << err;
    ASSERT_LT(Clock::now(), started + seconds(30))
        << "fewer than " << kRetries << " \"will retry\" reports in 30 s\nstderr:\n"
        << err;
    std::this_thread::sleep_for(milliseconds(50));
  }
  EXPECT_NE(watch.err().find(endpoint_), std::string::npos)
      << "the retry report does not say what it could not reach:\n"
      << watch.err();
  EXPECT_TRUE(watch.child().Running());
  std::printf("[ measured ] %zu retries reported in %.2f s while the store was down\n", kRetries,
              SecondsSince(started));

  ASSERT_NO_FATAL_FAILURE(StartServer());
  MakeBucket("landing");
  std::string file = dir_.Path("2024-05.csv");
  Generate(file, 100, 5);
  auto uploaded = Clock::now();
  Put(file, "landing", "raw_data/2024-05.csv");
  auto deadline = uploaded + kRecoveredStoreLoads;
  while (watch.out().find("loaded   2024-05.csv") == std::string::npos) {
    ASSERT_TRUE(watch.child().Running()) << "till watch exited\nstdout:\n"
                                         << watch.out() << "\nstderr:\n"
                                         << watch.err();
    ASSERT_LT(Clock::now(), deadline)
        << "the object was not loaded within " << kRecoveredStoreLoads.count()
        << " s of its upload\nstdout:\n"
        << watch.out() << "\nstderr:\n"
        << watch.err();
    std::this_thread::sleep_for(milliseconds(50));
  }
  double latency = SecondsSince(uploaded);
  double down = std::chrono::duration<double>(uploaded - started).count();
  RecordProperty("recovered_store_load_seconds", std::to_string(latency));
  std::printf("[ measured ] down %.2f s in all; the object loaded %.2f s after its upload began\n",
              down, latency);
  EXPECT_EQ(QueryOne(db,
                     "SELECT status FROM etl_file WHERE uri = 's3://landing/raw_data/"
                     "2024-05.csv'"),
            "loaded");

  auto code = watch.child().Stop(SIGTERM, kStopWait);
  EXPECT_EQ(code, std::optional<int>(0)) << watch.err();
}

// `till watch --once` gives up on a zone it cannot reach, after --give-up seconds of failures
// in a row, with exit code 1 and the reason, instead of retrying for ever.
TEST_F(S3WatchTest, OnceGivesUpOnAMissingBucketOrADownStoreWithTheReason) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  const std::string db = dir_.Path("watch.db");
  {
    Watcher watch(dir_, {"s3://no-such-bucket/raw_data/", "--warehouse", db, "--once", "--give-up",
                         "2", "--rescan", "0.5"});
    auto code = watch.child().Wait(seconds(60));
    ASSERT_TRUE(code) << "till watch --once still runs against a missing bucket\n" << watch.err();
    EXPECT_EQ(*code, 1) << watch.err();
    EXPECT_NE(watch.err().find("no-such-bucket"), std::string::npos) << watch.err();
    EXPECT_NE(watch.err().find("gave up after 2 s"), std::string::npos) << watch.err();
  }
  env_.Set("AWS_ENDPOINT_URL", "http://127.0.0.1:" + std::to_string(FreePort()));
  {
    Watcher watch(dir_, {"s3://landing/raw_data/", "--warehouse", db, "--once", "--give-up", "2",
                         "--rescan", "0.5"});
    auto code = watch.child().Wait(seconds(60));
    ASSERT_TRUE(code) << "till watch --once still runs against a store that is down\n"
                      << watch.err();
    EXPECT_EQ(*code, 1) << watch.err();
    EXPECT_NE(watch.err().find("gave up after 2 s"), std::string::npos) << watch.err();
    EXPECT_NE(watch.err().find("127.0.0.1"), std::string::npos) << watch.err();
  }
}

// A copy in use is locked by its process; only the copies no process holds are removed.
TEST(S3TemporaryCopiesTest, OnlyCopiesNoProcessHoldsAreRemoved) {
  TempDir dir;
  std::string held = dir.Write(std::string(kS3TemporaryPrefix) + "held01", "in use");
  std::string left = dir.Write(std::string(kS3TemporaryPrefix) + "left01", "abandoned");
  std::string other = dir.Write("other-file", "not ours");
  int fd = ::open(held.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);
  EXPECT_EQ(RemoveAbandonedS3Copies(dir.Path("")), 1);
  EXPECT_TRUE(fs::exists(held));
  EXPECT_FALSE(fs::exists(left));
  EXPECT_TRUE(fs::exists(other));
  ::close(fd);
  EXPECT_EQ(RemoveAbandonedS3Copies(dir.Path("")), 1);
  EXPECT_FALSE(fs::exists(held));
}

// A load killed mid-object leaves its temporary copy; the next start of till removes it.
TEST_F(S3IngestTest, TheCopyAKilledLoadLeftIsRemovedAtTheNextStart) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  MakeBucket("shop");
  Generate(dir_.Path("big.csv"), 200'000, 5);
  Generate(dir_.Path("small.csv"), 100, 6);
  Put(dir_.Path("big.csv"), "shop", "raw_data/big.csv");
  Put(dir_.Path("small.csv"), "shop", "raw_data/small.csv");
  const std::string tmp = dir_.Path("tmp");
  fs::create_directories(tmp);
  env_.Set("TMPDIR", tmp);
  const std::string db = dir_.Path("shop.db");
  auto copies = [&] {
    size_t count = 0;
    for (const auto& entry : fs::directory_iterator(tmp)) {
      count += entry.path().filename().string().starts_with(kS3TemporaryPrefix);
    }
    return count;
  };

  Child load;
  std::string error;
  ASSERT_TRUE(load.Start({TILL_BINARY, "ingest", "s3://shop/raw_data/big.csv", "--warehouse", db},
                         dir_.Path(""), dir_.Path("load.out"), dir_.Path("load.err"), &error))
      << error;
  auto deadline = Clock::now() + kCommandTimeout;
  while (copies() == 0) {
    ASSERT_TRUE(load.Running()) << "the load ended before it was killed\n"
                                << ReadFile(dir_.Path("load.err"));
    ASSERT_LT(Clock::now(), deadline) << "no temporary copy appeared";
    std::this_thread::sleep_for(milliseconds(5));
  }
  // A start while the copy is in use leaves it alone: the load goes on.
  Outcome meanwhile =
      Till({"ingest", "s3://shop/raw_data/small.csv", "--warehouse", dir_.Path("other.db")});
  EXPECT_EQ(meanwhile.exit_code, 0) << meanwhile.err;
  ASSERT_TRUE(load.Running()) << "the load ended before it could be killed: make it bigger";
  EXPECT_EQ(copies(), 1u) << "a copy in use was removed";
  load.Stop(SIGKILL, kStopWait);
  ASSERT_EQ(copies(), 1u) << "the killed load left no copy: nothing to clean up";
  Outcome next = Till({"ingest", "s3://shop/raw_data/small.csv", "--warehouse", db});
  EXPECT_EQ(next.exit_code, 0) << next.err;
  EXPECT_EQ(copies(), 0u) << "the next start left the killed load's temporary copy";
}

// A bucket whose notifications go to an SQS queue of the same moto_server, set up with the
// aws client as a user sets them up, and the watch driven by them.
class S3EventsTest : public S3ServerTest {
 protected:
  // Creates queue `name`, whose messages come back 2 s after being received and not deleted.
  std::string MakeQueue(const std::string& name) {
    Outcome created = Aws({"sqs", "create-queue", "--queue-name", name, "--attributes",
                           "VisibilityTimeout=2", "--output", "json"});
    auto answer = nlohmann::json::parse(created.out, nullptr, false);
    EXPECT_TRUE(!answer.is_discarded() && answer.contains("QueueUrl")) << created.out;
    return answer.is_discarded() ? "" : answer.value("QueueUrl", "");
  }

  nlohmann::json Attributes(const std::string& queue) {
    Outcome got = Aws({"sqs", "get-queue-attributes", "--queue-url", queue, "--attribute-names",
                       "All", "--output", "json"});
    auto answer = nlohmann::json::parse(got.out, nullptr, false);
    EXPECT_FALSE(answer.is_discarded()) << got.out;
    return answer.is_discarded() ? nlohmann::json::object() : answer["Attributes"];
  }

  // Sends the bucket's object created and removed events to `queue`. S3 then puts a test
  // event in the queue.
  void Notify(const std::string& bucket, const std::string& queue) {
    std::string arn = Attributes(queue).value("QueueArn", "");
    ASSERT_FALSE(arn.empty());
    nlohmann::json configuration = {
        {"QueueConfigurations",
         {{{"QueueArn", arn}, {"Events", {"s3:ObjectCreated:*", "s3:ObjectRemoved:*"}}}}}};
    Aws({"s3api", "put-bucket-notification-configuration", "--bucket", bucket,
         "--notification-configuration", configuration.dump()});
  }

  // Messages in the queue: waiting, and handed out but not deleted.
  int InQueue(const std::string& queue) {
    nlohmann::json attributes = Attributes(queue);
    return std::atoi(attributes.value("ApproximateNumberOfMessages", "0").c_str()) +
           std::atoi(attributes.value("ApproximateNumberOfMessagesNotVisible", "0").c_str());
  }

  // Waits until every message of the queue is deleted.
  void WaitUntilEmpty(const std::string& queue, const std::string& what) {
    auto deadline = Clock::now() + kNewObjectLoads;
    while (InQueue(queue) > 0) {
      ASSERT_LT(Clock::now(), deadline) << "the queue still holds messages: " << what;
      std::this_thread::sleep_for(milliseconds(200));
    }
  }

  void Send(const std::string& queue, const std::string& body) {
    Aws({"sqs", "send-message", "--queue-url", queue, "--message-body", body});
  }
};

// The notification S3 sends for an object put at `key` of bucket "landing".
std::string CreatedEvent(const std::string& key) {
  nlohmann::json record = {
      {"eventVersion", "2.1"},
      {"eventSource", "aws:s3"},
      {"eventTime", "2024-02-01T10:00:00.000Z"},
      {"eventName", "ObjectCreated:Put"},
      {"s3", {{"bucket", {{"name", "landing"}}}, {"object", {{"key", key}, {"size", 1}}}}}};
  return nlohmann::json{{"Records", {record}}}.dump();
}

TEST_F(S3EventsTest, AnUploadLoadsOnceByItsEventAndWhatIsNotTheZonesIsDeleted) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  MakeBucket("landing");
  const std::string queue = MakeQueue("landing-events");
  ASSERT_FALSE(queue.empty());
  ASSERT_NO_FATAL_FAILURE(Notify("landing", queue));
  const std::string db = dir_.Path("watch.db");
  const std::string zone = "s3://landing/raw_data/";
  // Listed at the start and then not for an hour: whatever loads after the start came by event.
  Watcher watch(dir_, {zone, "--events", queue, "--warehouse", db, "--rescan", "3600", "--json"});
  auto test_event = watch.WaitForLine(
      [](const nlohmann::json& line) { return line.value("reason", "") == "test event"; },
      kNewObjectLoads, "the test event S3 sends when notifications are set");
  ASSERT_TRUE(test_event);
  EXPECT_EQ((*test_event)["status"], "ignored");

  const std::string file = dir_.Path("2024-01.csv");
  Generate(file, 300, 21);
  auto upload_started = Clock::now();
  Put(file, "landing", "raw_data/2024-01.csv");
  auto loaded = watch.WaitFor("2024-01.csv", "loaded");
  ASSERT_TRUE(loaded);
  double latency = SecondsSince(upload_started);
  RecordProperty("event_load_seconds", std::to_string(latency));
  std::printf("[ measured ] loaded %.2f s after its upload began, by its event\n", latency);
  EXPECT_EQ((*loaded)["uri"], zone + "2024-01.csv");

  // Out of the prefix: ignored, and deleted from the queue.
  Put(file, "landing", "elsewhere/2024-01.csv");
  auto outside = watch.WaitForLine(
      [](const nlohmann::json& line) { return line.value("reason", "") == "outside the prefix"; },
      kNewObjectLoads, "the event of a key outside the prefix");
  ASSERT_TRUE(outside);
  EXPECT_EQ((*outside)["status"], "ignored");

  // A body that is no notification: said, and deleted rather than handed out for ever.
  Send(queue, "this is not an S3 notification");
  auto malformed = watch.WaitForLine(
      [](const nlohmann::json& line) { return line.value("status", "") == "malformed"; },
      kNewObjectLoads, "the malformed message");
  ASSERT_TRUE(malformed);
  EXPECT_NE((*malformed)["reason"].get<std::string>().find("not JSON"), std::string::npos)
      << malformed->dump();

  // The same event again, as at-least-once delivery may bring it: nothing loads again, and the
  // message goes.
  Send(queue, CreatedEvent("raw_data/2024-01.csv"));
  ASSERT_NO_FATAL_FAILURE(WaitUntilEmpty(queue, "the duplicate event"));
  int lines_for_file = 0;
  for (const auto& line : JsonLines(watch.out())) {
    if (line.value("key", "") == "2024-01.csv") ++lines_for_file;
  }
  EXPECT_EQ(lines_for_file, 1) << watch.out();
  EXPECT_EQ(QueryOne(db, "SELECT count(*) FROM etl_file"), "1");
  EXPECT_EQ(QueryOne(db, "SELECT count(*) FROM fact_sales"),
            QueryOne(db, "SELECT rows_loaded FROM etl_file"));
  EXPECT_EQ(QueryOne(db, "SELECT count(*) FROM etl_file WHERE uri NOT LIKE '" + zone + "%'"), "0");

  auto code = watch.child().Stop(SIGTERM, kStopWait);
  EXPECT_EQ(code, std::optional<int>(0)) << watch.err();
}

// No event ever reaches the queue (the notification was not set yet when the object came):
// the listing that still runs every --rescan brings the file in.
TEST_F(S3EventsTest, AFileWhoseEventWasLostLoadsAtTheNextListing) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  MakeBucket("landing");
  const std::string queue = MakeQueue("landing-events");
  const std::string db = dir_.Path("watch.db");
  Watcher watch(dir_, {"s3://landing/raw_data/", "--events", queue, "--warehouse", db, "--rescan",
                       "2", "--json"});
  const std::string file = dir_.Path("lost.csv");
  Generate(file, 200, 22);
  Put(file, "landing", "raw_data/lost.csv");
  EXPECT_EQ(InQueue(queue), 0) << "an event reached the queue: nothing was lost";
  auto loaded = watch.WaitFor("lost.csv", "loaded");
  ASSERT_TRUE(loaded);
  EXPECT_EQ(QueryOne(db, "SELECT count(*) FROM etl_file"), "1");
  auto code = watch.child().Stop(SIGTERM, kStopWait);
  EXPECT_EQ(code, std::optional<int>(0)) << watch.err();
}

// A watcher killed after a load committed and before its message was deleted: the queue hands
// the message out again, and the next watcher deletes it without loading anything twice.
TEST_F(S3EventsTest, AWatcherKilledBetweenTheCommitAndTheDeletionLoadsOnce) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  MakeBucket("landing");
  const std::string queue = MakeQueue("landing-events");
  ASSERT_NO_FATAL_FAILURE(Notify("landing", queue));
  const std::string db = dir_.Path("watch.db");
  const std::string zone = "s3://landing/raw_data/";

  // The watcher in a child process that ends, as if killed, right after its first commit.
  constexpr int kKilledAfterCommit = 86;
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0) << std::strerror(errno);
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) std::_Exit(125);
    auto landing = OpenLandingZone(zone);
    auto events = landing ? OpenSqsEvents(queue, zone) : Unexpected<Error>(landing.error());
    auto warehouse = OpenWarehouse(db);
    if (!landing || !events || !warehouse) std::_Exit(124);
    WatchOptions options;
    options.events = events->get();
    options.rescan = std::chrono::hours(1);
    options.on_file = [](const std::string&, const FileOutcome&) {
      std::_Exit(kKilledAfterCommit);
    };
    Status watched = Watch(**warehouse, **landing, options);
    std::_Exit(watched ? 0 : 123);
  }
  auto reap = [&](Clock::duration timeout) -> std::optional<int> {
    auto deadline = Clock::now() + timeout;
    for (;;) {
      int status = 0;
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      if (Clock::now() > deadline) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        return std::nullopt;
      }
      std::this_thread::sleep_for(milliseconds(20));
    }
  };
  // The test event gone: the first watcher has listed the empty zone and reads the queue.
  WaitUntilEmpty(queue, "the test event");
  const std::string file = dir_.Path("2024-03.csv");
  Generate(file, 250, 23);
  Put(file, "landing", "raw_data/2024-03.csv");
  ASSERT_EQ(reap(kCommandTimeout), std::optional<int>(kKilledAfterCommit))
      << "the first watcher did not end at its commit";
  EXPECT_EQ(QueryOne(db, "SELECT count(*) FROM etl_file WHERE status = 'loaded'"), "1");
  EXPECT_EQ(InQueue(queue), 1) << "the event of the committed load is not in the queue any more";

  Watcher next(dir_, {zone, "--events", queue, "--warehouse", db, "--rescan", "3600", "--json"},
               "next");
  ASSERT_NO_FATAL_FAILURE(WaitUntilEmpty(queue, "the event handed out again"));
  auto code = next.child().Stop(SIGTERM, kStopWait);
  EXPECT_EQ(code, std::optional<int>(0)) << next.err();
  EXPECT_EQ(JsonLines(next.out()).size(), 0u) << "the second watcher handled something:\n"
                                              << next.out();
  EXPECT_EQ(QueryOne(db, "SELECT count(*) FROM etl_file"), "1");
  EXPECT_EQ(QueryOne(db, "SELECT count(*) FROM fact_sales"),
            QueryOne(db, "SELECT rows_loaded FROM etl_file"));
  const std::string reference = dir_.Path("reference.db");
  ASSERT_EQ(Till({"ingest", file, "--warehouse", reference}).exit_code, 0);
  EXPECT_EQ(Holdings(db), Holdings(reference));
}

// The instance metadata service and the ECS credentials endpoint do not run here: this serves
// their documented answers on 127.0.0.1 (a stand-in at that interface, like a fault injector),
// while S3 is the real moto_server. Each credentials answer hands out new keys, valid for
// `lifetime`.
class MetadataService {
 public:
  explicit MetadataService(std::chrono::seconds lifetime) : lifetime_(lifetime) {
    // IMDSv2: a PUT for a session token, then every GET with it.
    server_.Put("/latest/api/token",
                [this](const httplib::Request& request, httplib::Response& response) {
                  if (!request.has_header("X-aws-ec2-metadata-token-ttl-seconds")) {
                    response.status = 400;
                    return;
                  }
                  response.set_content(token_, "text/plain");
                });
    server_.Get("/latest/meta-data/iam/security-credentials/",
                [this](const httplib::Request& request, httplib::Response& response) {
                  if (!Authorized(request, response)) return;
                  if (role_.empty()) {
                    response.status = 404;
                    return;
                  }
                  response.set_content(role_ + "\n", "text/plain");
                });
    server_.Get("/latest/meta-data/iam/security-credentials/till-role",
                [this](const httplib::Request& request, httplib::Response& response) {
                  if (!Authorized(request, response)) return;
                  response.set_content(Credentials(), "application/json");
                });
    // ECS: one GET, with the Authorization header when the task has a token.
    server_.Get("/v2/credentials",
                [this](const httplib::Request& request, httplib::Response& response) {
                  if (request.get_header_value("Authorization") != "task-secret") {
                    response.status = 401;
                    return;
                  }
                  response.set_content(Credentials(), "application/json");
                });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(milliseconds(1));
  }
  ~MetadataService() {
    server_.stop();
    thread_.join();
  }

  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int fetches() const { return fetches_; }
  void RemoveRole() { role_.clear(); }

 private:
  bool Authorized(const httplib::Request& request, httplib::Response& response) {
    if (request.get_header_value("X-aws-ec2-metadata-token") == token_) return true;
    response.status = 401;
    return false;
  }

  std::string Credentials() {
    int n = ++fetches_;
    auto expiration =
        std::chrono::system_clock::now() + RoleCredentials::kRefreshBefore + lifetime_;
    std::time_t t = std::chrono::system_clock::to_time_t(expiration);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    return nlohmann::json{{"Code", "Success"},
                          {"Type", "AWS-HMAC"},
                          {"AccessKeyId", "ASIAROLE" + std::to_string(n)},
                          {"SecretAccessKey", "role-secret-" + std::to_string(n)},
                          {"Token", "role-session-" + std::to_string(n)},
                          {"Expiration", text}}
        .dump();
  }

  std::chrono::seconds lifetime_;
  std::string token_ = "imds-session-token";
  std::string role_ = "till-role";
  std::atomic<int> fetches_{0};
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

using S3RoleTest = S3ServerTest;

// With no keys in the environment or the shared files, an EC2 instance role's keys sign the
// requests; keys about to expire are fetched again before the next request, which goes on.
TEST_F(S3RoleTest, AnInstanceRolesKeysAreUsedAndFetchedAgainBeforeTheyExpire) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  MakeBucket("landing");
  const std::string file = dir_.Path("2024-01.csv");
  Generate(file, 120, 31);
  Put(file, "landing", "raw_data/2024-01.csv");
  MetadataService metadata(seconds(3));
  env_.Unset("AWS_ACCESS_KEY_ID");
  env_.Unset("AWS_SECRET_ACCESS_KEY");
  env_.Set("AWS_EC2_METADATA_SERVICE_ENDPOINT", metadata.Url());

  auto settings = S3SettingsFromEnvironment();
  ASSERT_TRUE(settings) << settings.error().message();
  ASSERT_NE(settings->role, nullptr);
  EXPECT_EQ(settings->role->source(), RoleCredentials::Source::kEc2Instance);
  EXPECT_EQ(metadata.fetches(), 1);
  S3Client client(*settings);
  auto listed = client.List("landing", "raw_data/");
  ASSERT_TRUE(listed) << listed.error().message();
  EXPECT_EQ(listed->size(), 1u);
  EXPECT_EQ(metadata.fetches(), 1) << "keys still valid were fetched again";
  auto first = CurrentCredentials(*settings);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->access_key, "ASIAROLE1");
  EXPECT_EQ(first->session_token, "role-session-1");

  std::this_thread::sleep_for(seconds(4));  // now within kRefreshBefore of their expiry
  listed = client.List("landing", "raw_data/");
  ASSERT_TRUE(listed) << listed.error().message();
  EXPECT_EQ(metadata.fetches(), 2);
  auto second = CurrentCredentials(*settings);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->access_key, "ASIAROLE2");

  // As a user runs it: `till ingest` from the bucket with the role's keys.
  const std::string db = dir_.Path("role.db");
  Outcome ingest = Till({"ingest", "s3://landing/raw_data/", "--warehouse", db});
  EXPECT_EQ(ingest.exit_code, 0) << ingest.out << ingest.err;
  EXPECT_EQ(QueryOne(db, "SELECT sum(rows_read) FROM etl_file WHERE status = 'loaded'"), "120");

  // An instance without a role says so.
  metadata.RemoveRole();
  auto none = S3SettingsFromEnvironment();
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message().find("no IAM role"), std::string::npos)
      << none.error().message();
  EXPECT_NE(none.error().message().find("AWS_ACCESS_KEY_ID"), std::string::npos)
      << none.error().message();
}

TEST_F(S3RoleTest, AnEcsTaskRolesKeysComeWithTheTasksAuthorizationToken) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  MakeBucket("landing");
  MetadataService metadata(seconds(3600));
  env_.Unset("AWS_ACCESS_KEY_ID");
  env_.Unset("AWS_SECRET_ACCESS_KEY");
  env_.Set("AWS_CONTAINER_CREDENTIALS_FULL_URI", metadata.Url() + "/v2/credentials");
  env_.Set("AWS_CONTAINER_AUTHORIZATION_TOKEN", "task-secret");
  // The container's variables come before the instance: this one is never asked.
  env_.Set("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:1");

  auto settings = S3SettingsFromEnvironment();
  ASSERT_TRUE(settings) << settings.error().message();
  ASSERT_NE(settings->role, nullptr);
  EXPECT_EQ(settings->role->source(), RoleCredentials::Source::kEcsTask);
  auto listed = S3Client(*settings).List("landing", "raw_data/");
  ASSERT_TRUE(listed) << listed.error().message();
  EXPECT_EQ(metadata.fetches(), 1);
  auto keys = CurrentCredentials(*settings);
  ASSERT_TRUE(keys);
  EXPECT_EQ(keys->session_token, "role-session-1");

  // A token from a file wins; a wrong one is refused, and the refusal is what the error says.
  env_.Set("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", dir_.Write("token", "not-the-secret\n"));
  auto refused = S3SettingsFromEnvironment();
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message().find("HTTP 401"), std::string::npos)
      << refused.error().message();
  env_.Set("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", dir_.Write("token", "task-secret\n"));
  EXPECT_TRUE(S3SettingsFromEnvironment());

  // Plain HTTP to another host is refused, as the SDKs refuse it.
  env_.Set("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://credentials.example.test/v2/credentials");
  auto far = S3SettingsFromEnvironment();
  ASSERT_FALSE(far);
  EXPECT_NE(far.error().message().find("plain HTTP"), std::string::npos) << far.error().message();
}

// Keys in the environment or the shared files come first: the role is not even asked.
TEST_F(S3RoleTest, KeysInTheEnvironmentOrTheSharedFilesComeBeforeTheRole) {
  MetadataService metadata(seconds(3600));
  env_.Set("AWS_EC2_METADATA_SERVICE_ENDPOINT", metadata.Url());
  env_.Set("AWS_CONTAINER_CREDENTIALS_FULL_URI", metadata.Url() + "/v2/credentials");
  env_.Set("AWS_CONTAINER_AUTHORIZATION_TOKEN", "task-secret");
  auto from_environment = S3SettingsFromEnvironment();
  ASSERT_TRUE(from_environment) << from_environment.error().message();
  EXPECT_EQ(from_environment->role, nullptr);
  EXPECT_EQ(from_environment->access_key, "testing");

  env_.Unset("AWS_ACCESS_KEY_ID");
  env_.Unset("AWS_SECRET_ACCESS_KEY");
  env_.Set("AWS_SHARED_CREDENTIALS_FILE", dir_.Write("credentials",
                                                     "[default]\naws_access_key_id = AKIAFILE\n"
                                                     "aws_secret_access_key = file-secret\n"));
  auto from_file = S3SettingsFromEnvironment();
  ASSERT_TRUE(from_file) << from_file.error().message();
  EXPECT_EQ(from_file->role, nullptr);
  EXPECT_EQ(from_file->access_key, "AKIAFILE");
  EXPECT_EQ(metadata.fetches(), 0);

  // AWS_EC2_METADATA_DISABLED keeps an instance's service out of it.
  env_.Set("AWS_SHARED_CREDENTIALS_FILE", dir_.Path("no-credentials"));
  env_.Unset("AWS_CONTAINER_CREDENTIALS_FULL_URI");
  env_.Set("AWS_EC2_METADATA_DISABLED", "true");
  EXPECT_FALSE(S3SettingsFromEnvironment());
  EXPECT_EQ(metadata.fetches(), 0);
}

}  // namespace
}  // namespace till
