// Expected failures as values. Result<T> is spelled like C++23's std::expected (value(),
// error(), has_value(), operator bool, operator*, operator->) so that moving to the standard
// type later is a rename. Status is Result<void>.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace till {

// Stable error codes. Tests, exit codes and metric labels check codes, never message text.
enum class ErrorCode {
  kInvalidArgument,  // a caller or user passed something unusable
  kNotFound,         // a file, table or record that must exist does not
  kIoError,          // reading or writing a file failed
  kBadFormat,        // input that is not what it claims to be (not CSV, wrong header)
  kWarehouseError,   // the warehouse refused or failed a statement
  kSchemaTooNew,     // the warehouse was written by a newer Till
  kRejectBudget,     // a file's rejects exceed the allowed ratio
  kAlreadyLoaded,    // the content was loaded by someone else while this load waited to start
  kInternal,         // a broken invariant; a bug
};

// Returns the stable lower-case name of `code`, e.g. "bad_format".
std::string_view ErrorCodeName(ErrorCode code);

class Error {
 public:
  Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  ErrorCode code_;
  std::string message_;
};

template <typename E>
class Unexpected {
 public:
  explicit Unexpected(E error) : error_(std::move(error)) {}
  E& error() & { return error_; }
  E&& error() && { return std::move(error_); }

 private:
  E error_;
};

inline Unexpected<Error> MakeError(ErrorCode code, std::string message) {
  return Unexpected<Error>(Error(code, std::move(message)));
}

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit
  Result(Unexpected<Error> error)                                        // NOLINT: implicit
      : state_(std::in_place_index<1>, std::move(error).error()) {}

  bool has_value() const { return state_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { return std::get<1>(state_); }

 private:
  std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Unexpected<Error> error) : error_(std::move(error).error()), ok_(false) {}  // NOLINT

  bool has_value() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  Error error_{ErrorCode::kInternal, ""};
  bool ok_ = true;
};

using Status = Result<void>;

}  // namespace till

// Returns the error of `expr` (a Result or Status) from the enclosing function if it failed.
#define TILL_RETURN_IF_ERROR(expr)                                    \
  do {                                                                \
    if (const auto& till_status_ = (expr); !till_status_) {           \
      return ::till::Unexpected<::till::Error>(till_status_.error()); \
    }                                                                 \
  } while (false)

// Evaluates `expr`, a Result<T>: when it failed, returns its error from the enclosing function;
// otherwise moves its value into `lhs`, which may declare a variable:
//   TILL_ASSIGN_OR_RETURN(auto file, OpenFileSource(path));
// Being a statement that declares a name, it cannot stand alone under an `if` without braces.
#define TILL_ASSIGN_OR_RETURN(lhs, expr) \
  TILL_ASSIGN_OR_RETURN_IMPL_(TILL_RESULT_CONCAT_(till_result_, __LINE__), lhs, expr)
#define TILL_ASSIGN_OR_RETURN_IMPL_(result, lhs, expr)                   \
  auto result = (expr);                                                  \
  if (!result) return ::till::Unexpected<::till::Error>(result.error()); \
  lhs = std::move(result).value()
#define TILL_RESULT_CONCAT_(a, b) TILL_RESULT_CONCAT_INNER_(a, b)
#define TILL_RESULT_CONCAT_INNER_(a, b) a##b
