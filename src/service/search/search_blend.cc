// The blend stage of a search: the relevance evidence is weighed against, and the exploration
// policy's ranking of the relevant candidates (service/search/exploration.h).
#include <algorithm>

#include "service/search/search.h"
#include "service/search/search_math.h"

namespace exemplar::service {

std::vector<double> Search::BlendRelevance(SearchMode mode, bool blending, Candidates& c,
                                           const std::vector<index::Hit>& ranked) const {
  std::vector<double> rel(ranked.size(), 0);
  if (mode != SearchMode::kHybrid || !blending) {  // the base score over the best one's
    double top = 0;
    for (const auto& h : ranked) top = std::max(top, static_cast<double>(h.score));
    for (size_t i = 0; i < ranked.size(); ++i) rel[i] = top > 0 ? ranked[i].score / top : 0;
    return rel;
  }
  // Hybrid: RRF's fused score is a rank and says nothing of how close a candidate is (an exact
  // match and an example sharing one word with the query fuse to 1.0 and 0.96), so evidence would
  // outweigh any relevance. The blend weighs the mean of the two legs' scores instead, each over
  // its leg's best; a candidate the vector leg did not return gets its cosine computed, one the
  // keyword leg did not return scores 0 there.
  std::vector<float> v;
  double top_vector = 0, top_keyword = 0;
  for (const auto& h : ranked) {
    SearchScores& sc = c.scores[h.label];
    if (!sc.vector && !c.qvec.empty() && c.space->index->GetVector(h.label, &v)) sc.vector = Clamp01(Dot(v, c.qvec));
    top_vector = std::max(top_vector, sc.vector.value_or(0));
    top_keyword = std::max(top_keyword, sc.keyword.value_or(0));
  }
  const int legs = (top_vector > 0) + (top_keyword > 0);
  double top = 0;
  for (size_t i = 0; i < ranked.size(); ++i) {
    const SearchScores& sc = c.scores[ranked[i].label];
    if (top_vector > 0) rel[i] += sc.vector.value_or(0) / top_vector;
    if (top_keyword > 0) rel[i] += sc.keyword.value_or(0) / top_keyword;
    rel[i] /= std::max(legs, 1);
    top = std::max(top, rel[i]);
  }
  for (double& r : rel) r = top > 0 ? r / top : 0;
  return rel;
}

void Search::Blend(const SearchRequest& req, SearchMode mode, Candidates& c, std::vector<index::Hit>& ranked,
                   SearchResponse* resp) const {
  // Relevance in [0, 1], then the exploration policy blends effectiveness in (every candidate
  // here is relevant: the floor ran in the vector leg).
  const double w = req.effectiveness_weight;
  const Exploration policy = w > 0 ? req.exploration.value_or(Exploration::kGreedy) : Exploration::kNone;
  const uint64_t seed = req.seed.value_or(0);
  const std::vector<double> relevance = BlendRelevance(mode, policy != Exploration::kNone, c, ranked);
  std::vector<Candidate> cands;
  cands.reserve(ranked.size());
  for (size_t i = 0; i < ranked.size(); ++i) {
    const index::Hit& h = ranked[i];
    Candidate cand;
    cand.label = h.label;
    cand.relevance = relevance[i];
    auto [s, f] = index_.catalog().Evidence(static_cast<int64_t>(h.label));
    cand.successes = s;
    cand.failures = f;
    cand.has_evidence = s + f > 0;
    cands.push_back(cand);
  }
  RankCandidates(cands, policy, w, seed);
  for (size_t i = 0; i < cands.size(); ++i) {
    SearchScores& sc = c.scores[cands[i].label];
    sc.relevance = cands[i].relevance;
    sc.effectiveness_used = cands[i].effectiveness_used;
    ranked[i] = {cands[i].label, static_cast<float>(cands[i].score)};
  }
  if (w > 0) {  // the policy asked for, "none" included (with no weight nothing was blended)
    resp->exploration = policy;
    if (policy == Exploration::kThompson) resp->seed = seed;
  }
}

}  // namespace exemplar::service
