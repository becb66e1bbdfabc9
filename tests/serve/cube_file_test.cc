// The sales cube kept in a file between starts of `till serve`, on SQLite and on PostgreSQL (a
// throwaway cluster): a start from the file answers every endpoint byte for byte as a fresh read
// of the warehouse does; a file older than the warehouse (a file or a stream batch loaded since,
// a file unloaded since) is never served as it is; a truncated, damaged or foreign file is read
// from the warehouse again and written anew.
#include "serve/cube_file.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "serve/serve_support.h"
#include "stream/body.h"
#include "stream/metrics.h"
#include "stream/writer.h"
#include "support/generated.h"
#include "support/pg_cluster.h"
#include "support/temp_dir.h"
#include "warehouse/reads.h"

namespace till {
namespace {

using testing::Json;
using testing::OpenOrFail;
using testing::TempDir;

// Every endpoint of the API that reads the cube or the pipeline's records, with parameters
// that filter, group and bound by dates.
const std::vector<std::pair<std::string, Params>> kQuestions = {
    {"meta", {}},
    {"dimensions", {}},
    {"kpis", {}},
    {"kpis", {{"from", "2023-12-01"}, {"to", "2023-12-31"}, {"category", "Electronics"}}},
    {"timeseries", {{"grain", "day"}}},
    {"timeseries", {{"grain", "month"}, {"gender", "Female"}}},
    {"breakdown", {{"by", "category"}}},
    {"breakdown", {{"by", "product"}, {"limit", "25"}}},
    {"breakdown", {{"by", "category"}, {"by", "feedback"}}},
    {"breakdown", {{"by", "city"}, {"segment", "Premium"}}},
    {"customers", {{"from", "2023-12-01"}, {"to", "2023-12-31"}}},
    {"growth", {{"by", "category"}, {"from", "2023-12-01"}, {"to", "2024-02-29"}}},
    {"segments", {}},
    {"segments", {{"country", "Germany"}}},
    {"clusters", {}},
    {"cohorts", {}},
    {"customers/at-risk", {{"limit", "50"}}},
    {"forecast", {{"by", "category"}}},
    {"forecast/accuracy", {{"by", "category"}}},
    {"pipeline/runs", {}},
    {"pipeline/files", {}},
    {"pipeline/rejects", {}},
    {"pipeline/freshness", {}},
    {"pipeline/streams", {}},
};

// Each answer's status and body, asked at one fixed time. Two snapshots read at different times
// differ in meta's refreshed_at and data_version alone: those two are left out.
std::map<std::string, std::string> Answers(const Snapshot& snapshot) {
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000));
  std::map<std::string, std::string> answers;
  for (const auto& [endpoint, params] : kQuestions) {
    std::string name = endpoint;
    for (const auto& [key, value] : params) name += "&" + key + "=" + value;
    ApiResponse response = AnswerApi(snapshot, endpoint, params, now, "test");
    std::string body = response.body;
    if (endpoint == "meta" && response.status == 200) {
      Json meta = Json::parse(body);
      meta.erase("refreshed_at");
      meta.erase("data_version");
      body = meta.dump();
    }
    answers[name] = std::to_string(response.status) + " " + body;
  }
  return answers;
}

void ExpectSameAnswers(const Snapshot& got, const Snapshot& fresh, const std::string& what) {
  auto got_answers = Answers(got);
  auto fresh_answers = Answers(fresh);
  for (const auto& [name, body] : fresh_answers) {
    EXPECT_EQ(got_answers[name], body) << what << ": " << name;
    // A valid question each (a segmentation of too few customers is a 422, the same on both).
    EXPECT_TRUE(body.starts_with("200 ") || body.starts_with("422 "))
        << name << ": " << body.substr(0, 200);
  }
}

