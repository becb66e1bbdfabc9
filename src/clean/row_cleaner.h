// Turns one CSV record into a cleaned sale, or into a rejected row with a reason. This is where
// the cleaning rules meet: RowCleaner decides, the rules in rules.h and amounts.h read values.
//
// A row is rejected only when it cannot be a sale: a broken record, a wrong number of fields,
// invalid UTF-8, fewer than two amounts, amounts that disagree, a non-positive quantity, an
// amount or quantity beyond a plausible sale (amounts.h), or an unreadable Date. An unreadable
// optional value (Age, Ratings, Time) loads as null and is reported as a value issue. Missing
// values load as null (the dimension's Unknown member).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "clean/amounts.h"
#include "clean/header_map.h"
#include "clean/rules.h"
#include "clean/vocabulary.h"
#include "csv/csv_reader.h"
#include "domain/columns.h"

namespace till {

// Stable codes for everything the cleaner reports. Tests and the etl_reject table use these.
enum class IssueCode {
  // The row is rejected.
  kBlankLine,
  kFieldCount,
  kUnterminatedQuote,
  kFieldTooLong,
  kRecordTooLong,
  kInvalidUtf8,
  kBadDate,
  kBadNumber,
  kMissingAmounts,
  kNonPositiveQuantity,
  kFractionalQuantity,
  kNegativeAmount,
  kInconsistentAmounts,
  kImplausibleAmount,
  // The row loads; the value is null.
  kBadInteger,
  kBadTime,
};

std::string_view IssueCodeName(IssueCode code);
bool RejectsRow(IssueCode code);

// What an issue of the stable code `code_name` (IssueCodeName) says about `column` (empty for a
// whole-row issue), naming the column and the rule but never the value: the text readers
// beyond the loader (the API, the dashboard) are shown, since a value may be personal data.
// The value itself stays in etl_reject's message and raw line. An unknown code is described
// by its name.
std::string DescribeIssue(std::string_view code_name, std::string_view column);

struct RowIssue {
  IssueCode code;
  // The column the issue is about, by the file's header spelling; empty for whole-row issues.
  std::string column;
  std::string message;
};

// One cleaned sale. Text views point into the CSV record, the cleaner's scratch space or static
// canonical spellings: valid until the next call to RowCleaner::Clean.
struct CleanRow {
  int64_t line = 0;
  // Cleaned text of the text-valued columns (ids, names, places, categorical labels); nullopt
  // is null. Entries of numeric and date columns stay nullopt.
  std::array<std::optional<std::string_view>, kColumnCount> text;
  // For a categorical column whose cleaned text is one of its vocabulary's canonical
  // spellings: 1 + that spelling's index (Vocabulary::Find). Vocabularies are built once per
  // process, so equal nonzero ids mean equal text and the star builder can recognise repeated
  // members without reading their bytes. 0 for any other value (null, or a new member kept as
  // written) and for every other column.
  std::array<uint16_t, kColumnCount> spelling_id{};
  std::optional<CivilDate> date;
  std::optional<int32_t> time;  // seconds since midnight
  std::optional<int64_t> age;
  std::optional<int64_t> rating;
  SaleAmounts amounts;
  bool year_mismatch = false;   // the Year column disagrees with Date
  bool month_mismatch = false;  // the Month column disagrees with Date

  const std::optional<std::string_view>& Text(Column c) const { return text[Index(c)]; }
};

enum class CleanOutcome { kClean, kRejected };

class RowCleaner {
 public:
  // How a file writes decimal numbers: with a point only, or (in files whose fields are not
  // separated by commas) with a comma as well, "10,5".
  enum class DecimalMark { kPoint, kPointOrComma };

  explicit RowCleaner(HeaderMap header, DecimalMark decimal_mark = DecimalMark::kPoint);

  // Cleans `record` into *row. On kRejected, issues->front() says why. On kClean, *issues may
  // hold value issues (values that loaded as null). Not thread-safe; one cleaner per file.
  CleanOutcome Clean(const CsvRecord& record, CleanRow* row, std::vector<RowIssue>* issues);

  const HeaderMap& header() const { return header_; }

 private:
  // Trimmed field of `column`, or nullopt when the file lacks the column or the field is empty.
  std::optional<std::string_view> Field(const CsvRecord& record, Column column) const;
  CleanOutcome Reject(std::vector<RowIssue>* issues, IssueCode code, std::string column,
                      std::string message);

  HeaderMap header_;
  DecimalMark decimal_mark_;
  std::array<const Vocabulary*, kColumnCount> vocabulary_{};
  std::array<std::string, kColumnCount> scratch_;
};

}  // namespace till
