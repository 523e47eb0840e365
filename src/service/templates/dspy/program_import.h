// Reading back a program compiled in DSPy: the JSON `program.save("x.json")` writes (DSPy
// 2.6–3.3: one entry per named predictor with signature {instructions, fields[{prefix,
// description}]} and demos, plus "metadata"), checked against the template's signature. Pure.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/json_util.h"
#include "common/status.h"
#include "service/templates/dspy/export_options.h"
#include "service/templates/dspy/signature.h"

namespace exemplar::dspy {

struct ImportedDemo {
  Json inputs = Json::object();   // signature input fields present in the demo
  Json outputs = Json::object();  // output fields (and `reasoning` for ChainOfThought)
  bool augmented = false;         // bootstrapped in DSPy: the outputs are an LM's
  std::optional<std::string> example_id;  // the stored example it names, when it names one
};

struct ImportedProgram {
  std::string predictor;  // "predict" or "predict.predict"
  ModuleKind module = ModuleKind::kPredict;
  std::string instructions;
  std::vector<ImportedDemo> demos;
};

// Validates `state` against `spec` (the template's signature). Errors are kInvalidArgument with
// field errors at {"body", ...}: an unknown or missing predictor, a field list that does not
// match the signature (count, or a prefix naming another field), demo keys that are not fields
// (besides DSPy's `augmented` and an `example_id` naming the stored example), wrong types.
Result<ImportedProgram> ParseProgramState(const Json& state, const SignatureSpec& spec);

}  // namespace exemplar::dspy
