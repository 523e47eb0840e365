// What a run's result says beside its score (s22 loops review): a KNNFewShot run has nothing to
// accept (its demos are chosen per query). Real servers on free ports, offline LM.
#include <gtest/gtest.h>

#include "testing/seed_fixture.h"

namespace exemplar::testing {
namespace {

const char* kDefectTemplate = "7d3e9a52-1c4b-4f8e-8a6d-2b5c9e0f1a01";

std::string LaunchAndWait(TestServer& server, const Json& body) {
  auto launched = server.Post("/api/v1/dspy-runs", body);
  EXPECT_EQ(launched.status, 201) << launched.raw;
  const std::string id = launched.body.value("run_id", "");
  EXPECT_EQ(WaitForRun(server, id, 180).value("status", ""), "completed") << "run " << id;
  return id;
}

Json WarningsWithCode(const Json& response, const std::string& code, const char* key = "warnings") {
  Json out = Json::array();
  for (const auto& w : response.value(key, Json::array())) {
    if (w.value("code", "") == code) out.push_back(w);
  }
  return out;
}

// Accepting a KNNFewShot run made a version with no demos (the zero-shot prompt) that looked like
// the run's score. It is refused, saying where the score comes from and what does the same at
// inference; the results say so before anyone presses Accept.
TEST(RunResultWarnings, AKnnFewShotRunHasNothingToAccept) {
  TestServer server;
  const std::string tid = SeedThroughApi(server, EXEMPLAR_SEED_DIR)[kDefectTemplate];
  const std::string run = LaunchAndWait(server, {{"template_id", tid},
                                                 {"optimizer_type", "KNNFewShot"},
                                                 {"optimizer_params", {{"k", 2}}},
                                                 {"lm", {{"provider", "offline"}}}});
  const int64_t templates = server.Get("/api/v1/templates?page_size=1").body.value("total", -1);

  auto accept = server.Post("/api/v1/dspy-runs/" + run + "/accept", Json::object());
  ASSERT_EQ(accept.status, 409) << accept.raw;
  const std::string why = accept.body.value("detail", "");
  for (const std::string part : {std::string("nothing to accept"), std::string("KNNFewShot"), std::string("k=2"),
                                 std::string("POST /api/v1/examples/retrieve"), "\"databit_id\": \"" + tid + "\"",
                                 std::string("\"k\": 2")}) {
    EXPECT_NE(why.find(part), std::string::npos) << part << " in " << why;
  }
  EXPECT_EQ(server.Get("/api/v1/templates?page_size=1").body.value("total", -1), templates);
  const Json after = server.Get("/api/v1/dspy-runs/" + run).body;
  EXPECT_TRUE(after.value("decision", Json()).is_null()) << after;
  EXPECT_TRUE(after.value("accepted_template_id", Json()).is_null()) << after;

  auto results = server.Get("/api/v1/dspy-runs/" + run + "/results");
  ASSERT_EQ(results.status, 200) << results.raw;
  const Json note = WarningsWithCode(results.body, "nothing_to_accept");
  ASSERT_EQ(note.size(), 1u) << results.raw;
  EXPECT_EQ(note[0]["message"], why);
  // The run can still be closed.
  EXPECT_EQ(server.Post("/api/v1/dspy-runs/" + run + "/reject", Json::object()).status, 200);

  // Other optimizers' runs are accepted as before, with no such note.
  const std::string labeled = LaunchAndWait(server, {{"template_id", tid},
                                                     {"optimizer_type", "LabeledFewShot"},
                                                     {"lm", {{"provider", "offline"}}}});
  EXPECT_TRUE(WarningsWithCode(server.Get("/api/v1/dspy-runs/" + labeled + "/results").body, "nothing_to_accept").empty());
  EXPECT_EQ(server.Post("/api/v1/dspy-runs/" + labeled + "/accept", Json::object()).status, 201);
}

}  // namespace
}  // namespace exemplar::testing
