#include "cli/command.h"

namespace till {

void AddWarehouseOption(CLI::App& command, Config& config) {
  command.add_option("--warehouse,-w", config.warehouse,
                     "Warehouse: a SQLite file path, or a PostgreSQL database as a "
                     "postgres://… URL, a libpq 'host=… dbname=…' string, or postgres: for the "
                     "PG* environment variables (default till.db; also TILL_WAREHOUSE or "
                     "till.toml)");
}

void AddMaxRejectRatioOption(CLI::App& command, Config& config) {
  command
      .add_option("--max-reject-ratio", config.max_reject_ratio,
                  "Fail a file whose rejected rows exceed this share (default 0.05; also "
                  "till.toml)")
      ->check(CLI::Range(0.0, 1.0));
}

WarehouseOptions LoadWarehouseOptions(const Config& config) {
  return WarehouseOptions{.file_partition_bytes = config.file_partition_mib << 20};
}

WarehouseOptions KeptWarehouseOptions(const Config& config) {
  WarehouseOptions options = LoadWarehouseOptions(config);
  options.stored_row_filter_keys = kKeptRowFilterKeys;
  return options;
}

Result<std::unique_ptr<Warehouse>> OpenMigrated(const std::string& location) {
  auto warehouse = OpenWarehouse(location);
  TILL_RETURN_IF_ERROR(warehouse);
  TILL_RETURN_IF_ERROR((*warehouse)->Migrate());
  return warehouse;
}

}  // namespace till
