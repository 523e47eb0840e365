// DSPy's demo builders (reference/dspy.md §5.1, §5.2), used by every optimizer (internal).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "optimize/program.h"
#include "optimize/session.h"
#include "service/templates/dspy/optimizer_config.h"

namespace exemplar::optimize {

// LabeledFewShot(k).compile: Random(seed).sample(trainset, min(k, n)) when `sample`, else the
// first min(k, n). Demos carry every input and output of the example.
std::vector<Demo> LabeledFewShot(const std::vector<DataPoint>& trainset, int k, bool sample, int64_t seed);

struct BootstrapConfig {
  int max_bootstrapped_demos = 4;
  int max_labeled_demos = 16;
  int max_rounds = 1;
  std::optional<double> metric_threshold;
};

// BootstrapFewShot(...).compile(student, trainset) for a single predictor with `instructions`:
// augmented demos first (in trainset order), then Random(seed)-sampled labeled demos of the
// examples that were not bootstrapped (after a Random(seed) shuffle). Item failures count toward
// the session's max_errors. Errors: StoppedStatus() when the run stopped, the last error once
// max_errors predictions failed.
Result<std::vector<Demo>> BootstrapFewShot(Session& session, const std::string& instructions,
                                           const std::vector<DataPoint>& trainset,
                                           const BootstrapConfig& config, int64_t seed);

BootstrapConfig BootstrapConfigFrom(const dspy::OptimizerConfig& config);

// A trial skeleton for `program`: candidate, instruction, demo_ids, demo counts.
Trial TrialFor(const std::string& candidate, const Program& program);

}  // namespace exemplar::optimize
