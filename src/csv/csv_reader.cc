// The reader scans one record at a time with a four-state machine (field start, unquoted,
// quoted, just after a closing quote) whose state lives in a Cursor, so that a scan that runs
// out of buffered bytes can be resumed exactly where it stopped once more bytes are read, and
// nothing is scanned twice (but for the recovery from an unterminated quote, which rereads
// what followed it: see RecoverUnterminated). While scanning it only records where each field
// begins and ends (as offsets from the record's start, which survive the buffer being
// compacted) and whether the field needs unescaping; the values are built once the record is
// complete. Most fields are plain, and their values are views straight into the buffer; only quoted
// fields with '""' or stray text are unescaped, into a scratch string reused across records,
// which keeps `raw` the untouched original bytes.
//
// The hot loop skips ordinary bytes sixteen at a time with SSE2 compares (a 256-entry table
// lookup per byte elsewhere), with no bounds check: the byte just past the scanned range is
// always one of the stop bytes (a '\n' sentinel written after every read, or the line end that
// bounds a rescan), and the buffer has 16 bytes of padding after it for the wide loads. The
// stop bytes of unquoted fields depend on the delimiter, so each reader builds its own finder.
//
// Bytes that decide something only with the byte after them (a '"' inside quotes: escape or
// close; a '\r': a line end of one byte or two) make the scan stop before them when that byte is
// not read yet, so results never depend on where the source happened to split its reads.
#include "csv/csv_reader.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cassert>
#include <cstring>
#include <optional>
#include <utility>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace till {

std::string_view RecordProblemCode(RecordProblem problem) {
  switch (problem) {
    case RecordProblem::kNone:
      return "none";
    case RecordProblem::kFieldTooLong:
      return "field_too_long";
    case RecordProblem::kRecordTooLong:
      return "record_too_long";
    case RecordProblem::kUnterminatedQuote:
      return "unterminated_quote";
    case RecordProblem::kStrayQuote:
      return "stray_quote";
  }
  return "unknown";
}

namespace {

// Reads are the record cap clamped to [4 KiB, 1 MiB]: large inputs are read in 1 MiB pieces,
// and a reader configured for small records keeps a small buffer (which also lets tests and
// the fuzzer reach the buffer's compaction and growth with small inputs).
constexpr size_t kMinReadChunk = size_t{4} << 10;
constexpr size_t kMaxReadChunk = size_t{1} << 20;

using StopTable = std::array<bool, 256>;

constexpr StopTable MakeStopTable(std::string_view stops) {
  StopTable table{};
  for (char c : stops) table[static_cast<unsigned char>(c)] = true;
  return table;
}

// Bytes at which the scan of a quoted field must look closer. '\r' is a stop inside quotes so
// that a lone one is counted as a physical line, and a rescan bounded by a line end stops there.
constexpr std::string_view kQuotedStops = "\"\n\r";

// The delimiter the reader uses: the one asked for, or ',' when that cannot be one.
constexpr char EffectiveDelimiter(char delimiter) {
  return delimiter == '"' || delimiter == '\r' || delimiter == '\n' ? ',' : delimiter;
}

// Bytes at which the scan of an unquoted field must look closer: the delimiter, a line end, or
// a (stray) quote.
std::string UnquotedStops(char delimiter) { return std::string("\n\r\"") + delimiter; }

// Finds the next stop byte of a scan state: up to four byte values. Where SSE2 is available
// (every x86-64) it tests sixteen bytes at a time: most fields are shorter than that, so one
// compare finds a field's end, where the table loop paid a branch per byte and a mispredicted
// one per field. It may read up to 15 bytes past the stop byte it finds (kScanPadding).
class StopFinder {
 public:
  // `stops` holds one to four bytes.
  explicit StopFinder(std::string_view stops) {
#if defined(__SSE2__)
    for (size_t k = 0; k < 4; ++k) {
      needles_[k] = _mm_set1_epi8(stops[std::min(k, stops.size() - 1)]);
    }
#else
    table_ = MakeStopTable(stops);
#endif
  }

