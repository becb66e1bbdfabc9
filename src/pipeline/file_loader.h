// The loading of one file's rows, on two threads: a producer thread reads records, cleans them
// and builds star-schema rows into batches; the calling thread writes each batch to the
// warehouse load as it comes. A bounded queue of a few batches between them keeps the memory
// of a file of any size bounded and lets reading and writing overlap.
//
// What it asks of the warehouse load, in order: whether customers were held before; for each
// batch, the members of every dimension but the customer (in dimension order), the new
// customer versions, the facts, the rejects; then, from Finish(), the calendar dates, the
// widened and current customer versions, the step timings.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"
#include "clean/row_cleaner.h"
#include "csv/csv_reader.h"
#include "pipeline/ingest.h"
#include "warehouse/warehouse.h"

namespace till {

// Where a loader's records come from: a CSV reader (CsvRecordSource), or records built
// otherwise, such as the NDJSON lines of a stream request. Records follow the CsvRecord
// contract: views valid until the next Next().
class RecordSource {
 public:
  virtual ~RecordSource() = default;
  // False once there is no record left.
  virtual Result<bool> Next(CsvRecord* record) = 0;
  // How much of the input is read, for progress reports.
  virtual int64_t bytes_consumed() const = 0;
};

class CsvRecordSource final : public RecordSource {
 public:
  explicit CsvRecordSource(CsvReader& reader) : reader_(reader) {}
  Result<bool> Next(CsvRecord* record) override { return reader_.Next(record); }
  int64_t bytes_consumed() const override { return reader_.bytes_consumed(); }

 private:
  CsvReader& reader_;
};

// Loads the rows of one file whose content is not loaded yet into one WarehouseLoad, and
// counts them into the file's outcome (rows read, loaded, rejected and duplicate, values
// nulled, year and month mismatches, and from Finish() the step timings). Any error stops the
// load and is returned; the caller then rolls the load back. One loader per file: Run() once (or
// once per part), then Finish() when the file is within its reject budget. Not thread-safe: the
// loader's two threads are its own, and it is called from one thread.
class FileLoader {
 public:
  virtual ~FileLoader() = default;

  // Reads, cleans and writes every row of `reader` (positioned after the header); `size` is
  // the file's size for progress reports. Returns the reader's or the warehouse's error;
  // rethrows, once the producer has stopped, what the producer threw.
  Status Run(CsvReader& reader, RowCleaner& cleaner, WarehouseLoad& load, int64_t size) {
    CsvRecordSource records(reader);
    return Run(records, cleaner, load, size, 0);
  }
  // The same for any source of records. A load made of several parts (the requests a stream
  // groups into one load) calls Run once for each, each with its cleaner, `line_offset` added
  // to its records' lines so that lines stay distinct within the load; the outcome counts
  // add up over the parts.
  virtual Status Run(RecordSource& records, RowCleaner& cleaner, WarehouseLoad& load, int64_t size,
                     int64_t line_offset) = 0;

  // One part of a load made of several (the requests a stream groups into one load): its
  // records, read with its cleaner, `line_offset` added to their lines as in Run.
  struct Part {
    RecordSource* records = nullptr;
    RowCleaner* cleaner = nullptr;
    int64_t size = 0;
    int64_t line_offset = 0;
  };
  // What a part of RunParts came to: a share of the outcome's counts, and its rejected rows,
  // reject_sample()[reject_begin, reject_end).
  struct PartCounts {
    int64_t rows_read = 0;
    int64_t rows_loaded = 0;
    int64_t rows_duplicate = 0;
    int64_t rows_rejected = 0;
    int64_t values_nulled = 0;
    size_t reject_begin = 0;
    size_t reject_end = 0;
  };
  // Reads, cleans and writes every part as one stream of rows: the parts share the batches of
  // star rows, so that many small parts cost the warehouse as few statements as one large one.
  // Fills *counts with a PartCounts for each part. Errors as Run's.
  virtual Status RunParts(std::span<const Part> parts, WarehouseLoad& load,
                          std::vector<PartCounts>* counts) = 0;

  // Finishes a load that is within its budget: calendar, current customer versions, steps.
  virtual Status Finish(WarehouseLoad& load) = 0;

  // Up to IngestOptions::failed_reject_sample rejected rows, for the record of a file that
  // fails its budget.
  virtual const std::vector<RejectRecord>& reject_sample() const = 0;

  // The most common reject reasons, for a failure message: "bad_date 120, field_count 3".
  virtual std::string TopReasons() const = 0;
};

// How the records of a file with this delimiter are read: records capped at 2 MiB, raw text
// kept whole (for lines swallowed by a stray quote).
CsvReaderOptions FileReaderOptions(char delimiter);

// A loader for one file. `options` and `outcome` must outlive it; `reader_options` are those
// the file is read with (lines swallowed by a stray quote are read again with them).
std::unique_ptr<FileLoader> MakeFileLoader(const IngestOptions& options,
                                           CsvReaderOptions reader_options, FileOutcome* outcome);

}  // namespace till
