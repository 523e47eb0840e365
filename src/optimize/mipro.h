// MIPROv2, natively (reference/dspy.md §5.4), for one predictor (internal helpers of RunMipro).
//
// Same as DSPy: auto settings (light/medium/heavy: n = 6/12/18 candidates, valset subsampled to
// 100/300/1000 with the shared Random(seed)), num_trials = int(max(2 * V * log2(n), 1.5 * n)),
// the default valset split (last 80% of the trainset, at most 1000), demo-set candidates
// (set 0 empty, 1 labeled, 2 unshuffled bootstrap, then shuffled bootstraps of random size, all
// drawn from the shared RNG), instruction candidate 0 = the original instructions, tips drawn
// with rng.choice, minibatch evaluation with a full evaluation of the best-mean unevaluated
// combination every minibatch_full_eval_steps trials and at the end, best = strictly higher
// full-evaluation score.
// Different (documented) choices:
//  - Search: CategoricalTpe (tpe.h) instead of Optuna's multivariate TPE; minibatch scores and
//    full scores both feed it, as in DSPy.
//  - Proposer: one GenerateSingleModuleInstruction call per proposal (no program-aware
//    DescribeProgram/DescribeModule calls: program_aware_proposer is accepted and ignored);
//    the dataset summary is one DatasetDescriptor call on the first view_data_batch_size
//    examples plus one ObservationSummarizer call (DSPy keeps describing further batches).
//    Proposal 0 is not requested (DSPy requests it and then overwrites it with the original
//    instructions); its RNG draws are still made.
//  - max_bootstrapped_demos = 0 with labeled demos: shuffled sets get 0 bootstrapped demos (DSPy's
//    randint(1, 0) would raise).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "optimize/py_random.h"
#include "optimize/session.h"
#include "service/templates/dspy/optimizer_config.h"

namespace exemplar::optimize {

// The valset MIPROv2 will evaluate on for a trainset and valset of these sizes (valset 0: split
// off the trainset), and whether it evaluates minibatches of it (auto modes decide that from the
// size, as DSPy does).
struct MiproValset {
  size_t size = 0;
  bool minibatch = false;
};
MiproValset PlanMiproValset(const dspy::OptimizerConfig& c, size_t train_size, size_t val_size);

struct ProposerConfig {
  bool data_aware = true;
  bool fewshot_aware = true;
  bool tip_aware = true;
  double init_temperature = 1.0;
  int view_data_batch_size = 10;
};

// DSPy's TIPS, in its dict order (none, creative, simple, description, high_stakes, persona).
const std::vector<std::string>& ProposerTips();

// GenerateSingleModuleInstruction's signature with the enabled inputs.
dspy::SignatureSpec ProposerSignature(bool with_dataset, bool with_demos, bool with_tip);

// DSPy's strip_prefix: drops a leading "Label of up to five words:" and surrounding quotes.
std::string StripPrefix(std::string_view text);

// Instruction candidates for `count` proposals: [0] = the original instructions, then one
// proposal per demo set index (proposal failures other than a stop are logged and skipped).
Result<std::vector<std::string>> ProposeInstructions(Session& s, const std::vector<DataPoint>& trainset,
                                                     const std::vector<std::vector<Demo>>& demo_sets,
                                                     int count, const ProposerConfig& config, PyRandom& rng);

}  // namespace exemplar::optimize
