#include "pipeline/file_loader.h"

#include <absl/container/flat_hash_map.h>
#include <fmt/format.h>
#include <pthread.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <exception>
#include <map>
#include <thread>
#include <tuple>
#include <utility>

#include "base/bounded_queue.h"
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

class TwoThreadLoader final : public FileLoader {
 public:
  // What the producer hands the writer: facts, the members they point at, rejects.
  struct Batch {
    std::vector<FactSale> facts;
    std::array<std::vector<Member>, kDimensionCount> members;  // customer versions excepted
    std::vector<MemberSighting> customers;
    std::unique_ptr<TextArena> customer_text;  // what the customer versions point into
    // Versions seen again on other dates, handed over when the builder forgot its versions.
    std::vector<StarBuilder::WidenedCustomer> widened;
    std::vector<RejectRecord> rejects;
    // Whose facts these are: (part, end), facts [previous end, end) being the part's.
    std::vector<std::pair<size_t, size_t>> part_ends;
  };
  static constexpr size_t kQueuedBatches = 4;

  TwoThreadLoader(const IngestOptions& options, CsvReaderOptions reader_options,
                  FileOutcome* outcome)
      : options_(options),
        reader_options_(reader_options),
        outcome_(outcome),
        star_(options.max_customer_versions) {
    for (Dimension dimension : AllDimensions()) {
      steps_.push_back(StepTimer{std::string(Spec(dimension).step)});
    }
  }

  // Two stages on two threads, joined by a bounded queue: a producer reads, cleans and builds
  // star rows into batches; the calling thread writes batches to the warehouse.
  using FileLoader::Run;
  Status Run(RecordSource& reader, RowCleaner& cleaner, WarehouseLoad& load, int64_t size,
             int64_t line_offset) override {
    const Part part{&reader, &cleaner, size, line_offset};
    std::vector<PartCounts> counts;
    return RunParts(std::span<const Part>(&part, 1), load, &counts);
  }

  Status RunParts(std::span<const Part> parts, WarehouseLoad& load,
                  std::vector<PartCounts>* counts) override {
    auto has_customers = load.HasCustomers();
    TILL_RETURN_IF_ERROR(has_customers);
    customers_before_ = *has_customers;
    // Each thread writes its own members of a part's counts: the producer what it reads, the
    // writer what it loads.
    counts->assign(parts.size(), PartCounts{});
    BoundedQueue<Batch> queue(kQueuedBatches);
    Status produced;
    std::exception_ptr thrown;
    std::thread producer([&] {
      pthread_setname_np(pthread_self(), "till-read");  // names the stage in top and perf
      try {
        produced = Produce(parts, queue, *counts);
      } catch (...) {
        thrown = std::current_exception();
      }
      queue.Close();
    });
    Status written;
    while (auto batch = queue.Pop()) {
      if (written) written = Write(*batch, load, *counts);
      if (!written) queue.Close();  // the producer stops at its next push
    }
    producer.join();
    if (thrown) std::rethrow_exception(thrown);
    if (!produced) return produced;
    return written;
  }

