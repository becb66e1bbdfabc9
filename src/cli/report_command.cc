// `till report`: a short report of what the warehouse holds, or with --since the digest of the
// latest days (serve/digest.h), printed or posted to the webhooks of till.toml's [alerts].
#include <fmt/format.h>

#include <chrono>

#include "cli/command.h"
#include "cli/digest_poster.h"
#include "cli/output.h"
#include "cli/report.h"
#include "serve/digest.h"
#include "serve/snapshot.h"

namespace till {
namespace {

struct ReportFlags {
  std::string since;  // "1d", "7d", "2w"; empty: the plain report
  bool to_webhook = false;
};

int RunDigest(const Config& config, const ReportFlags& flags) {
  auto days = ParseDays(flags.since);
  if (!days) {
    fmt::print(stderr, "till: --since '{}' is not a number of days or weeks (1d, 7d, 2w)\n",
               flags.since);
    return kExitUsage;
  }
  if (flags.to_webhook && config.alerts.webhooks.empty()) {
    fmt::print(stderr, "till: --to-webhook needs webhooks in till.toml's [alerts] section\n");
    return kExitUsage;
  }
  auto warehouse = OpenMigrated(config.warehouse);
  if (!warehouse) return Fail(warehouse.error());
  SnapshotReader reader(std::move(*warehouse));
  auto snapshot = reader.Refresh(nullptr);
  if (!snapshot) return Fail(snapshot.error());
  auto digest = Digest(**snapshot, *days, std::chrono::system_clock::now());
  if (!flags.to_webhook) {
    fmt::print("{}\n", digest["text"].get<std::string>());
    return kExitOk;
  }
  int failed = DeliverDigest(digest, config.alerts.webhooks);
  if (failed) {
    fmt::print(stderr, "till: the digest could not be delivered to {} of {} webhooks (3 tries)\n",
               failed, config.alerts.webhooks.size());
  }
  return failed ? kExitFailed : kExitOk;
}

}  // namespace

Command AddReportCommand(CLI::App& app, Config& config) {
  auto flags = std::make_shared<ReportFlags>();
  auto* report = app.add_subcommand("report", "Print a short report of the warehouse");
  AddWarehouseOption(*report, config);
  report->add_option("--since", flags->since,
                     "The digest of the last days of the data instead (1d, 7d, 2w): revenue and "
                     "orders against the days before, top movers, reject rate, freshness");
  report
      ->add_flag("--to-webhook", flags->to_webhook,
                 "Post the digest to the webhooks of till.toml's [alerts] instead of printing "
                 "it")
      ->needs(report->get_option("--since"));
  return {report, [&config, flags] {
            if (!flags->since.empty()) return RunDigest(config, *flags);
            auto warehouse = OpenMigrated(config.warehouse);
            if (!warehouse) return Fail(warehouse.error());
            return ExitCode(PrintReport(**warehouse));
          }};
}

}  // namespace till
