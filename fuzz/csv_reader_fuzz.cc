// Fuzzes CsvReader with small limits, so that short inputs reach every problem path and the
// buffer's compaction and growth, and checks the reader's contract on every record:
//   - records tile the input: each starts where bytes_consumed() stood (after the BOM), its
//     raw text is the input's bytes there, and bytes_consumed() ends at the input's size;
//   - `line` is one more than the LFs before the record's start (so lines strictly increase);
//   - fields, values and problems agree with a plain in-memory parse of the record's raw text;
//   - the reader terminates (at most one record per input byte);
//   - reading the input in one piece and in pieces of input-chosen sizes, down to one byte,
//     gives the same records: buffering must never change the result;
//   - and those records are exactly what a naive reader over the whole input returns (one that
//     finds each record's end by scanning on to it, and recovers from an unterminated quote by
//     rescanning to the end of the input from the next line).
// Every byte of every returned view is read, so a view outside the reader's buffers is an
// AddressSanitizer report. Any failed check aborts.
//
// The first byte may choose the delimiter (see ChooseDelimiter): 0x01, 0x02 or 0x03 select ';',
// '\t' or '|', and 0x04 makes the byte after it the delimiter, whatever it is ('"', CR and LF
// included, which the reader must treat as ','); those bytes are not part of the CSV. Any other
// first byte selects ',' and is part of the CSV, so that plain CSV files are seeds as they are.
// The checks and the naive reader use the delimiter chosen.
//
// Also compiled without libFuzzer into csv_reader_fuzz_replay (tests/csv), which replays
// fuzz/corpus/csv_reader/ on every test run.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "csv/csv_reader.h"

namespace {

#define FUZZ_CHECK(condition)                                                            \
  do {                                                                                   \
    if (!(condition)) {                                                                  \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                      \
    }                                                                                    \
  } while (false)

constexpr till::CsvReaderOptions kOptions{
    .max_field_bytes = 64, .max_record_bytes = 256, .max_raw_bytes = 100};

struct Delimited {
  char delimiter;          // as passed to the reader
  std::string_view input;  // the CSV
};

Delimited ChooseDelimiter(std::string_view data) {
  if (!data.empty()) {
    switch (data[0]) {
      case '\x01':
        return {';', data.substr(1)};
      case '\x02':
        return {'\t', data.substr(1)};
      case '\x03':
        return {'|', data.substr(1)};
      case '\x04':
        if (data.size() >= 2) return {data[1], data.substr(2)};
        break;
      default:
        break;
    }
  }
  return {',', data};
}

// What the reader is documented to do with the delimiter it is given.
char EffectiveDelimiter(char delimiter) {
  return delimiter == '"' || delimiter == '\r' || delimiter == '\n' ? ',' : delimiter;
}

// Hands out the input in pieces whose sizes come from a generator seeded by the input, mostly
// 1 to 8 bytes, sometimes larger.
class ChunkedSource final : public till::ByteSource {
 public:
  ChunkedSource(std::string_view data, uint64_t seed) : data_(data), state_(seed | 1) {}

  till::Result<size_t> Read(char* buffer, size_t size) override {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    size_t piece = (state_ & 7) == 0 ? static_cast<size_t>(state_ >> 8) % 600 + 1
                                     : static_cast<size_t>(state_ >> 8) % 8 + 1;
    size_t n = std::min({size, piece, data_.size() - offset_});
    std::copy_n(data_.data() + offset_, n, buffer);
    offset_ += n;
    return n;
  }

 private:
  std::string_view data_;
  uint64_t state_;
  size_t offset_ = 0;
};

class WholeSource final : public till::ByteSource {
 public:
  explicit WholeSource(std::string_view data) : data_(data) {}

  till::Result<size_t> Read(char* buffer, size_t size) override {
    size_t n = std::min(size, data_.size() - offset_);
    std::copy_n(data_.data() + offset_, n, buffer);
    offset_ += n;
    return n;
  }

