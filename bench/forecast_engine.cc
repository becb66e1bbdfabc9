// The forecast engine alone on the series file bench/forecast.sh gives its peer: `series,
// YYYYMMDD,value` rows (sqlite3 -csv), each series over every day from the first date of the
// file to the last, a day without a row a zero, exactly as the peer builds them. Every series
// is fitted and backtested (ForecastAll, season 7, horizon 28, 4 origins) on the threads asked;
// the wall time of that call goes to stderr as `seconds N`, and each series' result to stdout,
// one JSON object a line with every number printed in full, so that the runs on different
// thread counts can be compared byte for byte.
//
// With HOLDOUT > 0, the last HOLDOUT values of every series are held back: the series without
// them is forecast (HORIZON defaults to HOLDOUT then), and each result also carries
// "holdout", the accuracy of the final forecast and its intervals on the values held back:
// the check, on days no part of the engine saw, that the calibrated intervals cover what
// they claim. SEASON (default 7) and HORIZON (default 28) as in SeriesOptions.
//
//   forecast_engine SERIES.csv [THREADS] [HOLDOUT] [SEASON] [HORIZON]
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "base/date.h"
#include "forecast/backtest.h"
#include "forecast/forecaster.h"

namespace {

using till::forecast::Accuracy;

// One CSV field at `pos`, unquoting "..." ("" inside is a quote); pos moves past the comma.
std::string Field(const std::string& line, std::size_t& pos) {
  std::string out;
  if (pos < line.size() && line[pos] == '"') {
    for (++pos; pos < line.size(); ++pos) {
      if (line[pos] == '"') {
        if (pos + 1 < line.size() && line[pos + 1] == '"') {
          out += '"';
          ++pos;
        } else {
          ++pos;
          break;
        }
      } else {
        out += line[pos];
      }
    }
  } else {
    while (pos < line.size() && line[pos] != ',') out += line[pos++];
  }
  if (pos < line.size() && line[pos] == ',') ++pos;
  return out;
}

nlohmann::json AccuracyJson(const Accuracy& a) {
  auto number = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); };
  return {{"mase", number(a.mase)},
          {"wape", number(a.wape)},
          {"bias", number(a.bias)},
          {"coverage80", number(a.coverage80)},
          {"coverage95", number(a.coverage95)},
          {"points", a.points}};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: forecast_engine SERIES.csv [THREADS]\n");
    return 2;
  }
  std::ifstream in(argv[1]);
  if (!in) {
    std::fprintf(stderr, "%s: cannot read\n", argv[1]);
    return 2;
  }
  const int threads = argc > 2 ? std::atoi(argv[2])
                               : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  const int holdout = argc > 3 ? std::atoi(argv[3]) : 0;
  till::forecast::SeriesOptions options;  // season 7, horizon 28, 4 origins
  if (argc > 4) options.season = std::atoi(argv[4]);
  options.horizon = argc > 5 ? std::atoi(argv[5]) : holdout > 0 ? holdout : 28;
  struct Row {
    int64_t day;
    double value;
  };
  std::vector<std::string> names;
  std::map<std::string, std::vector<Row>> rows;
  int64_t first = INT64_MAX, last = INT64_MIN;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    std::size_t pos = 0;
    std::string name = Field(line, pos), key = Field(line, pos), value = Field(line, pos);
    int64_t day = 0;
    double v = 0;
    try {
      day = till::DaysFromCivil(till::DateFromKey(std::stoi(key)));
      v = std::stod(value);
    } catch (const std::exception&) {
      std::fprintf(stderr, "%s:%d: expected series,YYYYMMDD,value\n", argv[1], number);
      return 2;
    }
    if (!rows.contains(name)) names.push_back(name);
    rows[name].push_back({day, v});
    first = std::min(first, day);
    last = std::max(last, day);
  }
  if (names.empty()) {
    std::fprintf(stderr, "%s: no rows\n", argv[1]);
    return 2;
  }
  std::vector<std::vector<double>> series, held;
  for (const std::string& name : names) {
    std::vector<double> y(last - first + 1, 0.0);
    for (const Row& r : rows[name]) y[r.day - first] += r.value;
    if (holdout >= static_cast<int>(y.size())) {
      std::fprintf(stderr, "%s: the holdout is longer than the series\n", argv[1]);
      return 2;
    }
    held.emplace_back(y.end() - holdout, y.end());
    y.resize(y.size() - holdout);
    series.push_back(std::move(y));
  }
  const auto start = std::chrono::steady_clock::now();
  auto results = till::forecast::ForecastAll(series, options, threads);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(stderr, "seconds %.6f\n", seconds);
  for (std::size_t i = 0; i < results.size(); ++i) {
    nlohmann::json out = {{"series", names[i]}};
    if (!results[i]) {
      out["error"] = results[i].error().message();
    } else {
      const auto& f = *results[i];
      out["model"] = f.model;
      out["kind"] = till::forecast::ModelKindName(f.kind);
      out["point"] = f.prediction.point;
      out["lo80"] = f.prediction.lo80;
      out["hi80"] = f.prediction.hi80;
      out["lo95"] = f.prediction.lo95;
      out["hi95"] = f.prediction.hi95;
      nlohmann::json candidates = nlohmann::json::object();
      for (const auto& c : f.candidates) {
        if (!c.available) continue;
        candidates[till::forecast::ModelKindName(c.kind)] = AccuracyJson(c.backtest);
        if (c.kind == till::forecast::ModelKind::kEts) out["ets"] = c.model;
      }
      if (static_cast<std::size_t>(f.kind) < f.candidates.size()) {
        candidates["auto"] = AccuracyJson(f.candidates[static_cast<int>(f.kind)].backtest);
      }
      out["accuracy"] = candidates;
      if (holdout > 0) {
        const std::vector<double>& y = series[i];
        till::forecast::AccuracyAccumulator accuracy;
        till::forecast::Prediction p = f.prediction;
        const int k = std::min(holdout, static_cast<int>(p.size()));
        for (auto* v : {&p.point, &p.lo80, &p.hi80, &p.lo95, &p.hi95}) v->resize(k);
        accuracy.Add(std::span<const double>(held[i]).first(k), p,
                     till::forecast::MaseScale(y, options.season));
        out["holdout"] = AccuracyJson(accuracy.Get());
      }
    }
    std::cout << out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  }
  return 0;
}
