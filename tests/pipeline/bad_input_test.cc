// Malformed files: each gets a clear message or clean rejects, never a crash or a hang.
#include <gtest/gtest.h>

#include <algorithm>

#include "pipeline/ingest.h"
#include "support/temp_dir.h"

namespace till {
namespace {

using testing::TempDir;

constexpr std::string_view kHeader = "Date,Total_Purchases,Amount,Total_Amount,Name\n";

class BadInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto warehouse = OpenWarehouse(dir_.Path("till.db"));
    ASSERT_TRUE(warehouse);
    warehouse_ = std::move(*warehouse);
    ASSERT_TRUE(warehouse_->Migrate());
    run_ = *warehouse_->StartRun("test");
  }

  FileOutcome Load(std::string_view content) {
    return IngestFile(*warehouse_, run_, dir_.Write("input.csv", content), options_);
  }

  static std::string GoodRows(int count) {
    std::string rows;
    for (int i = 0; i < count; ++i) {
      rows += "5/" + std::to_string(i % 28 + 1) + "/2023," + std::to_string(i % 9 + 1) + ",10.5," +
              std::to_string((i % 9 + 1) * 10.5) + ",Customer " + std::to_string(i) + "\n";
    }
    return rows;
  }

  int64_t Count(const std::string& sql) {
    auto result = warehouse_->Query(sql, {});
    EXPECT_TRUE(result) << result.error().message();
    return std::stoll(result->rows.at(0).at(0).value_or("0"));
  }

  std::string FirstReason() {
    auto result = warehouse_->Query("SELECT reason FROM etl_reject ORDER BY reject_id LIMIT 1", {});
    return result && !result->rows.empty() ? result->rows[0][0].value_or("") : "";
  }

  // 151 good rows ended by `line_end` but for one ended by a lone CR, and a row with a CR
  // inside quotes: every row loads, on its own line.
  void CheckLoneCr(std::string_view line_end) {
    std::string rows = GoodRows(151);
    std::string content =
        std::string(kHeader.substr(0, kHeader.size() - 1)) + std::string(line_end);
    size_t line = 0;
    for (size_t start = 0; start < rows.size();) {
      size_t end = rows.find('\n', start);
      content += rows.substr(start, end - start);
      content += ++line == 75 ? std::string_view("\r") : line_end;
      start = end + 1;
    }
    content += "5/2/2023,2,3,6,\"two\rlines\"" + std::string(line_end);
    FileOutcome file = Load(content);
    EXPECT_EQ(file.status, FileStatus::kLoaded) << file.error;
    EXPECT_EQ(file.rows_read, 152);
    EXPECT_EQ(file.rows_loaded, 152);
    EXPECT_EQ(file.rows_rejected, 0);
    EXPECT_EQ(Count("SELECT count(*) FROM retail_data_view WHERE name = 'two lines'"), 1);
    EXPECT_EQ(Count("SELECT count(*) FROM retail_data_view WHERE name = 'Customer 75' AND "
                    "source_line = 77"),
              1);
  }

  TempDir dir_;
  std::unique_ptr<Warehouse> warehouse_;
  int64_t run_ = 0;
  IngestOptions options_;
};

TEST_F(BadInputTest, EmptyFileFailsWithAMessage) {
  FileOutcome file = Load("");
  EXPECT_EQ(file.status, FileStatus::kFailed);
  EXPECT_NE(file.error.find("empty file"), std::string::npos) << file.error;
}

TEST_F(BadInputTest, HeaderOnlyLoadsNothing) {
  FileOutcome file = Load(kHeader);
  EXPECT_EQ(file.status, FileStatus::kLoaded) << file.error;
  EXPECT_EQ(file.rows_read, 0);
}

TEST_F(BadInputTest, BinaryGarbageIsNotASalesFile) {
  std::string garbage;
  for (int i = 0; i < 5000; ++i) garbage.push_back(static_cast<char>((i * 7919) % 256));
  FileOutcome file = Load(garbage);
  EXPECT_EQ(file.status, FileStatus::kFailed);
  EXPECT_NE(file.error.find("line 1"), std::string::npos) << file.error;
  EXPECT_EQ(Count("SELECT count(*) FROM fact_sales"), 0);
}

TEST_F(BadInputTest, AFileThatIsNotCsvNamesTheMissingColumns) {
  FileOutcome file = Load("{\"sales\": [1, 2, 3]}\n");
  EXPECT_EQ(file.status, FileStatus::kFailed);
  EXPECT_NE(file.error.find("Date"), std::string::npos) << file.error;
}

