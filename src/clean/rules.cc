#include "clean/rules.h"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <cmath>

#include "base/text.h"

namespace till {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads 1..max_digits digits at text[*pos], advancing *pos. Returns -1 if none.
int ReadDigits(std::string_view text, size_t* pos, size_t max_digits, size_t* count) {
  int value = 0;
  size_t start = *pos;
  while (*pos < text.size() && IsDigit(text[*pos]) && *pos - start < max_digits) {
    value = value * 10 + (text[*pos] - '0');
    ++*pos;
  }
  *count = *pos - start;
  if (*count == 0) return -1;
  return value;
}

std::optional<CivilDate> MakeDate(int year, int month, int day) {
  if (year < 1900 || year > 2199 || !IsValidDate(year, month, day)) return std::nullopt;
  return CivilDate{year, month, day};
}

}  // namespace

std::optional<Decimal> ParseDecimal(std::string_view text) {
  if (text.empty()) return std::nullopt;
  size_t start = (text[0] == '+') ? 1 : 0;
  // from_chars accepts "inf", "nan" and hex; only plain decimal notation is a number here.
  bool digit_seen = false;
  int decimals = 0;
  bool after_point = false;
  bool exponent = false;
  bool negative = false;
  int digits = 0;
  uint64_t mantissa = 0;  // the digits without the point, while there are at most 15
  for (size_t i = start; i < text.size(); ++i) {
    char c = text[i];
    if (IsDigit(c)) {
      digit_seen = true;
      if (after_point) ++decimals;
      if (++digits <= 15) mantissa = mantissa * 10 + static_cast<uint64_t>(c - '0');
    } else if (c == '.') {
      if (after_point) return std::nullopt;
      after_point = true;
    } else if (c == 'e' || c == 'E') {
      exponent = true;
      break;  // exponent: validated by from_chars below
    } else if (c == '-' && i == start && start == 0) {
      negative = true;
      continue;
    } else {
      return std::nullopt;
    }
  }
  if (!digit_seen) return std::nullopt;
  Decimal result;
  if (!exponent && digits <= 15) {
    // Clinger's fast path, as from_chars itself takes it, without the call: the mantissa
    // (below 10^15 < 2^53) and 10^decimals are exact doubles, so their IEEE quotient is the
    // correctly rounded value of the text, the very double from_chars returns.
    static constexpr double kPowersOfTen[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                              1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
    double value = static_cast<double>(mantissa) / kPowersOfTen[decimals];
    result.value = negative ? -value : value;
    result.decimals = decimals;
    return result;
  }
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data() + start, end, result.value);
  if (ec != std::errc() || ptr != end || !std::isfinite(result.value)) return std::nullopt;
  result.decimals = decimals;
  return result;
}

std::optional<int64_t> ParseWholeNumber(std::string_view text) {
  // Fast path: plain digits, possibly followed by ".0…".
  size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) negative = text[i++] == '-';
  int64_t value = 0;
  size_t digits = 0;
  while (i < text.size() && IsDigit(text[i]) && digits < 16) {
    value = value * 10 + (text[i++] - '0');
    ++digits;
  }
  if (digits > 0 && digits < 16) {
    if (i == text.size()) return negative ? -value : value;
    if (text[i] == '.') {
      size_t j = i + 1;
      while (j < text.size() && text[j] == '0') ++j;
      if (j == text.size()) return negative ? -value : value;
    }
  }
  auto decimal = ParseDecimal(text);
  if (!decimal) return std::nullopt;
  double v = decimal->value;
  if (std::fabs(v) > 9007199254740992.0 || v != std::trunc(v)) return std::nullopt;
  return static_cast<int64_t>(v);
}

std::optional<CivilDate> ParseDate(std::string_view text) {
  size_t pos = 0;
  size_t n1 = 0;
  int first = ReadDigits(text, &pos, 4, &n1);
  if (first < 0 || pos >= text.size()) return std::nullopt;
  char sep = text[pos];
  if (sep != '/' && sep != '-' && sep != '.') return std::nullopt;
  ++pos;
  size_t n2 = 0;
  int second = ReadDigits(text, &pos, 2, &n2);
  if (second < 0 || pos >= text.size() || text[pos] != sep) return std::nullopt;
  ++pos;
  size_t n3 = 0;
  int third = ReadDigits(text, &pos, 4, &n3);
  if (third < 0 || pos != text.size()) return std::nullopt;
  if (n1 == 4) {  // ISO: YYYY-MM-DD
    if (n3 > 2) return std::nullopt;
    return MakeDate(first, second, third);
  }
  if (n1 > 2) return std::nullopt;
  // Month first, as every copy of the retail file writes it.
  int year;
  if (n3 == 4) {
    year = third;
  } else if (n3 == 2) {
    year = 2000 + third;
  } else {
    return std::nullopt;
  }
  return MakeDate(year, first, second);
}

std::optional<int32_t> ParseTime(std::string_view text) {
  size_t pos = 0;
  size_t n = 0;
  int hours = ReadDigits(text, &pos, 2, &n);
  if (hours < 0 || pos >= text.size() || text[pos] != ':') return std::nullopt;
  ++pos;
  int minutes = ReadDigits(text, &pos, 2, &n);
  if (minutes < 0 || n != 2) return std::nullopt;
  int seconds = 0;
  if (pos < text.size()) {
    if (text[pos] != ':') return std::nullopt;
    ++pos;
    seconds = ReadDigits(text, &pos, 2, &n);
    if (seconds < 0 || n != 2 || pos != text.size()) return std::nullopt;
  }
  if (hours > 23 || minutes > 59 || seconds > 59) return std::nullopt;
  return hours * 3600 + minutes * 60 + seconds;
}

std::string FormatTime(int32_t seconds) {
  return fmt::format("{:02}:{:02}:{:02}", seconds / 3600, seconds / 60 % 60, seconds % 60);
}

std::optional<int> ParseMonth(std::string_view text) {
  if (text.empty()) return std::nullopt;
  if (IsDigit(text[0])) {
    auto number = ParseWholeNumber(text);
    if (!number || *number < 1 || *number > 12) return std::nullopt;
    return static_cast<int>(*number);
  }
  static constexpr std::string_view kNames[] = {"january",   "february", "march",    "april",
                                                "may",       "june",     "july",     "august",
                                                "september", "october",  "november", "december"};
  // Folded on the stack: a key longer than the buffer is longer than any month name.
  char buffer[16];
  size_t size = FoldKeyTo(text, buffer, sizeof buffer);
  if (size < 3 || size > sizeof buffer) return std::nullopt;
  std::string_view folded(buffer, size);
  for (int m = 0; m < 12; ++m) {
    // A full name, or an abbreviation of at least three letters ("Sep", "Sept").
    if (kNames[m][0] == folded[0] && kNames[m].substr(0, folded.size()) == folded) return m + 1;
  }
  return std::nullopt;
}

std::string_view NormalizeIdentifier(std::string_view text, std::string* scratch) {
  size_t i = 0;
  while (i < text.size() && IsDigit(text[i])) ++i;
  if (i == text.size() || i == 0) return text;
  if (text[i] == '.') {
    size_t j = i + 1;
    while (j < text.size() && text[j] == '0') ++j;
    if (j == text.size()) return text.substr(0, i);
  }
  bool has_exponent = text.find_first_of("eE") != std::string_view::npos;
  if (has_exponent) {
    if (auto whole = ParseWholeNumber(text); whole && *whole >= 0) {
      *scratch = fmt::format("{}", *whole);
      return *scratch;
    }
  }
  return text;
}

}  // namespace till
