// Rank fusion and diversification.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "index/vector_index.h"  // Hit

namespace exemplar::index {

// Reciprocal Rank Fusion: score(d) = Σ 1 / (k + rank_i(d)), rank from 1. k = 60 (Cormack et al.
// 2009), which damps the head of each list. Equal scores within a list share a rank (1, 2, 2, 4).
// Result sorted best first, ties by smaller label. A label repeated within one list counts once,
// at its first (best) rank.
std::vector<Hit> ReciprocalRankFusion(const std::vector<std::vector<Hit>>& lists, double k = 60.0);

// Maximal Marginal Relevance over `candidates` (relevance in Hit::score): picks k items maximising
// λ·rel − (1−λ)·max_sim(selected), where sim(a, b) is given by `similarity` (LangChain's
// maximal_marginal_relevance when rel and sim are cosines). Returns min(k, distinct candidates)
// hits in selection order, each keeping its relevance score; the first pick is the most relevant;
// objective ties go to the more relevant, then the earlier listed, candidate (a label listed twice
// counts at its first place). λ = 1 gives plain relevance order. O(k · n) calls to `similarity`.
std::vector<Hit> MaximalMarginalRelevance(const std::vector<Hit>& candidates, size_t k, double lambda,
                                          const std::function<float(uint64_t, uint64_t)>& similarity);

}  // namespace exemplar::index