  // The first index at or after `at` whose byte is a stop. There must be one in the buffer.
  size_t Next(const char* b, size_t at) const {
#if defined(__SSE2__)
    for (;; at += 16) {
      __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + at));
      __m128i hits = _mm_or_si128(
          _mm_or_si128(_mm_cmpeq_epi8(bytes, needles_[0]), _mm_cmpeq_epi8(bytes, needles_[1])),
          _mm_or_si128(_mm_cmpeq_epi8(bytes, needles_[2]), _mm_cmpeq_epi8(bytes, needles_[3])));
      auto mask = static_cast<unsigned>(_mm_movemask_epi8(hits));
      if (mask != 0) return at + static_cast<size_t>(std::countr_zero(mask));
    }
#else
    while (!table_[static_cast<unsigned char>(b[at])]) ++at;
    return at;
#endif
  }

 private:
#if defined(__SSE2__)
  __m128i needles_[4];  // a plain array: std::array would drop the vector type's attributes
#else
  StopTable table_;
#endif
};

// Readable bytes the buffer keeps after its last byte (the sentinel), for StopFinder.
constexpr size_t kScanPadding = 16;

size_t SaturatingAdd(size_t a, size_t b) { return a > SIZE_MAX - b ? SIZE_MAX : a + b; }

// Field flags gathered by the scan.
constexpr unsigned kQuotedField = 1;    // began with '"'
constexpr unsigned kNeedsUnescape = 2;  // has '""', text after the closing quote, or no close
constexpr unsigned kStray = 4;          // a stray quote (RecordProblem::kStrayQuote)

// Writes the value of the quoted field `raw` (opening quote included) to `out`, which has room
// for raw.size() bytes, and returns its length. Mirrors the scan: inside quotes '""' is a quote
// and '"' before anything else closes; after the close every byte is literal. A field with no
// closing quote (kUnterminatedQuote) runs to its end.
size_t UnescapeQuoted(std::string_view raw, char* out) {
  size_t n = 0;
  bool quoted = true;
  for (size_t i = 1; i < raw.size(); ++i) {
    char c = raw[i];
    if (quoted && c == '"') {
      if (i + 1 < raw.size() && raw[i + 1] == '"') {
        ++i;
      } else {
        quoted = false;
        continue;
      }
    }
    out[n++] = c;
  }
  return n;
}

// The end of the physical line that starts at b[from], in [from, end): the offset of its line
// end (the CR of a CRLF, a lone CR, or an LF), or `end` when there is none; *next is where the
// next line starts (`end` when none does). Only the recovery from an unterminated quote uses
// it, so a plain loop does.
size_t FindLineEnd(const char* b, size_t from, size_t end, size_t* next) {
  for (size_t i = from; i < end; ++i) {
    if (b[i] == '\n') {
      *next = i + 1;
      return i;
    }
    if (b[i] == '\r') {
      *next = i + 1 < end && b[i + 1] == '\n' ? i + 2 : i + 1;
      return i;
    }
  }
  *next = end;
  return end;
}

}  // namespace

struct CsvReader::Impl {
  enum class State : int { kFieldStart, kUnquoted, kQuoted, kAfterClose };

  enum class ScanEnd : int {
    kRecord,       // the record ended; cursor_ says where and how
    kNeedMore,     // the buffered bytes ran out first
    kTooLong,      // the record is already known to exceed max_record_bytes
    kEndInQuotes,  // the input ended inside a quoted field
  };

  // Where the scan of the current record stands. Offsets are into buffer_.
  struct Cursor {
    size_t at = 0;
    State state = State::kFieldStart;
    size_t field_start = 0;
    unsigned field_flags = 0;
    int64_t quoted_lfs = 0;  // line ends (LFs, lone CRs) inside quoted fields so far
    // Set when the scan returns kRecord.
    size_t record_end = 0;   // end of the record's bytes, line end excluded
    size_t next_record = 0;  // just past the line end
    bool ended_by_lf = false;
  };

  // One field of the record being scanned, as offsets from the record's start.
  struct Span {
    size_t begin;
    size_t end;
    unsigned flags;
  };

