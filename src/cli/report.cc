#include "cli/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "base/clock.h"
#include "clean/rules.h"
#include "landing/landing_zone.h"
#include "pipeline/ledger.h"
#include "warehouse/reads.h"

namespace till {
namespace {

// Cells of text for the terminal; nullopt where the warehouse holds nothing.
struct TextTable {
  std::vector<std::string> columns;
  std::vector<std::vector<std::optional<std::string>>> rows;
};

// Prints rows as an aligned text table.
void PrintTable(const TextTable& table) {
  std::vector<size_t> widths;
  for (const auto& column : table.columns) widths.push_back(column.size());
  for (const auto& row : table.rows) {
    for (size_t c = 0; c < row.size(); ++c) {
      widths[c] = std::max(widths[c], row[c] ? std::min<size_t>(row[c]->size(), 60) : 1);
    }
  }
  auto print_row = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (size_t c = 0; c < cells.size(); ++c) {
      std::string cell = cells[c].size() > 60 ? cells[c].substr(0, 57) + "..." : cells[c];
      line += fmt::format("{:<{}}", cell, widths[c] + 2);
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    fmt::print("{}\n", line);
  };
  print_row(table.columns);
  for (const auto& row : table.rows) {
    std::vector<std::string> cells;
    for (const auto& value : row) cells.push_back(value ? *value : "-");
    print_row(cells);
  }
}

void PrintJsonLines(const TextTable& table) {
  for (const auto& row : table.rows) {
    nlohmann::json object = nlohmann::json::object();
    for (size_t c = 0; c < row.size(); ++c) {
      object[table.columns[c]] = row[c] ? nlohmann::json(*row[c]) : nlohmann::json(nullptr);
    }
    std::cout << object.dump() << "\n";
  }
}

// Sales and revenue by one dim_product attribute, largest first.
Status PrintRevenueBy(Warehouse& warehouse, ProductAttribute attribute, std::string_view title,
                      int limit) {
  auto revenue = ReadRevenueBy(warehouse, attribute, limit);
  TILL_RETURN_IF_ERROR(revenue);
  TextTable table{
      {attribute == ProductAttribute::kCategory ? "category" : "brand", "sales", "revenue"}, {}};
  for (const RevenueRow& row : *revenue) {
    table.rows.push_back({row.member, std::to_string(row.sales), row.revenue.CentsText()});
  }
  fmt::print("{}\n", title);
  PrintTable(table);
  return {};
}

}  // namespace

Status PrintRuns(Warehouse& warehouse, int limit, bool json) {
  // Whoever looks finds the runs whose process is gone, and marks them.
  TILL_RETURN_IF_ERROR(warehouse.MarkInterruptedRuns());
  auto runs = ReadRuns(warehouse, limit);
  TILL_RETURN_IF_ERROR(runs);
  TextTable table{{"run_id", "trigger", "started_at", "finished_at", "status", "files", "loaded",
                   "skipped", "failed", "rows_loaded", "rows_rejected", "error", "interrupted_at"},
                  {}};
  for (const RunRecord& run : *runs) {
    table.rows.push_back({std::to_string(run.run_id), run.trigger, run.started_at, run.finished_at,
                          run.status, std::to_string(run.files), std::to_string(run.files_loaded),
                          std::to_string(run.files_skipped), std::to_string(run.files_failed),
                          std::to_string(run.rows_loaded), std::to_string(run.rows_rejected),
                          run.error, run.interrupted_at});
  }
  if (json) {
    PrintJsonLines(table);
  } else {
    PrintTable(table);
  }
  return {};
}

Status PrintRejects(Warehouse& warehouse, const RejectFilter& filter, bool json) {
  auto rejects = ReadRejects(
      warehouse, RejectSelection{filter.file_id, filter.run_id, filter.reason, filter.limit});
  TILL_RETURN_IF_ERROR(rejects);
  TextTable table{{"reject_id", "file_id", "uri", "line", "column", "reason", "outcome", "message"},
                  {}};
  if (json) table.columns.push_back("raw_line");  // the text table leaves it out
  for (const StoredReject& reject : *rejects) {
    auto& row = table.rows.emplace_back(std::vector<std::optional<std::string>>{
        std::to_string(reject.reject_id), std::to_string(reject.file_id), reject.uri,
        std::to_string(reject.line), reject.column, reject.reason,
        reject.row_rejected ? "rejected" : "nulled", reject.message});
    if (json) row.push_back(reject.raw_line);
  }
  if (json) {
    PrintJsonLines(table);
  } else {
    PrintTable(table);
  }
  return {};
}

Status PrintReport(Warehouse& warehouse) {
  auto totals = ReadFreshness(warehouse);
  TILL_RETURN_IF_ERROR(totals);
  fmt::print("Files loaded: {}   rows read: {}   loaded: {}   rejected: {}   duplicate: {}\n\n",
             totals->files_loaded, totals->rows_read, totals->rows_loaded, totals->rows_rejected,
             totals->rows_duplicate);

  TILL_RETURN_IF_ERROR(
      PrintRevenueBy(warehouse, ProductAttribute::kCategory, "Revenue by category", 100));
  fmt::print("\n");
  TILL_RETURN_IF_ERROR(PrintRevenueBy(warehouse, ProductAttribute::kBrand, "Top brands", 5));

  auto last = ReadLastLoad(warehouse);
  TILL_RETURN_IF_ERROR(last);
  if (*last) {
    const LastLoad& r = **last;
    auto started = ParseTimestamp(r.started_at);
    auto finished = ParseTimestamp(r.finished_at.value_or(""));
    std::string seconds =
        started && finished ? fmt::format("{:.2f}", *finished - *started) : std::string("?");
    fmt::print("\nLast load: run {} {}, {} rows in {} s\n", r.run_id, r.status, r.rows_loaded,
               seconds);
  }
  return {};
}

namespace {

std::optional<double> SecondsAgo(const std::optional<std::string>& timestamp) {
  if (!timestamp) return std::nullopt;
  auto then = ParseTimestamp(*timestamp);
  if (!then) return std::nullopt;
  auto now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch());
  return now.count() - *then;
}

double RejectRatio(int64_t rejected, int64_t read) {
  return read ? static_cast<double>(rejected) / static_cast<double>(read) : 0.0;
}

std::string Ago(std::optional<double> seconds) {
  if (!seconds) return "never";
  double s = *seconds;
  if (s < 120) return fmt::format("{:.0f} s ago", s);
  if (s < 7200) return fmt::format("{:.0f} min ago", s / 60);
  if (s < 172800) return fmt::format("{:.1f} h ago", s / 3600);
  return fmt::format("{:.1f} days ago", s / 86400);
}

}  // namespace

