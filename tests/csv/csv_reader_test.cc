#include "csv/csv_reader.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace till {
namespace {

using ::testing::TestWithParam;

// A record copied out of the reader, so that it outlives the next Next().
struct Row {
  std::vector<std::string> fields;
  int64_t line = 0;
  std::string raw;
  RecordProblem problem = RecordProblem::kNone;
  int problem_field = -1;

  bool operator==(const Row&) const = default;
};

void PrintTo(const Row& row, std::ostream* os) {
  *os << "{line " << row.line << ", fields [";
  for (size_t i = 0; i < row.fields.size(); ++i) {
    *os << (i == 0 ? "" : ", ") << ::testing::PrintToString(row.fields[i]);
  }
  *os << "], raw " << ::testing::PrintToString(row.raw) << ", " << RecordProblemCode(row.problem)
      << " in field " << row.problem_field << "}";
}

Row MakeRow(int64_t line, std::vector<std::string> fields, std::string raw,
            RecordProblem problem = RecordProblem::kNone, int problem_field = -1) {
  return Row{std::move(fields), line, std::move(raw), problem, problem_field};
}

struct ReadOutcome {
  std::vector<Row> rows;
  bool had_bom = false;
  int64_t bytes_consumed = 0;
};

ReadOutcome ReadAll(ByteSource& source, CsvReaderOptions options = {}) {
  CsvReader reader(source, options);
  ReadOutcome outcome;
  CsvRecord record;
  for (;;) {
    Result<bool> read = reader.Next(&record);
    EXPECT_TRUE(read.has_value()) << read.error().message();
    if (!read.has_value() || !*read) break;
    outcome.rows.push_back(Row{{record.fields.begin(), record.fields.end()},
                               record.line,
                               std::string(record.raw),
                               record.problem,
                               record.problem_field});
  }
  outcome.had_bom = reader.had_bom();
  outcome.bytes_consumed = reader.bytes_consumed();
  return outcome;
}

ReadOutcome ReadString(std::string input, CsvReaderOptions options = {}) {
  std::unique_ptr<ByteSource> source = MakeStringSource(std::move(input));
  return ReadAll(*source, options);
}

// Hands out its bytes in pieces of the given sizes, cycling through them.
class ChunkedSource final : public ByteSource {
 public:
  ChunkedSource(std::string data, std::vector<size_t> pieces)
      : data_(std::move(data)), pieces_(std::move(pieces)) {}

  Result<size_t> Read(char* buffer, size_t size) override {
    size_t piece = pieces_[next_piece_++ % pieces_.size()];
    size_t n = std::min({size, piece, data_.size() - offset_});
    std::copy_n(data_.data() + offset_, n, buffer);
    offset_ += n;
    return n;
  }

 private:
  std::string data_;
  std::vector<size_t> pieces_;
  size_t next_piece_ = 0;
  size_t offset_ = 0;
};

// Generates its bytes as it is read: each segment is a text repeated a number of times, so
// that a test can stream 100 MB without holding it.
class LazySource final : public ByteSource {
 public:
  struct Segment {
    std::string text;
    uint64_t repeat = 1;
  };

  explicit LazySource(std::vector<Segment> segments) {
    for (Segment& segment : segments) {
      // Expanded to a block of whole repeats of at least 64 KiB, to copy in large pieces.
      std::string block;
      while (block.size() < (64 << 10) && block.size() < segment.text.size() * segment.repeat) {
        block += segment.text;
      }
      uint64_t total = segment.text.size() * segment.repeat;
      if (total > 0) blocks_.push_back({std::move(block), total});
    }
  }

  Result<size_t> Read(char* buffer, size_t size) override {
    size_t written = 0;
    while (written < size && current_ < blocks_.size()) {
      const Block& block = blocks_[current_];
      size_t in_block = static_cast<size_t>(offset_ % block.bytes.size());
      size_t n = static_cast<size_t>(std::min<uint64_t>(
          {size - written, block.bytes.size() - in_block, block.total - offset_}));
      std::copy_n(block.bytes.data() + in_block, n, buffer + written);
      written += n;
      offset_ += n;
      if (offset_ == block.total) {
        ++current_;
        offset_ = 0;
      }
    }
    return written;
  }

 private:
  struct Block {
    std::string bytes;
    uint64_t total;
  };
  std::vector<Block> blocks_;
  size_t current_ = 0;
  uint64_t offset_ = 0;
};

// Gives `data`, then fails.
class FailingSource final : public ByteSource {
 public:
  explicit FailingSource(std::string data) : data_(std::move(data)) {}

  Result<size_t> Read(char* buffer, size_t size) override {
    ++reads_;
    if (offset_ == data_.size()) return MakeError(ErrorCode::kIoError, "disk on fire");
    size_t n = std::min(size, data_.size() - offset_);
    std::copy_n(data_.data() + offset_, n, buffer);
    offset_ += n;
    return n;
  }

  int reads() const { return reads_; }

 private:
  std::string data_;
  size_t offset_ = 0;
  int reads_ = 0;
};

int64_t PeakRssBytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<int64_t>(usage.ru_maxrss) * 1024;
}

TEST(CsvReaderTest, ReadsSimpleRecords) {
  ReadOutcome out = ReadString("id,name\n1,apple\n2,pear\n");
  EXPECT_EQ(out.rows, (std::vector<Row>{
                          MakeRow(1, {"id", "name"}, "id,name"),
                          MakeRow(2, {"1", "apple"}, "1,apple"),
                          MakeRow(3, {"2", "pear"}, "2,pear"),
                      }));
  EXPECT_FALSE(out.had_bom);
}

TEST(CsvReaderTest, EmptyFieldsAroundCommas) {
  ReadOutcome out = ReadString(",a,,\n");
  EXPECT_EQ(out.rows, (std::vector<Row>{MakeRow(1, {"", "a", "", ""}, ",a,,")}));
}

