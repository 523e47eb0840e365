#include "service/templates/dspy/program_import.h"

#include <map>
#include <set>

#include "common/ids.h"

namespace exemplar::dspy {
namespace {

using Loc = std::vector<std::string>;

constexpr const char* kReasoning = "reasoning";

std::string Names(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "`" : ", `") + n + "`";
  return out;
}

Loc At(const Loc& base, std::initializer_list<std::string> rest) {
  Loc l = base;
  l.insert(l.end(), rest);
  return l;
}

// The key holding the predictor's state: "" when the file is a bare Predict's own state (it has
// a top-level `signature`), else its one predictor key. Errors go to `v`.
std::optional<std::string> FindPredictor(const Json& state, Validation& v) {
  if (state.contains("signature")) return std::string();
  std::optional<std::string> found;
  for (const auto& [key, _] : state.items()) {
    if (key == "metadata") continue;
    if (key != "predict" && key != "predict.predict") {
      v.Add({"body", key},
            "unknown predictor `" + key + "`; a program for this template has `predict` (a Predict or "
            "ChainOfThought attribute `predict`, or a bare ChainOfThought), `predict.predict` (a "
            "ChainOfThought attribute) or is a bare Predict's state ({signature, demos, ...})",
            "value_error.predictor");
    } else if (found) {
      v.Add({"body", key}, "a program for this template has one predictor", "value_error.predictor");
    } else {
      found = key;
    }
  }
  if (!found && v.ok()) {
    v.Add({"body"}, "no predictor (`predict`, `predict.predict` or a bare Predict's `signature`) in the program state",
          "value_error.missing");
  }
  return found;
}

std::optional<std::string> PrefixAt(const Json& fields, size_t i) {
  if (i >= fields.size()) return std::nullopt;
  const Json& f = fields[i];
  if (!f.is_object() || !f.contains("prefix") || !f["prefix"].is_string()) return std::nullopt;
  return f["prefix"].get<std::string>();
}

// DSPy's load() applies a saved field description, and it is in DSPy's prompts: one that differs
// from the template's (`desc`: its description, or "${name}" for none) is kept for the new version.
void ReadDescription(const Json& field, const std::string& name, const std::string& desc, const Loc& loc,
                     ImportedProgram& p, Validation& v) {
  if (!field.contains("description")) return;
  if (!field["description"].is_string()) {
    v.Add(At(loc, {"description"}), "must be a string", "type_error.str");
    return;
  }
  const std::string got = field["description"].get<std::string>();
  if (got == desc) return;
  p.descriptions[name] = got == "${" + name + "}" ? "" : got;
  p.findings.push_back(Warning("description_changed", name,
                               "the program changed the description of field `" + name +
                                   "`; the new version's field takes it (DSPy puts it into prompts)"));
}

// ChainOfThought's `reasoning` as the program saved it. DSPy matches saved fields by position, so
// whatever prefix the field in its place has, DSPy loads it as `reasoning`: a changed prefix is
// reported as other prefixes are (DSPy 2.x wrote "Reasoning: Let's think step by step in order
// to"), and so is a description of its own (`rationale_field=dspy.OutputField(desc=...)`), which
// DSPy puts into prompts but a version has no place for (it keeps the template's fields only).
void ReadReasoning(const Json& field, const std::string& got_prefix, const std::map<std::string, std::string>& field_of_prefix,
                   const Loc& loc, ImportedProgram& p, Validation& v) {
  if (auto other = field_of_prefix.find(got_prefix); other != field_of_prefix.end()) {
    v.Add(At(loc, {"prefix"}),
          "a ChainOfThought has its `reasoning` here, before the outputs; the program has `" + got_prefix +
              "`, the prefix of field `" + other->second +
              "`: its fields are not the template's signature with `reasoning` before the outputs",
          "value_error.signature");
    return;
  }
  if (got_prefix.rfind("Reasoning", 0) != 0) {
    p.findings.push_back(Warning("prefix_changed", kReasoning,
                                 "the program changed the prefix of ChainOfThought's field `reasoning` to `" +
                                     got_prefix + "` (DSPy's is `Reasoning:`); DSPy 2.6–3.3 put no prefix into "
                                     "prompts, so it is not imported"));
  }
  if (!field.contains("description")) return;
  if (!field["description"].is_string()) {
    v.Add(At(loc, {"description"}), "must be a string", "type_error.str");
    return;
  }
  const std::string desc = field["description"].get<std::string>();
  if (desc == "${reasoning}") return;
  p.findings.push_back(Warning("reasoning_description_ignored", kReasoning,
                               "the program gives ChainOfThought's field `reasoning` the description `" + desc +
                                   "`, which DSPy puts into prompts; a version keeps descriptions of the template's "
                                   "fields only, so the new version and its exports have DSPy's default "
                                   "`${reasoning}` (build the program with dspy.ChainOfThought(S, "
                                   "rationale_field=dspy.OutputField(desc=...)) to give it this one again)"));
}

// Instructions and fields; decides Predict or ChainOfThought: a ChainOfThought's signature is the
// template's with one more field, `reasoning`, before the outputs (DSPy tells it by that name and
// position; a saved file has no names, so by the count, with the other fields in their places).
void ReadSignature(const Json& pred, const SignatureSpec& spec, const Loc& base, ImportedProgram& p, Validation& v) {
  const Json* sig = pred.contains("signature") ? &pred["signature"] : nullptr;
  if (!sig || !sig->is_object()) {
    v.Add(At(base, {"signature"}), "field required: {instructions, fields}", "value_error.missing");
    return;
  }
  if (!sig->contains("instructions") || !(*sig)["instructions"].is_string()) {
    v.Add(At(base, {"signature", "instructions"}), "must be a string", "type_error.str");
  } else {
    p.instructions = (*sig)["instructions"].get<std::string>();
  }
  const Json* fields = sig->contains("fields") ? &(*sig)["fields"] : nullptr;
  if (!fields || !fields->is_array()) {
    v.Add(At(base, {"signature", "fields"}), "must be a list of {prefix, description}", "type_error.list");
    return;
  }
  const size_t n_in = spec.inputs.size(), n = n_in + spec.outputs.size();
  const bool cot = fields->size() == n + 1;
  if (!cot && fields->size() != n) {
    std::vector<std::string> names;
    for (const auto& f : spec.inputs) names.push_back(f.name);
    for (const auto& f : spec.outputs) names.push_back(f.name);
    v.Add(At(base, {"signature", "fields"}),
          "the template's signature has " + std::to_string(n) + " fields (" + Names(names) + "; " +
              std::to_string(n + 1) + " with ChainOfThought's `reasoning` before the outputs), the program " +
              std::to_string(fields->size()),
          "value_error.signature");
    return;
  }
  p.module = cot ? ModuleKind::kChainOfThought : ModuleKind::kPredict;
  std::vector<std::pair<std::string, std::string>> expected;  // name, prefix
  std::map<std::string, std::string> field_of_prefix, desc_of_field;
  for (const auto* side : {&spec.inputs, &spec.outputs}) {
    for (const auto& f : *side) desc_of_field[f.name] = f.desc;
  }
  for (const auto& f : spec.inputs) expected.emplace_back(f.name, f.prefix);
  if (cot) expected.emplace_back(kReasoning, "Reasoning:");
  for (const auto& f : spec.outputs) expected.emplace_back(f.name, f.prefix);
  for (const auto& [name, prefix] : expected) {
    if (name != kReasoning) field_of_prefix[prefix] = name;
  }
  for (size_t i = 0; i < expected.size(); ++i) {
    const auto& [name, prefix] = expected[i];
    const Loc loc = At(base, {"signature", "fields", std::to_string(i)});
    const auto got = PrefixAt(*fields, i);
    if (!got) {
      v.Add(loc, "must be {prefix, description}", "type_error.dict");
      continue;
    }
    if (name == kReasoning) {
      ReadReasoning((*fields)[i], *got, field_of_prefix, loc, p, v);
      continue;
    }
    ReadDescription((*fields)[i], name, desc_of_field[name], loc, p, v);
    if (*got == prefix) continue;
    // DSPy matches fields by position: another field's prefix here means the program's fields
    // are in another order, and its descriptions and demos would land on the wrong fields.
    if (auto other = field_of_prefix.find(*got); other != field_of_prefix.end()) {
      v.Add(At(loc, {"prefix"}),
            "expected `" + prefix + "` (field `" + name + "`), got `" + *got + "`, the prefix of field `" +
                other->second + "`: the program's fields are not in the order of the template's signature",
            "value_error.signature");
      continue;
    }
    // COPRO rewrites the last output's prefix with the instructions. No adapter of DSPy 2.6–3.3
    // puts a prefix into the prompt, so the program runs the same without it.
    p.findings.push_back(Warning("prefix_changed", name,
                                 "the program changed the prefix of field `" + name + "` to `" + *got +
                                     "` (the template's is `" + prefix +
                                     "`); DSPy 2.6–3.3 put no prefix into prompts, so it is not imported"));
  }
  p.fields = *fields;
}

// Demos: the signature's fields, DSPy's `augmented` marker and our `example_id`. Any other key is
// ignored (reported once): labeled demos are DSPy's raw training examples, with all their keys.
void ReadDemos(const Json& pred, const SignatureSpec& spec, const Loc& base, ImportedProgram& p, Validation& v) {
  std::set<std::string> inputs, outputs, ignored;
  for (const auto& f : spec.inputs) inputs.insert(f.name);
  for (const auto& f : spec.outputs) outputs.insert(f.name);
  if (p.module == ModuleKind::kChainOfThought) outputs.insert(kReasoning);
  const Json* demos = pred.contains("demos") ? &pred["demos"] : nullptr;
  if (!demos || demos->is_null()) return;
  if (!demos->is_array()) {
    v.Add(At(base, {"demos"}), "must be a list of demos", "type_error.list");
    return;
  }
  if (demos->size() > 1000) {
    v.Add(At(base, {"demos"}), "at most 1000 demos", "value_error.list.max_items");
    return;
  }
  for (size_t i = 0; i < demos->size(); ++i) {
    const Json& d = (*demos)[i];
    const std::string idx = std::to_string(i);
    if (!d.is_object()) {
      v.Add(At(base, {"demos", idx}), "must be an object of field values", "type_error.dict");
      continue;
    }
    ImportedDemo demo;
    for (const auto& [k, value] : d.items()) {
      if (k == "augmented") {
        if (!value.is_boolean()) v.Add(At(base, {"demos", idx, k}), "must be true or false", "type_error.bool");
        else demo.augmented = value.get<bool>();
      } else if (inputs.count(k)) {
        demo.inputs[k] = value;
      } else if (outputs.count(k)) {
        demo.outputs[k] = value;
      } else if (k == "example_id" && value.is_string() && IsUuid(value.get<std::string>())) {
        demo.example_id = NormalizeUuid(value.get<std::string>());
      } else {
        ignored.insert(k);
        if (k == "explanation" && value.is_string()) demo.explanation = value.get<std::string>();
      }
    }
    if (demo.inputs.empty()) v.Add(At(base, {"demos", idx}), "has no input field of the template's signature", "value_error.missing");
    p.demos.push_back(std::move(demo));
  }
  if (!ignored.empty()) {
    std::string msg = "demo keys that are not fields of the template's signature were ignored: " +
                      Names({ignored.begin(), ignored.end()}) +
                      " (DSPy's labeled demos are the raw training examples, with all their keys)";
    if (ignored.count("explanation")) msg += "; `explanation` becomes the explanation of an example created from its demo";
    if (ignored.count("example_id")) {
      msg += "; an `example_id` that is not an example id of this store (a UUID string) is the training data's own "
             "and names no example: those demos are matched by content";
    }
    p.findings.push_back(Warning("demo_keys_ignored", std::nullopt, std::move(msg)));
  }
}

// A predictor's own LM (`predict.lm = dspy.LM(...)`, saved with the program): not imported, since a
// version runs on its own base_model, temperature and max_tokens. Said so, with what the file had.
void ReadLm(const Json& pred, ImportedProgram& p) {
  if (!pred.contains("lm") || pred["lm"].is_null()) return;
  const Json& lm = pred["lm"];
  std::string had;
  if (lm.is_object()) {
    for (const char* key : {"model", "temperature", "max_tokens"}) {
      if (!lm.contains(key)) continue;
      const Json& value = lm[key];
      had += std::string(had.empty() ? "" : ", ") + key + " " + (value.is_string() ? value.get<std::string>() : DumpJson(value));
    }
  }
  p.findings.push_back(Warning("lm_ignored", std::nullopt,
                               "the program's predictor has an LM of its own" + (had.empty() ? "" : " (" + had + ")") +
                                   "; it is not imported: the new version keeps its own base_model, temperature and "
                                   "max_tokens, which runs and exports use"));
}

}  // namespace

