#include "warehouse/warehouse.h"

#include <fmt/format.h>

#include "warehouse/postgres_warehouse.h"
#include "warehouse/sqlite_warehouse.h"

namespace till {
namespace {

size_t bulk_row_check_limit = 4'000'000;

}  // namespace

Result<std::unique_ptr<Warehouse>> OpenWarehouse(const std::string& location, Access access) {
  std::string_view rest = location;
  if (rest.starts_with("postgres://") || rest.starts_with("postgresql://")) {
    return OpenPostgresWarehouse(location, access);
  }
  if (rest.starts_with("postgres:") || rest.starts_with("postgresql:")) {
    return OpenPostgresWarehouse(std::string(rest.substr(rest.find(':') + 1)), access);
  }
  if (IsPostgresKeywordString(rest)) return OpenPostgresWarehouse(location, access);
  if (rest.starts_with("sqlite://")) {
    rest.remove_prefix(9);
  } else if (rest.starts_with("sqlite:")) {
    rest.remove_prefix(7);
  } else if (rest.find("://") != std::string_view::npos) {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("unknown warehouse scheme in '{}'; use a SQLite file path or a "
                                 "postgres:// URL",
                                 location.substr(0, location.find("://"))));
  }
  if (rest.empty()) return MakeError(ErrorCode::kInvalidArgument, "empty warehouse path");
  return OpenSqliteWarehouse(std::string(rest), access);
}

size_t BulkRowCheckLimit() { return bulk_row_check_limit; }
void SetBulkRowCheckLimitForTesting(size_t rows) { bulk_row_check_limit = rows; }

}  // namespace till
