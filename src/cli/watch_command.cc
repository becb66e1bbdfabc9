// `till watch`: keeps the warehouse equal to what a landing zone holds, until stopped.
#include <fmt/format.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include "base/log.h"
#include "cli/command.h"
#include "cli/cube_after_load.h"
#include "cli/customer_segments.h"
#include "cli/forecast_refresh.h"
#include "cli/output.h"
#include "landing/kinesis.h"
#include "landing/landing_zone.h"
#include "landing/zone_events.h"
#include "monitor/alerts.h"
#include "monitor/metrics.h"
#include "pipeline/watch.h"
#include "stream/kinesis_consumer.h"

namespace till {
namespace {

struct WatchFlags {
  std::string location;
  std::string events;
  double rescan_seconds = 0;
  bool once = false;
  double give_up_seconds = 30;
  bool keep_deleted = false;
  bool json = false;
  int metrics_port = 0;
  std::string metrics_address = "127.0.0.1";
};

// Set by SIGTERM and SIGINT: `till watch` finishes the file in hand and stops. A second
// signal stops at once; the load in progress rolls back.
volatile std::sig_atomic_t stop_signals = 0;

void OnStopSignal(int) {
  if (stop_signals > 0) std::_Exit(128 + SIGTERM);
  stop_signals = 1;
}

// `till watch kinesis://STREAM`: the stream's shards consumed into the warehouse
// (stream/kinesis_consumer.h), each batch printed as a file is.
int RunKinesisWatch(const Config& config, const WatchFlags& flags) {
  if (!flags.events.empty()) {
    return Fail(Error(ErrorCode::kInvalidArgument, "--events: a Kinesis stream has no events"));
  }
  auto stream = OpenKinesisStream(flags.location);
  if (!stream) return Fail(stream.error());
  // Batches of new records, many times a second: a filter of the stored rows spares looking
  // each up (whereas a file's load into a large warehouse gains nothing from it: the lookups
  // warmed the index pages its claims are then written to).
  auto warehouse =
      OpenWarehouse(config.warehouse, Access::kReadWrite,
                    flags.once ? LoadWarehouseOptions(config) : KeptWarehouseOptions(config));
  if (!warehouse) return Fail(warehouse.error());
  Status migrated = (*warehouse)->Migrate();
  if (!migrated) return Fail(migrated.error());
  // Before the first batch waits on it; on failure the first batch reads it.
  if (Status read = (*warehouse)->ReadStoredRows(); !read) {
    Log(LogLevel::kWarn, "the stored rows were not read at the start",
        {{"error", read.error().message()}});
  }
  struct sigaction action {};
  action.sa_handler = OnStopSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  std::string zone = "kinesis://" + (*stream)->name();
  std::unique_ptr<WatchMetrics> metrics;
  if (flags.metrics_port > 0) {
    metrics = std::make_unique<WatchMetrics>(zone, TILL_VERSION);
    Status serving =
        metrics->Serve(fmt::format("{}:{}", flags.metrics_address, flags.metrics_port));
    if (!serving) return Fail(serving.error());
  }
  const bool json = flags.json;
  KinesisConsumerOptions options;
  options.until_caught_up = flags.once;
  if (flags.rescan_seconds > 0) {
    options.shard_refresh =
        std::chrono::milliseconds(static_cast<int64_t>(flags.rescan_seconds * 1000));
  }
  options.stop = [] { return stop_signals > 0; };
  options.on_lag = [&metrics](const std::string& shard, int64_t millis) {
    if (metrics) metrics->OnShardLag(shard, millis);
  };
  options.on_batch = [json, &metrics](const KinesisBatchReport& batch) {
    if (metrics) {
      metrics->OnStreamBatch(batch.records, batch.rows_read, batch.accepted, batch.rejected,
                             batch.duplicate, batch.commit_seconds);
    }
    if (json) {
      std::cout << nlohmann::json{{"source", batch.source},      {"shard", batch.shard},
                                  {"file_id", batch.file_id},    {"status", "loaded"},
                                  {"records", batch.records},    {"rows", batch.rows_read},
                                  {"accepted", batch.accepted},  {"rejected", batch.rejected},
                                  {"duplicate", batch.duplicate}}
                       .dump()
                << std::endl;
      return;
    }
    fmt::print("loaded   {}: {} records, {} rows ({} accepted, {} rejected, {} duplicate)\n",
               batch.source, batch.records, batch.rows_read, batch.accepted, batch.rejected,
               batch.duplicate);
    std::fflush(stdout);
  };
  if (!json) {
    fmt::print("watching {} into {}\n", zone, (*warehouse)->Describe());
    std::fflush(stdout);
  }
  Status consumed = ConsumeKinesis(**stream, **warehouse, options);
  if (!consumed) return Fail(consumed.error());
  return 0;
}

int RunWatch(const Config& config, const WatchFlags& flags) {
  if (flags.location.starts_with("kinesis://")) return RunKinesisWatch(config, flags);
  auto zone = OpenLandingZone(flags.location);
  if (!zone) return Fail(zone.error());
  std::unique_ptr<ZoneEvents> events;
  if (!flags.events.empty()) {
    if (!(*zone)->uri().starts_with("s3://")) {
      return Fail(Error(ErrorCode::kInvalidArgument,
                        "--events: only an s3:// zone has event notifications"));
    }
    if (flags.once) {
      return Fail(Error(ErrorCode::kInvalidArgument,
                        "--events and --once do not go together: --once lists the zone"));
    }
    auto opened = OpenSqsEvents(flags.events, (*zone)->uri());
    if (!opened) return Fail(opened.error());
    events = std::move(*opened);
  }
  auto warehouse =
      OpenWarehouse(config.warehouse, Access::kReadWrite, LoadWarehouseOptions(config));
  if (!warehouse) return Fail(warehouse.error());
  struct sigaction action {};
  action.sa_handler = OnStopSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);

