// Exploration (issue #18): how effectiveness evidence reorders relevant candidates. Greedy blends
// the posterior mean, which buries an example after a few early failures (it is never retrieved
// again, so it never recovers); UCB blends the upper bound of the 90% interval the API reports;
// Thompson sampling blends a draw from each candidate's Beta(s + 1, f + 1) posterior (an untried
// candidate's draw is centred on the tried candidates' mean: see UntriedDraw). Pure: the
// search, the retrieval hook and the agent simulation (`exemplar bench --agent-sim`) all rank
// through RankCandidates, so the benchmark measures the code that serves.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace exemplar::service {

enum class Exploration { kNone, kGreedy, kUcb, kThompson };

// The policy of POST /examples/retrieve when the request names none. Chosen from the agent
// simulation (bench/README.md, "Agent simulation"): Thompson sampling reaches the oracle's
// success rate closest and brings a buried good example back soonest.
inline constexpr Exploration kDefaultRetrievalExploration = Exploration::kThompson;

std::string ExplorationName(Exploration e);
std::optional<Exploration> ParseExploration(const std::string& name);
inline const std::vector<std::string> kExplorationNames = {"thompson", "ucb", "greedy", "none"};

// Seeds are in [0, 2^53) so they survive a JSON round trip through JavaScript numbers.
inline constexpr uint64_t kMaxSeed = (uint64_t{1} << 53) - 1;
uint64_t NewSeed();

// A small deterministic generator (SplitMix64): the same seed gives the same draws on every
// platform, unlike the standard library's distributions.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next();
  double Uniform();  // in (0, 1)
  double Normal();
  double Gamma(double shape);  // shape >= 1 (Marsaglia-Tsang); smaller shapes are boosted
  double Beta(double a, double b);

 private:
  uint64_t state_;
};

// One relevant candidate. `relevance` is its base score normalised to [0, 1] (1 for the best);
// success/failure are its evidence counts (real numbers).
struct Candidate {
  uint64_t label = 0;
  double relevance = 0;
  double successes = 0;
  double failures = 0;
  bool has_evidence = false;
  // Filled by RankCandidates:
  std::optional<double> effectiveness_used;  // what the policy blended (none: nullopt)
  double score = 0;                          // (1 - w) * relevance + w * effectiveness_used
};

// The value a policy blends for one candidate: greedy the posterior mean (the 0.5 prior without
// evidence), UCB the 95th percentile of Beta(s + 1, f + 1) (the high end of the reported 90%
// interval), Thompson a draw from it made with Rng(Mix(seed, label)) — so a candidate's draw does
// not depend on which other candidates were fetched, and a retrieval replays exactly from its seed.
std::optional<double> PolicyValue(Exploration policy, const Candidate& c, uint64_t seed);

// The mean posterior mean of the candidates that have evidence; nullopt when none has.
std::optional<double> TriedMean(const std::vector<Candidate>& candidates);
// Thompson's value for a candidate without evidence. Beta(1, 1) would be a uniform draw, which
// shuffles the relevant results of a store without outcomes at random; instead an untried
// candidate is assumed as good as the tried candidates beside it, give or take: a draw from
// Beta(1 + 2m, 1 + 2(1 - m)) around their mean m (still wide, so it gets tried). When no candidate
// has evidence it is the prior mean 0.5 for all, and relevance alone decides.
double UntriedDraw(const Candidate& c, std::optional<double> tried_mean, uint64_t seed);

// Scores every candidate and sorts best first (ties by smaller label). With kNone or weight 0 the
// order is relevance alone. Thompson values untried candidates with UntriedDraw.
void RankCandidates(std::vector<Candidate>& candidates, Exploration policy, double weight, uint64_t seed);

}  // namespace exemplar::service
