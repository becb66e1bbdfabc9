// The batch pipeline's driver: raw file -> CSV records -> cleaned rows or rejects -> star
// schema rows -> warehouse, one file per transaction. Reads like the pipeline it runs; each
// stage is timed into the etl_step records.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "warehouse/warehouse.h"

namespace till {

struct IngestOptions {
  // A file whose rejected rows exceed this share of its rows fails instead of loading.
  double max_reject_ratio = 0.05;
  // What started the run: "cli", "watch", "demo" …
  std::string trigger = "cli";
  // Called now and then with bytes read and the file's size (-1 if unknown).
  std::function<void(const std::string& uri, int64_t done, int64_t total)> progress;
  // Facts written to the warehouse per call.
  size_t batch_rows = 4096;
  // Rejects kept for the record of a file that fails its budget.
  size_t failed_reject_sample = 1000;
};

struct IngestReport {
  int64_t run_id = 0;
  std::vector<FileOutcome> files;
  bool succeeded = true;  // every file loaded or was skipped
};

// Loads each of `paths` in its own transaction within one run. Fails only when the warehouse
// cannot record the run at all; a file's own failure is in its FileOutcome.
Result<IngestReport> IngestFiles(Warehouse& warehouse, std::span<const std::string> paths,
                                 const IngestOptions& options);

// Loads one file within run `run_id`. Never throws; every failure is in the outcome.
FileOutcome IngestFile(Warehouse& warehouse, int64_t run_id, const std::string& path,
                       const IngestOptions& options);

}  // namespace till
