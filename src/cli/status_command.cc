// `till status`: is data flowing, per landing zone and for the whole warehouse.
#include <memory>
#include <string>
#include <vector>

#include "cli/command.h"
#include "cli/output.h"
#include "cli/report.h"

namespace till {
namespace {

struct StatusFlags {
  std::vector<std::string> zones;
  bool json = false;
};

int RunStatus(const Config& config, const StatusFlags& flags) {
  auto warehouse = OpenMigrated(config.warehouse);
  if (!warehouse) return Fail(warehouse.error());
  return ExitCode(PrintStatus(**warehouse, flags.zones, flags.json));
}

}  // namespace

Command AddStatusCommand(CLI::App& app, Config& config) {
  auto flags = std::make_shared<StatusFlags>();
  auto* status = app.add_subcommand(
      "status", "Is data flowing: per landing zone, files loaded, failed and pending, freshness");
  AddWarehouseOption(*status, config);
  status->add_option("zones", flags->zones,
                     "Landing zones (default: every zone the warehouse has loaded from)");
  status->add_flag("--json", flags->json, "Print JSON");
  return {status, [flags, &config] { return RunStatus(config, *flags); }};
}

}  // namespace till
