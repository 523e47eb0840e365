// A synthetic corpus with topical structure for `exemplar bench`: texts about radiation-detector
// faults drawn from topics (detector family × symptom × component), so lexical embeddings have
// real neighbourhoods, and queries that paraphrase a topic.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "common/json_util.h"

namespace exemplar::cli {

class BenchCorpus {
 public:
  explicit BenchCorpus(uint64_t seed = 42);

  // The i-th example body (deterministic): input.text, expected_output, domain, and a
  // function_name taking one of 100 values (so a function filter matches 1%).
  Json Example(int64_t i);
  // A query near a random topic.
  std::string Query();
  static constexpr int kFunctions = 100;

 private:
  std::string Sentence(int topic, std::mt19937_64& rng);
  std::mt19937_64 rng_;
};

}  // namespace exemplar::cli
