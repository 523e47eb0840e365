// Optimizer configurations for exports and runs: the optimizer type plus its parameters, named
// and defaulted as in DSPy 3.3 (reference/dspy.md §5). Validation rejects unknown optimizers,
// unknown parameters, wrong types and out-of-range values with 422 field errors.
//
// Supported types and parameters (c = constructor argument, k = compile() argument):
//  LabeledFewShot:   k(c)=16, sample(k)=true, seed(n)=null
//  BootstrapFewShot: max_bootstrapped_demos(c)=4, max_labeled_demos(c)=16, max_rounds(c)=1,
//                    metric_threshold(c)=null, max_errors(c)=null, seed(n)=null
//  BootstrapFewShotWithRandomSearch: the BootstrapFewShot ones plus num_candidate_programs(c)=16,
//                    num_threads(c)=null, stop_at_score(c)=null, labeled_sample(k)=true
//  MIPROv2 (alias "MIPRO"): max_bootstrapped_demos(c)=4, max_labeled_demos(c)=4, auto(c)="light"
//                    (light|medium|heavy|null), num_candidates(c)=null, num_threads(c)=null,
//                    max_errors(c)=null, seed(c)=9, init_temperature(c)=1.0, verbose(c)=false,
//                    track_stats(c)=true, metric_threshold(c)=null, num_trials(k)=null,
//                    minibatch(k)=true, minibatch_size(k)=35, minibatch_full_eval_steps(k)=5,
//                    program_aware_proposer(k)=true, data_aware_proposer(k)=true,
//                    view_data_batch_size(k)=10, tip_aware_proposer(k)=true,
//                    fewshot_aware_proposer(k)=true.
//                    DSPy's rule: auto set => num_candidates and num_trials null; auto null =>
//                    both required.
//  n = native only: `seed` replaces the 0 of DSPy's Random(0) (and offsets random search's
//  candidate seeds) in Exemplar's runs; exports leave it out (a comment says it was set), since
//  DSPy's classes take no seed. null (the default) samples exactly as DSPy does.
//  KNNFewShot:       k(c)=3 (DSPy has no default; 3 is ours), embedder_model(c)=
//                    "openai/text-embedding-3-small" (rendered as vectorizer=dspy.Embedder(...)),
//                    and BootstrapFewShot's parameters, which KNNFewShot forwards.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/json_util.h"
#include "common/status.h"

namespace exemplar::dspy {

struct OptimizerParam {
  std::string name;
  Json value;
  bool compile_arg = false;  // passed to compile() rather than the constructor
  bool native_only = false;  // Exemplar's own (not passed to DSPy)
  bool given = false;        // the caller set it (false: `value` is the default)
};

struct OptimizerConfig {
  std::string type;  // canonical DSPy class name, e.g. "MIPROv2"
  std::vector<OptimizerParam> params;  // every parameter, defaults filled, in the order above

  // {"type": ..., <param>: value, ...}; a native-only parameter only when set.
  Json ToJson() const;
  // The value of `name`, or null.
  Json Get(std::string_view name) const;
  // Whether the caller set `name` (a default may be adapted to the data; a given value may not).
  bool Given(std::string_view name) const;
};

// The optimizer types accepted, canonical names.
const std::vector<std::string>& OptimizerTypes();

// Validates `config` ({"type": ..., params...}) and fills defaults. Errors are kInvalidArgument
// with field errors located at loc_prefix + {key} (e.g. {"body", "optimizer", "max_rounds"}).
Result<OptimizerConfig> NormalizeOptimizerConfig(const Json& config,
                                                 std::vector<std::string> loc_prefix = {"body",
                                                                                        "optimizer"});

}  // namespace exemplar::dspy
