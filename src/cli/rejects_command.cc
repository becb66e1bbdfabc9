// `till rejects`: rejected rows and nulled values, with their reasons.
#include <memory>

#include "cli/command.h"
#include "cli/output.h"
#include "cli/report.h"

namespace till {
namespace {

struct RejectsFlags {
  RejectFilter filter;
  bool json = false;
};

int RunRejects(const Config& config, const RejectsFlags& flags) {
  auto warehouse = OpenMigrated(config.warehouse);
  if (!warehouse) return Fail(warehouse.error());
  return ExitCode(PrintRejects(**warehouse, flags.filter, flags.json));
}

}  // namespace

Command AddRejectsCommand(CLI::App& app, Config& config) {
  auto flags = std::make_shared<RejectsFlags>();
  RejectFilter& filter = flags->filter;
  auto* rejects = app.add_subcommand("rejects", "List rejected rows and nulled values");
  AddWarehouseOption(*rejects, config);
  rejects->add_option("--file", filter.file_id, "Only this file id");
  rejects->add_option("--run", filter.run_id, "Only files of this run");
  rejects->add_option("--reason", filter.reason, "Only this reason code, e.g. bad_date");
  rejects->add_option("--limit", filter.limit, "How many")->check(CLI::PositiveNumber);
  rejects->add_flag("--json", flags->json, "Print JSON lines");
  return {rejects, [flags, &config] { return RunRejects(config, *flags); }};
}

}  // namespace till