TEST(CsvReaderTest, TrailingCommaAtEndOfInputIsAnEmptyLastField) {
  ReadOutcome out = ReadString("a,");
  EXPECT_EQ(out.rows, (std::vector<Row>{MakeRow(1, {"a", ""}, "a,")}));
}

TEST(CsvReaderTest, QuotedFieldKeepsCommas) {
  ReadOutcome out = ReadString("\"Smith, John\",\"1,000\",x\n");
  EXPECT_EQ(
      out.rows,
      (std::vector<Row>{MakeRow(1, {"Smith, John", "1,000", "x"}, "\"Smith, John\",\"1,000\",x")}));
}

TEST(CsvReaderTest, DoubledQuoteIsOneQuote) {
  ReadOutcome out = ReadString("\"say \"\"hi\"\"\",\"\"\"\",\"a\"\"\"\n");
  EXPECT_EQ(out.rows, (std::vector<Row>{MakeRow(1, {"say \"hi\"", "\"", "a\""},
                                                "\"say \"\"hi\"\"\",\"\"\"\",\"a\"\"\"")}));
}

TEST(CsvReaderTest, EmptyQuotedField) {
  ReadOutcome out = ReadString("\"\",b\n");
  EXPECT_EQ(out.rows, (std::vector<Row>{MakeRow(1, {"", "b"}, "\"\",b")}));
}

TEST(CsvReaderTest, NewlineInsideQuotesKeepsLaterLineNumbersRight) {
  ReadOutcome out = ReadString("h1,h2\n1,\"two\nlines\"\n2,\"three\r\nmore\nlines\"\n3,x\n");
  EXPECT_EQ(out.rows, (std::vector<Row>{
                          MakeRow(1, {"h1", "h2"}, "h1,h2"),
                          MakeRow(2, {"1", "two\nlines"}, "1,\"two\nlines\""),
                          MakeRow(4, {"2", "three\r\nmore\nlines"}, "2,\"three\r\nmore\nlines\""),
                          MakeRow(7, {"3", "x"}, "3,x"),
                      }));
}

TEST(CsvReaderTest, CrlfLineEnds) {
  ReadOutcome out = ReadString("a,b\r\nc,\"d\"\r\n");
  EXPECT_EQ(out.rows, (std::vector<Row>{
                          MakeRow(1, {"a", "b"}, "a,b"),
                          MakeRow(2, {"c", "d"}, "c,\"d\""),
                      }));
}

TEST(CsvReaderTest, MixedLineEnds) {
  ReadOutcome out = ReadString("a\r\nb\nc\r\nd");
  EXPECT_EQ(out.rows, (std::vector<Row>{
                          MakeRow(1, {"a"}, "a"),
                          MakeRow(2, {"b"}, "b"),
                          MakeRow(3, {"c"}, "c"),
                          MakeRow(4, {"d"}, "d"),
                      }));
}

TEST(CsvReaderTest, SkipsByteOrderMark) {
  ReadOutcome out = ReadString("\xEF\xBB\xBFid,name\n1,a\n");
  EXPECT_TRUE(out.had_bom);
  EXPECT_EQ(out.rows, (std::vector<Row>{
                          MakeRow(1, {"id", "name"}, "id,name"),
                          MakeRow(2, {"1", "a"}, "1,a"),
                      }));
  EXPECT_EQ(out.bytes_consumed, 15);
}

TEST(CsvReaderTest, ByteOrderMarkOnlyInput) {
  ReadOutcome out = ReadString("\xEF\xBB\xBF");
  EXPECT_TRUE(out.had_bom);
  EXPECT_TRUE(out.rows.empty());
  EXPECT_EQ(out.bytes_consumed, 3);
}

TEST(CsvReaderTest, ByteOrderMarkLaterIsData) {
  ReadOutcome out = ReadString(
      "a\n\xEF\xBB\xBF"
      "b\n");
  EXPECT_FALSE(out.had_bom);
  EXPECT_EQ(out.rows[1].fields, (std::vector<std::string>{"\xEF\xBB\xBF"
                                                          "b"}));
}

TEST(CsvReaderTest, PartialByteOrderMarkIsData) {
  ReadOutcome out = ReadString("\xEF\xBB");
  EXPECT_FALSE(out.had_bom);
  EXPECT_EQ(out.rows, (std::vector<Row>{MakeRow(1, {"\xEF\xBB"}, "\xEF\xBB")}));
}

TEST(CsvReaderTest, ByteOrderMarkSplitAcrossReads) {
  ChunkedSource source(
      "\xEF\xBB\xBF"
      "a\n",
      {1});
  ReadOutcome out = ReadAll(source);
  EXPECT_TRUE(out.had_bom);
  EXPECT_EQ(out.rows, (std::vector<Row>{MakeRow(1, {"a"}, "a")}));
}

TEST(CsvReaderTest, LastRecordWithoutNewline) {
  ReadOutcome out = ReadString("a,b\nc,d");
  EXPECT_EQ(out.rows, (std::vector<Row>{
                          MakeRow(1, {"a", "b"}, "a,b"),
                          MakeRow(2, {"c", "d"}, "c,d"),
                      }));
}

TEST(CsvReaderTest, QuotedLastRecordWithoutNewline) {
  ReadOutcome out = ReadString("a,\"b\"");
  EXPECT_EQ(out.rows, (std::vector<Row>{MakeRow(1, {"a", "b"}, "a,\"b\"")}));
}

TEST(CsvReaderTest, BlankLineInTheMiddleIsOneEmptyField) {
  ReadOutcome out = ReadString("a\n\nb\r\n\r\nc\n");
  EXPECT_EQ(out.rows, (std::vector<Row>{
                          MakeRow(1, {"a"}, "a"),
                          MakeRow(2, {""}, ""),
                          MakeRow(3, {"b"}, "b"),
                          MakeRow(4, {""}, ""),
                          MakeRow(5, {"c"}, "c"),
                      }));
}

TEST(CsvReaderTest, FinalLineEndMakesNoRecord) {
  EXPECT_EQ(ReadString("a,b\n").rows.size(), 1u);
  EXPECT_EQ(ReadString("a,b\r\n").rows.size(), 1u);
}

