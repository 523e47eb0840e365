#include "cli/agent_sim.h"

#include <algorithm>

namespace exemplar::cli {
namespace {

using service::Candidate;
using service::Exploration;
using service::Rng;

constexpr double kMinTrueP = 0.1, kMaxTrueP = 0.9;  // spread of hidden success probabilities
constexpr double kBuriedTrueP = 0.92;               // the buried example is its topic's best
constexpr double kNewTrueP = 0.95;                  // the late arrival beats everyone in its topic

struct SimExample {
  double true_p = 0;
  double successes = 0, failures = 0;
  bool present = true;
};

uint64_t StreamSeed(uint64_t seed, uint64_t stream, uint64_t round) {
  Rng r(seed * 0x9E3779B97F4A7C15ULL ^ (stream << 32) ^ round);
  return r.Next();
}

}  // namespace

AgentSimResult RunAgentSim(Exploration policy, const AgentSimOptions& o) {
  AgentSimResult out;
  out.policy = policy;
  out.rounds = o.rounds;
  // The world: per_topic examples per topic, plus one slot per topic for the late arrival.
  const int slots = o.per_topic + 1;
  std::vector<SimExample> ex(static_cast<size_t>(o.topics * slots));
  Rng world(StreamSeed(o.seed, 1, 0));
  for (int t = 0; t < o.topics; ++t) {
    for (int i = 0; i < o.per_topic; ++i) ex[t * slots + i].true_p = kMinTrueP + (kMaxTrueP - kMinTrueP) * world.Uniform();
    ex[t * slots + o.per_topic].present = false;
  }
  const int buried = 0;              // topic 0, example 0
  const int newcomer = 1 * slots + o.per_topic;  // topic 1's late slot
  ex[buried].true_p = kBuriedTrueP;
  ex[buried].failures = o.buried_failures;
  ex[newcomer].true_p = kNewTrueP;
  const int arrival = o.rounds / 2;

  double successes = 0;
  std::vector<Candidate> cands;
  std::vector<double> ps;
  for (int round = 0; round < o.rounds; ++round) {
    if (round == arrival && o.topics > 1) ex[newcomer].present = true;
    Rng query(StreamSeed(o.seed, 2, static_cast<uint64_t>(round)));
    const int topic = static_cast<int>(query.Next() % static_cast<uint64_t>(o.topics));
    cands.clear();
    ps.clear();
    for (int i = 0; i < slots; ++i) {
      const double u = query.Uniform();  // drawn for every slot, so the stream is policy-independent
      const int id = topic * slots + i;
      if (!ex[id].present) continue;
      Candidate c;
      c.label = static_cast<uint64_t>(id);
      c.relevance = 1 - o.relevance_spread * u;
      c.successes = ex[id].successes;
      c.failures = ex[id].failures;
      c.has_evidence = c.successes + c.failures > 0;
      cands.push_back(c);
      ps.push_back(ex[id].true_p);
    }
    // Relevance is normalised to the best candidate, as Search::Blend does.
    double top = 0;
    for (const auto& c : cands) top = std::max(top, c.relevance);
    for (auto& c : cands) c.relevance /= top;
    service::RankCandidates(cands, policy, o.weight, StreamSeed(o.seed, 3, static_cast<uint64_t>(round)));
    const size_t k = std::min(static_cast<size_t>(o.k), cands.size());
    double p = 0;
    for (size_t i = 0; i < k; ++i) p += ex[cands[i].label].true_p;
    p /= static_cast<double>(k);
    std::sort(ps.begin(), ps.end(), std::greater<>());
    double oracle = 0;
    for (size_t i = 0; i < k; ++i) oracle += ps[i];
    oracle /= static_cast<double>(k);
    const bool success = query.Uniform() < p;
    successes += success ? 1 : 0;
    out.expected_success += p;
    out.oracle_success += oracle;
    Rng own(StreamSeed(o.seed, 4, static_cast<uint64_t>(round)));  // per-example outcomes
    for (size_t i = 0; i < k; ++i) {
      SimExample& e = ex[cands[i].label];
      const bool credited = o.feedback == AgentSimOptions::Feedback::kShared ? success : own.Uniform() < e.true_p;
      (credited ? e.successes : e.failures) += 1;
      if (static_cast<int>(cands[i].label) == buried) {
        ++out.buried_retrievals;
        if (!out.buried_back_after) out.buried_back_after = round + 1;
      }
      if (static_cast<int>(cands[i].label) == newcomer) {
        ++out.new_retrievals;
        if (!out.new_found_after) out.new_found_after = round - arrival + 1;
      }
    }
  }
  out.success_rate = o.rounds > 0 ? successes / o.rounds : 0;
  out.pct_of_oracle = out.oracle_success > 0 ? out.expected_success / out.oracle_success : 0;
  out.regret = out.oracle_success - out.expected_success;
  return out;
}

Json AgentSimResultToJson(const AgentSimResult& r) {
  auto opt = [](const std::optional<int>& v) { return v ? Json(*v) : Json(nullptr); };
  return {{"policy", service::ExplorationName(r.policy)},
          {"rounds", r.rounds},
          {"success_rate", r.success_rate},
          {"expected_success", r.expected_success},
          {"oracle_success", r.oracle_success},
          {"pct_of_oracle", r.pct_of_oracle},
          {"regret", r.regret},
          {"buried_back_after", opt(r.buried_back_after)},
          {"buried_retrievals", r.buried_retrievals},
          {"new_found_after", opt(r.new_found_after)},
          {"new_retrievals", r.new_retrievals}};
}

}  // namespace exemplar::cli
