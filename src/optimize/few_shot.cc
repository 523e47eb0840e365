#include "optimize/few_shot.h"

#include <map>

#include "optimize/py_random.h"
#include "service/templates/dspy/optimizer_config.h"

namespace exemplar::optimize {

std::vector<Demo> LabeledFewShot(const std::vector<DataPoint>& trainset, int k, bool sample, int64_t seed) {
  size_t n = std::min<size_t>(std::max(0, k), trainset.size());
  std::vector<Demo> demos;
  if (sample) {
    PyRandom rng(seed);
    for (size_t i : rng.SampleIndices(trainset.size(), n)) demos.push_back(LabeledDemo(trainset[i]));
  } else {
    for (size_t i = 0; i < n; ++i) demos.push_back(LabeledDemo(trainset[i]));
  }
  return demos;
}

Result<std::vector<Demo>> BootstrapFewShot(Session& session, const std::string& instructions,
                                           const std::vector<DataPoint>& trainset,
                                           const BootstrapConfig& config, int64_t seed) {
  Program teacher{instructions, {}};
  if (config.max_labeled_demos > 0) {
    teacher.demos = LabeledFewShot(trainset, config.max_labeled_demos, true, seed);
  }
  std::vector<Demo> augmented;
  std::vector<bool> bootstrapped(trainset.size(), false);
  int errors = 0;
  for (size_t idx = 0; idx < trainset.size(); ++idx) {
    if (static_cast<int>(augmented.size()) >= config.max_bootstrapped_demos) break;
    const DataPoint& example = trainset[idx];
    Program without = teacher;  // the teacher never sees the example it labels
    std::erase_if(without.demos, [&](const Demo& d) { return d.example_id == example.example_id; });
    for (int round = 0; round < std::max(1, config.max_rounds); ++round) {
      std::optional<uint64_t> rollout;
      std::optional<double> temperature;
      if (round > 0) {
        rollout = static_cast<uint64_t>(round);
        temperature = 1.0;
      }
      Result<Json> pred = session.Predict(without, example, rollout, temperature);
      Result<double> score = pred.ok() ? session.Score(example, *pred) : Result<double>(pred.status());
      if (!score.ok()) {
        if (session.stopped()) return session.StoppedStatus();
        if (++errors >= session.max_errors()) {
          return Status(score.status().code(), "bootstrapping stopped after " + std::to_string(errors) +
                                                   " errors; last: " + score.status().message());
        }
        continue;
      }
      // Under a trace the exported metric returns a bool: score >= its pass threshold. DSPy then
      // tests `if self.metric_threshold:` (0 means plain truthiness) and compares that bool.
      const double passed = *score >= session.ctx().metric.pass_threshold ? 1.0 : 0.0;
      bool success = (config.metric_threshold && *config.metric_threshold != 0)
                         ? passed >= *config.metric_threshold
                         : passed != 0;
      if (!success) continue;
      Demo demo;
      demo.example_id = example.example_id;
      demo.fields = example.inputs;
      for (auto it = pred->begin(); it != pred->end(); ++it) demo.fields[it.key()] = it.value();
      demo.augmented = true;
      augmented.push_back(std::move(demo));
      bootstrapped[idx] = true;
      break;
    }
  }
  std::vector<DataPoint> validation;
  for (size_t i = 0; i < trainset.size(); ++i) {
    if (!bootstrapped[i]) validation.push_back(trainset[i]);
  }
  PyRandom(seed).Shuffle(validation);
  PyRandom rng(seed);
  if (static_cast<int>(augmented.size()) > config.max_bootstrapped_demos) {
    augmented.resize(config.max_bootstrapped_demos);
  }
  int size = std::max(0, std::min(config.max_labeled_demos - static_cast<int>(augmented.size()),
                                  static_cast<int>(validation.size())));
  std::vector<Demo> demos = std::move(augmented);
  for (const DataPoint& p : rng.Sample(validation, size)) demos.push_back(LabeledDemo(p));
  return demos;
}

BootstrapConfig BootstrapConfigFrom(const dspy::OptimizerConfig& config) {
  BootstrapConfig c;
  auto get_int = [&](const char* name, int fallback) {
    Json v = config.Get(name);
    return v.is_number() ? v.get<int>() : fallback;
  };
  c.max_bootstrapped_demos = get_int("max_bootstrapped_demos", 4);
  c.max_labeled_demos = get_int("max_labeled_demos", 16);
  c.max_rounds = get_int("max_rounds", 1);
  Json t = config.Get("metric_threshold");
  if (t.is_number()) c.metric_threshold = t.get<double>();
  return c;
}

Trial TrialFor(const std::string& candidate, const Program& program) {
  Trial t;
  t.candidate = candidate;
  t.instruction = program.instructions;
  int augmented = 0;
  for (const Demo& d : program.demos) {
    t.demo_ids.push_back(d.example_id);
    augmented += d.augmented ? 1 : 0;
  }
  t.metrics["demo_count"] = program.demos.size();
  t.metrics["program_digest"] = ProgramDigest(program);
  t.metrics["augmented_demos"] = augmented;
  return t;
}

}  // namespace exemplar::optimize
