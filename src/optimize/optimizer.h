// Optimize: DSPy's optimizers re-implemented natively (reference/dspy.md §5, SPEC §4.5) over a
// single-predictor program (Predict or ChainOfThought of a template's signature).
//
// optimizer_type and params are DSPy's (validated by dspy::NormalizeOptimizerConfig, so the
// export and the native engine accept exactly the same configurations):
//  - LabeledFewShot: k random labeled demos (Random(0).sample). 1 trial: "labeled".
//  - BootstrapFewShot: teacher = LabeledFewShot(max_labeled_demos); bootstraps up to
//    max_bootstrapped_demos augmented demos over the trainset in order (max_rounds rounds, round
//    r > 0 with rollout id r at temperature 1.0), success = metric >= metric_threshold, or metric
//    > 0 without a threshold; then adds Random(0)-sampled labeled demos up to max_labeled_demos.
//    1 trial: "bootstrap".
//  - BootstrapFewShotWithRandomSearch: candidates seed -3 "zero_shot", -2 "labeled", -1
//    "bootstrap" (unshuffled), then "seed:N" for N in [0, num_candidate_programs): trainset
//    shuffled with Random(N), max_bootstrapped_demos = Random(N).randint(1, max). Each candidate
//    is evaluated on the valset (the trainset when empty); best = first strictly higher score;
//    stop_at_score ends the search early.
//  - MIPROv2: see mipro.h.
//  - KNNFewShot: per valset item, the k most similar trainset items (by input text " | "-joined
//    "key: value"; RunContext::similarity or lm::TextSimilarity) are compiled with
//    BootstrapFewShot and the item is predicted with those demos. 1 trial: "knn"; the best
//    Program has no fixed demos (they are chosen per query).
// A trial's score is the mean metric over the evaluated items, in [0, 1] (DSPy's Evaluate
// reports the same mean x 100, rounded). An item whose prediction or metric fails scores 0 and
// counts as an error; max_errors (default 10) errors in one evaluation or bootstrap fail the run.
// Seeds: every DSPy seed s is used as s + RunContext::seed (0 reproduces DSPy's choices for the
// same trainset order).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/json_util.h"
#include "common/status.h"
#include "lm/lm.h"
#include "optimize/metrics.h"
#include "optimize/program.h"
#include "service/templates/dspy/signature.h"