TEST(CsvReaderTest, BlankLastLineIsARecord) {
  ReadOutcome out = ReadString("a\n\n");
  EXPECT_EQ(out.rows, (std::vector<Row>{MakeRow(1, {"a"}, "a"), MakeRow(2, {""}, "")}));
}

TEST(CsvReaderTest, EmptyInputHasNoRecords) {
  ReadOutcome out = ReadString("");
  EXPECT_TRUE(out.rows.empty());
  EXPECT_FALSE(out.had_bom);
  EXPECT_EQ(out.bytes_consumed, 0);
}

TEST(CsvReaderTest, LoneNewlineIsOneBlankRecord) {
  ReadOutcome out = ReadString("\n");
  EXPECT_EQ(out.rows, (std::vector<Row>{MakeRow(1, {""}, "")}));
}

TEST(CsvReaderTest, HeaderOnly) {
  ReadOutcome out = ReadString("store,date,amount\n");
  EXPECT_EQ(out.rows,
            (std::vector<Row>{MakeRow(1, {"store", "date", "amount"}, "store,date,amount")}));
}

// A lone CR ends a line, as LF and CRLF do, even among LF or CRLF lines (an export whose
// lines were joined from several sources): each counts as a physical line.
TEST(CsvReaderTest, LoneCrIsALineEndInAnLfFile) {
  ReadOutcome out = ReadString("a\rb,c\r\r\nd\n");
  EXPECT_EQ(out.rows, (std::vector<Row>{
                          MakeRow(1, {"a"}, "a"),
                          MakeRow(2, {"b", "c"}, "b,c"),
                          MakeRow(3, {""}, ""),
                          MakeRow(4, {"d"}, "d"),
                      }));
}

TEST(CsvReaderTest, CrAtEndOfInputEndsTheLastLine) {
  ReadOutcome out = ReadString("a,b\r");
  EXPECT_EQ(out.rows, (std::vector<Row>{MakeRow(1, {"a", "b"}, "a,b")}));
}

TEST(CsvReaderTest, CrInsideQuotesIsData) {
  ReadOutcome out = ReadString("\"a\r\",b\n");
  EXPECT_EQ(out.rows, (std::vector<Row>{MakeRow(1, {"a\r", "b"}, "\"a\r\",b")}));
}

TEST(CsvReaderTest, StrayQuoteInUnquotedFieldIsKeptLiterally) {
  ReadOutcome out = ReadString("tv,5\" TV,x\nnext\n");
  EXPECT_EQ(out.rows,
            (std::vector<Row>{
                MakeRow(1, {"tv", "5\" TV", "x"}, "tv,5\" TV,x", RecordProblem::kStrayQuote, 1),
                MakeRow(2, {"next"}, "next"),
            }));
}

TEST(CsvReaderTest, TextAfterClosingQuoteIsKeptLiterally) {
  ReadOutcome out = ReadString("\"ab\"c,\"x\"y\"z\n");
  EXPECT_EQ(out.rows, (std::vector<Row>{MakeRow(1, {"abc", "xy\"z"}, "\"ab\"c,\"x\"y\"z",
                                                RecordProblem::kStrayQuote, 0)}));
}

TEST(CsvReaderTest, LoneCrAfterClosingQuoteEndsTheLine) {
  ReadOutcome out = ReadString("a,\"b\"\rc\n");
  EXPECT_EQ(out.rows,
            (std::vector<Row>{MakeRow(1, {"a", "b"}, "a,\"b\""), MakeRow(2, {"c"}, "c")}));
}

// A stray opening quote costs only its own line, whichever line ends the file mixes.
TEST(CsvReaderTest, UnterminatedQuoteRecoveryStopsAtALoneCr) {
  ReadOutcome out = ReadString("h,n\r1,\"open\r2,after\n3,x\r\n");
  ASSERT_EQ(out.rows.size(), 4u);
  EXPECT_EQ(out.rows[1],
            MakeRow(2, {"1", "open"}, "1,\"open", RecordProblem::kUnterminatedQuote, 1));
  EXPECT_EQ(out.rows[2], MakeRow(3, {"2", "after"}, "2,after"));
  EXPECT_EQ(out.rows[3], MakeRow(4, {"3", "x"}, "3,x"));
}

TEST(CsvReaderTest, UnterminatedQuoteRecoversTheFollowingLines) {
  // Without the recovery, the stray opening quote would swallow every line after it.
  std::string input = "id,note\n1,\"oops, no close\r\n2,fine\r\n3,\"\"\"\"x\n4,x";
  ReadOutcome out = ReadString(input);
  EXPECT_EQ(out.rows, (std::vector<Row>{
                          MakeRow(1, {"id", "note"}, "id,note"),
                          MakeRow(2, {"1", "oops, no close"}, "1,\"oops, no close",
                                  RecordProblem::kUnterminatedQuote, 1),
                          MakeRow(3, {"2", "fine"}, "2,fine"),
                          MakeRow(4, {"3", "\"x"}, "3,\"\"\"\"x", RecordProblem::kStrayQuote, 1),
                          MakeRow(5, {"4", "x"}, "4,x"),
                      }));
  EXPECT_EQ(out.bytes_consumed, static_cast<int64_t>(input.size()));
}

TEST(CsvReaderTest, UnterminatedQuoteOnTheLastLine) {
  ReadOutcome out = ReadString("a\n\"b\"\"c");
  EXPECT_EQ(out.rows, (std::vector<Row>{
                          MakeRow(1, {"a"}, "a"),
                          MakeRow(2, {"b\"c"}, "\"b\"\"c", RecordProblem::kUnterminatedQuote, 0),
                      }));
}

