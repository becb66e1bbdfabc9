// Streaming RFC 4180 reader. It holds one buffer of bounded size whatever the file size:
// records are handed out as views into that buffer, valid until the next call to Next().
//
// Accepts: fields separated by commas; fields quoted with '"', with '""' for a literal quote
// and commas, CR and LF allowed inside quotes; records ended by LF or CRLF (a lone CR inside an
// unquoted field is kept as data); a UTF-8 byte-order mark at the very start; a final record
// with no line end. A blank line (zero bytes between two line ends) is a record of one empty
// field, so that every physical line is accounted for.
//
// Never fails on content: a malformed record is returned with `problem` set and the reader
// resynchronises at the next line end outside quotes. Only I/O errors stop it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/byte_source.h"
#include "base/result.h"

namespace till {

enum class RecordProblem {
  kNone,
  kFieldTooLong,      // a field longer than max_field_bytes; the record's fields are cut
  kRecordTooLong,     // a record longer than max_record_bytes; its fields are not available
  kUnterminatedQuote, // end of input inside a quoted field
  kStrayQuote,        // a quote inside an unquoted field, or text after a closing quote
};

// Stable lower-case code for a problem, e.g. "unterminated_quote".
std::string_view RecordProblemCode(RecordProblem problem);

struct CsvRecord {
  // Unescaped field values (quotes removed, '""' turned into '"'). Views into the reader's
  // buffer, valid until the next Next().
  std::vector<std::string_view> fields;
  // 1-based physical line on which the record starts (the header is line 1).
  int64_t line = 0;
  // The record's bytes as they stand in the file, without the line end; cut to
  // max_raw_bytes. For reject records.
  std::string_view raw;
  RecordProblem problem = RecordProblem::kNone;
  // 0-based index of the field the problem was found in, or -1.
  int problem_field = -1;
};

struct CsvReaderOptions {
  size_t max_field_bytes = 1 << 20;    // 1 MiB
  size_t max_record_bytes = 8 << 20;   // 8 MiB
  size_t max_raw_bytes = 64 << 10;     // what a reject record keeps of the raw text
};

class CsvReader {
 public:
  // `source` must outlive the reader.
  explicit CsvReader(ByteSource& source, CsvReaderOptions options = {});
  ~CsvReader();
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  // Reads the next record into *record. Returns true when a record was read, false at end of
  // input, and an error only when the source failed.
  Result<bool> Next(CsvRecord* record);

  // Bytes consumed from the source so far, for progress reporting.
  int64_t bytes_consumed() const;

  // True when the input began with a UTF-8 byte-order mark (which is not part of any field).
  bool had_bom() const;

 private:
  struct Impl;
  Impl* impl_;
};

}  // namespace till