  Impl(ByteSource& source, CsvReaderOptions options)
      : source_(source),
        options_(options),
        delimiter_(EffectiveDelimiter(options.delimiter)),
        unquoted_stops_(UnquotedStops(delimiter_)),
        quoted_stops_(kQuotedStops),
        read_chunk_(std::clamp(options.max_record_bytes, kMinReadChunk, kMaxReadChunk)),
        min_read_(read_chunk_ / 16),
        // A record under the cap plus the byte after it (a possible CR of a CRLF) always fits
        // with a full read chunk to spare.
        max_capacity_(SaturatingAdd(SaturatingAdd(options.max_record_bytes, 1), read_chunk_)) {}

  Result<bool> Next(CsvRecord* record);
  int64_t BytesConsumed() const { return bytes_read_ - static_cast<int64_t>(data_end_ - pos_); }

  Status Start();
  Status Fill();
  void StartScan();
  template <bool kCollect>
  ScanEnd Scan(size_t limit, bool at_eof);
  void FinishRecord();
  void BuildFields(CsvRecord* record, size_t record_end);
  void MarkTooLong(CsvRecord* record);
  Result<bool> SkipRestOfRecord();
  bool EndsInQuotesAtFirstLineEnd();
  void RecoverUnterminated(CsvRecord* record);

  ByteSource& source_;
  const CsvReaderOptions options_;
  const char delimiter_;  // options_.delimiter, or ',' when that is not a valid one
  const StopFinder unquoted_stops_;
  const StopFinder quoted_stops_;
  const size_t read_chunk_;
  const size_t min_read_;  // compact or grow the buffer rather than read less than this
  const size_t max_capacity_;

  // buffer_ holds capacity_ bytes plus one for the sentinel and kScanPadding; [pos_, data_end_)
  // is unparsed input, and pos_ is also the start of the record being scanned.
  std::unique_ptr<char[]> buffer_;
  size_t capacity_ = 0;
  size_t pos_ = 0;
  size_t data_end_ = 0;
  bool eof_ = false;
  std::optional<Error> error_;
  int64_t bytes_read_ = 0;

  bool started_ = false;
  bool had_bom_ = false;
  int64_t next_line_ = 1;
  // Set once an unterminated record has been recovered: the rest of the input is in the
  // buffer, and every line of it that is entered inside quotes stays inside quotes to the end.
  bool in_quoted_tail_ = false;

  Cursor cursor_;
  std::vector<Span> spans_;
  std::string scratch_;   // unescaped values
  std::string raw_copy_;  // raw of a kRecordTooLong record, whose bytes leave the buffer
};

Result<bool> CsvReader::Impl::Next(CsvRecord* record) {
  if (error_) return Unexpected<Error>(*error_);
  if (!started_) TILL_RETURN_IF_ERROR(Start());
  StartScan();
  while (pos_ == data_end_ && !eof_) TILL_RETURN_IF_ERROR(Fill());
  if (pos_ == data_end_) return false;

  record->line = next_line_;
  if (in_quoted_tail_ && EndsInQuotesAtFirstLineEnd()) {
    RecoverUnterminated(record);
    return true;
  }
  for (;;) {
    switch (Scan<true>(data_end_, eof_)) {
      case ScanEnd::kRecord:
        if (cursor_.record_end - pos_ > options_.max_record_bytes) {
          MarkTooLong(record);
        } else {
          BuildFields(record, cursor_.record_end);
        }
        FinishRecord();
        return true;
      case ScanEnd::kNeedMore:
        if (cursor_.at - pos_ > options_.max_record_bytes) {
          MarkTooLong(record);
          return SkipRestOfRecord();
        }
        TILL_RETURN_IF_ERROR(Fill());
        break;
      case ScanEnd::kTooLong:
        MarkTooLong(record);
        return SkipRestOfRecord();
      case ScanEnd::kEndInQuotes:
        // The kNeedMore check before the last read measured up to the scan point only, which
        // may stop one byte short of the input's end (a quoted CR, or a quote, needs to see the
        // byte after it): an unterminated record can still be one byte over the cap here.
        if (data_end_ - pos_ > options_.max_record_bytes) {
          MarkTooLong(record);
          next_line_ += cursor_.quoted_lfs;
          pos_ = data_end_;
          return true;
        }
        RecoverUnterminated(record);
        return true;
    }
  }
}

