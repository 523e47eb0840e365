// RunMipro: MIPROv2's settings, demo-set candidates and search (see mipro.h).
#include <cmath>
#include <map>
#include <set>

#include "optimize/few_shot.h"
#include "optimize/mipro.h"
#include "optimize/runners.h"
#include "optimize/tpe.h"

namespace exemplar::optimize {
namespace {

constexpr int kMinMinibatchSize = 50;  // DSPy's MIN_MINIBATCH_SIZE

struct AutoSetting {
  int n;
  size_t val_size;
};

// DSPy's AUTO_RUN_SETTINGS: candidates and the valset size each auto mode subsamples to.
AutoSetting AutoFor(const std::string& mode) {
  static const std::map<std::string, AutoSetting> kAuto = {
      {"light", {6, 100}}, {"medium", {12, 300}}, {"heavy", {18, 1000}}};
  return kAuto.at(mode);
}

// The valset MIPROv2 evaluates on when none is given: the last 80% of the trainset (at most 1000).
size_t DefaultValsetSize(size_t train_size) {
  return std::min<size_t>(1000, std::max<size_t>(1, static_cast<size_t>(0.8 * train_size)));
}

// create_minibatch: rng.sample of indices, in sampled order.
std::vector<DataPoint> Minibatch(const std::vector<DataPoint>& set, size_t size, PyRandom& rng) {
  return rng.Sample(set, std::min(size, set.size()));
}

// create_n_fewshot_demo_sets with the shared rng: N sets (seeds -3 .. N-4).
Result<std::vector<std::vector<Demo>>> DemoSets(Session& s, const std::vector<DataPoint>& train, int n,
                                                BootstrapConfig base, PyRandom& rng, int64_t offset) {
  std::vector<std::vector<Demo>> sets;
  for (int seed = -3; seed < n - 3; ++seed) {
    if (s.CheckStop()) return s.StoppedStatus();
    s.Log("Bootstrapping set " + std::to_string(seed + 4) + "/" + std::to_string(n));
    std::vector<DataPoint> copy = train;
    if (seed == -3) {
      sets.push_back({});
    } else if (seed == -2 && base.max_labeled_demos > 0) {
      sets.push_back(LabeledFewShot(copy, base.max_labeled_demos, true, offset));
    } else if (seed == -1) {
      EXEMPLAR_ASSIGN_OR_RETURN(std::vector<Demo> demos, BootstrapFewShot(s, s.spec().instructions, copy, base, offset));
      sets.push_back(std::move(demos));
    } else {
      rng.Shuffle(copy);
      BootstrapConfig cfg = base;
      cfg.max_bootstrapped_demos =
          base.max_bootstrapped_demos >= 1 ? static_cast<int>(rng.RandInt(1, base.max_bootstrapped_demos)) : 0;
      EXEMPLAR_ASSIGN_OR_RETURN(std::vector<Demo> demos, BootstrapFewShot(s, s.spec().instructions, copy, cfg, offset));
      sets.push_back(std::move(demos));
    }
  }
  return sets;
}

}  // namespace

MiproValset PlanMiproValset(const dspy::OptimizerConfig& c, size_t train_size, size_t val_size) {
  MiproValset plan{val_size > 0 ? val_size : DefaultValsetSize(train_size), c.Get("minibatch").get<bool>()};
  if (const Json mode = c.Get("auto"); mode.is_string()) {
    plan.size = std::min(plan.size, AutoFor(mode.get<std::string>()).val_size);
    plan.minibatch = static_cast<int>(plan.size) > kMinMinibatchSize;
  }
  return plan;
}

Status RunMipro(Session& s, const dspy::OptimizerConfig& c, const std::vector<DataPoint>& train_in,
                const std::vector<DataPoint>& val_in, RunnerResult* out) {
  const int max_boot = c.Get("max_bootstrapped_demos").get<int>();
  const int max_labeled = c.Get("max_labeled_demos").get<int>();
  const Json auto_mode = c.Get("auto");
  const int64_t offset = static_cast<int64_t>(s.ctx().seed);
  PyRandom rng(c.Get("seed").get<int64_t>() + offset);
  const bool zeroshot = max_boot == 0 && max_labeled == 0;

  std::vector<DataPoint> train = train_in, val = val_in;
  if (val.empty()) {
    if (train.size() < 2) return Status::InvalidArgument("MIPROv2 needs at least 2 examples to split off a valset");
    size_t size = DefaultValsetSize(train.size());
    val.assign(train.end() - size, train.end());
    train.resize(train.size() - size);
  }

  int num_fewshot, num_instr, num_trials;
  bool minibatch = c.Get("minibatch").get<bool>();
  if (auto_mode.is_string()) {
    AutoSetting a = AutoFor(auto_mode.get<std::string>());
    val = Minibatch(val, a.val_size, rng);
    minibatch = static_cast<int>(val.size()) > kMinMinibatchSize;
    num_fewshot = a.n;
    num_instr = zeroshot ? a.n : static_cast<int>(0.5 * a.n);
    int v = zeroshot ? 1 : 2;  // one predictor
    num_trials = static_cast<int>(std::max(2.0 * v * std::log2(a.n), 1.5 * a.n));
  } else {
    num_fewshot = num_instr = c.Get("num_candidates").get<int>();
    num_trials = c.Get("num_trials").get<int>();
  }
  int minibatch_size = c.Get("minibatch_size").get<int>();
  const int full_eval_steps = c.Get("minibatch_full_eval_steps").get<int>();
  if (minibatch && minibatch_size > static_cast<int>(val.size())) {
    // DSPy raises here; a default (35) the caller never chose is fitted to a small valset
    // instead, while a size the caller set is refused (Launch refuses it before the run).
    if (c.Given("minibatch_size")) {
      return Status::InvalidArgument("Minibatch size cannot exceed the size of the valset (" + std::to_string(val.size()) +
                                     "); set minibatch to false or a smaller minibatch_size");
    }
    minibatch_size = static_cast<int>(val.size());
    s.Log("MIPROv2: minibatch_size " + std::to_string(minibatch_size) + " (the valset's size; the default " +
          c.Get("minibatch_size").dump() + " is larger)");
  }
  s.Log("MIPROv2: " + std::to_string(num_instr) + " instruction candidates, " + std::to_string(num_fewshot) +
        " demo sets, " + std::to_string(num_trials) + " trials" + (minibatch ? " (minibatch)" : ""));

  // 1. Demo-set candidates (also made in zero-shot mode, to ground the proposer).
  BootstrapConfig base = BootstrapConfigFrom(c);
  base.max_bootstrapped_demos = zeroshot ? 3 : max_boot;
  base.max_labeled_demos = zeroshot ? 0 : max_labeled;
  std::vector<std::vector<Demo>> demo_sets;
  if (auto sets = DemoSets(s, train, num_fewshot, base, rng, offset); sets.ok()) {
    demo_sets = std::move(*sets);
  } else {
    if (s.stopped()) return s.StoppedStatus();
    s.Log("Bootstrapping demo sets failed: " + sets.status().message());
  }

  // 2. Instruction candidates.
  ProposerConfig pc;
  pc.data_aware = c.Get("data_aware_proposer").get<bool>();
  pc.fewshot_aware = c.Get("fewshot_aware_proposer").get<bool>();
  pc.tip_aware = c.Get("tip_aware_proposer").get<bool>();
  pc.init_temperature = c.Get("init_temperature").get<double>();
  pc.view_data_batch_size = c.Get("view_data_batch_size").get<int>();
  EXEMPLAR_ASSIGN_OR_RETURN(std::vector<std::string> instructions,
                            ProposeInstructions(s, train, demo_sets, num_instr, pc, rng));
  out->instruction_candidates = instructions;
  if (zeroshot) demo_sets.clear();

  // 3. Search.
  auto program_for = [&](int i, int d) {
    return Program{instructions[i], demo_sets.empty() ? std::vector<Demo>{} : demo_sets[d]};
  };
  auto name_for = [](int i, int d) { return "mipro:i" + std::to_string(i) + "-d" + std::to_string(d); };
  std::vector<int> cards = {static_cast<int>(instructions.size())};
  if (!demo_sets.empty()) cards.push_back(static_cast<int>(demo_sets.size()));
  CategoricalTpe tpe(cards, c.Get("seed").get<int64_t>() + offset);
  std::set<std::pair<int, int>> fully_evaluated;
  std::map<std::pair<int, int>, std::vector<double>> minibatch_scores;

  auto full_eval = [&](int i, int d) -> Status {
    if (!s.BeginTrial()) return s.StoppedStatus();
    Json extra = {{"instruction_index", i}, {"demo_set_index", d}, {"minibatch", false}};
    EXEMPLAR_RETURN_IF_ERROR(EvaluateCandidate(s, name_for(i, d), program_for(i, d), val, out, extra));
    fully_evaluated.insert({i, d});
    std::vector<int> choice = {i};
    if (!demo_sets.empty()) choice.push_back(d);
    tpe.Observe(choice, s.trials().back().score);
    return Status::Ok();
  };

  EXEMPLAR_RETURN_IF_ERROR(full_eval(0, 0));  // the default program
  for (int t = 1; t <= num_trials; ++t) {
    std::vector<int> choice = tpe.Suggest();
    int i = choice[0], d = demo_sets.empty() ? 0 : choice[1];
    if (!minibatch) {
      EXEMPLAR_RETURN_IF_ERROR(full_eval(i, d));
      continue;
    }
    if (!s.BeginTrial()) return s.StoppedStatus();
    std::vector<DataPoint> batch = Minibatch(val, minibatch_size, rng);
    Program program = program_for(i, d);
    Trial trial = TrialFor(name_for(i, d), program);
    trial.metrics.update({{"instruction_index", i}, {"demo_set_index", d}, {"minibatch", true}});
    EXEMPLAR_ASSIGN_OR_RETURN(Session::Evaluation eval, s.EvaluateTrial(trial, program, batch));
    s.AddTrial(std::move(trial), eval, batch);
    tpe.Observe(choice, eval.score);
    minibatch_scores[{i, d}].push_back(eval.score);
    if (t % full_eval_steps == 0 || t == num_trials) {
      std::optional<std::pair<int, int>> pick;
      double best_mean = -1;
      for (const auto& [combo, scores] : minibatch_scores) {
        if (fully_evaluated.count(combo)) continue;
        double mean = 0;
        for (double x : scores) mean += x;
        mean /= scores.size();
        if (mean > best_mean) {
          best_mean = mean;
          pick = combo;
        }
      }
      if (pick) EXEMPLAR_RETURN_IF_ERROR(full_eval(pick->first, pick->second));
    }
  }
  return Status::Ok();
}

}  // namespace exemplar::optimize
