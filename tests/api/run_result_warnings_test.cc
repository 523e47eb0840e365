// What a run's result says beside its score (s22 loops review): a KNNFewShot run has nothing to
// accept (its demos are chosen per query), and demos carrying personal data are named on the
// run's results, on accept and on the DSPy export; (s24 loops2) a run without a best program names
// the budget that stopped it, and a best score of 0 is said. Real servers on free ports, offline LM.
#include <gtest/gtest.h>

#include <set>

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
                                 std::string("\"k\": 2"), std::string("\"query\": ...")}) {
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

// Examples flagged with personal data became demos and were exported with only a
// placeholders_rendered finding. Now the run's results and its accept name them, and the export
// has a `pii` finding unless it redacts.
TEST(RunResultWarnings, DemosWithPersonalDataAreNamed) {
  TestServer server;
  auto made = server.Post("/api/v1/templates",
                          {{"name", "Callbacks"},
                           {"input_schema", {{{"name", "text"}, {"type", "string"}, {"description", "the request"}}}},
                           {"output_schema", {{{"name", "label"}, {"type", "string"}}}},
                           {"prompt_template", "Label the request."}});
  ASSERT_EQ(made.status, 201) << made.raw;
  const std::string tid = made.body["id"];
  const std::vector<std::pair<std::string, std::string>> rows = {
      {"please call me back on mobile 415-555-2671 about the cracked housing", "callback"},
      {"the detector housing is cracked near the window", "repair"},
      {"call (555) 234-5678 after 5pm for the replacement unit", "callback"},
      {"the readout drifts after an hour of operation", "repair"},
      {"hotline 1-800-555-0199 asked about the warranty", "callback"},
      {"the seal leaks helium at the flange", "repair"}};
  std::set<std::string> flagged;
  for (const auto& [text, label] : rows) {
    auto r = server.Post("/api/v1/examples", {{"input", {{"text", text}}}, {"expected_output", {{"label", label}}},
                                              {"databit_id", tid}});
    ASSERT_EQ(r.status, 201) << r.raw;
    if (!r.body["pii_flags"].empty()) flagged.insert(r.body["example_id"].get<std::string>());
  }
  ASSERT_EQ(flagged.size(), 3u);

  const std::string run = LaunchAndWait(server, {{"template_id", tid},
                                                 {"optimizer_type", "LabeledFewShot"},
                                                 {"lm", {{"provider", "offline"}}},
                                                 {"data", {{"split_ratio", 0.7}}}});
  auto results = server.Get("/api/v1/dspy-runs/" + run + "/results");
  ASSERT_EQ(results.status, 200) << results.raw;
  std::set<std::string> demo_flagged;
  for (const auto& d : results.body["best_program"]["demos"]) {
    if (flagged.count(d.value("example_id", ""))) demo_flagged.insert(d["example_id"].get<std::string>());
  }
  ASSERT_FALSE(demo_flagged.empty()) << results.raw;
  const Json pii = WarningsWithCode(results.body, "pii");
  ASSERT_EQ(pii.size(), 1u) << results.raw;
  EXPECT_EQ(pii[0]["kinds"], Json::array({"phone"}));
  EXPECT_EQ(std::set<std::string>(pii[0]["example_ids"].begin(), pii[0]["example_ids"].end()), demo_flagged);
  EXPECT_NE(pii[0]["message"].get<std::string>().find("redact: true"), std::string::npos) << pii[0];

  auto accept = server.Post("/api/v1/dspy-runs/" + run + "/accept", Json::object());
  ASSERT_EQ(accept.status, 201) << accept.raw;
  ASSERT_EQ(WarningsWithCode(accept.body, "pii").size(), 1u) << accept.raw;
  const std::string version = accept.body["template"]["id"];

  // The version's export carries the demos as they are: a pii finding naming them.
  auto exported = server.Post("/api/v1/templates/" + version + "/export-dspy", {{"format", "program_state"}});
  ASSERT_EQ(exported.status, 200) << exported.raw;
  const Json finding = WarningsWithCode(exported.body, "pii", "findings");
  ASSERT_EQ(finding.size(), 1u) << exported.raw;
  EXPECT_EQ(finding[0]["severity"], "warning");
  EXPECT_EQ(std::set<std::string>(finding[0]["example_ids"].begin(), finding[0]["example_ids"].end()), demo_flagged);
  EXPECT_NE(exported.raw.find("555"), std::string::npos);
  // Redacted, nothing personal goes out, and there is nothing to flag.
  auto redacted = server.Post("/api/v1/templates/" + version + "/export-dspy", {{"format", "program_state"}, {"redact", true}});
  ASSERT_EQ(redacted.status, 200) << redacted.raw;
  EXPECT_TRUE(WarningsWithCode(redacted.body, "pii", "findings").empty()) << redacted.raw;
  // The store's examples too: all three flagged ones are named.
  auto store = server.Post("/api/v1/templates/" + tid + "/export-dspy", {{"format", "dataset_jsonl"}});
  ASSERT_EQ(store.status, 200) << store.raw;
  const Json all = WarningsWithCode(store.body, "pii", "findings");
  ASSERT_EQ(all.size(), 1u) << store.raw;
  EXPECT_EQ(std::set<std::string>(all[0]["example_ids"].begin(), all[0]["example_ids"].end()), flagged);
}

// Review s24 loops2 P2-4: a run whose budget ran out before any program was evaluated in full
// completed with no best program, no warning, and a bare 409 on accept. Its results now say so in
// a no_program warning naming the budget that stopped it, and the 409 says the same.
TEST(RunResultWarnings, ARunWithoutABestProgramNamesTheBudgetThatStoppedIt) {
  TestServer server;
  const std::string tid = SeedThroughApi(server, EXEMPLAR_SEED_DIR)[kDefectTemplate];
  const std::string run = LaunchAndWait(server, {{"template_id", tid},
                                                 {"optimizer_type", "MIPROv2"},
                                                 {"lm", {{"provider", "offline"}}},
                                                 {"budget", {{"max_lm_calls", 5}}}});
  auto results = server.Get("/api/v1/dspy-runs/" + run + "/results");
  ASSERT_EQ(results.status, 200) << results.raw;
  ASSERT_TRUE(results.body["best_program"].is_null()) << results.raw;
  const Json note = WarningsWithCode(results.body, "no_program");
  ASSERT_EQ(note.size(), 1u) << results.raw;
  const std::string why = note[0]["message"];
  for (const char* part : {"no program to accept", "budget.max_lm_calls = 5", "budget_lm_calls", "larger budget.max_lm_calls"}) {
    EXPECT_NE(why.find(part), std::string::npos) << part << " in " << why;
  }
  auto accept = server.Post("/api/v1/dspy-runs/" + run + "/accept", Json::object());
  ASSERT_EQ(accept.status, 409) << accept.raw;
  EXPECT_EQ(accept.body.value("detail", ""), why);
  EXPECT_EQ(server.Post("/api/v1/dspy-runs/" + run + "/reject", Json::object()).status, 200);
}

// A run whose metric never succeeded (best score 0) was accepted without a word. Its results and
// its accept carry a zero_score warning; accepting is still allowed.
TEST(RunResultWarnings, ARunWhoseBestScoreIsZeroSaysSoAndCanBeAccepted) {
  TestServer server;
  auto made = server.Post("/api/v1/templates",
                          {{"name", "Codes"},
                           {"input_schema", {{{"name", "question"}, {"type", "string"}}}},
                           {"output_schema", {{{"name", "code"}, {"type", "string"}}}},
                           {"prompt_template", "Give the code: {question}"}});
  ASSERT_EQ(made.status, 201) << made.raw;
  const std::string tid = made.body["id"];
  // Every label is its own: a demo copied from the nearest other example never matches.
  for (int i = 0; i < 10; ++i) {
    auto r = server.Post("/api/v1/examples", {{"input", {{"question", "the code of item " + std::to_string(i)}}},
                                              {"expected_output", {{"code", "c" + std::to_string(i * 7919)}}},
                                              {"databit_id", tid}});
    ASSERT_EQ(r.status, 201) << r.raw;
  }
  const std::string run = LaunchAndWait(server, {{"template_id", tid},
                                                 {"optimizer_type", "LabeledFewShot"},
                                                 {"lm", {{"provider", "offline"}}}});
  auto results = server.Get("/api/v1/dspy-runs/" + run + "/results");
  ASSERT_EQ(results.status, 200) << results.raw;
  ASSERT_EQ(results.body["best_score"], 0.0) << results.raw;
  ASSERT_EQ(WarningsWithCode(results.body, "zero_score").size(), 1u) << results.raw;
  EXPECT_TRUE(WarningsWithCode(results.body, "no_program").empty()) << results.raw;
  auto accept = server.Post("/api/v1/dspy-runs/" + run + "/accept", Json::object());
  ASSERT_EQ(accept.status, 201) << accept.raw;
  EXPECT_EQ(WarningsWithCode(accept.body, "zero_score").size(), 1u) << accept.raw;
}

// Review s24 loops2 (minor): the draft version an accepted run produced was deleted, and the run
// still named it as if it were there (its id answers 404). The run says it was deleted.
TEST(RunResultWarnings, ARunSaysWhenTheVersionItWasAcceptedAsWasDeleted) {
  TestServer server;
  const std::string tid = SeedThroughApi(server, EXEMPLAR_SEED_DIR)[kDefectTemplate];
  const std::string run = LaunchAndWait(server, {{"template_id", tid},
                                                 {"optimizer_type", "LabeledFewShot"},
                                                 {"lm", {{"provider", "offline"}}}});
  auto accept = server.Post("/api/v1/dspy-runs/" + run + "/accept", Json::object());
  ASSERT_EQ(accept.status, 201) << accept.raw;
  const std::string version = accept.body["template"]["id"];
  EXPECT_EQ(server.Get("/api/v1/dspy-runs/" + run).body["accepted_template_deleted"], false);
  ASSERT_EQ(server.Delete("/api/v1/templates/" + version).status, 204);
  ASSERT_EQ(server.Get("/api/v1/templates/" + version).status, 404);
  const Json after = server.Get("/api/v1/dspy-runs/" + run).body;
  EXPECT_EQ(after["decision"], "accepted") << after;
  EXPECT_EQ(after["accepted_template_id"], version) << after;
  EXPECT_EQ(after["accepted_template_deleted"], true) << after;
  bool listed = false;
  const auto page = server.Get("/api/v1/dspy-runs?page_size=100");
  ASSERT_EQ(page.status, 200) << page.raw;
  for (const auto& r : page.body["runs"]) {
    if (r["run_id"] != run) continue;
    listed = true;
    EXPECT_EQ(r["accepted_template_deleted"], true) << r;
  }
  EXPECT_TRUE(listed);
}

}  // namespace
}  // namespace exemplar::testing
