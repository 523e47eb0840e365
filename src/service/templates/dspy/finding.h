// Validation findings reported by the DSPy generation library (signature checks, example checks,
// export warnings). A finding is data, not an error: callers decide whether errors block an
// operation (Export refuses any signature with an error finding).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/json_util.h"
#include "common/status.h"

namespace exemplar::dspy {

enum class Severity { kError, kWarning };

// Finding codes (stable, machine readable).
// Errors:   invalid_identifier, python_keyword, leading_underscore, reserved_name,
//           shadows_generated_name, duplicate_field, unknown_type, no_input_field,
//           no_output_field, reserved_for_module.
// Warnings: pydantic_shadow, protected_namespace, example_attribute_shadow,
//           instructions_normalized, system_prompt_not_exported, example_missing_field,
//           example_extra_key, example_invalid_payload, optimizer_needs_examples.
struct Finding {
  Severity severity = Severity::kError;
  std::string code;
  std::optional<std::string> field;  // the schema field (or example key) it is about
  std::string message;
};

Finding Error(std::string code, std::optional<std::string> field, std::string message);
Finding Warning(std::string code, std::optional<std::string> field, std::string message);

bool HasErrors(const std::vector<Finding>& findings);

// {"severity": "error"|"warning", "code", "field"?, "message"}
Json FindingToJson(const Finding& finding);
Json FindingsToJson(const std::vector<Finding>& findings);

// kInvalidArgument carrying one FieldError per error finding (loc = {"template", <field>} or
// {"template"}; type = "dspy_<code>"), so the API layer renders them as a 422 list.
// REQUIRES: HasErrors(findings).
Status FindingsToStatus(const std::vector<Finding>& findings);

}  // namespace exemplar::dspy