Status PrintStatus(Warehouse& warehouse, const std::vector<std::string>& zones, bool json) {
  std::vector<std::string> uris;
  for (const std::string& zone : zones) {
    auto opened = OpenLandingZone(zone);
    TILL_RETURN_IF_ERROR(opened);
    uris.push_back((*opened)->uri());
  }
  if (zones.empty()) {
    auto known = ReadLedgerZones(warehouse);
    TILL_RETURN_IF_ERROR(known);
    uris = std::move(*known);
  }
  nlohmann::json report = nlohmann::json::object();
  report["zones"] = nlohmann::json::array();
  for (const std::string& uri : uris) {
    auto counts = ReadZoneFreshness(warehouse, uri);
    TILL_RETURN_IF_ERROR(counts);
    nlohmann::json zone = {
        {"zone", uri},
        {"files_loaded", counts->keys_loaded},
        {"files_failed", counts->keys_failed},
        {"last_success", counts->last_load_at ? nlohmann::json(*counts->last_load_at) : nullptr}};
    auto ago = SecondsAgo(counts->last_load_at);
    zone["freshness_seconds"] = ago ? nlohmann::json(*ago) : nullptr;
    zone["reject_ratio"] = RejectRatio(counts->rows_rejected, counts->rows_read);
    // Pending: files in the zone the ledger does not hold as they are now.
    auto opened = OpenLandingZone(uri);
    auto listed = opened ? (*opened)->List()
                         : Result<std::vector<LandingObject>>(Unexpected<Error>(opened.error()));
    auto ledger = warehouse.LandingEntries(uri);
    TILL_RETURN_IF_ERROR(ledger);
    if (listed) {
      zone["files_pending"] = CountPending(LedgerByKey(std::move(*ledger)), *listed);
    } else {
      zone["files_pending"] = nullptr;
      zone["error"] = listed.error().message();
    }
    report["zones"].push_back(zone);
  }
  auto totals = ReadFreshness(warehouse);
  TILL_RETURN_IF_ERROR(totals);
  const Freshness& t = *totals;
  auto ago = SecondsAgo(t.last_load_at);
  report["warehouse"] = {
      {"location", warehouse.Describe()},
      {"files_loaded", t.files_loaded},
      {"files_failed", t.files_failed},
      {"rows_loaded", t.rows_loaded},
      {"last_success", t.last_load_at ? nlohmann::json(*t.last_load_at) : nullptr},
      {"freshness_seconds", ago ? nlohmann::json(*ago) : nullptr},
      {"reject_ratio", RejectRatio(t.rows_rejected, t.rows_read)}};
  if (json) {
    std::cout << report.dump() << "\n";
    return {};
  }
  const auto& w = report["warehouse"];
  fmt::print(
      "warehouse {}: {} files loaded ({} rows), {} failed; last load {}; {:.2f}% of rows "
      "rejected\n",
      w["location"].get<std::string>(), w["files_loaded"].get<int64_t>(),
      w["rows_loaded"].get<int64_t>(), w["files_failed"].get<int64_t>(), Ago(ago),
      w["reject_ratio"].get<double>() * 100);
  for (const auto& zone : report["zones"]) {
    std::optional<double> zone_ago;
    if (!zone["freshness_seconds"].is_null()) zone_ago = zone["freshness_seconds"].get<double>();
    std::string pending =
        zone["files_pending"].is_null()
            ? fmt::format("pending unknown ({})", zone["error"].get<std::string>())
            : fmt::format("{} pending", zone["files_pending"].get<int64_t>());
    fmt::print("zone {}: {} loaded, {} failed, {}; last load {}; {:.2f}% of rows rejected\n",
               zone["zone"].get<std::string>(), zone["files_loaded"].get<int64_t>(),
               zone["files_failed"].get<int64_t>(), pending, Ago(zone_ago),
               zone["reject_ratio"].get<double>() * 100);
  }
  return {};
}

}  // namespace till
