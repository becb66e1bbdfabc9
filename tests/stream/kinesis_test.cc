// `till watch kinesis://STREAM` against moto_server's Kinesis, on a free port of 127.0.0.1,
// filled by the aws command-line client as a producer fills it, on SQLite and PostgreSQL: the
// rows load once each, as a file of the same rows loads them (checked against `IngestFiles` of
// that file), also when the consumer is killed with SIGKILL at many moments while records are
// put; a record that cannot be read is a reject with its reason; the children of a reshard are
// read; on PostgreSQL two consumers divide the shards.
//
// moto_server and aws belong to the test environment: when either is missing the tests fail and
// say so, rather than skip.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "base/byte_source.h"
#include "csv/csv_reader.h"
#include "pipeline/ingest.h"
#include "support/backends.h"
#include "support/child_process.h"
#include "support/generated.h"
#include "support/moto_server.h"
#include "support/ports.h"
#include "support/temp_dir.h"
#include "warehouse/warehouse.h"

namespace till::testing {
namespace {

using Json = nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;
using Steady = std::chrono::steady_clock;

// A raw file's header line and its data lines, and the same rows as NDJSON lines.
struct RawRows {
  std::string header;
  std::vector<std::string> csv;
  std::vector<std::string> ndjson;
};

RawRows ReadRawRows(const std::string& path) {
  RawRows rows;
  auto source = OpenFileSource(path);
  EXPECT_TRUE(source);
  CsvReaderOptions options;
  options.max_raw_bytes = 1 << 20;
  CsvReader reader(**source, options);
  CsvRecord record;
  std::vector<std::string> names;
  while (*reader.Next(&record)) {
    if (names.empty()) {
      rows.header = std::string(record.raw);
      names.assign(record.fields.begin(), record.fields.end());
      continue;
    }
    rows.csv.emplace_back(record.raw);
    Json object = Json::object();
    for (size_t i = 0; i < names.size() && i < record.fields.size(); ++i) {
      object[names[i]] = std::string(record.fields[i]);
    }
    rows.ndjson.push_back(object.dump(-1, ' ', false, Json::error_handler_t::replace));
  }
  return rows;
}

// Appends to the raw file at `path` rows repeated exactly and rows that are rejected (a date
// that is none), spread among the others, as a feed brings them.
void AddDirtyRows(const std::string& path) {
  RawRows rows = ReadRawRows(path);
  std::string text = rows.header + "\n";
  for (size_t i = 0; i < rows.csv.size(); ++i) {
    text += rows.csv[i] + "\n";
    if (i % 97 == 5) text += rows.csv[i - 3] + "\n";
    if (i % 89 == 7) {
      Json object = Json::parse(rows.ndjson[i]);
      std::string line = rows.csv[i];
      std::string date = object["Date"].get<std::string>();
      size_t at = line.find("," + date + ",");
      if (at != std::string::npos) text += line.replace(at + 1, date.size(), "notadate") + "\n";
    }
  }
  std::FILE* out = std::fopen(path.c_str(), "wb");
  ASSERT_NE(out, nullptr);
  std::fwrite(text.data(), 1, text.size(), out);
  std::fclose(out);
}

std::unique_ptr<Warehouse> Open(const std::string& location) {
  auto warehouse = OpenWarehouse(location);
  EXPECT_TRUE(warehouse) << warehouse.error().message();
  return warehouse ? std::move(*warehouse) : nullptr;
}

QueryResult Rows(Warehouse& warehouse, std::string_view sql) {
  auto result = warehouse.Query(sql);
  EXPECT_TRUE(result) << sql << ": " << result.error().message();
  return result ? *result : QueryResult{};
}

// retail_data_view without where its rows came from, sorted.
std::vector<std::string> ViewRows(Warehouse& warehouse) {
  QueryResult result = Rows(warehouse, "SELECT * FROM retail_data_view");
  std::vector<std::string> rows;
  for (const auto& row : result.rows) {
    std::string text;
    for (size_t i = 0; i < row.size(); ++i) {
      const std::string& column = result.columns[i];
      if (column == "sale_id" || column == "file_id" || column == "source_line") continue;
      text += row[i].value_or("\\N") + "|";
    }
    rows.push_back(std::move(text));
  }
  std::sort(rows.begin(), rows.end());
  return rows;
}

// The records a producer puts: mostly one NDJSON row each, and every seventh a CSV record of
// a header and up to five rows, so that both kinds share the shards.
std::vector<std::string> RecordsOf(const RawRows& rows) {
  std::vector<std::string> records;
  size_t i = 0;
  while (i < rows.csv.size()) {
    if (records.size() % 7 == 3) {
      std::string csv = rows.header + "\n";
      for (size_t end = std::min(i + 5, rows.csv.size()); i < end; ++i) csv += rows.csv[i] + "\n";
      records.push_back(std::move(csv));
    } else {
      records.push_back(rows.ndjson[i++] + "\n");
    }
  }
  return records;
}

// Every loaded batch's source, kinesis:STREAM/SHARD:FIRST-LAST, as ranges per shard: each
// sequence number of a shard must be in one batch only, and (moto numbers a shard's records
// 1, 2, 3 …) none missing.
void ExpectEachRecordInOneBatch(Warehouse& warehouse, const std::string& stream, int64_t records) {
  QueryResult batches =
      Rows(warehouse, "SELECT uri FROM etl_file WHERE status = 'loaded' AND uri LIKE 'kinesis:%'");
  std::map<std::string, std::vector<std::pair<int64_t, int64_t>>> ranges;
  for (const auto& row : batches.rows) {
    std::string uri = *row[0];
    std::string prefix = "kinesis:" + stream + "/";
    ASSERT_TRUE(uri.starts_with(prefix)) << uri;
    size_t colon = uri.rfind(':');
    size_t dash = uri.find('-', colon);
    std::string shard = uri.substr(prefix.size(), colon - prefix.size());
    ranges[shard].emplace_back(std::stoll(uri.substr(colon + 1, dash - colon - 1)),
                               std::stoll(uri.substr(dash + 1)));
  }
  int64_t total = 0;
  for (auto& [shard, list] : ranges) {
    std::sort(list.begin(), list.end());
    int64_t next = 1;
    for (auto [first, last] : list) {
      EXPECT_EQ(first, next) << shard << ": records " << next << " to " << first - 1
                             << " are in no batch, or in two";
      next = last + 1;
      total += last - first + 1;
    }
  }
  EXPECT_EQ(total, records);
}

// A moto_server of its own for each test, and the AWS settings that the aws client and every
// till child read (and no instance role to look for).
class KinesisTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    ASSERT_FALSE(HasFailure());  // moto_server or aws missing, or no free port
    moto_.SetEnvironment(env_);
    env_.Set("AWS_EC2_METADATA_DISABLED", "true");
    ASSERT_NO_FATAL_FAILURE(moto_.Start());
    location_ = NewWarehouseLocation(GetParam(), dir_, "kinesis");
  }