 private:
  std::string_view data_;
  size_t offset_ = 0;
};

struct OwnedRecord {
  std::vector<std::string> fields;
  int64_t line = 0;
  std::string raw;
  till::RecordProblem problem = till::RecordProblem::kNone;
  int problem_field = -1;

  bool operator==(const OwnedRecord&) const = default;
};

// What the reader should make of a record whose complete raw text is known: the plain
// RFC 4180 reading with the reader's lenient rules, written for clarity, not speed.
struct ExpectedRecord {
  std::vector<std::string> fields;  // before cutting to max_field_bytes
  std::vector<bool> stray;
  bool unterminated = false;
  bool unquoted_lf = false;  // an LF outside quotes: the record should have ended there
};

ExpectedRecord ParseRaw(std::string_view raw, char delimiter) {
  ExpectedRecord expected;
  size_t i = 0;
  for (;;) {
    std::string value;
    bool stray = false;
    if (i < raw.size() && raw[i] == '"') {
      ++i;
      for (;;) {
        if (i == raw.size()) {
          expected.unterminated = true;
          break;
        }
        if (raw[i] == '"') {
          if (i + 1 < raw.size() && raw[i + 1] == '"') {
            value += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        value += raw[i++];
      }
      if (i < raw.size() && raw[i] != delimiter) stray = true;
    }
    while (i < raw.size() && raw[i] != delimiter) {
      if (raw[i] == '"') stray = true;
      if (raw[i] == '\n') expected.unquoted_lf = true;
      value += raw[i++];
    }
    expected.fields.push_back(std::move(value));
    expected.stray.push_back(stray);
    if (i == raw.size()) return expected;
    ++i;  // the delimiter
  }
}

void CheckAgainstRaw(const till::CsvRecord& record, char delimiter) {
  ExpectedRecord expected = ParseRaw(record.raw, delimiter);
  FUZZ_CHECK(!expected.unquoted_lf);
  FUZZ_CHECK(expected.unterminated == (record.problem == till::RecordProblem::kUnterminatedQuote));
  FUZZ_CHECK(record.fields.size() == expected.fields.size());
  till::RecordProblem problem = till::RecordProblem::kNone;
  int problem_field = -1;
  for (size_t k = 0; k < expected.fields.size(); ++k) {
    const std::string& value = expected.fields[k];
    bool too_long = value.size() > kOptions.max_field_bytes;
    FUZZ_CHECK(record.fields[k] == std::string_view(value).substr(0, kOptions.max_field_bytes));
    if (problem_field == -1 && (too_long || expected.stray[k])) {
      problem = too_long ? till::RecordProblem::kFieldTooLong : till::RecordProblem::kStrayQuote;
      problem_field = static_cast<int>(k);
    }
  }
  if (expected.unterminated) {
    problem = till::RecordProblem::kUnterminatedQuote;
    problem_field = static_cast<int>(expected.fields.size()) - 1;
  }
  FUZZ_CHECK(record.problem == problem);
  FUZZ_CHECK(record.problem_field == problem_field);
}

OwnedRecord RecordFromRaw(std::string_view raw, int64_t line, char delimiter) {
  ExpectedRecord parsed = ParseRaw(raw, delimiter);
  OwnedRecord record;
  record.line = line;
  record.raw = std::string(raw.substr(0, kOptions.max_raw_bytes));
  for (size_t k = 0; k < parsed.fields.size(); ++k) {
    bool too_long = parsed.fields[k].size() > kOptions.max_field_bytes;
    record.fields.push_back(parsed.fields[k].substr(0, kOptions.max_field_bytes));
    if (record.problem_field == -1 && (too_long || parsed.stray[k])) {
      record.problem =
          too_long ? till::RecordProblem::kFieldTooLong : till::RecordProblem::kStrayQuote;
      record.problem_field = static_cast<int>(k);
    }
  }
  if (parsed.unterminated) {
    record.problem = till::RecordProblem::kUnterminatedQuote;
    record.problem_field = static_cast<int>(record.fields.size()) - 1;
  }
  return record;
}

OwnedRecord TooLongRecord(std::string_view input, size_t start, int64_t line) {
  OwnedRecord record;
  record.line = line;
  record.raw =
      std::string(input.substr(start, std::min(kOptions.max_raw_bytes, kOptions.max_record_bytes)));
  record.problem = till::RecordProblem::kRecordTooLong;
  return record;
}

// The naive reader: the whole input at hand, nothing clever.
// `delimiter` is the effective one.
std::vector<OwnedRecord> NaiveReadAll(std::string_view input, char delimiter) {
  std::vector<OwnedRecord> records;
  size_t pos = input.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
  int64_t line = 1;
  while (pos < input.size()) {
    // Find the record's end: the first LF, CRLF or lone CR outside quotes, or the end of the
    // input. Every LF and lone CR, inside quotes too, ends a physical line.
    size_t i = pos;
    int64_t quoted_lfs = 0;
    bool at_field_start = true;
    bool quoted = false;
    bool ended = false;
    size_t content_end = input.size();
    size_t next = input.size();
    while (i < input.size()) {
      char c = input[i];
      if (quoted) {
        if (c == '"' && i + 1 < input.size() && input[i + 1] == '"') {
          i += 2;
          continue;
        }
        if (c == '"') quoted = false;
        if (c == '\n' || (c == '\r' && (i + 1 == input.size() || input[i + 1] != '\n'))) {
          ++quoted_lfs;
        }
        ++i;
        continue;
      }
      if (at_field_start && c == '"') {
        quoted = true;
        at_field_start = false;
        ++i;
        continue;
      }
      at_field_start = c == delimiter;
      if (c == '\n' || c == '\r') {
        content_end = i;
        next = c == '\r' && i + 1 < input.size() && input[i + 1] == '\n' ? i + 2 : i + 1;
        ended = true;
        break;
      }
      ++i;
    }
    if (!quoted || ended) {
      if (content_end - pos > kOptions.max_record_bytes) {
        records.push_back(TooLongRecord(input, pos, line));
      } else {
        records.push_back(RecordFromRaw(input.substr(pos, content_end - pos), line, delimiter));
      }
      line += quoted_lfs + (next > content_end ? 1 : 0);
      pos = next;
    } else if (input.size() - pos > kOptions.max_record_bytes) {
      records.push_back(TooLongRecord(input, pos, line));
      pos = input.size();
    } else {
      // Unterminated: its first line alone, then on from the next line.
      size_t end = input.find_first_of("\r\n", pos);
      size_t line_end = end == std::string_view::npos ? input.size() : end;
      records.push_back(RecordFromRaw(input.substr(pos, line_end - pos), line, delimiter));
      line += 1;
      if (end == std::string_view::npos) {
        pos = input.size();
      } else {
        pos = input[end] == '\r' && end + 1 < input.size() && input[end + 1] == '\n' ? end + 2
                                                                                     : end + 1;
      }
    }
  }
  return records;
}

// `delimiter` is given to the reader as it is; the checks use the effective one.
std::vector<OwnedRecord> ReadAll(till::ByteSource& source, std::string_view input, char delimiter) {
  till::CsvReaderOptions options = kOptions;
  options.delimiter = delimiter;
  till::CsvReader reader(source, options);
  std::vector<OwnedRecord> records;
  till::CsvRecord record;
  int64_t lfs_before = 0;  // line ends (LFs, lone CRs) in input[0, start)
  size_t counted_to = 0;
  for (;;) {
    int64_t consumed = reader.bytes_consumed();
    FUZZ_CHECK(consumed >= 0 && static_cast<size_t>(consumed) <= input.size());
    till::Result<bool> read = reader.Next(&record);
    FUZZ_CHECK(read.has_value());
    if (!*read) {
      FUZZ_CHECK(static_cast<size_t>(reader.bytes_consumed()) == input.size());
      break;
    }
    FUZZ_CHECK(records.size() < input.size());  // every record consumes at least one byte

    size_t start = static_cast<size_t>(consumed);
    if (records.empty() && reader.had_bom()) start += 3;
    size_t end = static_cast<size_t>(reader.bytes_consumed());
    FUZZ_CHECK(start < end && end <= input.size());
    for (size_t p = counted_to; p < start; ++p) {
      lfs_before +=
          input[p] == '\n' || (input[p] == '\r' && (p + 1 == input.size() || input[p + 1] != '\n'));
    }
    counted_to = start;
    FUZZ_CHECK(record.line == lfs_before + 1);
    FUZZ_CHECK(records.empty() || record.line > records.back().line);

    FUZZ_CHECK(record.raw.size() <= kOptions.max_raw_bytes);
    FUZZ_CHECK(record.raw == input.substr(start, record.raw.size()));
    FUZZ_CHECK(record.problem_field >= -1);
    FUZZ_CHECK(record.problem_field < static_cast<int>(record.fields.size()));
    FUZZ_CHECK((record.problem_field == -1) ==
               (record.problem == till::RecordProblem::kNone ||
                record.problem == till::RecordProblem::kRecordTooLong));
    for (std::string_view field : record.fields) {
      FUZZ_CHECK(field.size() <= kOptions.max_field_bytes);
    }

    if (record.problem == till::RecordProblem::kRecordTooLong) {
      FUZZ_CHECK(record.fields.empty());
      FUZZ_CHECK(record.raw.size() == std::min(kOptions.max_raw_bytes, kOptions.max_record_bytes));
    } else {
      FUZZ_CHECK(!record.fields.empty());
      // When raw is complete, it must be followed by exactly the line end that was consumed,
      // and reading it alone must give the same fields.
      if (record.raw.size() < kOptions.max_raw_bytes) {
        size_t raw_end = start + record.raw.size();
        std::string_view line_end = input.substr(raw_end, end - raw_end);
        FUZZ_CHECK(line_end.empty() || line_end == "\n" || line_end == "\r\n" || line_end == "\r");
        FUZZ_CHECK(line_end != "\r" || end == input.size() || input[end] != '\n');
        FUZZ_CHECK(!line_end.empty() || end == input.size());
        FUZZ_CHECK(line_end != "\n" || record.raw.empty() || record.raw.back() != '\r');
        CheckAgainstRaw(record, EffectiveDelimiter(delimiter));
      }
    }

    OwnedRecord owned;
    owned.fields.assign(record.fields.begin(), record.fields.end());
    owned.line = record.line;
    owned.raw = std::string(record.raw);
    owned.problem = record.problem;
    owned.problem_field = record.problem_field;
    records.push_back(std::move(owned));
  }
  // A second call at the end still says end of input.
  till::Result<bool> again = reader.Next(&record);
  FUZZ_CHECK(again.has_value() && !*again);
  bool bom = input.size() >= 3 && input.substr(0, 3) == "\xEF\xBB\xBF";
  FUZZ_CHECK(reader.had_bom() == bom);
  return records;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto [delimiter, input] =
      ChooseDelimiter(std::string_view(reinterpret_cast<const char*>(data), size));
  WholeSource whole(input);
  std::vector<OwnedRecord> expected = ReadAll(whole, input, delimiter);
  FUZZ_CHECK(expected == NaiveReadAll(input, EffectiveDelimiter(delimiter)));

  uint64_t seed = 0xcbf29ce484222325ULL;  // FNV-1a of the input
  for (unsigned char c : input) seed = (seed ^ c) * 0x100000001b3ULL;
  ChunkedSource chunked(input, seed);
  FUZZ_CHECK(ReadAll(chunked, input, delimiter) == expected);
  return 0;
}
