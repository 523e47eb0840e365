#include "service/search/exploration.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numbers>
#include <random>

#include "service/effectiveness/beta.h"

namespace exemplar::service {
namespace {

constexpr double kNoEvidencePrior = 0.5;  // Beta(1,1) mean (SPEC §4.3)
constexpr double kUpperQuantile = 0.95;   // the high end of the 90% interval the API reports
constexpr double kUntriedPriorStrength = 2;  // pseudo-outcomes of an untried candidate's prior

uint64_t Mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// BetaQuantile bisects the incomplete beta 100 times; evidence takes few distinct values (whole
// and half outcomes), so bounds are remembered per thread.
double UpperBound(double a, double b) {
  static thread_local std::map<std::pair<double, double>, double> cache;
  auto it = cache.find({a, b});
  if (it != cache.end()) return it->second;
  if (cache.size() > 65536) cache.clear();
  const double q = BetaQuantile(kUpperQuantile, a, b);
  cache.emplace(std::make_pair(a, b), q);
  return q;
}

}  // namespace

std::string ExplorationName(Exploration e) {
  switch (e) {
    case Exploration::kNone: return "none";
    case Exploration::kGreedy: return "greedy";
    case Exploration::kUcb: return "ucb";
    case Exploration::kThompson: return "thompson";
  }
  return "none";
}

std::optional<Exploration> ParseExploration(const std::string& name) {
  if (name == "none") return Exploration::kNone;
  if (name == "greedy") return Exploration::kGreedy;
  if (name == "ucb") return Exploration::kUcb;
  if (name == "thompson") return Exploration::kThompson;
  return std::nullopt;
}

uint64_t NewSeed() {
  static thread_local std::mt19937_64 gen{std::random_device{}()};
  return gen() & kMaxSeed;
}

uint64_t Rng::Next() {
  state_ += 0x9E3779B97F4A7C15ULL;
  uint64_t z = state_;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

double Rng::Uniform() { return (static_cast<double>(Next() >> 11) + 0.5) * 0x1.0p-53; }

double Rng::Normal() {  // Box-Muller, one of the pair
  const double u1 = Uniform(), u2 = Uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

double Rng::Gamma(double shape) {
  if (shape < 1) {  // Gamma(a) = Gamma(a + 1) * U^(1/a)
    const double g = Gamma(shape + 1);
    return g * std::pow(Uniform(), 1.0 / shape);
  }
  const double d = shape - 1.0 / 3.0, c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    double x, v;
    do {
      x = Normal();
      v = 1.0 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const double u = Uniform();
    if (u < 1 - 0.0331 * x * x * x * x) return d * v;
    if (std::log(u) < 0.5 * x * x + d * (1 - v + std::log(v))) return d * v;
  }
}

double Rng::Beta(double a, double b) {
  const double x = Gamma(a), y = Gamma(b);
  return x + y > 0 ? x / (x + y) : 0.5;
}

std::optional<double> PolicyValue(Exploration policy, const Candidate& c, uint64_t seed) {
  const double a = c.successes + 1, b = c.failures + 1;
  switch (policy) {
    case Exploration::kNone:
      return std::nullopt;
    case Exploration::kGreedy:
      return c.has_evidence ? a / (a + b) : kNoEvidencePrior;
    case Exploration::kUcb:
      return UpperBound(a, b);
    case Exploration::kThompson: {
      Rng rng(Mix(seed ^ Mix(c.label)));
      return rng.Beta(a, b);
    }
  }
  return std::nullopt;
}

std::optional<double> TriedMean(const std::vector<Candidate>& candidates) {
  double sum = 0;
  int tried = 0;
  for (const auto& c : candidates) {
    if (!c.has_evidence) continue;
    sum += (c.successes + 1) / (c.successes + c.failures + 2);
    ++tried;
  }
  return tried ? std::optional<double>(sum / tried) : std::nullopt;
}

double UntriedDraw(const Candidate& c, std::optional<double> tried_mean, uint64_t seed) {
  if (!tried_mean) return kNoEvidencePrior;  // nothing to explore against: relevance decides
  const double m = *tried_mean;
  Rng rng(Mix(seed ^ Mix(c.label)));
  return rng.Beta(1 + kUntriedPriorStrength * m, 1 + kUntriedPriorStrength * (1 - m));
}

void RankCandidates(std::vector<Candidate>& candidates, Exploration policy, double weight, uint64_t seed) {
  const double w = policy == Exploration::kNone ? 0.0 : weight;
  const bool thompson = w > 0 && policy == Exploration::kThompson;
  const std::optional<double> tried_mean = thompson ? TriedMean(candidates) : std::nullopt;
  for (auto& c : candidates) {
    if (thompson && !c.has_evidence) {
      c.effectiveness_used = UntriedDraw(c, tried_mean, seed);
    } else {
      c.effectiveness_used = w > 0 ? PolicyValue(policy, c, seed) : std::nullopt;
    }
    c.score = (1 - w) * c.relevance + w * c.effectiveness_used.value_or(0);
  }
  std::stable_sort(candidates.begin(), candidates.end(), [](const Candidate& x, const Candidate& y) {
    return x.score != y.score ? x.score > y.score : x.label < y.label;
  });
}

}  // namespace exemplar::service
