#include "optimize/contribution.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace exemplar::optimize {

std::vector<Contribution> ComputeContributions(const std::vector<Trial>& trials) {
  std::vector<std::set<std::string>> used(trials.size());
  std::set<std::string> ids;
  double total = 0;
  for (size_t t = 0; t < trials.size(); ++t) {
    used[t].insert(trials[t].demo_ids.begin(), trials[t].demo_ids.end());
    ids.insert(trials[t].demo_ids.begin(), trials[t].demo_ids.end());
    total += trials[t].score;
  }
  std::vector<Contribution> out;
  for (const std::string& id : ids) {
    Contribution c;
    c.example_id = id;
    double with_sum = 0;
    for (size_t t = 0; t < trials.size(); ++t) {
      if (used[t].count(id)) {
        with_sum += trials[t].score;
        ++c.with_trials;
      }
    }
    c.with_mean = with_sum / c.with_trials;
    c.without_trials = static_cast<int>(trials.size()) - c.with_trials;
    if (c.without_trials > 0) {
      c.without_mean = (total - with_sum) / c.without_trials;
      c.contribution = c.with_mean - *c.without_mean;
    }
    out.push_back(std::move(c));
  }
  std::sort(out.begin(), out.end(), [](const Contribution& a, const Contribution& b) {
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
          {"contribution", c.contribution}};
}

std::vector<Evidence> EvidenceFromContribution(const std::vector<Contribution>& contributions) {
  std::vector<Evidence> out;
  for (const Contribution& c : contributions) {
    if (!c.without_mean || c.without_trials == 0 || c.with_trials == 0) continue;
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