Status CsvReader::Impl::Start() {
  while (data_end_ < 3 && !eof_) TILL_RETURN_IF_ERROR(Fill());
  if (data_end_ >= 3 && std::memcmp(buffer_.get(), "\xEF\xBB\xBF", 3) == 0) {
    pos_ = 3;
    had_bom_ = true;
  }
  started_ = true;
  return {};
}

Status CsvReader::Impl::Fill() {
  if (capacity_ - data_end_ < min_read_) {
    // Move what is still needed to the front. The cursor moves with it; spans are relative to
    // the record's start and need nothing.
    if (pos_ > 0) {
      size_t shift = pos_;
      std::memmove(buffer_.get(), buffer_.get() + shift, data_end_ - shift);
      data_end_ -= shift;
      pos_ = 0;
      cursor_.at -= shift;
      cursor_.field_start -= shift;
    }
    if (capacity_ - data_end_ < min_read_ && capacity_ < max_capacity_) {
      size_t capacity =
          std::min(max_capacity_, std::max(capacity_ * 2, SaturatingAdd(data_end_, read_chunk_)));
      // Zeroed, so that the padding (and the bytes not read yet) that StopFinder may load hold
      // defined values.
      auto grown = std::make_unique<char[]>(capacity + 1 + kScanPadding);
      if (data_end_ > 0) std::memcpy(grown.get(), buffer_.get(), data_end_);
      buffer_ = std::move(grown);
      capacity_ = capacity;
    }
  }
  // The callers keep at most max_record_bytes + 1 bytes, so after compaction and growth there
  // is always room.
  assert(capacity_ > data_end_);
  size_t room = capacity_ - data_end_;
  Result<size_t> read = source_.Read(buffer_.get() + data_end_, room);
  if (read && *read > room) {
    read = MakeError(ErrorCode::kInternal, "byte source returned more bytes than asked for");
  }
  if (!read) {
    error_ = read.error();
    return Unexpected<Error>(read.error());
  }
  if (*read == 0) eof_ = true;
  data_end_ += *read;
  bytes_read_ += static_cast<int64_t>(*read);
  buffer_[data_end_] = '\n';  // the sentinel Scan() relies on
  return {};
}

void CsvReader::Impl::StartScan() {
  cursor_ = Cursor{};
  cursor_.at = pos_;
  cursor_.field_start = pos_;
  spans_.clear();
}