  Outcome Aws(std::vector<std::string> args) { return moto_.Aws(std::move(args)); }

  void CreateStream(const std::string& stream, int shards) {
    Aws({"kinesis", "create-stream", "--stream-name", stream, "--shard-count",
         std::to_string(shards)});
  }

  // Puts `records` with put-records, up to 250 a call, each with a partition key of its own.
  void Put(const std::string& stream, const std::vector<std::string>& records, size_t begin,
           size_t end) {
    static std::atomic<int> files{0};
    for (size_t first = begin; first < end; first += 250) {
      Json list = Json::array();
      for (size_t i = first; i < std::min(first + 250, end); ++i) {
        list.push_back({{"Data", records[i]}, {"PartitionKey", "key-" + std::to_string(i)}});
      }
      std::string path = dir_.Path("records-" + std::to_string(++files) + ".json");
      std::FILE* out = std::fopen(path.c_str(), "wb");
      ASSERT_NE(out, nullptr);
      std::string text = list.dump();
      std::fwrite(text.data(), 1, text.size(), out);
      std::fclose(out);
      Outcome put =
          Aws({"kinesis", "put-records", "--stream-name", stream, "--records", "file://" + path});
      EXPECT_EQ(Json::parse(put.out, nullptr, false).value("FailedRecordCount", -1), 0) << put.out;
    }
  }

