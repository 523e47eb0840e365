// The agent simulation behind `exemplar bench --agent-sim` (issue #18): a synthetic store where
// each example has a hidden true success probability for queries of its topic; a simulated agent
// retrieves k examples per query, ranked by service::RankCandidates (the function search and
// POST /examples/retrieve rank with), succeeds with the mean true probability of the examples it
// used, and reports the outcome, which credits every example it used (as POST /examples/outcome
// does). Evidence is kept in memory, so thousands of rounds take milliseconds.
//
// Two planted events measure learning: a good example of topic 0 starts "buried" by 3 early
// failures, and halfway through a new, better example joins topic 1.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "common/json_util.h"
#include "service/search/exploration.h"

namespace exemplar::cli {

struct AgentSimOptions {
  int rounds = 5000;
  int topics = 4;
  int per_topic = 6;    // relevant candidates of a query (all above the relevance floor)
  int k = 3;
  double weight = 0.5;  // the effectiveness weight of POST /examples/retrieve
  // Relevance of a topic's examples to one query is 1 - spread * U(0, 1), drawn per query: all
  // are relevant, some a bit more so for this phrasing.
  double relevance_spread = 0.1;
  int buried_failures = 3;
  // kShared: one outcome per retrieval credits every example used (POST /examples/outcome), so an
  // example's evidence mixes in its partners'. kPerExample: the agent can tell which example
  // helped and reports each one's own outcome, a draw of its hidden probability
  // (POST /examples/{id}/track per example): how much shared credit costs.
  enum class Feedback { kShared, kPerExample } feedback = Feedback::kShared;
  uint64_t seed = 1;
};

struct AgentSimResult {
  service::Exploration policy = service::Exploration::kNone;
  int rounds = 0;
  double success_rate = 0;          // realised successes / rounds
  double expected_success = 0;      // sum over rounds of the chosen set's success probability
  double oracle_success = 0;        // the same for the oracle (best k by true probability)
  double pct_of_oracle = 0;         // expected_success / oracle_success
  double regret = 0;                // oracle_success - expected_success
  std::optional<int> buried_back_after;  // rounds until the buried example is in the top k again
  std::optional<int> new_found_after;    // rounds from the new example's arrival to its first top-k
  int buried_retrievals = 0;        // times the buried example was retrieved
  int new_retrievals = 0;           // times the new example was retrieved after it arrived
};

// One policy over one synthetic world; the world (true probabilities, queries, outcomes' random
// numbers) depends only on options.seed, so policies run with the same seed face the same world.
AgentSimResult RunAgentSim(service::Exploration policy, const AgentSimOptions& options);

Json AgentSimResultToJson(const AgentSimResult& r);

}  // namespace exemplar::cli