// Scans [cursor_.at, limit) of the record starting at pos_. `at_eof` says that limit is the
// end of the input. buffer_[limit] must be a stop byte in both tables. With kCollect false the
// scan only looks for the record's end (skipping a record that is too long).
template <bool kCollect>
CsvReader::Impl::ScanEnd CsvReader::Impl::Scan(size_t limit, bool at_eof) {
  const char* const b = buffer_.get();
  const size_t record_start = pos_;
  const size_t max_record = options_.max_record_bytes;
  const char delimiter = delimiter_;
  const StopFinder& unquoted_stops = unquoted_stops_;
  const StopFinder& quoted_stops = quoted_stops_;
  Cursor c = cursor_;
  size_t i = c.at;

  auto stop = [&](ScanEnd end) {
    c.at = i;
    cursor_ = c;
    return end;
  };
  auto end_field = [&] {
    if constexpr (kCollect) {
      spans_.push_back({c.field_start - record_start, i - record_start, c.field_flags});
    }
  };
  // Ends the record at i (its last field too); the next record starts at `next`.
  auto end_record = [&](size_t next, bool by_lf) {
    end_field();
    c.record_end = i;
    c.next_record = next;
    c.ended_by_lf = by_lf;
    return stop(ScanEnd::kRecord);
  };

  for (;;) {
    switch (c.state) {
      case State::kFieldStart:
        c.field_start = i;
        if (i == limit) {
          if (!at_eof) return stop(ScanEnd::kNeedMore);
          c.field_flags = 0;  // "a," (delimiter last) at the end of the input: empty last field
          return end_record(i, false);
        }
        if (b[i] == '"') {
          c.field_flags = kQuotedField;
          c.state = State::kQuoted;
          ++i;
          break;
        }
        c.field_flags = 0;
        c.state = State::kUnquoted;
        [[fallthrough]];  // most fields are unquoted: no second trip through the switch

      case State::kUnquoted:
        i = unquoted_stops.Next(b, i);
        if (i == limit) {
          if (!at_eof) return stop(ScanEnd::kNeedMore);
          return end_record(i, false);
        }
        // The delimiter is never '\n', '\r' or '"' (EffectiveDelimiter), so it is tested first.
        if (b[i] == delimiter) {
          end_field();
          ++i;
          c.state = State::kFieldStart;
          // Checked per field so that a long line of short fields cannot grow spans_ past the
          // cap.
          if (kCollect && i - record_start > max_record) return stop(ScanEnd::kTooLong);
        } else if (b[i] == '\n') {
          return end_record(i + 1, true);
        } else if (b[i] == '"') {
          c.field_flags |= kStray;
          ++i;
        } else {  // '\r': CRLF, or a lone CR, is a line end
          if (i + 1 == limit) {
            if (!at_eof) return stop(ScanEnd::kNeedMore);
            return end_record(i + 1, true);  // the last byte of the input
          }
          return end_record(b[i + 1] == '\n' ? i + 2 : i + 1, true);
        }
        break;

      case State::kQuoted:
        i = quoted_stops.Next(b, i);
        if (i == limit) {
          if (!at_eof) return stop(ScanEnd::kNeedMore);
          return stop(ScanEnd::kEndInQuotes);
        }
        if (b[i] == '"') {
          if (i + 1 == limit) {
            if (!at_eof) return stop(ScanEnd::kNeedMore);
            ++i;
            c.state = State::kAfterClose;
          } else if (b[i + 1] == '"') {
            c.field_flags |= kNeedsUnescape;
            i += 2;
          } else {
            ++i;
            c.state = State::kAfterClose;
          }
        } else if (b[i] == '\n') {
          ++c.quoted_lfs;
          ++i;
        } else {  // '\r': data, but a lone one still ends a physical line (line numbers count it)
          if (i + 1 == limit && !at_eof) return stop(ScanEnd::kNeedMore);
          if (i + 1 == limit || b[i + 1] != '\n') ++c.quoted_lfs;
          ++i;
        }
        break;

      case State::kAfterClose:
        // The delimiter or a line end is handled as in an unquoted field; anything else is
        // stray text, kept literally up to the next delimiter.
        if (i == limit) {
          if (!at_eof) return stop(ScanEnd::kNeedMore);
          return end_record(i, false);
        }
        if (b[i] != delimiter && b[i] != '\n' && b[i] != '\r') {
          c.field_flags |= kStray | kNeedsUnescape;
        }
        c.state = State::kUnquoted;
        break;
    }
  }
}

void CsvReader::Impl::FinishRecord() {
  next_line_ += cursor_.quoted_lfs + (cursor_.ended_by_lf ? 1 : 0);
  pos_ = cursor_.next_record;
}

void CsvReader::Impl::BuildFields(CsvRecord* record, size_t record_end) {
  const char* const base = buffer_.get() + pos_;
  size_t scratch_needed = 0;
  for (const Span& span : spans_) {
    if (span.flags & kNeedsUnescape) scratch_needed += span.end - span.begin;
  }
  // Sized before any value is written so that the views into it stay valid.
  if (scratch_.size() < scratch_needed) scratch_.resize(scratch_needed);
  char* out = scratch_.data();

  record->fields.resize(spans_.size());
  record->problem = RecordProblem::kNone;
  record->problem_field = -1;
  for (size_t k = 0; k < spans_.size(); ++k) {
    const Span& span = spans_[k];
    std::string_view value(base + span.begin, span.end - span.begin);
    if (span.flags & kNeedsUnescape) {
      size_t size = UnescapeQuoted(value, out);
      value = std::string_view(out, size);
      out += size;
    } else if (span.flags & kQuotedField) {
      value = value.substr(1, value.size() - 2);
    }
    RecordProblem problem = RecordProblem::kNone;
    if (value.size() > options_.max_field_bytes) {
      value = value.substr(0, options_.max_field_bytes);
      problem = RecordProblem::kFieldTooLong;
    } else if (span.flags & kStray) {
      problem = RecordProblem::kStrayQuote;
    }
    if (problem != RecordProblem::kNone && record->problem == RecordProblem::kNone) {
      record->problem = problem;
      record->problem_field = static_cast<int>(k);
    }
    record->fields[k] = value;
  }
  record->raw = std::string_view(base, std::min(record_end - pos_, options_.max_raw_bytes));
}

