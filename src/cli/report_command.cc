// `till report`: a short report of what the warehouse holds.
#include "cli/command.h"
#include "cli/output.h"
#include "cli/report.h"

namespace till {

Command AddReportCommand(CLI::App& app, Config& config) {
  auto* report = app.add_subcommand("report", "Print a short report of the warehouse");
  AddWarehouseOption(*report, config);
  return {report, [&config] {
            auto warehouse = OpenMigrated(config.warehouse);
            if (!warehouse) return Fail(warehouse.error());
            return ExitCode(PrintReport(**warehouse));
          }};
}

}  // namespace till
