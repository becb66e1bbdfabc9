// The till command: one subcommand per user task. Exceptions that end a run are caught here and
// become one clear message and an exit code: 0 success, 1 a failed file or operation, 2 a usage
// error.
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "base/log.h"
#include "cli/config.h"
#include "cli/report.h"
#include "generate/generator.h"
#include "landing/landing_zone.h"
#include "monitor/alerts.h"
#include "monitor/metrics.h"
#include "pipeline/ingest.h"
#include "pipeline/watch.h"
#include "serve/server.h"
#include "warehouse/warehouse.h"

namespace till {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

int Fail(const Error& error) {
  fmt::print(stderr, "till: {}\n", error.message());
  return kExitFailed;
}

Result<std::unique_ptr<Warehouse>> OpenMigrated(const std::string& location) {
  auto warehouse = OpenWarehouse(location);
  TILL_RETURN_IF_ERROR(warehouse);
  TILL_RETURN_IF_ERROR((*warehouse)->Migrate());
  return warehouse;
}

// `till init --create-roles`: prints each role, and a generated password once.
int CreateRoles(Warehouse& warehouse) {
  auto from_env = [](const char* name) {
    const char* value = std::getenv(name);
    return std::string(value ? value : "");
  };
  auto roles = warehouse.CreateRoles(
      RolePasswords{from_env("TILL_LOADER_PASSWORD"), from_env("TILL_READER_PASSWORD")});
  if (!roles) return Fail(roles.error());
  for (const RoleCredential& role : *roles) {
    fmt::print("role {} {}", role.role, role.created ? "created" : "updated");
    if (!role.generated_password.empty()) {
      fmt::print(" with password {} (shown only now)", role.generated_password);
    }
    fmt::print("\n");
  }
  return kExitOk;
}

// A one-line progress bar on a terminal, redrawn at most ten times a second.
class ProgressBar {
 public:
  void Update(const std::string& uri, int64_t done, int64_t total) {
    auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::milliseconds(100) && done != total) return;
    last_ = now;
    std::string name = uri.substr(uri.find_last_of('/') + 1);
    if (total > 0) {
      double share = static_cast<double>(done) / static_cast<double>(total);
      int filled = static_cast<int>(share * 30);
      fmt::print(stderr, "\r{} [{}{}] {:5.1f}% {:.1f}/{:.1f} MB", name, std::string(filled, '#'),
                 std::string(30 - filled, ' '), share * 100, static_cast<double>(done) / 1e6,
                 static_cast<double>(total) / 1e6);
    } else {
      fmt::print(stderr, "\r{} {:.1f} MB", name, static_cast<double>(done) / 1e6);
    }
    std::fflush(stderr);
    drawn_ = true;
  }
  void Clear() {
    if (drawn_) fmt::print(stderr, "\r\033[K");
    drawn_ = false;
  }

 private:
  std::chrono::steady_clock::time_point last_{};
  bool drawn_ = false;
};

nlohmann::json FileJson(const FileOutcome& file, int64_t run_id) {
  nlohmann::json json = {
      {"uri", file.uri},
      {"status", FileStatusName(file.status)},
      {"rows_read", file.rows_read},
      {"rows_loaded", file.rows_loaded},
      {"rows_rejected", file.rows_rejected},
      {"rows_duplicate", file.rows_duplicate},
      {"values_nulled", file.values_nulled},
      {"month_mismatches", file.month_mismatches},
      {"sha256", file.sha256},
      {"size_bytes", file.size_bytes},
      {"run_id", run_id},
      {"extra_columns", file.extra_columns},
      {"error", file.error.empty() ? nlohmann::json(nullptr) : nlohmann::json(file.error)},
  };
  return json;
}

// One line for a file (and one more for the columns it ignored): loaded and skipped files on
// standard output, failed ones on standard error. A watcher tries transient failures again.
void PrintFile(const std::string& name, const FileOutcome& file, bool watching) {
  switch (file.status) {
    case FileStatus::kLoaded:
      fmt::print("loaded   {}: {} read, {} loaded, {} rejected, {} duplicate\n", name,
                 file.rows_read, file.rows_loaded, file.rows_rejected, file.rows_duplicate);
      if (!file.extra_columns.empty()) {
        fmt::print("         ignored columns: {}\n", fmt::join(file.extra_columns, ", "));
      }
      break;
    case FileStatus::kSkipped:
      fmt::print("skipped  {}: {}\n", name, file.error);
      break;
    case FileStatus::kFailed:
      fmt::print(stderr, "failed   {}: {}{}\n", name, file.error,
                 watching && file.transient ? " (will retry)" : "");
      break;
  }
  std::fflush(stdout);
}

