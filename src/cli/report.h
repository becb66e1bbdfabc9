// Read-only views of the warehouse for the terminal: run history, rejects, a short sales report.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "warehouse/warehouse.h"

namespace till {

struct RejectFilter {
  int64_t file_id = 0;  // 0: any
  int64_t run_id = 0;   // 0: any
  std::string reason;   // empty: any
  int limit = 50;
};

Status PrintRuns(Warehouse& warehouse, int limit, bool json);
Status PrintRejects(Warehouse& warehouse, const RejectFilter& filter, bool json);
// Rows loaded / rejected / duplicate, revenue by category, top brands, last run's time.
Status PrintReport(Warehouse& warehouse);

// `till status`: per landing zone (those given, or every zone the ledger knows), the files
// loaded, failed and pending, the last successful load and how long ago it was, and the share
// of rows rejected; then the same for the whole warehouse.
Status PrintStatus(Warehouse& warehouse, const std::vector<std::string>& zones, bool json);

}  // namespace till
