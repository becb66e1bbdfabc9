// The PostgreSQL back end (works with Amazon RDS). Only the factory in warehouse.cc names it.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "warehouse/warehouse.h"

namespace till {

// Connects to the database `conninfo` names: a postgres:// URL, a libpq "key=value" string, or
// "" for the PG* environment variables. Applies the migrations only when asked (Migrate).
Result<std::unique_ptr<Warehouse>> OpenPostgresWarehouse(const std::string& conninfo, Access access,
                                                         const WarehouseOptions& options);

// True when `location` reads as a libpq "key=value" connection string ("host=db dbname=retail").
bool IsPostgresKeywordString(std::string_view location);

}  // namespace till