  std::unique_ptr<WatchMetrics> metrics;
  if (flags.metrics_port > 0) {
    metrics = std::make_unique<WatchMetrics>((*zone)->uri(), TILL_VERSION);
    Status serving =
        metrics->Serve(fmt::format("{}:{}", flags.metrics_address, flags.metrics_port));
    if (!serving) return Fail(serving.error());
  }

  std::unique_ptr<Alerter> alerter;
  if (config.alerts.enabled()) alerter = std::make_unique<Alerter>(config.alerts, (*zone)->uri());

  const bool json = flags.json;
  WatchOptions options;
  options.ingest.max_reject_ratio = config.max_reject_ratio;
  options.ingest.trigger = "watch";
  options.rescan = std::chrono::milliseconds(static_cast<int64_t>(flags.rescan_seconds * 1000));
  options.once = flags.once;
  options.once_give_up =
      std::chrono::milliseconds(static_cast<int64_t>(flags.give_up_seconds * 1000));
  options.unload_deleted = !flags.keep_deleted;
  options.events = events.get();
  options.on_message = [json, &metrics](const EventMessage& message, const std::string& ignored) {
    if (metrics) metrics->OnEventMessage(!ignored.empty());
    if (ignored.empty()) return;
    if (json) {
      std::cout << nlohmann::json{{"message_id", message.id},
                                  {"status", message.malformed.empty() ? "ignored" : "malformed"},
                                  {"reason", ignored}}
                       .dump()
                << std::endl;
    } else {
      fmt::print("{} event {}: {}\n", message.malformed.empty() ? "ignored " : "deleted ",
                 message.id, ignored);
      std::fflush(stdout);
    }
  };
  options.on_event_lag = [&metrics](double seconds) {
    if (metrics) metrics->OnEventLag(seconds);
  };
  options.on_removed = [json](const std::string& key) {
    if (json) {
      std::cout << nlohmann::json{{"key", key}, {"status", "removed"}}.dump() << std::endl;
    } else {
      fmt::print("removed  {}: gone from the zone; the rows only it held were unloaded\n", key);
      std::fflush(stdout);
    }
  };
  options.stopping = [] { return stop_signals > 0; };
  // Between runs, outside any transaction of the watcher's: a run that loaded a file is followed
  // by the cube file's update, the forecasts' anomaly check and refresh, and when it succeeded by
  // the customer segments'.
  bool loaded = false;
  Config after_load = config;
  if (!alerter) after_load.forecast.anomaly_alerts = false;
  Warehouse& into = **warehouse;
  options.on_run = [&metrics, &alerter, &loaded, &config, &after_load, &into](double seconds,
                                                                              bool succeeded) {
    if (metrics) metrics->OnRun(seconds, succeeded);
    if (alerter) alerter->OnRun(succeeded);
    if (!loaded) return;
    loaded = false;
    UpdateCubeFileAfterLoad(config, 0);
    AfterLoad(into, after_load, 0, [&alerter](const AnomalyEvent& event) {
      if (alerter) alerter->OnForecastAnomaly(event.firing, event.text);
    });
    if (succeeded) RefreshSegmentsAfterLoad(config, into, alerter.get());
  };
  options.on_backlog = [&metrics, &alerter](int64_t files) {
    if (metrics) metrics->OnBacklog(files);
    if (alerter) alerter->OnListed();
  };
  options.on_file = [json, &metrics, &alerter, &loaded](const std::string& key,
                                                        const FileOutcome& file) {
    if (file.status == FileStatus::kLoaded) loaded = true;
    if (metrics) metrics->OnFile(file);
    if (alerter) alerter->OnFile(file);
    if (json) {
      nlohmann::json line = FileJson(file, 0);
      line.erase("run_id");
      line["key"] = key;
      line["file_id"] = file.file_id;
      std::cout << line.dump() << std::endl;
      return;
    }
    PrintFile(key, file, Watching::kYes);
  };
  options.on_retry = [&metrics, &alerter](const std::string& message) {
    if (metrics) metrics->OnRetry();
    if (alerter) alerter->OnRetry(message);
    // The event itself is logged (at warn) by the watcher.
  };
  if (!json) {
    fmt::print("watching {} into {}{}\n", (*zone)->uri(), (*warehouse)->Describe(),
               events ? " with events from " + events->name() : "");
    std::fflush(stdout);
  }
  return ExitCode(Watch(**warehouse, **zone, options));
}

}  // namespace

