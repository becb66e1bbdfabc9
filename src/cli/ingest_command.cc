// `till ingest`: loads local files, folders and S3 objects or prefixes in one run.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/command.h"
#include "cli/cube_after_load.h"
#include "cli/customer_segments.h"
#include "cli/forecast_refresh.h"
#include "cli/output.h"
#include "landing/inputs.h"
#include "monitor/alerts.h"
#include "pipeline/ingest.h"

namespace till {
namespace {

struct IngestFlags {
  std::vector<std::string> paths;
  bool json = false;
  std::string trigger = "cli";
};

int RunIngest(const Config& config, const IngestFlags& flags) {
  // A folder without raw files is a usage error, told before the warehouse is opened.
  auto inputs = ExpandInputs(flags.paths);
  if (!inputs) {
    fmt::print(stderr, "till: {}\n", inputs.error().message());
    return kExitUsage;
  }
  auto warehouse =
      OpenWarehouse(config.warehouse, Access::kReadWrite, LoadWarehouseOptions(config));
  if (!warehouse) return Fail(warehouse.error());
  IngestOptions options;
  options.max_reject_ratio = config.max_reject_ratio;
  options.trigger = flags.trigger;
  ProgressBar bar;
  if (!flags.json && isatty(STDERR_FILENO)) {
    options.progress = [&bar](const std::string& uri, int64_t done, int64_t total) {
      bar.Update(uri, done, total);
    };
  }
  auto start = std::chrono::steady_clock::now();
  auto report = IngestFiles(**warehouse, std::span<const RawInput>(*inputs), options);
  std::unique_ptr<Alerter> alerter;
  if (report && config.alerts.enabled()) {
    // A run that failed, or a file over the reject threshold, alerts as under till watch.
    alerter = std::make_unique<Alerter>(config.alerts, (*warehouse)->Describe());
    for (const FileOutcome& file : report->files) alerter->OnFile(file);
    alerter->OnRun(report->succeeded);
  }
  bar.Clear();
  if (!report) return Fail(report.error());
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (const FileOutcome& file : report->files) {
    if (flags.json) {
      std::cout << FileJson(file, report->run_id).dump() << "\n";
      continue;
    }
    PrintFile(file.uri, file, Watching::kNo);
  }
  if (!flags.json) {
    fmt::print("run {} {} in {:.2f} s; warehouse {}\n", report->run_id,
               report->succeeded ? "succeeded" : "failed", seconds, (*warehouse)->Describe());
    std::fflush(stdout);
  }
  const bool loaded =
      std::any_of(report->files.begin(), report->files.end(),
                  [](const FileOutcome& f) { return f.status == FileStatus::kLoaded; });
  // What follows a load, timed apart from it: the cube file `till serve` starts from, the stored
  // forecasts (and the alerts on the days just loaded that lie outside them, with an alert
  // destination), then the customer segments.
  const bool cube = loaded && config.serve_cube_after_load;
  const bool forecasts = loaded && (config.forecast.refresh || alerter);
  const bool segments = report->succeeded && loaded && config.segments.refresh_after_load;
  auto after_start = std::chrono::steady_clock::now();
  if (cube) UpdateCubeFileAfterLoad(config, report->run_id);
  if (forecasts) {
    Config after_load = config;
    if (!alerter) after_load.forecast.anomaly_alerts = false;
    AfterLoad(**warehouse, after_load, report->run_id, [&alerter](const AnomalyEvent& event) {
      if (alerter) alerter->OnForecastAnomaly(event.firing, event.text);
    });
  }
  if (segments) RefreshSegmentsAfterLoad(config, **warehouse, alerter.get());
  if (!flags.json && (cube || config.forecast.refresh || segments) && loaded) {
    std::vector<std::string_view> refreshed;
    if (cube) refreshed.push_back("sales cube file");
    if (config.forecast.refresh) refreshed.push_back("stored forecasts");
    if (segments) refreshed.push_back("customer segments");
    std::string what(refreshed.front());
    for (size_t i = 1; i < refreshed.size(); ++i) {
      what += i + 1 == refreshed.size() ? " and " : ", ";
      what += refreshed[i];
    }
    fmt::print(
        "after the load: {} refreshed in {:.2f} s\n", what,
        std::chrono::duration<double>(std::chrono::steady_clock::now() - after_start).count());
  }
  if (!report->run_error.empty()) {
    fmt::print(stderr, "till: the end of run {} could not be recorded: {}\n", report->run_id,
               report->run_error);
  }
  return report->succeeded ? kExitOk : kExitFailed;
}

}  // namespace

Command AddIngestCommand(CLI::App& app, Config& config) {
  auto flags = std::make_shared<IngestFlags>();
  auto* ingest = app.add_subcommand("ingest", "Load raw files into the warehouse");
  ingest
      ->add_option("paths", flags->paths,
                   "Raw files, folders (their *.csv and *.tsv files, subfolders included; "
                   "hidden, *.tmp and *.part files skipped), S3 objects (s3://bucket/key.csv) "
                   "or prefixes (s3://bucket/raw_data/)")
      ->required()
      ->check(CLI::ExistingPath | CLI::Validator(
                                      [](std::string& value) {
                                        return value.starts_with("s3://") ? std::string()
                                                                          : std::string("no");
                                      },
                                      "s3://…"));
  AddWarehouseOption(*ingest, config);
  AddMaxRejectRatioOption(*ingest, config);
  ingest->add_flag("--json", flags->json, "Print one JSON object per file");
  ingest->add_option("--trigger", flags->trigger, "What started this run, for the run record");
  return {ingest, [flags, &config] { return RunIngest(config, *flags); }};
}

}  // namespace till
