// Choosing which examples go into a DSPy export or optimization trainset. Deterministic: the
// same candidates (in any order, except for kSimilar) give the same selection.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/records.h"

namespace exemplar::dspy {

enum class SelectionStrategy {
  kTop,       // effectiveness desc (no evidence ranks as the 0.5 prior), quality desc, id asc
  kDiverse,   // round-robin over (function_name, difficulty, tag set) buckets
  kBalanced,  // round-robin over labels: the value of the first output field
  kSimilar,   // candidates arrive ranked by the caller's similarity search; order kept
};

// Effectiveness used for ranking and filtering when an example has no evidence (SPEC §4.3).
inline constexpr double kEffectivenessPrior = 0.5;

std::optional<SelectionStrategy> ParseSelectionStrategy(std::string_view s);  // "top", ...
std::string_view SelectionStrategyName(SelectionStrategy s);

// Filters `candidates` to effectiveness (prior for no evidence) >= min_effectiveness, then picks
// at most `max_examples` with `strategy`:
//  - kTop: the rank order above.
//  - kDiverse: candidates grouped into buckets by (function_name, difficulty, sorted
//    capability_tags); each bucket in rank order; buckets ordered by their best member's rank;
//    one example per bucket per round until max_examples.
//  - kBalanced: the same round-robin with buckets = the label, i.e. the value of `label_field`
//    in expected_output (strings as is, other values as compact JSON, absent = its own label).
//    Empty label_field = the first key of the expected output object (keys sorted).
//    Each label gets an equal share (±1), best labels first when the share is uneven.
//  - kSimilar: the first max_examples in the given order.
// The result is in selection order.
std::vector<Example> SelectExamples(std::vector<Example> candidates, SelectionStrategy strategy,
                                    size_t max_examples,
                                    std::optional<double> min_effectiveness = std::nullopt,
                                    std::string_view label_field = "");

}  // namespace exemplar::dspy