// A warehouse on one back end, a writer into it, and readers of it with a cube file.
class CubeFileTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "sqlite") {
      location_ = dir_.Path("till.db");
    } else {
      const std::string database = testing::UniqueDatabaseName();
      std::string error;
      ASSERT_TRUE(testing::SharedPgCluster().CreateDatabase(database, &error)) << error;
      location_ = testing::SharedPgCluster().Url(database);
    }
    writer_ = OpenOrFail(location_);
    ASSERT_NE(writer_, nullptr);
    Status migrated = writer_->Migrate();
    ASSERT_TRUE(migrated) << migrated.error().message();
    cube_file_ = dir_.Path("sales.cube");
  }

  int64_t Load(const std::string& name, int64_t rows, uint64_t seed) {
    auto report = testing::IngestOrFail(*writer_, {testing::Generate(dir_, name, rows, seed)});
    EXPECT_EQ(report.files.size(), 1u);
    if (report.files.empty()) return 0;
    EXPECT_EQ(report.files[0].status, FileStatus::kLoaded) << report.files[0].error;
    return report.files[0].file_id;
  }

  // A start of `till serve` as far as its first snapshot, with the cube file; the cube it read
  // is written to the file before it returns.
  std::shared_ptr<const Snapshot> Start(CubeOrigin* origin, std::string* problem = nullptr) {
    SnapshotReader reader(OpenOrFail(location_, Access::kReadOnly), cube_file_);
    auto snapshot = reader.Refresh(nullptr);
    EXPECT_TRUE(snapshot) << snapshot.error().message();
    *origin = reader.cube_origin();
    if (problem) *problem = reader.cube_file_problem();
    Status saved = reader.SaveCube(std::chrono::seconds(0));
    EXPECT_TRUE(saved) << saved.error().message();
    return snapshot ? *snapshot : nullptr;
  }

  // A read of every sale, with no cube file: what a start must answer like.
  std::shared_ptr<const Snapshot> Fresh() { return testing::ReadSnapshot(location_); }

  TempDir dir_;
  std::string location_;
  std::string cube_file_;
  std::unique_ptr<Warehouse> writer_;
};

