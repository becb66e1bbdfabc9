#include "pipeline/ingest.h"

#include <fmt/format.h>

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <vector>

#include "base/byte_source.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/sha256.h"
#include "clean/header_map.h"
#include "clean/row_cleaner.h"
#include "csv/csv_reader.h"
#include "csv/sniff.h"
#include "domain/columns.h"
#include "landing/landing_zone.h"
#include "pipeline/file_loader.h"

namespace till {
namespace {

// A header cell that names one of the raw columns: what tells the delimiter apart.
bool IsKnownColumn(std::string_view cell) { return ColumnFromHeader(cell).has_value(); }

FileOutcome Failed(FileOutcome outcome, std::string error) {
  outcome.status = FileStatus::kFailed;
  outcome.error = std::move(error);
  return outcome;
}

// A failure of the warehouse or of reading, not of the file's content: worth another try.
FileOutcome Failed(FileOutcome outcome, const Error& error) {
  outcome.transient =
      error.code() == ErrorCode::kWarehouseError || error.code() == ErrorCode::kIoError;
  return Failed(std::move(outcome), error.message());
}

// Records a file that did not load; a warehouse that cannot even record it adds to the error.
FileOutcome Record(Warehouse& warehouse, int64_t run_id, FileOutcome outcome,
                   std::span<const RejectRecord> rejects = {}) {
  outcome.finished_at = FormatTimestamp(Clock::Real().Now());
  if (outcome.status == FileStatus::kFailed) {
    // Counts of a failed file describe what was read, not what is in the warehouse.
    outcome.rows_loaded = 0;
    outcome.rows_duplicate = 0;
  }
  auto recorded = warehouse.RecordFile(run_id, outcome, rejects);
  if (recorded) outcome.file_id = *recorded;
  if (!recorded) {
    outcome.status = FileStatus::kFailed;
    outcome.transient = true;
    outcome.error += fmt::format("{}(and recording the file failed: {})",
                                 outcome.error.empty() ? "" : " ", recorded.error().message());
  }
  return outcome;
}

// One log event for a file's outcome, and one per step of a loaded file (at debug level).
void LogOutcome(int64_t run_id, const FileOutcome& outcome) {
  nlohmann::json fields = {{"run_id", run_id},
                           {"file", outcome.uri},
                           {"file_id", outcome.file_id},
                           {"status", FileStatusName(outcome.status)},
                           {"rows_read", outcome.rows_read},
                           {"rows_loaded", outcome.rows_loaded},
                           {"rows_rejected", outcome.rows_rejected},
                           {"rows_duplicate", outcome.rows_duplicate}};
  if (!outcome.error.empty()) fields["error"] = outcome.error;
  if (outcome.status == FileStatus::kFailed) fields["transient"] = outcome.transient;
  Log(LogLevel::kInfo, fmt::format("file {}", FileStatusName(outcome.status)), fields);
  if (!LogEnabled(LogLevel::kDebug)) return;
  for (const StepTiming& step : outcome.steps) {
    Log(LogLevel::kDebug, "step",
        {{"run_id", run_id},
         {"file", outcome.uri},
         {"step", step.step},
         {"rows", step.rows},
         {"seconds", step.seconds}});
  }
}

// A file that is not read yet: where it is, and when its load started.
FileOutcome StartOutcome(const std::string& path, std::string_view uri) {
  FileOutcome outcome;
  std::error_code ec;
  auto absolute = std::filesystem::absolute(path, ec);
  outcome.uri = !uri.empty() ? std::string(uri) : ec ? path : absolute.lexically_normal().string();
  outcome.started_at = FormatTimestamp(Clock::Real().Now());
  return outcome;
}

// A file whose content file `holder` loaded already.
FileOutcome Skipped(FileOutcome outcome, int64_t holder) {
  outcome.status = FileStatus::kSkipped;
  outcome.same_content_as = holder;
  outcome.error = fmt::format("content already loaded as file {}", holder);
  return outcome;
}

// The same error, its message prefixed with the file's uri (and more context, when given).
Error AboutFile(const FileOutcome& outcome, std::string_view where, const Error& error) {
  return Error(error.code(), fmt::format("{}: {}{}", outcome.uri, where, error.message()));
}

// Hashes the file's content into outcome->sha256 and its size into outcome->size_bytes.
Status HashContent(const std::string& path, FileOutcome* outcome) {
  TILL_ASSIGN_OR_RETURN(std::unique_ptr<ByteSource> source, OpenFileSource(path));
  TILL_ASSIGN_OR_RETURN(outcome->sha256, Sha256Of(*source, &outcome->size_bytes));
  return {};
}

// A file opened for the CSV reader: its bytes from the start, with lone CRs read as LF, and
// the options its format asks for.
struct CsvInput {
  std::unique_ptr<ByteSource> source;
  CsvReaderOptions reader_options;
};

// Tells the format of `file` from its first bytes (which the input then reads again).
Result<CsvInput> OpenCsvInput(std::unique_ptr<ByteSource> file, const FileOutcome& outcome) {
  TILL_ASSIGN_OR_RETURN(std::string head, ReadPrefix(*file, kSniffBytes));
  auto format = SniffCsvFormat(head, IsKnownColumn);
  if (!format) return Unexpected<Error>(AboutFile(outcome, "", format.error()));
  CsvInput input{MakePrefixedSource(std::move(head), std::move(file)),
                 FileReaderOptions(format->delimiter)};
  if (format->cr_lines) input.source = MakeCrToLfSource(std::move(input.source));
  return input;
}

// Reads the header line and maps it to the known columns; the columns the file has beyond
// them and lacks of them go into the outcome. Fails with kBadFormat when there is no header
// line or it is no sales file's.
Result<HeaderMap> ReadHeader(CsvReader& reader, FileOutcome* outcome) {
  CsvRecord header;
  TILL_ASSIGN_OR_RETURN(bool has_header, reader.Next(&header));
  if (!has_header) {
    return MakeError(ErrorCode::kBadFormat,
                     fmt::format("{}: empty file, no header line", outcome->uri));
  }
  if (header.problem != RecordProblem::kNone && header.problem != RecordProblem::kStrayQuote) {
    return MakeError(ErrorCode::kBadFormat,
                     fmt::format("{}: line 1: the header is not a CSV line ({})", outcome->uri,
                                 RecordProblemCode(header.problem)));
  }
  auto map = MapHeader(header.fields);
  if (!map) return Unexpected<Error>(AboutFile(*outcome, "line 1: ", map.error()));
  outcome->extra_columns = map->extra_columns;
  outcome->missing_columns = map->missing_columns;
  return map;
}

// A key that held other content before: its rows leave in the transaction that brings the new
// ones.
Status UnloadHeldContent(WarehouseLoad& load, const LandingTarget* target) {
  if (!target || !target->unload || !target->held) return {};
  return load.UnloadFile(*target->held);
}

// The bytes loaded must be the bytes hashed: a file changed in place during its load (a
// landing zone's file overwritten, say) fails, and its new content is worth another try.
Status CheckUnchanged(std::string_view loaded_sha, const FileOutcome& outcome) {
  if (loaded_sha == outcome.sha256) return {};
  return MakeError(ErrorCode::kIoError,
                   fmt::format("{}: the file changed while it was being loaded; nothing of it "
                               "was kept",
                               outcome.uri));
}

// Fails with kRejectBudget when the file rejected more of its rows than the budget allows.
Status CheckRejectBudget(const FileOutcome& outcome, const IngestOptions& options,
                         const FileLoader& loader) {
  double ratio = outcome.rows_read == 0 ? 0.0
                                        : static_cast<double>(outcome.rows_rejected) /
                                              static_cast<double>(outcome.rows_read);
  if (ratio > options.max_reject_ratio) {
    return MakeError(
        ErrorCode::kRejectBudget,
        fmt::format("{} of {} rows rejected ({:.1f}%), over the budget of {:.1f}% (most common: "
                    "{}); nothing loaded",
                    outcome.rows_rejected, outcome.rows_read, ratio * 100,
                    options.max_reject_ratio * 100, loader.TopReasons()));
  }
  return {};
}

// Finishes a load within its budget and commits it, with the key's ledger entry when there is
// a key.
Status FinishAndCommit(FileLoader& loader, WarehouseLoad& load, const LandingTarget* target,
                       FileOutcome* outcome) {
  Status finished = loader.Finish(load);
  outcome->status = FileStatus::kLoaded;
  outcome->finished_at = FormatTimestamp(Clock::Real().Now());
  TILL_RETURN_IF_ERROR(finished);
  if (target) {
    LandingEntry entry = target->entry;
    entry.sha256 = outcome->sha256;
    entry.file_id = load.file_id();
    entry.loaded = true;
    entry.error.clear();
    TILL_RETURN_IF_ERROR(load.SetLandingEntry(entry));
  }
  TILL_RETURN_IF_ERROR(load.Commit(*outcome));
  outcome->file_id = load.file_id();
  return {};
}

// Loads content the warehouse did not hold, in one load: every row when few enough are
// rejected, nothing otherwise. Fills in `outcome` as it goes. Returns nullopt once the load is
// committed, or the file that holds the content when another loader brought the same content
// first (nothing of this one is then loaded). A file over its reject budget fails with
// kRejectBudget and leaves a sample of its rejected rows in `*rejects`. On any failure the
// load is rolled back before this returns.
Result<std::optional<int64_t>> LoadNewContent(Warehouse& warehouse, int64_t run_id,
                                              const std::string& path, const IngestOptions& options,
                                              const LandingTarget* target, FileOutcome* outcome,
                                              std::vector<RejectRecord>* rejects) {
  TILL_ASSIGN_OR_RETURN(std::unique_ptr<ByteSource> file, OpenFileSource(path));
  // The file may change between the hash and the load: the bytes loaded are hashed again.
  std::string loaded_sha;
  TILL_ASSIGN_OR_RETURN(CsvInput input,
                        OpenCsvInput(MakeHashingSource(std::move(file), &loaded_sha), *outcome));
  CsvReader reader(*input.source, input.reader_options);
  TILL_ASSIGN_OR_RETURN(HeaderMap header, ReadHeader(reader, outcome));
  RowCleaner cleaner(std::move(header), input.reader_options.delimiter == ','
                                            ? RowCleaner::DecimalMark::kPoint
                                            : RowCleaner::DecimalMark::kPointOrComma);
  auto load = warehouse.BeginLoad(run_id, *outcome);
  if (!load && load.error().code() == ErrorCode::kAlreadyLoaded) {
    // Another loader brought the same content while this one waited for the warehouse.
    auto holder = warehouse.FindLoadedContent(outcome->sha256);
    if (holder && *holder) return *holder;
  }
  TILL_RETURN_IF_ERROR(load);
  TILL_RETURN_IF_ERROR(UnloadHeldContent(**load, target));
  std::unique_ptr<FileLoader> loader = MakeFileLoader(options, input.reader_options, outcome);
  TILL_RETURN_IF_ERROR(loader->Run(reader, cleaner, **load, outcome->size_bytes));
  TILL_RETURN_IF_ERROR(CheckUnchanged(loaded_sha, *outcome));
  if (Status within = CheckRejectBudget(*outcome, options, *loader); !within) {
    *rejects = loader->reject_sample();
    return Unexpected<Error>(within.error());
  }
  TILL_RETURN_IF_ERROR(FinishAndCommit(*loader, **load, target, outcome));
  return std::optional<int64_t>();
}

// A file whose content is loaded already is skipped; new content is loaded. A failure is
// recorded with the file, except one that comes before the warehouse was asked about the
// content.
FileOutcome IngestChecked(Warehouse& warehouse, int64_t run_id, const std::string& path,
                          const IngestOptions& options, const LandingTarget* target,
                          std::string_view uri) {
  FileOutcome outcome = StartOutcome(path, uri);
  if (Status hashed = HashContent(path, &outcome); !hashed) return Failed(outcome, hashed.error());
  Result<std::optional<int64_t>> holder = warehouse.FindLoadedContent(outcome.sha256);
  if (!holder) return Failed(outcome, holder.error());
  std::vector<RejectRecord> rejects;
  if (!*holder) {
    holder = LoadNewContent(warehouse, run_id, path, options, target, &outcome, &rejects);
    if (holder && !*holder) return outcome;
  }
  return Record(warehouse, run_id,
                holder ? Skipped(outcome, **holder) : Failed(outcome, holder.error()), rejects);
}

}  // namespace

FileOutcome IngestFile(Warehouse& warehouse, int64_t run_id, const std::string& path,
                       const IngestOptions& options, const LandingTarget* target,
                       std::string_view uri) {
  FileOutcome outcome;
  try {
    outcome = IngestChecked(warehouse, run_id, path, options, target, uri);
  } catch (const std::exception& e) {
    outcome.uri = uri.empty() ? path : std::string(uri);
    outcome.started_at = FormatTimestamp(Clock::Real().Now());
    outcome =
        Record(warehouse, run_id, Failed(outcome, fmt::format("internal error: {}", e.what())));
  }
  if (!target) {
    LogOutcome(run_id, outcome);
    return outcome;
  }
  // A key whose content is loaded already (under another key) now holds it too; a key whose
  // content failed waits for a change or `till retry`. Loaded keys were written with the rows.
  LandingEntry entry = target->entry;
  entry.sha256 = outcome.sha256;
  std::optional<int64_t> unload;
  if (outcome.status == FileStatus::kSkipped) {
    entry.file_id = outcome.same_content_as;
    entry.loaded = true;
    if (target->unload && target->held != outcome.same_content_as) unload = target->held;
  } else if (outcome.status == FileStatus::kFailed && !outcome.transient) {
    // The key no longer holds the content it had: its rows leave (unless another key holds
    // them too), and the key holds nothing until a content that loads comes.
    entry.file_id.reset();
    entry.loaded = false;
    entry.error = outcome.error;
    if (target->unload) unload = target->held;
  } else {
    LogOutcome(run_id, outcome);
    return outcome;
  }
  if (Status recorded = warehouse.RecordLandingEntry(entry, unload); !recorded) {
    outcome.status = FileStatus::kFailed;
    outcome.transient = true;
    outcome.error += fmt::format("{}(and recording the landing key failed: {})",
                                 outcome.error.empty() ? "" : " ", recorded.error().message());
  }
  LogOutcome(run_id, outcome);
  return outcome;
}

bool IsTransientFailure(const FileOutcome& outcome) {
  return outcome.status == FileStatus::kFailed && outcome.transient;
}

Result<IngestReport> IngestFiles(Warehouse& warehouse, std::span<const std::string> paths,
                                 const IngestOptions& options) {
  auto inputs = ExpandInputs(paths);
  TILL_RETURN_IF_ERROR(inputs);
  return IngestFiles(warehouse, std::span<const RawInput>(*inputs), options);
}

Result<IngestReport> IngestFiles(Warehouse& warehouse, std::span<const RawInput> inputs,
                                 const IngestOptions& options) {
  TILL_RETURN_IF_ERROR(warehouse.Migrate());
  auto run = warehouse.StartRun(options.trigger);
  TILL_RETURN_IF_ERROR(run);
  IngestReport report;
  report.run_id = *run;
  Log(LogLevel::kInfo, "run started", {{"run_id", *run}, {"trigger", options.trigger}});
  int failed = 0;
  auto add = [&](FileOutcome outcome) {
    if (outcome.status == FileStatus::kFailed) ++failed;
    report.files.push_back(std::move(outcome));
  };
  for (const RawInput& input : inputs) {
    if (!input.error.empty()) {
      FileOutcome outcome;
      outcome.uri = input.location;
      outcome.started_at = FormatTimestamp(Clock::Real().Now());
      add(Record(warehouse, *run, Failed(outcome, input.error)));
      continue;
    }
    if (!input.zone) {
      add(IngestFile(warehouse, *run, input.location, options));
      continue;
    }
    // An S3 object: streamed to a temporary file, loaded, and removed.
    auto copy = input.zone->Fetch(input.object);
    if (!copy) {
      FileOutcome outcome;
      outcome.uri = input.location;
      outcome.started_at = FormatTimestamp(Clock::Real().Now());
      add(Record(warehouse, *run, Failed(outcome, copy.error())));
      continue;
    }
    add(IngestFile(warehouse, *run, copy->path(), options, nullptr, input.location));
  }
  report.succeeded = failed == 0;
  std::string error = failed ? fmt::format("{} of {} files failed", failed, inputs.size()) : "";
  Log(failed ? LogLevel::kWarn : LogLevel::kInfo, "run finished",
      {{"run_id", *run}, {"files", report.files.size()}, {"failed", failed}});
  // The files' outcomes say more than a warehouse that went away at the end: they are kept.
  if (Status finished = warehouse.FinishRun(*run, report.succeeded, error); !finished) {
    report.succeeded = false;
    report.run_error = finished.error().message();
  }
  return report;
}

}  // namespace till