  Outcome Till(std::vector<std::string> args) {
    std::vector<std::string> argv = {TILL_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunToEnd(argv, dir_);
  }

  // `till watch kinesis://STREAM --once`: reads every shard to its newest record.
  Outcome CatchUp(const std::string& stream) {
    Outcome outcome =
        Till({"watch", "kinesis://" + stream, "--warehouse", location_, "--once", "--json"});
    EXPECT_EQ(outcome.exit_code, 0) << outcome.out << outcome.err;
    return outcome;
  }

  // Starts `till watch kinesis://STREAM` in the background; its output goes to NAME.out/.err.
  void StartConsumer(Child& child, const std::string& stream, const std::string& name,
                     const std::vector<std::string>& more = {}) {
    std::string error;
    std::vector<std::string> argv = {
        TILL_BINARY, "watch",  "kinesis://" + stream, "--warehouse", location_,      "--rescan",
        "0.5",       "--json", "--log-level",         "info",        "--log-format", "json"};
    argv.insert(argv.end(), more.begin(), more.end());
    ASSERT_TRUE(child.Start(argv, dir_.Path(""), dir_.Path(name + ".out"), dir_.Path(name + ".err"),
                            &error))
        << error;
  }

  // The oracle: the rows of `file` loaded by `till ingest`'s driver into a warehouse of its own.
  std::unique_ptr<Warehouse> Oracle(const std::string& file, IngestReport* report) {
    auto oracle = Open(NewWarehouseLocation(GetParam(), dir_, "oracle"));
    IngestOptions options;
    options.max_reject_ratio = 1;
    auto ingested = IngestFiles(*oracle, std::vector<std::string>{file}, options);
    EXPECT_TRUE(ingested) << ingested.error().message();
    if (ingested) *report = *ingested;
    return oracle;
  }

  // Every row of the file loaded once, as the oracle loads them.
  void ExpectAsTheOracle(const std::string& file, const std::string& stream, int64_t records) {
    IngestReport report;
    auto oracle = Oracle(file, &report);
    auto streamed = Open(location_);
    std::vector<std::string> streamed_rows = ViewRows(*streamed);
    std::vector<std::string> oracle_rows = ViewRows(*oracle);
    EXPECT_EQ(streamed_rows.size(), oracle_rows.size());
    EXPECT_TRUE(streamed_rows == oracle_rows);
    QueryResult sums = Rows(*streamed,
                            "SELECT sum(rows_loaded), sum(rows_rejected), sum(rows_duplicate) "
                            "FROM etl_file WHERE status = 'loaded' AND uri LIKE 'kinesis:%'");
    ASSERT_EQ(sums.rows.size(), 1u);
    const FileOutcome& file_outcome = report.files.at(0);
    EXPECT_EQ(sums.rows[0][0].value_or(""), std::to_string(file_outcome.rows_loaded));
    EXPECT_EQ(sums.rows[0][1].value_or(""), std::to_string(file_outcome.rows_rejected));
    EXPECT_EQ(sums.rows[0][2].value_or(""), std::to_string(file_outcome.rows_duplicate));
    ExpectEachRecordInOneBatch(*streamed, stream, records);
  }

  TempDir dir_;
  ScopedEnv env_;
  MotoServer moto_{dir_};  // after dir_: stopped before its folder goes
  std::string location_;
};

TEST_P(KinesisTest, RecordsOfEveryShardLoadOnceAsAFileOfTheSameRows) {
  std::string file = Generate(dir_, "raw.csv", 600, 5);
  AddDirtyRows(file);
  std::vector<std::string> records = RecordsOf(ReadRawRows(file));
  CreateStream("sales", 3);
  size_t half = records.size() / 2;
  Put("sales", records, 0, half);
  Outcome first = CatchUp("sales");
  // The rest while a consumer runs, its metrics served.
  int metrics_port = FreeLoopbackPort();
  ASSERT_NE(metrics_port, 0);
  Child consumer;
  StartConsumer(consumer, "sales", "consumer", {"--metrics-port", std::to_string(metrics_port)});
  Put("sales", records, half, records.size());
  std::string want = "till_stream_records_total{zone=\"kinesis://sales\"} " +
                     std::to_string(records.size() - half);
  std::string metrics;
  auto deadline = Steady::now() + seconds(60);
  while (metrics.find(want) == std::string::npos && Steady::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(200));
    metrics = RunToEnd({FindOnPath("curl"), "-s",
                        "http://127.0.0.1:" + std::to_string(metrics_port) + "/metrics"},
                       dir_)
                  .out;
  }
  EXPECT_NE(metrics.find(want), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("till_stream_rows_total{outcome=\"received\"}"), std::string::npos);
  for (const char* shard :
       {"shardId-000000000000", "shardId-000000000001", "shardId-000000000002"}) {
    EXPECT_NE(metrics.find("till_stream_shard_lag_milliseconds{shard=\"" + std::string(shard)),
              std::string::npos)
        << metrics;
  }
  EXPECT_EQ(consumer.Stop(SIGTERM, seconds(30)), 0);
  // Read to the end: another pass loads nothing.
  Outcome third = CatchUp("sales");
  EXPECT_EQ(third.out, "") << third.out;
  EXPECT_NE(first.out.find("shardId-000000000002"), std::string::npos) << first.out;
  ExpectAsTheOracle(file, "sales", static_cast<int64_t>(records.size()));

