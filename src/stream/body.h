// The body of a stream request, read into records the file loader takes: NDJSON (one JSON
// object a line, its keys the raw column names) or CSV with a header line. The header is mapped
// as a file's is (clean/header_map.h), so a stream row goes through exactly the cleaning,
// rejection and star-schema rules of a file's row.
//
// What a body cannot be read as (not JSON, a value that is neither a string, a number nor
// null, a column no sales file has, a header without its required columns) refuses the whole
// body, with the line, the column and a stable reason: nothing of it is loaded. A row that
// reads but does not clean is a reject, as in a file.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "clean/header_map.h"
#include "clean/row_cleaner.h"
#include "pipeline/file_loader.h"

namespace till {

enum class BodyFormat { kNdjson, kCsv };

// The format a Content-Type names: application/x-ndjson, application/json (NDJSON too) or
// text/csv, parameters ignored; nullopt for any other.
std::optional<BodyFormat> BodyFormatOf(std::string_view content_type);

// Why a body cannot be read: where, and a stable reason ("invalid_json", "wrong_type",
// "unknown_column", "duplicate_column", "not_an_object", "bad_header", "empty_body").
struct BodyError {
  int64_t line = 0;
  std::string column;
  std::string reason;
  std::string message;
};

// A body read and checked, ready to be loaded (any number of times: each Records() starts
// over). Lines are the body's own: for NDJSON the object's line, for CSV the physical line
// (the header is line 1).
class RequestBody {
 public:
  virtual ~RequestBody() = default;
  virtual const HeaderMap& header() const = 0;
  virtual RowCleaner::DecimalMark decimal_mark() const = 0;
  virtual std::unique_ptr<RecordSource> Records() const = 0;
  // How many rows it holds (for CSV, an upper bound: its lines after the header).
  virtual int64_t rows() const = 0;
  // The largest line number a record can have.
  virtual int64_t last_line() const = 0;
  virtual int64_t size_bytes() const = 0;
};

// Reads `body` as `format`; the result keeps the body. On failure returns nullptr and stores
// why in *error.
std::unique_ptr<RequestBody> ReadRequestBody(std::string body, BodyFormat format, BodyError* error);

}  // namespace till
