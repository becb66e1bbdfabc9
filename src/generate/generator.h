// The synthetic raw retail file: a stand-in for the public 302,010-row transaction export,
// dirt included, so that every stage can be built, tested and benchmarked without the real
// data. What "looks real" means is written down in the dataset's profile (PROFILE.md, kept
// beside the project with the dataset); the generator follows the most common public copy (integers
// written as floats, `M/D/YYYY` dates for days above 12 and `MM-DD-YY` dates otherwise, unpadded
// hours, and Product_Type "Soft Drink" quoted although it needs no quotes, so that readers meet
// quoted fields).
//
// On top of the profile, row dates carry a demand signal for the forecasting stage to find:
// weekends sell 20% more, Easter, Prime Day, Thanksgiving week with Black Friday, the
// December run-up, Boxing Day and Valentine's week peak, January slumps, and the whole year
// trends gently upward. Year 2023 still holds about 83% of the rows.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "base/result.h"

namespace till {

struct GenerateOptions {
  // Data rows to write after the header. The defaults give the size of the public file.
  int64_t rows = 302010;
  // Every byte of the output is a function of (rows, seed) alone.
  uint64_t seed = 42;
};

// Writes a header line and `options.rows` data rows of raw retail CSV to `out` (LF line ends,
// UTF-8, RFC 4180 quoting). The caller keeps ownership of `out`; it is flushed, not closed.
//
// Deterministic: the same options give byte-identical output on every machine and compiler
// (the generator uses its own PRNG and integer arithmetic only; no std distributions, no
// floating-point formatting).
//
// Returns kInvalidArgument for a null `out` or negative `rows`, and kIoError when writing or
// flushing fails (then `out` holds a prefix of the output). Thread-safe for distinct `out`s.
Status GenerateRawFile(const GenerateOptions& options, std::FILE* out);

// The text a value takes in a raw file: RFC 4180 quoted when it holds a comma, quote or line
// break, or when `force_quote` asks for it the way some exports quote "Soft Drink".
std::string CsvText(std::string_view value, bool force_quote = false);

}  // namespace till