  Status Finish(WarehouseLoad& load) override {
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

  const std::vector<RejectRecord>& reject_sample() const override { return reject_sample_; }

  std::string TopReasons() const override {
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

  // Notes that the batch's facts so far, from the last part noted on, are part `part`'s.
  static void MarkPart(Batch& batch, size_t part) {
    if (batch.part_ends.empty() || batch.part_ends.back().first != part) {
      batch.part_ends.emplace_back(part, batch.facts.size());
    } else {
      batch.part_ends.back().second = batch.facts.size();
    }
  }

  // The producer: reads, cleans and builds. Counts what it reads into the outcome fields the
  // writer never touches.
  Status Produce(std::span<const Part> parts, BoundedQueue<Batch>& queue,
                 std::vector<PartCounts>& counts) {
    CsvRecord record;
    Batch batch;
    batch.facts.reserve(options_.batch_rows);
    double waited = 0;
    auto start = SteadyClock::now();
    size_t part = 0;
    auto push = [&]() {
      MarkPart(batch, part);
      if (star_.customers_full()) {
        // The builder forgets its customer versions, so that memory stays bounded whatever the
        // file's size; the widenings found so far go with this batch, written after its rows.
        batch.widened = star_.TakeWidenedCustomers(/*into_batch_arena=*/true);
        star_.ForgetCustomers();
      }
      batch.customer_text = star_.TakeBatchArena();
      auto wait_start = SteadyClock::now();
      bool open = queue.Push(std::move(batch));
      waited += SecondsSince(wait_start);
      batch = Batch{};
      batch.facts.reserve(options_.batch_rows);
      return open;
    };
    int64_t records = 0;
    for (part = 0; part < parts.size(); ++part) {
      RecordSource& reader = *parts[part].records;
      RowCleaner& cleaner = *parts[part].cleaner;
      const int64_t size = parts[part].size;
      PartCounts& count = counts[part];
      // Only the counts this thread writes: the writer's change meanwhile.
      const int64_t read_before = outcome_->rows_read;
      const int64_t rejected_before = outcome_->rows_rejected;
      const int64_t nulled_before = outcome_->values_nulled;
      count.reject_begin = reject_sample_.size();
      for (;;) {
        auto more = reader.Next(&record);
        TILL_RETURN_IF_ERROR(more);
        if (!*more) break;
        record.line += parts[part].line_offset;
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
      MarkPart(batch, part);
      count.rows_read = outcome_->rows_read - read_before;
      count.rows_rejected = outcome_->rows_rejected - rejected_before;
      count.values_nulled = outcome_->values_nulled - nulled_before;
      count.reject_end = reject_sample_.size();
      if (options_.progress) options_.progress(outcome_->uri, reader.bytes_consumed(), size);
    }
    part = parts.empty() ? 0 : parts.size() - 1;
    push();
    read_seconds_ = SecondsSince(start) - waited;
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
  Status Write(Batch& batch, WarehouseLoad& load, std::vector<PartCounts>& counts) {
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
    if (!batch.widened.empty()) TILL_RETURN_IF_ERROR(WidenCustomers(batch.widened, load));
    if (!batch.facts.empty()) {
      auto start = SteadyClock::now();
      auto inserted = load.AppendFacts(batch.facts, &inserted_);
      TILL_RETURN_IF_ERROR(inserted);
      sales_seconds_ += SecondsSince(start);
      outcome_->rows_loaded += *inserted;
      outcome_->rows_duplicate += static_cast<int64_t>(batch.facts.size()) - *inserted;
      size_t begin = 0;
      for (auto [part, end] : batch.part_ends) {
        int64_t loaded = 0;
        for (size_t i = begin; i < end; ++i) loaded += inserted_[i];
        counts[part].rows_loaded += loaded;
        counts[part].rows_duplicate += static_cast<int64_t>(end - begin) - loaded;
        begin = end;
      }
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

  // A version's range may come in parts: the load widens one it may have written already only
  // when it settles (see CustomerVersions), and answers with the part it saw until then.
  void Compete(std::string_view customer_id, const CustomerVersion& version) {
    auto [it, inserted] = best_.try_emplace(std::string(customer_id), version);
    if (inserted) return;
    if (it->second.key == version.key) {
      it->second.seen = Widened(it->second.seen, version.seen);
    } else if (Better(version, it->second)) {
      it->second = version;
    }
  }

  // Widens the seen range of versions seen again on other dates.
  Status WidenCustomers(const std::vector<StarBuilder::WidenedCustomer>& widened,
                        WarehouseLoad& load) {
    std::vector<CustomerVersion> versions;
    versions.reserve(widened.size());
    for (const auto& w : widened) {
      versions.push_back(CustomerVersion{w.key, SeenRange{w.first, w.last}});
    }
    auto merged = load.WidenCustomers(versions);
    TILL_RETURN_IF_ERROR(merged);
    for (size_t i = 0; i < widened.size(); ++i) {
      if (widened[i].customer_id) {
        Compete(*widened[i].customer_id, CustomerVersion{widened[i].key, (*merged)[i]});
      }
    }
    return {};
  }

  // Widens the versions seen again on other dates, then settles which version of each customer
  // id this load touched is current.
  Status SettleCustomers(WarehouseLoad& load) {
    auto start = SteadyClock::now();
    auto widened = star_.TakeWidenedCustomers();
    if (!widened.empty()) TILL_RETURN_IF_ERROR(WidenCustomers(widened, load));
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
  std::vector<uint8_t> inserted_;  // which facts of the batch being written were inserted
  double read_seconds_ = 0;
  double sales_seconds_ = 0;
};

}  // namespace

// Records are capped at 2 MiB (a retail row is a few hundred bytes), which also bounds what a
// pathological record of nothing but separators can cost. `raw` is kept whole so that lines
// swallowed by a stray quote can be read again (see FileLoader::SplitSwallowedLines).
CsvReaderOptions FileReaderOptions(char delimiter) {
  CsvReaderOptions options;
  options.delimiter = delimiter;
  options.max_field_bytes = 1 << 20;
  options.max_record_bytes = 2 << 20;
  options.max_raw_bytes = options.max_record_bytes;
  return options;
}

std::unique_ptr<FileLoader> MakeFileLoader(const IngestOptions& options,
                                           CsvReaderOptions reader_options, FileOutcome* outcome) {
  return std::make_unique<TwoThreadLoader>(options, reader_options, outcome);
}

}  // namespace till
