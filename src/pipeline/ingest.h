// The batch pipeline's driver: raw file -> CSV records -> cleaned rows or rejects -> star
// schema rows -> warehouse, one file per transaction. Reads like the pipeline it runs; each
// stage is timed into the etl_step records.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "landing/inputs.h"
#include "model/star.h"
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
  // Customer versions the reading side keeps before it forgets them (StarBuilder).
  size_t max_customer_versions = StarBuilder::kMaxCustomerVersions;
  // Rejects kept for the record of a file that fails its budget.
  size_t failed_reject_sample = 1000;
};

struct IngestReport {
  int64_t run_id = 0;
  std::vector<FileOutcome> files;
  bool succeeded = true;  // every file loaded or was skipped
  std::string run_error;  // why the end of the run could not be recorded, when it could not
};

// Loads each file `paths` stand for (local files, folders, S3 objects and prefixes, as
// ExpandInputs in landing/inputs.h expands them) in its own transaction within one run. Fails
// when the expansion fails (a folder without raw files), before the run starts, or when the
// warehouse cannot record the run at all; a file's own failure is in its FileOutcome.
Result<IngestReport> IngestFiles(Warehouse& warehouse, std::span<const std::string> paths,
                                 const IngestOptions& options);
// The same for inputs expanded already; an input carrying an error is recorded as a failed file.
Result<IngestReport> IngestFiles(Warehouse& warehouse, std::span<const RawInput> inputs,
                                 const IngestOptions& options);

// A file that is a key of a landing zone: the ledger entry to commit with its rows, the loaded
// file the key held before, and whether to unload that file in the same transaction (when no
// other key holds it too).
struct LandingTarget {
  LandingEntry entry;  // zone, key, version and size; the rest is filled in
  std::optional<int64_t> held;
  bool unload = false;
};

// Loads one file within run `run_id`. Never throws; every failure is in the outcome. With a
// landing target, the key's ledger entry is written too: with the rows when they load, on its
// own when the content was loaded already (by another key) or failed on its content.
// `uri` names the file in the run records when `path` is a local copy (of an S3 object, say).
FileOutcome IngestFile(Warehouse& warehouse, int64_t run_id, const std::string& path,
                       const IngestOptions& options, const LandingTarget* target = nullptr,
                       std::string_view uri = {});

// True when `outcome` failed for a reason that may pass (the warehouse was unreachable, a
// read failed), so the same content is worth trying again; false when the content itself
// failed (not CSV, over the reject budget).
bool IsTransientFailure(const FileOutcome& outcome);

}  // namespace till
