#include "pipeline/ingest.h"

#include <absl/container/flat_hash_map.h>
#include <fmt/format.h>
#include <pthread.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <thread>
#include <tuple>

#include "base/bounded_queue.h"
#include "base/byte_source.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/sha256.h"
#include "clean/header_map.h"
#include "clean/row_cleaner.h"
#include "csv/csv_reader.h"
#include "landing/landing_zone.h"
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

// Loads one file whose content is not loaded yet. All writes go through `load`; any error
// returns early and the caller rolls the load back.
class FileLoader {
 public:
  // What the producer hands the writer: facts, the members they point at, rejects.
  struct Batch {
    std::vector<FactSale> facts;
    std::array<std::vector<Member>, kDimensionCount> members;  // customer versions excepted
    std::vector<MemberSighting> customers;
    std::unique_ptr<TextArena> customer_text;  // what the customer versions point into
    std::vector<RejectRecord> rejects;
  };
  static constexpr size_t kQueuedBatches = 4;

  FileLoader(const IngestOptions& options, CsvReaderOptions reader_options, FileOutcome* outcome)
      : options_(options), reader_options_(reader_options), outcome_(outcome) {
    for (Dimension dimension : AllDimensions()) {
      steps_.push_back(StepTimer{std::string(Spec(dimension).step)});
    }
  }

  // Reads, cleans and writes every row. Two stages on two threads, joined by a bounded queue:
  // a producer reads, cleans and builds star rows into batches; the calling thread writes
  // batches to the warehouse. Returns the reader's or the warehouse's error; rethrows what the
  // producer threw.
  Status Run(CsvReader& reader, RowCleaner& cleaner, WarehouseLoad& load, int64_t size) {
    auto has_customers = load.HasCustomers();
    TILL_RETURN_IF_ERROR(has_customers);
    customers_before_ = *has_customers;
    BoundedQueue<Batch> queue(kQueuedBatches);
    Status produced;
    std::exception_ptr thrown;
    std::thread producer([&] {
      pthread_setname_np(pthread_self(), "till-read");  // names the stage in top and perf
      try {
        produced = Produce(reader, cleaner, queue, size);
      } catch (...) {
        thrown = std::current_exception();
      }
      queue.Close();
    });
    Status written;
    while (auto batch = queue.Pop()) {
      if (written) written = Write(*batch, load);
      if (!written) queue.Close();  // the producer stops at its next push
    }
    producer.join();
    if (thrown) std::rethrow_exception(thrown);
    if (!produced) return produced;
    return written;
  }