Command AddWatchCommand(CLI::App& app, Config& config) {
  auto flags = std::make_shared<WatchFlags>();
  auto* watch = app.add_subcommand(
      "watch", "Load each new or changed file of a landing zone as it arrives, until stopped");
  watch
      ->add_option("zone", flags->location,
                   "The landing zone: a folder, s3://bucket/prefix/, or a Kinesis data stream, "
                   "kinesis://STREAM")
      ->required();
  AddWarehouseOption(*watch, config);
  watch->add_option("--events", flags->events,
                    "An SQS queue the S3 zone's bucket sends its event notifications to "
                    "(https://sqs.REGION.amazonaws.com/ACCOUNT/NAME or sqs://HOST/ACCOUNT/NAME): "
                    "files load as they land; the zone is still listed every --rescan");
  watch
      ->add_option("--rescan", flags->rescan_seconds,
                   "Seconds between listings of the zone besides its own notices (default 2 "
                   "for a folder, 5 for S3, 300 for S3 with --events; for Kinesis, between "
                   "listings of the shards, default 10)")
      ->check(CLI::Range(0.05, 3600.0));
  watch->add_flag("--once", flags->once,
                  "Stop once everything settled in the zone is loaded (for Kinesis: once every "
                  "shard is read to its newest record)");
  watch
      ->add_option("--give-up", flags->give_up_seconds,
                   "With --once: seconds of failures in a row (the zone or the warehouse cannot "
                   "be reached) before giving up with exit code 1 (default 30)")
      ->check(CLI::Range(0.0, 86400.0));
  watch->add_flag("--keep-deleted", flags->keep_deleted,
                  "Keep the rows of files deleted from the zone (by default they leave with "
                  "their file)");
  watch
      ->add_option("--metrics-port", flags->metrics_port,
                   "Serve Prometheus metrics on /metrics here")
      ->check(CLI::Range(1, 65535));
  watch->add_option("--metrics-address", flags->metrics_address,
                    "Address to serve metrics on (default 127.0.0.1; 0.0.0.0 for every one)");
  watch->add_flag("--json", flags->json,
                  "Print one JSON object per file handled, and one per file gone from the zone");
  AddMaxRejectRatioOption(*watch, config);
  return {watch, [flags, &config] { return RunWatch(config, *flags); }};
}

}  // namespace till
