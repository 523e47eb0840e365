// Optimize() dispatch, and LabeledFewShot, BootstrapFewShot and BootstrapFewShotWithRandomSearch.
#include <algorithm>

#include "optimize/few_shot.h"
#include "optimize/mipro.h"
#include "optimize/optimizer.h"
#include "optimize/py_random.h"
#include "optimize/runners.h"
#include "service/templates/dspy/optimizer_config.h"

namespace exemplar::optimize {
namespace {

Result<dspy::OptimizerConfig> Normalize(const std::string& type, const Json& params) {
  if (!params.is_null() && !params.is_object()) {
    return Status::InvalidArgument("optimizer params must be a JSON object");
  }
  Json cfg = params.is_object() ? params : Json::object();
  if (cfg.contains("type") && cfg["type"] != type) {
    return Status::InvalidArgument("optimizer params name another type");
  }
  cfg["type"] = type;
  return dspy::NormalizeOptimizerConfig(cfg);
}

const std::vector<DataPoint>& EvalSet(const std::vector<DataPoint>& train, const std::vector<DataPoint>& val) {
  return val.empty() ? train : val;
}

std::string Percent(double score) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f%%", 100 * score);
  return buf;
}

}  // namespace

Status EvaluateCandidate(Session& s, const std::string& candidate, const Program& program,
                         const std::vector<DataPoint>& val, RunnerResult* out, Json extra_metrics) {
  Trial trial = TrialFor(candidate, program);
  if (extra_metrics.is_object()) trial.metrics.update(extra_metrics);
  EXEMPLAR_ASSIGN_OR_RETURN(Session::Evaluation eval, s.EvaluateTrial(trial, program, val));
  int index = s.AddTrial(std::move(trial), eval, val);
  s.Log("Trial " + std::to_string(index) + " (" + candidate + "): " + Percent(eval.score));
  if (!out->best_score || eval.score > *out->best_score) {
    out->best = program;
    out->best_score = eval.score;
    out->best_trial = index;
    s.Log("New best score: " + Percent(eval.score) + " for " + candidate);
  }
  return Status::Ok();
}

Status RunLabeledFewShot(Session& s, const dspy::OptimizerConfig& c, const std::vector<DataPoint>& train,
                         const std::vector<DataPoint>& val, RunnerResult* out) {
  if (!s.BeginTrial()) return s.StoppedStatus();
  Program program{s.spec().instructions,
                  LabeledFewShot(train, c.Get("k").get<int>(), c.Get("sample").get<bool>(),
                                 static_cast<int64_t>(s.ctx().seed))};
  return EvaluateCandidate(s, "labeled", program, EvalSet(train, val), out);
}

Status RunBootstrapFewShot(Session& s, const dspy::OptimizerConfig& c, const std::vector<DataPoint>& train,
                           const std::vector<DataPoint>& val, RunnerResult* out) {
  if (!s.BeginTrial()) return s.StoppedStatus();
  s.Log("Bootstrapping demos over " + std::to_string(train.size()) + " examples");
  Program program{s.spec().instructions, {}};
  EXEMPLAR_ASSIGN_OR_RETURN(program.demos, BootstrapFewShot(s, program.instructions, train, BootstrapConfigFrom(c),
                                                             static_cast<int64_t>(s.ctx().seed)));
  return EvaluateCandidate(s, "bootstrap", program, EvalSet(train, val), out);
}

Status RunRandomSearch(Session& s, const dspy::OptimizerConfig& c, const std::vector<DataPoint>& train,
                       const std::vector<DataPoint>& val, RunnerResult* out) {
  const BootstrapConfig base = BootstrapConfigFrom(c);
  const int num_candidates = c.Get("num_candidate_programs").get<int>();
  const bool labeled_sample = c.Get("labeled_sample").get<bool>();
  const Json stop_at = c.Get("stop_at_score");
  const int64_t offset = static_cast<int64_t>(s.ctx().seed);
  const std::vector<DataPoint>& evalset = EvalSet(train, val);
  constexpr int kMinNumSamples = 1;  // DSPy's min_num_samples
  for (int seed = -3; seed < num_candidates; ++seed) {
    if (!s.BeginTrial()) return s.StoppedStatus();
    Program program{s.spec().instructions, {}};
    std::string candidate;
    Json extra = {{"seed", seed}};
    if (seed == -3) {
      candidate = "zero_shot";
    } else if (seed == -2) {
      candidate = "labeled";
      program.demos = LabeledFewShot(train, base.max_labeled_demos, labeled_sample, offset);
    } else if (seed == -1) {
      candidate = "bootstrap";
      EXEMPLAR_ASSIGN_OR_RETURN(program.demos, BootstrapFewShot(s, program.instructions, train, base, offset));
    } else {
      candidate = "seed:" + std::to_string(seed);
      std::vector<DataPoint> shuffled = train;
      PyRandom(seed + offset).Shuffle(shuffled);
      BootstrapConfig cfg = base;
      cfg.max_bootstrapped_demos =
          static_cast<int>(PyRandom(seed + offset).RandInt(kMinNumSamples, std::max(kMinNumSamples, base.max_bootstrapped_demos)));
      extra["max_bootstrapped_demos"] = cfg.max_bootstrapped_demos;
      EXEMPLAR_ASSIGN_OR_RETURN(program.demos, BootstrapFewShot(s, program.instructions, shuffled, cfg, offset));
    }
    EXEMPLAR_RETURN_IF_ERROR(EvaluateCandidate(s, candidate, program, evalset, out, extra));
    // stop_at_score is on DSPy's Evaluate scale (percent).
    if (stop_at.is_number() && 100 * s.trials().back().score >= stop_at.get<double>()) {
      s.Log("Stopping early: score reached stop_at_score");
      break;
    }
  }
  return Status::Ok();
}

