#include "service/templates/dspy/program_state.h"

#include "service/templates/dspy/naming.h"

namespace exemplar::dspy {
namespace {

OrderedJson FieldState(const std::string& prefix, const std::string& description) {
  OrderedJson f = OrderedJson::object();
  f["prefix"] = prefix;
  f["description"] = description;
  return f;
}

}  // namespace

OrderedJson BuildProgramState(const ExportContext& ctx) {
  OrderedJson fields = OrderedJson::array();
  for (const SignatureField& f : ctx.spec.inputs) fields.push_back(FieldState(f.prefix, f.desc));
  for (const std::string& name : ctx.extra_outputs) {
    fields.push_back(FieldState(InferPrefix(name) + ":", "${" + name + "}"));
  }
  for (const SignatureField& f : ctx.spec.outputs) fields.push_back(FieldState(f.prefix, f.desc));

  OrderedJson demos = OrderedJson::array();
  if (ctx.options.demos_as_program_state) {
    for (const ExampleRow& row : ctx.rows) demos.push_back(RowToJson(row, /*with_marker=*/true));
  }

  OrderedJson signature = OrderedJson::object();
  signature["instructions"] = ctx.spec.instructions;
  signature["fields"] = fields;

  OrderedJson predictor = OrderedJson::object();
  predictor["traces"] = OrderedJson::array();
  predictor["train"] = OrderedJson::array();
  predictor["demos"] = demos;
  predictor["signature"] = signature;
  predictor["lm"] = nullptr;

  OrderedJson state = OrderedJson::object();
  for (const std::string& name : ctx.PredictorNames()) state[name] = predictor;
  OrderedJson versions = OrderedJson::object();
  versions["python"] = kStatePythonVersion;
  versions["dspy"] = kStateDspyVersion;
  versions["cloudpickle"] = kStateCloudpickleVersion;
  state["metadata"]["dependency_versions"] = versions;
  return state;
}

std::string RenderProgramState(const ExportContext& ctx) {
  return BuildProgramState(ctx).dump(2, ' ', false, OrderedJson::error_handler_t::replace) + "\n";
}

}  // namespace exemplar::dspy
