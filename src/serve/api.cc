#include "serve/api.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <set>
#include <vector>

#include "base/date.h"
#include "segment/at_risk.h"
#include "serve/customer_analytics.h"
#include "serve/forecast_answers.h"

namespace till {
namespace {

using Json = nlohmann::ordered_json;

// Set once before serving (SetApiCurrency), read by every request after.
std::string& Currency() {
  static std::string currency;
  return currency;
}

// A request that cannot be answered: the status and why.
struct BadRequest {
  int status = 400;
  std::string message;
};

double Round(long double value, int decimals) {
  long double scale = std::pow(10.0L, decimals);
  return static_cast<double>(std::round(value * scale) / scale);
}

Json Ratio(long double numerator, long double denominator, int decimals) {
  if (denominator == 0) return nullptr;
  return Round(numerator / denominator, decimals);
}

Json Ratio(const ExactSum& numerator, int64_t denominator, int decimals) {
  return Ratio(numerator.Approximate(), static_cast<long double>(denominator), decimals);
}

// A sum of money to the cent, rounded once from its exact value as SQL's round(sum(x), 2) is.
double Money(const ExactSum& sum) { return sum.RoundedToCents(); }

// The parameters one endpoint takes, checked once: unknown names, repeats of single-valued
// ones, and malformed values are errors.
class Query {
 public:
  Query(const Params& params, std::initializer_list<std::string_view> allowed, bool filters)
      : params_(params) {
    for (const auto& [name, value] : params_) {
      bool known = std::find(allowed.begin(), allowed.end(), name) != allowed.end() ||
                   name == "format" ||
                   (filters && (name == "from" || name == "to" || DimByName(name)));
      if (!known) throw BadRequest{400, fmt::format("unknown parameter '{}'", name)};
      bool repeatable = name == "by" || (filters && DimByName(name));
      if (!repeatable && params_.count(name) > 1) {
        throw BadRequest{400, fmt::format("parameter '{}' is given more than once", name)};
      }
    }
    auto format = Get("format");
    if (format && *format != "json" && *format != "csv") {
      throw BadRequest{400, fmt::format("parameter 'format': '{}' is not json or csv", *format)};
    }
    csv_ = format == "csv";
  }

  std::optional<std::string> Get(std::string_view name) const {
    auto it = params_.find(std::string(name));
    if (it == params_.end()) return std::nullopt;
    return it->second;
  }

  std::vector<std::string> All(std::string_view name) const {
    std::vector<std::string> values;
    auto [begin, end] = params_.equal_range(std::string(name));
    for (auto it = begin; it != end; ++it) values.push_back(it->second);
    return values;
  }

  int64_t Limit(int64_t fallback, int64_t most) const {
    auto text = Get("limit");
    if (!text) return fallback;
    int64_t value = 0;
    auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (error != std::errc() || end != text->data() + text->size() || value < 1 || value > most) {
      throw BadRequest{
          400,
          fmt::format("parameter 'limit': '{}' is not a whole number from 1 to {}", *text, most)};
    }
    return value;
  }

  Selection Select(const Cube& cube) const {
    Selection selection;
    for (const char* name : {"from", "to"}) {
      auto text = Get(name);
      if (!text) continue;
      auto day = ParseDay(*text);
      if (!day) {
        throw BadRequest{
            400, fmt::format("parameter '{}': '{}' is not a date (YYYY-MM-DD)", name, *text)};
      }
      (std::string_view(name) == "from" ? selection.from : selection.to) = day;
    }
    if (selection.from && selection.to && *selection.from > *selection.to) {
      throw BadRequest{400, "parameter 'from' is after 'to'"};
    }
    for (const auto& info : Dims()) {
      for (const auto& value : All(info.name)) {
        auto member = cube.MemberId(info.dim, value);
        if (!member) {
          throw BadRequest{400, fmt::format("parameter '{}': no member '{}'", info.name, value)};
        }
        selection.members[static_cast<size_t>(info.dim)].push_back(*member);
      }
    }
    return selection;
  }

  bool csv() const { return csv_; }

