// End-to-end loads of real samples and generated files into a fresh SQLite warehouse.
#include "pipeline/ingest.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>

#include "base/byte_source.h"
#include "base/clock.h"
#include "clean/header_map.h"
#include "clean/row_cleaner.h"
#include "csv/csv_reader.h"
#include "generate/generator.h"
#include "pipeline/failing_warehouse.h"
#include "pipeline/file_loader.h"
#include "support/generated.h"
#include "support/temp_dir.h"

namespace till {
namespace {

using testing::TempDir;

const std::string kSamples = std::string(TILL_TEST_DATA_DIR) + "/samples";

using testing::Generate;

class IngestTest : public ::testing::Test {
 protected:
  void SetUp() override { warehouse_ = Open(dir_.Path("till.db")); }

  static std::unique_ptr<Warehouse> Open(const std::string& path,
                                         const WarehouseOptions& options = {}) {
    auto warehouse = OpenWarehouse(path, Access::kReadWrite, options);
    EXPECT_TRUE(warehouse) << warehouse.error().message();
    return std::move(*warehouse);
  }

  IngestReport Ingest(std::vector<std::string> paths, Warehouse* warehouse = nullptr) {
    auto report = IngestFiles(warehouse ? *warehouse : *warehouse_, paths, options_);
    EXPECT_TRUE(report) << report.error().message();
    return *report;
  }

  int64_t Count(const std::string& sql, Warehouse* warehouse = nullptr) {
    auto result = (warehouse ? *warehouse : *warehouse_).Query(sql, {});
    EXPECT_TRUE(result) << result.error().message();
    return std::stoll(result->rows.at(0).at(0).value_or("0"));
  }

  QueryResult Rows(const std::string& sql, Warehouse* warehouse = nullptr) {
    auto result = (warehouse ? *warehouse : *warehouse_).Query(sql, {});
    EXPECT_TRUE(result) << result.error().message();
    return *result;
  }

