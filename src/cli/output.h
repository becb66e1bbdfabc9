// What every till command prints and returns: exit codes, errors, and the per-file lines and
// progress of loads (report.h prints the warehouse's tables).
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "base/result.h"
#include "warehouse/warehouse.h"

namespace till {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;  // a failed file or operation
constexpr int kExitUsage = 2;   // a usage error: bad flags, a malformed till.toml, …

// Prints "till: MESSAGE" on standard error; returns kExitFailed.
int Fail(const Error& error);

// kExitOk for a success; for a failure, what Fail() prints and returns.
int ExitCode(const Status& status);

// A one-line progress bar on standard error (a terminal), redrawn at most ten times a second.
class ProgressBar {
 public:
  void Update(const std::string& uri, int64_t done, int64_t total);
  // Erases the bar, if one was drawn.
  void Clear();

 private:
  std::chrono::steady_clock::time_point last_{};
  bool drawn_ = false;
};

// A file's outcome as one JSON object (`till ingest --json`; `till watch --json` adds to it).
nlohmann::json FileJson(const FileOutcome& file, int64_t run_id);

// One line for a file (and one more for the columns it ignored): loaded and skipped files on
// standard output, failed ones on standard error. A watcher tries transient failures again,
// and says so.
enum class Watching { kNo, kYes };
void PrintFile(const std::string& name, const FileOutcome& file, Watching watching);

}  // namespace till