TEST_F(BadInputTest, SemicolonAndTabSeparatedFilesLoad) {
  FileOutcome semicolons = Load(
      "\xEF\xBB\xBF"
      "Date;Total_Purchases;Amount;Name\r\n"
      "5/1/2023;2;10,5;\"Smith; John\"\r\n5/2/2023;1;3;Ann\r\n");
  EXPECT_EQ(semicolons.status, FileStatus::kLoaded) << semicolons.error;
  EXPECT_EQ(semicolons.rows_read, 2);
  EXPECT_EQ(semicolons.rows_loaded, 2);
  // Where commas do not separate fields, "10,5" is a decimal comma.
  EXPECT_EQ(Count("SELECT count(*) FROM retail_data_view WHERE amount = 10.5 AND total_amount = 21 "
                  "AND name = 'Smith; John'"),
            1);

  auto run = warehouse_->StartRun("test");
  ASSERT_TRUE(run);
  FileOutcome tabs = IngestFile(*warehouse_, *run,
                                dir_.Write("tabs.tsv",
                                           "Date\tTotal_Purchases\tAmount\tName\n"
                                           "5/3/2023\t4\t2.5\tSmith, John\n"),
                                options_);
  EXPECT_EQ(tabs.status, FileStatus::kLoaded) << tabs.error;
  EXPECT_EQ(tabs.rows_loaded, 1);
  EXPECT_EQ(Count("SELECT count(*) FROM retail_data_view WHERE name = 'Smith, John'"), 1);
}

TEST_F(BadInputTest, LinesEndedByALoneCrLoad) {
  std::string content = std::string(kHeader) + GoodRows(3);
  std::replace(content.begin(), content.end(), '\n', '\r');
  FileOutcome file = Load(content);
  EXPECT_EQ(file.status, FileStatus::kLoaded) << file.error;
  EXPECT_EQ(file.rows_read, 3);
  EXPECT_EQ(file.rows_loaded, 3);
}

// A lone CR among LF and CRLF lines ends its line too, as the README promises; a CR inside
// quotes stays in the value (white space, collapsed in text).
TEST_F(BadInputTest, ALoneCrInsideAnLfFileEndsALine) { CheckLoneCr("\n"); }

TEST_F(BadInputTest, ALoneCrInsideACrlfFileEndsALine) { CheckLoneCr("\r\n"); }

// Amounts no sale can have are rejected with the file, line, column and reason, like the other
// rules; the rest of the file loads.
TEST_F(BadInputTest, ImplausibleAmountsAreRejectedNamingLineAndColumn) {
  std::string content = std::string(kHeader) + GoodRows(60) + "5/2/2023,1,1e308,1e308,Huge\n" +
                        "5/2/2023,2,,1e13,Big total\n" + "5/2/2023,3000000000,1,,Many\n";
  FileOutcome file = Load(content);
  EXPECT_EQ(file.status, FileStatus::kLoaded) << file.error;
  EXPECT_EQ(file.rows_loaded, 60);
  EXPECT_EQ(file.rows_rejected, 3);
  auto rejects = warehouse_->Query(
      "SELECT r.line, r.column_name, r.reason, f.uri FROM etl_reject r "
      "JOIN etl_file f ON f.file_id = r.file_id ORDER BY r.line",
      {});
  ASSERT_TRUE(rejects);
  ASSERT_EQ(rejects->rows.size(), 3u);
  const char* columns[] = {"Amount", "Total_Amount", "Total_Purchases"};
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(rejects->rows[i][0], std::to_string(62 + i));
    EXPECT_EQ(rejects->rows[i][1], columns[i]);
    EXPECT_EQ(rejects->rows[i][2], "implausible_amount");
    EXPECT_NE(rejects->rows[i][3].value_or("").find("input.csv"), std::string::npos);
  }
  EXPECT_EQ(Count("SELECT count(*) FROM fact_sales WHERE total_amount > 1e9"), 0);
}

TEST_F(BadInputTest, Utf16FilesFailWithAHint) {
  FileOutcome file =
      Load(std::string("\xFF\xFE"
                       "D\0a\0t\0e\0",
                       10));
  EXPECT_EQ(file.status, FileStatus::kFailed);
  EXPECT_NE(file.error.find("UTF-16"), std::string::npos) << file.error;
}

