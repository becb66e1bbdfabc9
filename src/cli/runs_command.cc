// `till runs`: the latest runs, with counts of their files and rows.
#include <memory>

#include "cli/command.h"
#include "cli/output.h"
#include "cli/report.h"

namespace till {
namespace {

struct RunsFlags {
  int limit = 20;
  bool json = false;
};

int RunRuns(const Config& config, const RunsFlags& flags) {
  auto warehouse = OpenMigrated(config.warehouse);
  if (!warehouse) return Fail(warehouse.error());
  return ExitCode(PrintRuns(**warehouse, flags.limit, flags.json));
}

}  // namespace

Command AddRunsCommand(CLI::App& app, Config& config) {
  auto flags = std::make_shared<RunsFlags>();
  auto* runs = app.add_subcommand("runs", "List recent runs with counts of their files and rows");
  AddWarehouseOption(*runs, config);
  runs->add_option("--limit", flags->limit, "How many runs")->check(CLI::PositiveNumber);
  runs->add_flag("--json", flags->json, "Print one JSON object per run");
  return {runs, [flags, &config] { return RunRuns(config, *flags); }};
}

}  // namespace till