Status ValidateOptimizer(const std::string& optimizer_type, const Json& params) {
  return Normalize(optimizer_type, params).status();
}

Status ValidateOptimizerData(const std::string& optimizer_type, const Json& params, size_t train_size,
                             size_t val_size, const std::vector<std::string>& loc_prefix) {
  EXEMPLAR_ASSIGN_OR_RETURN(dspy::OptimizerConfig config, Normalize(optimizer_type, params));
  if (config.type != "MIPROv2" || !config.Given("minibatch_size")) return Status::Ok();
  const MiproValset plan = PlanMiproValset(config, train_size, val_size);
  const int64_t size = config.Get("minibatch_size").get<int64_t>();
  if (!plan.minibatch || size <= static_cast<int64_t>(plan.size)) return Status::Ok();
  std::vector<std::string> loc = loc_prefix;
  loc.push_back("minibatch_size");
  return Status::Invalid({{loc,
                           "minibatch_size " + std::to_string(size) + " exceeds the valset MIPROv2 evaluates on (" +
                               std::to_string(plan.size) + " examples); lower it, leave it out (it then fits the "
                               "valset) or set minibatch to false",
                           "value_error.too_large"}});
}

std::optional<int> PlannedTrials(const std::string& optimizer_type, const Json& params) {
  auto config = Normalize(optimizer_type, params);
  if (!config.ok()) return std::nullopt;
  if (config->type == "BootstrapFewShotWithRandomSearch") {
    return config->Get("num_candidate_programs").get<int>() + 3;  // seeds -3 .. N-1
  }
  if (config->type == "MIPROv2") return std::nullopt;
  return 1;
}

Result<OptimizeResult> Optimize(const std::string& optimizer_type, const Json& params,
                                const dspy::SignatureSpec& spec, const std::vector<DataPoint>& trainset,
                                const std::vector<DataPoint>& valset, RunContext& ctx) {
  EXEMPLAR_ASSIGN_OR_RETURN(dspy::OptimizerConfig config, Normalize(optimizer_type, params));
  if (!ctx.metric.fn) return Status::InvalidArgument("a metric is required");
  if (spec.inputs.empty() || spec.outputs.empty()) {
    return Status::InvalidArgument("the signature needs at least one input and one output field");
  }
  if (trainset.empty()) return Status::InvalidArgument("the trainset is empty");
  Json max_errors = config.Get("max_errors");
  // DSPy samples with Random(0); the native-only `seed` parameter offsets that (MIPROv2 has a
  // seed of its own, which DSPy also takes).
  RunContext seeded = ctx;
  if (Json seed = config.Get("seed"); config.type != "MIPROv2" && seed.is_number()) {
    seeded.seed = seed.get<uint64_t>();
  }
  Session session(seeded, spec, max_errors.is_number() ? max_errors.get<int>() : -1);
  RunnerResult out;
  out.best = Program{spec.instructions, {}};
  Status st;
  const std::string& type = config.type;
  if (type == "LabeledFewShot") {
    st = RunLabeledFewShot(session, config, trainset, valset, &out);
  } else if (type == "BootstrapFewShot") {
    st = RunBootstrapFewShot(session, config, trainset, valset, &out);
  } else if (type == "BootstrapFewShotWithRandomSearch") {
    st = RunRandomSearch(session, config, trainset, valset, &out);
  } else if (type == "MIPROv2") {
    st = RunMipro(session, config, trainset, valset, &out);
  } else if (type == "KNNFewShot") {
    st = RunKnnFewShot(session, config, trainset, valset, &out);
  } else {
    return Status::InvalidArgument("optimizer " + type + " is not supported by the native engine");
  }
  if (!st.ok() && !session.stopped()) return st;
  OptimizeResult result;
  result.trials = session.trials();
  result.best = std::move(out.best);
  result.best_score = out.best_score;
  result.best_trial = out.best_trial;
  result.instruction_candidates = std::move(out.instruction_candidates);
  result.stopped_reason = st.ok() ? "completed" : session.stop_reason();
  session.FillTotals(&result);
  // An interruption is no end of the run (its caller says what becomes of it), so not "Finished".
  const std::string tally = std::to_string(result.trials.size()) + " trials and " + std::to_string(result.lm_calls) +
                            " LM calls";
  if (result.stopped_reason == "interrupted") {
    session.Log("Interrupted after " + tally);
  } else {
    session.Log("Finished (" + result.stopped_reason + ") after " + tally);
  }
  return result;
}

}  // namespace exemplar::optimize
