// The till command: one subcommand per user task, each in a file of its own (command.h).
// Exceptions that end a run are caught here and become one clear message and an exit code:
// 0 success, 1 a failed file or operation, 2 a usage error.
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "base/huge_pages.h"
#include "base/log.h"
#include "cli/command.h"
#include "cli/config.h"
#include "cli/output.h"
#include "till_commit.h"
#include "warehouse/warehouse.h"

namespace till {
namespace {

// In the order `till --help` lists them.
constexpr AddCommand kCommands[] = {
    AddGenerateCommand, AddIngestCommand,   AddWatchCommand,    AddRetryCommand,  AddInitCommand,
    AddRunsCommand,     AddRejectsCommand,  AddStatusCommand,   AddReportCommand, AddServeCommand,
    AddStreamCommand,   AddForecastCommand, AddSegmentsCommand, AddDoctorCommand,
};

// Logs, for every command: where, how and how much.
struct LogFlags {
  std::string level = "warn";
  std::string format = "auto";
  std::string file;
};

void AddLogOptions(CLI::App& app, LogFlags& flags) {
  app.add_option("--log-level", flags.level, "debug, info, warn (the default), error or off");
  app.add_option("--log-format", flags.format,
                 "json (one object per line), text, or auto: text on a terminal, else json")
      ->check(CLI::IsMember({"auto", "json", "text"}));
  app.add_option("--log-file", flags.file, "Append logs to this file instead of standard error");
}

// kExitOk, or kExitUsage after saying what is wrong with the flags.
int SetUpLogs(const LogFlags& flags) {
  auto level = ParseLogLevel(flags.level);
  if (!level) {
    fmt::print(stderr, "till: {}\n", level.error().message());
    return kExitUsage;
  }
  std::FILE* out = stderr;
  if (!flags.file.empty()) {
    out = std::fopen(flags.file.c_str(), "a");
    if (!out) {
      fmt::print(stderr, "till: cannot open log file {}: {}\n", flags.file, std::strerror(errno));
      return kExitUsage;
    }
  }
  SetLogOptions(LogOptions{
      *level, flags.format == "json" || (flags.format == "auto" && !isatty(fileno(out))), out});
  return kExitOk;
}

int Main(int argc, char** argv) {
  CLI::App app{"Till: raw retail transaction files to a star-schema warehouse"};
  app.require_subcommand(1);
  // help2man takes the first line as the version.
  app.set_version_flag("--version", fmt::format("till {} (commit {})\nbuilt with {}", TILL_VERSION,
                                                TILL_COMMIT, WarehouseLibraryVersions()));
  LogFlags logs;
  AddLogOptions(app, logs);
  // Before the subcommands are added, which inherit it: the options above are taken after a
  // subcommand's own too (`till ingest raw.csv --log-level info`).
  app.fallthrough();
  auto config = LoadConfig();
  if (!config) {
    fmt::print(stderr, "till: {}\n", config.error().message());
    return kExitUsage;
  }
  std::vector<Command> commands;
  for (AddCommand add : kCommands) commands.push_back(add(app, *config));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  if (int code = SetUpLogs(logs); code != kExitOk) return code;
  for (const Command& command : commands) {
    if (*command.subcommand) return command.run();
  }
  return kExitUsage;  // not reached: the parse requires one subcommand
}

}  // namespace
}  // namespace till

int main(int argc, char** argv) {
  till::ReexecWithHugePageHeap(argv);
  try {
    return till::Main(argc, argv);
  } catch (const std::exception& e) {
    fmt::print(stderr, "till: internal error: {}\n", e.what());
    return till::kExitFailed;
  }
}
