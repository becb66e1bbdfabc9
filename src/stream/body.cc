#include "stream/body.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>
#include <unordered_map>
#include <utility>

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

// Where a value of an NDJSON row stands in its body's value text.
struct ValueSpan {
  size_t offset = 0;
  size_t size = 0;
};

// NDJSON rows: the values of every row in one text, each row a run of spans, a span per header
// column it reaches (past the run, a column is empty: null or a missing key), and the raw line
// kept for reject records. One text and one array for the whole body rather than a string per
// value: allocating each value cost more than parsing it.
class NdjsonBody final : public RequestBody {
 public:
  struct Row {
    int64_t line = 0;
    size_t first_span = 0;  // into spans
    size_t span_count = 0;
    size_t raw_begin = 0;  // the line's place in the body
    size_t raw_size = 0;
  };

  NdjsonBody(std::string body, HeaderMap header, std::string values, std::vector<ValueSpan> spans,
             std::vector<Row> rows, size_t columns, int64_t last_line)
      : body_(std::move(body)),
        header_(std::move(header)),
        values_(std::move(values)),
        spans_(std::move(spans)),
        rows_(std::move(rows)),
        columns_(columns),
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
      const std::string_view values = body_.values_;
      record->fields.resize(body_.columns_);
      for (size_t i = 0; i < body_.columns_; ++i) {
        if (i < row.span_count) {
          const ValueSpan& span = body_.spans_[row.first_span + i];
          record->fields[i] = values.substr(span.offset, span.size);
        } else {
          record->fields[i] = std::string_view();
        }
      }
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
  std::string values_;
  std::vector<ValueSpan> spans_;
  std::vector<Row> rows_;
  size_t columns_ = 0;
  int64_t last_line_ = 0;
};

// The values of the line being read: appended to the body's value text, a span per column slot.
// A line read again (by the precise reader, after the fast one gave up) starts over.
class LineValues {
 public:
  // `columns`: the slots known so far, each empty until set.
  LineValues(std::string& values, std::vector<ValueSpan>& spans, size_t columns)
      : values_(values), spans_(spans), text_start_(values.size()), first_span_(spans.size()) {
    spans_.resize(first_span_ + columns);
  }

  void Set(size_t slot, std::string_view value) {
    if (first_span_ + slot >= spans_.size()) spans_.resize(first_span_ + slot + 1);
    spans_[first_span_ + slot] = ValueSpan{values_.size(), value.size()};
    values_.append(value);
  }
  void StartOver() {
    values_.resize(text_start_);
    std::fill(spans_.begin() + static_cast<std::ptrdiff_t>(first_span_), spans_.end(), ValueSpan{});
  }
  size_t first_span() const { return first_span_; }
  size_t span_count() const { return spans_.size() - first_span_; }

 private:
  std::string& values_;
  std::vector<ValueSpan>& spans_;
  const size_t text_start_;
  const size_t first_span_;
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

// The columns of an NDJSON body, as first spelled, in the order first met: a key names its
// column as a header cell does, so "Date" on one line and "date" on the next are one column.
// Each key's spelling is mapped once, not once a line: mapping folds it against every known
// column name, which would otherwise cost more than the parse.
class NdjsonColumns {
 public:
  static constexpr size_t kUnknown = static_cast<size_t>(-1);

  // The slot of the column `key`, the line's `position`th key, names, or kUnknown. Lines
  // mostly name the same keys in the same order: the key met last at that place is compared
  // first, before any hashing.
  size_t SlotOf(std::string_view key, size_t position) {
    if (position < by_position_.size() && by_position_[position].first == key) {
      return by_position_[position].second;
    }
    size_t slot = SlotOf(key);
    if (position >= by_position_.size()) by_position_.resize(position + 1);
    by_position_[position] = {std::string(key), slot};
    return slot;
  }

  // The slot of the column `key` names, or kUnknown.
  size_t SlotOf(std::string_view key) {
    auto cached = slot_of_key_.find(key);
    if (cached != slot_of_key_.end()) return cached->second;
    size_t slot = kUnknown;
    if (auto column = ColumnFromHeader(key)) {
      auto [it, added] = slot_of_column_.try_emplace(*column, names_.size());
      if (added) names_.emplace_back(key);
      slot = it->second;
    }
    slot_of_key_.emplace(key, slot);
    return slot;
  }

  const std::vector<std::string>& names() const { return names_; }

 private:
  std::vector<std::string> names_;
  std::map<Column, size_t> slot_of_column_;
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view key) const { return std::hash<std::string_view>()(key); }
  };
  std::unordered_map<std::string, size_t, KeyHash, std::equal_to<>> slot_of_key_;
  std::vector<std::pair<std::string, size_t>> by_position_;
};

