#include "cli/output.h"

#include <fmt/format.h>

#include <cstdio>

namespace till {

int Fail(const Error& error) {
  fmt::print(stderr, "till: {}\n", error.message());
  return kExitFailed;
}

int ExitCode(const Status& status) { return status ? kExitOk : Fail(status.error()); }

void ProgressBar::Update(const std::string& uri, int64_t done, int64_t total) {
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

void ProgressBar::Clear() {
  if (drawn_) fmt::print(stderr, "\r\033[K");
  drawn_ = false;
}

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

void PrintFile(const std::string& name, const FileOutcome& file, Watching watching) {
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
                 watching == Watching::kYes && file.transient ? " (will retry)" : "");
      break;
  }
  std::fflush(stdout);
}

}  // namespace till