  TempDir dir_;
  std::unique_ptr<Warehouse> warehouse_;
  IngestOptions options_;
};

// Splits one line of a file without quoted commas or newlines.
std::vector<std::string> Fields(const std::string& line) {
  std::vector<std::string> fields;
  std::string field;
  bool quoted = false;
  for (char c : line) {
    if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      fields.push_back(field);
      field.clear();
    } else if (c != '\r') {
      field.push_back(c);
    }
  }
  fields.push_back(field);
  return fields;
}

TEST_F(IngestTest, LoadsTheThirtyRealRowsAndTheViewGivesThemBack) {
  auto report = Ingest({kSamples + "/real_rows_30.csv"});
  ASSERT_EQ(report.files.size(), 1u);
  const FileOutcome& file = report.files[0];
  EXPECT_EQ(file.status, FileStatus::kLoaded) << file.error;
  EXPECT_EQ(file.rows_read, 30);
  EXPECT_EQ(file.rows_loaded, 30);
  EXPECT_EQ(file.extra_columns, std::vector<std::string>{"row_index"});

  // Every raw value comes back from retail_data_view, in its cleaned form.
  std::string text = testing::ReadFile(kSamples + "/real_rows_30.csv");
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  auto header = Fields(lines[0]);
  auto view = Rows("SELECT * FROM retail_data_view ORDER BY source_line");
  ASSERT_EQ(view.rows.size(), 30u);
  for (size_t r = 0; r < 30; ++r) {
    auto raw = Fields(lines[r + 1]);
    std::map<std::string, std::string> by_name;
    for (size_t c = 1; c < header.size(); ++c) by_name[header[c]] = raw[c];
    const auto& row = view.rows[r];
    auto col = [&](const std::string& name) -> std::string {
      for (size_t c = 0; c < view.columns.size(); ++c) {
        if (view.columns[c] == name) return row[c].value_or("");
      }
      ADD_FAILURE() << "no column " << name;
      return "";
    };
    EXPECT_EQ(col("transaction_id"), by_name["Transaction_ID"]);
    EXPECT_EQ(col("customer_id"), by_name["Customer_ID"]);
    EXPECT_EQ(col("name"), by_name["Name"]);
    EXPECT_EQ(col("email"), by_name["Email"]);
    EXPECT_EQ(col("phone"), by_name["Phone"]);
    EXPECT_EQ(col("address"), by_name["Address"]);
    EXPECT_EQ(col("city"), by_name["City"]);
    EXPECT_EQ(col("state"), by_name["State"]);
    EXPECT_EQ(col("zipcode"), by_name["Zipcode"]);
    EXPECT_EQ(col("country"), by_name["Country"]);
    EXPECT_EQ(col("age"), by_name["Age"]);
    EXPECT_EQ(col("gender"), by_name["Gender"]);
    EXPECT_EQ(col("income"), by_name["Income"]);
    EXPECT_EQ(col("customer_segment"), by_name["Customer_Segment"]);
    // Dates come back as ISO; the sample writes MM-DD-YYYY or M/D/YYYY.
    auto date = ParseDate(by_name["Date"]);
    ASSERT_TRUE(date);
    EXPECT_EQ(col("date"), FormatDate(*date));
    EXPECT_EQ(col("year"), std::to_string(date->year));
    EXPECT_EQ(col("time"), by_name["Time"]);
    EXPECT_EQ(col("total_purchases"), by_name["Total_Purchases"]);
    EXPECT_DOUBLE_EQ(std::stod(col("amount")), std::stod(by_name["Amount"]));
    EXPECT_DOUBLE_EQ(std::stod(col("total_amount")), std::stod(by_name["Total_Amount"]));
    EXPECT_EQ(col("product_category"), by_name["Product_Category"]);
    EXPECT_EQ(col("product_brand"), by_name["Product_Brand"]);
    EXPECT_EQ(col("product_type"), by_name["Product_Type"]);
    EXPECT_EQ(col("feedback"), by_name["Feedback"]);
    EXPECT_EQ(col("shipping_method"), by_name["Shipping_Method"]);
    EXPECT_EQ(col("payment_method"), by_name["Payment_Method"]);
    EXPECT_EQ(col("order_status"), by_name["Order_Status"]);
    EXPECT_EQ(col("ratings"), by_name["Ratings"]);
    EXPECT_EQ(col("products"), by_name["products"]);
  }
}

TEST_F(IngestTest, LoadsThe25ColumnReExport) {
  auto report = Ingest({kSamples + "/real_rows_25col_variant_1000.csv"});
  const FileOutcome& file = report.files.at(0);
  EXPECT_EQ(file.status, FileStatus::kLoaded) << file.error;
  EXPECT_EQ(file.rows_read, 1000);
  EXPECT_EQ(file.rows_loaded + file.rows_duplicate, 1000);
  EXPECT_EQ(file.rows_rejected, 0);
  EXPECT_EQ(file.missing_columns.size(), 5u);  // Email, Phone, Address, Time, products
  EXPECT_EQ(Count("SELECT count(*) FROM retail_data_view WHERE email IS NULL"), file.rows_loaded);
}

TEST_F(IngestTest, TheSameContentLoadsOnceUnderAnyName) {
  std::string copy = dir_.Write("copy.csv", testing::ReadFile(kSamples + "/real_rows_30.csv"));
  auto first = Ingest({kSamples + "/real_rows_30.csv"});
  auto again = Ingest({kSamples + "/real_rows_30.csv", copy});
  EXPECT_EQ(first.files[0].status, FileStatus::kLoaded);
  EXPECT_EQ(again.files[0].status, FileStatus::kSkipped);
  EXPECT_EQ(again.files[1].status, FileStatus::kSkipped);
  EXPECT_TRUE(again.succeeded);
  EXPECT_EQ(Count("SELECT count(*) FROM fact_sales"), 30);
  EXPECT_EQ(Count("SELECT count(*) FROM etl_file WHERE status = 'skipped'"), 2);
}

// Two loaders of the same content into one SQLite warehouse: both find it new, then the second
// waits for the write lock while the first loads and commits. The second is recorded skipped,
// pointing at the first, as on PostgreSQL (not failed on the unique index of loaded content).
TEST_F(IngestTest, TheSameContentLoadedTwiceAtOnceIsLoadedOnceAndSkippedOnce) {
  std::string copy = dir_.Write("copy.csv", testing::ReadFile(kSamples + "/real_rows_30.csv"));
  ASSERT_TRUE(warehouse_->Migrate());
  auto other = Open(dir_.Path("till.db"));
  ASSERT_NE(other, nullptr);
  testing::FailingWarehouse second(*warehouse_, 0);
  auto second_run = second.StartRun("test");
  ASSERT_TRUE(second_run);
  auto first_run = other->StartRun("test");
  ASSERT_TRUE(first_run);
  FileOutcome first;
  second.BeforeBeginLoad(
      [&] { first = IngestFile(*other, *first_run, kSamples + "/real_rows_30.csv", options_); });
  FileOutcome skipped = IngestFile(second, *second_run, copy, options_);
  EXPECT_EQ(first.status, FileStatus::kLoaded) << first.error;
  EXPECT_EQ(skipped.status, FileStatus::kSkipped) << skipped.error;
  EXPECT_EQ(skipped.same_content_as, first.file_id);
  EXPECT_EQ(Count("SELECT count(*) FROM fact_sales"), 30);
  EXPECT_EQ(Count("SELECT count(*) FROM etl_file WHERE status = 'skipped'"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM etl_file WHERE status = 'failed'"), 0);
}

TEST_F(IngestTest, RowsAlreadyLoadedByAnotherFileAreDuplicates) {
  std::string text = testing::ReadFile(kSamples + "/real_rows_30.csv");
  // The first 11 rows again, with a new row_index column so the content differs.
  std::string part;
  size_t pos = 0;
  for (int line = 0; line < 12; ++line) pos = text.find('\n', pos) + 1;
  part = text.substr(0, pos);
  std::string other = dir_.Write("part.csv", "\xEF\xBB\xBF" + part);  // with a BOM
  Ingest({kSamples + "/real_rows_30.csv"});
  auto report = Ingest({other});
  const FileOutcome& file = report.files.at(0);
  EXPECT_EQ(file.status, FileStatus::kLoaded) << file.error;
  EXPECT_EQ(file.rows_read, 11);
  EXPECT_EQ(file.rows_duplicate, 11);
  EXPECT_EQ(file.rows_loaded, 0);
  EXPECT_EQ(Count("SELECT count(*) FROM fact_sales"), 30);
}

TEST_F(IngestTest, AccountingHoldsForGeneratedFilesOfSeveralSeeds) {
  std::vector<std::string> paths;
  for (uint64_t seed : {1, 2, 3}) {
    paths.push_back(Generate(dir_, "gen" + std::to_string(seed) + ".csv", 40000, seed));
  }
  auto report = Ingest(paths);
  EXPECT_TRUE(report.succeeded);
  int64_t loaded = 0;
  for (const FileOutcome& file : report.files) {
    EXPECT_EQ(file.status, FileStatus::kLoaded) << file.error;
    EXPECT_EQ(file.rows_read, 40000);
    EXPECT_EQ(file.rows_read, file.rows_loaded + file.rows_rejected + file.rows_duplicate);
    EXPECT_GT(file.rows_duplicate, 0);  // the generator writes exact duplicate rows
    EXPECT_GT(file.month_mismatches, 40000 / 5);
    loaded += file.rows_loaded;
  }
  EXPECT_EQ(Count("SELECT count(*) FROM fact_sales"), loaded);
  EXPECT_EQ(Count("SELECT count(*) FROM retail_data_view"), loaded);
  EXPECT_EQ(Count("SELECT sum(rows_loaded) FROM etl_file WHERE status = 'loaded'"), loaded);
  // Every fact points at existing members.
  EXPECT_EQ(Rows("PRAGMA foreign_key_check").rows.size(), 0u);
  // One current version per customer id.
  EXPECT_EQ(Count("SELECT count(*) FROM (SELECT customer_id FROM dim_customer WHERE customer_id "
                  "IS NOT NULL GROUP BY customer_id HAVING sum(is_current) <> 1)"),
            0);
  // The run and its steps are recorded.
  EXPECT_EQ(Count("SELECT count(*) FROM etl_run WHERE status = 'succeeded'"), 1);
  EXPECT_EQ(Count("SELECT count(DISTINCT step) FROM etl_step WHERE step IN ('gender', 'income', "
                  "'feedback', 'shipping_method', 'payment_method', 'order_status', 'location', "
                  "'product', 'customer', 'sales')"),
            10);
  // And, for each file, the work after its last row, for as many rows as it loaded.
  EXPECT_EQ(Count("SELECT count(*) FROM etl_step s JOIN etl_file f ON f.file_id = s.file_id "
                  "WHERE s.step = 'finish' AND s.seconds >= 0 AND s.rows = f.rows_loaded"),
            Count("SELECT count(*) FROM etl_file WHERE status = 'loaded'"));
  EXPECT_GT(Count("SELECT count(*) FROM etl_file WHERE status = 'loaded'"), 1);
}

TEST_F(IngestTest, DuplicatesAreFoundPastTheInMemoryLimitOfAFirstLoad) {
  std::string path = Generate(dir_, "big.csv", 60000, 5);
  auto reference = Open(dir_.Path("reference.db"));
  Ingest({path}, reference.get());
  warehouse_ = Open(dir_.Path("limited.db"), WarehouseOptions{.row_check_limit = 1000});
  auto report = Ingest({path});
  const FileOutcome& file = report.files.at(0);
  EXPECT_EQ(file.status, FileStatus::kLoaded) << file.error;
  EXPECT_GT(file.rows_duplicate, 0);
  const std::string facts = "SELECT count(*) FROM fact_sales";
  EXPECT_EQ(Count(facts), Count(facts, reference.get()));
  EXPECT_EQ(Count("SELECT count(*) FROM fact_sales_row"), Count(facts));
}

// A load sorts its index builds on disk: SQLite allows the switch to temporary files inside the
// load's transaction only while the connection's temporary database is closed, and a new
// warehouse's migrations (an ALTER TABLE) open it.
TEST_F(IngestTest, ALoadIntoANewWarehouseMaySortOnDisk) {
  ASSERT_TRUE(warehouse_->Migrate());
  auto run = warehouse_->StartRun("test");
  ASSERT_TRUE(run) << run.error().message();
  FileOutcome outcome;
  outcome.uri = "file.csv";
  outcome.sha256 = std::string(64, 'a');
  outcome.started_at = FormatTimestamp(Clock::Real().Now());
  auto load = warehouse_->BeginLoad(*run, outcome);
  ASSERT_TRUE(load) << load.error().message();
  auto switched = warehouse_->Query("PRAGMA temp_store = FILE", {});
  EXPECT_TRUE(switched) << switched.error().message();
}

// The rows of the file at `path`, then each again on another date (alternately the file's
// first month and a later one), as one CSV text: each customer version is met twice, far apart,
// the second time before or after the first.
std::string WithEachRowAgainOnAnotherDay(const std::string& path) {
  auto source = MakeStringSource(testing::ReadFile(path));
  CsvReader reader(*source, FileReaderOptions(','));
  CsvRecord record;
  std::vector<std::vector<std::string>> records;
  for (auto more = reader.Next(&record); more && *more; more = reader.Next(&record)) {
    records.emplace_back(record.fields.begin(), record.fields.end());
  }
  const std::vector<std::string>& header = records.at(0);
  auto column = [&](const std::string& name) {
    return static_cast<size_t>(std::find(header.begin(), header.end(), name) - header.begin());
  };
  const size_t date = column("Date"), year = column("Year"), month = column("Month");
  EXPECT_LT(month, header.size());
  const size_t rows = records.size() - 1;
  for (size_t i = 1; i <= rows; ++i) {
    std::vector<std::string> again = records[i];
    const bool earlier = i % 2 == 0;
    again[date] = earlier ? "3/1/2023" : "2/28/2024";
    again[year] = earlier ? "2023" : "2024";
    again[month] = earlier ? "March" : "February";
    records.push_back(std::move(again));
  }
  std::string text;
  for (const auto& fields : records) {
    for (size_t f = 0; f < fields.size(); ++f) {
      if (f > 0) text += ',';
      text += CsvText(fields[f]);
    }
    text += "\n";
  }
  return text;
}

// Past the limits of what a load keeps in memory (customer versions and row hashes written and
// forgotten, then met again, widened, and made current or not), the warehouse is the one a load
// that kept everything makes.
TEST_F(IngestTest, CustomerVersionsMetAgainPastTheInMemoryLimitsEndAsIfAllWereKept) {
  const std::string generated = Generate(dir_, "gen.csv", 6000, 33);
  const std::string path = dir_.Path("twice.csv");
  {
    std::FILE* out = std::fopen(path.c_str(), "wb");
    ASSERT_NE(out, nullptr);
    const std::string text = WithEachRowAgainOnAnotherDay(generated);
    std::fwrite(text.data(), 1, text.size(), out);
    std::fclose(out);
  }
  auto reference = Open(dir_.Path("reference.db"));
  Ingest({path}, reference.get());
  warehouse_ = Open(dir_.Path("limited.db"), WarehouseOptions{.row_check_limit = 700});
  options_.max_customer_versions = 400;
  auto report = Ingest({path});
  EXPECT_EQ(report.files.at(0).status, FileStatus::kLoaded) << report.files.at(0).error;
  const std::string customers =
      "SELECT customer_key, customer_id, first_seen, last_seen, is_current FROM dim_customer "
      "ORDER BY customer_key";
  const QueryResult expected = Rows(customers, reference.get());
  EXPECT_GT(expected.rows.size(), 6000u / 2);
  EXPECT_EQ(Rows(customers).rows, expected.rows);
  // Some customer ids have versions on both sides of others', so which is current depends on
  // the ranges widened.
  const std::string widened = "SELECT count(*) FROM dim_customer WHERE first_seen < last_seen";
  EXPECT_GT(Count(widened, reference.get()), 6000 / 2);
  const std::string facts = "SELECT count(*) FROM fact_sales";
  EXPECT_EQ(Count(facts), Count(facts, reference.get()));
}

// A file's header line and its records, each with its line end; a line end inside quotes
// belongs to its record.
struct SplitFile {
  std::string header;
  std::vector<std::string> records;

  // The header and records [begin, end) as one CSV text.
  std::string Part(size_t begin, size_t end) const {
    std::string text = header;
    for (size_t i = begin; i < std::min(end, records.size()); ++i) text += records[i];
    return text;
  }
};

SplitFile Split(const std::string& text) {
  SplitFile split;
  std::string record;
  bool quoted = false;
  for (char c : text) {
    record.push_back(c);
    if (c == '"') quoted = !quoted;
    if (c == '\n' && !quoted) {
      (split.header.empty() ? split.header : split.records.emplace_back()) = std::move(record);
      record.clear();
    }
  }
  if (!record.empty()) split.records.push_back(record + "\n");
  return split;
}

enum class Ending { kCommit, kAbandon };

// Loads `csv` (a header line, then rows) the way `till stream` loads a group of requests: in a
// batch load of a run of its own. Abandoned, the load is dropped before it commits.
FileOutcome LoadBatch(Warehouse& warehouse, const std::string& csv,
                      Ending ending = Ending::kCommit) {
  static int batches = 0;
  FileOutcome outcome;
  outcome.uri = "stream:test";
  outcome.sha256 = fmt::format("batch {}", ++batches);  // each batch is new content
  outcome.size_bytes = static_cast<int64_t>(csv.size());
  outcome.started_at = FormatTimestamp(Clock::Real().Now());
  auto run = warehouse.StartRun("stream");
  EXPECT_TRUE(run) << run.error().message();
  if (!run) return outcome;
  auto load = warehouse.BeginBatchLoad(*run, outcome);
  EXPECT_TRUE(load) << load.error().message();
  if (!load) return outcome;
  std::unique_ptr<ByteSource> source = MakeStringSource(csv);
  CsvReader reader(*source, FileReaderOptions(','));
  CsvRecord header;
  auto has_header = reader.Next(&header);
  EXPECT_TRUE(has_header && *has_header);
  auto columns = MapHeader(header.fields);
  EXPECT_TRUE(columns) << columns.error().message();
  if (!columns) return outcome;
  RowCleaner cleaner(std::move(*columns), RowCleaner::DecimalMark::kPoint);
  IngestOptions options;
  options.trigger = "stream";
  std::unique_ptr<FileLoader> loader = MakeFileLoader(options, FileReaderOptions(','), &outcome);
  Status status = loader->Run(reader, cleaner, **load, outcome.size_bytes);
  if (status) status = loader->Finish(**load);
  outcome.status = FileStatus::kLoaded;
  outcome.finished_at = FormatTimestamp(Clock::Real().Now());
  if (status && ending == Ending::kCommit) status = (*load)->Commit(outcome);
  EXPECT_TRUE(status) << status.error().message();
  outcome.file_id = (*load)->file_id();
  load->reset();
  EXPECT_TRUE(warehouse.FinishRun(*run, true, ""));
  return outcome;
}

// Every fact's row hash is stored once, in fact_sales_row or in fact_sales_row_recent.
void ExpectEachFactHashedOnce(Warehouse& warehouse) {
  auto count = [&](const std::string& sql) {
    auto result = warehouse.Query(sql, {});
    EXPECT_TRUE(result) << result.error().message();
    return result ? std::stoll(result->rows.at(0).at(0).value_or("0")) : -1;
  };
  const int64_t facts = count("SELECT count(*) FROM fact_sales");
  EXPECT_EQ(count("SELECT count(*) FROM fact_sales_row") +
                count("SELECT count(*) FROM fact_sales_row_recent"),
            facts);
  EXPECT_EQ(count("SELECT count(DISTINCT sale_id) FROM (SELECT sale_id FROM fact_sales_row "
                  "UNION ALL SELECT sale_id FROM fact_sales_row_recent) JOIN fact_sales "
                  "USING (sale_id)"),
            facts);
  EXPECT_EQ(count("SELECT count(*) FROM fact_sales_row JOIN fact_sales_row_recent "
                  "USING (row_hash)"),
            0);
}

TEST_F(IngestTest, BatchesAndFilesFindEachOthersRowsWhereverTheirHashesLie) {
  const std::string path = Generate(dir_, "gen.csv", 6000, 21);
  auto reference = Open(dir_.Path("reference.db"));
  Ingest({path}, reference.get());
  const std::string facts = "SELECT count(*) FROM fact_sales";
  const SplitFile file = Split(testing::ReadFile(path));
  ASSERT_EQ(file.records.size(), 6000u);
  // Batches of 500 rows whose hashes move to fact_sales_row once there are 1,000 of them (or
  // a quarter of the facts).
  warehouse_ = Open(dir_.Path("batches.db"), WarehouseOptions{.recent_row_limit = 1000});
  ASSERT_TRUE(warehouse_->Migrate());
  bool held_recent = false;
  bool moved = false;
  for (size_t begin = 0; begin < 3000; begin += 500) {
    FileOutcome batch = LoadBatch(*warehouse_, file.Part(begin, begin + 500));
    EXPECT_EQ(batch.rows_read, 500);
    EXPECT_GT(batch.rows_loaded, 0);
    ExpectEachFactHashedOnce(*warehouse_);
    held_recent = held_recent || Count("SELECT count(*) FROM fact_sales_row_recent") > 0;
    moved = moved || Count("SELECT count(*) FROM fact_sales_row") > 0;
  }
  EXPECT_TRUE(held_recent);
  EXPECT_TRUE(moved);
  // The whole file, through another connection as another process would load it: the rows
  // of the batches are its duplicates, wherever their hashes lie.
  {
    auto other = Open(dir_.Path("batches.db"));
    auto report = Ingest({path}, other.get());
    EXPECT_EQ(report.files.at(0).status, FileStatus::kLoaded) << report.files.at(0).error;
  }
  EXPECT_EQ(Count(facts), Count(facts, reference.get()));
  ExpectEachFactHashedOnce(*warehouse_);
  // The whole file again in batches on the first connection, which did not see that load:
  // nothing loads twice.
  for (size_t begin = 0; begin < file.records.size(); begin += 500) {
    FileOutcome batch = LoadBatch(*warehouse_, file.Part(begin, begin + 500));
    EXPECT_EQ(batch.rows_loaded, 0) << "batch from row " << begin;
  }
  EXPECT_EQ(Count(facts), Count(facts, reference.get()));
  ExpectEachFactHashedOnce(*warehouse_);
}

TEST_F(IngestTest, BatchesMoveTheirRecentHashesASliceAtATime) {
  const std::string path = Generate(dir_, "gen.csv", 6000, 24);
  auto reference = Open(dir_.Path("reference.db"));
  Ingest({path}, reference.get());
  const std::string facts = "SELECT count(*) FROM fact_sales";
  const std::string recent = "SELECT count(*) FROM fact_sales_row_recent";
  const std::string moved = "SELECT count(*) FROM fact_sales_row";
  const SplitFile file = Split(testing::ReadFile(path));
  // At most 2,000 recent hashes (a quarter of the facts stays below that): 16 slices of about
  // 125 each, and batches of 250 rows.
  constexpr int64_t kLimit = 2000;
  warehouse_ = Open(dir_.Path("batches.db"), WarehouseOptions{.recent_row_limit = kLimit});
  ASSERT_TRUE(warehouse_->Migrate());
  int moves = 0;
  for (size_t begin = 0; begin < file.records.size(); begin += 250) {
    const int64_t moved_before = Count(moved);
    FileOutcome batch = LoadBatch(*warehouse_, file.Part(begin, begin + 250));
    EXPECT_GT(batch.rows_loaded, 0);
    ExpectEachFactHashedOnce(*warehouse_);
    const int64_t held = Count(recent);
    EXPECT_LT(held, kLimit) << "after the batch from row " << begin;
    if (Count(moved) > moved_before) {
      ++moves;
      // Only the fullest slices went: most recent hashes stay where the last commit put them.
      EXPECT_GT(held, kLimit / 2) << "after the batch from row " << begin;
    }
  }
  EXPECT_GE(moves, 5);
  // Each hash's slice, as the migration to sliced storage computes it from the stored bytes.
  EXPECT_EQ(Count("SELECT count(*) FROM fact_sales_row_recent "
                  "WHERE slice <> instr('0123456789ABCDEF', substr(hex(row_hash), 1, 1)) - 1"),
            0);
  EXPECT_GT(Count("SELECT count(DISTINCT slice) FROM fact_sales_row_recent"), 8);
  EXPECT_EQ(Count(facts), Count(facts, reference.get()));
  // The whole file again, through another connection and in batches on this one: every row is
  // found, in whichever table its hash lies.
  {
    auto other = Open(dir_.Path("batches.db"));
    auto report = Ingest({path}, other.get());
    EXPECT_EQ(report.files.at(0).rows_loaded, 0);
  }
  for (size_t begin = 0; begin < file.records.size(); begin += 1000) {
    EXPECT_EQ(LoadBatch(*warehouse_, file.Part(begin, begin + 1000)).rows_loaded, 0)
        << "batch from row " << begin;
  }
  EXPECT_EQ(Count(facts), Count(facts, reference.get()));
  ExpectEachFactHashedOnce(*warehouse_);
}

// Every run's start looks for runs whose process is gone among those still running: through
// their own index, not a scan of every run ever recorded.
TEST_F(IngestTest, InterruptedRunsAreLookedForAmongTheRunningOnesOnly) {
  ASSERT_TRUE(warehouse_->Migrate());
  auto plan = Rows(
      "EXPLAIN QUERY PLAN SELECT run_id, owner FROM etl_run "
      "WHERE status = 'running' AND owner IS NOT NULL");
  std::string steps;
  for (const auto& row : plan.rows) steps += row.back().value_or("") + "\n";
  EXPECT_NE(steps.find("etl_run_running"), std::string::npos) << steps;
}

// A load into empty tables builds their indexes at its end with SQLite's temporary files on
// disk (so that its sorter works in bounded runs, not on every row at once), then puts them back
// in memory; where SQLite refuses the switch, because an unload opened the connection's
// temporary database, the load goes on with them in memory.
TEST_F(IngestTest, ABulkLoadBuildsItsIndexesWhereverTemporaryFilesMayGo) {
  const std::string indexes =
      "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name IN "
      "('fact_sales_file', 'dim_customer_key', 'dim_customer_current')";
  IngestReport first = Ingest({Generate(dir_, "a.csv", 3000, 31)});
  ASSERT_EQ(first.files.size(), 1u);
  ASSERT_GT(first.files[0].rows_loaded, 0);
  EXPECT_EQ(Count("PRAGMA temp_store"), 2);  // MEMORY again
  EXPECT_EQ(Count(indexes), 3);
  // Unloaded through this connection: fact_sales is empty again, and the unload's work table
  // has opened the temporary database.
  ASSERT_TRUE(warehouse_->ForgetLandingKey("file:///zone/", "a.csv", first.files[0].file_id));
  ASSERT_EQ(Count("SELECT count(*) FROM fact_sales"), 0);
  IngestReport second = Ingest({Generate(dir_, "b.csv", 3000, 32)});
  ASSERT_EQ(second.files.size(), 1u);
  EXPECT_EQ(second.files[0].status, FileStatus::kLoaded);
  EXPECT_EQ(Count("SELECT count(*) FROM fact_sales"), second.files[0].rows_loaded);
  EXPECT_EQ(Count("PRAGMA temp_store"), 2);
  EXPECT_EQ(Count(indexes), 3);
  EXPECT_EQ(Count("SELECT count(*) FROM fact_sales INDEXED BY fact_sales_file WHERE file_id = " +
                  std::to_string(second.files[0].file_id)),
            second.files[0].rows_loaded);
}

TEST_F(IngestTest, UnloadingABatchFreesItsRowsForEveryConnection) {
  const SplitFile file = Split(testing::ReadFile(Generate(dir_, "gen.csv", 400, 22)));
  const std::string rows = file.Part(0, 400);
  const std::string facts = "SELECT count(*) FROM fact_sales";
  const std::string recent = "SELECT count(*) FROM fact_sales_row_recent";
  ASSERT_TRUE(warehouse_->Migrate());  // as `till stream` does when it starts
  // Other rows that stay throughout, so that a load always has stored rows to check against.
  Ingest({Generate(dir_, "other.csv", 50, 23)});
  const int64_t kept = Count(facts);
  ASSERT_GT(kept, 0);
  // A batch that does not commit leaves no trace: the same rows load afterwards.
  FileOutcome dropped = LoadBatch(*warehouse_, rows, Ending::kAbandon);
  ASSERT_GT(dropped.rows_loaded, 0);  // counted, then rolled back
  EXPECT_EQ(Count(facts), kept);
  FileOutcome first = LoadBatch(*warehouse_, rows);
  EXPECT_EQ(first.rows_loaded, dropped.rows_loaded);
  EXPECT_EQ(Count(recent), first.rows_loaded);
  auto other = Open(dir_.Path("till.db"));
  // The same rows again: duplicates, held by the second batch as well.
  FileOutcome second = LoadBatch(*warehouse_, rows);
  EXPECT_EQ(second.rows_loaded, 0);
  EXPECT_EQ(second.rows_duplicate, first.rows_loaded + first.rows_duplicate);
  // Unloaded by another connection, the first batch's rows move to the second: still loaded.
  ASSERT_TRUE(other->ForgetLandingKey("file:///zone/", "first.csv", first.file_id));
  EXPECT_EQ(Count(facts), kept + first.rows_loaded);
  FileOutcome third = LoadBatch(*warehouse_, rows);
  EXPECT_EQ(third.rows_loaded, 0);
  // Once the second and the third are unloaded too, nothing holds them: the first connection,
  // whose copy of the recent hashes those unloads made stale, loads them again.
  ASSERT_TRUE(other->ForgetLandingKey("file:///zone/", "second.csv", second.file_id));
  EXPECT_EQ(Count(facts), kept + first.rows_loaded);  // now the third's
  ASSERT_TRUE(other->ForgetLandingKey("file:///zone/", "third.csv", third.file_id));
  EXPECT_EQ(Count(facts), kept);
  EXPECT_EQ(Count(recent), 0);
  FileOutcome again = LoadBatch(*warehouse_, rows);
  EXPECT_EQ(again.rows_loaded, first.rows_loaded);
  ExpectEachFactHashedOnce(*warehouse_);
  // And so after an unload through the same connection.
  ASSERT_TRUE(warehouse_->ForgetLandingKey("file:///zone/", "again.csv", again.file_id));
  EXPECT_EQ(LoadBatch(*warehouse_, rows).rows_loaded, first.rows_loaded);
  // A file of the same rows finds them all, through another connection.
  auto report = Ingest({dir_.Write("same.csv", rows)}, other.get());
  EXPECT_EQ(report.files.at(0).rows_loaded, 0);
  EXPECT_EQ(Count(facts), kept + first.rows_loaded);
  ExpectEachFactHashedOnce(*warehouse_);
}

TEST_F(IngestTest, ResultsDoNotDependOnTheOrderOfFiles) {
  std::string a = Generate(dir_, "a.csv", 20000, 11);
  std::string b = Generate(dir_, "b.csv", 20000, 12);
  Ingest({a, b});
  auto other = Open(dir_.Path("other.db"));
  Ingest({b, a}, other.get());
  const std::string tables[] = {
      "SELECT * FROM dim_customer ORDER BY customer_key",
      "SELECT * FROM dim_product ORDER BY product_key",
      "SELECT * FROM dim_location ORDER BY location_key",
      "SELECT * FROM dim_date ORDER BY date_key",
      "SELECT * FROM dim_gender ORDER BY gender_key",
      "SELECT transaction_id, customer_id, name, date, time, amount, total_amount, products "
      "FROM retail_data_view ORDER BY 1, 2, 3, 4, 5, 6, 7, 8"};
  for (const std::string& sql : tables) {
    EXPECT_EQ(Rows(sql).rows, Rows(sql, other.get()).rows) << sql;
  }
}

TEST_F(IngestTest, TheCustomerVersionSeenLastIsCurrentWhateverTheFileOrder) {
  std::string header = "Customer_ID,Name,Date,Total_Purchases,Amount\n";
  std::string a = dir_.Write("a.csv", header + "1001,Ann Lee,5/1/2023,1,10\n");
  std::string b =
      dir_.Write("b.csv", header + "1001,Ann Smith,6/1/2023,1,10\n1001,Ann Lee,4/1/2023,2,10\n");
  std::string c = dir_.Write("c.csv", header + "1001,Ann Lee,7/1/2023,3,10\n");
  const std::string versions =
      "SELECT name, first_seen, last_seen, is_current FROM dim_customer "
      "WHERE customer_id = '1001' ORDER BY name";

  Ingest({a, b});
  auto after_b = Rows(versions);
  ASSERT_EQ(after_b.rows.size(), 2u);
  EXPECT_EQ(after_b.rows[0],
            (std::vector<std::optional<std::string>>{"Ann Lee", "20230401", "20230501", "0"}));
  EXPECT_EQ(after_b.rows[1],
            (std::vector<std::optional<std::string>>{"Ann Smith", "20230601", "20230601", "1"}));

  Ingest({c});
  auto after_c = Rows(versions);
  EXPECT_EQ(after_c.rows[0],
            (std::vector<std::optional<std::string>>{"Ann Lee", "20230401", "20230701", "1"}));
  EXPECT_EQ(after_c.rows[1][3], "0");

  auto other = Open(dir_.Path("other.db"));
  Ingest({c, b, a}, other.get());
  EXPECT_EQ(Rows(versions, other.get()).rows, after_c.rows);
  auto single = Open(dir_.Path("single.db"));
  std::string all = dir_.Write(
      "all.csv", header +
                     "1001,Ann Lee,7/1/2023,3,10\n1001,Ann Smith,6/1/2023,1,10\n1001,Ann "
                     "Lee,5/1/2023,1,10\n1001,Ann Lee,4/1/2023,2,10\n");
  Ingest({all}, single.get());
  EXPECT_EQ(Rows(versions, single.get()).rows, after_c.rows);
}

// The reading side keeps at most so many customer versions and then forgets them, so that a file
// of any number of versions loads in bounded memory. A version seen again after that is written
// again and merged into the one the load wrote: the same versions, seen ranges and current
// flags as a load that kept them all, into an empty warehouse and into one that held some.
TEST_F(IngestTest, CustomerVersionsPastWhatTheReaderKeepsLoadAsIfAllWereKept) {
  // 120 customers on five days, each seen under a second name on the third: two versions each.
  // Customer by customer, a version's later dates come within the reader's batch (widened there);
  // day by day, after the reader has forgotten it (written again and merged).
  auto versions = [&](const std::string& name, int first_day, bool by_customer) {
    std::string text = "Customer_ID,Name,Date,Transaction_ID,Total_Purchases,Amount\n";
    for (int outer = 0; outer < (by_customer ? 120 : 5); ++outer) {
      for (int inner = 0; inner < (by_customer ? 5 : 120); ++inner) {
        const int customer = by_customer ? outer : inner;
        const int day = first_day + (by_customer ? inner : outer);
        text += fmt::format("{},Customer {}{},5/{}/2023,T{}-{},1,{}\n", 2000 + customer, customer,
                            day == first_day + 2 ? " Jr" : "", day, day, customer, 10 + customer);
      }
    }
    return dir_.Write(name, text);
  };
  const std::string early = versions("early.csv", 1, /*by_customer=*/true);
  const std::string late = versions("late.csv", 6, /*by_customer=*/false);
  const std::string queries[] = {
      "SELECT * FROM dim_customer ORDER BY customer_key",
      "SELECT transaction_id, customer_id, name, date, total_amount FROM retail_data_view "
      "ORDER BY 1, 2, 3, 4, 5"};

  auto kept = Open(dir_.Path("kept.db"));
  for (const std::string& file : {early, late}) {
    options_ = IngestOptions{};
    Ingest({file}, kept.get());
    options_.max_customer_versions = 7;
    options_.batch_rows = 50;  // it forgets them at the end of a batch
    Ingest({file});
    EXPECT_EQ(Count("SELECT count(*) FROM dim_customer WHERE customer_id IS NOT NULL"), 240);
    for (const std::string& sql : queries) {
      EXPECT_EQ(Rows(sql).rows, Rows(sql, kept.get()).rows) << file << ": " << sql;
    }
  }
}

TEST_F(IngestTest, ResultsDoNotDependOnTheOrderOfRows) {
  std::string path = Generate(dir_, "rows.csv", 20000, 21);
  std::string text = testing::ReadFile(path);
  size_t header_end = text.find('\n') + 1;
  std::vector<std::string> lines;
  for (size_t start = header_end; start < text.size();) {
    size_t end = text.find('\n', start);
    lines.push_back(text.substr(start, end - start + 1));
    start = end + 1;
  }
  std::reverse(lines.begin(), lines.end());
  std::swap(lines[0], lines[lines.size() / 2]);
  std::string reversed = text.substr(0, header_end);
  for (const std::string& line : lines) reversed += line;
  std::string other_path = dir_.Write("reversed.csv", reversed);

  Ingest({path});
  auto other = Open(dir_.Path("other.db"));
  Ingest({other_path}, other.get());
  const std::string tables[] = {
      "SELECT * FROM dim_customer ORDER BY customer_key",
      "SELECT * FROM dim_product ORDER BY product_key",
      "SELECT * FROM dim_location ORDER BY location_key",
      "SELECT * FROM dim_date ORDER BY date_key",
      "SELECT * FROM dim_shipping_method ORDER BY shipping_method_key",
      "SELECT rows_read, rows_loaded, rows_rejected, rows_duplicate FROM etl_file",
      "SELECT transaction_id, customer_id, name, date, time, amount, total_amount, products, "
      "city, payment_method FROM retail_data_view ORDER BY 1, 2, 3, 4, 5, 6, 7, 8"};
  for (const std::string& sql : tables) {
    EXPECT_EQ(Rows(sql).rows, Rows(sql, other.get()).rows) << sql;
  }
}

TEST_F(IngestTest, CategoricalSpellingsResolveToOneMember) {
  std::string header = "Date,Total_Purchases,Amount,Shipping_Method,Product_Category\n";
  std::string a =
      dir_.Write("a.csv", header + "5/1/2023,1,10,same day,TOYS\n5/2/2023,1,10,Express,toys\n");
  auto report = Ingest({a});
  EXPECT_EQ(report.files[0].rows_loaded, 2);
  auto shipping = Rows(
      "SELECT shipping_method FROM dim_shipping_method WHERE shipping_method_key > 0 ORDER BY 1");
  ASSERT_EQ(shipping.rows.size(), 2u);
  EXPECT_EQ(shipping.rows[0][0], "Express");
  EXPECT_EQ(shipping.rows[1][0], "Same-Day");
  // A new category: one member, labelled with its smallest spelling.
  auto category = Rows("SELECT DISTINCT product_category FROM retail_data_view");
  ASSERT_EQ(category.rows.size(), 1u);
  EXPECT_EQ(category.rows[0][0], "TOYS");
}

TEST_F(IngestTest, AFileOverItsRejectBudgetFailsAndLoadsNothing) {
  std::string header = "Date,Total_Purchases,Amount,Total_Amount\n";
  std::string body;
  for (int i = 0; i < 18; ++i) body += "5/1/2023,2,10,20\n";
  body += "not a date,2,10,20\n13/45/2023,1,1,1\n";  // 2 of 20 rows: 10%
  std::string path = dir_.Write("dirty.csv", header + body);
  auto report = Ingest({path});
  const FileOutcome& file = report.files.at(0);
  EXPECT_EQ(file.status, FileStatus::kFailed);
  EXPECT_NE(file.error.find("over the budget"), std::string::npos) << file.error;
  EXPECT_FALSE(report.succeeded);
  EXPECT_EQ(Count("SELECT count(*) FROM fact_sales"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM etl_file WHERE status = 'failed' AND rows_rejected = 2"),
            1);
  EXPECT_EQ(Count("SELECT count(*) FROM etl_reject WHERE reason = 'bad_date'"), 2);
  EXPECT_EQ(Count("SELECT count(*) FROM etl_run WHERE status = 'failed'"), 1);

  // With a looser budget the same file loads, and its rejects are kept with line numbers.
  options_.max_reject_ratio = 0.2;
  auto retry = Ingest({path});
  EXPECT_EQ(retry.files.at(0).status, FileStatus::kLoaded) << retry.files[0].error;
  EXPECT_EQ(retry.files[0].rows_loaded, 1);  // the 18 good rows are identical
  EXPECT_EQ(retry.files[0].rows_duplicate, 17);
  EXPECT_EQ(Count("SELECT count(*) FROM etl_reject WHERE line IN (20, 21) AND row_rejected = 1 "
                  "AND file_id = (SELECT max(file_id) FROM etl_file)"),
            2);
}

}  // namespace
}  // namespace till
