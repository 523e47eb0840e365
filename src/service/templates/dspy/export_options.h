// Options of a DSPy export (SPEC §4.4) and the artifact it produces.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json_util.h"
#include "common/status.h"
#include "service/templates/dspy/finding.h"

namespace exemplar::dspy {

enum class ExportFormat { kPythonModule, kProgramState, kDatasetJsonl, kJsonConfig, kNotebook };
enum class ModuleKind { kPredict, kChainOfThought };
enum class MetricKind { kExactMatch, kF1, kContains, kJsonFields, kNumericClose, kLlmJudge };

struct ExportOptions {
  ExportFormat format = ExportFormat::kPythonModule;
  ModuleKind module = ModuleKind::kPredict;
  bool include_optimizer = false;
  // {"type": ..., params...}; always validated (see optimizer_config.h), used when
  // include_optimizer is set and recorded in json_config.
  Json optimizer = Json{{"type", "BootstrapFewShot"}};
  MetricKind metric = MetricKind::kExactMatch;
  // LiteLLM model string for dspy.LM; empty = "databricks/<template base_model>" (or the base
  // model as is when it already names a provider with "/").
  std::string lm_model;
  // Chosen examples become the predictor's demos in program_state (labeled demos, no
  // "augmented" key), and python_module/notebook get build_program() installing them.
  bool demos_as_program_state = true;
  // The template's prompt is a DSPy program's instructions (an accepted run's, an imported
  // program's): exported as stored, without rendering {field} placeholders (not a request key).
  bool literal_instructions = false;
  // Provenance written into headers; no clock is read so output is deterministic.
  std::string generated_by = "exemplar";
  std::optional<std::string> generated_at;  // RFC 3339, written only when set
};

struct Artifact {
  std::string content;
  std::string filename;
  std::string media_type;
  std::vector<Finding> findings;  // warnings (an export with errors is refused)
  size_t example_count = 0;
};

// Wire names: "python_module", "Predict", "exact_match", ...
std::string_view FormatName(ExportFormat f);
std::string_view ModuleName(ModuleKind m);
std::string_view MetricName(MetricKind m);
std::optional<ExportFormat> ParseFormat(std::string_view s);
std::optional<ModuleKind> ParseModule(std::string_view s);
std::optional<MetricKind> ParseMetric(std::string_view s);

// Reads the export options from a request body (keys: format, module, include_optimizer,
// optimizer, metric, lm_model, demos_as_program_state; others are ignored). Validates the
// optimizer config too. Errors: kInvalidArgument with {"body", key} field errors.
Result<ExportOptions> ParseExportOptions(const Json& body);

}  // namespace exemplar::dspy