// Reads a well-formed line the fast way: simdjson's On-Demand parser, straight into the row's
// fields. False for anything else (not JSON, not an object, an unknown or repeated column, a
// value of another type, a number too large for 64 bits): NdjsonLine then reads the line again
// and says precisely what is wrong, if anything. `capacity`: the bytes readable from the line's
// start, at least its size plus simdjson::SIMDJSON_PADDING.
bool ReadLineFast(simdjson::ondemand::parser& parser, std::string_view text, size_t capacity,
                  NdjsonColumns& columns, LineValues& row, std::vector<bool>& seen) {
  namespace od = simdjson::ondemand;
  od::document document;
  od::object object;
  if (parser.iterate(text.data(), text.size(), capacity).get(document) ||
      document.get_object().get(object)) {
    return false;
  }
  seen.assign(columns.names().size(), false);
  size_t position = 0;
  for (auto member : object) {
    od::field field;
    std::string_view key;
    if (std::move(member).get(field) || field.unescaped_key().get(key)) return false;
    size_t slot = columns.SlotOf(key, position++);
    if (slot == NdjsonColumns::kUnknown) return false;
    if (slot >= seen.size()) seen.resize(columns.names().size(), false);
    if (seen[slot]) return false;
    seen[slot] = true;
    od::value value = field.value();
    od::json_type type;
    if (value.type().get(type)) return false;
    switch (type) {
      case od::json_type::string: {
        std::string_view string;
        if (value.get_string().get(string)) return false;
        row.Set(slot, string);
        break;
      }
      case od::json_type::number: {
        od::number_type number;
        if (value.get_number_type().get(number)) return false;
        if (number == od::number_type::floating_point_number) {
          double real;
          if (value.get_double().get(real)) return false;
          row.Set(slot, nlohmann::json(real).dump());  // as NdjsonLine prints it
        } else if (number == od::number_type::signed_integer) {
          int64_t integer;
          if (value.get_int64().get(integer)) return false;
          fmt::format_int digits(integer);
          row.Set(slot, std::string_view(digits.data(), digits.size()));
        } else if (number == od::number_type::unsigned_integer) {
          uint64_t integer;
          if (value.get_uint64().get(integer)) return false;
          fmt::format_int digits(integer);
          row.Set(slot, std::string_view(digits.data(), digits.size()));
        } else {
          return false;
        }
        break;
      }
      case od::json_type::null: {
        bool null = false;
        if (value.is_null().get(null) || !null) return false;
        row.Set(slot, std::string_view());
        break;
      }
      default:
        return false;
    }
  }
  // Nothing may follow the object: past its end, the document has no location.
  const char* trailing = nullptr;
  return document.current_location().get(trailing) == simdjson::OUT_OF_BOUNDS;
}

// Reads one NDJSON line straight into a row's fields, through nlohmann's SAX interface rather
// than a document per line (which costs a map and a string for every key of every row). It
// reads the whole line even after a problem, so that a line that is not JSON is refused as such
// whatever else is wrong with it; otherwise the first problem in the line's order stands.
class NdjsonLine {
 public:
  using json = nlohmann::json;

  NdjsonLine(NdjsonColumns& columns, int64_t line, LineValues& row)
      : columns_(columns), line_(line), row_(row) {}

  // What is wrong with the line, once parsed (reason empty: nothing).
  const BodyError& problem() const { return problem_; }

  bool null() { return Scalar(nullptr); }
  bool boolean(bool) { return Scalar("boolean"); }
  bool number_integer(json::number_integer_t value) { return Number(std::to_string(value)); }
  bool number_unsigned(json::number_unsigned_t value) { return Number(std::to_string(value)); }
  bool number_float(json::number_float_t value, const std::string&) {
    return Number(json(value).dump());  // as a document's value would print
  }
  bool string(std::string& value) {
    if (depth_ == 1 && slot_ != NdjsonColumns::kUnknown) {
      row_.Set(slot_, value);
      return true;
    }
    return Scalar("string");
  }
  bool binary(json::binary_t&) { return Scalar("binary"); }
  bool start_object(size_t) { return Open("object"); }
  bool start_array(size_t) { return Open("array"); }
  bool end_object() { return Close(); }
  bool end_array() { return Close(); }
  bool key(std::string& key) {
    if (depth_ != 1) return true;
    key_ = key;
    slot_ = columns_.SlotOf(key);
    if (slot_ == NdjsonColumns::kUnknown) {
      Note("unknown_column",
           fmt::format("line {}, column {}: no sales file has this column", line_, key));
      return true;
    }
    if (slot_ >= seen_.size()) seen_.resize(columns_.names().size(), false);
    if (seen_[slot_]) {
      Note("duplicate_column",
           fmt::format("line {}, column {}: the object names this column twice", line_, key));
      slot_ = NdjsonColumns::kUnknown;
      return true;
    }
    seen_[slot_] = true;
    return true;
  }
  bool parse_error(size_t, const std::string&, const json::exception& e) {
    problem_ =
        BodyError{line_, "", "invalid_json", fmt::format("line {}: not JSON: {}", line_, e.what())};
    return false;
  }

