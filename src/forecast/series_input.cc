#include "forecast/series_input.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

namespace till::forecast {
namespace {

constexpr std::size_t kMaxSteps = 1'000'000;  // a span of dates no forecast needs

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '"'))
    s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '"')) {
    s.remove_suffix(1);
  }
  return s;
}

int64_t MonthIndex(const CivilDate& d) { return int64_t{d.year} * 12 + (d.month - 1); }

bool IsMonthEnd(const CivilDate& d) { return d.day == DaysInMonth(d.year, d.month); }

// The date `months` months after `from`, on the same day (or the month's last day when the
// series runs on month ends).
CivilDate AddMonths(const CivilDate& from, int64_t months, bool month_end) {
  int64_t index = MonthIndex(from) + months;
  CivilDate d{static_cast<int>(index / 12), static_cast<int>(index % 12) + 1, 1};
  int last = DaysInMonth(d.year, d.month);
  d.day = month_end ? last : std::min(from.day, last);
  return d;
}

}  // namespace

const char* SpacingName(Spacing spacing) {
  switch (spacing) {
    case Spacing::kDay:
      return "day";
    case Spacing::kWeek:
      return "week";
    case Spacing::kMonth:
      return "month";
  }
  return "";
}

int DefaultSeason(Spacing spacing) {
  switch (spacing) {
    case Spacing::kDay:
      return 7;
    case Spacing::kWeek:
      return 52;
    case Spacing::kMonth:
      return 12;
  }
  return 1;
}

Result<DatedSeries> ParseSeriesCsv(std::string_view text, std::string_view name) {
  std::vector<CivilDate> dates;
  std::vector<double> values;
  auto bad = [&](int line, const std::string& why) {
    return MakeError(ErrorCode::kBadFormat, fmt::format("{}:{}: {}", name, line, why));
  };
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  int line = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view row = text.substr(pos, end - pos);
    pos = end + 1;
    ++line;
    if (Trim(row).empty()) continue;
    std::size_t comma = row.find(',');
    if (comma == std::string_view::npos) {
      return bad(line, "expected two fields, date,value; found no comma");
    }
    if (row.find(',', comma + 1) != std::string_view::npos) {
      return bad(line, "expected two fields, date,value; found more");
    }
    std::string_view date_text = Trim(row.substr(0, comma));
    std::string_view value_text = Trim(row.substr(comma + 1));
    auto date = ParseIsoDate(date_text);
    if (!date) {
      if (dates.empty() && line == 1) continue;  // a header
      return bad(line, fmt::format("'{}' is not a date (YYYY-MM-DD)", date_text));
    }
    double value = 0;
    auto [ptr, ec] =
        std::from_chars(value_text.data(), value_text.data() + value_text.size(), value);
    if (value_text.empty() || ec != std::errc() || ptr != value_text.data() + value_text.size()) {
      return bad(line, fmt::format("'{}' is not a number", value_text));
    }
    if (!std::isfinite(value)) return bad(line, fmt::format("'{}' is not finite", value_text));
    if (!dates.empty() && DaysFromCivil(*date) <= DaysFromCivil(dates.back())) {
      return bad(line, fmt::format("{} does not come after {}: dates must increase",
                                   FormatDate(*date), FormatDate(dates.back())));
    }
    dates.push_back(*date);
    values.push_back(value);
  }
  if (dates.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, fmt::format("{}: no date,value rows", name));
  }

  DatedSeries series;
  bool weekly = dates.size() >= 2, monthly = dates.size() >= 2;
  bool month_end = true, same_day = true;
  for (std::size_t i = 1; i < dates.size(); ++i) {
    int64_t gap = DaysFromCivil(dates[i]) - DaysFromCivil(dates[i - 1]);
    if (gap % 7 != 0) weekly = false;
    if (gap < 28) monthly = false;
  }
  for (const CivilDate& d : dates) {
    month_end = month_end && IsMonthEnd(d);
    same_day = same_day && d.day == dates.front().day;
  }
  monthly = monthly && (same_day || month_end);
  series.spacing = weekly ? Spacing::kWeek : monthly ? Spacing::kMonth : Spacing::kDay;
  series.month_end = series.spacing == Spacing::kMonth && month_end && !same_day;

  // Steps from the first date, and the zeros between the given ones.
  auto step_of = [&](const CivilDate& d) -> int64_t {
    switch (series.spacing) {
      case Spacing::kDay:
        return DaysFromCivil(d) - DaysFromCivil(dates.front());
      case Spacing::kWeek:
        return (DaysFromCivil(d) - DaysFromCivil(dates.front())) / 7;
      case Spacing::kMonth:
        return MonthIndex(d) - MonthIndex(dates.front());
    }
    return 0;
  };
  const int64_t steps = step_of(dates.back()) + 1;
  if (static_cast<std::size_t>(steps) > kMaxSteps) {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("{}: the dates span {} {}s, more than {}", name, steps,
                                 SpacingName(series.spacing), kMaxSteps));
  }
  series.values.assign(steps, 0.0);
  for (std::size_t i = 0; i < dates.size(); ++i) series.values[step_of(dates[i])] = values[i];
  series.filled = static_cast<int>(steps - static_cast<int64_t>(dates.size()));
  series.dates.reserve(steps);
  for (int64_t k = 0; k < steps; ++k) {
    switch (series.spacing) {
      case Spacing::kDay:
        series.dates.push_back(CivilFromDays(DaysFromCivil(dates.front()) + k));
        break;
      case Spacing::kWeek:
        series.dates.push_back(CivilFromDays(DaysFromCivil(dates.front()) + 7 * k));
        break;
      case Spacing::kMonth:
        series.dates.push_back(AddMonths(dates.front(), k, series.month_end));
        break;
    }
  }
  return series;
}

std::vector<CivilDate> FutureDates(const DatedSeries& series, int h) {
  std::vector<CivilDate> out;
  const CivilDate& last = series.dates.back();
  for (int i = 1; i <= h; ++i) {
    switch (series.spacing) {
      case Spacing::kDay:
        out.push_back(CivilFromDays(DaysFromCivil(last) + i));
        break;
      case Spacing::kWeek:
        out.push_back(CivilFromDays(DaysFromCivil(last) + 7 * i));
        break;
      case Spacing::kMonth:
        out.push_back(AddMonths(last, i, series.month_end));
        break;
    }
  }
  return out;
}

}  // namespace till::forecast
