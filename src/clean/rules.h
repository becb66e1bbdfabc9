// The cleaning rules, each a small pure function with its own tests. A rule looks at one raw
// value (already trimmed) and says what it means, or that it cannot be read; it never decides
// whether a row is rejected: RowCleaner does that from the rules' answers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/date.h"

namespace till {

// A decimal number as written, with the count of digits after the point (for the rounding
// tolerance of amounts given to 2 or 6 decimals).
struct Decimal {
  double value = 0;
  int decimals = 0;
};

// Reads a number written as an integer or a float: "123", "123.0", "-4", "1.5", "2.5e3".
// Fails on anything else, including "nan", "inf", thousands separators and trailing text.
std::optional<Decimal> ParseDecimal(std::string_view text);

// Reads a whole number written as an integer or as an integral float ("123", "123.0",
// "1.414786801E9"). Fails on fractions ("2.5") and values beyond 2^53, where a float stops
// being exact.
std::optional<int64_t> ParseWholeNumber(std::string_view text);

// Reads a month-first date in any of the spellings raw files use: "6/24/2023" (M/D/YYYY),
// "05-08-23" (MM-DD-YY, years 2000-2099), "05-08-2023" (MM-DD-YYYY), and ISO "2023-05-08".
// Fails on impossible dates (2023-02-29) and years outside 1900-2199.
std::optional<CivilDate> ParseDate(std::string_view text);

// Reads a 24-hour time "H:MM:SS", "HH:MM:SS" or "H:MM" into seconds since midnight.
std::optional<int32_t> ParseTime(std::string_view text);

// Formats seconds since midnight as "HH:MM:SS".
std::string FormatTime(int32_t seconds);

// Reads a month given as a name ("September", "sep") or a number ("9", "9.0"): 1-12.
std::optional<int> ParseMonth(std::string_view text);

// An identifier written as an integral float loses the float: "8691788.0" -> "8691788",
// "1.414786801E9" -> "1414786801". Anything else is kept as written ("A-1001", "007").
// Returns a view into `text` when it can, else into `*scratch`.
std::string_view NormalizeIdentifier(std::string_view text, std::string* scratch);

}  // namespace till
