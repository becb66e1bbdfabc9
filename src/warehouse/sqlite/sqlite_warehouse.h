// The embedded SQLite back end. Only the factory in warehouse.cc names it.
#pragma once

#include <memory>
#include <string>

#include "warehouse/warehouse.h"

namespace till {

// Opens (creating if missing) the SQLite warehouse at `path`.
Result<std::unique_ptr<Warehouse>> OpenSqliteWarehouse(const std::string& path, Access access,
                                                       const WarehouseOptions& options);

}  // namespace till