int RunIngest(const Config& config, const std::vector<std::string>& paths, bool json,
              const std::string& trigger) {
  auto warehouse = OpenWarehouse(config.warehouse);
  if (!warehouse) return Fail(warehouse.error());
  IngestOptions options;
  options.max_reject_ratio = config.max_reject_ratio;
  options.trigger = trigger;
  ProgressBar bar;
  if (!json && isatty(STDERR_FILENO)) {
    options.progress = [&bar](const std::string& uri, int64_t done, int64_t total) {
      bar.Update(uri, done, total);
    };
  }
  auto start = std::chrono::steady_clock::now();
  auto report = IngestFiles(**warehouse, paths, options);
  if (report && config.alerts.enabled()) {
    // A run that failed, or a file over the reject threshold, alerts as under till watch.
    Alerter alerter(config.alerts, (*warehouse)->Describe());
    for (const FileOutcome& file : report->files) alerter.OnFile(file);
    alerter.OnRun(report->succeeded);
  }
  bar.Clear();
  if (!report) return Fail(report.error());
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (const FileOutcome& file : report->files) {
    if (json) {
      std::cout << FileJson(file, report->run_id).dump() << "\n";
      continue;
    }
    PrintFile(file.uri, file, /*watching=*/false);
  }
  if (!json) {
    fmt::print("run {} {} in {:.2f} s; warehouse {}\n", report->run_id,
               report->succeeded ? "succeeded" : "failed", seconds, (*warehouse)->Describe());
  }
  if (!report->run_error.empty()) {
    fmt::print(stderr, "till: the end of run {} could not be recorded: {}\n", report->run_id,
               report->run_error);
  }
  return report->succeeded ? kExitOk : kExitFailed;
}

// Set by SIGTERM and SIGINT: `till watch` finishes the file in hand and stops. A second
// signal stops at once; the load in progress rolls back.
volatile std::sig_atomic_t stop_signals = 0;

void OnStopSignal(int) {
  if (stop_signals > 0) std::_Exit(128 + SIGTERM);
  stop_signals = 1;
}

int RunWatch(const Config& config, const std::string& location, double rescan_seconds, bool once,
             bool keep_deleted, bool json, int metrics_port, const std::string& metrics_address) {
  auto zone = OpenLandingZone(location);
  if (!zone) return Fail(zone.error());
  auto warehouse = OpenWarehouse(config.warehouse);
  if (!warehouse) return Fail(warehouse.error());
  struct sigaction action {};
  action.sa_handler = OnStopSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);

  std::unique_ptr<WatchMetrics> metrics;
  if (metrics_port > 0) {
    metrics = std::make_unique<WatchMetrics>((*zone)->uri(), TILL_VERSION);
    Status serving = metrics->Serve(fmt::format("{}:{}", metrics_address, metrics_port));
    if (!serving) return Fail(serving.error());
  }

  std::unique_ptr<Alerter> alerter;
  if (config.alerts.enabled()) alerter = std::make_unique<Alerter>(config.alerts, (*zone)->uri());

  WatchOptions options;
  options.ingest.max_reject_ratio = config.max_reject_ratio;
  options.ingest.trigger = "watch";
  options.rescan = std::chrono::milliseconds(static_cast<int64_t>(rescan_seconds * 1000));
  options.once = once;
  options.unload_deleted = !keep_deleted;
  options.on_removed = [json](const std::string& key) {
    if (json) {
      std::cout << nlohmann::json{{"key", key}, {"status", "removed"}}.dump() << std::endl;
    } else {
      fmt::print("removed  {}: gone from the zone; the rows only it held were unloaded\n", key);
      std::fflush(stdout);
    }
  };
  options.stopping = [] { return stop_signals > 0; };
  options.on_run = [&metrics, &alerter](double seconds, bool succeeded) {
    if (metrics) metrics->OnRun(seconds, succeeded);
    if (alerter) alerter->OnRun(succeeded);
  };
  options.on_backlog = [&metrics, &alerter](int64_t files) {
    if (metrics) metrics->OnBacklog(files);
    if (alerter) alerter->OnListed();
  };
  options.on_file = [json, &metrics, &alerter](const std::string& key, const FileOutcome& file) {
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
    PrintFile(key, file, /*watching=*/true);
  };
  options.on_retry = [&metrics, &alerter](const std::string& message) {
    if (metrics) metrics->OnRetry();
    if (alerter) alerter->OnRetry(message);
    // The event itself is logged (at warn) by the watcher.
    (void)message;
  };
  if (!json) {
    fmt::print("watching {} into {}\n", (*zone)->uri(), (*warehouse)->Describe());
    std::fflush(stdout);
  }
  Status watched = Watch(**warehouse, **zone, options);
  if (!watched) return Fail(watched.error());
  return kExitOk;
}

