// Fuzzes the reader of `till forecast --input` files (`date,value` rows). Checks what a read
// series promises: one finite value per date, dates strictly increasing at the series' spacing
// and future dates after the last; and that a refused file names itself in the message.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "forecast/series_input.h"

namespace {

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "series_input_fuzz: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto series = till::forecast::ParseSeriesCsv(text, "fuzz.csv");
  if (!series) {
    if (!series.error().message().starts_with("fuzz.csv")) Fail("an error without the file name");
    return 0;
  }
  if (series->dates.empty() || series->dates.size() != series->values.size()) {
    Fail("dates and values differ in number");
  }
  if (series->filled < 0 || static_cast<size_t>(series->filled) >= series->dates.size()) {
    Fail("more steps filled than the series has");
  }
  for (size_t i = 0; i < series->values.size(); ++i) {
    if (!std::isfinite(series->values[i])) Fail("a value that is not finite");
    if (i > 0 && series->dates[i - 1].Key() >= series->dates[i].Key()) Fail("dates not increasing");
  }
  auto future = till::forecast::FutureDates(*series, 3);
  if (future.size() != 3 || series->dates.back().Key() >= future[0].Key() ||
      future[0].Key() >= future[1].Key()) {
    Fail("future dates not after the series");
  }
  return 0;
}
