#include "optimize/contribution.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace exemplar::optimize {

std::vector<Contribution> ComputeContributions(const std::vector<Trial>& input) {
  std::vector<const Trial*> trials;
  for (const Trial& t : input) {
    if (!t.demo_ids.empty()) trials.push_back(&t);
  }
  std::vector<std::set<std::string>> used(trials.size());
  std::set<std::string> ids;
  double total = 0;
  for (size_t t = 0; t < trials.size(); ++t) {
    used[t].insert(trials[t]->demo_ids.begin(), trials[t]->demo_ids.end());
    ids.insert(trials[t]->demo_ids.begin(), trials[t]->demo_ids.end());
    total += trials[t]->score;
  }
  // Which trials used each example: two examples with the same pattern cannot be told apart.
  std::map<std::string, std::vector<bool>> pattern;
  std::map<std::vector<bool>, int> pattern_count;
  for (const std::string& id : ids) {
    std::vector<bool> p(trials.size());
    for (size_t t = 0; t < trials.size(); ++t) p[t] = used[t].count(id) > 0;
    ++pattern_count[p];
    pattern[id] = std::move(p);
  }
  std::vector<Contribution> out;
  for (const std::string& id : ids) {
    Contribution c;
    c.example_id = id;
    double with_sum = 0;
    for (size_t t = 0; t < trials.size(); ++t) {
      if (used[t].count(id)) {
        with_sum += trials[t]->score;
        ++c.with_trials;
      }
    }
    c.with_mean = with_sum / c.with_trials;
    c.without_trials = static_cast<int>(trials.size()) - c.with_trials;
    if (c.without_trials > 0) {
      c.without_mean = (total - with_sum) / c.without_trials;
      c.contribution = c.with_mean - *c.without_mean;
    }
    c.distinguishable = c.without_trials > 0 && pattern_count[pattern[id]] == 1;
    if (!c.distinguishable) c.contribution = 0;
    out.push_back(std::move(c));
  }
  std::sort(out.begin(), out.end(), [](const Contribution& a, const Contribution& b) {
    if (a.distinguishable != b.distinguishable) return a.distinguishable;
    if (a.contribution != b.contribution) return a.contribution > b.contribution;
    return a.example_id < b.example_id;
  });
  return out;
}

Json ContributionToJson(const Contribution& c) {
  return {{"example_id", c.example_id},
          {"with_mean", c.with_mean},
          {"with_trials", c.with_trials},
          {"without_mean", c.without_mean ? Json(*c.without_mean) : Json(nullptr)},
          {"without_trials", c.without_trials},
          {"contribution", c.distinguishable ? Json(c.contribution) : Json(nullptr)},
          {"variation", c.distinguishable ? "ok" : "not_enough_variation"}};
}

std::vector<Evidence> EvidenceFromContribution(const std::vector<Contribution>& contributions) {
  std::vector<Evidence> out;
  for (const Contribution& c : contributions) {
    if (!c.distinguishable || !c.without_mean || c.without_trials == 0 || c.with_trials == 0) continue;
    if (std::fabs(c.contribution) < kNoEffect) continue;
    double weight = std::min(1.0, static_cast<double>(std::min(c.with_trials, c.without_trials)) / kFullWeightTrials);
    double amount = weight * std::min(1.0, std::fabs(c.contribution) / kFullEffect);
    Evidence e;
    e.example_id = c.example_id;
    (c.contribution > 0 ? e.success : e.failure) = amount;
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace exemplar::optimize
