#include "cli/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "base/clock.h"
#include "clean/rules.h"
#include "landing/landing_zone.h"
#include "pipeline/ledger.h"

namespace till {
namespace {

// Prints rows as an aligned text table.
void PrintTable(const QueryResult& result) {
  std::vector<size_t> widths;
  for (const auto& column : result.columns) widths.push_back(column.size());
  for (const auto& row : result.rows) {
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
  print_row(result.columns);
  for (const auto& row : result.rows) {
    std::vector<std::string> cells;
    for (const auto& value : row) cells.push_back(value ? *value : "-");
    print_row(cells);
  }
}

void PrintJsonLines(const QueryResult& result) {
  for (const auto& row : result.rows) {
    nlohmann::json object = nlohmann::json::object();
    for (size_t c = 0; c < row.size(); ++c) {
      object[result.columns[c]] = row[c] ? nlohmann::json(*row[c]) : nlohmann::json(nullptr);
    }
    std::cout << object.dump() << "\n";
  }
}

// Sales and revenue by one dim_product attribute, largest first.
Status PrintRevenueBy(Warehouse& warehouse, std::string_view attribute, std::string_view title,
                      int limit) {
  auto result = warehouse.Query(
      fmt::format("SELECT coalesce(p.{0}, '(unknown)') AS {0}, count(*) AS sales, "
                  "  sum(f.total_amount) AS revenue "
                  "FROM fact_sales f JOIN dim_product p ON p.product_key = f.product_key "
                  "GROUP BY 1 ORDER BY sum(f.total_amount) DESC LIMIT {1}",
                  attribute, limit),
      {});
  TILL_RETURN_IF_ERROR(result);
  for (auto& row : result->rows) {
    if (row[2]) row[2] = fmt::format("{:.2f}", std::strtod(row[2]->c_str(), nullptr));
  }
  fmt::print("{}\n", title);
  PrintTable(*result);
  return {};
}

}  // namespace

Status PrintRuns(Warehouse& warehouse, int limit, bool json) {
  auto result = warehouse.Query(
      "SELECT r.run_id, r.trigger, r.started_at, r.finished_at, r.status, "
      "  count(f.file_id) AS files, "
      "  sum(CASE WHEN f.status = 'loaded' THEN 1 ELSE 0 END) AS loaded, "
      "  sum(CASE WHEN f.status = 'skipped' THEN 1 ELSE 0 END) AS skipped, "
      "  sum(CASE WHEN f.status = 'failed' THEN 1 ELSE 0 END) AS failed, "
      "  coalesce(sum(CASE WHEN f.status = 'loaded' THEN f.rows_loaded END), 0) AS rows_loaded, "
      "  coalesce(sum(f.rows_rejected), 0) AS rows_rejected, r.error "
      "FROM etl_run r LEFT JOIN etl_file f ON f.run_id = r.run_id "
      "GROUP BY r.run_id ORDER BY r.run_id DESC LIMIT ?",
      std::vector<std::string>{std::to_string(limit)});
  TILL_RETURN_IF_ERROR(result);
  if (json) {
    PrintJsonLines(*result);
  } else {
    PrintTable(*result);
  }
  return {};
}

Status PrintRejects(Warehouse& warehouse, const RejectFilter& filter, bool json) {
  auto result = warehouse.Query(
      "SELECT j.reject_id, j.file_id, f.uri, j.line, j.column_name AS column, j.reason, "
      "  CASE WHEN j.row_rejected THEN 'rejected' ELSE 'nulled' END AS outcome, j.message, "
      "  j.raw_line "
      "FROM etl_reject j JOIN etl_file f ON f.file_id = j.file_id "
      "WHERE (CAST(?1 AS INTEGER) = 0 OR j.file_id = CAST(?1 AS INTEGER)) "
      "  AND (CAST(?2 AS INTEGER) = 0 OR f.run_id = CAST(?2 AS INTEGER)) "
      "  AND (?3 = '' OR j.reason = ?3) "
      "ORDER BY j.file_id DESC, j.line LIMIT CAST(?4 AS INTEGER)",
      std::vector<std::string>{std::to_string(filter.file_id), std::to_string(filter.run_id),
                               filter.reason, std::to_string(filter.limit)});
  TILL_RETURN_IF_ERROR(result);
  if (json) {
    PrintJsonLines(*result);
  } else {
    QueryResult brief = *result;
    for (auto& row : brief.rows) row.pop_back();  // the raw line is in --json
    brief.columns.pop_back();
    PrintTable(brief);
  }
  return {};
}

Status PrintReport(Warehouse& warehouse) {
  auto totals = warehouse.Query(
      "SELECT coalesce(sum(rows_read), 0), coalesce(sum(rows_loaded), 0), "
      "  coalesce(sum(rows_rejected), 0), coalesce(sum(rows_duplicate), 0), count(*) "
      "FROM etl_file WHERE status = 'loaded' AND unloaded_at IS NULL");
  TILL_RETURN_IF_ERROR(totals);
  const auto& t = totals->rows.at(0);
  fmt::print("Files loaded: {}   rows read: {}   loaded: {}   rejected: {}   duplicate: {}\n\n",
             *t[4], *t[0], *t[1], *t[2], *t[3]);

  TILL_RETURN_IF_ERROR(PrintRevenueBy(warehouse, "category", "Revenue by category", 100));
  fmt::print("\n");
  TILL_RETURN_IF_ERROR(PrintRevenueBy(warehouse, "brand", "Top brands", 5));

  auto last = warehouse.Query(
      "SELECT r.run_id, r.status, r.started_at, r.finished_at, sum(f.rows_loaded) "
      "FROM etl_run r JOIN etl_file f ON f.run_id = r.run_id AND f.status = 'loaded' "
      "GROUP BY r.run_id ORDER BY r.run_id DESC LIMIT 1");
  TILL_RETURN_IF_ERROR(last);
  if (!last->rows.empty()) {
    const auto& r = last->rows[0];
    auto started = ParseTimestamp(r[2].value_or(""));
    auto finished = ParseTimestamp(r[3].value_or(""));
    std::string seconds =
        started && finished ? fmt::format("{:.2f}", *finished - *started) : std::string("?");
    fmt::print("\nLast load: run {} {}, {} rows in {} s\n", *r[0], *r[1], r[4].value_or("0"),
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

std::string Ago(std::optional<double> seconds) {
  if (!seconds) return "never";
  double s = *seconds;
  if (s < 120) return fmt::format("{:.0f} s ago", s);
  if (s < 7200) return fmt::format("{:.0f} min ago", s / 60);
  if (s < 172800) return fmt::format("{:.1f} h ago", s / 3600);
  return fmt::format("{:.1f} days ago", s / 86400);
}

int64_t AsInt(const std::optional<std::string>& value) { return value ? std::stoll(*value) : 0; }

}  // namespace

Status PrintStatus(Warehouse& warehouse, const std::vector<std::string>& zones, bool json) {
  std::vector<std::string> uris;
  for (const std::string& zone : zones) {
    auto opened = OpenLandingZone(zone);
    TILL_RETURN_IF_ERROR(opened);
    uris.push_back((*opened)->uri());
  }
  if (zones.empty()) {
    auto known = warehouse.Query("SELECT DISTINCT zone FROM landing_key ORDER BY zone");
    TILL_RETURN_IF_ERROR(known);
    for (const auto& row : known->rows) uris.push_back(row[0].value_or(""));
  }
  nlohmann::json report = nlohmann::json::object();
  report["zones"] = nlohmann::json::array();
  for (const std::string& uri : uris) {
    auto counts = warehouse.Query(
        "SELECT sum(CASE WHEN k.status = 'loaded' THEN 1 ELSE 0 END), "
        "  sum(CASE WHEN k.status = 'failed' THEN 1 ELSE 0 END), "
        "  max(CASE WHEN f.status = 'loaded' THEN f.finished_at END), "
        "  sum(CASE WHEN k.status = 'loaded' THEN f.rows_read END), "
        "  sum(CASE WHEN k.status = 'loaded' THEN f.rows_rejected END) "
        "FROM landing_key k LEFT JOIN etl_file f ON f.file_id = k.file_id WHERE k.zone = ?",
        std::vector<std::string>{uri});
    TILL_RETURN_IF_ERROR(counts);
    const auto& row = counts->rows.at(0);
    nlohmann::json zone = {{"zone", uri},
                           {"files_loaded", AsInt(row[0])},
                           {"files_failed", AsInt(row[1])},
                           {"last_success", row[2] ? nlohmann::json(*row[2]) : nullptr}};
    auto ago = SecondsAgo(row[2]);
    zone["freshness_seconds"] = ago ? nlohmann::json(*ago) : nullptr;
    int64_t read = AsInt(row[3]);
    zone["reject_ratio"] =
        read ? static_cast<double>(AsInt(row[4])) / static_cast<double>(read) : 0.0;
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
  auto totals = warehouse.Query(
      "SELECT count(*), coalesce(sum(rows_loaded), 0), max(finished_at), "
      "  coalesce(sum(rows_read), 0), coalesce(sum(rows_rejected), 0) "
      "FROM etl_file WHERE status = 'loaded' AND unloaded_at IS NULL");
  TILL_RETURN_IF_ERROR(totals);
  const auto& t = totals->rows.at(0);
  auto failed = warehouse.Query("SELECT count(*) FROM etl_file WHERE status = 'failed'");
  TILL_RETURN_IF_ERROR(failed);
  int64_t read = AsInt(t[3]);
  auto ago = SecondsAgo(t[2]);
  report["warehouse"] = {
      {"location", warehouse.Describe()},
      {"files_loaded", AsInt(t[0])},
      {"files_failed", AsInt(failed->rows.at(0)[0])},
      {"rows_loaded", AsInt(t[1])},
      {"last_success", t[2] ? nlohmann::json(*t[2]) : nullptr},
      {"freshness_seconds", ago ? nlohmann::json(*ago) : nullptr},
      {"reject_ratio", read ? static_cast<double>(AsInt(t[4])) / static_cast<double>(read) : 0.0}};
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
