// A series given as text, one `date,value` row per line (`till forecast --input`): dates in
// ISO form, daily, weekly or monthly apart; a header line is optional. Missing steps are days
// (weeks, months) without sales and become zeros.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/date.h"
#include "base/result.h"

namespace till::forecast {

enum class Spacing { kDay, kWeek, kMonth };
const char* SpacingName(Spacing spacing);  // "day", "week", "month"
// The season a spacing suggests: 7 days, 52 weeks, 12 months.
int DefaultSeason(Spacing spacing);

struct DatedSeries {
  Spacing spacing = Spacing::kDay;
  std::vector<CivilDate> dates;  // one per step, gaps filled
  std::vector<double> values;
  int filled = 0;          // steps that were missing and are zeros
  bool month_end = false;  // monthly on the last day of each month
};

// Reads the text of a series file; `name` is the file name that errors quote. kBadFormat with
// "NAME:LINE: reason" for a malformed line, a date that does not exist, a value that is not a
// finite number, or dates not strictly increasing; kInvalidArgument for no rows at all.
Result<DatedSeries> ParseSeriesCsv(std::string_view text, std::string_view name);

// The h dates after the series ends, at its spacing.
std::vector<CivilDate> FutureDates(const DatedSeries& series, int h);

}  // namespace till::forecast