TEST(CsvReaderTest, UnterminatedQuoteAfterAGoodQuotedNewline) {
  // The record starts with a good multi-line field; recovery returns only its first line and
  // reads on from the second.
  ReadOutcome out = ReadString("\"a\nb\",\"c\nd\n");
  EXPECT_EQ(out.rows, (std::vector<Row>{
                          MakeRow(1, {"a"}, "\"a", RecordProblem::kUnterminatedQuote, 0),
                          MakeRow(2, {"b\"", "c"}, "b\",\"c", RecordProblem::kUnterminatedQuote, 1),
                          MakeRow(3, {"d"}, "d"),
                      }));
}

// Each line `a","` opens a quote whether it is entered inside quotes or not, so every one of
// them starts a record that is unterminated. Recovering each by scanning to the end of the
// input again would take hours for this input (quadratic); it must stay linear.
TEST(CsvReaderTest, RunOfUnterminatedRecordsIsRecoveredInLinearTime) {
  constexpr int kLines = 400'000;
  std::string input;
  for (int i = 0; i < kLines; ++i) input += "a\",\"\n";
  ReadOutcome out = ReadString(input);
  ASSERT_EQ(out.rows.size(), static_cast<size_t>(kLines));
  EXPECT_EQ(out.rows.front(),
            MakeRow(1, {"a\"", ""}, "a\",\"", RecordProblem::kUnterminatedQuote, 1));
  EXPECT_EQ(out.rows.back(),
            MakeRow(kLines, {"a\"", ""}, "a\",\"", RecordProblem::kUnterminatedQuote, 1));
  EXPECT_EQ(out.bytes_consumed, static_cast<int64_t>(input.size()));
}

TEST(CsvReaderTest, GoodRecordsAfterAnUnterminatedOneAreStillRead) {
  // Entered inside quotes, every line after the first stays inside quotes (no quote, paired
  // quotes, or a quote that closes and another that opens), so the first record runs to the
  // end. Read on their own, they are good records, stray quotes, and one more unterminated.
  ReadOutcome out = ReadString("\"open\nq,x\r\nx,\"\"\"\"\na\",\"\ne\"\"f\nz");
  EXPECT_EQ(out.rows, (std::vector<Row>{
                          MakeRow(1, {"open"}, "\"open", RecordProblem::kUnterminatedQuote, 0),
                          MakeRow(2, {"q", "x"}, "q,x"),
                          MakeRow(3, {"x", "\""}, "x,\"\"\"\""),
                          MakeRow(4, {"a\"", ""}, "a\",\"", RecordProblem::kUnterminatedQuote, 1),
                          MakeRow(5, {"e\"\"f"}, "e\"\"f", RecordProblem::kStrayQuote, 0),
                          MakeRow(6, {"z"}, "z"),
                      }));
}

TEST(CsvReaderTest, UnterminatedQuoteLongerThanTheRecordCapIsRecordTooLong) {
  CsvReaderOptions options;
  options.max_record_bytes = 16;
  options.max_raw_bytes = 8;
  ReadOutcome out = ReadString("a\n\"" + std::string(40, 'x') + "\nmore\n", options);
  EXPECT_EQ(out.rows, (std::vector<Row>{
                          MakeRow(1, {"a"}, "a"),
                          MakeRow(2, {}, "\"xxxxxxx", RecordProblem::kRecordTooLong),
                      }));
  EXPECT_EQ(out.bytes_consumed, 2 + 1 + 40 + 6);
}

// The scan stops one byte short of the input's end at a quoted CR (it needs the byte after it),
// so the cap was measured short of the record's last byte: a record one byte over the cap that
// ends in quotes there is still too long.
TEST(CsvReaderTest, UnterminatedQuoteOneByteOverTheCapEndingInCrIsRecordTooLong) {
  CsvReaderOptions options;
  options.max_record_bytes = 16;
  options.max_raw_bytes = 8;
  ReadOutcome out = ReadString("\"" + std::string(15, 'x') + "\r", options);
  EXPECT_EQ(out.rows, (std::vector<Row>{
                          MakeRow(1, {}, "\"xxxxxxx", RecordProblem::kRecordTooLong),
                      }));
  EXPECT_EQ(out.bytes_consumed, 17);
}

TEST(CsvReaderTest, FieldTooLongIsCutAndTheRecordKeepsItsFields) {
  CsvReaderOptions options;
  options.max_field_bytes = 4;
  ReadOutcome out = ReadString("ab,abcd,abcdefg,x\nok\n", options);
  EXPECT_EQ(out.rows, (std::vector<Row>{
                          MakeRow(1, {"ab", "abcd", "abcd", "x"}, "ab,abcd,abcdefg,x",
                                  RecordProblem::kFieldTooLong, 2),
                          MakeRow(2, {"ok"}, "ok"),
                      }));
}

TEST(CsvReaderTest, QuotedFieldIsMeasuredAfterUnescaping) {
  CsvReaderOptions options;
  options.max_field_bytes = 4;
  ReadOutcome out = ReadString("\"a\"\"b\"\"\",\"a\"\"\"\"bc\"\n", options);
  EXPECT_EQ(out.rows,
            (std::vector<Row>{MakeRow(1, {"a\"b\"", "a\"\"b"}, "\"a\"\"b\"\"\",\"a\"\"\"\"bc\"",
                                      RecordProblem::kFieldTooLong, 1)}));
}

TEST(CsvReaderTest, ProblemOfTheFirstFieldWins) {
  CsvReaderOptions options;
  options.max_field_bytes = 4;
  ReadOutcome out = ReadString("ok,5\",toolong\n", options);
  ASSERT_EQ(out.rows.size(), 1u);
  EXPECT_EQ(out.rows[0].problem, RecordProblem::kStrayQuote);
  EXPECT_EQ(out.rows[0].problem_field, 1);
  EXPECT_EQ(out.rows[0].fields, (std::vector<std::string>{"ok", "5\"", "tool"}));
}

TEST(CsvReaderTest, FieldTooLongWinsOverStrayQuoteInTheSameField) {
  CsvReaderOptions options;
  options.max_field_bytes = 4;
  ReadOutcome out = ReadString("a,5\" long TV\n", options);
  ASSERT_EQ(out.rows.size(), 1u);
  EXPECT_EQ(out.rows[0].problem, RecordProblem::kFieldTooLong);
  EXPECT_EQ(out.rows[0].problem_field, 1);
  EXPECT_EQ(out.rows[0].fields[1], "5\" l");
}