TEST_F(BadInputTest, NulBytesRejectTheirRowOnly) {
  std::string content = std::string(kHeader) + GoodRows(50) + "5/1/2023,1,2,2,Bad\0Name\n";
  content.insert(content.size() - 9, 1, '\0');
  FileOutcome file = Load(content);
  EXPECT_EQ(file.status, FileStatus::kLoaded) << file.error;
  EXPECT_EQ(file.rows_rejected, 1);
  EXPECT_EQ(file.rows_loaded, 50);
  EXPECT_EQ(FirstReason(), "invalid_utf8");
}

TEST_F(BadInputTest, InvalidUtf8RejectsItsRowNamingTheColumn) {
  FileOutcome file = Load(std::string(kHeader) + GoodRows(50) + "5/1/2023,1,2,2,Bj\xF6rn\n");
  EXPECT_EQ(file.status, FileStatus::kLoaded) << file.error;
  EXPECT_EQ(file.rows_rejected, 1);
  EXPECT_EQ(Count("SELECT count(*) FROM etl_reject WHERE column_name = 'Name' AND line = 52"), 1);
}

TEST_F(BadInputTest, RaggedRowsAreRejected) {
  FileOutcome file = Load(std::string(kHeader) + GoodRows(50) + "5/1/2023,1\n5/1/2023,1,2,2,a,b\n");
  EXPECT_EQ(file.rows_rejected, 2);
  EXPECT_EQ(Count("SELECT count(*) FROM etl_reject WHERE reason = 'field_count'"), 2);
}

TEST_F(BadInputTest, AnUnterminatedQuoteAtTheEndLosesNoOtherRow) {
  FileOutcome file =
      Load(std::string(kHeader) + GoodRows(50) + "5/1/2023,1,2,2,\"Open quote\n" + GoodRows(3));
  EXPECT_EQ(file.status, FileStatus::kLoaded) << file.error;
  EXPECT_EQ(file.rows_rejected, 1);
  EXPECT_EQ(file.rows_read, file.rows_loaded + file.rows_rejected + file.rows_duplicate);
  EXPECT_EQ(file.rows_read, 54);
  EXPECT_EQ(FirstReason(), "unterminated_quote");
}

TEST_F(BadInputTest, AStrayQuoteInTheMiddleLosesOnlyItsOwnLine) {
  // The quote opened on line 42 runs on until the quote of line 45 closes it; lines 43 to 45
  // must still load on their own.
  std::string content = std::string(kHeader) + GoodRows(40) + "5/1/2023,1,2,2,\"Stray\n" +
                        "5/2/2023,1,3,3,Plain\n5/3/2023,1,4,4,Plain\n5/4/2023,1,5,5,\"Quoted\"\n" +
                        "5/45/2023,1,1,1,Bad date\n";
  FileOutcome file = Load(content);
  EXPECT_EQ(file.status, FileStatus::kLoaded) << file.error;
  EXPECT_EQ(file.rows_read, 45);
  EXPECT_EQ(file.rows_loaded, 43);
  EXPECT_EQ(file.rows_rejected, 2);
  EXPECT_EQ(
      Count("SELECT count(*) FROM etl_reject WHERE line = 42 AND reason = 'unterminated_quote'"),
      1);
  EXPECT_EQ(Count("SELECT count(*) FROM etl_reject WHERE line = 46 AND reason = 'bad_date'"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM fact_sales WHERE source_line IN (43, 44, 45)"), 3);
}

TEST_F(BadInputTest, AHugeFieldIsRejectedWithBoundedMemory) {
  std::string content = std::string(kHeader) + GoodRows(60) + "5/1/2023,1,2,2,";
  content.append(100u << 20, 'x');  // a 100 MiB field
  content += '\n';
  content += GoodRows(1);
  FileOutcome file = Load(content);
  EXPECT_EQ(file.status, FileStatus::kLoaded) << file.error;
  EXPECT_EQ(file.rows_rejected, 1);
  EXPECT_EQ(file.rows_read, 62);
  EXPECT_LE(Count("SELECT max(length(raw_line)) FROM etl_reject"), 64 << 10);
}

TEST_F(BadInputTest, AMissingFileFailsNamingIt) {
  FileOutcome file = IngestFile(*warehouse_, run_, dir_.Path("nope.csv"), options_);
  EXPECT_EQ(file.status, FileStatus::kFailed);
  EXPECT_NE(file.error.find("nope.csv"), std::string::npos) << file.error;
}

TEST_F(BadInputTest, ADirectoryIsNotAFile) {
  FileOutcome file = IngestFile(*warehouse_, run_, dir_.Path(""), options_);
  EXPECT_EQ(file.status, FileStatus::kFailed);
}

}  // namespace
}  // namespace till