  // Finishes a load that is within its budget: calendar, current customer versions, steps.
  Status Finish(WarehouseLoad& load) {
    auto start = SteadyClock::now();
    TILL_RETURN_IF_ERROR(load.EnsureDates(star_.dates()));
    double date_seconds = SecondsSince(start);

    TILL_RETURN_IF_ERROR(SettleCustomers(load));

    std::vector<StepTiming> timings;
    timings.push_back(StepTiming{"read", outcome_->rows_read, read_seconds_});
    for (const StepTimer& step : steps_) {
      timings.push_back(StepTiming{step.name, step.rows, step.seconds});
    }
    timings.push_back(StepTiming{"date", static_cast<int64_t>(star_.dates().size()), date_seconds});
    timings.push_back(StepTiming{"sales", outcome_->rows_loaded, sales_seconds_});
    outcome_->steps = timings;
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
  void AddReject(Batch& batch, const CsvRecord& record, const RowIssue& issue, bool row_rejected) {
    AddReject(batch, RejectRecord{record.line, issue.column, std::string(IssueCodeName(issue.code)),
                                  issue.message, std::string(StoredRaw(record.raw)), row_rejected});
  }

  void AddReject(Batch& batch, RejectRecord reject) {
    if (reject.row_rejected) ++reason_counts_[reject.reason];
    if (reject.row_rejected && reject_sample_.size() < options_.failed_reject_sample) {
      reject_sample_.push_back(reject);
    }
    batch.rejects.push_back(std::move(reject));
  }

  // What etl_reject keeps of a raw record: its first 64 KiB.
  static std::string_view StoredRaw(std::string_view raw) { return raw.substr(0, 64 << 10); }

  // The producer: reads, cleans and builds. Counts what it reads into the outcome fields the
  // writer never touches.
  Status Produce(CsvReader& reader, RowCleaner& cleaner, BoundedQueue<Batch>& queue, int64_t size) {
    CsvRecord record;
    Batch batch;
    batch.facts.reserve(options_.batch_rows);
    double waited = 0;
    auto start = SteadyClock::now();
    auto push = [&]() {
      batch.customer_text = star_.TakeBatchArena();
      auto wait_start = SteadyClock::now();
      bool open = queue.Push(std::move(batch));
      waited += SecondsSince(wait_start);
      batch = Batch{};
      batch.facts.reserve(options_.batch_rows);
      return open;
    };
    int64_t records = 0;
    for (;;) {
      auto more = reader.Next(&record);
      TILL_RETURN_IF_ERROR(more);
      if (!*more) break;
      ++outcome_->rows_read;
      if (options_.progress && (++records & 0x3FFF) == 0) {
        options_.progress(outcome_->uri, reader.bytes_consumed(), size);
      }
      Stage(record, cleaner, batch);
      if (batch.facts.size() >= options_.batch_rows ||
          batch.rejects.size() >= options_.batch_rows) {
        if (!push()) return {};  // the writer failed and says why
      }
    }
    push();
    read_seconds_ = SecondsSince(start) - waited;
    if (options_.progress) options_.progress(outcome_->uri, reader.bytes_consumed(), size);
    return {};
  }

  // Cleans one record and stages its fact, members and rejects into `batch`.
  void Stage(const CsvRecord& record, RowCleaner& cleaner, Batch& batch) {
    // A quoted field that runs over line ends and then has text after its closing quote is a
    // stray quote that swallowed lines, even when the field count happens to come out right.
    if (record.problem == RecordProblem::kStrayQuote &&
        SplitSwallowedLines(record, cleaner, batch)) {
      return;
    }
    if (cleaner.Clean(record, &row_, &issues_) == CleanOutcome::kRejected) {
      if (issues_.front().code == IssueCode::kFieldCount &&
          SplitSwallowedLines(record, cleaner, batch)) {
        return;
      }
      ++outcome_->rows_rejected;
      AddReject(batch, record, issues_.front(), /*row_rejected=*/true);
      return;
    }
    for (const RowIssue& issue : issues_) {
      ++outcome_->values_nulled;
      AddReject(batch, record, issue, /*row_rejected=*/false);
    }
    outcome_->year_mismatches += row_.year_mismatch;
    outcome_->month_mismatches += row_.month_mismatch;
    star_.Build(row_, &batch.facts.emplace_back(), &sightings_);
    for (const MemberSighting& sighting : sightings_) {
      if (sighting.dimension == Dimension::kCustomer) {
        batch.customers.push_back(sighting);
      } else {
        batch.members[static_cast<size_t>(sighting.dimension)].push_back(sighting.member);
      }
    }
    sightings_.clear();
  }

  // A stray opening quote makes the reader take the lines after it as one quoted field until
  // some later quote closes it; the record then has the wrong number of fields, or text after
  // the closing quote. Rather than
  // lose those lines inside one rejected record, this rejects the first line alone and reads
  // each following line as a record of its own. Returns false when `record` is not such a case
  // (one line, or its raw text was cut short).
  bool SplitSwallowedLines(const CsvRecord& record, RowCleaner& cleaner, Batch& batch) {
    size_t line_end = record.raw.find('\n');
    if (line_end == std::string_view::npos ||
        (record.problem != RecordProblem::kNone && record.problem != RecordProblem::kStrayQuote)) {
      return false;
    }
    std::string_view first = record.raw.substr(0, line_end);
    if (first.ends_with('\r')) first.remove_suffix(1);
    ++outcome_->rows_rejected;
    AddReject(batch, RejectRecord{record.line, "",
                                  std::string(IssueCodeName(IssueCode::kUnterminatedQuote)),
                                  "a quote opened on this line does not close on it; the lines "
                                  "it ran into were read on their own",
                                  std::string(StoredRaw(first)), true});

    // The rest is re-read from a copy: `record` points into the outer reader's buffer.
    auto source = MakeStringSource(std::string(record.raw.substr(line_end + 1)));
    CsvReader reader(*source, reader_options_);
    CsvRecord inner;
    for (;;) {
      auto more = reader.Next(&inner);
      if (!more || !*more) break;  // a string source does not fail
      inner.line += record.line;
      ++outcome_->rows_read;
      Stage(inner, cleaner, batch);
    }
    return true;
  }

  // The writer: members first, then the facts that point at them, then rejects.
  Status Write(Batch& batch, WarehouseLoad& load) {
    for (Dimension dimension : AllDimensions()) {
      const auto& members = batch.members[static_cast<size_t>(dimension)];
      if (members.empty()) continue;
      auto start = SteadyClock::now();
      TILL_RETURN_IF_ERROR(load.UpsertMembers(dimension, members));
      StepTimer& step = steps_[static_cast<size_t>(dimension)];
      step.seconds += SecondsSince(start);
      step.rows += static_cast<int64_t>(members.size());
    }
    if (!batch.customers.empty()) TILL_RETURN_IF_ERROR(WriteCustomers(batch.customers, load));
    if (!batch.facts.empty()) {
      auto start = SteadyClock::now();
      auto inserted = load.AppendFacts(batch.facts);
      TILL_RETURN_IF_ERROR(inserted);
      sales_seconds_ += SecondsSince(start);
      outcome_->rows_loaded += *inserted;
      outcome_->rows_duplicate += static_cast<int64_t>(batch.facts.size()) - *inserted;
    }
    if (!batch.rejects.empty()) TILL_RETURN_IF_ERROR(load.AddRejects(batch.rejects));
    return {};
  }

  // Writes customer versions new to this load, in the order they came, and keeps the best
  // version of each customer id seen so far.
  Status WriteCustomers(const std::vector<MemberSighting>& customers, WarehouseLoad& load) {
    auto start = SteadyClock::now();
    std::vector<CustomerWrite> writes;
    writes.reserve(customers.size());
    for (const MemberSighting& sighting : customers) {
      // A version without a customer id stands alone and is always current; the others are
      // settled at the end of the file.
      writes.push_back(CustomerWrite{&sighting.member, SeenRange{sighting.date, sighting.date},
                                     !sighting.member.attribute(0).has_value()});
    }
    auto merged = load.UpsertCustomers(writes);
    TILL_RETURN_IF_ERROR(merged);
    for (size_t i = 0; i < writes.size(); ++i) {
      auto id = writes[i].member->attribute(0);
      if (id) Compete(*id, CustomerVersion{writes[i].member->key, (*merged)[i]});
    }
    StepTimer& step = steps_[static_cast<size_t>(Dimension::kCustomer)];
    step.seconds += SecondsSince(start);
    step.rows += static_cast<int64_t>(writes.size());
    return {};
  }

  // The current version of a customer id is the one seen last (ties: the larger key). Widening
  // a version's range never lowers its rank, so the best can be kept as rows stream by.
  static bool Better(const CustomerVersion& a, const CustomerVersion& b) {
    return std::tie(a.seen.last, a.key) > std::tie(b.seen.last, b.key);
  }

  void Compete(std::string_view customer_id, const CustomerVersion& version) {
    auto [it, inserted] = best_.try_emplace(std::string(customer_id), version);
    if (!inserted && (it->second.key == version.key || Better(version, it->second))) {
      it->second = version;
    }
  }

  // Widens the versions seen again on other dates, then settles which version of each customer
  // id this load touched is current.
  Status SettleCustomers(WarehouseLoad& load) {
    auto start = SteadyClock::now();
    auto widened = star_.TakeWidenedCustomers();
    if (!widened.empty()) {
      std::vector<CustomerVersion> versions;
      versions.reserve(widened.size());
      for (const auto& w : widened)
        versions.push_back(CustomerVersion{w.key, SeenRange{w.first, w.last}});
      auto merged = load.WidenCustomers(versions);
      TILL_RETURN_IF_ERROR(merged);
      for (size_t i = 0; i < widened.size(); ++i) {
        if (widened[i].customer_id) {
          Compete(*widened[i].customer_id, CustomerVersion{widened[i].key, (*merged)[i]});
        }
      }
    }
    std::vector<int64_t> promote;
    std::vector<int64_t> demote;
    if (!customers_before_) {
      // A warehouse without customers before this load: its versions are all there is.
      for (const auto& [id, best] : best_) promote.push_back(best.key);
    } else {
      std::vector<std::string_view> ids;
      ids.reserve(best_.size());
      for (const auto& [id, best] : best_) ids.push_back(id);
      auto current = load.CurrentCustomers(ids);
      TILL_RETURN_IF_ERROR(current);
      for (size_t i = 0; i < ids.size(); ++i) {
        const CustomerVersion& best = best_.at(std::string(ids[i]));
        const auto& stored = (*current)[i];
        if (stored && (stored->key == best.key || !Better(best, *stored))) continue;
        if (stored) demote.push_back(stored->key);
        promote.push_back(best.key);
      }
    }
    TILL_RETURN_IF_ERROR(load.SetCustomersCurrent(demote, false));
    TILL_RETURN_IF_ERROR(load.SetCustomersCurrent(promote, true));
    steps_[static_cast<size_t>(Dimension::kCustomer)].seconds += SecondsSince(start);
    return {};
  }

  const IngestOptions& options_;
  const CsvReaderOptions reader_options_;
  FileOutcome* outcome_;
  // Producer state.
  StarBuilder star_;
  CleanRow row_;
  std::vector<RowIssue> issues_;
  std::vector<MemberSighting> sightings_;
  std::vector<RejectRecord> reject_sample_;
  std::map<std::string, int64_t> reason_counts_;
  std::vector<StepTimer> steps_;
  // Writer state: the best version of each customer id this load touched, and whether the
  // warehouse held customer versions before it.
  absl::flat_hash_map<std::string, CustomerVersion> best_;
  bool customers_before_ = false;
  double read_seconds_ = 0;
  double sales_seconds_ = 0;
};

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
  // The separator is told by the header line: ',' in the usual export, ';', tab or '|' in
  // others.
  auto head = ReadPrefix(**file, 64 << 10);
  if (!head) return Record(warehouse, run_id, Failed(outcome, head.error()));
  if (head->starts_with("\xFF\xFE") || head->starts_with("\xFE\xFF")) {
    return Record(warehouse, run_id,
                  Failed(outcome, fmt::format("{}: the file is UTF-16 text; save it as UTF-8 "
                                              "(or \"CSV UTF-8\") and load it again",
                                              outcome.uri)));
  }
  // Lines that end with a lone CR and never with LF are an old Mac export: read CR as LF.
  const bool cr_lines =
      head->find('\n') == std::string::npos && head->find('\r') != std::string::npos;
  std::string_view first_line =
      std::string_view(*head).substr(0, head->find(cr_lines ? '\r' : '\n'));
  if (first_line.starts_with("\xEF\xBB\xBF")) first_line.remove_prefix(3);
  CsvReaderOptions reader_options = ReaderOptions(DetectDelimiter(first_line));
  std::unique_ptr<ByteSource> source = MakePrefixedSource(std::move(*head), std::move(*file));
  if (cr_lines) source = MakeCrToLfSource(std::move(source));
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
