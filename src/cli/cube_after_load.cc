#include "cli/cube_after_load.h"

#include <chrono>
#include <nlohmann/json.hpp>
#include <string_view>

#include "base/log.h"
#include "serve/cube_file.h"
#include "serve/snapshot.h"
#include "warehouse/warehouse.h"

namespace till {

bool UpdateCubeFileAfterLoad(const Config& config, int64_t run_id) {
  if (!config.serve_cube_after_load) return true;
  const auto started = std::chrono::steady_clock::now();
  auto log = [run_id](LogLevel level, std::string_view message, nlohmann::json fields) {
    if (run_id != 0) fields["run_id"] = run_id;
    Log(level, message, fields);
  };
  auto warehouse = OpenWarehouse(config.warehouse, Access::kReadOnly);
  if (!warehouse) {
    log(LogLevel::kWarn, "sales cube file not updated", {{"error", warehouse.error().message()}});
    return false;
  }
  const std::string path = DefaultCubeFile((*warehouse)->Describe());
  auto update = UpdateCubeFile(std::move(*warehouse), path);
  if (!update) {
    log(LogLevel::kWarn, "sales cube file not updated",
        {{"cube_file", path}, {"error", update.error().message()}});
    return false;
  }
  if (!update->problem.empty()) {
    log(LogLevel::kWarn, "the cube file could not be used; the sales were read from the warehouse",
        {{"cube_file", path}, {"error", update->problem}});
  }
  log(LogLevel::kInfo, "sales cube file updated",
      {{"from", CubeOriginName(update->origin)},
       {"sales", update->sales},
       {"seconds",
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()},
       {"cube_file", path}});
  return true;
}

}  // namespace till
