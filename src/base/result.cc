#include "base/result.h"

namespace till {

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return "invalid_argument";
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kIoError:
      return "io_error";
    case ErrorCode::kBadFormat:
      return "bad_format";
    case ErrorCode::kWarehouseError:
      return "warehouse_error";
    case ErrorCode::kSchemaTooNew:
      return "schema_too_new";
    case ErrorCode::kRejectBudget:
      return "reject_budget";
    case ErrorCode::kAlreadyLoaded:
      return "already_loaded";
    case ErrorCode::kInternal:
      return "internal";
  }
  return "internal";
}

}  // namespace till
