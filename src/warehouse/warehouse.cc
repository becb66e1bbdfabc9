#include "warehouse/warehouse.h"

#include <fmt/format.h>
#include <pg_config.h>
#include <sqlite3.h>

#include <thread>

#include "warehouse/postgres/postgres_warehouse.h"
#include "warehouse/row_values.h"
#include "warehouse/sqlite/sqlite_warehouse.h"

namespace till {

Result<std::unique_ptr<Warehouse>> OpenWarehouse(const std::string& location, Access access,
                                                 const WarehouseOptions& options) {
  std::string_view rest = location;
  if (rest.starts_with("postgres://") || rest.starts_with("postgresql://")) {
    return OpenPostgresWarehouse(location, access, options);
  }
  if (rest.starts_with("postgres:") || rest.starts_with("postgresql:")) {
    return OpenPostgresWarehouse(std::string(rest.substr(rest.find(':') + 1)), access, options);
  }
  if (IsPostgresKeywordString(rest)) return OpenPostgresWarehouse(location, access, options);
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
  return OpenSqliteWarehouse(std::string(rest), access, options);
}

namespace {

// A row of QueryRows' text, read as numbers on demand.
class TextRow final : public Warehouse::TypedRow {
 public:
  explicit TextRow(row_values::Row values) : values_(values) {}
  bool IsNull(int column) const override { return !value(column); }
  int64_t Int(int column) const override { return row_values::Int(value(column)); }
  double Real(int column) const override { return row_values::Real(value(column)); }
  std::string_view Text(int column) const override { return value(column).value_or(""); }

 private:
  const std::optional<std::string_view>& value(int column) const {
    return values_[static_cast<size_t>(column)];
  }
  row_values::Row values_;
};

}  // namespace

Status Warehouse::QueryTypedRows(std::string_view sql, std::span<const std::string> params,
                                 const TypedRowVisitor& visit) {
  return QueryRows(sql, params, [&](row_values::Row values) { return visit(TextRow(values)); });
}

Result<bool> Warehouse::WaitForCommit(std::chrono::milliseconds timeout) {
  std::this_thread::sleep_for(timeout);
  return true;
}

std::string WarehouseLibraryVersions() {
  // PG_VERSION may carry the distribution's build ("15.18 (Debian 15.18-0+deb12u1)").
  std::string_view libpq = PG_VERSION;
  return fmt::format("SQLite {} and libpq {}", SQLITE_VERSION, libpq.substr(0, libpq.find(' ')));
}

}  // namespace till