  // Lineage: the batches are files of kinesis runs, in `till runs` as files are.
  Outcome runs = Till({"runs", "--warehouse", location_});
  EXPECT_EQ(runs.exit_code, 0) << runs.err;
  EXPECT_NE(runs.out.find("kinesis"), std::string::npos) << runs.out;
  Outcome status = Till({"status", "--warehouse", location_});
  EXPECT_EQ(status.exit_code, 0) << status.err;
}

TEST_P(KinesisTest, ARecordThatCannotBeReadIsARejectWithItsReason) {
  std::string file = Generate(dir_, "raw.csv", 4, 8);
  RawRows rows = ReadRawRows(file);
  CreateStream("odd", 1);
  std::vector<std::string> records = {
      rows.ndjson[0],
      R"({"Transaction_ID": )",                     // not JSON
      R"({"Transaction_ID": "1", "Colour": "x"})",  // a column no sales file has
      "just some words\nand more\n",                // CSV without a header it can map
      rows.ndjson[1]};
  Put("odd", records, 0, records.size());
  CatchUp("odd");
  auto warehouse = Open(location_);
  QueryResult rejects =
      Rows(*warehouse, "SELECT line, reason, message FROM etl_reject ORDER BY line");
  ASSERT_EQ(rejects.rows.size(), 3u);
  EXPECT_EQ(rejects.rows[0][1].value_or(""), "invalid_json");
  EXPECT_EQ(rejects.rows[0][0].value_or(""), "2");
  EXPECT_NE(rejects.rows[0][2].value_or("").find("record 2 of shard shardId-000000000000"),
            std::string::npos)
      << rejects.rows[0][2].value_or("");
  EXPECT_EQ(rejects.rows[1][1].value_or(""), "unknown_column");
  EXPECT_EQ(rejects.rows[2][1].value_or(""), "bad_header");
  EXPECT_EQ(rejects.rows[2][0].value_or(""), "4");
  QueryResult batch =
      Rows(*warehouse, "SELECT rows_read, rows_loaded, rows_rejected FROM etl_file");
  ASSERT_EQ(batch.rows.size(), 1u);
  EXPECT_EQ(batch.rows[0][0].value_or(""), "5");
  EXPECT_EQ(batch.rows[0][1].value_or(""), "2");
  EXPECT_EQ(batch.rows[0][2].value_or(""), "3");
  Outcome listed = Till({"rejects", "--warehouse", location_});
  EXPECT_NE(listed.out.find("invalid_json"), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("kinesis:odd/shardId-000000000000:1-5"), std::string::npos)
      << listed.out;
}

// The consumer is killed with SIGKILL at 24 moments or more while a producer puts records, and
// started again each time: the warehouse ends holding each row once, as the file loads them, and
// each record is in exactly one committed batch.
TEST_P(KinesisTest, KilledAtAnyMomentEveryRecordLoadsOnce) {
  std::string file = Generate(dir_, "raw.csv", 1200, 17);
  AddDirtyRows(file);
  std::vector<std::string> records = RecordsOf(ReadRawRows(file));
  CreateStream("kills", 2);
  std::atomic<bool> put{false};
  std::thread producer([&] {
    constexpr size_t kPerCall = 100;
    for (size_t first = 0; first < records.size(); first += kPerCall) {
      Put("kills", records, first, std::min(first + kPerCall, records.size()));
    }
    put = true;
  });
  std::mt19937 random(7);
  int kills = 0;
  while (!put || kills < 24) {
    Child consumer;
    StartConsumer(consumer, "kills", "consumer-" + std::to_string(kills));
    std::this_thread::sleep_for(milliseconds(100 + random() % 900));
    consumer.Stop(SIGKILL, seconds(10));
    ++kills;
  }
  producer.join();
  EXPECT_GE(kills, 24);
  CatchUp("kills");
  ExpectAsTheOracle(file, "kills", static_cast<int64_t>(records.size()));
}