 private:
  const Params& params_;
  bool csv_ = false;
};

// The filter parameters plus these.
Query Filtered(const Params& params, std::initializer_list<std::string_view> extra) {
  return Query(params, extra, /*filters=*/true);
}

Json MeasuresJson(const Measures& m) {
  return Json{{"revenue", Money(m.revenue)},
              {"orders", m.orders},
              {"units", m.units},
              {"customers", m.customers},
              {"average_rating", Ratio(m.rating_sum, m.rated, 4)}};
}

std::string CsvValue(const Json& value) {
  if (value.is_null()) return "";
  if (value.is_string()) return CsvCell(value.get<std::string>());
  return value.dump();
}

// The rows of `rows` (objects) as CSV with these columns.
std::string ToCsv(const Json& rows, const std::vector<std::string>& columns) {
  std::string out;
  for (size_t c = 0; c < columns.size(); ++c) {
    if (c) out += ',';
    out += CsvCell(columns[c]);
  }
  out += "\r\n";
  for (const auto& row : rows) {
    for (size_t c = 0; c < columns.size(); ++c) {
      if (c) out += ',';
      auto it = row.find(columns[c]);
      if (it != row.end()) out += CsvValue(*it);
    }
    out += "\r\n";
  }
  return out;
}

ApiResponse Respond(const Query& query, const Json& body, const Json& rows,
                    const std::vector<std::string>& columns, std::string_view name) {
  ApiResponse response;
  if (query.csv()) {
    response.content_type = "text/csv; charset=utf-8";
    response.body = ToCsv(rows, columns);
    response.filename = fmt::format("till-{}.csv", name);
  } else {
    response.body = body.dump(-1, ' ', false, Json::error_handler_t::replace);
  }
  return response;
}

// The period a request asks about: its `from` and `to`, each defaulting to the data's first and
// last day; none when the data has no date and the request no `from`.
std::optional<std::pair<Day, Day>> PeriodOf(const Cube& cube, const Selection& selection) {
  if (!cube.first_day() && !selection.from) return std::nullopt;
  Day first = cube.first_day().value_or(*selection.from);
  // Only `to` given, before the data starts: the period ends there, not before it begins.
  Day from = selection.from.value_or(std::min(first, selection.to.value_or(first)));
  Day to = selection.to.value_or(std::max(cube.last_day().value_or(from), from));
  return std::pair{from, to};
}

// The share of the days from `from` to `to` that lie within the data's span (its first to its
// last dated sale): 1 when the data covers the whole period, 0 when it covers none of it.
double Coverage(const Cube& cube, Day from, Day to) {
  if (!cube.first_day() || to < from) return 0;
  Day begin = std::max(from, *cube.first_day());
  Day end = std::min(to, *cube.last_day());
  if (end < begin) return 0;
  return Round(static_cast<long double>(end - begin + 1) / (to - from + 1), 4);
}

Json PeriodJson(Day from, Day to) { return Json{{"from", FormatDay(from)}, {"to", FormatDay(to)}}; }

Json PeriodJson(const Cube& cube, Day from, Day to) {
  Json period = PeriodJson(from, to);
  period["days"] = to - from + 1;
  period["coverage"] = Coverage(cube, from, to);
  return period;
}

ApiResponse Meta(const Snapshot& snapshot, const Params& params, std::string_view version) {
  Query query(params, {}, false);
  const Cube& cube = *snapshot.cube;
  Json body{{"version", version},
            {"warehouse", snapshot.warehouse},
            {"rows", cube.rows()},
            {"first_date", cube.first_day() ? Json(FormatDay(*cube.first_day())) : Json()},
            {"last_date", cube.last_day() ? Json(FormatDay(*cube.last_day())) : Json()},
            {"refreshed_at", snapshot.refreshed_at},
            {"data_version", snapshot.data_version},
            {"currency", Currency().empty() ? Json() : Json(Currency())}};
  Json rows = Json::array();
  for (const auto& [key, value] : body.items()) rows.push_back({{"key", key}, {"value", value}});
  return Respond(query, body, rows, {"key", "value"}, "meta");
}

ApiResponse Dimensions(const Snapshot& snapshot, const Params& params) {
  Query query(params, {}, false);
  Json dimensions = Json::array();
  Json rows = Json::array();
  for (const auto& info : Dims()) {
    Json members = Json::array();
    for (const auto& member : snapshot.cube->Members(info.dim)) {
      members.push_back(member);
      rows.push_back({{"dimension", info.name}, {"member", member}});
    }
    dimensions.push_back(
        {{"name", info.name}, {"label", info.label}, {"members", std::move(members)}});
  }
  return Respond(query, Json{{"dimensions", dimensions}}, rows, {"dimension", "member"},
                 "dimensions");
}

ApiResponse Kpis(const Snapshot& snapshot, const Params& params) {
  Query query = Filtered(params, {});
  const Cube& cube = *snapshot.cube;
  Selection selection = query.Select(cube);
  Json body;
  Measures current;
  std::optional<Measures> previous;
  bool comparable = false;  // the data covers the whole previous period
  if (auto period = PeriodOf(cube, selection)) {
    auto [from, to] = *period;
    Day length = to - from + 1;
    std::pair<Day, Day> periods[] = {{from, to}, {from - length, from - 1}};
    if (selection.from || selection.to) {
      auto both = cube.Periods(selection, periods);
      current = both[0];
      previous = both[1];
    } else {
      // The whole range: sales of unknown date count too.
      current = cube.Total(selection);
      previous = cube.Periods(selection, std::span(periods).subspan(1))[0];
    }
    body["period"] = PeriodJson(cube, from, to);
    body["previous"] = PeriodJson(cube, from - length, from - 1);
    comparable = Coverage(cube, from - length, from - 1) >= 1;
  } else {
    current = cube.Total(selection);
    body["period"] = nullptr;
    body["previous"] = nullptr;
  }
  struct Kpi {
    std::string_view name, label;
    Json value, previous;
  };
  auto values = [](const Measures& m) {
    return std::array<Json, 7>{Money(m.revenue),
                               m.orders,
                               m.units,
                               Ratio(m.revenue, m.orders, 2),
                               Ratio(m.units, m.orders, 4),
                               m.customers,
                               Ratio(m.rating_sum, m.rated, 4)};
  };
  constexpr std::pair<std::string_view, std::string_view> kNames[] = {
      {"revenue", "Revenue"},
      {"orders", "Orders"},
      {"units", "Units"},
      {"average_order_value", "Average order value"},
      {"basket_size", "Basket size"},
      {"unique_customers", "Unique customers"},
      {"average_rating", "Average rating"},
  };
  auto now = values(current);
  std::array<Json, 7> before;
  if (previous) before = values(*previous);
  Json kpis = Json::array();
  for (size_t i = 0; i < 7; ++i) {
    Json change;
    if (now[i].is_number() && before[i].is_number() && before[i].get<double>() != 0) {
      change = Round((now[i].get<double>() - before[i].get<double>()) / before[i].get<double>(), 4);
    }
    kpis.push_back({{"name", kNames[i].first},
                    {"label", kNames[i].second},
                    {"value", now[i]},
                    {"previous", before[i]},
                    {"change", change},
                    {"comparable", comparable && !change.is_null()}});
  }
  body["kpis"] = kpis;
  return Respond(query, body, kpis, {"name", "label", "value", "previous", "change", "comparable"},
                 "kpis");
}

ApiResponse Timeseries(const Snapshot& snapshot, const Params& params) {
  Query query = Filtered(params, {"grain"});
  const Cube& cube = *snapshot.cube;
  Selection selection = query.Select(cube);
  std::string grain_name = query.Get("grain").value_or("day");
  Grain grain;
  if (grain_name == "day") {
    grain = Grain::kDay;
  } else if (grain_name == "week") {
    grain = Grain::kWeek;
  } else if (grain_name == "month") {
    grain = Grain::kMonth;
  } else {
    throw BadRequest{400,
                     fmt::format("parameter 'grain': '{}' is not day, week or month", grain_name)};
  }
  // The days a point can hold: those of its period within both the asked range and the data's
  // span. A first or last period cut short by either is partial, and says so.
  Day lowest = std::max(selection.from.value_or(std::numeric_limits<Day>::min()),
                        cube.first_day().value_or(std::numeric_limits<Day>::min()));
  Day highest = std::min(selection.to.value_or(std::numeric_limits<Day>::max()),
                         cube.last_day().value_or(std::numeric_limits<Day>::max()));
  auto period_end = [grain](Day start) -> Day {
    switch (grain) {
      case Grain::kDay:
        return start;
      case Grain::kWeek:
        return start + 6;
      case Grain::kMonth:
        return static_cast<Day>(NextMonthStart(start) - 1);
    }
    return start;
  };
  Json points = Json::array();
  for (const auto& bucket : cube.Series(selection, grain)) {
    Day end = period_end(bucket.start);
    Day covered = std::max(0, std::min(end, highest) - std::max(bucket.start, lowest) + 1);
    points.push_back({{"period", FormatDay(bucket.start)},
                      {"revenue", Money(bucket.measures.revenue)},
                      {"orders", bucket.measures.orders},
                      {"units", bucket.measures.units},
                      {"days", covered},
                      {"partial", covered < end - bucket.start + 1}});
  }
  return Respond(query, Json{{"grain", grain_name}, {"points", points}}, points,
                 {"period", "revenue", "orders", "units", "days", "partial"},
                 "timeseries-" + grain_name);
}

ApiResponse Breakdown(const Snapshot& snapshot, const Params& params) {
  Query query = Filtered(params, {"by", "sort", "limit"});
  const Cube& cube = *snapshot.cube;
  Selection selection = query.Select(cube);
  std::vector<Dim> dims;
  std::vector<std::string> names = query.All("by");
  if (names.empty() || names.size() > 2) {
    throw BadRequest{400, "parameter 'by' must name one or two dimensions"};
  }
  for (const auto& name : names) {
    auto dim = DimByName(name);
    if (!dim) throw BadRequest{400, fmt::format("parameter 'by': no dimension '{}'", name)};
    dims.push_back(*dim);
  }
  if (dims.size() == 2 && dims[0] == dims[1]) {
    throw BadRequest{400, "parameter 'by' names the same dimension twice"};
  }
  std::string sort = query.Get("sort").value_or("revenue");
  static const std::set<std::string, std::less<>> kSorts = {"revenue",   "orders",         "units",
                                                            "customers", "average_rating", "name"};
  if (!kSorts.contains(sort)) {
    throw BadRequest{400, fmt::format("parameter 'sort': '{}' is not one of revenue, orders, "
                                      "units, customers, average_rating, name",
                                      sort)};
  }
  int64_t limit = query.Limit(std::numeric_limits<int64_t>::max(), 1'000'000'000);
  auto groups = cube.Breakdown(selection, dims);
  if (!groups) {
    throw BadRequest{400,
                     fmt::format("parameter 'by': more than {} combinations", Cube::kMaxGroups)};
  }
  auto key = [&](const Group& g) -> long double {
    const Measures& m = g.measures;
    if (sort == "orders") return static_cast<long double>(m.orders);
    if (sort == "units") return static_cast<long double>(m.units);
    if (sort == "customers") return static_cast<long double>(m.customers);
    if (sort == "average_rating") {
      return m.rated ? static_cast<long double>(m.rating_sum) / m.rated : -1;
    }
    return -1;  // revenue is compared exactly below
  };
  // Member ids follow the members' sorted order, so "name" sorts by id.
  std::stable_sort(groups->begin(), groups->end(), [&](const Group& a, const Group& b) {
    if (sort == "revenue") {
      if (a.measures.revenue != b.measures.revenue) return a.measures.revenue > b.measures.revenue;
    } else if (sort != "name") {
      long double ka = key(a), kb = key(b);
      if (ka != kb) return ka > kb;
    }
    return a.members < b.members;
  });
  Json rows = Json::array();
  const size_t total = groups->size();
  for (size_t i = 0; i < total && static_cast<int64_t>(i) < limit; ++i) {
    const Group& g = (*groups)[i];
    Json row;
    for (size_t d = 0; d < dims.size(); ++d) {
      row[std::string(InfoOf(dims[d]).name)] = cube.Members(dims[d])[g.members[d]];
    }
    row.update(MeasuresJson(g.measures));
    rows.push_back(std::move(row));
  }
  std::vector<std::string> columns(names.begin(), names.end());
  for (const char* measure : {"revenue", "orders", "units", "customers", "average_rating"}) {
    columns.emplace_back(measure);
  }
  Json body{{"by", names}, {"total_rows", total}, {"rows", rows}};
  std::string file = "breakdown-" + names[0] + (names.size() > 1 ? "-" + names[1] : "");
  return Respond(query, body, rows, columns, file);
}

// The same dates one calendar year earlier (29 February becomes the 28th).
Day YearBefore(Day day) {
  CivilDate date = CivilFromDays(day);
  date.year -= 1;
  date.day = std::min(date.day, DaysInMonth(date.year, date.month));
  return static_cast<Day>(DaysFromCivil(date));
}

// The measures a growth table can show, each from Measures.
constexpr std::string_view kGrowthMeasures[] = {"revenue", "orders", "units", "average_order_value",
                                                "customers"};

Json MeasureValue(const Measures& m, std::string_view measure) {
  if (measure == "orders") return m.orders;
  if (measure == "units") return m.units;
  if (measure == "customers") return m.customers;
  if (measure == "average_order_value") return Ratio(m.revenue, m.orders, 2);
  return Money(m.revenue);
}

Json Change(const Json& now, const Json& before) {
  if (!now.is_number() || !before.is_number() || before.get<double>() == 0) return nullptr;
  return Round((now.get<double>() - before.get<double>()) / before.get<double>(), 4);
}

ApiResponse Growth(const Snapshot& snapshot, const Params& params) {
  Query query = Filtered(params, {"by", "measure", "sort", "limit"});
  const Cube& cube = *snapshot.cube;
  Selection selection = query.Select(cube);
  auto names = query.All("by");
  if (names.size() != 1) throw BadRequest{400, "parameter 'by' must name one dimension"};
  auto dim = DimByName(names[0]);
  if (!dim) throw BadRequest{400, fmt::format("parameter 'by': no dimension '{}'", names[0])};
  std::string measure = query.Get("measure").value_or("revenue");
  if (std::find(std::begin(kGrowthMeasures), std::end(kGrowthMeasures), measure) ==
      std::end(kGrowthMeasures)) {
    throw BadRequest{400, fmt::format("parameter 'measure': '{}' is not one of revenue, orders, "
                                      "units, average_order_value, customers",
                                      measure)};
  }
  std::string sort = query.Get("sort").value_or("value");
  if (sort != "value" && sort != "change" && sort != "change_year" && sort != "name") {
    throw BadRequest{
        400,
        fmt::format("parameter 'sort': '{}' is not one of value, change, change_year, name", sort)};
  }
  int64_t limit = query.Limit(std::numeric_limits<int64_t>::max(), 1'000'000'000);
  Json body{{"by", names[0]}, {"measure", measure}};
  auto period = PeriodOf(cube, selection);
  if (!period) {
    body.update(Json{{"period", nullptr}, {"total_rows", 0}, {"rows", Json::array()}});
    return Respond(query, body, Json::array(), {names[0]}, "growth-" + names[0]);
  }
  auto [from, to] = *period;
  Day length = to - from + 1;
  Day previous_from = from - length, previous_to = from - 1;
  Day year_from = YearBefore(from), year_to = YearBefore(to);
  // A sparkline of about a dozen points: days, weeks or months by the period's length.
  Grain grain = length <= 31 ? Grain::kDay : length <= 120 ? Grain::kWeek : Grain::kMonth;
  const char* grain_name = grain == Grain::kDay ? "day" : grain == Grain::kWeek ? "week" : "month";

  // The three periods in one scan when they are disjoint (periods up to about half a year);
  // a longer period's previous one overlaps the year before, which then takes a scan of its own.
  const size_t members = cube.Members(*dim).size();
  std::vector<Measures> current(members), previous(members), year_ago(members);
  const bool disjoint = year_to < previous_from;
  std::vector<std::pair<Day, Day>> periods = {{from, to}, {previous_from, previous_to}};
  if (disjoint) periods.emplace_back(year_from, year_to);
  auto spread = [&](const std::vector<Measures>& by_member, size_t width, size_t p,
                    std::vector<Measures>& into) {
    for (size_t m = 0; m < members; ++m) into[m] = by_member[m * width + p];
  };
  auto measures = cube.MemberPeriods(selection, *dim, periods);
  spread(measures, periods.size(), 0, current);
  spread(measures, periods.size(), 1, previous);
  if (disjoint) {
    spread(measures, periods.size(), 2, year_ago);
  } else {
    const std::pair<Day, Day> year[] = {{year_from, year_to}};
    spread(cube.MemberPeriods(selection, *dim, year), 1, 0, year_ago);
  }
  std::vector<Day> starts;
  auto series = cube.MemberSeries(selection, *dim, grain, from, to, starts);
  const bool previous_complete = Coverage(cube, previous_from, previous_to) >= 1;
  const bool year_complete = Coverage(cube, year_from, year_to) >= 1;

  struct Row {
    uint32_t member;
    Json value, previous, change, year_ago, change_year, series;
  };
  std::vector<Row> rows;
  for (uint32_t member = 0; member < current.size(); ++member) {
    if (current[member].orders == 0 && previous[member].orders == 0) continue;
    Row row{
        member,       MeasureValue(current[member], measure), nullptr, nullptr, nullptr, nullptr,
        Json::array()};
    if (previous_complete) {
      row.previous = MeasureValue(previous[member], measure);
      row.change = Change(row.value, row.previous);
    }
    if (year_complete) {
      row.year_ago = MeasureValue(year_ago[member], measure);
      row.change_year = Change(row.value, row.year_ago);
    }
    for (size_t p = 0; p < starts.size(); ++p) {
      row.series.push_back(MeasureValue(series[member * starts.size() + p], measure));
    }
    rows.push_back(std::move(row));
  }
  // Missing values (null) sort last whichever the key.
  auto key = [&](const Row& r) -> std::optional<double> {
    const Json& v = sort == "change" ? r.change : sort == "change_year" ? r.change_year : r.value;
    if (!v.is_number()) return std::nullopt;
    return v.get<double>();
  };
  std::stable_sort(rows.begin(), rows.end(), [&](const Row& a, const Row& b) {
    if (sort != "name") {
      auto ka = key(a), kb = key(b);
      if (ka.has_value() != kb.has_value()) return ka.has_value();
      if (ka && *ka != *kb) return *ka > *kb;
    }
    return a.member < b.member;
  });
  Json out = Json::array();
  for (size_t i = 0; i < rows.size() && static_cast<int64_t>(i) < limit; ++i) {
    const Row& r = rows[i];
    out.push_back({{names[0], cube.Members(*dim)[r.member]},
                   {"value", r.value},
                   {"previous", r.previous},
                   {"change", r.change},
                   {"year_ago", r.year_ago},
                   {"change_year", r.change_year},
                   {"series", r.series}});
  }
  Json series_periods = Json::array();
  for (Day start : starts) series_periods.push_back(FormatDay(start));
  body.update(Json{{"period", PeriodJson(cube, from, to)},
                   {"previous", PeriodJson(cube, previous_from, previous_to)},
                   {"year_ago", PeriodJson(cube, year_from, year_to)},
                   {"series_grain", grain_name},
                   {"series_periods", series_periods},
                   {"total_rows", rows.size()},
                   {"rows", out}});
  return Respond(query, body, out,
                 {names[0], "value", "previous", "change", "year_ago", "change_year"},
                 "growth-" + names[0]);
}

ApiResponse Customers(const Snapshot& snapshot, const Params& params) {
  Query query = Filtered(params, {});
  const Cube& cube = *snapshot.cube;
  Selection selection = query.Select(cube);
  Json body;
  Json groups = Json::array();
  if (auto period = PeriodOf(cube, selection)) {
    auto [from, to] = *period;
    body["period"] = PeriodJson(from, to);
    auto both = cube.NewAndReturning(selection, from);
    for (size_t g = 0; g < 2; ++g) {
      groups.push_back({{"group", g == 0 ? "new" : "returning"},
                        {"customers", both[g].customers},
                        {"orders", both[g].orders},
                        {"revenue", Money(both[g].revenue)}});
    }
  } else {
    body["period"] = nullptr;
  }
  body["groups"] = groups;
  return Respond(query, body, groups, {"group", "customers", "orders", "revenue"}, "customers");
}

// ---- customer analytics (customer_analytics.h): ids and figures only ----

std::shared_ptr<const segment::Segmentation> Segmented(const Snapshot& snapshot,
                                                       const Selection& selection) {
  auto result = SegmentSales(snapshot.cube, selection);
  if (!result) {
    if (result.error().code() == ErrorCode::kInvalidArgument) {
      throw BadRequest{422, "the selection has too few customers for customer analytics: " +
                                result.error().message()};
    }
    throw BadRequest{500, result.error().message()};
  }
  return *result;
}

Json GroupJson(const segment::GroupSummary& g) {
  return Json{{"customers", g.customers},
              {"revenue", Round(g.revenue, 2)},
              {"revenue_share", Round(g.revenue_share, 4)},
              {"average_monetary", Round(g.average_monetary, 2)},
              {"average_frequency", Round(g.average_frequency, 4)},
              {"average_recency_days", Round(g.average_recency_days, 2)},
              {"average_clv_12m", Round(g.average_clv_12m, 2)},
              {"average_p_alive", Round(g.average_p_alive, 4)}};
}

const std::vector<std::string> kGroupColumns = {"customers",         "revenue",
                                                "revenue_share",     "average_monetary",
                                                "average_frequency", "average_recency_days",
                                                "average_clv_12m",   "average_p_alive"};

std::vector<std::string> GroupColumns(std::initializer_list<std::string> first) {
  std::vector<std::string> columns(first);
  columns.insert(columns.end(), kGroupColumns.begin(), kGroupColumns.end());
  return columns;
}

// The least "nice" width (1, 2, 2.5 or 5 times a power of ten; a cent at least) not below
// `raw`, so that bin edges read as round amounts.
double NiceWidth(double raw) {
  if (!(raw > 0.01)) return 0.01;
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  for (double step : {1.0, 2.0, 2.5, 5.0}) {
    if (step * power >= raw * (1 - 1e-12)) return step * power;
  }
  return 10 * power;
}

// The distribution of 12-month lifetime values (negative ones counted as 0): bins of one nice
// width spanning the data from its least value to the 99th percentile (at most 21 bins, the
// first starting at the multiple of the width at or below the least value), the last open
// above.
Json ClvHistogram(const segment::Segmentation& s) {
  std::vector<double> values;
  values.reserve(s.customers.size());
  for (const auto& c : s.customers) values.push_back(std::max(c.clv_12m, 0.0));
  Json bins = Json::array();
  if (values.empty()) return bins;
  std::sort(values.begin(), values.end());
  constexpr int kBins = 20;
  const double least = values.front();
  const double top = values[std::min(values.size() - 1, values.size() * 99 / 100)];
  const double width = NiceWidth((top - least) / kBins);
  const double start = std::floor(least / width) * width;
  const size_t count =
      std::max<size_t>(1, static_cast<size_t>(std::ceil((top - start) / width - 1e-9)));
  std::vector<int64_t> counts(count, 0);
  for (double v : values) {
    counts[std::min(count - 1, static_cast<size_t>(std::max(0.0, (v - start) / width)))]++;
  }
  for (size_t b = 0; b < count; ++b) {
    const double from = start + static_cast<double>(b) * width;
    bins.push_back({{"from", Round(from, 2)},
                    {"to", b + 1 < count ? Json(Round(from + width, 2)) : Json()},
                    {"customers", counts[b]}});
  }
  return bins;
}

ApiResponse Segments(const Snapshot& snapshot, const Params& params) {
  Query query = Filtered(params, {});
  Selection selection = query.Select(*snapshot.cube);
  auto s = Segmented(snapshot, selection);
  Json rows = Json::array();
  double revenue = 0;
  for (const auto& g : s->segments) {
    Json row{{"segment", g.name}};
    row.update(GroupJson(g));
    rows.push_back(std::move(row));
    revenue += g.revenue;
  }
  // Customers and revenue by recency and frequency score.
  std::array<std::array<std::pair<int64_t, double>, 5>, 5> grid{};
  for (const auto& c : s->customers) {
    auto& cell =
        grid[static_cast<size_t>(c.rfm.r_score - 1)][static_cast<size_t>(c.rfm.f_score - 1)];
    ++cell.first;
    cell.second += c.rfm.monetary;
  }
  Json rf = Json::array();
  for (int r = 1; r <= 5; ++r) {
    for (int f = 1; f <= 5; ++f) {
      const auto& cell = grid[static_cast<size_t>(r - 1)][static_cast<size_t>(f - 1)];
      rf.push_back({{"r_score", r},
                    {"f_score", f},
                    {"customers", cell.first},
                    {"revenue", Round(cell.second, 2)}});
    }
  }
  // What each frequency score stands for: the fewest and most orders of its customers.
  // Customers with equal orders share a score (rfm.h), so where most have one order some
  // scores hold nobody (their orders null): the grid's columns say so rather than look empty.
  std::array<std::pair<int64_t, int64_t>, 5> orders;
  orders.fill({std::numeric_limits<int64_t>::max(), 0});
  std::array<int64_t, 5> scored{};
  for (const auto& c : s->customers) {
    const auto f = static_cast<size_t>(c.rfm.f_score - 1);
    orders[f] = {std::min(orders[f].first, c.rfm.frequency),
                 std::max(orders[f].second, c.rfm.frequency)};
    ++scored[f];
  }
  Json f_scores = Json::array();
  for (size_t f = 0; f < 5; ++f) {
    f_scores.push_back({{"f_score", f + 1},
                        {"customers", scored[f]},
                        {"min_orders", scored[f] ? Json(orders[f].first) : Json()},
                        {"max_orders", scored[f] ? Json(orders[f].second) : Json()}});
  }
  Json body{{"as_of", FormatDay(static_cast<Day>(s->as_of_day))},
            {"customers", s->customers.size()},
            {"revenue", Round(revenue, 2)},
            {"segments", rows},
            {"rf_scores", rf},
            {"f_scores", f_scores},
            {"clv_distribution", ClvHistogram(*s)}};
  return Respond(query, body, rows, GroupColumns({"segment"}), "segments");
}

ApiResponse Clusters(const Snapshot& snapshot, const Params& params) {
  Query query = Filtered(params, {});
  Selection selection = query.Select(*snapshot.cube);
  auto s = Segmented(snapshot, selection);
  Json rows = Json::array();
  for (const auto& g : s->clusters) {
    Json row{{"cluster", std::stoi(g.name)}, {"profile", g.profile}};
    row.update(GroupJson(g));
    rows.push_back(std::move(row));
  }
  Json silhouettes = Json::array();
  for (const auto& [k, value] : s->silhouettes) {
    silhouettes.push_back({{"k", k}, {"silhouette", Round(value, 4)}});
  }
  Json body{{"as_of", FormatDay(static_cast<Day>(s->as_of_day))},
            {"customers", s->customers.size()},
            {"k", s->clusters.size()},
            {"silhouette", Round(s->silhouette, 4)},
            {"silhouettes", silhouettes},
            {"clusters", rows}};
  return Respond(query, body, rows, GroupColumns({"cluster", "profile"}), "clusters");
}

ApiResponse Cohorts(const Snapshot& snapshot, const Params& params) {
  Query query = Filtered(params, {});
  Selection selection = query.Select(*snapshot.cube);
  auto s = Segmented(snapshot, selection);
  const segment::CohortReport& report = s->cohorts;
  Json cohorts = Json::array();
  Json rows = Json::array();
  for (const auto& cohort : report.cohorts) {
    Json months = Json::array();
    for (const auto& m : cohort.months) {
      Json month{{"offset", m.offset},
                 {"active", m.active},
                 {"share_active", Round(m.share_active, 4)},
                 {"revenue", Round(m.revenue, 2)}};
      Json row{{"cohort", cohort.month}, {"customers", cohort.customers}};
      row.update(month);
      rows.push_back(std::move(row));
      months.push_back(std::move(month));
    }
    cohorts.push_back(
        {{"cohort", cohort.month}, {"customers", cohort.customers}, {"months", months}});
  }
  Json body{{"as_of", FormatDay(static_cast<Day>(s->as_of_day))},
            {"customers", report.customers},
            {"repeat_customers", report.repeat_customers},
            {"repeat_rate", Round(report.repeat_rate, 4)},
            {"mean_days_between_orders", Round(report.mean_days_between, 2)},
            {"median_days_between_orders", Round(report.median_days_between, 2)},
            {"cohorts", cohorts}};
  return Respond(query, body, rows,
                 {"cohort", "customers", "offset", "active", "share_active", "revenue"}, "cohorts");
}

ApiResponse AtRisk(const Snapshot& snapshot, const Params& params) {
  Query query = Filtered(params, {"min_clv", "limit"});
  Selection selection = query.Select(*snapshot.cube);
  double min_clv = 0;
  if (auto text = query.Get("min_clv")) {
    auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), min_clv);
    if (error != std::errc() || end != text->data() + text->size() || !(min_clv >= 0) ||
        !std::isfinite(min_clv)) {
      throw BadRequest{
          400, fmt::format("parameter 'min_clv': '{}' is not a number of 0 or more", *text)};
    }
  }
  const int64_t limit = query.Limit(100, 100'000);
  auto s = Segmented(snapshot, selection);
  std::vector<const segment::CustomerScore*> at_risk;
  for (const auto& c : s->customers) {
    if (segment::IsAtRiskSegment(c.segment) && c.clv_12m >= min_clv) at_risk.push_back(&c);
  }
  std::stable_sort(at_risk.begin(), at_risk.end(), [](const auto* a, const auto* b) {
    return a->clv_12m > b->clv_12m;  // customers come in order of id: ties stay so
  });
  Json rows = Json::array();
  for (size_t i = 0; i < at_risk.size() && static_cast<int64_t>(i) < limit; ++i) {
    const segment::CustomerScore& c = *at_risk[i];
    rows.push_back({{"customer_id", c.customer_id},
                    {"segment", c.segment},
                    {"cluster", c.cluster},
                    {"recency_days", c.rfm.recency_days},
                    {"frequency", c.rfm.frequency},
                    {"monetary", Round(c.rfm.monetary, 2)},
                    {"r_score", c.rfm.r_score},
                    {"f_score", c.rfm.f_score},
                    {"m_score", c.rfm.m_score},
                    {"p_alive", Round(c.p_alive, 4)},
                    {"expected_purchases_90d", Round(c.expected_purchases_90d, 4)},
                    {"expected_order_value", Round(c.expected_order_value, 2)},
                    {"clv_12m", Round(c.clv_12m, 2)}});
  }
  Json segments = Json::array();
  for (std::string_view name : segment::kAtRiskSegments) segments.push_back(name);
  Json body{{"as_of", FormatDay(static_cast<Day>(s->as_of_day))},
            {"segments", segments},
            {"min_clv", min_clv},
            {"total_rows", at_risk.size()},
            {"rows", rows}};
  return Respond(query, body, rows,
                 {"customer_id", "segment", "cluster", "recency_days", "frequency", "monetary",
                  "r_score", "f_score", "m_score", "p_alive", "expected_purchases_90d",
                  "expected_order_value", "clv_12m"},
                 "customers-at-risk");
}

// /api/v1/forecast and /api/v1/forecast/accuracy: the filters, and which series, how far ahead.
ApiResponse Forecast(const Snapshot& snapshot, const Params& params, bool accuracy) {
  Query query = Filtered(params, {"by", "measure", "horizon", "grain"});
  Selection selection = query.Select(*snapshot.cube);
  ForecastQuestion question;
  auto by = query.All("by");
  if (by.size() == 2 &&
      std::set<std::string>(by.begin(), by.end()) == std::set<std::string>{"country", "category"}) {
    question.by = "country,category";
  } else if (by.size() == 1) {
    question.by = by[0];
  } else if (by.size() > 1) {
    throw BadRequest{400, "parameter 'by' names one grouping, or country and category"};
  }
  static const std::set<std::string> kGroupings = {"total", "category", "country",
                                                   "country,category", "brand"};
  if (!kGroupings.count(question.by)) {
    throw BadRequest{400, fmt::format("parameter 'by': '{}' is not one of total, category, "
                                      "country, country,category, brand",
                                      question.by)};
  }
  question.measure = query.Get("measure").value_or("revenue");
  if (question.measure != "revenue" && question.measure != "units" &&
      question.measure != "orders") {
    throw BadRequest{400, fmt::format("parameter 'measure': '{}' is not one of revenue, units, "
                                      "orders",
                                      question.measure)};
  }
  std::string grain = query.Get("grain").value_or("day");
  if (grain != "day" && grain != "week") {
    throw BadRequest{400, fmt::format("parameter 'grain': '{}' is not day or week", grain)};
  }
  question.grain = grain == "week" ? forecast::SalesGrain::kWeek : forecast::SalesGrain::kDay;
  if (auto text = query.Get("horizon")) {
    int value = 0;
    auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (error != std::errc() || end != text->data() + text->size() || value < 1 || value > 366) {
      throw BadRequest{
          400, fmt::format("parameter 'horizon': '{}' is not a whole number from 1 to 366", *text)};
    }
    question.horizon = value;
  }
  auto computed = ForecastCube(snapshot.cube, selection, question);
  if (!computed) {
    if (computed.error().code() == ErrorCode::kNotFound) {
      Json body{{"by", question.by},
                {"measure", question.measure},
                {"grain", grain},
                {"horizon", question.horizon},
                {"notes", Json::array({computed.error().message()})},
                {"series", Json::array()}};
      return Respond(query, body, Json::array(), {"series"},
                     accuracy ? "forecast-accuracy" : "forecast");
    }
    throw BadRequest{500, computed.error().message()};
  }
  const auto& f = **computed;
  if (accuracy) {
    Json body = AccuracyJson(f, question);
    Json rows = Json::array();
    for (const Json& series : body["series"]) {
      for (const Json& c : series["candidates"]) {
        Json row{{"series", series["series"]},
                 {"kind", c["kind"]},
                 {"model", c["model"]},
                 {"chosen", c["chosen"]}};
        if (c.contains("accuracy")) row.update(c["accuracy"]);
        rows.push_back(row);
      }
    }
    return Respond(query, body, rows,
                   {"series", "kind", "model", "chosen", "mase", "wape", "bias", "coverage80",
                    "coverage95", "points"},
                   "forecast-accuracy");
  }
  Json body = ForecastJson(f, question);
  Json rows = Json::array();
  for (const Json& series : body["series"]) {
    if (!series.contains("forecast")) continue;
    for (const Json& step : series["forecast"]) {
      Json row{{"series", series["series"]}, {"model", series["model"]}};
      row.update(step);
      rows.push_back(row);
    }
  }
  return Respond(query, body, rows,
                 {"series", "date", "model", "point", "lo80", "hi80", "lo95", "hi95"}, "forecast");
}

Json FirstRows(const Json& rows, int64_t limit) {
  Json out = Json::array();
  for (size_t i = 0; i < rows.size() && static_cast<int64_t>(i) < limit; ++i) {
    out.push_back(rows[i]);
  }
  return out;
}

ApiResponse Pipeline(const Snapshot& snapshot, std::string_view part, const Params& params,
                     std::chrono::system_clock::time_point now) {
  constexpr int64_t kMost = static_cast<int64_t>(kPipelineRows);
  if (part == "runs") {
    Query query(params, {"limit"}, false);
    Json runs = FirstRows(snapshot.runs, query.Limit(50, kMost));
    return Respond(query, Json{{"runs", runs}}, runs,
                   {"run_id", "trigger", "started_at", "finished_at", "status", "error", "files",
                    "rows_loaded", "rows_rejected", "rows_duplicate"},
                   "runs");
  }
  if (part == "files") {
    Query query(params, {"limit"}, false);
    Json files = FirstRows(snapshot.files, query.Limit(100, kMost));
    return Respond(query, Json{{"files", files}}, files,
                   {"file_id", "run_id", "uri", "status", "rows_read", "rows_loaded",
                    "rows_rejected", "rows_duplicate", "started_at", "finished_at", "error"},
                   "files");
  }
  if (part == "rejects") {
    Query query(params, {"limit", "part"}, false);
    std::string which = query.Get("part").value_or("reasons");
    if (which != "reasons" && which != "recent") {
      throw BadRequest{400, fmt::format("parameter 'part': '{}' is not reasons or recent", which)};
    }
    Json recent = FirstRows(snapshot.recent_rejects, query.Limit(100, kMost));
    Json body{{"reasons", snapshot.reasons}, {"recent", recent}};
    if (which == "reasons") {
      return Respond(query, body, snapshot.reasons, {"reason", "column", "rows", "values"},
                     "reject-reasons");
    }
    return Respond(query, body, recent,
                   {"file_id", "uri", "line", "column", "reason", "message", "row_rejected"},
                   "rejects");
  }
  if (part == "freshness") {
    Query query(params, {}, false);
    const auto& f = snapshot.freshness;
    Json age;
    if (f.last_success_epoch) {
      double seconds =
          std::chrono::duration<double>(now.time_since_epoch()).count() - *f.last_success_epoch;
      age = static_cast<int64_t>(std::max(0.0, std::floor(seconds)));
    }
    Json body{{"last_success_at", f.last_success_at.empty() ? Json() : Json(f.last_success_at)},
              {"age_seconds", age},
              {"files_loaded", f.files_loaded},
              {"files_failed", f.files_failed},
              {"files_skipped", f.files_skipped},
              {"rows_loaded", f.rows_loaded},
              {"rows_rejected", f.rows_rejected},
              {"rows_duplicate", f.rows_duplicate},
              {"runs_running", f.runs_running}};
    // Read at the last refresh (every --refresh seconds), not with the snapshot's data.
    std::optional<StandbyStatus> replica;
    if (snapshot.replica) replica = snapshot.replica->Get();
    body["replica"] = replica.has_value();
    body["replica_lag_seconds"] = replica && replica->lag_seconds
                                      ? Json(std::round(*replica->lag_seconds * 10) / 10)
                                      : Json();
    body["replica_receiving"] = replica ? Json(replica->receiving) : Json();
    Json rows = Json::array();
    for (const auto& [key, value] : body.items()) rows.push_back({{"key", key}, {"value", value}});
    return Respond(query, body, rows, {"key", "value"}, "freshness");
  }
  if (part == "streams") {
    // Counted at the time of asking. A stream without a batch for the rate's whole window is
    // idle: it has no lag (nothing waits to be read that Till knows of), its rate is 0, and
    // `last_batch_at` says when it last received.
    constexpr double kRateSeconds = 60;
    Query query(params, {}, false);
    const double at = std::chrono::duration<double>(now.time_since_epoch()).count();
    Json streams = Json::array();
    for (const Snapshot::Stream& stream : snapshot.streams) {
      int64_t recent_rows = 0;
      for (const auto& [finished, rows] : stream.recent) {
        if (finished >= at - kRateSeconds) recent_rows += rows;
      }
      Json lag;
      bool idle = true;
      if (stream.last_batch_epoch) {
        double since = std::max(0.0, at - *stream.last_batch_epoch);
        idle = since >= kRateSeconds;
        if (!idle) lag = std::round(since * 10) / 10;
      }
      streams.push_back(Json{
          {"source", stream.source},
          {"state", idle ? "idle" : "receiving"},
          {"rows_per_second",
           std::round(static_cast<double>(recent_rows) / kRateSeconds * 10) / 10},
          {"lag_seconds", lag},
          {"last_batch_at", stream.last_batch_at.empty() ? Json() : Json(stream.last_batch_at)},
          {"batches", stream.batches},
          {"failed_batches", stream.failed_batches},
          {"rows_loaded", stream.rows_loaded},
          {"rows_rejected", stream.rows_rejected},
          {"rows_duplicate", stream.rows_duplicate}});
    }
    return Respond(query, Json{{"streams", streams}}, streams,
                   {"source", "state", "rows_per_second", "lag_seconds", "last_batch_at", "batches",
                    "failed_batches", "rows_loaded", "rows_rejected", "rows_duplicate"},
                   "streams");
  }
  throw BadRequest{404, fmt::format("no endpoint /api/v1/pipeline/{}", part)};
}

using Clock = std::chrono::system_clock;

// Every endpoint of the API, in the order of docs/api.md: the one list the server's metric
// labels come from too.
struct Endpoint {
  std::string_view name;
  ApiResponse (*answer)(const Snapshot&, const Params&, Clock::time_point now,
                        std::string_view version);
};
constexpr Endpoint kEndpoints[] = {
    {"meta", [](const Snapshot& s, const Params& p, Clock::time_point,
                std::string_view version) { return Meta(s, p, version); }},
    {"dimensions", [](const Snapshot& s, const Params& p, Clock::time_point,
                      std::string_view) { return Dimensions(s, p); }},
    {"kpis", [](const Snapshot& s, const Params& p, Clock::time_point,
                std::string_view) { return Kpis(s, p); }},
    {"timeseries", [](const Snapshot& s, const Params& p, Clock::time_point,
                      std::string_view) { return Timeseries(s, p); }},
    {"breakdown", [](const Snapshot& s, const Params& p, Clock::time_point,
                     std::string_view) { return Breakdown(s, p); }},
    {"growth", [](const Snapshot& s, const Params& p, Clock::time_point,
                  std::string_view) { return Growth(s, p); }},
    {"customers", [](const Snapshot& s, const Params& p, Clock::time_point,
                     std::string_view) { return Customers(s, p); }},
    {"customers/at-risk", [](const Snapshot& s, const Params& p, Clock::time_point,
                             std::string_view) { return AtRisk(s, p); }},
    {"segments", [](const Snapshot& s, const Params& p, Clock::time_point,
                    std::string_view) { return Segments(s, p); }},
    {"clusters", [](const Snapshot& s, const Params& p, Clock::time_point,
                    std::string_view) { return Clusters(s, p); }},
    {"cohorts", [](const Snapshot& s, const Params& p, Clock::time_point,
                   std::string_view) { return Cohorts(s, p); }},
    {"forecast", [](const Snapshot& s, const Params& p, Clock::time_point,
                    std::string_view) { return Forecast(s, p, false); }},
    {"forecast/accuracy", [](const Snapshot& s, const Params& p, Clock::time_point,
                             std::string_view) { return Forecast(s, p, true); }},
    {"pipeline/runs", [](const Snapshot& s, const Params& p, Clock::time_point now,
                         std::string_view) { return Pipeline(s, "runs", p, now); }},
    {"pipeline/files", [](const Snapshot& s, const Params& p, Clock::time_point now,
                          std::string_view) { return Pipeline(s, "files", p, now); }},
    {"pipeline/rejects", [](const Snapshot& s, const Params& p, Clock::time_point now,
                            std::string_view) { return Pipeline(s, "rejects", p, now); }},
    {"pipeline/freshness", [](const Snapshot& s, const Params& p, Clock::time_point now,
                              std::string_view) { return Pipeline(s, "freshness", p, now); }},
    {"pipeline/streams", [](const Snapshot& s, const Params& p, Clock::time_point now,
                            std::string_view) { return Pipeline(s, "streams", p, now); }},
};

const Endpoint* FindEndpoint(std::string_view name) {
  for (const Endpoint& endpoint : kEndpoints) {
    if (endpoint.name == name) return &endpoint;
  }
  return nullptr;
}

}  // namespace

void SetApiCurrency(std::string symbol) { Currency() = std::move(symbol); }

bool IsApiEndpoint(std::string_view endpoint) { return FindEndpoint(endpoint) != nullptr; }

std::string ErrorBody(int status, std::string_view message) {
  Json body{{"error", {{"status", status}, {"message", message}}}};
  return body.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string CsvCell(std::string_view text) {
  std::string cell;
  if (!text.empty() && (text[0] == '=' || text[0] == '+' || text[0] == '-' || text[0] == '@' ||
                        text[0] == '\t' || text[0] == '\r')) {
    cell = "'";
  }
  cell += text;
  if (cell.find_first_of(",\"\r\n") == std::string::npos) return cell;
  std::string quoted = "\"";
  for (char c : cell) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  quoted += '"';
  return quoted;
}

ApiResponse AnswerApi(const Snapshot& snapshot, std::string_view endpoint, const Params& params,
                      std::chrono::system_clock::time_point now, std::string_view version) {
  try {
    if (const Endpoint* known = FindEndpoint(endpoint)) {
      return known->answer(snapshot, params, now, version);
    }
    throw BadRequest{404, fmt::format("no endpoint /api/v1/{}", endpoint)};
  } catch (const BadRequest& bad) {
    ApiResponse response;
    response.status = bad.status;
    response.body = ErrorBody(bad.status, bad.message);
    return response;
  }
}

}  // namespace till
