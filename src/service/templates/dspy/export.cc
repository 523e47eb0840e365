#include "service/templates/dspy/export.h"

#include <algorithm>
#include <utility>

#include "service/templates/dspy/example_data.h"
#include "service/templates/dspy/export_context.h"
#include "service/templates/dspy/naming.h"
#include "service/templates/dspy/notebook.h"
#include "service/templates/dspy/program_state.h"
#include "service/templates/dspy/python_module.h"
#include "service/templates/dspy/signature.h"

namespace exemplar::dspy {
namespace {

constexpr const char* kReasoningField = "reasoning";

// The valset MIPROv2 splits off a trainset of n examples when given none (DSPy's
// _set_and_validate_datasets: min(1000, max(1, int(0.8 * n)))).
size_t MiproValsetSize(size_t n) {
  return std::min<size_t>(1000, std::max<size_t>(1, static_cast<size_t>(0.8 * static_cast<double>(n))));
}

std::string ResolveLmModel(const Template& t, const ExportOptions& o) {
  if (!o.lm_model.empty()) return o.lm_model;
  if (t.base_model.find('/') != std::string::npos) return t.base_model;
  return "databricks/" + t.base_model;
}

// Warnings about the optimizer's data needs (DSPy fails or degrades at run time otherwise), and
// MIPROv2's default minibatch_size fitted to the valset as a native run fits it (optimize/mipro.cc).
void FitOptimizerToData(ExportContext& ctx, std::vector<Finding>* findings) {
  if (!ctx.options.include_optimizer) return;
  const std::string& type = ctx.optimizer.type;
  // The trainset holds the labeled rows only (bootstrapped demos' outputs are an LM's).
  size_t n = 0;
  for (const ExampleRow& row : ctx.rows) n += row.augmented ? 0 : 1;
  if (n == 0) {
    findings->push_back(Warning("optimizer_needs_examples", std::nullopt,
                                type + " has no examples to learn from: the trainset is empty"));
  } else if (type == "MIPROv2" && n < 2) {
    findings->push_back(Warning("optimizer_needs_examples", std::nullopt,
                                "MIPROv2 splits the trainset into train and validation sets and "
                                "needs at least 2 examples"));
  } else if (type == "MIPROv2" && ctx.optimizer.Get("auto").is_null() &&
             ctx.optimizer.Get("minibatch").get<bool>() &&
             ctx.optimizer.Get("minibatch_size").get<int64_t>() > static_cast<int64_t>(MiproValsetSize(n))) {
    const int64_t valset = static_cast<int64_t>(MiproValsetSize(n));
    if (ctx.optimizer.Given("minibatch_size")) {
      findings->push_back(Warning("optimizer_needs_examples", "minibatch_size",
                                  "MIPROv2 validates on 80% of the trainset (" + std::to_string(valset) +
                                      " examples); minibatch_size is larger than that, which DSPy rejects "
                                      "(set minibatch false or export more examples)"));
    } else {
      // DSPy raises "Minibatch size cannot exceed the size of the valset"; a native run fits the
      // default it was not given to the valset instead, and so does the exported script.
      for (OptimizerParam& p : ctx.optimizer.params) {
        if (p.name == "minibatch_size") p.value = valset;
      }
      findings->push_back(Warning("optimizer_needs_examples", "minibatch_size",
                                  "MIPROv2 validates on 80% of the trainset (" + std::to_string(valset) +
                                      " examples), fewer than the default minibatch_size: the script passes "
                                      "minibatch_size=" + std::to_string(valset) +
                                      ", as a native run uses (DSPy rejects a larger one)"));
    }
  } else if (type == "KNNFewShot" && ctx.optimizer.Get("k").get<int64_t>() > static_cast<int64_t>(n)) {
    findings->push_back(Warning("optimizer_needs_examples", "k",
                                "KNNFewShot k is larger than the number of exported examples"));
  }
}

std::string RenderJsonl(const ExportContext& ctx) {
  std::string out;
  for (const ExampleRow& row : ctx.rows) {
    out += RowToJson(row).dump(-1, ' ', false, OrderedJson::error_handler_t::replace) + "\n";
  }
  return out;
}

std::string RenderJsonConfig(const ExportContext& ctx, const std::vector<Finding>& findings) {
  const Template& t = *ctx.tmpl;
  OrderedJson cfg = OrderedJson::object();
  cfg["format_version"] = 1;
  cfg["generated_by"] = ctx.options.generated_by;
  if (ctx.options.generated_at) cfg["generated_at"] = *ctx.options.generated_at;
  cfg["template"] = {{"id", t.id}, {"name", t.name}, {"version", t.version}};
  cfg["signature"] = ToOrdered(RenderSignatureJson(ctx.spec));
  cfg["module"] = std::string(ModuleName(ctx.options.module));
  cfg["program_class"] = ctx.ProgramClassName();
  cfg["predictor_names"] = ctx.PredictorNames();
  cfg["metric"] = std::string(MetricName(ctx.options.metric));
  cfg["lm"] = {{"model", ctx.lm_model}, {"temperature", t.temperature}, {"max_tokens", t.max_tokens}};
  cfg["include_optimizer"] = ctx.options.include_optimizer;
  cfg["optimizer"] = ToOrdered(ctx.optimizer.ToJson());
  cfg["demos_as_program_state"] = ctx.options.demos_as_program_state;
  OrderedJson ids = OrderedJson::array();
  for (const ExampleRow& row : ctx.rows) ids.push_back(row.example_id);
  cfg["example_ids"] = ids;
  OrderedJson all = OrderedJson::array();
  for (const Finding& f : findings) all.push_back(ToOrdered(FindingToJson(f)));
  cfg["findings"] = all;
  return cfg.dump(2, ' ', false, OrderedJson::error_handler_t::replace) + "\n";
}

}  // namespace

std::vector<std::string> ExportContext::PredictorNames() const {
  if (options.module == ModuleKind::kChainOfThought) return {"predict.predict"};
  return {"predict"};
}

Result<Artifact> Export(const Template& t, const std::vector<Example>& chosen,
                        const ExportOptions& options, const std::vector<bool>& augmented) {
  EXEMPLAR_ASSIGN_OR_RETURN(OptimizerConfig optimizer, NormalizeOptimizerConfig(options.optimizer));

  ExportContext ctx;
  ctx.tmpl = &t;
  ctx.options = options;
  ctx.optimizer = std::move(optimizer);
  ctx.spec = BuildSignature(t, {}, options.literal_instructions);
  std::vector<Finding> findings = ctx.spec.findings;
  if (options.module == ModuleKind::kChainOfThought) {
    ctx.extra_outputs = {kReasoningField};
    auto check = [&](const std::vector<SignatureField>& fields) {
      for (const SignatureField& f : fields) {
        if (f.name != kReasoningField) continue;
        findings.push_back(Error("reserved_for_module", f.name,
                                 "ChainOfThought adds the output field `reasoning`; rename this "
                                 "field or export with module Predict"));
      }
    };
    check(ctx.spec.inputs);
    check(ctx.spec.outputs);
  }
  if (HasErrors(findings)) return FindingsToStatus(findings);

  for (Finding& f : CheckExamples(ctx.spec, chosen, ctx.extra_outputs)) findings.push_back(std::move(f));
  ctx.rows = BuildRows(ctx.spec, chosen, ctx.extra_outputs);
  for (size_t i = 0; i < ctx.rows.size() && i < augmented.size(); ++i) ctx.rows[i].augmented = augmented[i];
  ctx.lm_model = ResolveLmModel(t, options);
  ctx.stem = SnakeCase(ctx.spec.class_name);
  FitOptimizerToData(ctx, &findings);

  Artifact a;
  a.example_count = ctx.rows.size();
  switch (options.format) {
    case ExportFormat::kPythonModule:
      a.content = RenderPythonModule(ctx, BuildPythonSections(ctx));
      a.filename = ctx.stem + "_dspy.py";
      a.media_type = "text/x-python";
      break;
    case ExportFormat::kProgramState:
      a.content = RenderProgramState(ctx);
      a.filename = ctx.ProgramStateFilename();
      a.media_type = "application/json";
      break;
    case ExportFormat::kDatasetJsonl:
      a.content = RenderJsonl(ctx);
      a.filename = ctx.stem + "_dataset.jsonl";
      a.media_type = "application/x-ndjson";
      break;
    case ExportFormat::kJsonConfig:
      a.content = RenderJsonConfig(ctx, findings);
      a.filename = ctx.stem + "_dspy_config.json";
      a.media_type = "application/json";
      break;
    case ExportFormat::kNotebook:
      a.content = RenderNotebook(ctx, BuildPythonSections(ctx));
      a.filename = ctx.stem + "_dspy.ipynb";
      a.media_type = "application/x-ipynb+json";
      break;
  }
  a.findings = std::move(findings);
  return a;
}

}  // namespace exemplar::dspy