Result<ImportedProgram> ParseProgramState(const Json& state, const SignatureSpec& spec) {
  Validation v;
  if (!state.is_object()) return Status::Invalid({{{"body"}, "must be a program state (a JSON object)", "type_error.dict"}});
  const std::optional<std::string> key = FindPredictor(state, v);
  EXEMPLAR_RETURN_IF_ERROR(v.ToStatus());
  ImportedProgram p;
  p.predictor = *key;
  const Json& pred = p.predictor.empty() ? state : state[p.predictor];
  const Loc base = p.predictor.empty() ? Loc{"body"} : Loc{"body", p.predictor};
  if (!pred.is_object()) return Status::Invalid({{base, "must be an object {signature, demos, ...}", "type_error.dict"}});
  if (pred.contains("extended_signature")) {
    // DSPy 2.5's ChainOfThought saved its extended signature; 2.6+ raise NotImplementedError on it.
    v.Add(At(base, {"extended_signature"}),
          "a DSPy 2.5 program state: DSPy 2.6 and later refuse to load `extended_signature` "
          "(NotImplementedError), so it cannot be imported; build the program with DSPy 2.6 or later and save it again",
          "value_error.unsupported");
    return v.ToStatus();
  }
  ReadSignature(pred, spec, base, p, v);
  EXEMPLAR_RETURN_IF_ERROR(v.ToStatus());
  ReadDemos(pred, spec, base, p, v);
  EXEMPLAR_RETURN_IF_ERROR(v.ToStatus());
  ReadLm(pred, p);
  return p;
}

}  // namespace exemplar::dspy