namespace exemplar::optimize {

// Limits of a run; a value <= 0 means no limit. LM calls count every Complete() through the run
// (cache hits included, metric judge calls included).
struct Budget {
  int max_trials = 0;
  int64_t max_lm_calls = 0;
  double max_minutes = 0;
};

// One evaluated candidate program.
struct Trial {
  int index = 0;
  // "zero_shot" | "labeled" | "bootstrap" | "seed:N" | "knn" | "mipro:iI-dD" (MIPROv2's
  // instruction candidate I with demo set D; metrics.minibatch tells a minibatch evaluation
  // from a full one).
  std::string candidate;
  std::string instruction;
  std::vector<std::string> demo_ids;
  double score = 0;
  // {"evaluated": n, "errors": e, "minibatch": bool, "demo_count", "augmented_demos",
  //  "example_scores": {example_id: score}, plus optimizer-specific keys}.
  Json metrics = Json::object();
  int64_t lm_calls = 0;  // calls made for this candidate (bootstrapping + evaluation)
};

// What a run has spent on its LM so far (the Budget's count: cache hits included).
struct LmUsage {
  int64_t lm_calls = 0;
  int64_t cached_calls = 0;
  int64_t prompt_tokens = 0;  // uncached calls only
  int64_t completion_tokens = 0;
};

struct RunContext {
  lm::Lm& lm;
  Metric metric;
  Budget budget;
  std::function<bool()> cancelled;                      // polled before every LM call
  // Asked when cancelled() said stop: true when the stop is no cancel but an interruption (the
  // server is shutting down, another replica has the run now); stopped_reason "interrupted".
  std::function<bool()> interrupted;
  std::function<void(const Trial&)> on_trial;           // each finished trial, in order
  std::function<void(const std::string& log)> on_log;   // progress lines
  // After every LM call the run made (failed ones included), with the run's totals so far, so
  // that progress moves between trials (bootstrapping, proposals). Called from evaluation
  // workers, concurrently: snapshots may arrive out of order.
  std::function<void(const LmUsage&)> on_lm_call;
  int threads = 2;                                      // evaluation workers
  uint64_t seed = 0;
  ModuleKind module = ModuleKind::kPredict;
  double temperature = 0;  // task LM settings
  int max_tokens = 1024;
  // KNNFewShot similarity of two input texts (higher = closer); lm::TextSimilarity when unset.
  std::function<double(const std::string&, const std::string&)> similarity;
  // Trials a previous attempt of this run finished, by index (a run resumed after its replica
  // died). Trial i is not evaluated again when the new attempt's candidate i shows the LM exactly
  // the same program (metrics.program_digest) on the same items: its stored scores are reused and
  // the trial is marked metrics.resumed. Optimizers are deterministic given their seeds, so a
  // resumed run makes the choices the first attempt made; candidates that differ (an LM that
  // answers differently while bootstrapping) are evaluated afresh.
  std::vector<Trial> replay;
  // What earlier attempts of this run spent (a run resumed after its replica stopped): counted
  // against the budget (the LM-call and time limits are the run's, not each attempt's) and
  // included in every total reported.
  LmUsage spent;
  double spent_seconds = 0;
};

struct OptimizeResult {
  std::vector<Trial> trials;
  Program best;                    // zero-shot when no trial finished
  std::optional<double> best_score;
  int best_trial = -1;             // index into trials
  // "completed" | "cancelled" | "interrupted" | "budget_trials" | "budget_lm_calls" | "budget_time"
  std::string stopped_reason;
  int64_t lm_calls = 0;
  int64_t cached_calls = 0;
  int64_t prompt_tokens = 0;       // uncached calls only
  int64_t completion_tokens = 0;
  std::vector<std::string> instruction_candidates;  // MIPROv2
};

// Validates without running. kInvalidArgument (with field errors at {"body","optimizer",key})
// for an unknown optimizer or bad parameters.
Status ValidateOptimizer(const std::string& optimizer_type, const Json& params);

// Checks valid parameters against the data a run will have (train_size and val_size examples),
// so that a run that is created can start: kInvalidArgument with a field error at loc_prefix +
// {parameter} for a value the data cannot satisfy (MIPROv2: a minibatch_size the caller set
// larger than the valset it evaluates on). Parameters left at their defaults are fitted instead.
Status ValidateOptimizerData(const std::string& optimizer_type, const Json& params, size_t train_size,
                             size_t val_size, const std::vector<std::string>& loc_prefix);

// How many trials the optimizer makes when no budget stops it: 1 for LabeledFewShot,
// BootstrapFewShot and KNNFewShot, num_candidate_programs + 3 for random search; nullopt for
// MIPROv2 (its full evaluations depend on the minibatch scores) and invalid parameters.
std::optional<int> PlannedTrials(const std::string& optimizer_type, const Json& params);

// Runs an optimizer. Trials are reported through ctx.on_trial as they finish. When cancelled or
// out of budget the run stops promptly (no LM call starts after that; an in-flight one is
// aborted) and returns the finished trials with stopped_reason set; the candidate in progress is
// dropped. Errors: kInvalidArgument for bad params or data (e.g. empty trainset), the LM's or
// metric's error when max_errors is reached.
Result<OptimizeResult> Optimize(const std::string& optimizer_type, const Json& params,
                                const dspy::SignatureSpec& spec, const std::vector<DataPoint>& trainset,
                                const std::vector<DataPoint>& valset, RunContext& ctx);

}  // namespace exemplar::optimize
