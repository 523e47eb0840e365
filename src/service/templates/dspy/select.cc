#include "service/templates/dspy/select.h"

#include <algorithm>
#include <map>

#include "common/json_util.h"

namespace exemplar::dspy {
namespace {

double RankEffectiveness(const Example& e) {
  return e.effectiveness_score().value_or(kEffectivenessPrior);
}

// True when `a` ranks before `b` in the kTop order. An example without a quality score ranks
// after every scored one.
bool RanksBefore(const Example& a, const Example& b) {
  double ea = RankEffectiveness(a), eb = RankEffectiveness(b);
  if (ea != eb) return ea > eb;
  double qa = a.quality_score.value_or(-1.0), qb = b.quality_score.value_or(-1.0);
  if (qa != qb) return qa > qb;
  return a.id < b.id;
}

std::string DiversityKey(const Example& e) {
  std::vector<std::string> tags = e.capability_tags;
  std::sort(tags.begin(), tags.end());
  Json key = {e.function_name ? Json(*e.function_name) : Json(nullptr), e.difficulty, tags};
  return key.dump();
}

std::string LabelKey(const Example& e, std::string_view label_field) {
  Json out = Json::parse(e.expected_output_json, nullptr, /*allow_exceptions=*/false);
  if (!out.is_object() || out.empty()) return "\x01" "absent";
  auto it = label_field.empty() ? out.begin() : out.find(std::string(label_field));
  if (it == out.end()) return "\x01" "absent";
  if (it->is_string()) return "s" + it->get<std::string>();
  return "j" + DumpJson(*it);
}

// Round-robin over buckets of rank-ordered examples; buckets ordered by first appearance.
template <typename KeyFn>
std::vector<Example> RoundRobin(std::vector<Example> ranked, size_t max_examples, KeyFn key) {
  std::map<std::string, size_t> bucket_of;
  std::vector<std::vector<Example>> buckets;
  for (Example& e : ranked) {
    auto [it, inserted] = bucket_of.emplace(key(e), buckets.size());
    if (inserted) buckets.emplace_back();
    buckets[it->second].push_back(std::move(e));
  }
  std::vector<Example> out;
  for (size_t round = 0; out.size() < max_examples; ++round) {
    bool any = false;
    for (auto& bucket : buckets) {
      if (round >= bucket.size()) continue;
      any = true;
      out.push_back(std::move(bucket[round]));
      if (out.size() == max_examples) break;
    }
    if (!any) break;
  }
  return out;
}

}  // namespace

std::optional<SelectionStrategy> ParseSelectionStrategy(std::string_view s) {
  if (s == "top") return SelectionStrategy::kTop;
  if (s == "diverse") return SelectionStrategy::kDiverse;
  if (s == "balanced") return SelectionStrategy::kBalanced;
  if (s == "similar") return SelectionStrategy::kSimilar;
  return std::nullopt;
}

std::string_view SelectionStrategyName(SelectionStrategy s) {
  switch (s) {
    case SelectionStrategy::kTop: return "top";
    case SelectionStrategy::kDiverse: return "diverse";
    case SelectionStrategy::kBalanced: return "balanced";
    case SelectionStrategy::kSimilar: return "similar";
  }
  return "top";
}

std::vector<Example> SelectExamples(std::vector<Example> candidates, SelectionStrategy strategy,
                                    size_t max_examples, std::optional<double> min_effectiveness,
                                    std::string_view label_field) {
  if (min_effectiveness) {
    std::erase_if(candidates, [&](const Example& e) { return RankEffectiveness(e) < *min_effectiveness; });
  }
  if (strategy == SelectionStrategy::kSimilar) {
    if (candidates.size() > max_examples) candidates.resize(max_examples);
    return candidates;
  }
  std::stable_sort(candidates.begin(), candidates.end(), RanksBefore);
  switch (strategy) {
    case SelectionStrategy::kDiverse:
      return RoundRobin(std::move(candidates), max_examples, DiversityKey);
    case SelectionStrategy::kBalanced:
      return RoundRobin(std::move(candidates), max_examples,
                        [&](const Example& e) { return LabelKey(e, label_field); });
    default:
      if (candidates.size() > max_examples) candidates.resize(max_examples);
      return candidates;
  }
}

}  // namespace exemplar::dspy
