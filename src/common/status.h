// Status and Result<T>: errors as values in the core. Exactly one place (api/error_mapping.cc)
// turns a Status into an HTTP status and error body.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace exemplar {

enum class Code {
  kOk,
  kInvalidArgument,     // a request value is malformed or out of range (422 on the wire)
  kMalformed,           // the request body cannot be parsed at all (400)
  kNotFound,            // 404
  kAlreadyExists,       // 409
  kFailedPrecondition,  // state forbids the operation, e.g. editing a published template (409)
  kPreconditionFailed,  // a request precondition (If-Match) does not hold (412)
  kTooLarge,            // 413
  kUnsupportedMedia,    // 415
  kUnauthenticated,     // 401
  kPermissionDenied,    // 403
  kMisdirected,         // the Host header names a host this server does not serve (421)
  kMethodNotAllowed,    // the path exists, the method does not (405)
  kResourceExhausted,   // rate limit or capacity (429)
  kUnavailable,         // a dependency (embedding/LM provider) is down (503)
  kDeadlineExceeded,    // 504
  kInsufficientStorage, // the disk is full; nothing was written (507)
  kInternal,            // a bug (500)
};

// One validation problem, in the shape FastAPI clients parse: loc is a path like ["body","k"].
struct FieldError {
  std::vector<std::string> loc;
  std::string msg;
  std::string type;
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string msg) { return {Code::kInvalidArgument, std::move(msg)}; }
  static Status Malformed(std::string msg) { return {Code::kMalformed, std::move(msg)}; }
  static Status NotFound(std::string msg) { return {Code::kNotFound, std::move(msg)}; }
  static Status AlreadyExists(std::string msg) { return {Code::kAlreadyExists, std::move(msg)}; }
  static Status FailedPrecondition(std::string msg) { return {Code::kFailedPrecondition, std::move(msg)}; }
  static Status PreconditionFailed(std::string msg) { return {Code::kPreconditionFailed, std::move(msg)}; }
  static Status Unavailable(std::string msg) { return {Code::kUnavailable, std::move(msg)}; }
  static Status ResourceExhausted(std::string msg) { return {Code::kResourceExhausted, std::move(msg)}; }
  static Status Internal(std::string msg) { return {Code::kInternal, std::move(msg)}; }
  // A validation failure carrying one or more field errors.
  static Status Invalid(std::vector<FieldError> errors);

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  const std::vector<FieldError>& field_errors() const { return field_errors_; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }

  // Short machine code for the wire, e.g. "not_found".
  std::string CodeName() const;
  std::string ToString() const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
  std::vector<FieldError> field_errors_;
};

// A value or the Status explaining why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {}  // NOLINT: implicit by design

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() { return *value_; }
  const T& operator*() const { return *value_; }

 private:
  Status status_;
  std::optional<T> value_;
};

// Collects field errors while validating a request body.
class Validation {
 public:
  void Add(std::vector<std::string> loc, std::string msg, std::string type = "value_error") {
    errors_.push_back({std::move(loc), std::move(msg), std::move(type)});
  }
  bool ok() const { return errors_.empty(); }
  Status ToStatus() const { return ok() ? Status::Ok() : Status::Invalid(errors_); }
  const std::vector<FieldError>& errors() const { return errors_; }

 private:
  std::vector<FieldError> errors_;
};

}  // namespace exemplar

#define EXEMPLAR_RETURN_IF_ERROR(expr)         \
  do {                                         \
    ::exemplar::Status _st = (expr);           \
    if (!_st.ok()) return _st;                 \
  } while (0)

#define EXEMPLAR_CONCAT_INNER(a, b) a##b
#define EXEMPLAR_CONCAT(a, b) EXEMPLAR_CONCAT_INNER(a, b)
#define EXEMPLAR_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                   \
  if (!tmp.ok()) return tmp.status();                  \
  lhs = std::move(tmp).value()
#define EXEMPLAR_ASSIGN_OR_RETURN(lhs, expr) \
  EXEMPLAR_ASSIGN_OR_RETURN_IMPL(EXEMPLAR_CONCAT(_res_, __LINE__), lhs, expr)
