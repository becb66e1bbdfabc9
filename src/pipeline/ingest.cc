#include "pipeline/ingest.h"

#include <fmt/format.h>

#include <filesystem>
#include <stdexcept>

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

// Records are capped at 2 MiB (a retail row is a few hundred bytes), which also bounds what a
// pathological record of nothing but separators can cost. `raw` is kept whole so that lines
// swallowed by a stray quote can be read again (see FileLoader::SplitSwallowedLines).
CsvReaderOptions ReaderOptions(char delimiter) {
  CsvReaderOptions options;
  options.delimiter = delimiter;
  options.max_field_bytes = 1 << 20;
  options.max_record_bytes = 2 << 20;
  options.max_raw_bytes = options.max_record_bytes;
  return options;
}

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

FileOutcome IngestChecked(Warehouse& warehouse, int64_t run_id, const std::string& path,
                          const IngestOptions& options, const LandingTarget* target,
                          std::string_view uri) {
  FileOutcome outcome;
  std::error_code ec;
  auto absolute = std::filesystem::absolute(path, ec);
  outcome.uri = !uri.empty() ? std::string(uri) : ec ? path : absolute.lexically_normal().string();
  outcome.started_at = FormatTimestamp(Clock::Real().Now());

  auto hash_source = OpenFileSource(path);
  if (!hash_source) return Failed(outcome, hash_source.error());
  auto sha = Sha256Of(**hash_source, &outcome.size_bytes);
  if (!sha) return Failed(outcome, sha.error());
  outcome.sha256 = *sha;

  auto loaded = warehouse.FindLoadedContent(outcome.sha256);
  if (!loaded) return Failed(outcome, loaded.error());
  if (*loaded) {
    outcome.status = FileStatus::kSkipped;
    outcome.same_content_as = **loaded;
    outcome.error = fmt::format("content already loaded as file {}", **loaded);
    return Record(warehouse, run_id, outcome);
  }

  auto file = OpenFileSource(path);
  if (!file) return Record(warehouse, run_id, Failed(outcome, file.error()));
  // The file may change between the hash above and the load (a landing zone's file overwritten
  // in place): the bytes loaded are hashed again, and must be the bytes hashed.
  std::string loaded_sha;
  *file = MakeHashingSource(std::move(*file), &loaded_sha);
  auto head = ReadPrefix(**file, kSniffBytes);
  if (!head) return Record(warehouse, run_id, Failed(outcome, head.error()));
  auto format = SniffCsvFormat(*head, IsKnownColumn);
  if (!format) {
    return Record(warehouse, run_id,
                  Failed(outcome, fmt::format("{}: {}", outcome.uri, format.error().message())));
  }
  CsvReaderOptions reader_options = ReaderOptions(format->delimiter);
  std::unique_ptr<ByteSource> source = MakePrefixedSource(std::move(*head), std::move(*file));
  if (format->cr_lines) source = MakeCrToLfSource(std::move(source));
  CsvReader reader(*source, reader_options);
  CsvRecord header;
  auto has_header = reader.Next(&header);
  if (!has_header) return Record(warehouse, run_id, Failed(outcome, has_header.error()));
  if (!*has_header) {
    return Record(warehouse, run_id,
                  Failed(outcome, fmt::format("{}: empty file, no header line", outcome.uri)));
  }
  if (header.problem != RecordProblem::kNone && header.problem != RecordProblem::kStrayQuote) {
    return Record(warehouse, run_id,
                  Failed(outcome, fmt::format("{}: line 1: the header is not a CSV line ({})",
                                              outcome.uri, RecordProblemCode(header.problem))));
  }
  auto header_map = MapHeader(header.fields);
  if (!header_map) {
    return Record(
        warehouse, run_id,
        Failed(outcome, fmt::format("{}: line 1: {}", outcome.uri, header_map.error().message())));
  }
  outcome.extra_columns = header_map->extra_columns;
  outcome.missing_columns = header_map->missing_columns;
  RowCleaner cleaner(std::move(*header_map), reader_options.delimiter == ','
                                                 ? RowCleaner::DecimalMark::kPoint
                                                 : RowCleaner::DecimalMark::kPointOrComma);

  auto load = warehouse.BeginLoad(run_id, outcome);
  if (!load && load.error().code() == ErrorCode::kAlreadyLoaded) {
    // Another loader brought the same content while this one waited for the warehouse.
    auto holder = warehouse.FindLoadedContent(outcome.sha256);
    if (holder && *holder) {
      outcome.status = FileStatus::kSkipped;
      outcome.same_content_as = **holder;
      outcome.error = fmt::format("content already loaded as file {}", **holder);
      return Record(warehouse, run_id, outcome);
    }
  }
  if (!load) return Record(warehouse, run_id, Failed(outcome, load.error()));
  if (target && target->unload && target->held) {
    // The key held other content before: its rows leave in the transaction that brings the
    // new ones.
    if (Status unloaded = (*load)->UnloadFile(*target->held); !unloaded) {
      load->reset();
      return Record(warehouse, run_id, Failed(outcome, unloaded.error()));
    }
  }
  FileLoader loader(options, reader_options, &outcome);
  Status ran = loader.Run(reader, cleaner, **load, outcome.size_bytes);
  if (!ran) {
    load->reset();  // rolls back
    return Record(warehouse, run_id, Failed(outcome, ran.error()));
  }
  if (loaded_sha != outcome.sha256) {
    load->reset();
    FileOutcome changed = Failed(outcome, fmt::format("{}: the file changed while it was being "
                                                      "loaded; nothing of it was kept",
                                                      outcome.uri));
    changed.transient = true;  // its new content is worth a try
    return Record(warehouse, run_id, changed);
  }
  double ratio = outcome.rows_read == 0 ? 0.0
                                        : static_cast<double>(outcome.rows_rejected) /
                                              static_cast<double>(outcome.rows_read);
  if (ratio > options.max_reject_ratio) {
    load->reset();
    std::string error = fmt::format(
        "{} of {} rows rejected ({:.1f}%), over the budget of {:.1f}% (most common: {}); "
        "nothing loaded",
        outcome.rows_rejected, outcome.rows_read, ratio * 100, options.max_reject_ratio * 100,
        loader.TopReasons());
    return Record(warehouse, run_id, Failed(outcome, error), loader.reject_sample());
  }
  Status finished = loader.Finish(**load);
  outcome.status = FileStatus::kLoaded;
  outcome.finished_at = FormatTimestamp(Clock::Real().Now());
  if (finished && target) {
    LandingEntry entry = target->entry;
    entry.sha256 = outcome.sha256;
    entry.file_id = (*load)->file_id();
    entry.loaded = true;
    entry.error.clear();
    finished = (*load)->SetLandingEntry(entry);
  }
  if (finished) finished = (*load)->Commit(outcome);
  if (!finished) {
    load->reset();
    return Record(warehouse, run_id, Failed(outcome, finished.error()));
  }
  outcome.file_id = (*load)->file_id();
  return outcome;
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
  for (const std::string& path : paths) {
    if (!path.starts_with("s3://")) {
      add(IngestFile(warehouse, *run, path, options));
      continue;
    }
    // An object, or every raw file under a prefix (one ending in '/'): each streamed to a
    // temporary file, loaded, and removed.
    const bool prefix = path.ends_with('/');
    std::string zone_uri = prefix ? path : path.substr(0, path.find_last_of('/') + 1);
    auto zone = OpenLandingZone(zone_uri);
    auto objects = zone ? (*zone)->List()
                        : Result<std::vector<LandingObject>>(Unexpected<Error>(zone.error()));
    std::vector<const LandingObject*> chosen;
    if (objects) {
      for (const LandingObject& object : *objects) {
        if (prefix || zone_uri + object.key == path) chosen.push_back(&object);
      }
    }
    if (!objects || chosen.empty()) {
      FileOutcome outcome;
      outcome.uri = path;
      outcome.started_at = FormatTimestamp(Clock::Real().Now());
      outcome.error = objects ? fmt::format("{}: no such object (or no .csv or .tsv files)", path)
                              : objects.error().message();
      add(Record(warehouse, *run, Failed(outcome, outcome.error)));
      continue;
    }
    for (const LandingObject* object : chosen) {
      auto copy = (*zone)->Fetch(*object);
      if (!copy) {
        FileOutcome outcome;
        outcome.uri = zone_uri + object->key;
        outcome.started_at = FormatTimestamp(Clock::Real().Now());
        add(Record(warehouse, *run, Failed(outcome, copy.error())));
        continue;
      }
      add(IngestFile(warehouse, *run, copy->path(), options, nullptr, zone_uri + object->key));
    }
  }
  report.succeeded = failed == 0;
  std::string error = failed ? fmt::format("{} of {} files failed", failed, paths.size()) : "";
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
