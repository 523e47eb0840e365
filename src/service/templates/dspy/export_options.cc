#include "service/templates/dspy/export_options.h"

#include <array>
#include <utility>

#include "service/templates/dspy/optimizer_config.h"

namespace exemplar::dspy {
namespace {

constexpr std::array<std::pair<ExportFormat, std::string_view>, 5> kFormats = {{
    {ExportFormat::kPythonModule, "python_module"},
    {ExportFormat::kProgramState, "program_state"},
    {ExportFormat::kDatasetJsonl, "dataset_jsonl"},
    {ExportFormat::kJsonConfig, "json_config"},
    {ExportFormat::kNotebook, "notebook"},
}};
constexpr std::array<std::pair<ModuleKind, std::string_view>, 2> kModules = {{
    {ModuleKind::kPredict, "Predict"},
    {ModuleKind::kChainOfThought, "ChainOfThought"},
}};
constexpr std::array<std::pair<MetricKind, std::string_view>, 6> kMetrics = {{
    {MetricKind::kExactMatch, "exact_match"},
    {MetricKind::kF1, "f1"},
    {MetricKind::kContains, "contains"},
    {MetricKind::kJsonFields, "json_fields"},
    {MetricKind::kNumericClose, "numeric_close"},
    {MetricKind::kLlmJudge, "llm_judge"},
}};

template <typename E, size_t N>
std::string_view NameOf(const std::array<std::pair<E, std::string_view>, N>& table, E e) {
  for (const auto& [value, name] : table) {
    if (value == e) return name;
  }
  return "";
}

template <typename E, size_t N>
std::optional<E> Parse(const std::array<std::pair<E, std::string_view>, N>& table, std::string_view s) {
  for (const auto& [value, name] : table) {
    if (name == s) return value;
  }
  return std::nullopt;
}

template <typename E, size_t N>
std::vector<std::string> Names(const std::array<std::pair<E, std::string_view>, N>& table) {
  std::vector<std::string> out;
  for (const auto& entry : table) out.emplace_back(entry.second);
  return out;
}

}  // namespace

std::string_view FormatName(ExportFormat f) { return NameOf(kFormats, f); }
std::string_view ModuleName(ModuleKind m) { return NameOf(kModules, m); }
std::string_view MetricName(MetricKind m) { return NameOf(kMetrics, m); }
std::optional<ExportFormat> ParseFormat(std::string_view s) { return Parse(kFormats, s); }
std::optional<ModuleKind> ParseModule(std::string_view s) { return Parse(kModules, s); }
std::optional<MetricKind> ParseMetric(std::string_view s) { return Parse(kMetrics, s); }

Result<ExportOptions> ParseExportOptions(const Json& body) {
  Validation v;
  if (!body.is_object()) {
    v.Add({"body"}, "request body must be a JSON object", "type_error");
    return v.ToStatus();
  }
  JsonReader r(body, v);
  ExportOptions o;
  if (auto s = r.Enum("format", Names(kFormats))) o.format = *ParseFormat(*s);
  if (auto s = r.Enum("module", Names(kModules))) o.module = *ParseModule(*s);
  if (auto s = r.Enum("metric", Names(kMetrics))) o.metric = *ParseMetric(*s);
  if (auto b = r.Bool("include_optimizer")) o.include_optimizer = *b;
  if (auto b = r.Bool("demos_as_program_state")) o.demos_as_program_state = *b;
  if (auto s = r.String("lm_model", 256)) o.lm_model = *s;
  if (auto it = body.find("optimizer"); it != body.end() && !it->is_null()) {
    o.optimizer = *it;
    auto normalized = NormalizeOptimizerConfig(o.optimizer);
    if (!normalized.ok()) {
      for (const FieldError& e : normalized.status().field_errors()) v.Add(e.loc, e.msg, e.type);
    }
  }
  if (!v.ok()) return v.ToStatus();
  return o;
}

}  // namespace exemplar::dspy