TEST(CsvReaderTest, RecordTooLongSkipsToTheNextLine) {
  CsvReaderOptions options;
  options.max_record_bytes = 10;
  options.max_raw_bytes = 6;
  ReadOutcome out = ReadString("a,b\n0123456789,x\n0123456789\nnext,1\n", options);
  EXPECT_EQ(out.rows, (std::vector<Row>{
                          MakeRow(1, {"a", "b"}, "a,b"),
                          MakeRow(2, {}, "012345", RecordProblem::kRecordTooLong),
                          MakeRow(3, {"0123456789"}, "012345"),  // exactly the cap
                          MakeRow(4, {"next", "1"}, "next,1"),
                      }));
}

TEST(CsvReaderTest, RecordTooLongSkipsQuotedLineEnds) {
  CsvReaderOptions options;
  options.max_record_bytes = 10;
  options.max_raw_bytes = 100;
  ReadOutcome out = ReadString("\"0123456789\n,\nabc\",x\r\nnext\n", options);
  EXPECT_EQ(out.rows, (std::vector<Row>{
                          MakeRow(1, {}, "\"012345678", RecordProblem::kRecordTooLong),
                          MakeRow(4, {"next"}, "next"),
                      }));
}

TEST(CsvReaderTest, ManyShortFieldsCanMakeARecordTooLong) {
  CsvReaderOptions options;
  options.max_record_bytes = 100;
  std::string commas(10000, ',');
  ReadOutcome out = ReadString("a\n" + commas + "\nb\n", options);
  ASSERT_EQ(out.rows.size(), 3u);
  EXPECT_EQ(out.rows[1].problem, RecordProblem::kRecordTooLong);
  EXPECT_EQ(out.rows[1].raw, commas.substr(0, 100));
  EXPECT_EQ(out.rows[2], MakeRow(3, {"b"}, "b"));
}

// Streams a 100 MB field through a reader with the default limits: the record is skipped
// without being buffered and the next record is read as usual.
TEST(CsvReaderTest, HugeUnquotedFieldIsSkippedInBoundedMemory) {
  constexpr uint64_t kFieldBytes = 100'000'000;
  LazySource source({{"id,note\n1,", 1}, {"x", kFieldBytes}, {",end\n2,ok\n", 1}});
  int64_t peak_before = PeakRssBytes();
  ReadOutcome out = ReadAll(source);
  EXPECT_LT(PeakRssBytes() - peak_before, int64_t{64} << 20);
  CsvReaderOptions defaults;
  ASSERT_EQ(out.rows.size(), 3u);
  EXPECT_EQ(out.rows[0], MakeRow(1, {"id", "note"}, "id,note"));
  EXPECT_EQ(out.rows[1], MakeRow(2, {}, "1," + std::string(defaults.max_raw_bytes - 2, 'x'),
                                 RecordProblem::kRecordTooLong));
  EXPECT_EQ(out.rows[2], MakeRow(3, {"2", "ok"}, "2,ok"));
  EXPECT_EQ(out.bytes_consumed, static_cast<int64_t>(8 + 2 + kFieldBytes + 5 + 5));
}

TEST(CsvReaderTest, HugeQuotedFieldWithLineEndsIsSkippedInBoundedMemory) {
  constexpr uint64_t kRepeats = 25'000'000;  // 100 MB, 25 million LFs inside quotes
  LazySource source({{"id,note\n1,\"", 1}, {"ab\"\"\n", kRepeats}, {"\",end\r\n2,ok\n", 1}});
  int64_t peak_before = PeakRssBytes();
  ReadOutcome out = ReadAll(source);
  EXPECT_LT(PeakRssBytes() - peak_before, int64_t{64} << 20);
  ASSERT_EQ(out.rows.size(), 3u);
  EXPECT_EQ(out.rows[1].line, 2);
  EXPECT_EQ(out.rows[1].problem, RecordProblem::kRecordTooLong);
  EXPECT_TRUE(out.rows[1].fields.empty());
  EXPECT_EQ(out.rows[2], MakeRow(3 + kRepeats, {"2", "ok"}, "2,ok"));
}

TEST(CsvReaderTest, HugeFieldWithSmallLimits) {
  CsvReaderOptions options;
  options.max_field_bytes = 8;
  options.max_record_bytes = 64;
  options.max_raw_bytes = 16;
  LazySource source({{"a\n\"", 1}, {"y\n", 5'000'000}, {"\"\nb\n", 1}});
  ReadOutcome out = ReadAll(source, options);
  EXPECT_EQ(out.rows, (std::vector<Row>{
                          MakeRow(1, {"a"}, "a"),
                          MakeRow(2, {}, "\"y\ny\ny\ny\ny\ny\ny\ny", RecordProblem::kRecordTooLong),
                          MakeRow(5'000'003, {"b"}, "b"),
                      }));
}

TEST(CsvReaderTest, NulBytesAreData) {
  std::string input("a\0b,\"\0\"\n\0\n", 10);
  ReadOutcome out = ReadString(input);
  EXPECT_EQ(
      out.rows,
      (std::vector<Row>{
          MakeRow(1, {std::string("a\0b", 3), std::string(1, '\0')}, std::string("a\0b,\"\0\"", 7)),
          MakeRow(2, {std::string(1, '\0')}, std::string(1, '\0')),
      }));
}

TEST(CsvReaderTest, RawIsTheOriginalText) {
  std::string line = "\"a \"\"q\"\"\", \"b\" ,\"c\nd\",5\" x";
  ReadOutcome out = ReadString(line + "\r\nnext\n");
  ASSERT_EQ(out.rows.size(), 2u);
  EXPECT_EQ(out.rows[0].raw, line);
  EXPECT_EQ(out.rows[0].fields, (std::vector<std::string>{"a \"q\"", " \"b\" ", "c\nd", "5\" x"}));
  EXPECT_EQ(out.rows[1], MakeRow(3, {"next"}, "next"));
}

