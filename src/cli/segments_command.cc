// `till segments`: customer analytics of the warehouse's sales (src/segment/): RFM scores and
// named segments, behavioural clusters, expected purchases, probability alive and lifetime
// value per customer, then summaries per segment and per cluster, cohorts and the models.
// Customers are shown by their id only, never by anything personal.
#include <fmt/format.h>

#include <cmath>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "base/date.h"
#include "cli/command.h"
#include "cli/customer_segments.h"
#include "cli/output.h"
#include "segment/segmentation.h"
#include "serve/api.h"

namespace till {
namespace {

using nlohmann::json;

struct SegmentsFlags {
  std::string as_of;
  int64_t holdout_days = 0;
  bool json = false;
  bool csv = false;
  bool save = false;
};

// One customer's line: the members of a json object in nlohmann's (sorted) order, without
// building an object of thirteen members for each of hundreds of thousands of customers.
// Numbers are written by fmt (the shortest text that reads back to the same double, as
// nlohmann's own is) with a ".0" on whole doubles so that they read back as doubles; texts by
// nlohmann, which escapes them. fmt rather than json::dump for the numbers: dump builds a
// serializer and asks for the locale each time, and the numbers were most of the output's time.
void AppendCustomerJson(const segment::CustomerScore& c, std::string& out) {
  char separator = '{';
  auto key = [&](std::string_view name) {
    out += separator;
    separator = ',';
    out += '"';
    out += name;
    out += "\":";
  };
  auto number = [&](std::string_view name, double value) {
    key(name);
    if (!std::isfinite(value)) {
      out += "null";
      return;
    }
    const size_t begin = out.size();
    fmt::format_to(std::back_inserter(out), "{}", value);
    if (out.find_first_of(".e", begin) == std::string::npos) out += ".0";
  };
  auto integer = [&](std::string_view name, int64_t value) {
    key(name);
    fmt::format_to(std::back_inserter(out), "{}", value);
  };
  auto text = [&](std::string_view name, std::string_view value) {
    key(name);
    out += json(value).dump(-1, ' ', false, json::error_handler_t::replace);
  };
  integer("cluster", c.cluster);
  number("clv_12m", c.clv_12m);
  text("customer_id", c.customer_id);
  number("expected_order_value", c.expected_order_value);
  number("expected_purchases_90d", c.expected_purchases_90d);
  integer("f_score", c.rfm.f_score);
  integer("frequency", c.rfm.frequency);
  integer("m_score", c.rfm.m_score);
  number("monetary", c.rfm.monetary);
  number("p_alive", c.p_alive);
  integer("r_score", c.rfm.r_score);
  integer("recency_days", c.rfm.recency_days);
  text("segment", c.segment);
  out += "}\n";
}

json SummaryJson(std::string_view kind, const segment::GroupSummary& s) {
  json out{{"summary", kind}};
  if (kind == "cluster") {
    out["cluster"] = std::stoi(s.name);
    out["profile"] = s.profile;
  } else {
    out["segment"] = s.name;
  }
  out.update(json{{"customers", s.customers},
                  {"revenue", s.revenue},
                  {"revenue_share", s.revenue_share},
                  {"average_monetary", s.average_monetary},
                  {"average_frequency", s.average_frequency},
                  {"average_recency_days", s.average_recency_days},
                  {"average_clv_12m", s.average_clv_12m},
                  {"average_p_alive", s.average_p_alive}});
  return out;
}

constexpr char kNoDropoutNote[] =
    "the purchases show no drop-out (BG/NBD is not more likely than the NBD model, in which "
    "nobody stops buying): p_alive is 1 for every customer by the model, not by measurement";

json ModelJson(const segment::Segmentation& s) {
  json silhouettes = json::array();
  for (const auto& [k, value] : s.silhouettes)
    silhouettes.push_back({{"k", k}, {"silhouette", value}});
  json out{{"summary", "model"},
           {"as_of", FormatDate(CivilFromDays(s.as_of_day))},
           {"customers", s.customers.size()},
           {"k", s.clusters.size()},
           {"silhouette", s.silhouette},
           {"silhouettes", silhouettes},
           {"bg_nbd",
            {{"r", s.bg_nbd.r},
             {"alpha", s.bg_nbd.alpha},
             {"a", s.bg_nbd.a},
             {"b", s.bg_nbd.b},
             {"trend", s.bg_nbd.trend}}},
           {"dropout", s.dropout},
           {"dropout_likelihood_ratio", s.dropout_likelihood_ratio},
           {"trend", s.trend},
           {"trend_likelihood_ratio", s.trend_likelihood_ratio},
           {"gamma_gamma",
            {{"p", s.gamma_gamma.p}, {"q", s.gamma_gamma.q}, {"gamma", s.gamma_gamma.gamma}}},
           {"repeat_rate", s.cohorts.repeat_rate},
           {"mean_days_between_orders", s.cohorts.mean_days_between},
           {"median_days_between_orders", s.cohorts.median_days_between}};
  if (!s.dropout) out["note"] = kNoDropoutNote;
  if (s.holdout) {
    const auto& h = *s.holdout;
    out["holdout"] = {{"calibration_end", FormatDate(CivilFromDays(h.calibration_end_day))},
                      {"days", h.days},
                      {"customers", h.customers},
                      {"predicted_purchases", h.predicted},
                      {"actual_purchases", h.actual},
                      {"trend", h.params.trend},
                      {"error", h.error}};
  }
  return out;
}

void PrintJson(const segment::Segmentation& s) {
  std::string out;
  auto flush_when_full = [&] {
    if (out.size() > (1 << 20)) {
      std::fwrite(out.data(), 1, out.size(), stdout);
      out.clear();
    }
  };
  auto line = [&](const json& object) {
    out += object.dump(-1, ' ', false, json::error_handler_t::replace);
    out += '\n';
    flush_when_full();
  };
  for (const auto& c : s.customers) {
    AppendCustomerJson(c, out);
    flush_when_full();
  }
  for (const auto& g : s.segments) line(SummaryJson("segment", g));
  for (const auto& g : s.clusters) line(SummaryJson("cluster", g));
  for (const auto& cohort : s.cohorts.cohorts) {
    json months = json::array();
    for (const auto& m : cohort.months) {
      months.push_back({{"offset", m.offset},
                        {"active", m.active},
                        {"share_active", m.share_active},
                        {"revenue", m.revenue}});
    }
    line(json{{"summary", "cohort"},
              {"cohort", cohort.month},
              {"customers", cohort.customers},
              {"months", months}});
  }
  line(ModelJson(s));
  std::fwrite(out.data(), 1, out.size(), stdout);
}

void PrintCsv(const segment::Segmentation& s) {
  std::string out =
      "customer_id,recency_days,frequency,monetary,r_score,f_score,m_score,segment,cluster,"
      "expected_purchases_90d,p_alive,expected_order_value,clv_12m\n";
  for (const auto& c : s.customers) {
    out += fmt::format("{},{},{},{:.2f},{},{},{},{},{},{:.6g},{:.6g},{:.2f},{:.2f}\n",
                       CsvCell(c.customer_id), c.rfm.recency_days, c.rfm.frequency, c.rfm.monetary,
                       c.rfm.r_score, c.rfm.f_score, c.rfm.m_score, CsvCell(c.segment), c.cluster,
                       c.expected_purchases_90d, c.p_alive, c.expected_order_value, c.clv_12m);
    if (out.size() > (1 << 20)) {
      std::fwrite(out.data(), 1, out.size(), stdout);
      out.clear();
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
}

void PrintText(const segment::Segmentation& s) {
  fmt::print("Customers as of {}: {}\n\n", FormatDate(CivilFromDays(s.as_of_day)),
             s.customers.size());
  fmt::print("{:<20} {:>9} {:>8} {:>11} {:>10} {:>8}\n", "segment", "customers", "revenue",
             "avg value", "avg CLV", "P(alive)");
  for (const auto& g : s.segments) {
    fmt::print("{:<20} {:>9} {:>7.1f}% {:>11.2f} {:>10.2f} {:>8}\n", g.name, g.customers,
               100 * g.revenue_share, g.average_monetary, g.average_clv_12m,
               s.dropout ? fmt::format("{:.2f}", g.average_p_alive) : "n/a");
  }
  if (!s.dropout) fmt::print("P(alive) n/a: no drop-out in the purchases (see the models below)\n");
  fmt::print("\n{} clusters (silhouette {:.3f})\n", s.clusters.size(), s.silhouette);
  for (const auto& g : s.clusters) {
    fmt::print("{:>2}. {:<48} {:>9} customers {:>6.1f}% of revenue, avg value {:.2f}\n", g.name,
               g.profile, g.customers, 100 * g.revenue_share, g.average_monetary);
  }
  fmt::print("\nRepeat-purchase rate {:.1f}%; days between orders: mean {:.1f}, median {:.1f}\n",
             100 * s.cohorts.repeat_rate, s.cohorts.mean_days_between,
             s.cohorts.median_days_between);
  fmt::print("Cohorts (share active by month since the first order):\n");
  for (const auto& cohort : s.cohorts.cohorts) {
    std::string row;
    for (size_t m = 1; m < cohort.months.size() && m <= 12; ++m) {
      row += fmt::format(" {:>5.1f}%", 100 * cohort.months[m].share_active);
    }
    fmt::print("  {} {:>7} customers{}\n", cohort.month, cohort.customers, row);
  }
  if (s.dropout) {
    fmt::print("\nBG/NBD: r {:.4g}, alpha {:.4g}, a {:.4g}, b {:.4g}", s.bg_nbd.r, s.bg_nbd.alpha,
               s.bg_nbd.a, s.bg_nbd.b);
  } else {
    fmt::print("\nNo drop-out: {}.\nNBD (BG/NBD with a = 0): r {:.4g}, alpha {:.4g}",
               kNoDropoutNote, s.bg_nbd.r, s.bg_nbd.alpha);
  }
  if (s.trend) {
    fmt::print("; purchase rates trend {:+.1f}% a year", 100 * std::expm1(365 * s.bg_nbd.trend));
  }
  fmt::print("; Gamma-Gamma: p {:.4g}, q {:.4g}, gamma {:.4g}\n", s.gamma_gamma.p, s.gamma_gamma.q,
             s.gamma_gamma.gamma);
  if (s.holdout) {
    const auto& h = *s.holdout;
    fmt::print("Holdout ({} days after {}): predicted {:.0f} purchases, actual {} ({:+.1f}%)\n",
               h.days, FormatDate(CivilFromDays(h.calibration_end_day)), h.predicted, h.actual,
               100 * h.error);
  }
}

int RunSegments(const Config& config, const SegmentsFlags& flags) {
  std::optional<int64_t> as_of;
  if (!flags.as_of.empty()) {
    const auto date = ParseIsoDate(flags.as_of);
    if (!date) {
      fmt::print(stderr, "till: --as-of {}: not a date written YYYY-MM-DD\n", flags.as_of);
      return kExitUsage;
    }
    as_of = DaysFromCivil(*date);
  }
  auto warehouse = OpenMigrated(config.warehouse);
  if (!warehouse) return Fail(warehouse.error());
  auto segmentation = SegmentWarehouse(**warehouse, as_of, flags.holdout_days);
  if (!segmentation) return Fail(segmentation.error());
  if (flags.save) {
    const Status saved =
        (*warehouse)->ReplaceCustomerSegments(CustomerSegmentRows(*segmentation, std::nullopt));
    if (!saved) return Fail(saved.error());
  }
  if (flags.json) {
    PrintJson(*segmentation);
  } else if (flags.csv) {
    PrintCsv(*segmentation);
  } else {
    PrintText(*segmentation);
  }
  return kExitOk;
}

}  // namespace

Command AddSegmentsCommand(CLI::App& app, Config& config) {
  auto flags = std::make_shared<SegmentsFlags>();
  auto* segments = app.add_subcommand(
      "segments", "Customer segments: RFM scores and segments, clusters, lifetime value, cohorts");
  AddWarehouseOption(*segments, config);
  segments->add_option("--as-of", flags->as_of,
                       "Score as of this date, YYYY-MM-DD (default: the latest sale's date)");
  segments
      ->add_option("--holdout-days", flags->holdout_days,
                   "Also fit the purchase model on all but the last N days and compare its "
                   "prediction with the purchases made in them")
      ->check(CLI::PositiveNumber);
  auto* json_flag = segments->add_flag(
      "--json", flags->json,
      "One JSON object a line: each customer, then each segment, cluster, cohort and the models");
  segments->add_flag("--csv", flags->csv, "One CSV row per customer")->excludes(json_flag);
  segments->add_flag("--save", flags->save,
                     "Also store each customer's row in the warehouse's customer_segment table "
                     "(replacing what it held), as every successful load does");
  return {segments, [flags, &config] { return RunSegments(config, *flags); }};
}

}  // namespace till
