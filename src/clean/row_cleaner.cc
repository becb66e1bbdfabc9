#include "clean/row_cleaner.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "base/text.h"
#include "domain/domains.h"

namespace till {
namespace {

template <size_t N>
std::vector<std::string_view> Spellings(const std::string_view (&values)[N]) {
  return std::vector<std::string_view>(values, values + N);
}

std::vector<std::string_view> Keys(const std::map<std::string, std::vector<std::string>>& map) {
  std::vector<std::string_view> keys;
  for (const auto& [key, unused] : map) keys.push_back(key);
  return keys;
}

std::vector<std::string_view> Values(const std::map<std::string, std::vector<std::string>>& map) {
  std::set<std::string_view> values;
  for (const auto& [unused, list] : map) values.insert(list.begin(), list.end());
  return std::vector<std::string_view>(values.begin(), values.end());
}

// The vocabularies of the categorical columns, built once per process.
struct Vocabularies {
  std::array<Vocabulary, kColumnCount> by_column;

  Vocabularies() {
    const Domains& d = Domains::Get();
    by_column[Index(Column::kGender)] = Vocabulary(Spellings(kGenders));
    by_column[Index(Column::kIncome)] = Vocabulary(Spellings(kIncomes));
    by_column[Index(Column::kCustomerSegment)] = Vocabulary(Spellings(kSegments));
    by_column[Index(Column::kFeedback)] = Vocabulary(Spellings(kFeedbacks));
    by_column[Index(Column::kShippingMethod)] = Vocabulary(Spellings(kShippingMethods));
    by_column[Index(Column::kPaymentMethod)] = Vocabulary(Spellings(kPaymentMethods));
    by_column[Index(Column::kOrderStatus)] = Vocabulary(Spellings(kOrderStatuses));
    by_column[Index(Column::kProductCategory)] = Vocabulary(Keys(d.category_to_brands));
    by_column[Index(Column::kProductBrand)] = Vocabulary(Keys(d.brand_to_product_types));
    by_column[Index(Column::kProductType)] = Vocabulary(Keys(d.product_type_to_products));
    by_column[Index(Column::kProducts)] = Vocabulary(Values(d.product_type_to_products));
    by_column[Index(Column::kCountry)] = Vocabulary(Keys(d.country_to_cities));
    by_column[Index(Column::kCity)] = Vocabulary(Values(d.country_to_cities));
    by_column[Index(Column::kState)] = Vocabulary(Values(d.country_to_states));
  }

