#include "pipeline/ingest.h"

#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <stdexcept>

#include <fmt/format.h>

#include "base/byte_source.h"
#include "base/clock.h"
#include "base/sha256.h"
#include "clean/header_map.h"
#include "clean/row_cleaner.h"
#include "csv/csv_reader.h"
#include "model/star.h"

namespace till {
namespace {

using SteadyClock = std::chrono::steady_clock;

double SecondsSince(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

// Accumulates the time and rows of one named step.
struct StepTimer {
  std::string name;
  int64_t rows = 0;
  double seconds = 0;
};

// Loads one file whose content is not loaded yet. All writes go through `load`; any error
// returns early and the caller rolls the load back.
class FileLoader {
 public:
  FileLoader(const IngestOptions& options, FileOutcome* outcome)
      : options_(options), outcome_(outcome) {
    for (Dimension dimension : AllDimensions()) {
      steps_.push_back(StepTimer{std::string(Spec(dimension).step)});
    }
  }

  // Reads, cleans and stages every row. Returns the reader's or the warehouse's error.
  Status Run(CsvReader& reader, RowCleaner& cleaner, WarehouseLoad& load, int64_t size) {
    CsvRecord record;
    CleanRow row;
    std::vector<RowIssue> issues;
    std::vector<MemberSighting> sightings;
    facts_.reserve(options_.batch_rows);
    auto read_start = SteadyClock::now();
    double write_seconds = 0;
    int64_t records = 0;
    for (;;) {
      auto more = reader.Next(&record);
      TILL_RETURN_IF_ERROR(more);
      if (!*more) break;
      ++outcome_->rows_read;
      if (options_.progress && (++records & 0x3FFF) == 0) {
        options_.progress(outcome_->uri, reader.bytes_consumed(), size);
      }
      if (cleaner.Clean(record, &row, &issues) == CleanOutcome::kRejected) {
        ++outcome_->rows_rejected;
        AddReject(record, issues.front(), /*row_rejected=*/true);
        continue;
      }
      for (const RowIssue& issue : issues) {
        ++outcome_->values_nulled;
        AddReject(record, issue, /*row_rejected=*/false);
      }
      outcome_->year_mismatches += row.year_mismatch;
      outcome_->month_mismatches += row.month_mismatch;
      FactSale& fact = facts_.emplace_back();
      star_.Build(row, &fact, &sightings);
      for (const MemberSighting& sighting : sightings) {
        pending_[static_cast<size_t>(sighting.dimension)].push_back(sighting.member);
      }
      sightings.clear();
      if (facts_.size() >= options_.batch_rows || rejects_.size() >= options_.batch_rows) {
        auto write_start = SteadyClock::now();
        TILL_RETURN_IF_ERROR(Flush(load));
        write_seconds += SecondsSince(write_start);
      }
    }
    auto write_start = SteadyClock::now();
    TILL_RETURN_IF_ERROR(Flush(load));
    write_seconds += SecondsSince(write_start);
    read_seconds_ = SecondsSince(read_start) - write_seconds;
    if (options_.progress) options_.progress(outcome_->uri, reader.bytes_consumed(), size);
    return {};
  }

  // Finishes a load that is within its budget: calendar, current customer versions, steps.
  Status Finish(WarehouseLoad& load) {
    auto start = SteadyClock::now();
    TILL_RETURN_IF_ERROR(load.EnsureDates(star_.dates()));
    double date_seconds = SecondsSince(start);

    start = SteadyClock::now();
    std::vector<std::string> ids(touched_customer_ids_.begin(), touched_customer_ids_.end());
    TILL_RETURN_IF_ERROR(load.RefreshCurrentCustomers(ids));
    StepTimer& customer = steps_[static_cast<size_t>(Dimension::kCustomer)];
    customer.seconds += SecondsSince(start);

    std::vector<StepTiming> timings;
    timings.push_back(StepTiming{"read", outcome_->rows_read, read_seconds_});
    for (const StepTimer& step : steps_) {
      timings.push_back(StepTiming{step.name, step.rows, step.seconds});
    }
    timings.push_back(
        StepTiming{"date", static_cast<int64_t>(star_.dates().size()), date_seconds});
    timings.push_back(StepTiming{"sales", outcome_->rows_loaded, sales_seconds_});
    return load.AddSteps(timings);
  }

  const std::vector<RejectRecord>& reject_sample() const { return reject_sample_; }

  // The most common reject reasons, for a failure message: "bad_date 120, field_count 3".
  std::string TopReasons() const {
    std::vector<std::pair<int64_t, std::string>> sorted;
    for (const auto& [reason, count] : reason_counts_) sorted.emplace_back(-count, reason);
    std::sort(sorted.begin(), sorted.end());
    std::string text;
    for (size_t i = 0; i < sorted.size() && i < 3; ++i) {
      text += fmt::format("{}{} {}", i ? ", " : "", sorted[i].second, -sorted[i].first);
    }
    return text;
  }

 private:
  void AddReject(const CsvRecord& record, const RowIssue& issue, bool row_rejected) {
    RejectRecord reject{record.line, issue.column,  std::string(IssueCodeName(issue.code)),
                        issue.message, std::string(record.raw), row_rejected};
    if (row_rejected) ++reason_counts_[reject.reason];
    if (row_rejected && reject_sample_.size() < options_.failed_reject_sample) {
      reject_sample_.push_back(reject);
    }
    rejects_.push_back(std::move(reject));
  }

  // Writes staged members first, then the facts that point at them, then rejects.
  Status Flush(WarehouseLoad& load) {
    std::vector<MemberWrite> writes;
    for (Dimension dimension : AllDimensions()) {
      auto& pending = pending_[static_cast<size_t>(dimension)];
      if (dimension == Dimension::kCustomer) {
        for (const Member* member : star_.TakeWidenedCustomers()) pending.push_back(member);
      }
      if (pending.empty()) continue;
      writes.clear();
      for (const Member* member : pending) {
        MemberWrite write{member};
        if (dimension == Dimension::kCustomer) {
          const auto& range = star_.CustomerRange(member->key);
          write.first_seen = range.first;
          write.last_seen = range.last;
          if (member->attributes[0]) touched_customer_ids_.insert(*member->attributes[0]);
        }
        writes.push_back(write);
      }
      auto start = SteadyClock::now();
      TILL_RETURN_IF_ERROR(load.UpsertMembers(dimension, writes));
      StepTimer& step = steps_[static_cast<size_t>(dimension)];
      step.seconds += SecondsSince(start);
      step.rows += static_cast<int64_t>(writes.size());
      pending.clear();
    }
    if (!facts_.empty()) {
      auto start = SteadyClock::now();
      auto inserted = load.AppendFacts(facts_);
      TILL_RETURN_IF_ERROR(inserted);
      sales_seconds_ += SecondsSince(start);
      outcome_->rows_loaded += *inserted;
      outcome_->rows_duplicate += static_cast<int64_t>(facts_.size()) - *inserted;
      facts_.clear();
    }
    if (!rejects_.empty()) {
      TILL_RETURN_IF_ERROR(load.AddRejects(rejects_));
      rejects_.clear();
    }
    return {};
  }

  const IngestOptions& options_;
  FileOutcome* outcome_;
  StarBuilder star_;
  std::vector<FactSale> facts_;
  std::vector<RejectRecord> rejects_;
  std::vector<RejectRecord> reject_sample_;
  std::map<std::string, int64_t> reason_counts_;
  std::array<std::vector<const Member*>, kDimensionCount> pending_;
  std::set<std::string> touched_customer_ids_;
  std::vector<StepTimer> steps_;
  double read_seconds_ = 0;
  double sales_seconds_ = 0;
};

FileOutcome Failed(FileOutcome outcome, std::string error) {
  outcome.status = FileStatus::kFailed;
  outcome.error = std::move(error);
  return outcome;
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
  if (!recorded) {
    outcome.status = FileStatus::kFailed;
    outcome.error += fmt::format("{}(and recording the file failed: {})",
                                 outcome.error.empty() ? "" : " ", recorded.error().message());
  }
  return outcome;
}

FileOutcome IngestChecked(Warehouse& warehouse, int64_t run_id, const std::string& path,
                          const IngestOptions& options) {
  FileOutcome outcome;
  std::error_code ec;
  auto absolute = std::filesystem::absolute(path, ec);
  outcome.uri = ec ? path : absolute.lexically_normal().string();
  outcome.started_at = FormatTimestamp(Clock::Real().Now());

  auto hash_source = OpenFileSource(path);
  if (!hash_source) return Failed(outcome, hash_source.error().message());
  auto sha = Sha256Of(**hash_source, &outcome.size_bytes);
  if (!sha) return Failed(outcome, sha.error().message());
  outcome.sha256 = *sha;

  auto loaded = warehouse.FindLoadedContent(outcome.sha256);
  if (!loaded) return Failed(outcome, loaded.error().message());
  if (*loaded) {
    outcome.status = FileStatus::kSkipped;
    outcome.same_content_as = **loaded;
    outcome.error = fmt::format("content already loaded as file {}", **loaded);
    return Record(warehouse, run_id, outcome);
  }

  auto source = OpenFileSource(path);
  if (!source) return Record(warehouse, run_id, Failed(outcome, source.error().message()));
  CsvReader reader(**source);
  CsvRecord header;
  auto has_header = reader.Next(&header);
  if (!has_header) return Record(warehouse, run_id, Failed(outcome, has_header.error().message()));
  if (!*has_header) {
    return Record(warehouse, run_id, Failed(outcome, fmt::format("{}: empty file, no header line", path)));
  }
  if (header.problem != RecordProblem::kNone && header.problem != RecordProblem::kStrayQuote) {
    return Record(warehouse, run_id,
                  Failed(outcome, fmt::format("{}: line 1: the header is not a CSV line ({})", path,
                                              RecordProblemCode(header.problem))));
  }
  auto header_map = MapHeader(header.fields);
  if (!header_map) {
    return Record(warehouse, run_id,
                  Failed(outcome, fmt::format("{}: line 1: {}", path, header_map.error().message())));
  }
  outcome.extra_columns = header_map->extra_columns;
  outcome.missing_columns = header_map->missing_columns;
  RowCleaner cleaner(std::move(*header_map));

  auto load = warehouse.BeginLoad(run_id, outcome);
  if (!load) return Record(warehouse, run_id, Failed(outcome, load.error().message()));
  FileLoader loader(options, &outcome);
  Status ran = loader.Run(reader, cleaner, **load, outcome.size_bytes);
  if (!ran) {
    load->reset();  // rolls back
    return Record(warehouse, run_id, Failed(outcome, ran.error().message()));
  }
  double ratio = outcome.rows_read == 0
                     ? 0.0
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
  if (finished) finished = (*load)->Commit(outcome);
  if (!finished) {
    load->reset();
    return Record(warehouse, run_id, Failed(outcome, finished.error().message()));
  }
  return outcome;
}

}  // namespace

FileOutcome IngestFile(Warehouse& warehouse, int64_t run_id, const std::string& path,
                       const IngestOptions& options) {
  try {
    return IngestChecked(warehouse, run_id, path, options);
  } catch (const std::exception& e) {
    FileOutcome outcome;
    outcome.uri = path;
    outcome.started_at = FormatTimestamp(Clock::Real().Now());
    return Record(warehouse, run_id, Failed(outcome, fmt::format("internal error: {}", e.what())));
  }
}

Result<IngestReport> IngestFiles(Warehouse& warehouse, std::span<const std::string> paths,
                                 const IngestOptions& options) {
  TILL_RETURN_IF_ERROR(warehouse.Migrate());
  auto run = warehouse.StartRun(options.trigger);
  TILL_RETURN_IF_ERROR(run);
  IngestReport report;
  report.run_id = *run;
  int failed = 0;
  for (const std::string& path : paths) {
    FileOutcome outcome = IngestFile(warehouse, *run, path, options);
    if (outcome.status == FileStatus::kFailed) ++failed;
    report.files.push_back(std::move(outcome));
  }
  report.succeeded = failed == 0;
  std::string error = failed ? fmt::format("{} of {} files failed", failed, paths.size()) : "";
  TILL_RETURN_IF_ERROR(warehouse.FinishRun(*run, report.succeeded, error));
  return report;
}

}  // namespace till
