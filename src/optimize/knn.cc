// KNNFewShot (reference/dspy.md §5.6).
#include <algorithm>
#include <mutex>
#include <numeric>
#include <set>

#include "lm/text_similarity.h"
#include "lm/value_format.h"
#include "optimize/few_shot.h"
#include "optimize/runners.h"

namespace exemplar::optimize {
namespace {

// DSPy's text for an example: " | ".join(f"{key}: {value}") over its input fields.
std::string InputText(const dspy::SignatureSpec& spec, const Json& inputs) {
  std::string text;
  for (const dspy::SignatureField& f : spec.inputs) {
    if (!inputs.contains(f.name)) continue;
    if (!text.empty()) text += " | ";
    text += f.name + ": " + lm::PyStr(inputs[f.name]);
  }
  return text;
}

}  // namespace

// When the valset is empty the trainset is evaluated, and a query never retrieves itself.
Status RunKnnFewShot(Session& s, const dspy::OptimizerConfig& c, const std::vector<DataPoint>& train,
                     const std::vector<DataPoint>& val, RunnerResult* out) {
  const int k = c.Get("k").get<int>();
  const BootstrapConfig cfg = BootstrapConfigFrom(c);
  const std::vector<DataPoint>& evalset = val.empty() ? train : val;
  const int64_t seed = static_cast<int64_t>(s.ctx().seed);
  if (!s.BeginTrial()) return s.StoppedStatus();

  std::vector<std::string> texts;
  std::vector<lm::TextVector> vectors;
  for (const DataPoint& p : train) {
    texts.push_back(InputText(s.spec(), p.inputs));
    if (!s.ctx().similarity) vectors.push_back(lm::Vectorize(texts.back()));
  }
  std::mutex used_mu;
  std::vector<std::string> used_order;
  std::set<std::string> used;
  int64_t demo_total = 0;
  const std::string instructions = s.spec().instructions;

  auto predict = [&](const DataPoint& query) -> Result<Json> {
    std::string qtext = InputText(s.spec(), query.inputs);
    lm::TextVector qvec;
    if (!s.ctx().similarity) qvec = lm::Vectorize(qtext);
    std::vector<double> sims(train.size());
    for (size_t i = 0; i < train.size(); ++i) {
      sims[i] = s.ctx().similarity ? s.ctx().similarity(qtext, texts[i]) : lm::Similarity(qvec, vectors[i]);
    }
    std::vector<size_t> order(train.size());
    std::iota(order.begin(), order.end(), 0);
    std::erase_if(order, [&](size_t i) { return train[i].example_id == query.example_id; });
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return sims[a] > sims[b]; });
    if (static_cast<int>(order.size()) > k) order.resize(k);
    std::vector<DataPoint> neighbours;
    for (size_t i : order) neighbours.push_back(train[i]);
    EXEMPLAR_ASSIGN_OR_RETURN(std::vector<Demo> demos, BootstrapFewShot(s, instructions, neighbours, cfg, seed));
    {
      std::lock_guard<std::mutex> lock(used_mu);
      demo_total += static_cast<int64_t>(demos.size());
      for (const Demo& d : demos) {
        if (used.insert(d.example_id).second) used_order.push_back(d.example_id);
      }
    }
    return s.Predict(Program{instructions, std::move(demos)}, query);
  };

  s.Log("KNNFewShot: k=" + std::to_string(k) + " over " + std::to_string(train.size()) + " examples");
  EXEMPLAR_ASSIGN_OR_RETURN(Session::Evaluation eval, s.Evaluate(evalset, predict));
  Program program{instructions, {}};
  Trial trial = TrialFor("knn", program);
  trial.demo_ids = used_order;
  trial.metrics["k"] = k;
  trial.metrics["demo_count"] = evalset.empty() ? 0.0 : static_cast<double>(demo_total) / evalset.size();
  int index = s.AddTrial(std::move(trial), eval, evalset);
  out->best = program;
  out->best_score = eval.score;
  out->best_trial = index;
  return Status::Ok();
}

}  // namespace exemplar::optimize
