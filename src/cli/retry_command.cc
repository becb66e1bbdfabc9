// `till retry`: lets `till watch` try again the files of a zone that failed on their content.
#include <fmt/format.h>

#include <memory>
#include <string>
#include <vector>

#include "cli/command.h"
#include "cli/output.h"
#include "landing/landing_zone.h"

namespace till {
namespace {

struct RetryFlags {
  std::string location;
  std::vector<std::string> keys;
};

int RunRetry(const Config& config, const RetryFlags& flags) {
  auto zone = OpenLandingZone(flags.location);
  if (!zone) return Fail(zone.error());
  auto warehouse = OpenMigrated(config.warehouse);
  if (!warehouse) return Fail(warehouse.error());
  auto marked = (*warehouse)->RetryLandingKeys((*zone)->uri(), flags.keys);
  if (!marked) return Fail(marked.error());
  fmt::print("{} failed file{} of {} will be tried again by till watch\n", *marked,
             *marked == 1 ? "" : "s", (*zone)->uri());
  return kExitOk;
}

}  // namespace

Command AddRetryCommand(CLI::App& app, Config& config) {
  auto flags = std::make_shared<RetryFlags>();
  auto* retry = app.add_subcommand(
      "retry", "Make till watch try again files of a landing zone that failed on their content");
  retry->add_option("zone", flags->location, "The landing zone: a folder or s3://bucket/prefix/")
      ->required();
  retry->add_option("keys", flags->keys, "Only these files (paths within the zone)");
  AddWarehouseOption(*retry, config);
  return {retry, [flags, &config] { return RunRetry(config, *flags); }};
}

}  // namespace till
