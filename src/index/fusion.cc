#include "index/fusion.h"

#include <algorithm>
#include <limits>
#include <unordered_map>
#include <unordered_set>

#include "index/top_k.h"

namespace exemplar::index {

std::vector<Hit> ReciprocalRankFusion(const std::vector<std::vector<Hit>>& lists, double k) {
  std::unordered_map<uint64_t, double> fused;
  for (const auto& list : lists) {
    std::unordered_set<uint64_t> seen;  // a label counts once per list, at its best rank
    size_t position = 0, rank = 0;
    float previous = 0;
    for (const Hit& h : list) {
      if (!seen.insert(h.label).second) continue;
      ++position;
      // Equal scores share a rank (1, 2, 2, 4): a leg's tie order is its labels', not relevance,
      // and identical examples would otherwise fuse to different scores.
      if (position == 1 || h.score != previous) rank = position;
      previous = h.score;
      fused[h.label] += 1.0 / (k + static_cast<double>(rank));
    }
  }
  std::vector<Hit> out;
  out.reserve(fused.size());
  for (const auto& [label, score] : fused) out.push_back({label, static_cast<float>(score)});
  std::sort(out.begin(), out.end(), Better);
  return out;
}

std::vector<Hit> MaximalMarginalRelevance(const std::vector<Hit>& candidates, size_t k, double lambda,
                                          const std::function<float(uint64_t, uint64_t)>& similarity) {
  // Candidates most relevant first, so ties in the MMR objective go to the more relevant one, then
  // to the one the caller listed first (its tie order: the search's is by example id).
  std::vector<Hit> pool;
  pool.reserve(candidates.size());
  std::unordered_set<uint64_t> seen;
  for (const Hit& h : candidates) {
    if (seen.insert(h.label).second) pool.push_back(h);
  }
  std::stable_sort(pool.begin(), pool.end(), [](const Hit& a, const Hit& b) { return a.score > b.score; });
  k = std::min(k, pool.size());
  std::vector<Hit> selected;
  selected.reserve(k);
  // max_sim[i]: highest similarity of pool[i] to anything selected so far (updated incrementally,
  // so the whole selection costs O(k · n) similarity calls).
  std::vector<double> max_sim(pool.size(), -std::numeric_limits<double>::infinity());
  std::vector<bool> taken(pool.size(), false);
  for (size_t round = 0; round < k; ++round) {
    size_t best = pool.size();
    double best_value = -std::numeric_limits<double>::infinity();
    for (size_t i = 0; i < pool.size(); ++i) {
      if (taken[i]) continue;
      const double penalty = selected.empty() ? 0.0 : max_sim[i];
      const double value = lambda * pool[i].score - (1.0 - lambda) * penalty;
      if (value > best_value) {
        best_value = value;
        best = i;
      }
    }
    if (best == pool.size()) break;
    taken[best] = true;
    selected.push_back(pool[best]);
    for (size_t i = 0; i < pool.size(); ++i) {
      if (!taken[i]) max_sim[i] = std::max(max_sim[i], static_cast<double>(similarity(pool[i].label, pool[best].label)));
    }
  }
  return selected;
}

}  // namespace exemplar::index
