#include "stream/body.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>

#include "base/byte_source.h"
#include "csv/csv_reader.h"
#include "csv/sniff.h"
#include "domain/columns.h"

namespace till {
namespace {

std::string Lower(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower;
}

// NDJSON rows, each a field per header column (empty for null or a missing key), and the raw
// line kept for reject records.
class NdjsonBody final : public RequestBody {
 public:
  struct Row {
    int64_t line = 0;
    std::vector<std::string> fields;
    size_t raw_begin = 0;  // the line's place in the body
    size_t raw_size = 0;
  };

  NdjsonBody(std::string body, HeaderMap header, std::vector<Row> rows, int64_t last_line)
      : body_(std::move(body)),
        header_(std::move(header)),
        rows_(std::move(rows)),
        last_line_(last_line) {}

  const HeaderMap& header() const override { return header_; }
  RowCleaner::DecimalMark decimal_mark() const override { return RowCleaner::DecimalMark::kPoint; }
  std::unique_ptr<RecordSource> Records() const override { return std::make_unique<Source>(*this); }
  int64_t rows() const override { return static_cast<int64_t>(rows_.size()); }
  int64_t last_line() const override { return last_line_; }
  int64_t size_bytes() const override { return static_cast<int64_t>(body_.size()); }

 private:
  class Source final : public RecordSource {
   public:
    explicit Source(const NdjsonBody& body) : body_(body) {}
    Result<bool> Next(CsvRecord* record) override {
      if (next_ == body_.rows_.size()) return false;
      const Row& row = body_.rows_[next_++];
      record->fields.assign(row.fields.begin(), row.fields.end());
      record->line = row.line;
      record->raw = std::string_view(body_.body_).substr(row.raw_begin, row.raw_size);
      record->problem = RecordProblem::kNone;
      record->problem_field = -1;
      return true;
    }
    int64_t bytes_consumed() const override { return 0; }

   private:
    const NdjsonBody& body_;
    size_t next_ = 0;
  };

  std::string body_;
  HeaderMap header_;
  std::vector<Row> rows_;
  int64_t last_line_ = 0;
};

// A CSV body, read again by a CsvReader on each Records().
class CsvBody final : public RequestBody {
 public:
  CsvBody(std::string body, HeaderMap header, CsvReaderOptions options, int64_t lines)
      : body_(std::move(body)), header_(std::move(header)), options_(options), lines_(lines) {}

  const HeaderMap& header() const override { return header_; }
  RowCleaner::DecimalMark decimal_mark() const override {
    return options_.delimiter == ',' ? RowCleaner::DecimalMark::kPoint
                                     : RowCleaner::DecimalMark::kPointOrComma;
  }
  std::unique_ptr<RecordSource> Records() const override {
    return std::make_unique<Source>(body_, options_);
  }
  int64_t rows() const override { return std::max<int64_t>(lines_ - 1, 0); }
  int64_t last_line() const override { return lines_; }
  int64_t size_bytes() const override { return static_cast<int64_t>(body_.size()); }

 private:
  // A reader past the header line.
  class Source final : public RecordSource {
   public:
    Source(std::string_view body, const CsvReaderOptions& options)
        : bytes_(MakeStringSource(std::string(body))), reader_(*bytes_, options) {}
    Result<bool> Next(CsvRecord* record) override {
      if (!past_header_) {
        past_header_ = true;
        TILL_ASSIGN_OR_RETURN(bool header, reader_.Next(record));
        if (!header) return false;
      }
      return reader_.Next(record);
    }
    int64_t bytes_consumed() const override { return reader_.bytes_consumed(); }

   private:
    std::unique_ptr<ByteSource> bytes_;
    CsvReader reader_;
    bool past_header_ = false;
  };