TEST(CsvReaderTest, RawIsCutToMaxRawBytes) {
  CsvReaderOptions options;
  options.max_raw_bytes = 5;
  ReadOutcome out = ReadString("abc,defgh\nxy\n", options);
  EXPECT_EQ(out.rows, (std::vector<Row>{
                          MakeRow(1, {"abc", "defgh"}, "abc,d"),
                          MakeRow(2, {"xy"}, "xy"),
                      }));
}

TEST(CsvReaderTest, BytesConsumedReachesTheInputSize) {
  std::string input = "a,b\n\"c\nd\",e\r\nf";
  std::unique_ptr<ByteSource> source = MakeStringSource(input);
  CsvReader reader(*source);
  CsvRecord record;
  EXPECT_EQ(reader.bytes_consumed(), 0);
  std::vector<int64_t> consumed;
  for (;;) {
    Result<bool> read = reader.Next(&record);
    ASSERT_TRUE(read.has_value());
    if (!*read) break;
    consumed.push_back(reader.bytes_consumed());
  }
  EXPECT_EQ(consumed, (std::vector<int64_t>{4, 13, 14}));
  EXPECT_EQ(reader.bytes_consumed(), static_cast<int64_t>(input.size()));
}

TEST(CsvReaderTest, NextAfterTheEndStillSaysEnd) {
  std::unique_ptr<ByteSource> source = MakeStringSource("a\n");
  CsvReader reader(*source);
  CsvRecord record;
  ASSERT_TRUE(*reader.Next(&record));
  for (int i = 0; i < 3; ++i) {
    Result<bool> read = reader.Next(&record);
    ASSERT_TRUE(read.has_value());
    EXPECT_FALSE(*read);
  }
}

TEST(CsvReaderTest, SourceErrorIsReturnedAndSticks) {
  FailingSource source("a,b\nc,");
  CsvReader reader(source);
  CsvRecord record;
  Result<bool> first = reader.Next(&record);
  ASSERT_TRUE(first.has_value());
  EXPECT_TRUE(*first);
  Result<bool> second = reader.Next(&record);
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().code(), ErrorCode::kIoError);
  int reads = source.reads();
  Result<bool> third = reader.Next(&record);
  ASSERT_FALSE(third.has_value());
  EXPECT_EQ(third.error().code(), ErrorCode::kIoError);
  EXPECT_EQ(source.reads(), reads);  // the failed source is not read again
}

TEST(CsvReaderTest, SourceErrorOnTheFirstRead) {
  FailingSource source("");
  CsvReader reader(source);
  CsvRecord record;
  Result<bool> read = reader.Next(&record);
  ASSERT_FALSE(read.has_value());
  EXPECT_EQ(read.error().code(), ErrorCode::kIoError);
}

TEST(CsvReaderTest, ReadsAFile) {
  std::filesystem::path path = std::filesystem::temp_directory_path() /
                               ("till_csv_reader_test_" + std::to_string(::getpid()) + ".csv");
  {
    std::ofstream file(path, std::ios::binary);
    file << "\xEF\xBB\xBFh\r\n1\r\n";
  }
  Result<std::unique_ptr<ByteSource>> source = OpenFileSource(path.string());
  ASSERT_TRUE(source.has_value()) << source.error().message();
  ReadOutcome out = ReadAll(**source);
  std::filesystem::remove(path);
  EXPECT_TRUE(out.had_bom);
  EXPECT_EQ(out.rows, (std::vector<Row>{MakeRow(1, {"h"}, "h"), MakeRow(2, {"1"}, "1")}));
}

TEST(CsvReaderTest, ProblemCodesAreStable) {
  EXPECT_EQ(RecordProblemCode(RecordProblem::kNone), "none");
  EXPECT_EQ(RecordProblemCode(RecordProblem::kFieldTooLong), "field_too_long");
  EXPECT_EQ(RecordProblemCode(RecordProblem::kRecordTooLong), "record_too_long");
  EXPECT_EQ(RecordProblemCode(RecordProblem::kUnterminatedQuote), "unterminated_quote");
  EXPECT_EQ(RecordProblemCode(RecordProblem::kStrayQuote), "stray_quote");
}

// Buffer boundaries: however the source splits its bytes, the records are the same.

std::string ManyRows() {
  std::string rows;
  for (int i = 0; i < 400; ++i) {
    rows += std::to_string(i) + ",\"name " + std::to_string(i) + "\",\"q \"\"" +
            std::string(static_cast<size_t>(i % 50), 'z') + "\"\"\"," +
            (i % 7 == 0 ? "\"multi\nline\"" : "plain") + (i % 3 == 0 ? "\r\n" : "\n");
    if (i % 41 == 0) rows += std::string(static_cast<size_t>(i), 'L') + "\n";  // some too long
    if (i % 53 == 0) rows += "5\" TV,\"ab\"c\n";
  }
  // The quotes on the last line are escapes to the unterminated field, but a stray quote once
  // its line is read on its own.
  return rows + "1,\"unterminated\n2,after\n3,\"\"\"\"x\n";
}

std::vector<std::string> BoundaryInputs() {
  return {
      "",
      "a",
      "a,b\nc,d\n",
      "\xEF\xBB\xBF"
      "a,\"b\"\r\n",
      "\"a\"\"b\",\"\"\"\"\r\n\"\"\n",
      "\"x\ny\r\nz\",w\r\n\r\n\n",
      "a\r\rb\r\n\r",
      "\"ab\"c,\"d\"\r,e\"f\n",
      "a\n\"never closed\nb\nc\r\n",
      std::string("\0,\"\0\"\n\0", 7),
      "0123456789012345678901234567890123456789,x\nafter\n",
      "\"" + std::string(100, 'q') + "\n\"\nnext\n",
      ManyRows(),
  };
}