TEST_P(CubeFileTest, ARestartAnswersAsAFreshReadFromTheFileAlone) {
  Load("a.csv", 3'000, 51);
  Load("b.csv", 2'000, 52);
  CubeOrigin origin = CubeOrigin::kNone;
  auto first = Start(&origin);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(origin, CubeOrigin::kWarehouse);
  ASSERT_TRUE(std::filesystem::exists(cube_file_));

  auto restart = Start(&origin);
  ASSERT_NE(restart, nullptr);
  EXPECT_EQ(origin, CubeOrigin::kFile);
  auto fresh = Fresh();
  ASSERT_NE(fresh, nullptr);
  EXPECT_EQ(restart->cube->rows(), fresh->cube->rows());
  ExpectSameAnswers(*restart, *fresh, "a start from the cube file");
  ExpectSameAnswers(*first, *fresh, "the start that wrote the file");
}

TEST_P(CubeFileTest, AFileLoadedSinceIsAddedToTheCubeOfTheFile) {
  Load("a.csv", 3'000, 61);
  CubeOrigin origin = CubeOrigin::kNone;
  ASSERT_NE(Start(&origin), nullptr);
  Load("b.csv", 2'500, 62);

  auto restart = Start(&origin);
  ASSERT_NE(restart, nullptr);
  EXPECT_EQ(origin, CubeOrigin::kFileRefreshed);
  auto fresh = Fresh();
  ASSERT_NE(fresh, nullptr);
  ASSERT_EQ(restart->cube->rows(), fresh->cube->rows());
  ExpectSameAnswers(*restart, *fresh, "after a load");

  // The file now holds both files.
  auto again = Start(&origin);
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(origin, CubeOrigin::kFile);
  ExpectSameAnswers(*again, *fresh, "after a load, started again");
}

TEST_P(CubeFileTest, AnUnloadedFileMakesTheCubeBeReadAgain) {
  Load("kept.csv", 2'000, 71);
  const int64_t gone = Load("gone.csv", 1'500, 72);
  CubeOrigin origin = CubeOrigin::kNone;
  ASSERT_NE(Start(&origin), nullptr);
  Status unloaded = writer_->ForgetLandingKey("file:///zone/", "gone.csv", gone);
  ASSERT_TRUE(unloaded) << unloaded.error().message();

  auto restart = Start(&origin);
  ASSERT_NE(restart, nullptr);
  EXPECT_EQ(origin, CubeOrigin::kWarehouse);
  EXPECT_EQ(restart->cube->rows(), 2'000u);
  auto fresh = Fresh();
  ASSERT_NE(fresh, nullptr);
  ExpectSameAnswers(*restart, *fresh, "after an unload");
}

// A batch of `till stream` is a load of its own: the cube of the file does not hold it.
TEST_P(CubeFileTest, AStreamBatchLoadedSinceIsAddedToTheCubeOfTheFile) {
  Load("a.csv", 2'000, 101);
  CubeOrigin origin = CubeOrigin::kNone;
  ASSERT_NE(Start(&origin), nullptr);

  // The batch: the rows of a generated file posted as a CSV body.
  std::ifstream in(testing::Generate(dir_, "batch.csv", 300, 102), std::ios::binary);
  std::string csv((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  BodyError error;
  Submission submission;
  submission.peer = "127.0.0.1";
  submission.body = ReadRequestBody(csv, BodyFormat::kCsv, &error);
  ASSERT_NE(submission.body, nullptr) << error.message;
  std::promise<WriterAnswer> answered;
  submission.answer = [&](WriterAnswer answer) { answered.set_value(std::move(answer)); };
  StreamMetrics metrics("test");
  WriterOptions options;
  options.warehouse = location_;
  StreamWriter stream(options, metrics);
  Status started = stream.Start();
  ASSERT_TRUE(started) << started.error().message();
  ASSERT_EQ(stream.Submit(submission), StreamWriter::Admission::kQueued);
  WriterAnswer answer = answered.get_future().get();
  ASSERT_EQ(answer.status, 200u) << answer.body;
  stream.Stop();

  auto restart = Start(&origin);
  ASSERT_NE(restart, nullptr);
  EXPECT_EQ(origin, CubeOrigin::kFileRefreshed);
  auto fresh = Fresh();
  ASSERT_NE(fresh, nullptr);
  EXPECT_GT(fresh->cube->rows(), 2'000u);
  ASSERT_EQ(restart->cube->rows(), fresh->cube->rows());
  ExpectSameAnswers(*restart, *fresh, "after a stream batch");
}

// The warehouse emptied and loaded again with other files under the same file ids: the ids
// alone would match the file's, their hashes and load times do not.
TEST_P(CubeFileTest, AWarehouseOfOtherFilesUnderTheSameIdsIsNotTakenForTheFilesOne) {
  Load("a.csv", 2'000, 81);
  CubeOrigin origin = CubeOrigin::kNone;
  ASSERT_NE(Start(&origin), nullptr);
  writer_.reset();
  if (GetParam() == "sqlite") {
    std::filesystem::remove(location_);
  } else {
    // Another database read through the same cube file: its first file is file 1 too.
    const std::string database = testing::UniqueDatabaseName();
    std::string error;
    ASSERT_TRUE(testing::SharedPgCluster().CreateDatabase(database, &error)) << error;
    location_ = testing::SharedPgCluster().Url(database);
  }
  writer_ = OpenOrFail(location_);
  ASSERT_NE(writer_, nullptr);
  ASSERT_TRUE(writer_->Migrate());
  Load("other.csv", 1'000, 82);

  auto restart = Start(&origin);
  ASSERT_NE(restart, nullptr);
  EXPECT_EQ(origin, CubeOrigin::kWarehouse);
  EXPECT_EQ(restart->cube->rows(), 1'000u);
  auto fresh = Fresh();
  ASSERT_NE(fresh, nullptr);
  ExpectSameAnswers(*restart, *fresh, "a new warehouse");
}

// Each damage is refused with a reason, the sales are read from the warehouse, and the file is
// written anew: the next start reads it.
TEST_P(CubeFileTest, ATruncatedDamagedOrForeignFileIsReadAgainAndRewritten) {
  Load("a.csv", 2'000, 91);
  CubeOrigin origin = CubeOrigin::kNone;
  ASSERT_NE(Start(&origin), nullptr);
  auto fresh = Fresh();
  ASSERT_NE(fresh, nullptr);
  const auto size = std::filesystem::file_size(cube_file_);

  auto rewrite = [&](const std::function<void(std::string&)>& damage) {
    std::ifstream in(cube_file_, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    in.close();
    damage(bytes);
    std::ofstream out(cube_file_, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  };
  const std::vector<std::pair<std::string, std::function<void(std::string&)>>> damages = {
      {"truncated", [](std::string& b) { b.resize(b.size() / 2); }},
      {"shorter than its header", [](std::string& b) { b.resize(10); }},
      {"a byte changed", [](std::string& b) { b[b.size() * 2 / 3] ^= 0x40; }},
      {"a count changed", [](std::string& b) { b[24] ^= 0x7f; }},
      {"another version", [](std::string& b) { b[8] = static_cast<char>(CubeFile::kVersion + 1); }},
      {"not a cube file", [](std::string& b) { b.replace(0, 8, "SQLite f"); }},
      {"a byte appended", [](std::string& b) { b.push_back('x'); }},
  };
  for (const auto& [what, damage] : damages) {
    rewrite(damage);
    std::string problem;
    auto restart = Start(&origin, &problem);
    ASSERT_NE(restart, nullptr) << what;
    EXPECT_EQ(origin, CubeOrigin::kWarehouse) << what;
    EXPECT_FALSE(problem.empty()) << what;
    ExpectSameAnswers(*restart, *fresh, what);
    EXPECT_EQ(std::filesystem::file_size(cube_file_), size) << what << ": written anew";
    auto again = Start(&origin);
    EXPECT_EQ(origin, CubeOrigin::kFile) << what << ": the rewritten file is read";
  }
}

// What a load runs once it committed: the file it leaves is one a start reads alone, and each
// later load adds its own file's sales to it.
TEST_P(CubeFileTest, EachLoadBringsTheFileUpToDateForTheNextStart) {
  Load("a.csv", 3'000, 111);
  auto update = UpdateCubeFile(OpenOrFail(location_, Access::kReadOnly), cube_file_);
  ASSERT_TRUE(update) << update.error().message();
  EXPECT_EQ(update->origin, CubeOrigin::kWarehouse);  // no file yet: every sale read
  EXPECT_EQ(update->sales, 3'000u);
  EXPECT_EQ(update->problem, "");
  ASSERT_TRUE(std::filesystem::exists(cube_file_));

  CubeOrigin origin = CubeOrigin::kNone;
  auto start = Start(&origin);
  ASSERT_NE(start, nullptr);
  EXPECT_EQ(origin, CubeOrigin::kFile);
  auto fresh = Fresh();
  ASSERT_NE(fresh, nullptr);
  ExpectSameAnswers(*start, *fresh, "a start after the first load");

  Load("b.csv", 2'000, 112);
  update = UpdateCubeFile(OpenOrFail(location_, Access::kReadOnly), cube_file_);
  ASSERT_TRUE(update) << update.error().message();
  EXPECT_EQ(update->origin, CubeOrigin::kFileRefreshed);  // the file, and b.csv's sales
  EXPECT_EQ(update->sales, 5'000u);
  start = Start(&origin);
  ASSERT_NE(start, nullptr);
  EXPECT_EQ(origin, CubeOrigin::kFile);
  fresh = Fresh();
  ASSERT_NE(fresh, nullptr);
  ASSERT_EQ(start->cube->rows(), 5'000u);
  ExpectSameAnswers(*start, *fresh, "a start after the second load");

  // Nothing loaded since: the file is left as it is.
  const auto written = std::filesystem::last_write_time(cube_file_);
  update = UpdateCubeFile(OpenOrFail(location_, Access::kReadOnly), cube_file_);
  ASSERT_TRUE(update) << update.error().message();
  EXPECT_EQ(update->origin, CubeOrigin::kFile);
  EXPECT_EQ(std::filesystem::last_write_time(cube_file_), written);
}

// A file that cannot be written is the caller's error to report; whatever was there stays.
TEST_P(CubeFileTest, AnUpdateThatCannotWriteTheFileSaysSo) {
  Load("a.csv", 1'000, 121);
  std::filesystem::create_directories(cube_file_);  // a folder where the file should be
  auto update = UpdateCubeFile(OpenOrFail(location_, Access::kReadOnly), cube_file_);
  ASSERT_FALSE(update);
  EXPECT_EQ(update.error().code(), ErrorCode::kIoError) << update.error().message();
  EXPECT_TRUE(std::filesystem::is_directory(cube_file_));
  EXPECT_TRUE(std::filesystem::is_empty(cube_file_));
}

// The two ways a read joins sales to their customer versions (in SQL, or by reading every
// version first) give the same sales, for one file of two (read through the files' index, or
// with the fact table whole and the other file's rows left out) and for both. A sale is its
// columns as text, so that any difference shows.
TEST_P(CubeFileTest, BothWaysOfJoiningSalesToCustomersReadTheSameSales) {
  const int64_t a = Load("a.csv", 3'000, 131);
  const int64_t b = Load("b.csv", 2'000, 132);
  auto reader = OpenOrFail(location_, Access::kReadOnly);
  ASSERT_NE(reader, nullptr);
  auto scan = [&](std::vector<int64_t> files, SalesScanPlan plan) {
    std::vector<std::string> sales;
    auto text = [](const auto& value) {
      return value ? fmt::format("{}", *value) : std::string("NULL");
    };
    Status scanned = ScanSales(
        *reader, files,
        [&](const SaleRow& sale) -> Status {
          sales.push_back(fmt::format("{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{:.17g}|{}", sale.file_id,
                                      sale.date_key, sale.product_key, sale.location_key,
                                      text(sale.customer_id), text(sale.age), text(sale.segment),
                                      fmt::join(sale.attribute_keys, ","), text(sale.rating),
                                      sale.quantity, sale.amount, text(sale.transaction_id)));
          return {};
        },
        plan);
    EXPECT_TRUE(scanned) << scanned.error().message();
    std::sort(sales.begin(), sales.end());
    return sales;
  };
  for (const auto& [files, rows] : std::vector<std::pair<std::vector<int64_t>, size_t>>{
           {{a}, 3'000}, {{b}, 2'000}, {{a, b}, 5'000}, {{b, 999'999}, 2'000}}) {
    const std::string what = fmt::format("files {}", fmt::join(files, ", "));
    auto joined = scan(files, SalesScanPlan::kJoin);
    EXPECT_EQ(joined.size(), rows) << what;
    EXPECT_EQ(scan(files, SalesScanPlan::kVersionsFirst), joined) << what;
    EXPECT_EQ(scan(files, SalesScanPlan::kChoose), joined) << what;
  }
  // Some sales have no customer id, age or transaction id: the NULLs take both ways too.
  auto all = scan({a, b}, SalesScanPlan::kVersionsFirst);
  EXPECT_TRUE(std::any_of(all.begin(), all.end(), [](const std::string& sale) {
    return sale.find("NULL") != std::string::npos;
  }));
}

INSTANTIATE_TEST_SUITE_P(BothBackEnds, CubeFileTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& param_info) { return param_info.param; });

TEST(DefaultCubeFileTest, BesideSqliteAndInTheCacheForPostgres) {
  EXPECT_EQ(DefaultCubeFile("sqlite:data/till.db"), "data/till.db.cube");
  const std::string postgres = DefaultCubeFile("postgres://till@db.example:5432/sales");
  EXPECT_NE(postgres.find("/till/cube-"), std::string::npos) << postgres;
  EXPECT_NE(postgres, DefaultCubeFile("postgres://till@db.example:5432/other"));
}

}  // namespace
}  // namespace till
