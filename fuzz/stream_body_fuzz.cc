// Fuzzes the reader of `till stream` request bodies. The input's first byte picks the format
// ('N' or any even byte: NDJSON; 'C' or any odd byte: CSV); the rest is the body as a client
// posts it. Checks what a read body promises:
// - a refused body names a known reason and a line inside the body (0 only when it is empty);
// - a read body keeps every byte, holds at least one row, and its records come in increasing
//   lines within [1, last_line], as many as rows() says (at most that many for CSV);
// - Records() starts over: a second pass gives the same records;
// - an NDJSON record is its line: each key of the line's object is in the header, and the
//   record's field for it is the value as given (a string, a number as JSON writes it, or empty
//   for null); the columns the line does not name are empty.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "domain/columns.h"
#include "stream/body.h"

namespace {

[[noreturn]] void Fail(const char* what, long long detail = 0) {
  std::fprintf(stderr, "stream_body_fuzz: %s (%lld)\n", what, detail);
  std::abort();
}

struct Seen {
  int64_t line;
  std::vector<std::string> fields;
};

std::vector<Seen> ReadAll(const till::RequestBody& body) {
  std::vector<Seen> seen;
  auto records = body.Records();
  till::CsvRecord record;
  while (true) {
    auto more = records->Next(&record);
    if (!more) Fail("reading a read body failed");
    if (!*more) break;
    seen.push_back({record.line, {record.fields.begin(), record.fields.end()}});
    if (seen.size() > static_cast<size_t>(body.rows())) Fail("more records than rows()");
  }
  return seen;
}

// The record of an NDJSON line against the line's own object.
void CheckNdjsonRecord(const till::RequestBody& body, const till::CsvRecord& record) {
  const till::HeaderMap& header = body.header();
  if (record.fields.size() != header.field_count) Fail("a record unlike its header");
  auto object = nlohmann::json::parse(record.raw, nullptr, /*allow_exceptions=*/false);
  if (!object.is_object()) Fail("a record's raw text is not its object", record.line);
  std::vector<bool> named(record.fields.size());
  for (const auto& [key, value] : object.items()) {
    auto column = till::ColumnFromHeader(key);
    if (!column) Fail("a record with a column no file has", record.line);
    int position = header.position[till::Index(*column)];
    if (position < 0) Fail("a record's column missing from the header", record.line);
    std::string_view field = record.fields[static_cast<size_t>(position)];
    std::string expected = value.is_string()   ? value.get<std::string>()
                           : value.is_number() ? value.dump()
                                               : std::string();
    if (!value.is_null() && !value.is_string() && !value.is_number()) {
      Fail("a value of the wrong type read", record.line);
    }
    if (field != expected) Fail("a field unlike its value", record.line);
    named[static_cast<size_t>(position)] = true;
  }
  for (size_t i = 0; i < named.size(); ++i) {
    if (!named[i] && !record.fields[i].empty()) Fail("a column the line lacks is not empty");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  auto format = data[0] % 2 == 0 ? till::BodyFormat::kNdjson : till::BodyFormat::kCsv;
  std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  // Every line end a reader may count (LF, CR), plus the last line.
  int64_t line_bound = 1;
  for (char c : text) line_bound += c == '\n' || c == '\r';

  till::BodyError error;
  auto body = till::ReadRequestBody(text, format, &error);
  if (!body) {
    static const std::string_view kReasons[] = {
        "invalid_json",  "wrong_type", "unknown_column", "duplicate_column",
        "not_an_object", "bad_header", "empty_body"};
    bool known = false;
    for (auto reason : kReasons) known = known || reason == error.reason;
    if (!known) Fail("an unknown reason");
    if (error.message.empty()) Fail("a refusal without a message");
    if (error.line < 0 || error.line > line_bound)
      Fail("an error line outside the body", error.line);
    if ((error.line == 0) != (error.reason == "empty_body")) Fail("line 0 for a non-empty body");
    return 0;
  }

  if (body->size_bytes() != static_cast<int64_t>(text.size())) Fail("bytes lost");
  if (body->rows() < 1) Fail("a body read without rows");
  if (body->last_line() < 1 || body->last_line() > line_bound) {
    Fail("last_line outside the body", body->last_line());
  }
  auto records = body->Records();
  till::CsvRecord record;
  std::vector<Seen> first;
  int64_t count = 0;
  int64_t previous = format == till::BodyFormat::kCsv ? 1 : 0;  // the CSV header is line 1
  while (true) {
    auto more = records->Next(&record);
    if (!more) Fail("reading a read body failed");
    if (!*more) break;
    ++count;
    if (record.line <= previous) Fail("record lines not increasing", record.line);
    if (record.line > body->last_line()) Fail("a record past last_line", record.line);
    previous = record.line;
    first.push_back({record.line, {record.fields.begin(), record.fields.end()}});
    if (format == till::BodyFormat::kNdjson) CheckNdjsonRecord(*body, record);
  }
  if (count > body->rows()) Fail("more records than rows()", count);
  if (format == till::BodyFormat::kNdjson && count != body->rows()) Fail("rows() miscounted");

  auto second = ReadAll(*body);
  if (first.size() != second.size()) Fail("a second pass differs in length");
  for (size_t i = 0; i < first.size(); ++i) {
    if (first[i].line != second[i].line || first[i].fields != second[i].fields) {
      Fail("a second pass differs", first[i].line);
    }
  }
  return 0;
}
