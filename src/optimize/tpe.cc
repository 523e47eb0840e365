#include "optimize/tpe.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace exemplar::optimize {

CategoricalTpe::CategoricalTpe(std::vector<int> cardinalities, int64_t seed)
    : rng_(seed), cards_(std::move(cardinalities)) {}

std::vector<int> CategoricalTpe::Suggest() {
  std::vector<int> choice(cards_.size(), 0);
  if (static_cast<int>(history_.size()) < kStartupTrials) {
    for (size_t p = 0; p < cards_.size(); ++p) choice[p] = static_cast<int>(rng_.RandBelow(cards_[p]));
    return choice;
  }
  std::vector<size_t> order(history_.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return history_[a].second > history_[b].second; });
  size_t n_good = std::clamp<size_t>(static_cast<size_t>(std::ceil(0.1 * history_.size())), 1, 25);
  for (size_t p = 0; p < cards_.size(); ++p) {
    std::vector<double> good(cards_[p], 1.0), bad(cards_[p], 1.0);
    for (size_t r = 0; r < order.size(); ++r) {
      int c = history_[order[r]].first[p];
      (r < n_good ? good : bad)[c] += 1;
    }
    double good_sum = std::accumulate(good.begin(), good.end(), 0.0);
    double bad_sum = std::accumulate(bad.begin(), bad.end(), 0.0);
    int best = 0;
    double best_ratio = -1;
    for (int draw = 0; draw < kCandidates; ++draw) {
      double u = rng_.Random() * good_sum;
      int c = 0;
      while (c + 1 < cards_[p] && u >= good[c]) u -= good[c++];
      double ratio = (good[c] / good_sum) / (bad[c] / bad_sum);
      if (ratio > best_ratio) {
        best_ratio = ratio;
        best = c;
      }
    }
    choice[p] = best;
  }
  return choice;
}

void CategoricalTpe::Observe(const std::vector<int>& choice, double score) {
  history_.emplace_back(choice, score);
}

}  // namespace exemplar::optimize
