#include "serve/digest.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace till {
namespace {

using Json = nlohmann::ordered_json;

// 1234567.891 -> "1,234,567.89"; whole counts without decimals.
std::string Grouped(long double value, int decimals) {
  std::string digits = fmt::format("{:.{}f}", static_cast<double>(std::fabs(value)), decimals);
  size_t point = digits.find('.');
  if (point == std::string::npos) point = digits.size();
  std::string out = digits.substr(point);
  for (size_t i = point; i > 0; --i) {
    out.insert(out.begin(), digits[i - 1]);
    if (i > 1 && (point - i + 1) % 3 == 0) out.insert(out.begin(), ',');
  }
  return value < 0 ? "-" + out : out;
}

std::string ChangeText(std::optional<double> change) {
  if (!change) return "n/a (earlier period incomplete)";
  if (std::fabs(*change) < 0.0005) return "±0.0 %";
  return fmt::format("{}{:.1f} %", *change > 0 ? "+" : "−", std::fabs(*change) * 100);
}

std::optional<double> Change(long double now, long double before, bool comparable) {
  if (!comparable || before == 0) return std::nullopt;
  return static_cast<double>((now - before) / before);
}

Json Number(std::optional<double> value) { return value ? Json(*value) : Json(); }

}  // namespace

Json Digest(const Snapshot& snapshot, int days, std::chrono::system_clock::time_point now) {
  const Cube& cube = *snapshot.cube;
  Json digest;
  std::vector<std::string> lines;
  if (!cube.last_day() || days < 1) {
    digest["period"] = nullptr;
    lines.push_back("Till digest: no dated sales yet.");
  } else {
    Day to = *cube.last_day();
    Day from = to - days + 1;
    Day previous_from = from - days;
    const bool comparable = previous_from >= *cube.first_day();
    Selection all;
    std::pair<Day, Day> periods[] = {{from, to}, {previous_from, from - 1}};
    auto measures = cube.Periods(all, periods);
    const Measures& current = measures[0];
    const Measures& previous = measures[1];
    auto revenue_change =
        Change(current.revenue.Approximate(), previous.revenue.Approximate(), comparable);
    auto orders_change = Change(static_cast<long double>(current.orders),
                                static_cast<long double>(previous.orders), comparable);
    digest["period"] = {{"from", FormatDay(from)}, {"to", FormatDay(to)}, {"days", days}};
    digest["previous"] = {
        {"from", FormatDay(previous_from)}, {"to", FormatDay(from - 1)}, {"complete", comparable}};
    digest["revenue"] = current.revenue.RoundedToCents();
    digest["previous_revenue"] = previous.revenue.RoundedToCents();
    digest["revenue_change"] = Number(revenue_change);
    digest["orders"] = current.orders;
    digest["previous_orders"] = previous.orders;
    digest["orders_change"] = Number(orders_change);

    // The categories whose revenue changed most, either way.
    Json movers = Json::array();
    if (comparable) {
      struct Mover {
        std::string category;
        long double now, before;
      };
      std::vector<Mover> all_movers;
      const Dim dims[] = {Dim::kCategory};
      std::vector<long double> now_by(cube.Members(Dim::kCategory).size(), 0);
      std::vector<long double> before_by(now_by.size(), 0);
      for (auto [begin, end, out] :
           {std::tuple{from, to, &now_by}, std::tuple{previous_from, from - 1, &before_by}}) {
        Selection s;
        s.from = begin;
        s.to = end;
        auto groups = cube.Breakdown(s, dims);  // one dimension: never beyond kMaxGroups
        for (const Group& g : groups.value())
          (*out)[g.members[0]] = g.measures.revenue.Approximate();
      }
      for (size_t m = 0; m < now_by.size(); ++m) {
        if (before_by[m] > 0) {
          all_movers.push_back({cube.Members(Dim::kCategory)[m], now_by[m], before_by[m]});
        }
      }
      std::stable_sort(all_movers.begin(), all_movers.end(), [](const Mover& a, const Mover& b) {
        return std::fabs(a.now - a.before) > std::fabs(b.now - b.before);
      });
      for (size_t i = 0; i < all_movers.size() && i < 3; ++i) {
        const Mover& m = all_movers[i];
        double change = static_cast<double>((m.now - m.before) / m.before);
        movers.push_back({{"category", m.category},
                          {"revenue", std::round(static_cast<double>(m.now) * 100) / 100},
                          {"change", change}});
      }
    }
    digest["top_movers"] = movers;

    lines.push_back(fmt::format("Till digest, {} to {} ({} day{}):", FormatDay(from), FormatDay(to),
                                days, days == 1 ? "" : "s"));
    lines.push_back(
        fmt::format("Revenue {} ({} against {} – {})", Grouped(current.revenue.Approximate(), 2),
                    ChangeText(revenue_change), FormatDay(previous_from), FormatDay(from - 1)));
    lines.push_back(fmt::format("Orders {} ({})",
                                Grouped(static_cast<long double>(current.orders), 0),
                                ChangeText(orders_change)));
    if (!movers.empty()) {
      std::string text = "Top movers:";
      for (const auto& m : movers) {
        text += fmt::format(" {} {};", m["category"].get<std::string>(),
                            ChangeText(m["change"].get<double>()));
      }
      text.pop_back();
      lines.push_back(text);
    }
  }
  const auto& f = snapshot.freshness;
  int64_t read = f.rows_loaded + f.rows_rejected;
  std::optional<double> reject_ratio;
  if (read > 0) reject_ratio = static_cast<double>(f.rows_rejected) / static_cast<double>(read);
  digest["reject_ratio"] = Number(reject_ratio);
  lines.push_back(reject_ratio ? fmt::format("Rows rejected: {:.2f} % of {}", *reject_ratio * 100,
                                             Grouped(static_cast<long double>(read), 0))
                               : "Rows rejected: none read yet");
  if (f.last_success_epoch) {
    double age =
        std::chrono::duration<double>(now.time_since_epoch()).count() - *f.last_success_epoch;
    int64_t minutes = static_cast<int64_t>(std::max(0.0, age) / 60);
    digest["last_success_at"] = f.last_success_at;
    digest["age_seconds"] = static_cast<int64_t>(std::max(0.0, age));
    lines.push_back(minutes < 120
                        ? fmt::format("Last load {} ({} min ago)", f.last_success_at, minutes)
                        : fmt::format("Last load {} ({} h ago)", f.last_success_at, minutes / 60));
  } else {
    digest["last_success_at"] = nullptr;
    digest["age_seconds"] = nullptr;
    lines.push_back("No file loaded yet");
  }
  std::string text;
  for (const auto& line : lines) text += line + "\n";
  text.pop_back();
  Json out{{"text", text}};
  out.update(digest);
  return out;
}

}  // namespace till
