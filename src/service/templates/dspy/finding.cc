#include "service/templates/dspy/finding.h"

#include <utility>

namespace exemplar::dspy {

Finding Error(std::string code, std::optional<std::string> field, std::string message) {
  return Finding{Severity::kError, std::move(code), std::move(field), std::move(message)};
}

Finding Warning(std::string code, std::optional<std::string> field, std::string message) {
  return Finding{Severity::kWarning, std::move(code), std::move(field), std::move(message)};
}

bool HasErrors(const std::vector<Finding>& findings) {
  for (const Finding& f : findings) {
    if (f.severity == Severity::kError) return true;
  }
  return false;
}

Json FindingToJson(const Finding& finding) {
  Json j = Json::object();
  j["severity"] = finding.severity == Severity::kError ? "error" : "warning";
  j["code"] = finding.code;
  if (finding.field) j["field"] = *finding.field;
  j["message"] = finding.message;
  return j;
}

Json FindingsToJson(const std::vector<Finding>& findings) {
  Json out = Json::array();
  for (const Finding& f : findings) out.push_back(FindingToJson(f));
  return out;
}

Status FindingsToStatus(const std::vector<Finding>& findings) {
  std::vector<FieldError> errors;
  for (const Finding& f : findings) {
    if (f.severity != Severity::kError) continue;
    std::vector<std::string> loc = {"template"};
    if (f.field) loc.push_back(*f.field);
    errors.push_back({std::move(loc), f.message, "dspy_" + f.code});
  }
  if (errors.empty()) return Status::Ok();
  return Status::Invalid(std::move(errors));
}

}  // namespace exemplar::dspy