// Called while the record's first max_record_bytes + 1 bytes are still in the buffer.
void CsvReader::Impl::MarkTooLong(CsvRecord* record) {
  size_t keep = std::min(options_.max_raw_bytes, options_.max_record_bytes);
  raw_copy_.assign(buffer_.get() + pos_, keep);
  record->fields.clear();
  record->raw = raw_copy_;
  record->problem = RecordProblem::kRecordTooLong;
  record->problem_field = -1;
}

// Runs the scan on to the record's end, dropping each buffer-full once scanned.
Result<bool> CsvReader::Impl::SkipRestOfRecord() {
  for (;;) {
    switch (Scan<false>(data_end_, eof_)) {
      case ScanEnd::kRecord:
        FinishRecord();
        return true;
      case ScanEnd::kEndInQuotes:
        next_line_ += cursor_.quoted_lfs;
        pos_ = data_end_;
        return true;
      case ScanEnd::kNeedMore:
      case ScanEnd::kTooLong:  // only returned while collecting
        // Nothing before the scan point is needed any more (no fields are kept).
        pos_ = cursor_.at;
        cursor_.field_start = cursor_.at;
        TILL_RETURN_IF_ERROR(Fill());
        break;
    }
  }
}

// In the quoted tail, scans the record's first line and says whether the record is still
// inside quotes at its line end; if so it is unterminated, for every later line would keep it
// inside quotes. Otherwise the cursor is left for the ordinary scan to finish the record (at
// that line end). This keeps recovery linear: without it, a run of lines such as `a","` (each
// opens a quote whether entered inside quotes or not) would each be scanned to the end of the
// input again.
bool CsvReader::Impl::EndsInQuotesAtFirstLineEnd() {
  size_t next = 0;
  size_t line_end = FindLineEnd(buffer_.get(), pos_, data_end_, &next);
  if (line_end == data_end_) return false;  // the last line: the ordinary scan is as short
  // Bounded by the line end itself (a stop byte), with more input said to follow, the scan stops
  // at it without deciding anything there, or just before it when it needs to see it. The
  // tail's lines are shorter than the cap, so kTooLong cannot happen.
  [[maybe_unused]] ScanEnd end = Scan<true>(line_end, /*at_eof=*/false);
  assert(end == ScanEnd::kNeedMore);
  return cursor_.state == State::kQuoted && cursor_.at == line_end;
}

// The whole unterminated record, [pos_, data_end_), is in the buffer. Returns its first
// physical line as the problem record and resumes at the next one.
void CsvReader::Impl::RecoverUnterminated(CsvRecord* record) {
  size_t next = 0;
  const size_t line_end = FindLineEnd(buffer_.get(), pos_, data_end_, &next);
  const bool has_line_end = line_end < data_end_;
  // The scan was inside quotes at that line end (or the record would have ended there), so a
  // rescan of the line alone ends inside quotes too; buffer_[line_end] is '\r' or '\n', a stop.
  StartScan();
  [[maybe_unused]] ScanEnd end = Scan<true>(line_end, /*at_eof=*/true);
  assert(end == ScanEnd::kEndInQuotes);
  spans_.push_back(
      {cursor_.field_start - pos_, line_end - pos_, cursor_.field_flags | kNeedsUnescape});
  BuildFields(record, line_end);
  record->problem = RecordProblem::kUnterminatedQuote;
  record->problem_field = static_cast<int>(spans_.size() - 1);
  next_line_ += has_line_end ? 1 : 0;
  pos_ = next;
  // Every line end after the record's first line was passed inside quotes, so each later line,
  // when entered inside quotes, is left inside quotes.
  in_quoted_tail_ = true;
}

CsvReader::CsvReader(ByteSource& source, CsvReaderOptions options)
    : impl_(std::make_unique<Impl>(source, options)) {}

CsvReader::~CsvReader() = default;

Result<bool> CsvReader::Next(CsvRecord* record) { return impl_->Next(record); }

int64_t CsvReader::bytes_consumed() const { return impl_->BytesConsumed(); }

bool CsvReader::had_bom() const { return impl_->had_bom_; }

}  // namespace till