// Files stay as given; a folder stands for its *.csv and *.tsv files (not its subfolders), in
// name order. A folder with none is a usage error.
Result<std::vector<std::string>> ExpandPaths(const std::vector<std::string>& paths) {
  std::vector<std::string> files;
  for (const std::string& path : paths) {
    std::error_code ec;
    if (path.starts_with("s3://") || !std::filesystem::is_directory(path, ec)) {
      files.push_back(path);
      continue;
    }
    std::vector<std::string> found;
    for (const auto& entry : std::filesystem::directory_iterator(path, ec)) {
      std::string extension = entry.path().extension().string();
      std::transform(extension.begin(), extension.end(), extension.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      if (entry.is_regular_file() && (extension == ".csv" || extension == ".tsv")) {
        found.push_back(entry.path().string());
      }
    }
    if (ec) return MakeError(ErrorCode::kIoError, fmt::format("{}: {}", path, ec.message()));
    if (found.empty()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       fmt::format("{} is a folder with no .csv or .tsv files", path));
    }
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

// Serves the dashboard until SIGINT or SIGTERM.
int RunServe(ServeOptions options) {
  // The signals are taken by sigwait below; every thread started from here inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  if (options.token.empty()) {
    if (const char* token = std::getenv("TILL_SERVE_TOKEN")) options.token = token;
  }
  bool loopback =
      options.address == "127.0.0.1" || options.address == "localhost" || options.address == "::1";
  if (!loopback && options.token.empty()) {
    fmt::print(stderr,
               "till: warning: serving on {} without a token: anyone who reaches this address "
               "reads the dashboard (set --token or TILL_SERVE_TOKEN)\n",
               options.address);
  }
  auto started = std::chrono::steady_clock::now();
  DashboardServer server(options);
  if (auto status = server.Start(); !status) return Fail(status.error());
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::string host = options.address.find(':') != std::string::npos
                         ? fmt::format("[{}]", options.address)
                         : options.address;
  fmt::print("till serve: dashboard at http://{}:{}/ (warehouse read in {:.2f} s; Ctrl-C stops)\n",
             host, server.port(), seconds);
  std::fflush(stdout);
  int signal = 0;
  sigwait(&signals, &signal);
  server.Stop();
  return kExitOk;
}

int RunGenerate(int64_t rows, uint64_t seed, const std::string& output) {
  std::FILE* out = output == "-" ? stdout : std::fopen(output.c_str(), "wb");
  if (out == nullptr) {
    fmt::print(stderr, "till: cannot write {}: {}\n", output, std::strerror(errno));
    return kExitFailed;
  }
  GenerateOptions options;
  options.rows = rows;
  options.seed = seed;
  Status status = GenerateRawFile(options, out);
  bool closed = out == stdout ? std::fflush(out) == 0 : std::fclose(out) == 0;
  if (!status) return Fail(status.error());
  if (!closed) {
    fmt::print(stderr, "till: writing {} failed: {}\n", output, std::strerror(errno));
    return kExitFailed;
  }
  return kExitOk;
}

int Main(int argc, char** argv) {
  CLI::App app{"Till: raw retail transaction files to a star-schema warehouse"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("till ") + TILL_VERSION);

  // Logs, for every command: where, how and how much.
  std::string log_level = "warn";
  std::string log_format = "auto";
  std::string log_file;
  app.add_option("--log-level", log_level, "debug, info, warn (the default), error or off");
  app.add_option("--log-format", log_format,
                 "json (one object per line), text, or auto: text on a terminal, else json")
      ->check(CLI::IsMember({"auto", "json", "text"}));
  app.add_option("--log-file", log_file, "Append logs to this file instead of standard error");
  app.fallthrough();
  auto config = LoadConfig();
  if (!config) {
    fmt::print(stderr, "till: {}\n", config.error().message());
    return kExitUsage;
  }
  auto add_warehouse = [&](CLI::App* command) {
    command->add_option("--warehouse,-w", config->warehouse,
                        "Warehouse: a SQLite file path (default till.db; also TILL_WAREHOUSE "
                        "or till.toml)");
  };

  int64_t rows = 302010;
  uint64_t seed = 42;
  std::string output = "-";
  auto* generate = app.add_subcommand("generate", "Write a realistic synthetic raw retail file");
  generate->add_option("--rows,-n", rows, "Data rows to write")
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 40));
  generate->add_option("--seed,-s", seed, "Random seed; the same seed gives the same file");
  generate->add_option("--output,-o", output, "Output file ('-' for standard output)");

  std::vector<std::string> paths;
  bool json = false;
  std::string trigger = "cli";
  auto* ingest = app.add_subcommand("ingest", "Load raw files into the warehouse");
  ingest
      ->add_option("paths", paths,
                   "Raw CSV files, folders whose *.csv and *.tsv files to load, S3 objects "
                   "(s3://bucket/key.csv) or prefixes (s3://bucket/raw_data/)")
      ->required()
      ->check(CLI::ExistingPath | CLI::Validator(
                                      [](std::string& value) {
                                        return value.starts_with("s3://") ? std::string()
                                                                          : std::string("no");
                                      },
                                      "s3://…"));
  add_warehouse(ingest);
  ingest
      ->add_option("--max-reject-ratio", config->max_reject_ratio,
                   "Fail a file whose rejected rows exceed this share (default 0.05)")
      ->check(CLI::Range(0.0, 1.0));
  ingest->add_flag("--json", json, "Print one JSON object per file");
  ingest->add_option("--trigger", trigger, "What started this run, for the run record");

  std::string watch_location;
  double rescan_seconds = 0;
  bool once = false;
  auto* watch = app.add_subcommand(
      "watch", "Load each new or changed file of a landing zone as it arrives, until stopped");
  watch->add_option("zone", watch_location, "The landing zone: a folder or s3://bucket/prefix/")
      ->required();
  add_warehouse(watch);
  watch
      ->add_option("--rescan", rescan_seconds,
                   "Seconds between listings of the zone besides its own notices (default 2)")
      ->check(CLI::Range(0.05, 3600.0));
  watch->add_flag("--once", once, "Stop once everything settled in the zone is loaded");
  bool keep_deleted = false;
  watch->add_flag("--keep-deleted", keep_deleted,
                  "Keep the rows of files deleted from the zone (by default they leave with "
                  "their file)");
  int metrics_port = 0;
  std::string metrics_address = "127.0.0.1";
  watch->add_option("--metrics-port", metrics_port, "Serve Prometheus metrics on /metrics here")
      ->check(CLI::Range(1, 65535));
  watch->add_option("--metrics-address", metrics_address,
                    "Address to serve metrics on (default 127.0.0.1; 0.0.0.0 for every one)");
  watch->add_flag("--json", json, "Print one JSON object per file");
  watch
      ->add_option("--max-reject-ratio", config->max_reject_ratio,
                   "Fail a file whose rejected rows exceed this share (default 0.05)")
      ->check(CLI::Range(0.0, 1.0));

  std::string retry_location;
  std::vector<std::string> retry_keys;
  auto* retry = app.add_subcommand(
      "retry", "Make till watch try again files of a landing zone that failed on their content");
  retry->add_option("zone", retry_location, "The landing zone: a folder or s3://bucket/prefix/")
      ->required();
  retry->add_option("keys", retry_keys, "Only these files (paths within the zone)");
  add_warehouse(retry);

  bool create_roles = false;
  auto* init = app.add_subcommand("init", "Create or upgrade the warehouse schema");
  add_warehouse(init);
  init->add_flag("--create-roles", create_roles,
                 "PostgreSQL: create the login roles till_loader (owns and loads the warehouse) "
                 "and till_reader (reads the reporting views, personal data masked); passwords "
                 "from TILL_LOADER_PASSWORD and TILL_READER_PASSWORD, or generated and printed "
                 "once");

  int limit = 20;
  auto* runs = app.add_subcommand("runs", "List recent runs and their files");
  add_warehouse(runs);
  runs->add_option("--limit", limit, "How many runs")->check(CLI::PositiveNumber);
  runs->add_flag("--json", json, "Print JSON");

  RejectFilter filter;
  auto* rejects = app.add_subcommand("rejects", "List rejected rows and nulled values");
  add_warehouse(rejects);
  rejects->add_option("--file", filter.file_id, "Only this file id");
  rejects->add_option("--run", filter.run_id, "Only files of this run");
  rejects->add_option("--reason", filter.reason, "Only this reason code, e.g. bad_date");
  rejects->add_option("--limit", filter.limit, "How many")->check(CLI::PositiveNumber);
  rejects->add_flag("--json", json, "Print JSON lines");

  std::vector<std::string> status_zones;
  auto* status_command = app.add_subcommand(
      "status", "Is data flowing: per landing zone, files loaded, failed and pending, freshness");
  add_warehouse(status_command);
  status_command->add_option("zones", status_zones,
                             "Landing zones (default: every zone the warehouse has loaded from)");
  status_command->add_flag("--json", json, "Print JSON");

  auto* report = app.add_subcommand("report", "Print a short report of the warehouse");
  add_warehouse(report);

  ServeOptions serve_options;
  bool no_cache = false;
  auto* serve =
      app.add_subcommand("serve", "Serve the dashboard and its JSON API (read-only) until stopped");
  add_warehouse(serve);
  serve->add_option("--port,-p", serve_options.port, "Port to listen on (0: any free one)")
      ->check(CLI::Range(0, 65535));
  serve->add_option("--address", serve_options.address,
                    "Address to listen on (default 127.0.0.1; 0.0.0.0 for every one)");
  serve->add_option("--token", serve_options.token,
                    "Bearer token required from clients beyond this machine (also "
                    "TILL_SERVE_TOKEN)");
  serve
      ->add_option("--refresh", serve_options.refresh_seconds,
                   "Seconds between checks of the warehouse for new data (default 2)")
      ->check(CLI::Range(0.1, 3600.0));
  serve->add_option("--threads", serve_options.threads, "Connections served at once (default 64)")
      ->check(CLI::Range(1, 1024));
  serve->add_flag("--no-cache", no_cache, "Compute every answer, even a repeated one");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }

  auto level = ParseLogLevel(log_level);
  if (!level) {
    fmt::print(stderr, "till: {}\n", level.error().message());
    return kExitUsage;
  }
  std::FILE* log_out = stderr;
  if (!log_file.empty()) {
    log_out = std::fopen(log_file.c_str(), "a");
    if (!log_out) {
      fmt::print(stderr, "till: cannot open log file {}: {}\n", log_file, std::strerror(errno));
      return kExitUsage;
    }
  }
  SetLogOptions(LogOptions{
      *level, log_format == "json" || (log_format == "auto" && !isatty(fileno(log_out))), log_out});

  if (*generate) return RunGenerate(rows, seed, output);
  if (*ingest) {
    auto files = ExpandPaths(paths);
    if (!files) {
      fmt::print(stderr, "till: {}\n", files.error().message());
      return kExitUsage;
    }
    return RunIngest(*config, *files, json, trigger);
  }
  if (*watch) {
    return RunWatch(*config, watch_location, rescan_seconds, once, keep_deleted, json, metrics_port,
                    metrics_address);
  }
  if (*serve) {
    serve_options.warehouse = config->warehouse;
    serve_options.cache = !no_cache;
    serve_options.version = TILL_VERSION;
    return RunServe(serve_options);
  }
  if (*retry) {
    auto zone = OpenLandingZone(retry_location);
    if (!zone) return Fail(zone.error());
    auto target = OpenMigrated(config->warehouse);
    if (!target) return Fail(target.error());
    auto marked = (*target)->RetryLandingKeys((*zone)->uri(), retry_keys);
    if (!marked) return Fail(marked.error());
    fmt::print("{} failed file{} of {} will be tried again by till watch\n", *marked,
               *marked == 1 ? "" : "s", (*zone)->uri());
    return kExitOk;
  }
  auto warehouse = OpenMigrated(config->warehouse);
  if (!warehouse) return Fail(warehouse.error());
  if (*init) {
    auto version = (*warehouse)->SchemaVersion();
    if (!version) return Fail(version.error());
    fmt::print("{} is at schema version {}\n", (*warehouse)->Describe(), *version);
    if (create_roles) return CreateRoles(**warehouse);
    return kExitOk;
  }
  Status status;
  if (*runs) status = PrintRuns(**warehouse, limit, json);
  if (*rejects) status = PrintRejects(**warehouse, filter, json);
  if (*report) status = PrintReport(**warehouse);
  if (*status_command) status = PrintStatus(**warehouse, status_zones, json);
  if (!status) return Fail(status.error());
  return kExitOk;
}

}  // namespace
}  // namespace till

int main(int argc, char** argv) {
  try {
    return till::Main(argc, argv);
  } catch (const std::exception& e) {
    fmt::print(stderr, "till: internal error: {}\n", e.what());
    return 1;
  }
}
