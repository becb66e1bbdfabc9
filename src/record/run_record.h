// The run records a load leaves behind, apart from where they are stored: what happened to
// each raw file (etl_file), how long each of its steps took (etl_step) and its rejected rows and
// nulled values (etl_reject). The warehouse stores them; the pipeline fills them in; the
// watcher's metrics and alerts read them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace till {

enum class FileStatus { kLoaded, kSkipped, kFailed };
std::string_view FileStatusName(FileStatus status);

// One etl_step record.
struct StepTiming {
  std::string step;
  int64_t rows = 0;
  double seconds = 0;
};

// What happened to one raw file: the etl_file record.
struct FileOutcome {
  int64_t file_id = 0;  // its etl_file record, once written
  std::string uri;
  std::string sha256;
  int64_t size_bytes = 0;
  FileStatus status = FileStatus::kFailed;
  int64_t rows_read = 0;
  int64_t rows_loaded = 0;
  int64_t rows_rejected = 0;
  int64_t rows_duplicate = 0;
  int64_t values_nulled = 0;
  int64_t year_mismatches = 0;
  int64_t month_mismatches = 0;
  std::vector<std::string> extra_columns;
  std::vector<std::string> missing_columns;
  std::optional<int64_t> same_content_as;  // for a skipped file: the file_id that loaded it
  std::string error;                       // why it failed, or why it was skipped
  bool transient = false;  // failed for a reason that may pass: the warehouse, not the content
  std::vector<StepTiming> steps;  // how long each step of a loaded file took
  std::string started_at;
  std::string finished_at;
};

// One etl_reject record: a rejected row, or a value that loaded as null.
struct RejectRecord {
  int64_t line = 0;
  std::string column;  // header spelling; empty for whole-row problems
  std::string reason;  // stable code, e.g. "bad_date"
  std::string message;
  std::string raw;  // the row as it stands in the file
  bool row_rejected = true;
};

}  // namespace till