  std::string body_;
  HeaderMap header_;
  CsvReaderOptions options_;
  int64_t lines_ = 0;
};

bool IsKnownColumn(std::string_view cell) { return ColumnFromHeader(cell).has_value(); }

std::unique_ptr<RequestBody> Refuse(BodyError* error, int64_t line, std::string column,
                                    std::string reason, std::string message) {
  *error = BodyError{line, std::move(column), std::move(reason), std::move(message)};
  return nullptr;
}

std::unique_ptr<RequestBody> ReadNdjson(std::string body, BodyError* error) {
  // The columns met, as first spelled, in the order first met: a key names its column as a
  // header cell does, so "Date" on one line and "date" on the next are one column.
  std::vector<std::string> columns;
  std::map<Column, size_t> index;
  std::vector<NdjsonBody::Row> rows;
  int64_t line = 0;
  size_t start = 0;
  while (start < body.size()) {
    size_t end = body.find('\n', start);
    if (end == std::string::npos) end = body.size();
    std::string_view text(body.data() + start, end - start);
    start = end + 1;
    ++line;
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    if (text.find_first_not_of(" \t") == std::string_view::npos) continue;
    nlohmann::json object;
    try {
      object = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {  // a syntax error, or a number out of range
      return Refuse(error, line, "", "invalid_json",
                    fmt::format("line {}: not JSON: {}", line, e.what()));
    }
    if (!object.is_object()) {
      return Refuse(error, line, "", "not_an_object",
                    fmt::format("line {}: a line must be one JSON object", line));
    }
    NdjsonBody::Row row{line, std::vector<std::string>(columns.size()),
                        static_cast<size_t>(text.data() - body.data()), text.size()};
    std::vector<bool> seen(columns.size());
    for (const auto& [key, value] : object.items()) {
      auto column = ColumnFromHeader(key);
      if (!column) {
        return Refuse(error, line, key, "unknown_column",
                      fmt::format("line {}, column {}: no sales file has this column", line, key));
      }
      auto [it, added] = index.try_emplace(*column, columns.size());
      if (added) {
        columns.push_back(key);
        row.fields.emplace_back();
        seen.push_back(false);
      }
      if (seen[it->second]) {
        return Refuse(
            error, line, key, "duplicate_column",
            fmt::format("line {}, column {}: the object names this column twice", line, key));
      }
      seen[it->second] = true;
      std::string& field = row.fields[it->second];
      if (value.is_string()) {
        field = value.get<std::string>();
      } else if (value.is_number()) {
        field = value.dump();
      } else if (!value.is_null()) {
        return Refuse(error, line, key, "wrong_type",
                      fmt::format("line {}, column {}: a {} where a string, a number or null "
                                  "goes",
                                  line, key, value.type_name()));
      }
    }
    rows.push_back(std::move(row));
  }
  if (rows.empty()) return Refuse(error, 0, "", "empty_body", "the body holds no rows");
  for (auto& row : rows) row.fields.resize(columns.size());
  std::vector<std::string_view> header(columns.begin(), columns.end());
  auto map = MapHeader(header);
  if (!map) return Refuse(error, 1, "", "bad_header", map.error().message());
  return std::make_unique<NdjsonBody>(std::move(body), std::move(*map), std::move(rows), line);
}

std::unique_ptr<RequestBody> ReadCsv(std::string body, BodyError* error) {
  if (body.empty()) return Refuse(error, 0, "", "empty_body", "the body holds no rows");
  auto format = SniffCsvFormat(std::string_view(body).substr(0, kSniffBytes), IsKnownColumn);
  if (!format) return Refuse(error, 1, "", "bad_header", format.error().message());
  if (format->cr_lines) std::replace(body.begin(), body.end(), '\r', '\n');
  CsvReaderOptions options = FileReaderOptions(format->delimiter);
  auto bytes = MakeStringSource(body);
  CsvReader reader(*bytes, options);
  CsvRecord header;
  auto more = reader.Next(&header);
  if (!more || !*more || header.problem != RecordProblem::kNone) {
    return Refuse(error, 1, "", "bad_header", "line 1: no CSV header line");
  }
  auto map = MapHeader(header.fields);
  if (!map) return Refuse(error, 1, "", "bad_header", map.error().message());
  if (!map->extra_columns.empty()) {
    const std::string& column = map->extra_columns.front();
    return Refuse(error, 1, column, "unknown_column",
                  fmt::format("line 1, column {}: no sales file has this column", column));
  }
  // Physical lines as the reader counts them: LF, CRLF and a lone CR each end one.
  int64_t lines = 0;
  for (size_t i = 0; i < body.size(); ++i) {
    if (body[i] == '\n' || (body[i] == '\r' && (i + 1 == body.size() || body[i + 1] != '\n'))) {
      ++lines;
    }
  }
  if (body.back() != '\n' && body.back() != '\r') ++lines;
  if (lines < 2) return Refuse(error, 0, "", "empty_body", "the body holds no rows");
  return std::make_unique<CsvBody>(std::move(body), std::move(*map), options, lines);
}

}  // namespace

std::optional<BodyFormat> BodyFormatOf(std::string_view content_type) {
  std::string type = Lower(content_type.substr(0, content_type.find(';')));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  if (type == "application/x-ndjson" || type == "application/json" ||
      type == "application/ndjson") {
    return BodyFormat::kNdjson;
  }
  if (type == "text/csv") return BodyFormat::kCsv;
  return std::nullopt;
}

std::unique_ptr<RequestBody> ReadRequestBody(std::string body, BodyFormat format,
                                             BodyError* error) {
  return format == BodyFormat::kNdjson ? ReadNdjson(std::move(body), error)
                                       : ReadCsv(std::move(body), error);
}

}  // namespace till
