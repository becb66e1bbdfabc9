#include "cli/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "clean/rules.h"

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

// Seconds since the epoch of a UTC timestamp as either warehouse writes it:
// "2024-02-01T10:00:00.250Z" (SQLite) or "2024-02-01 10:00:00.25+00" (PostgreSQL).
std::optional<double> ParseTimestamp(const std::string& text) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0;
  double second = 0;
  if (std::sscanf(text.c_str(), "%d-%d-%d%*c%d:%d:%lf", &year, &month, &day, &hour, &minute,
                  &second) != 6) {
    return std::nullopt;
  }
  return static_cast<double>(DaysFromCivil(CivilDate{year, month, day})) * 86400.0 + hour * 3600.0 +
         minute * 60.0 + second;
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

}  // namespace till
