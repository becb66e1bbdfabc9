#include "serve/forecast_answers.h"

#include <fmt/format.h>

#include <cmath>
#include <deque>
#include <map>
#include <mutex>
#include <tuple>

#include "base/date.h"

namespace till {
namespace {

using Json = nlohmann::ordered_json;
using forecast::DatedValue;

// Recent answers, by cube and question: the dashboard asks both endpoints of one question, and
// many viewers ask the same. Entries hold their cube, so a cube's address is never reused while
// it is a key.
struct CacheEntry {
  std::shared_ptr<const Cube> cube;
  std::string key;
  std::shared_ptr<const forecast::SalesForecast> forecast;
};
constexpr size_t kCacheEntries = 16;
std::mutex cache_mutex;
std::deque<CacheEntry> cache;

double ValueOf(const Measures& m, const std::string& measure) {
  if (measure == "units") return static_cast<double>(m.units);
  if (measure == "orders") return static_cast<double>(m.orders);
  return m.revenue.RoundedToCents();
}

int32_t KeyOfDay(Day day) { return CivilFromDays(day).Key(); }

// Each member of `dim` with sales, its days with sales, named by `name`.
void AddMembers(const Cube& cube, const Selection& selection, Dim dim, Day from, Day to,
                const std::string& measure, const std::function<std::string(uint32_t)>& name,
                std::vector<DatedValue>& out) {
  std::vector<Day> starts;
  auto series = cube.MemberSeries(selection, dim, Grain::kDay, from, to, starts);
  const size_t width = starts.size();
  if (width == 0) return;
  for (uint32_t member = 0; member < cube.Members(dim).size(); ++member) {
    for (size_t p = 0; p < width; ++p) {
      const Measures& m = series[member * width + p];
      if (m.orders == 0) continue;
      out.push_back({name(member), KeyOfDay(starts[p]), ValueOf(m, measure)});
    }
  }
}

Json Number(double v) { return std::isfinite(v) ? Json(v) : Json(); }

Json AccuracyFigures(const forecast::Accuracy& a) {
  return {{"mase", Number(a.mase)},
          {"wape", Number(a.wape)},
          {"bias", Number(a.bias)},
          {"coverage80", Number(a.coverage80)},
          {"coverage95", Number(a.coverage95)},
          {"points", a.points}};
}

std::string Date(const CivilDate& date) { return FormatDate(date); }

}  // namespace

Result<std::shared_ptr<const forecast::SalesForecast>> ForecastCube(
    const std::shared_ptr<const Cube>& cube, const Selection& selection,
    const ForecastQuestion& question) {
  std::string key = fmt::format("{}|{}|{}|{}|{}|{}", question.by, question.measure,
                                static_cast<int>(question.grain), question.horizon,
                                selection.from.value_or(kNoDay), selection.to.value_or(kNoDay));
  for (const auto& members : selection.members) {
    key += '|';
    for (uint32_t m : members) key += fmt::format("{},", m);
  }
  {
    std::lock_guard lock(cache_mutex);
    for (const CacheEntry& entry : cache) {
      if (entry.cube == cube && entry.key == key) return entry.forecast;
    }
  }
  std::vector<DatedValue> rows;
  if (cube->first_day()) {
    Day from = std::max(selection.from.value_or(*cube->first_day()), *cube->first_day());
    Day to = std::min(selection.to.value_or(*cube->last_day()), *cube->last_day());
    const std::string& measure = question.measure;
    if (from <= to) {
      if (question.by == "total") {
        for (const Bucket& bucket : cube->Series(selection, Grain::kDay)) {
          if (bucket.measures.orders == 0) continue;
          if (bucket.start < from || bucket.start > to) continue;
          rows.push_back({"", KeyOfDay(bucket.start), ValueOf(bucket.measures, measure)});
        }
      } else if (question.by == "country,category") {
        // Per country, its categories: the selection narrowed to that country.
        const auto& countries = selection.members[static_cast<size_t>(Dim::kCountry)];
        for (uint32_t country = 0; country < cube->Members(Dim::kCountry).size(); ++country) {
          if (!countries.empty() &&
              std::find(countries.begin(), countries.end(), country) == countries.end()) {
            continue;
          }
          Selection one = selection;
          one.members[static_cast<size_t>(Dim::kCountry)] = {country};
          const std::string& country_name = cube->Members(Dim::kCountry)[country];
          AddMembers(
              *cube, one, Dim::kCategory, from, to, measure,
              [&](uint32_t m) { return country_name + " / " + cube->Members(Dim::kCategory)[m]; },
              rows);
        }
      } else {
        Dim dim = question.by == "category"  ? Dim::kCategory
                  : question.by == "country" ? Dim::kCountry
                                             : Dim::kBrand;
        AddMembers(
            *cube, selection, dim, from, to, measure,
            [&](uint32_t m) { return cube->Members(dim)[m]; }, rows);
      }
    }
  }
  // By series, then day, as the warehouse's read orders them.
  std::stable_sort(rows.begin(), rows.end(), [](const DatedValue& a, const DatedValue& b) {
    return std::tie(a.series, a.date_key) < std::tie(b.series, b.date_key);
  });
  auto computed = forecast::ForecastSales(rows, question.grain, question.horizon, 0, 1);
  TILL_RETURN_IF_ERROR(computed);
  auto shared = std::make_shared<const forecast::SalesForecast>(std::move(*computed));
  std::lock_guard lock(cache_mutex);
  cache.push_back({cube, key, shared});
  if (cache.size() > kCacheEntries) cache.pop_front();
  return shared;
}

Json ForecastJson(const forecast::SalesForecast& f, const ForecastQuestion& question) {
  Json list = Json::array();
  for (size_t i = 0; i < f.results.size(); ++i) {
    Json one{{"series", f.sales.names[i]}};
    Json actual = Json::array();
    for (size_t k = 0; k < f.sales.history.size(); ++k) {
      actual.push_back({{"date", Date(f.sales.history[k])}, {"value", f.sales.values[i][k]}});
    }
    if (!f.results[i]) {
      one["error"] = f.results[i].error().message();
      one["actual"] = actual;
      list.push_back(one);
      continue;
    }
    const forecast::SeriesForecast& s = *f.results[i];
    one["model"] = s.model;
    one["season"] = s.season;
    one["why"] = s.why;
    one["notes"] = s.notes;
    one["actual"] = actual;
    Json rows = Json::array();
    for (size_t k = 0; k < s.prediction.size(); ++k) {
      rows.push_back({{"date", Date(f.sales.future[k])},
                      {"point", s.prediction.point[k]},
                      {"lo80", s.prediction.lo80[k]},
                      {"hi80", s.prediction.hi80[k]},
                      {"lo95", s.prediction.lo95[k]},
                      {"hi95", s.prediction.hi95[k]}});
    }
    one["forecast"] = rows;
    for (const forecast::CandidateResult& c : s.candidates) {
      if (c.available && c.kind == s.kind) one["accuracy"] = AccuracyFigures(c.backtest);
    }
    list.push_back(one);
  }
  return {{"by", question.by},
          {"measure", question.measure},
          {"grain", question.grain == forecast::SalesGrain::kWeek ? "week" : "day"},
          {"horizon", question.horizon},
          {"notes", f.sales.notes},
          {"series", list}};
}

Json AccuracyJson(const forecast::SalesForecast& f, const ForecastQuestion& question) {
  // Per model kind, and for the automatic choice, every series' figures; overall: their mean
  // over the series that have each figure, as `till forecast` prints it.
  std::map<std::string, std::vector<forecast::Accuracy>> by_model;
  Json list = Json::array();
  for (size_t i = 0; i < f.results.size(); ++i) {
    if (!f.results[i]) continue;
    const forecast::SeriesForecast& s = *f.results[i];
    Json candidates = Json::array();
    for (const forecast::CandidateResult& c : s.candidates) {
      Json row{{"kind", forecast::ModelKindName(c.kind)},
               {"model", c.model},
               {"available", c.available},
               {"chosen", c.available && c.kind == s.kind}};
      if (c.available) {
        row["accuracy"] = AccuracyFigures(c.backtest);
        by_model[forecast::ModelKindName(c.kind)].push_back(c.backtest);
        if (c.kind == s.kind) by_model["auto"].push_back(c.backtest);
      } else {
        row["reason"] = c.reason;
      }
      candidates.push_back(row);
    }
    list.push_back({{"series", f.sales.names[i]},
                    {"model", s.model},
                    {"why", s.why},
                    {"notes", s.notes},
                    {"candidates", candidates}});
  }
  Json overall = Json::array();
  for (const auto& [model, accuracies] : by_model) {
    const auto& all = accuracies;  // a lambda may not capture a structured binding in clang 14
    auto mean = [&](double forecast::Accuracy::*field) {
      double sum = 0;
      int count = 0;
      for (const forecast::Accuracy& a : all) {
        if (std::isfinite(a.*field)) {
          sum += a.*field;
          ++count;
        }
      }
      return count > 0 ? Json(sum / count) : Json();
    };
    int points = 0;
    for (const forecast::Accuracy& a : all) points += a.points;
    overall.push_back({{"model", model},
                       {"mase", mean(&forecast::Accuracy::mase)},
                       {"wape", mean(&forecast::Accuracy::wape)},
                       {"bias", mean(&forecast::Accuracy::bias)},
                       {"coverage80", mean(&forecast::Accuracy::coverage80)},
                       {"coverage95", mean(&forecast::Accuracy::coverage95)},
                       {"series", all.size()},
                       {"points", points}});
  }
  return {{"by", question.by},
          {"measure", question.measure},
          {"grain", question.grain == forecast::SalesGrain::kWeek ? "week" : "day"},
          {"horizon", question.horizon},
          {"overall", overall},
          {"series", list}};
}

}  // namespace till
