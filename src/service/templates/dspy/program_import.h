// Reading back a program compiled in DSPy: the JSON `program.save("x.json")` writes (DSPy
// 2.6–3.3), checked against the template's signature. Pure. Accepted shapes:
//   {"predict": {...}, "metadata"}          a program with a Predict attribute `predict`, or a
//                                            bare dspy.ChainOfThought (its own `predict`)
//   {"predict.predict": {...}, "metadata"}  a program with a ChainOfThought attribute `predict`
//   {"signature", "demos", ..., "metadata"} a bare dspy.Predict (its state is the file itself)
// A predictor is {signature: {instructions, fields: [{prefix, description}]}, demos, lm, ...}.
// Whether it is a Predict or a ChainOfThought is told by its fields, not by its key: a
// ChainOfThought's are the signature's with one more, `reasoning`, before the outputs (whatever
// its prefix: DSPy loads saved fields by position).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/json_util.h"
#include "common/status.h"
#include "service/templates/dspy/export_options.h"
#include "service/templates/dspy/finding.h"
#include "service/templates/dspy/signature.h"

namespace exemplar::dspy {

struct ImportedDemo {
  Json inputs = Json::object();   // signature input fields present in the demo
  Json outputs = Json::object();  // output fields (and `reasoning` for ChainOfThought)
  bool augmented = false;         // bootstrapped in DSPy: the outputs are an LM's
  // The stored example it names, when its `example_id` is an example id (a UUID string); another
  // `example_id` (a dataset's own: 0, 1, "ex-7") is ignored as the dataset's other keys are.
  std::optional<std::string> example_id;
  std::optional<std::string> explanation;  // a labeled demo's `explanation` key (a raw training example's)
};

struct ImportedProgram {
  std::string predictor;  // the key it was saved under: "predict", "predict.predict", "" (bare Predict)
  ModuleKind module = ModuleKind::kPredict;
  std::string instructions;
  Json fields = Json::array();  // the signature's fields as saved: [{prefix, description}]
  // Field name → the description the program gives it, where it differs from the template's
  // ("" for DSPy's placeholder "${name}", i.e. none).
  std::map<std::string, std::string> descriptions;
  std::vector<ImportedDemo> demos;
  // Warnings about what the import leaves out (no errors: those are the Status):
  //   prefix_changed     a field prefix differs from the template's (COPRO rewrites the last
  //                      output's), or `reasoning`'s from "Reasoning…"; DSPy 2.6–3.3 never put
  //                      prefixes into prompts
  //   reasoning_description_ignored  ChainOfThought's `reasoning` has a description of its own
  //                      (rationale_field): a version has no place for it
  //   description_changed  a field description differs from the template's: the new version
  //                      takes it (not left out; said so the change is seen)
  //   demo_keys_ignored  demo keys that are not fields (DSPy's labeled demos are raw training
  //                      examples: dspy_uuid, dspy_split, explanation, a non-id example_id, ...),
  //                      listed once
  //   lm_ignored         the predictor has an LM of its own (model, temperature, max_tokens as
  //                      saved); the version keeps its own base_model, temperature, max_tokens
  std::vector<Finding> findings;
};

// Validates `state` against `spec` (the template's signature). Errors are kInvalidArgument with
// field errors at {"body", ...}: an unknown, missing or second predictor; a field list that does
// not match the signature (count, or a prefix naming another of its fields: fields out of order);
// a 2.5-era `extended_signature` (DSPy's own load() refuses it); a demo that is not an object,
// has no input field, or has a non-boolean `augmented`.
Result<ImportedProgram> ParseProgramState(const Json& state, const SignatureSpec& spec);

}  // namespace exemplar::dspy
