// CategoricalTpe: a small Tree-structured Parzen Estimator over independent categorical
// parameters, standing in for Optuna's TPESampler in MIPROv2 (internal).
// The first kStartupTrials observations come from uniform sampling. After that, observations
// are split into the best ceil(10%) (at most 25, at least 1; Optuna's default gamma) and the
// rest; per parameter, l(c) and g(c) are the smoothed frequencies (+1 per category) of choice c
// among the good and bad observations; kCandidates values are drawn from l and the one with the
// highest l/g is suggested. Deterministic for a seed.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "optimize/py_random.h"

namespace exemplar::optimize {

class CategoricalTpe {
 public:
  static constexpr int kStartupTrials = 10;  // Optuna's n_startup_trials default
  static constexpr int kCandidates = 24;     // Optuna's n_ei_candidates default

  // REQUIRES: every cardinality >= 1.
  CategoricalTpe(std::vector<int> cardinalities, int64_t seed);

  std::vector<int> Suggest();
  void Observe(const std::vector<int>& choice, double score);
  size_t observations() const { return history_.size(); }

 private:
  PyRandom rng_;
  std::vector<int> cards_;
  std::vector<std::pair<std::vector<int>, double>> history_;
};

}  // namespace exemplar::optimize
