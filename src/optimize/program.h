// The unit an optimizer searches over: a Predict (or ChainOfThought) program = instructions +
// demos, run through DSPy's ChatAdapter format.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/json_util.h"
#include "lm/lm.h"
#include "service/templates/dspy/signature.h"
#include "storage/records.h"

namespace exemplar::optimize {

// One example mapped onto a signature: inputs = the signature's input fields present in the
// example's input, outputs = its output fields present in the expected output.
struct DataPoint {
  std::string example_id;
  Json inputs = Json::object();
  Json outputs = Json::object();
};

// kInvalidArgument when a payload is not a JSON object or carries none of the signature's
// input fields or none of its output fields.
Result<DataPoint> MakeDataPoint(const Example& example, const dspy::SignatureSpec& spec);
// The data points of the examples that fit; each one that does not is added to `skipped` as
// "example <id>: <why>" (a run skips those; a launch refuses a set none of fits).
std::vector<DataPoint> MakeDataPoints(const std::vector<Example>& examples, const dspy::SignatureSpec& spec,
                                      std::vector<std::string>* skipped);

// A demo: `fields` = field name -> value (inputs + outputs; bootstrapped ChainOfThought demos
// also carry `reasoning`). augmented = produced by bootstrapping (outputs are the LM's), else
// the example's own labels.
struct Demo {
  std::string example_id;
  Json fields = Json::object();
  bool augmented = false;
};

Demo LabeledDemo(const DataPoint& point);

struct Program {
  std::string instructions;
  std::vector<Demo> demos;
};

// {"instructions": ..., "demos": [{"example_id", "augmented", "fields"}]}
Json ProgramToJson(const Program& program);
// A digest of everything a program shows the LM (instructions, demos and their fields), so a
// resumed run can tell that a candidate is the one a previous attempt evaluated.
std::string ProgramDigest(const Program& program);

enum class ModuleKind {
  kPredict,         // dspy.Predict(signature)
  kChainOfThought,  // dspy.ChainOfThought(signature): a `reasoning` output first
};

struct PredictOptions {
  ModuleKind module = ModuleKind::kPredict;
  double temperature = 0;
  int max_tokens = 1024;
  std::optional<uint64_t> seed;  // rollout id (DSPy's rollout_id for bootstrap rounds > 0)
};

// Renders `program` for `point.inputs` with the ChatAdapter (signature instructions replaced by
// program.instructions when not empty), calls `lm` and parses the reply. Returns the outputs
// {field: value} (plus `reasoning` for kChainOfThought). Errors: the LM's, or kInvalidArgument
// "AdapterParseError: ..." for a reply that cannot be parsed.
Result<Json> Predict(const Program& program, const dspy::SignatureSpec& spec, const DataPoint& point,
                     lm::Lm& lm, const PredictOptions& options = {});

// The signature the adapter sees for `module`.
dspy::SignatureSpec ModuleSignature(const dspy::SignatureSpec& spec, ModuleKind module);

}  // namespace exemplar::optimize
