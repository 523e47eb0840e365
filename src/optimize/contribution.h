// Per-example contribution of a run's trials (SPEC §4.6) and its conversion to effectiveness
// evidence (SPEC §4.3).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/json_util.h"
#include "optimize/optimizer.h"

namespace exemplar::optimize {

// For one example that was a demo in at least one trial.
struct Contribution {
  std::string example_id;
  double with_mean = 0;               // mean score of the trials whose demos include it
  int with_trials = 0;
  std::optional<double> without_mean;  // mean score of the other trials (none: nullopt)
  int without_trials = 0;
  double contribution = 0;            // with_mean - without_mean; 0 without a comparison
  // False when the run cannot tell this example apart: no trial with demos went without it, or
  // another example was used in exactly the same trials (their effects are confounded).
  bool distinguishable = true;
};

// One Contribution per example id appearing in any trial's demo_ids (an id listed twice in one
// trial counts once), ordered by contribution desc (indistinguishable ones last), then example
// id. Only trials that used demos are compared — a zero-shot trial measures "demos or none", not
// which demo — whether evaluated on the full valset or a minibatch.
std::vector<Contribution> ComputeContributions(const std::vector<Trial>& trials);

// {"example_id", "with_mean", "with_trials", "without_mean" (null when none), "without_trials",
//  "contribution" (null when not distinguishable), "variation": "ok" | "not_enough_variation"}
Json ContributionToJson(const Contribution& c);

struct Evidence {
  std::string example_id;
  double success = 0;  // added to the example's success_count
  double failure = 0;  // added to its failure_count
};

// The evidence a run contributes, at most 1 per example per run (sync applies it once):
//   weight = min(1, min(with_trials, without_trials) / kFullWeightTrials)
//   amount = weight * min(1, |contribution| / kFullEffect)
// positive contribution -> success = amount; negative -> failure = amount. Examples without a
// comparison (no trial without them, or confounded with another) or with |contribution| <
// kNoEffect get no evidence.
inline constexpr int kFullWeightTrials = 4;  // a handful of trials per side before we trust a difference
inline constexpr double kFullEffect = 0.2;   // a 20-point score difference is a clear effect
inline constexpr double kNoEffect = 0.005;   // below half a point is noise
std::vector<Evidence> EvidenceFromContribution(const std::vector<Contribution>& contributions);

}  // namespace exemplar::optimize
