#include "service/templates/dspy/program_import.h"

#include <set>

namespace exemplar::dspy {
namespace {

constexpr const char* kReasoning = "reasoning";

std::string Names(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "`" : ", `") + n + "`";
  return out;
}

}  // namespace

Result<ImportedProgram> ParseProgramState(const Json& state, const SignatureSpec& spec) {
  Validation v;
  if (!state.is_object()) return Status::Invalid({{{"body"}, "must be a program state (a JSON object)", "type_error.dict"}});
  ImportedProgram p;
  for (const auto& [key, _] : state.items()) {
    if (key == "metadata") continue;
    if (key != "predict" && key != "predict.predict") {
      v.Add({"body", key},
            "unknown predictor `" + key + "`; a program for this template has `predict` (Predict) or "
            "`predict.predict` (ChainOfThought)",
            "value_error.predictor");
    } else if (!p.predictor.empty()) {
      v.Add({"body", key}, "a program for this template has one predictor", "value_error.predictor");
    } else {
      p.predictor = key;
    }
  }
  if (p.predictor.empty() && v.ok()) v.Add({"body"}, "no predictor (`predict` or `predict.predict`) in the program state", "value_error.missing");
  EXEMPLAR_RETURN_IF_ERROR(v.ToStatus());
  p.module = p.predictor == "predict" ? ModuleKind::kPredict : ModuleKind::kChainOfThought;
  const bool cot = p.module == ModuleKind::kChainOfThought;
  const Json& pred = state[p.predictor];
  const std::vector<std::string> base = {"body", p.predictor};
  auto loc = [&](std::initializer_list<std::string> rest) {
    std::vector<std::string> l = base;
    l.insert(l.end(), rest);
    return l;
  };
  if (!pred.is_object()) return Status::Invalid({{base, "must be an object {signature, demos, ...}", "type_error.dict"}});

  // The signature: instructions, and one field per input, (reasoning,) output, in that order.
  const Json* sig = pred.contains("signature") ? &pred["signature"] : nullptr;
  if (!sig || !sig->is_object()) {
    v.Add(loc({"signature"}), "field required: {instructions, fields}", "value_error.missing");
  } else {
    if (!sig->contains("instructions") || !(*sig)["instructions"].is_string()) {
      v.Add(loc({"signature", "instructions"}), "must be a string", "type_error.str");
    } else {
      p.instructions = (*sig)["instructions"].get<std::string>();
    }
    std::vector<std::pair<std::string, std::string>> expected;  // name, prefix
    for (const auto& f : spec.inputs) expected.emplace_back(f.name, f.prefix);
    if (cot) expected.emplace_back(kReasoning, "Reasoning:");
    for (const auto& f : spec.outputs) expected.emplace_back(f.name, f.prefix);
    const Json* fields = sig->contains("fields") ? &(*sig)["fields"] : nullptr;
    if (!fields || !fields->is_array()) {
      v.Add(loc({"signature", "fields"}), "must be a list of {prefix, description}", "type_error.list");
    } else if (fields->size() != expected.size()) {
      std::vector<std::string> names;
      for (const auto& [n, _] : expected) names.push_back(n);
      v.Add(loc({"signature", "fields"}),
            "the template's signature has " + std::to_string(expected.size()) + " fields (" + Names(names) +
                "), the program " + std::to_string(fields->size()),
            "value_error.signature");
    } else {
      for (size_t i = 0; i < expected.size(); ++i) {
        const Json& f = (*fields)[i];
        const auto& [name, prefix] = expected[i];
        if (!f.is_object() || !f.contains("prefix") || !f["prefix"].is_string()) {
          v.Add(loc({"signature", "fields", std::to_string(i)}), "must be {prefix, description}", "type_error.dict");
          continue;
        }
        const std::string got = f["prefix"].get<std::string>();
        // DSPy 2.x wrote ChainOfThought's reasoning prefix as "Reasoning: Let's think step by step...".
        const bool ok = name == kReasoning ? got.rfind("Reasoning", 0) == 0 : got == prefix;
        if (!ok) {
          v.Add(loc({"signature", "fields", std::to_string(i), "prefix"}),
                "expected `" + prefix + "` (field `" + name + "`), got `" + got + "`", "value_error.signature");
        }
      }
    }
  }

  // Demos: only the signature's fields, plus DSPy's `augmented` marker and our `example_id`.
  std::set<std::string> inputs, outputs;
  for (const auto& f : spec.inputs) inputs.insert(f.name);
  for (const auto& f : spec.outputs) outputs.insert(f.name);
  if (cot) outputs.insert(kReasoning);
  const Json* demos = pred.contains("demos") ? &pred["demos"] : nullptr;
  if (demos && !demos->is_null()) {
    if (!demos->is_array()) {
      v.Add(loc({"demos"}), "must be a list of demos", "type_error.list");
    } else if (demos->size() > 1000) {
      v.Add(loc({"demos"}), "at most 1000 demos", "value_error.list.max_items");
    } else {
      for (size_t i = 0; i < demos->size(); ++i) {
        const Json& d = (*demos)[i];
        const std::string idx = std::to_string(i);
        if (!d.is_object()) {
          v.Add(loc({"demos", idx}), "must be an object of field values", "type_error.dict");
          continue;
        }
        ImportedDemo demo;
        for (const auto& [k, value] : d.items()) {
          if (k == "augmented") {
            if (!value.is_boolean()) v.Add(loc({"demos", idx, k}), "must be true or false", "type_error.bool");
            else demo.augmented = value.get<bool>();
          } else if (inputs.count(k)) {
            demo.inputs[k] = value;
          } else if (outputs.count(k)) {
            demo.outputs[k] = value;
          } else if (k == "example_id") {
            if (!value.is_string()) v.Add(loc({"demos", idx, k}), "must be an example id (a string)", "type_error.str");
            else demo.example_id = value.get<std::string>();
          } else {
            v.Add(loc({"demos", idx, k}), "not a field of the template's signature", "value_error.field");
          }
        }
        if (demo.inputs.empty()) v.Add(loc({"demos", idx}), "has no input field", "value_error.missing");
        p.demos.push_back(std::move(demo));
      }
    }
  }
  EXEMPLAR_RETURN_IF_ERROR(v.ToStatus());
  return p;
}

}  // namespace exemplar::dspy