 private:
  // A value that is not an object at the top, or a wrong type inside one.
  bool Scalar(const char* type) {
    if (depth_ == 0) {
      Note("not_an_object", fmt::format("line {}: a line must be one JSON object", line_));
    } else if (depth_ == 1 && type != nullptr && slot_ != NdjsonColumns::kUnknown) {
      Note("wrong_type", fmt::format("line {}, column {}: a {} where a string, a number or null "
                                     "goes",
                                     line_, key_, type));
    }
    return true;
  }
  bool Number(std::string text) {
    if (depth_ == 1 && slot_ != NdjsonColumns::kUnknown) row_.Set(slot_, text);
    return Scalar(nullptr);
  }
  bool Open(const char* type) {
    if (depth_ == 0 && std::string_view(type) != "object") Scalar(type);
    if (depth_ == 1) Scalar(type);
    ++depth_;
    return true;
  }
  bool Close() {
    --depth_;
    return true;
  }
  void Note(const char* reason, std::string message) {
    if (problem_.reason.empty()) {
      problem_ = BodyError{line_, key_, reason, std::move(message)};
    }
  }

  NdjsonColumns& columns_;
  int64_t line_;
  LineValues& row_;
  int depth_ = 0;
  std::string key_;
  size_t slot_ = NdjsonColumns::kUnknown;
  std::vector<bool> seen_;
  BodyError problem_;
};

std::unique_ptr<RequestBody> ReadNdjson(std::string body, BodyError* error) {
  // The parser reads up to SIMDJSON_PADDING bytes past a line's end: the lines that end closer
  // than that to the body's end are parsed from a padded copy (copying the whole body to pad it
  // would cost more than parsing it).
  const size_t size = body.size();
  std::string padded_line;
  simdjson::ondemand::parser parser;
  NdjsonColumns columns;
  std::string values;
  values.reserve(size / 2);
  std::vector<ValueSpan> spans;
  std::vector<NdjsonBody::Row> rows;
  // Room for every line at once: growing the arrays line by line cost copies and fresh pages.
  const size_t lines = static_cast<size_t>(std::count(body.begin(), body.end(), '\n')) + 1;
  rows.reserve(lines);
  std::vector<bool> seen;
  int64_t line = 0;
  size_t start = 0;
  while (start < size) {
    size_t end = body.find('\n', start);
    if (end == std::string::npos) end = size;
    std::string_view text(body.data() + start, end - start);
    start = end + 1;
    ++line;
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    if (text.find_first_not_of(" \t") == std::string_view::npos) continue;
    const size_t offset = static_cast<size_t>(text.data() - body.data());
    std::string_view source = text;
    size_t capacity = size - offset;
    if (capacity < text.size() + simdjson::SIMDJSON_PADDING) {
      padded_line.assign(text);
      padded_line.append(simdjson::SIMDJSON_PADDING, ' ');
      source = std::string_view(padded_line).substr(0, text.size());
      capacity = padded_line.size();
    }
    LineValues row(values, spans, columns.names().size());
    if (!ReadLineFast(parser, source, capacity, columns, row, seen)) {
      row.StartOver();
      NdjsonLine reader(columns, line, row);
      nlohmann::json::sax_parse(text.begin(), text.end(), &reader);
      if (!reader.problem().reason.empty()) {
        *error = reader.problem();
        return nullptr;
      }
    }
    rows.push_back(NdjsonBody::Row{line, row.first_span(), row.span_count(), offset, text.size()});
    if (rows.size() == 1) spans.reserve(lines * row.span_count());
  }
  if (rows.empty()) return Refuse(error, 0, "", "empty_body", "the body holds no rows");
  std::vector<std::string_view> header(columns.names().begin(), columns.names().end());
  auto map = MapHeader(header);
  if (!map) return Refuse(error, 1, "", "bad_header", map.error().message());
  return std::make_unique<NdjsonBody>(std::move(body), std::move(*map), std::move(values),
                                      std::move(spans), std::move(rows), columns.names().size(),
                                      line);
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
