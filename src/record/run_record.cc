#include "record/run_record.h"

namespace till {

std::string_view FileStatusName(FileStatus status) {
  switch (status) {
    case FileStatus::kLoaded:
      return "loaded";
    case FileStatus::kSkipped:
      return "skipped";
    case FileStatus::kFailed:
      return "failed";
  }
  return "failed";
}

}  // namespace till