struct Limits {
  const char* name;
  CsvReaderOptions options;
};

class BoundaryTest : public TestWithParam<Limits> {};

TEST_P(BoundaryTest, OneByteReadsGiveTheSameRecords) {
  for (const std::string& input : BoundaryInputs()) {
    SCOPED_TRACE(::testing::PrintToString(input.substr(0, 60)));
    ReadOutcome whole = ReadString(input, GetParam().options);
    ChunkedSource source(input, {1});
    ReadOutcome bytewise = ReadAll(source, GetParam().options);
    EXPECT_EQ(bytewise.rows, whole.rows);
    EXPECT_EQ(bytewise.had_bom, whole.had_bom);
    EXPECT_EQ(bytewise.bytes_consumed, static_cast<int64_t>(input.size()));
    EXPECT_EQ(whole.bytes_consumed, static_cast<int64_t>(input.size()));
  }
}

TEST_P(BoundaryTest, UnevenReadsGiveTheSameRecords) {
  for (const std::string& input : BoundaryInputs()) {
    SCOPED_TRACE(::testing::PrintToString(input.substr(0, 60)));
    ReadOutcome whole = ReadString(input, GetParam().options);
    ChunkedSource source(input, {3, 1, 7, 2, 64, 5, 1000, 13});
    EXPECT_EQ(ReadAll(source, GetParam().options).rows, whole.rows);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Limits, BoundaryTest,
    ::testing::Values(Limits{"Default", {}},
                      // A small cap means a 4 KiB buffer, so ManyRows() moves and grows it.
                      Limits{"Small",
                             {.max_field_bytes = 8, .max_record_bytes = 32, .max_raw_bytes = 16}}),
    [](const ::testing::TestParamInfo<Limits>& param_info) {
      return std::string(param_info.param.name);
    });

TEST(CsvReaderTest, ManyRowsReadAsExpected) {
  // Spot checks on the input the boundary tests use, so that "the same" is also right.
  ReadOutcome out = ReadString(ManyRows());
  ASSERT_FALSE(out.rows.empty());
  EXPECT_EQ(out.rows[0], MakeRow(1, {"0", "name 0", "q \"\"", "multi\nline"},
                                 "0,\"name 0\",\"q \"\"\"\"\",\"multi\nline\""));
  ASSERT_GE(out.rows.size(), 3u);
  const Row& last = out.rows.back();
  EXPECT_EQ(out.rows[out.rows.size() - 3],
            MakeRow(last.line - 2, {"1", "unterminated"}, "1,\"unterminated",
                    RecordProblem::kUnterminatedQuote, 1));
  EXPECT_EQ(out.rows[out.rows.size() - 2], MakeRow(last.line - 1, {"2", "after"}, "2,after"));
  EXPECT_EQ(last, MakeRow(last.line, {"3", "\"x"}, "3,\"\"\"\"x", RecordProblem::kStrayQuote, 1));
}

// Delimiters other than the comma.

CsvReaderOptions WithDelimiter(char delimiter, CsvReaderOptions options = {}) {
  options.delimiter = delimiter;
  return options;
}

TEST(CsvReaderDelimiterTest, DefaultDelimiterIsComma) {
  EXPECT_EQ(CsvReaderOptions{}.delimiter, ',');
}

TEST(CsvReaderDelimiterTest, SemicolonSeparatedWithQuotedSemicolonsAndCommas) {
  // With ';' as the delimiter a comma is plain data, quoted or not; a quoted ';' is data too.
  ReadOutcome out = ReadString(
      "id;name;amount\n"
      "1;\"Smith; John\";\"1,5\"\n"
      "2;a,b;\"x;\"\"y\"\"\";\n"
      ";\"\";\"q\"\n",
      WithDelimiter(';'));
  EXPECT_EQ(out.rows, (std::vector<Row>{
                          MakeRow(1, {"id", "name", "amount"}, "id;name;amount"),
                          MakeRow(2, {"1", "Smith; John", "1,5"}, "1;\"Smith; John\";\"1,5\""),
                          MakeRow(3, {"2", "a,b", "x;\"y\"", ""}, "2;a,b;\"x;\"\"y\"\"\";"),
                          MakeRow(4, {"", "", "q"}, ";\"\";\"q\""),
                      }));
}

TEST(CsvReaderDelimiterTest, CommaAfterAClosingQuoteIsStrayTextWithSemicolons) {
  // After a closing quote only the delimiter or a line end may follow; a comma is stray text.
  ReadOutcome out = ReadString("\"ab\",c;\"d\";e\n", WithDelimiter(';'));
  EXPECT_EQ(out.rows, (std::vector<Row>{MakeRow(1, {"ab,c", "d", "e"}, "\"ab\",c;\"d\";e",
                                                RecordProblem::kStrayQuote, 0)}));
}

TEST(CsvReaderDelimiterTest, TabSeparated) {
  ReadOutcome out =
      ReadString("id\tname\tnote\n1\t\"a\tb\"\tx, y; z\n2\t\t\n\t", WithDelimiter('\t'));
  EXPECT_EQ(out.rows, (std::vector<Row>{
                          MakeRow(1, {"id", "name", "note"}, "id\tname\tnote"),
                          MakeRow(2, {"1", "a\tb", "x, y; z"}, "1\t\"a\tb\"\tx, y; z"),
                          MakeRow(3, {"2", "", ""}, "2\t\t"),
                          MakeRow(4, {"", ""}, "\t"),
                      }));
}

TEST(CsvReaderDelimiterTest, PipeSeparated) {
  ReadOutcome out = ReadString("a|b|c\n\"x|y\"|\"say \"\"hi\"\"\"|1,2\n|", WithDelimiter('|'));
  EXPECT_EQ(out.rows,
            (std::vector<Row>{
                MakeRow(1, {"a", "b", "c"}, "a|b|c"),
                MakeRow(2, {"x|y", "say \"hi\"", "1,2"}, "\"x|y\"|\"say \"\"hi\"\"\"|1,2"),
                MakeRow(3, {"", ""}, "|"),
            }));
}

TEST(CsvReaderDelimiterTest, CrlfWithSemicolons) {
  ReadOutcome out =
      ReadString("a;b\r\nc;\"d\"\r\n\"e\r\nf\";g,h\r\n\r\ni\rj;k\r\n", WithDelimiter(';'));
  EXPECT_EQ(out.rows, (std::vector<Row>{
                          MakeRow(1, {"a", "b"}, "a;b"),
                          MakeRow(2, {"c", "d"}, "c;\"d\""),
                          MakeRow(3, {"e\r\nf", "g,h"}, "\"e\r\nf\";g,h"),
                          MakeRow(5, {""}, ""),
                          MakeRow(6, {"i"}, "i"),
                          MakeRow(7, {"j", "k"}, "j;k"),
                      }));
}

TEST(CsvReaderDelimiterTest, UnterminatedQuoteAtEndOfFileWithSemicolons) {
  // The quote opened on line 2 is never closed: only line 2 is the problem record, and the
  // lines it would have swallowed are read on their own.
  std::string input =
      "id;note\n1;\"oops; no close\r\n2;fine, really\r\n3;\"\"\"\"x\n4;\"ok;\"\n5;x";
  ReadOutcome out = ReadString(input, WithDelimiter(';'));
  EXPECT_EQ(out.rows, (std::vector<Row>{
                          MakeRow(1, {"id", "note"}, "id;note"),
                          MakeRow(2, {"1", "oops; no close"}, "1;\"oops; no close",
                                  RecordProblem::kUnterminatedQuote, 1),
                          MakeRow(3, {"2", "fine, really"}, "2;fine, really"),
                          MakeRow(4, {"3", "\"x"}, "3;\"\"\"\"x", RecordProblem::kStrayQuote, 1),
                          MakeRow(5, {"4", "ok;"}, "4;\"ok;\""),
                          MakeRow(6, {"5", "x"}, "5;x"),
                      }));
  EXPECT_EQ(out.bytes_consumed, static_cast<int64_t>(input.size()));
}

TEST(CsvReaderDelimiterTest, ManyShortFieldsCanMakeARecordTooLongWithSemicolons) {
  CsvReaderOptions options = WithDelimiter(';');
  options.max_record_bytes = 100;
  std::string semicolons(10000, ';');
  ReadOutcome out = ReadString("a\n" + semicolons + "\nb\n", options);
  ASSERT_EQ(out.rows.size(), 3u);
  EXPECT_EQ(out.rows[1].problem, RecordProblem::kRecordTooLong);
  EXPECT_EQ(out.rows[1].raw, semicolons.substr(0, 100));
  EXPECT_EQ(out.rows[2], MakeRow(3, {"b"}, "b"));
}

TEST(CsvReaderDelimiterTest, InvalidDelimiterIsTreatedAsComma) {
  const std::string input = "a,\"b;c\"\r\n\"d\"\"\",e\nf";
  ReadOutcome comma = ReadString(input);
  ASSERT_EQ(comma.rows.size(), 3u);
  EXPECT_EQ(comma.rows[0], MakeRow(1, {"a", "b;c"}, "a,\"b;c\""));
  for (char delimiter : {'"', '\r', '\n'}) {
    SCOPED_TRACE(static_cast<int>(delimiter));
    EXPECT_EQ(ReadString(input, WithDelimiter(delimiter)).rows, comma.rows);
  }
}

TEST(CsvReaderDelimiterTest, UnusualDelimiterBytes) {
  // Any byte but '"', CR and LF will do, even a NUL or a letter.
  EXPECT_EQ(ReadString(std::string("a\0\"b\0c\"\0\n", 9), WithDelimiter('\0')).rows,
            (std::vector<Row>{
                MakeRow(1, {"a", std::string("b\0c", 3), ""}, std::string("a\0\"b\0c\"\0", 8))}));
  EXPECT_EQ(ReadString("axbx\"x\"\n", WithDelimiter('x')).rows,
            (std::vector<Row>{MakeRow(1, {"a", "b", "x"}, "axbx\"x\"")}));
}

// Swaps ',' and ';', so that an input read with ';' reads as the original did with ','.
std::string SwapCommasAndSemicolons(std::string text) {
  for (char& c : text) {
    if (c == ',') {
      c = ';';
    } else if (c == ';') {
      c = ',';
    }
  }
  return text;
}

TEST(CsvReaderDelimiterTest, OneByteReadsWithSemicolonsGiveTheSameRecords) {
  for (CsvReaderOptions limits :
       {CsvReaderOptions{},
        CsvReaderOptions{.max_field_bytes = 8, .max_record_bytes = 32, .max_raw_bytes = 16}}) {
    SCOPED_TRACE(limits.max_record_bytes);
    CsvReaderOptions options = WithDelimiter(';', limits);
    for (const std::string& comma_input : BoundaryInputs()) {
      std::string input = SwapCommasAndSemicolons(comma_input);
      SCOPED_TRACE(::testing::PrintToString(input.substr(0, 60)));
      ReadOutcome whole = ReadString(input, options);
      ChunkedSource source(input, {1});
      ReadOutcome bytewise = ReadAll(source, options);
      EXPECT_EQ(bytewise.rows, whole.rows);
      EXPECT_EQ(bytewise.had_bom, whole.had_bom);
      EXPECT_EQ(bytewise.bytes_consumed, static_cast<int64_t>(input.size()));
      EXPECT_EQ(whole.bytes_consumed, static_cast<int64_t>(input.size()));

      // And they are the comma input's records with the two bytes swapped back.
      ReadOutcome with_commas = ReadString(comma_input, limits);
      for (Row& row : whole.rows) {
        for (std::string& field : row.fields) field = SwapCommasAndSemicolons(field);
        row.raw = SwapCommasAndSemicolons(row.raw);
      }
      EXPECT_EQ(whole.rows, with_commas.rows);
    }
  }
}

}  // namespace
}  // namespace till