  static const Vocabularies& Get() {
    static const Vocabularies instance;
    return instance;
  }
};

constexpr Column kCategorical[] = {Column::kGender,
                                   Column::kIncome,
                                   Column::kCustomerSegment,
                                   Column::kFeedback,
                                   Column::kShippingMethod,
                                   Column::kPaymentMethod,
                                   Column::kOrderStatus,
                                   Column::kProductCategory,
                                   Column::kProductBrand,
                                   Column::kProductType,
                                   Column::kProducts,
                                   Column::kCountry,
                                   Column::kCity,
                                   Column::kState};

constexpr Column kIdentifiers[] = {Column::kTransactionId, Column::kCustomerId, Column::kPhone,
                                   Column::kZipcode};

constexpr Column kFreeText[] = {Column::kName, Column::kEmail, Column::kAddress};

// True when `text` has, after its first byte, a tab, a line end, or a space that follows a space
// or a tab: what CollapseSpaces would change inside it.
bool HasInnerSpaceRun(std::string_view text) {
  for (size_t i = 1; i < text.size(); ++i) {
    char c = text[i];
    if (static_cast<unsigned char>(c) > ' ') continue;  // most bytes: one test
    if (c == '\t' || c == '\n' || c == '\r') return true;
    if (c == ' ' && (text[i - 1] == ' ' || text[i - 1] == '\t')) return true;
  }
  return false;
}

}  // namespace

std::string_view IssueCodeName(IssueCode code) {
  switch (code) {
    case IssueCode::kBlankLine:
      return "blank_line";
    case IssueCode::kFieldCount:
      return "field_count";
    case IssueCode::kUnterminatedQuote:
      return "unterminated_quote";
    case IssueCode::kFieldTooLong:
      return "field_too_long";
    case IssueCode::kRecordTooLong:
      return "record_too_long";
    case IssueCode::kInvalidUtf8:
      return "invalid_utf8";
    case IssueCode::kBadDate:
      return "bad_date";
    case IssueCode::kBadNumber:
      return "bad_number";
    case IssueCode::kMissingAmounts:
      return "missing_amounts";
    case IssueCode::kNonPositiveQuantity:
      return "non_positive_quantity";
    case IssueCode::kFractionalQuantity:
      return "fractional_quantity";
    case IssueCode::kNegativeAmount:
      return "negative_amount";
    case IssueCode::kInconsistentAmounts:
      return "inconsistent_amounts";
    case IssueCode::kImplausibleAmount:
      return "implausible_amount";
    case IssueCode::kBadInteger:
      return "bad_integer";
    case IssueCode::kBadTime:
      return "bad_time";
  }
  return "unknown";
}

std::string DescribeIssue(std::string_view code_name, std::string_view column) {
  struct Rule {
    std::string_view code;
    std::string_view rule;
  };
  static constexpr Rule kRules[] = {
      {"blank_line", "blank line"},
      {"field_count", "not the header's number of fields"},
      {"unterminated_quote", "a quoted field is not closed before the end of the file"},
      {"field_too_long", "a field is longer than the limit"},
      {"record_too_long", "the record is longer than the limit"},
      {"invalid_utf8", "not valid UTF-8 text (or holds a NUL byte)"},
      {"bad_date", "not a month-first date"},
      {"bad_number", "not a number"},
      {"missing_amounts", "fewer than two of Total_Purchases, Amount and Total_Amount are given"},
      {"non_positive_quantity", "the quantity is zero or negative"},
      {"fractional_quantity", "the quantity is not a whole number"},
      {"negative_amount", "an amount is negative"},
      {"implausible_amount", "beyond what one sale can plausibly be"},
      {"inconsistent_amounts", "Total_Amount is not Total_Purchases x Amount"},
      {"bad_integer", "not a whole number in the column's range; loaded as null"},
      {"bad_time", "not a time of day; loaded as null"},
  };
  std::string_view rule = code_name;
  for (const Rule& r : kRules) {
    if (r.code == code_name) rule = r.rule;
  }
  if (column.empty()) return std::string(rule);
  return fmt::format("{}: {}", column, rule);
}

bool RejectsRow(IssueCode code) {
  return code != IssueCode::kBadInteger && code != IssueCode::kBadTime;
}

RowCleaner::RowCleaner(HeaderMap header, DecimalMark decimal_mark)
    : header_(std::move(header)), decimal_mark_(decimal_mark) {
  const Vocabularies& vocabularies = Vocabularies::Get();
  for (Column c : kCategorical) vocabulary_[Index(c)] = &vocabularies.by_column[Index(c)];
}

inline std::optional<std::string_view> RowCleaner::Field(const CsvRecord& record,
                                                         Column column) const {
  int position = header_.position[Index(column)];
  if (position < 0) return std::nullopt;
  std::string_view value = TrimAscii(record.fields[static_cast<size_t>(position)]);
  if (value.empty()) return std::nullopt;
  return value;
}

CleanOutcome RowCleaner::Reject(std::vector<RowIssue>* issues, IssueCode code, std::string column,
                                std::string message) {
  issues->clear();
  issues->push_back(RowIssue{code, std::move(column), std::move(message)});
  return CleanOutcome::kRejected;
}

CleanOutcome RowCleaner::Clean(const CsvRecord& record, CleanRow* row,
                               std::vector<RowIssue>* issues) {
  issues->clear();
  switch (record.problem) {
    case RecordProblem::kNone:
    case RecordProblem::kStrayQuote:  // read leniently: the quote is kept as data
      break;
    case RecordProblem::kUnterminatedQuote:
      return Reject(issues, IssueCode::kUnterminatedQuote, "",
                    "a quoted field is not closed before the end of the file");
    case RecordProblem::kFieldTooLong:
      return Reject(issues, IssueCode::kFieldTooLong, "",
                    fmt::format("field {} is longer than the limit", record.problem_field + 1));
    case RecordProblem::kRecordTooLong:
      return Reject(issues, IssueCode::kRecordTooLong, "", "the record is longer than the limit");
  }
  if (record.fields.size() == 1 && record.fields[0].empty() && header_.field_count > 1) {
    return Reject(issues, IssueCode::kBlankLine, "", "blank line");
  }
  if (record.fields.size() != header_.field_count) {
    return Reject(
        issues, IssueCode::kFieldCount, "",
        fmt::format("expected {} fields, found {}", header_.field_count, record.fields.size()));
  }

  row->line = record.line;
  // One pass over the whole record settles the common case; fields are checked one by one only
  // to name the column at fault (or when `raw` was cut short).
  bool record_valid =
      record.raw.size() < CsvReaderOptions{}.max_raw_bytes && IsValidUtf8(record.raw);
  for (size_t c = 0; c < kColumnCount && !record_valid; ++c) {
    int position = header_.position[c];
    if (position < 0) continue;
    if (!IsValidUtf8(record.fields[static_cast<size_t>(position)])) {
      return Reject(issues, IssueCode::kInvalidUtf8, std::string(RawName(static_cast<Column>(c))),
                    "not valid UTF-8 text (or holds a NUL byte)");
    }
  }

  row->text.fill(std::nullopt);
  row->spelling_id.fill(0);
  for (Column c : kIdentifiers) {
    if (auto value = Field(record, c)) {
      row->text[Index(c)] = NormalizeIdentifier(*value, &scratch_[Index(c)]);
    }
  }
  for (Column c : kFreeText) {
    if (auto value = Field(record, c)) {
      if (HasInnerSpaceRun(*value)) {
        scratch_[Index(c)] = CollapseSpaces(*value);
        value = scratch_[Index(c)];
      }
      row->text[Index(c)] = *value;
    }
  }
  for (Column c : kCategorical) {
    auto value = Field(record, c);
    if (!value) continue;
    const Vocabulary& vocabulary = *vocabulary_[Index(c)];
    if (int index = vocabulary.Find(*value); index >= 0) {
      row->text[Index(c)] = vocabulary.spelling(index);
      if (index < UINT16_MAX) row->spelling_id[Index(c)] = static_cast<uint16_t>(index + 1);
    } else if (HasInnerSpaceRun(*value)) {
      scratch_[Index(c)] = CollapseSpaces(*value);
      row->text[Index(c)] = scratch_[Index(c)];
    } else {
      row->text[Index(c)] = *value;  // a new member, accepted as written
    }
  }

  // Date: required to be a date when present; an empty Date is the Unknown date.
  row->date.reset();
  if (auto value = Field(record, Column::kDate)) {
    row->date = ParseDate(*value);
    if (!row->date) {
      return Reject(issues, IssueCode::kBadDate, std::string(RawName(Column::kDate)),
                    fmt::format("'{}' is not a month-first date", *value));
    }
  }
  row->year_mismatch = false;
  row->month_mismatch = false;
  if (row->date) {
    if (auto year = Field(record, Column::kYear)) {
      auto parsed = ParseWholeNumber(*year);
      row->year_mismatch = parsed && *parsed != row->date->year;
    }
    if (auto month = Field(record, Column::kMonth)) {
      auto parsed = ParseMonth(*month);
      row->month_mismatch = parsed && *parsed != row->date->month;
    }
  }

  GivenAmounts given;
  struct AmountField {
    Column column;
    std::optional<Decimal>* slot;
  };
  for (AmountField f : {AmountField{Column::kTotalPurchases, &given.quantity},
                        AmountField{Column::kAmount, &given.unit_price},
                        AmountField{Column::kTotalAmount, &given.total}}) {
    auto value = Field(record, f.column);
    if (!value) continue;
    *f.slot = ParseDecimal(*value);
    if (!*f.slot && decimal_mark_ == DecimalMark::kPointOrComma &&
        std::count(value->begin(), value->end(), ',') == 1 &&
        value->find('.') == std::string_view::npos) {
      std::string& scratch = scratch_[Index(f.column)];
      scratch.assign(*value);
      scratch[scratch.find(',')] = '.';
      *f.slot = ParseDecimal(scratch);
    }
    if (!*f.slot) {
      return Reject(issues, IssueCode::kBadNumber, std::string(RawName(f.column)),
                    fmt::format("'{}' is not a number", *value));
    }
  }
  switch (ReconcileAmounts(given, &row->amounts)) {
    case AmountVerdict::kOk:
      break;
    case AmountVerdict::kMissingAmounts:
      return Reject(issues, IssueCode::kMissingAmounts, "",
                    "fewer than two of Total_Purchases, Amount and Total_Amount are given");
    case AmountVerdict::kNonPositiveQuantity:
      return Reject(issues, IssueCode::kNonPositiveQuantity,
                    std::string(RawName(Column::kTotalPurchases)),
                    "the quantity is zero or negative");
    case AmountVerdict::kFractionalQuantity:
      return Reject(issues, IssueCode::kFractionalQuantity,
                    std::string(RawName(Column::kTotalPurchases)),
                    "the quantity is not a whole number");
    case AmountVerdict::kNegativeAmount:
      return Reject(issues, IssueCode::kNegativeAmount, "", "an amount is negative");
    case AmountVerdict::kImplausibleQuantity:
      return Reject(issues, IssueCode::kImplausibleAmount,
                    std::string(RawName(Column::kTotalPurchases)),
                    fmt::format("the quantity {} is more than a sale can be (at most {:.0f})",
                                given.quantity ? given.quantity->value
                                               : given.total->value / given.unit_price->value,
                                kMaxQuantity));
    case AmountVerdict::kImplausibleUnitPrice:
      return Reject(issues, IssueCode::kImplausibleAmount, std::string(RawName(Column::kAmount)),
                    fmt::format("Amount {} is more than a sale can be (at most {:.0f})",
                                given.unit_price->value, kMaxAmount));
    case AmountVerdict::kImplausibleTotal:
      return Reject(issues, IssueCode::kImplausibleAmount,
                    std::string(RawName(Column::kTotalAmount)),
                    fmt::format("Total_Amount {} is not a plausible sale (0, or from {} to {:.0f})",
                                given.total ? given.total->value : row->amounts.total, kMinTotal,
                                kMaxAmount));
    case AmountVerdict::kInconsistentAmounts:
      return Reject(
          issues, IssueCode::kInconsistentAmounts, std::string(RawName(Column::kTotalAmount)),
          fmt::format("Total_Amount {} is not Total_Purchases {} x Amount {}",
                      given.total ? given.total->value : row->amounts.total,
                      given.quantity ? given.quantity->value : double(row->amounts.quantity),
                      given.unit_price ? given.unit_price->value : row->amounts.unit_price));
  }

  row->time.reset();
  if (auto value = Field(record, Column::kTime)) {
    row->time = ParseTime(*value);
    if (!row->time) {
      issues->push_back(RowIssue{IssueCode::kBadTime, std::string(RawName(Column::kTime)),
                                 fmt::format("'{}' is not a time of day; loaded as null", *value)});
    }
  }
  struct IntegerField {
    Column column;
    std::optional<int64_t>* slot;
    int64_t low;
    int64_t high;
  };
  for (IntegerField f : {IntegerField{Column::kAge, &row->age, 0, 150},
                         IntegerField{Column::kRatings, &row->rating, 0, 10}}) {
    f.slot->reset();
    auto value = Field(record, f.column);
    if (!value) continue;
    auto parsed = ParseWholeNumber(*value);
    if (parsed && *parsed >= f.low && *parsed <= f.high) {
      *f.slot = parsed;
    } else {
      issues->push_back(
          RowIssue{IssueCode::kBadInteger, std::string(RawName(f.column)),
                   fmt::format("'{}' is not a whole number from {} to {}; loaded as null", *value,
                               f.low, f.high)});
    }
  }
  return CleanOutcome::kClean;
}

}  // namespace till
