// The embedded SQLite back end. Only the factory in warehouse.cc names it.
#pragma once

#include <memory>
#include <string>

#include "warehouse/warehouse.h"

namespace till {

// Opens (creating if missing) the SQLite warehouse at `path`.
Result<std::unique_ptr<Warehouse>> OpenSqliteWarehouse(const std::string& path);

// A first load into an empty warehouse checks rows for duplicates in memory up to this many
// rows (4,000,000 by default, about 160 MB), then through the warehouse. Tests lower it to reach
// the switch with small files. Not thread-safe; call before loading.
void SetBulkRowCheckLimitForTesting(size_t rows);

}  // namespace till
