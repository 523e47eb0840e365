// The vector leg finds a store's nearest examples past the exact-scan size (1,024 vectors), where
// the HNSW graph answers. With the hash embedder the vectors are lexical and nearly orthogonal,
// and a query lacks the field names its examples were embedded with: in a review's store (2,724
// examples, one dense group of 2,400 tickets) the graph missed a stored input asked word for word
// (6 of 50), so vector, hybrid, auto and the agent hook dropped their best example. The same shape
// here: 2,400 energy tickets and 30 questions of other domains.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "cli/runtime.h"
#include "service/search/search_index.h"
#include "testing/test_server.h"

namespace exemplar::testing {
namespace {

const std::vector<std::string> kQuestions = {
    "Capital city of Australia", "Time zone used in Iceland", "Sort a dictionary by value in Python",
    "Foods high in vitamin D", "Longest river in South America", "How to reset a forgotten email password",
    "Boil an egg so the yolk stays soft", "Symptoms of iron deficiency", "Undo the last commit in git",
    "Convert a string to an integer in Java", "Tallest mountain in Africa", "Official language of Brazil",
    "Replace a flat bicycle tire", "Best temperature to bake sourdough bread", "Treat a mild sunburn at home",
    "Reverse a linked list in C", "Population of Canada", "Currency used in Switzerland",
    "Remove red wine stains from carpet", "Signs of dehydration in children", "Read a CSV file with pandas",
    "Largest desert in Asia", "Marinate chicken for grilling", "Stretch to relieve lower back pain",
    "Merge two sorted arrays", "Deepest lake in the world", "Keep basil fresh longer",
    "Normal resting heart rate for adults", "Center a div with CSS", "Volcano that destroyed Pompeii"};

std::vector<std::string> Tickets() {
  const std::vector<std::string> assets = {"solar array", "wind turbine", "breaker", "transformer", "inverter",
                                           "battery bank", "feeder", "substation", "meter", "relay"};
  const std::vector<std::string> faults = {"tripping", "shutdown", "overheating", "voltage sag",
                                           "arc flash", "oil leak", "fan failure", "ground fault"};
  const std::vector<std::string> sites = {"lab", "offshore", "north yard", "plant two", "depot", "ridge"};
  const std::vector<std::string> whens = {"gradual", "sudden"};
  const std::vector<std::string> freqs = {"weekly", "twice", "daily", "after rain", "at night"};
  std::vector<std::string> out;
  for (const auto& a : assets)
    for (const auto& f : faults)
      for (const auto& s : sites)
        for (const auto& w : whens)
          for (const auto& q : freqs) out.push_back(a + " " + f + " at " + s + " " + w + " " + q);
  std::shuffle(out.begin(), out.end(), std::mt19937(7));
  out.resize(2400);
  return out;
}

TEST(VectorRecall, AStoredInputAskedWordForWordIsTheBestVectorMatchPastTheExactScan) {
  TestServer server;
  Json items = Json::array();
  for (const auto& t : Tickets()) {
    items.push_back({{"input", {{"issue", t}}}, {"expected_output", {{"label", "ok"}}}, {"domain", "energy"}});
  }
  for (const auto& q : kQuestions) {
    items.push_back({{"input", {{"question", q}}}, {"expected_output", {{"answer", "x"}}}, {"domain", "general"}});
  }
  for (size_t i = 0; i < items.size(); i += 1000) {
    Json part(items.begin() + static_cast<std::ptrdiff_t>(i),
              items.begin() + static_cast<std::ptrdiff_t>(std::min(items.size(), i + 1000)));
    auto r = server.Post("/api/v1/examples/batch", {{"examples", part}});
    ASSERT_EQ(r.status, 201) << r.raw.substr(0, 300);
  }
  // Every vector in the graph (vectors waiting for it are searched exactly).
  server.runtime().index().WaitUntilIndexed();
  for (const char* mode : {"vector", "hybrid", "auto"}) {
    size_t first = 0;
    for (const auto& q : kQuestions) {
      auto r = server.Post("/api/v1/examples/search", {{"query_text", q}, {"mode", mode}, {"k", 5}});
      ASSERT_EQ(r.status, 200) << r.raw;
      const Json& results = r.body["results"];
      const bool found = !results.empty() && results[0]["example"]["input"].value("question", "") == q;
      first += found ? 1 : 0;
      EXPECT_TRUE(found) << mode << ": '" << q << "' -> " << results.dump().substr(0, 300);
    }
    EXPECT_EQ(first, kQuestions.size()) << mode;
  }
  auto r = server.Post("/api/v1/examples/retrieve", {{"query", kQuestions[0]}, {"k", 1}, {"exploration", "none"}});
  ASSERT_EQ(r.status, 200) << r.raw;
  ASSERT_EQ(r.body["examples"].size(), 1u) << r.raw;
  EXPECT_EQ(r.body["examples"][0]["input"]["question"], kQuestions[0]) << r.raw;
}

}  // namespace
}  // namespace exemplar::testing
