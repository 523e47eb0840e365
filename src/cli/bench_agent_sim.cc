// exemplar bench --agent-sim: each exploration policy over the same simulated agent loops
// (cli/agent_sim.h), 5 seeds each (--seeds N for more), at the retrieval hook's effectiveness
// weight (0.5), at 0.8 and at 0.2 (the weight before exploration existed), and at 0.5 when the agent
// reports each example's own outcome. Prints a table; --json FILE writes the figures.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "cli/agent_sim.h"
#include "cli/commands.h"

namespace exemplar::cli {
namespace {

constexpr double kRetrieveWeight = 0.5;  // service/search/retrieval.cc's default
constexpr double kOldWeight = 0.2;       // the default before exploration
constexpr double kHighWeight = 0.8;      // effectiveness over relevance (among relevant candidates)

double Mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? 0 : s / static_cast<double>(v.size());
}

double Sd(const std::vector<double>& v) {  // sample standard deviation over seeds
  if (v.size() < 2) return 0;
  const double m = Mean(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return std::sqrt(s / static_cast<double>(v.size() - 1));
}

double Spread(const std::vector<double>& v) {  // max - min over seeds
  if (v.empty()) return 0;
  auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  return *hi - *lo;
}

// Median of rounds, counting "never" as larger than any number (null when most never happened).
Json MedianRounds(std::vector<std::optional<int>> v) {
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
    if (!a || !b) return a.has_value() && !b.has_value();
    return *a < *b;
  });
  const auto& m = v[v.size() / 2];
  return m ? Json(*m) : Json(nullptr);
}

// One policy at one weight and kind of feedback over `seeds` worlds: a row of the table.
Json RunRow(AgentSimOptions base, service::Exploration policy, double weight, int seeds) {
  std::vector<double> success, pct, regret;
  std::vector<std::optional<int>> buried, found;
  Json per_seed = Json::array();
  for (int s = 1; s <= seeds; ++s) {
    AgentSimOptions o = base;
    o.weight = weight;
    o.seed = static_cast<uint64_t>(s);
    AgentSimResult r = RunAgentSim(policy, o);
    success.push_back(r.success_rate);
    pct.push_back(r.pct_of_oracle);
    regret.push_back(r.regret);
    buried.push_back(r.buried_back_after);
    found.push_back(r.new_found_after);
    per_seed.push_back(AgentSimResultToJson(r));
  }
  const bool shared = base.feedback == AgentSimOptions::Feedback::kShared;
  Json row = {{"policy", service::ExplorationName(policy)},
              {"weight", weight},
              {"feedback", shared ? "shared" : "per_example"},
              {"success_rate", Mean(success)},
              {"pct_of_oracle", Mean(pct)},
              {"pct_of_oracle_spread", Spread(pct)},
              {"pct_of_oracle_sd", Sd(pct)},
              {"regret", Mean(regret)},
              {"buried_back_after_median", MedianRounds(buried)},
              {"new_found_after_median", MedianRounds(found)},
              {"per_seed", std::move(per_seed)}};
  auto rounds = [](const Json& j) { return j.is_null() ? std::string("never") : std::to_string(j.get<int>()); };
  std::ostringstream pct_text;
  pct_text << std::fixed << std::setprecision(1) << 100 * Mean(pct) << " ± " << 100 * Spread(pct) / 2 << " (sd "
           << 100 * Sd(pct) << ")";
  std::cout << std::left << std::setw(10) << row["policy"].get<std::string>() << std::setw(8) << weight
            << std::setw(13) << (shared ? "shared" : "per example") << std::setw(10) << std::fixed
            << std::setprecision(3) << Mean(success) << std::setw(26) << pct_text.str() << std::setw(10)
            << std::setprecision(1) << Mean(regret) << std::setw(16) << rounds(row["buried_back_after_median"])
            << rounds(row["new_found_after_median"]) << "\n";
  return row;
}

}  // namespace

int RunAgentSimBench(const BenchOptions& opt) {
  const int seeds = opt.agent_sim_seeds;
  AgentSimOptions base;
  if (opt.quick) base.rounds = 1000;
  Json out = {{"rounds", base.rounds}, {"topics", base.topics}, {"per_topic", base.per_topic},
              {"k", base.k}, {"relevance_spread", base.relevance_spread},
              {"buried_failures", base.buried_failures}, {"seeds", seeds}, {"runs", Json::array()}};
  std::cout << "exemplar bench --agent-sim (" << base.rounds << " rounds, " << base.topics << " topics x "
            << base.per_topic << " relevant examples, k=" << base.k << ", " << seeds << " seeds)\n";
  std::cout << std::left << std::setw(10) << "policy" << std::setw(8) << "weight"
            << std::setw(13) << "feedback" << std::setw(10) << "success" << std::setw(26) << "% of oracle" << std::setw(10) << "regret" << std::setw(16) << "buried back"
            << "new found\n";
  const std::vector<service::Exploration> kAll = {service::Exploration::kNone, service::Exploration::kGreedy, service::Exploration::kUcb,
                                                  service::Exploration::kThompson};
  for (double weight : {kRetrieveWeight, kHighWeight, kOldWeight}) {
    for (auto policy : kAll) out["runs"].push_back(RunRow(base, policy, weight, seeds));
  }
  // The same worlds when the agent reports each example's own outcome: what shared credit costs.
  AgentSimOptions per_example = base;
  per_example.feedback = AgentSimOptions::Feedback::kPerExample;
  for (auto policy : kAll) out["runs"].push_back(RunRow(per_example, policy, kRetrieveWeight, seeds));
  std::cout << "(success: realised rate; % of oracle: expected success / the oracle's, mean ± half the range over\n"
               " seeds; regret: expected successes lost to the oracle; buried back / new found: median rounds;\n"
               " feedback: one outcome per retrieval credits every example used, or each example's own outcome)\n";
  if (!opt.json_file.empty()) {
    std::ofstream f(opt.json_file);
    f << Json{{"agent_sim", out}}.dump(2) << "\n";
  }
  return 0;
}

}  // namespace exemplar::cli
