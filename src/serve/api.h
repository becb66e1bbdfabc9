// The JSON API of `till serve` (docs/api.md), apart from HTTP: an endpoint name and its query
// parameters in, a status and a body out. Everything here reads one Snapshot and nothing else.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <string_view>

#include "serve/snapshot.h"

namespace till {

struct ApiResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::string filename;  // for CSV: the name a browser saves it under
};

using Params = std::multimap<std::string, std::string>;

// Answers /api/v1/<endpoint> ("kpis", "pipeline/runs", …). An unknown endpoint is a 404; a bad
// parameter a 400 whose message names it.
ApiResponse AnswerApi(const Snapshot& snapshot, std::string_view endpoint, const Params& params,
                      std::chrono::system_clock::time_point now, std::string_view version);

// The currency symbol `meta` names ("€", "US$"; empty: none). The raw files carry no currency,
// so it comes from the settings; set it before the server starts, never while it answers.
void SetApiCurrency(std::string symbol);

// True when AnswerApi answers `endpoint` ("kpis", "pipeline/runs", …) rather than with a 404.
bool IsApiEndpoint(std::string_view endpoint);

// The JSON error body every failure carries: {"error": {"status": …, "message": …}}.
std::string ErrorBody(int status, std::string_view message);

// One CSV cell. Text that a spreadsheet would run as a formula (starting with =, +, -, @, a tab
// or a carriage return) is prefixed with a quote; cells are quoted as RFC 4180 asks.
std::string CsvCell(std::string_view text);

}  // namespace till