// A split of a shard while the consumer runs: the consumer lists the children and reads them,
// and what is put after the split loads once. (moto keeps routing records to the closed parent
// rather than to its children; the children's reading is also tested with a fake stream in
// kinesis_consumer_test.cc.)
TEST_P(KinesisTest, TheChildrenOfAReshardArePickedUp) {
  std::string file = Generate(dir_, "raw.csv", 200, 23);
  std::vector<std::string> records = RecordsOf(ReadRawRows(file));
  CreateStream("split", 1);
  Put("split", records, 0, records.size() / 2);
  Child consumer;
  StartConsumer(consumer, "split", "consumer");
  Aws({"kinesis", "split-shard", "--stream-name", "split", "--shard-to-split",
       "shardId-000000000000", "--new-starting-hash-key",
       "170141183460469231731687303715884105728"});
  Put("split", records, records.size() / 2, records.size());
  auto deadline = Steady::now() + seconds(30);
  std::string log;
  while (Steady::now() < deadline) {
    log = ReadFile(dir_.Path("consumer.err"));
    if (log.find("shardId-000000000002") != std::string::npos &&
        log.find("shardId-000000000001") != std::string::npos) {
      break;
    }
    std::this_thread::sleep_for(milliseconds(100));
  }
  EXPECT_NE(log.find("shardId-000000000001"), std::string::npos) << log;
  EXPECT_NE(log.find("shardId-000000000002"), std::string::npos) << log;
  consumer.Stop(SIGTERM, seconds(10));
  CatchUp("split");
  auto warehouse = Open(location_);
  IngestReport report;
  auto oracle = Oracle(file, &report);
  EXPECT_EQ(ViewRows(*warehouse), ViewRows(*oracle));
}

// On PostgreSQL two consumers divide the shards: each reads shards the other does not, and
// when one is killed the other takes its shards over from their checkpoints.
TEST_P(KinesisTest, TwoConsumersDivideTheShardsAndOneTakesOverFromTheOther) {
  if (GetParam() != Backend::kPostgres) {
    // A SQLite warehouse has one consumer: a second is refused.
    CreateStream("one", 1);
    Child first;
    StartConsumer(first, "one", "first");
    auto deadline = Steady::now() + seconds(30);
    while (ReadFile(dir_.Path("first.err")).find("reading a shard") == std::string::npos &&
           Steady::now() < deadline) {
      std::this_thread::sleep_for(milliseconds(50));
    }
    Outcome second = Till({"watch", "kinesis://one", "--warehouse", location_, "--once"});
    EXPECT_NE(second.exit_code, 0);
    EXPECT_NE(second.err.find("another till watch"), std::string::npos) << second.err;
    return;
  }
  std::string file = Generate(dir_, "raw.csv", 800, 31);
  std::vector<std::string> records = RecordsOf(ReadRawRows(file));
  CreateStream("shared", 4);
  Put("shared", records, 0, records.size() / 2);
  Child a;
  Child b;
  StartConsumer(a, "shared", "a");
  StartConsumer(b, "shared", "b");
  auto claimed = [&](const std::string& name) {
    std::set<std::string> shards;
    std::string log = ReadFile(dir_.Path(name + ".err"));
    for (int i = 0; i < 4; ++i) {
      std::string id = "shardId-00000000000" + std::to_string(i);
      if (log.find("\"shard\":\"" + id + "\"") != std::string::npos) shards.insert(id);
    }
    return shards;
  };
  auto deadline = Steady::now() + seconds(30);
  while (claimed("a").size() + claimed("b").size() < 4 && Steady::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(100));
  }
  std::set<std::string> of_a = claimed("a");
  std::set<std::string> of_b = claimed("b");
  EXPECT_EQ(of_a.size() + of_b.size(), 4u)
      << ReadFile(dir_.Path("a.err")) << ReadFile(dir_.Path("b.err"));
  for (const std::string& shard : of_a) EXPECT_EQ(of_b.count(shard), 0u) << shard;
  // One is killed; what is put after loads through the other.
  a.Stop(SIGKILL, seconds(10));
  Put("shared", records, records.size() / 2, records.size());
  deadline = Steady::now() + seconds(60);
  while (claimed("b").size() < 4 && Steady::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(100));
  }
  EXPECT_EQ(claimed("b").size(), 4u) << ReadFile(dir_.Path("b.err"));
  b.Stop(SIGTERM, seconds(10));
  CatchUp("shared");
  auto warehouse = Open(location_);
  IngestReport report;
  auto oracle = Oracle(file, &report);
  EXPECT_EQ(ViewRows(*warehouse), ViewRows(*oracle));
  ExpectEachRecordInOneBatch(*warehouse, "shared", static_cast<int64_t>(records.size()));
}

INSTANTIATE_TEST_SUITE_P(Backends, KinesisTest, ::testing::ValuesIn(kBackends),
                         [](const ::testing::TestParamInfo<Backend>& backend) {
                           return BackendName(backend.param);
                         });

}  // namespace
}  // namespace till::testing
