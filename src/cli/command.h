// The subcommands of till, one file each (generate_command.cc, ingest_command.cc, …). Each
// Add…Command function registers its CLI11 subcommand on `app`, with options that write into
// state the returned Command owns and into `config` (the flags that override till.toml), and
// returns what runs it.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>

#include "base/result.h"
#include "cli/config.h"
#include "warehouse/warehouse.h"

namespace till {

struct Command {
  CLI::App* subcommand = nullptr;  // true (`*subcommand`) when the command line names it
  // Runs the command once the command line is parsed and logging is set up; returns the exit
  // code (cli/output.h).
  std::function<int()> run;
};

using AddCommand = Command (*)(CLI::App& app, Config& config);

Command AddGenerateCommand(CLI::App& app, Config& config);
Command AddIngestCommand(CLI::App& app, Config& config);
Command AddWatchCommand(CLI::App& app, Config& config);
Command AddRetryCommand(CLI::App& app, Config& config);
Command AddInitCommand(CLI::App& app, Config& config);
Command AddRunsCommand(CLI::App& app, Config& config);
Command AddRejectsCommand(CLI::App& app, Config& config);
Command AddStatusCommand(CLI::App& app, Config& config);
Command AddReportCommand(CLI::App& app, Config& config);
Command AddServeCommand(CLI::App& app, Config& config);
Command AddStreamCommand(CLI::App& app, Config& config);
Command AddSegmentsCommand(CLI::App& app, Config& config);
Command AddForecastCommand(CLI::App& app, Config& config);
Command AddDoctorCommand(CLI::App& app, Config& config);

// Options several commands share.
void AddWarehouseOption(CLI::App& command, Config& config);
void AddMaxRejectRatioOption(CLI::App& command, Config& config);

// How the commands that load files (ingest, watch) have the warehouse load them: till.toml's
// file_partition_mib.
WarehouseOptions LoadWarehouseOptions(const Config& config);
// For a process that loads batches many times (`till watch kinesis://` without --once):
// LoadWarehouseOptions, and a filter of the stored rows kept from load to load.
WarehouseOptions KeptWarehouseOptions(const Config& config);

// Opens the warehouse `location` names and creates or upgrades its schema.
Result<std::unique_ptr<Warehouse>> OpenMigrated(const std::string& location);

}  // namespace till
