#include "common/status.h"

namespace exemplar {

Status Status::Invalid(std::vector<FieldError> errors) {
  std::string msg = errors.empty() ? "invalid request" : errors.front().msg;
  Status s(Code::kInvalidArgument, std::move(msg));
  s.field_errors_ = std::move(errors);
  return s;
}

std::string Status::CodeName() const {
  switch (code_) {
    case Code::kOk: return "ok";
    case Code::kInvalidArgument: return "validation_error";
    case Code::kMalformed: return "malformed_request";
    case Code::kNotFound: return "not_found";
    case Code::kAlreadyExists: return "already_exists";
    case Code::kFailedPrecondition: return "conflict";
    case Code::kPreconditionFailed: return "precondition_failed";
    case Code::kTooLarge: return "payload_too_large";
    case Code::kUnsupportedMedia: return "unsupported_media_type";
    case Code::kUnauthenticated: return "unauthenticated";
    case Code::kPermissionDenied: return "permission_denied";
    case Code::kResourceExhausted: return "resource_exhausted";
    case Code::kUnavailable: return "unavailable";
    case Code::kDeadlineExceeded: return "deadline_exceeded";
    case Code::kInsufficientStorage: return "insufficient_storage";
    case Code::kMisdirected: return "misdirected_request";
    case Code::kMethodNotAllowed: return "method_not_allowed";
    case Code::kInternal: return "internal";
  }
  return "internal";
}

std::string Status::ToString() const {
  return ok() ? "ok" : CodeName() + ": " + message_;
}

}  // namespace exemplar
