// The loading of one file's rows, on two threads: a producer thread reads records, cleans them
// and builds star-schema rows into batches; the calling thread writes each batch to the
// warehouse load as it comes. A bounded queue between them (kQueuedBatches batches) keeps the
// memory of a file of any size bounded and lets reading and writing overlap.
//
// What it asks of the warehouse load, in order: whether customers were held before; for each
// batch, the members of every dimension but the customer (in dimension order), the new
// customer versions, the facts, the rejects; then, from Finish(), the calendar dates, the
// widened and current customer versions, the step timings.
#pragma once

#include <absl/container/flat_hash_map.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/bounded_queue.h"
#include "base/result.h"
#include "clean/row_cleaner.h"
#include "csv/csv_reader.h"
#include "model/star.h"
#include "pipeline/ingest.h"
#include "warehouse/warehouse.h"

namespace till {

// Loads the rows of one file whose content is not loaded yet, into one WarehouseLoad, and
// counts them into the file's outcome (rows read, loaded, rejected, duplicate, values nulled,
// year and month mismatches, and at Finish() the step timings). Any error stops the load and
// is returned; the caller then rolls the load back. One loader per file: Run() once, then
// Finish() when the file is within its reject budget. Not thread-safe: its two threads are its
// own, and it is used from one calling thread.
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

  // `options` and `outcome` must outlive the loader; `reader_options` are those the file is read
  // with (lines swallowed by a stray quote are read again with them).
  FileLoader(const IngestOptions& options, CsvReaderOptions reader_options, FileOutcome* outcome);

  // Reads, cleans and writes every row of `reader` (positioned after the header); `size` is
  // the file's size for progress reports. Returns the reader's or the warehouse's error;
  // rethrows, once the producer has stopped, what the producer threw.
  Status Run(CsvReader& reader, RowCleaner& cleaner, WarehouseLoad& load, int64_t size);

  // Finishes a load that is within its budget: calendar, current customer versions, steps.
  Status Finish(WarehouseLoad& load);

  // Up to IngestOptions::failed_reject_sample rejected rows, for the record of a file that
  // fails its budget.
  const std::vector<RejectRecord>& reject_sample() const { return reject_sample_; }

  // The most common reject reasons, for a failure message: "bad_date 120, field_count 3".
  std::string TopReasons() const;

 private:
  // Accumulates the time and rows of one named step.
  struct StepTimer {
    std::string name;
    int64_t rows = 0;
    double seconds = 0;
  };

  void AddReject(Batch& batch, const CsvRecord& record, const RowIssue& issue, bool row_rejected);
  void AddReject(Batch& batch, RejectRecord reject);

  // The producer: reads, cleans and builds. Counts what it reads into the outcome fields the
  // writer never touches.
  Status Produce(CsvReader& reader, RowCleaner& cleaner, BoundedQueue<Batch>& queue, int64_t size);
  // Cleans one record and stages its fact, members and rejects into `batch`.
  void Stage(const CsvRecord& record, RowCleaner& cleaner, Batch& batch);
  // Rejects the first line of a record that a stray quote made run over several lines, and
  // stages each following line as a record of its own. False when `record` is not such a case.
  bool SplitSwallowedLines(const CsvRecord& record, RowCleaner& cleaner, Batch& batch);

  // The writer: members first, then the facts that point at them, then rejects.
  Status Write(Batch& batch, WarehouseLoad& load);
  // Writes customer versions new to this load, and keeps the best version of each customer id.
  Status WriteCustomers(const std::vector<MemberSighting>& customers, WarehouseLoad& load);
  void Compete(std::string_view customer_id, const CustomerVersion& version);
  // Widens the versions seen again on other dates, then settles which version of each
  // customer id this load touched is current.
  Status SettleCustomers(WarehouseLoad& load);

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

}  // namespace till
