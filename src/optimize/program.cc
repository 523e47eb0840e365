#include "optimize/program.h"

#include "lm/cached_lm.h"
#include "lm/chat_adapter.h"

namespace exemplar::optimize {

Result<DataPoint> MakeDataPoint(const Example& example, const dspy::SignatureSpec& spec) {
  Json in = Json::parse(example.input_json, nullptr, /*allow_exceptions=*/false);
  Json out = Json::parse(example.expected_output_json, nullptr, /*allow_exceptions=*/false);
  if (!in.is_object() || !out.is_object()) {
    return Status::InvalidArgument("example " + example.id + ": input and expected_output must be JSON objects");
  }
  DataPoint p;
  p.example_id = example.id;
  for (const dspy::SignatureField& f : spec.inputs) {
    if (in.contains(f.name)) p.inputs[f.name] = in[f.name];
  }
  for (const dspy::SignatureField& f : spec.outputs) {
    if (out.contains(f.name)) p.outputs[f.name] = out[f.name];
  }
  if (p.inputs.empty()) {
    return Status::InvalidArgument("example " + example.id + " has none of the signature's input fields");
  }
  if (p.outputs.empty()) {
    return Status::InvalidArgument("example " + example.id + " has none of the signature's output fields");
  }
  return p;
}

std::vector<DataPoint> MakeDataPoints(const std::vector<Example>& examples, const dspy::SignatureSpec& spec,
                                      std::vector<std::string>* skipped) {
  std::vector<DataPoint> out;
  for (const auto& e : examples) {
    auto p = MakeDataPoint(e, spec);
    if (p.ok()) out.push_back(std::move(p).value());
    else skipped->push_back("example " + e.id + ": " + p.status().message());
  }
  return out;
}

Demo LabeledDemo(const DataPoint& point) {
  Demo d;
  d.example_id = point.example_id;
  d.fields = point.inputs;
  for (auto it = point.outputs.begin(); it != point.outputs.end(); ++it) d.fields[it.key()] = it.value();
  return d;
}

Json ProgramToJson(const Program& program) {
  Json demos = Json::array();
  for (const Demo& d : program.demos) {
    demos.push_back({{"example_id", d.example_id}, {"augmented", d.augmented}, {"fields", d.fields}});
  }
  return {{"instructions", program.instructions}, {"demos", std::move(demos)}};
}

std::string ProgramDigest(const Program& program) {
  return lm::CachedLm::Digest(DumpJson(ProgramToJson(program)));
}

dspy::SignatureSpec ModuleSignature(const dspy::SignatureSpec& spec, ModuleKind module) {
  return module == ModuleKind::kChainOfThought ? lm::WithReasoning(spec) : spec;
}

Result<Json> Predict(const Program& program, const dspy::SignatureSpec& spec, const DataPoint& point,
                     lm::Lm& lm, const PredictOptions& options) {
  dspy::SignatureSpec sig = ModuleSignature(spec, options.module);
  if (!program.instructions.empty()) sig.instructions = program.instructions;
  std::vector<Json> demos;
  demos.reserve(program.demos.size());
  for (const Demo& d : program.demos) demos.push_back(d.fields);
  lm::LmRequest req;
  req.messages = lm::FormatChat(sig, demos, point.inputs);
  req.temperature = options.temperature;
  req.max_tokens = options.max_tokens;
  req.seed = options.seed;
  EXEMPLAR_ASSIGN_OR_RETURN(lm::LmResponse resp, lm.Complete(req));
  return lm::ParseChatReply(sig, resp.text);
}

}  // namespace exemplar::optimize
