// Streaming RFC 4180 reader. It holds one buffer of bounded size whatever the file size:
// records are handed out as views into that buffer, valid until the next call to Next().
//
// Accepts: fields separated by a delimiter byte (a comma unless CsvReaderOptions::delimiter
// says otherwise); fields quoted with '"', with '""' for a literal quote and the delimiter, CR
// and LF allowed inside quotes; records ended by LF, CRLF or a lone CR (one file may mix them;
// inside quotes a CR is data, like an LF); a UTF-8
// byte-order mark at the very start; a final record with no line end. A blank line (zero bytes
// between two line ends) is a record of one empty field, so that every physical line is
// accounted for; the line end that closes the last line does not start another record, so
// "a,b\n" is exactly one record.
//
// Never fails on content: a malformed record is returned with `problem` set and the reader
// resynchronises at the next line end outside quotes. Only I/O errors stop it.
//
// Memory: the buffer holds at most one record of max_record_bytes plus one read (1 MiB, less
// when max_record_bytes is small), however long the input or any one field is.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/byte_source.h"
#include "base/result.h"

namespace till {

// What is wrong with a record. A record has at most one problem; when several fields have one,
// it is the lowest-numbered field's, and within one field kFieldTooLong wins over kStrayQuote.
enum class RecordProblem {
  kNone,
  // A field's value (after unescaping) is longer than max_field_bytes. The value is cut to
  // max_field_bytes; the record still has all its fields.
  kFieldTooLong,
  // The record's bytes (without the line end) exceed max_record_bytes. `fields` is empty; `raw`
  // holds the first min(max_raw_bytes, max_record_bytes) bytes. The reader skipped to the next
  // line end outside quotes without buffering the rest.
  kRecordTooLong,
  // The input ended inside a quoted field. The record is only the physical line on which it
  // started: its fields are that line's (the unterminated field runs to the line's end) and
  // reading resumes at the next physical line, so that rows swallowed by a stray opening quote
  // are still read. (When the unterminated record exceeds max_record_bytes it is
  // kRecordTooLong instead, and it is the last record.)
  kUnterminatedQuote,
  // A quote inside an unquoted field (`5" TV`), or text after a closing quote (`"ab"c`). The
  // value is read leniently: `5" TV` stays `5" TV`; `"ab"c` becomes `abc`, and after the
  // closing quote every character, quotes included, is literal up to the next delimiter.
  kStrayQuote,
};

// Stable lower-case code for a problem, e.g. "unterminated_quote".
std::string_view RecordProblemCode(RecordProblem problem);

struct CsvRecord {
  // Unescaped field values (quotes removed, '""' turned into '"'). Views into the reader's
  // buffers, valid until the next Next(). At least one field unless kRecordTooLong.
  std::vector<std::string_view> fields;
  // 1-based physical line on which the record starts (the header is line 1). Every LF, CRLF and
  // lone CR ends a physical line, inside quoted fields too, so the lines of later records stay
  // right.
  int64_t line = 0;
  // The record's bytes as they stand in the file, without the line end; cut to
  // max_raw_bytes. For reject records. Valid until the next Next().
  std::string_view raw;
  RecordProblem problem = RecordProblem::kNone;
  // 0-based index of the field the problem was found in, or -1 (kNone, kRecordTooLong).
  int problem_field = -1;
};

struct CsvReaderOptions {
  size_t max_field_bytes = 1 << 20;   // 1 MiB
  size_t max_record_bytes = 8 << 20;  // 8 MiB
  size_t max_raw_bytes = 64 << 10;    // what a reject record keeps of the raw text
  // The byte that separates fields, chosen by the caller: ',' (the default), ';', '\t', '|' or
  // any other single byte except '"', '\r' and '\n'. Any other byte is then plain data, even a
  // comma. An invalid delimiter ('"', '\r' or '\n') is not an error: the reader uses ','.
  char delimiter = ',';
};

// Not thread-safe: one reader belongs to one thread at a time.
class CsvReader {
 public:
  // `source` must outlive the reader. Nothing is read until the first Next().
  explicit CsvReader(ByteSource& source, CsvReaderOptions options = {});
  ~CsvReader();
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  // Reads the next record into *record. Returns true when a record was read, false at end of
  // input, and an error only when the source failed. After an error the source is not read
  // again and every later call returns the same error.
  Result<bool> Next(CsvRecord* record);

  // Bytes of the input consumed so far: through the line end of the last record returned,
  // counting the byte-order mark. Never more than the input's size; equal to it once Next()
  // has returned false. For progress reporting.
  int64_t bytes_consumed() const;

  // True when the input began with a UTF-8 byte-order mark (which is not part of any field).
  // Known once the first Next() has returned.
  bool had_bom() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace till
