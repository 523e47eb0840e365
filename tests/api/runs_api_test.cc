// Optimization runs through the API with the offline LM (SPEC §4.5, §4.6, §4.7): a random-search
// run beats zero-shot, results carry contributions, sync once, accept creates a version whose
// lineage and attribution show the run and its examples; cancel, restart and LM failures.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "testing/seed_fixture.h"

namespace exemplar::testing {
namespace {

const char* kDefectTemplate = "7d3e9a52-1c4b-4f8e-8a6d-2b5c9e0f1a01";

// An operator's OpenAI-compatible provider on a loopback port.
LmProviderConfig LocalProvider(int port, int max_retries) {
  LmProviderConfig p;
  p.base_url = "http://127.0.0.1:" + std::to_string(port) + "/v1";
  p.model = "test";
  p.timeout_ms = 2000;
  p.max_retries = max_retries;
  return p;
}

class RunsApi : public ::testing::Test {
 protected:
  void SetUp() override { ids_ = SeedThroughApi(server_, EXEMPLAR_SEED_DIR); }
  Json Launch(Json body) {
    auto r = server_.Post("/api/v1/dspy-runs", body);
    EXPECT_EQ(r.status, 201) << r.raw;
    return r.body;
  }
  Json WaitDone(const std::string& id, int seconds = 180) { return WaitForRun(server_, id, seconds); }
  TestServer server_;
  std::map<std::string, std::string> ids_;
};

TEST_F(RunsApi, RandomSearchBeatsZeroShotThenSyncAndAccept) {
  std::string tid = ids_[kDefectTemplate];
  Json run = Launch({{"template_id", tid},
                     {"optimizer_type", "BootstrapFewShotWithRandomSearch"},
                     {"optimizer_params", {{"num_candidate_programs", 4}, {"max_bootstrapped_demos", 3}, {"max_labeled_demos", 6}}},
                     {"metric", "exact_match"},
                     {"lm", {{"provider", "offline"}}},
                     {"budget", {{"max_trials", 12}}},
                     {"data", {{"split_ratio", 0.5}, {"seed", 7}}}});
  std::string id = run["run_id"];
  EXPECT_EQ(run["status"], "pending");
  Json done = WaitDone(id);
  ASSERT_EQ(done["status"], "completed") << done.dump();
  // Random search makes num_candidate_programs + 3 candidates, fewer than the budget's 12.
  EXPECT_EQ(run["progress"]["trials_planned"], 7) << run.dump();
  EXPECT_EQ(done["progress"]["trials_planned"], 7) << done.dump();
  EXPECT_EQ(done["trials_completed"], 7);
  auto results = server_.Get("/api/v1/dspy-runs/" + id + "/results").body;
  ASSERT_GE(results["trials"].size(), 4u);
  double zero_shot = -1, best = results["best_score"].get<double>();
  for (const auto& t : results["trials"]) {
    if (t["candidate"] == "zero_shot") zero_shot = t["score"].get<double>();
  }
  ASSERT_GE(zero_shot, 0) << "no zero-shot candidate";
  EXPECT_GT(best, zero_shot);
  ASSERT_FALSE(results["contributions"].empty());
  EXPECT_TRUE(results["contributions"][0].contains("trials_with"));
  EXPECT_FALSE(results["best_program"]["demos"].empty());

  auto sync = server_.Post("/api/v1/dspy-runs/" + id + "/sync", Json::object());
  ASSERT_EQ(sync.status, 200) << sync.raw;
  EXPECT_GT(sync.body["examples_updated"].get<int>(), 0);
  EXPECT_EQ(server_.Post("/api/v1/dspy-runs/" + id + "/sync", Json::object()).status, 409);
  std::string credited = sync.body["evidence"][0]["example_id"];
  auto eff = server_.Get("/api/v1/examples/" + credited + "/effectiveness").body;
  EXPECT_GT(eff["success_count"].get<double>() + eff["failure_count"].get<double>(), 0);

  auto accepted = server_.Post("/api/v1/dspy-runs/" + id + "/accept", Json::object());
  ASSERT_EQ(accepted.status, 201) << accepted.raw;
  std::string vid = accepted.body["template"]["id"];
  EXPECT_EQ(accepted.body["template"]["parent_template_id"], tid);
  EXPECT_EQ(accepted.body["template"]["status"], "draft");
  EXPECT_FALSE(accepted.body["template"]["examples"].empty());
  EXPECT_EQ(server_.Post("/api/v1/dspy-runs/" + id + "/accept", Json::object()).status, 409);

  auto lineage = server_.Get("/api/v1/templates/" + vid + "/lineage?direction=upstream").body;
  bool has_run = false, has_parent = false, has_example = false;
  for (const auto& n : lineage["nodes"]) {
    has_run |= n["type"] == "run" && n["id"] == id;
    has_parent |= n["type"] == "template" && n["id"] == tid;
    has_example |= n["type"] == "example";
  }
  EXPECT_TRUE(has_run && has_parent && has_example) << lineage.dump();
  auto attribution = server_.Get("/api/v1/templates/" + vid + "/attribution").body;
  ASSERT_FALSE(attribution["examples"].empty());
  bool any_contribution = false;
  for (const auto& e : attribution["examples"]) any_contribution |= e["contribution"].is_number();
  EXPECT_TRUE(any_contribution);
  EXPECT_FALSE(attribution["templates"].empty());
  auto example_lineage = server_.Get("/api/v1/examples/" + credited + "/lineage").body;
  EXPECT_GE(example_lineage["nodes"].size(), 2u);
  auto list = server_.Get("/api/v1/dspy-runs?template_id=" + tid + "&status=completed").body;
  EXPECT_EQ(list["total"], 1);
  // The template id in upper case names the same template (it listed nothing); a non-id is a 422.
  std::string upper = tid;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(server_.Get("/api/v1/dspy-runs?template_id=" + upper + "&status=completed").body["total"], 1);
  auto bad = server_.Get("/api/v1/dspy-runs?template_id=nope");
  EXPECT_EQ(bad.status, 422) << bad.raw;
  EXPECT_NE(bad.raw.find("template_id"), std::string::npos) << bad.raw;
}

TEST_F(RunsApi, CancelStopsPromptlyAndKeepsTrials) {
  Json run = Launch(SlowMiproRun(ids_[kDefectTemplate], 5));
  std::string id = run["run_id"];
  for (int i = 0; i < 600; ++i) {
    Json r = server_.Get("/api/v1/dspy-runs/" + id).body;
    if (r["trials_completed"].get<int>() >= 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  auto cancel = server_.Post("/api/v1/dspy-runs/" + id + "/cancel", Json::object());
  ASSERT_EQ(cancel.status, 200) << cancel.raw;
  Json done = WaitDone(id, 30);
  EXPECT_EQ(done["status"], "cancelled");
  int64_t calls = done["lm_calls"].get<int64_t>();
  auto results = server_.Get("/api/v1/dspy-runs/" + id + "/results").body;
  EXPECT_GE(results["trials"].size(), 1u);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(server_.Get("/api/v1/dspy-runs/" + id).body["lm_calls"].get<int64_t>(), calls);
  EXPECT_EQ(server_.Post("/api/v1/dspy-runs/" + id + "/cancel", Json::object()).status, 409);
  EXPECT_EQ(server_.Post("/api/v1/dspy-runs/" + id + "/accept", Json::object()).status, 409);
  EXPECT_EQ(server_.Post("/api/v1/dspy-runs/" + id + "/reject", Json::object()).status, 200);
}

TEST_F(RunsApi, EventsStreamEndsWithTheFinalStatus) {
  Json run = Launch({{"template_id", ids_[kDefectTemplate]}, {"optimizer_type", "LabeledFewShot"},
                     {"optimizer_params", {{"k", 4}}}});
  std::string id = run["run_id"];
  httplib::Client c("127.0.0.1", server_.port());
  c.set_read_timeout(120, 0);
  auto r = c.Get(("/api/v1/dspy-runs/" + id + "/events").c_str());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(r->get_header_value("Content-Type").find("text/event-stream"), std::string::npos);
  EXPECT_NE(r->body.find("event: status"), std::string::npos);
  EXPECT_NE(r->body.find("\"completed\""), std::string::npos) << r->body;
}

TEST_F(RunsApi, RestartMidRunMarksItInterruptedWithTrialsKept) {
  Json run = Launch(SlowMiproRun(ids_[kDefectTemplate], 15));
  std::string id = run["run_id"];
  for (int i = 0; i < 600; ++i) {
    if (server_.Get("/api/v1/dspy-runs/" + id).body["trials_completed"].get<int>() >= 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  server_.Restart();
  Json after = server_.Get("/api/v1/dspy-runs/" + id).body;
  if (after["status"] == "completed") GTEST_SKIP() << "run finished before the restart";
  if (TestBackendIsPostgres()) {
    // The database may be shared by replicas: the run is resumed once its lease expires, by this
    // server or another (replica_restart_test), never failed by the restart.
    EXPECT_EQ(after["status"], "running") << after.dump();
    EXPECT_EQ(server_.Post("/api/v1/dspy-runs/" + id + "/cancel", Json::object()).status, 200);
    return;
  }
  EXPECT_EQ(after["status"], "failed");
  EXPECT_NE(after["error"].get<std::string>().find("interrupted"), std::string::npos);
  EXPECT_GE(server_.Get("/api/v1/dspy-runs/" + id + "/results").body["trials"].size(), 1u);
}

// The loop closes: what a run found and a user accepted is what the version exports to DSPy —
// the best program's demos, in order, bootstrapped ones marked augmented as DSPy marks them.
TEST_F(RunsApi, AcceptedVersionExportsTheRunsDemos) {
  std::string tid = ids_[kDefectTemplate];
  Json run = Launch({{"template_id", tid},
                     {"optimizer_type", "BootstrapFewShot"},
                     {"optimizer_params", {{"max_bootstrapped_demos", 2}, {"max_labeled_demos", 4}}},
                     {"metric", "exact_match"},
                     {"budget", {{"max_trials", 4}}},
                     {"data", {{"split_ratio", 0.5}, {"seed", 3}}}});
  std::string id = run["run_id"];
  Json done = WaitDone(id);
  ASSERT_EQ(done["status"], "completed") << done.dump();
  Json best = server_.Get("/api/v1/dspy-runs/" + id + "/results").body["best_program"];
  ASSERT_FALSE(best["demos"].empty());
  auto accepted = server_.Post("/api/v1/dspy-runs/" + id + "/accept", Json::object());
  ASSERT_EQ(accepted.status, 201) << accepted.raw;
  std::string vid = accepted.body["template"]["id"];
  auto exported = server_.Post("/api/v1/templates/" + vid + "/export-dspy", {{"format", "program_state"}});
  ASSERT_EQ(exported.status, 200) << exported.raw;
  EXPECT_EQ(exported.body["example_source"], "version");
  Json state = Json::parse(exported.body["content"].get<std::string>());
  const Json& demos = state["predict"]["demos"];
  ASSERT_EQ(demos.size(), best["demos"].size());
  for (size_t i = 0; i < demos.size(); ++i) {
    const Json& want = best["demos"][i];
    EXPECT_EQ(demos[i].value("augmented", false), want["augmented"].get<bool>()) << i;
    for (auto& [k, v] : want["fields"].items()) EXPECT_EQ(demos[i][k], v) << i << " " << k;
  }
  // DSPy writes the marker first: Example(augmented=True, **inputs, **outputs) → {"augmented": true, ...}.
  size_t marked = 0;
  for (const auto& d : best["demos"]) marked += d["augmented"].get<bool>() ? 1 : 0;
  const std::string content = exported.body["content"];
  size_t first_keys = 0;
  for (size_t pos = 0; (pos = content.find("{\n", pos)) != std::string::npos; ++pos) {
    const size_t key = content.find_first_not_of(" \n", pos + 1);
    const std::string marker = "\"augmented\": true";
    if (content.compare(key, marker.size(), marker) == 0) ++first_keys;
  }
  EXPECT_EQ(first_keys, marked);
  // The UI's store options (selection, max_examples) do not override an accepted version's demos.
  auto ui = server_.Post("/api/v1/templates/" + vid + "/export-dspy",
                         {{"format", "program_state"}, {"selection", "top"}, {"max_examples", 8}, {"min_effectiveness", 0}});
  ASSERT_EQ(ui.status, 200) << ui.raw;
  EXPECT_EQ(ui.body["example_source"], "version");
  EXPECT_EQ(ui.body["content"], exported.body["content"]);
  // The store's examples remain available on request, without the marker.
  auto store = server_.Post("/api/v1/templates/" + vid + "/export-dspy",
                            {{"format", "program_state"}, {"example_source", "store"}});
  ASSERT_EQ(store.status, 200) << store.raw;
  EXPECT_EQ(store.body["example_source"], "store");
  EXPECT_EQ(store.raw.find("augmented"), std::string::npos);
  // Round trip: the state DSPy would load, imported back, is a version exporting the same state,
  // its demos matched to the stored examples they came from.
  auto imported = server_.Post("/api/v1/templates/" + tid + "/import-dspy", state);
  ASSERT_EQ(imported.status, 201) << imported.raw;
  EXPECT_TRUE(imported.body["unmatched"].empty()) << imported.raw;
  ASSERT_EQ(imported.body["demos"].size(), demos.size());
  for (size_t i = 0; i < demos.size(); ++i) {
    EXPECT_EQ(imported.body["demos"][i]["example_id"], best["demos"][i]["example_id"]) << i;
    EXPECT_EQ(imported.body["demos"][i]["match"], "exact") << i;
  }
  std::string iid = imported.body["template"]["id"];
  auto again = server_.Post("/api/v1/templates/" + iid + "/export-dspy", {{"format", "program_state"}});
  ASSERT_EQ(again.status, 200);
  EXPECT_EQ(again.body["content"], exported.body["content"]);
  // A demo written in the notebook (no stored example) is reported, or stored when asked.
  Json novel = state;
  const std::string first_input = accepted.body["template"]["input_schema"][0]["name"];
  novel["predict"]["demos"][0][first_input] = "a demo written by hand in the notebook";
  auto reported = server_.Post("/api/v1/templates/" + tid + "/import-dspy", novel);
  ASSERT_EQ(reported.status, 201) << reported.raw;
  EXPECT_EQ(reported.body["unmatched"], Json::array({0}));
  auto stored = server_.Post("/api/v1/templates/" + tid + "/import-dspy?create_examples=true", novel);
  ASSERT_EQ(stored.status, 201) << stored.raw;
  ASSERT_EQ(stored.body["created_example_ids"].size(), 1u);
  auto created = server_.Get("/api/v1/examples/" + stored.body["created_example_ids"][0].get<std::string>());
  EXPECT_EQ(created.body["source"], "dspy_import");
  // Programs that do not fit the template: 422 naming the place.
  Json wrong = state;
  wrong["generate"] = wrong["predict"];
  wrong.erase("predict");
  auto bad = server_.Post("/api/v1/templates/" + tid + "/import-dspy", wrong);
  EXPECT_EQ(bad.status, 422);
  EXPECT_NE(bad.raw.find("\"generate\""), std::string::npos) << bad.raw;
  Json missing = state;
  missing["predict"]["signature"]["fields"].erase(0);
  bad = server_.Post("/api/v1/templates/" + tid + "/import-dspy", missing);
  EXPECT_EQ(bad.status, 422);
  EXPECT_NE(bad.raw.find("fields"), std::string::npos) << bad.raw;
  // A demo key that is no field (DSPy's labeled demos are raw training examples) is ignored and
  // reported: the content is the round trip's, so that version is answered again.
  Json stray = state;
  stray["predict"]["demos"][0]["colour"] = "red";
  auto ignored = server_.Post("/api/v1/templates/" + tid + "/import-dspy", stray);
  EXPECT_EQ(ignored.status, 200) << ignored.raw;
  EXPECT_EQ(ignored.body["template"]["id"], iid);
  EXPECT_NE(ignored.body["findings"].dump().find("`colour`"), std::string::npos) << ignored.raw;
  auto truncated = server_.PostRaw("/api/v1/templates/" + tid + "/import-dspy", "{\"predict\": ", "application/json");
  EXPECT_EQ(truncated.status, 400) << truncated.raw;  // malformed JSON, as on every route
  EXPECT_NE(truncated.raw.find("program.save()"), std::string::npos) << truncated.raw;
  // A bootstrapped demo's lineage says so.
  auto lineage = server_.Get("/api/v1/templates/" + vid + "/lineage?direction=upstream");
  bool any_bootstrapped = false;
  for (const auto& d : best["demos"]) any_bootstrapped |= d["augmented"].get<bool>();
  if (any_bootstrapped) EXPECT_NE(lineage.raw.find("bootstrapped_from"), std::string::npos) << lineage.raw;
}

// The loop goes round again: a version accepted from a run has no examples of its own (they name
// the root template), and a run on it had found 0 and was refused; it trains on its line's.
TEST_F(RunsApi, AnAcceptedVersionCanBeOptimizedAgain) {
  const std::string tid = ids_[kDefectTemplate];
  const Json config = {{"optimizer_type", "BootstrapFewShot"},
                       {"optimizer_params", {{"max_bootstrapped_demos", 2}, {"max_labeled_demos", 4}}},
                       {"metric", "exact_match"},
                       {"budget", {{"max_trials", 4}}},
                       {"data", {{"split_ratio", 0.5}, {"seed", 3}}}};
  Json first_body = config;
  first_body["template_id"] = tid;
  const std::string first = Launch(first_body)["run_id"];
  ASSERT_EQ(WaitDone(first)["status"], "completed");
  auto accepted = server_.Post("/api/v1/dspy-runs/" + first + "/accept", Json::object());
  ASSERT_EQ(accepted.status, 201) << accepted.raw;
  const std::string vid = accepted.body["template"]["id"];
  ASSERT_EQ(server_.Get("/api/v1/examples?databit_id=" + vid).body["examples"].size(), 0u);

  Json again_body = config;
  again_body["template_id"] = vid;
  auto again = server_.Post("/api/v1/dspy-runs", again_body);
  ASSERT_EQ(again.status, 201) << again.raw;
  Json done = WaitDone(again.body["run_id"]);
  ASSERT_EQ(done["status"], "completed") << done.dump();
  // The same data as the first run: the root's examples, split by the same seed.
  auto a = server_.Get("/api/v1/dspy-runs/" + first);
  auto b = server_.Get("/api/v1/dspy-runs/" + again.body["run_id"].get<std::string>());
  ASSERT_FALSE(a.body["config"]["trainset_ids"].empty()) << a.raw.substr(0, 400);
  EXPECT_EQ(a.body["config"]["trainset_ids"], b.body["config"]["trainset_ids"]);
  EXPECT_EQ(a.body["config"]["valset_ids"], b.body["config"]["valset_ids"]);

  // An agent pinned to the accepted version retrieves its line's examples (it had got none and
  // `no_match`); a template without versions keeps its own scope.
  auto pinned = server_.Post("/api/v1/examples/retrieve", {{"query", "scintillator crystal cracked"}, {"databit_id", vid}, {"k", 3}});
  ASSERT_EQ(pinned.status, 200) << pinned.raw;
  ASSERT_EQ(pinned.body["examples"].size(), 3u) << pinned.raw.substr(0, 400);
  for (const auto& e : pinned.body["examples"]) EXPECT_EQ(e["databit_id"], tid);
  auto other = server_.Post("/api/v1/examples/retrieve",
                            {{"query", "scintillator crystal cracked"}, {"databit_id", ids_.begin()->second == tid ? ids_.rbegin()->second : ids_.begin()->second}, {"k", 3}});
  ASSERT_EQ(other.status, 200) << other.raw;
  for (const auto& e : other.body["examples"]) EXPECT_NE(e["databit_id"], tid);
}

TEST_F(RunsApi, BadConfigsAre422AndUnknownRunsAre404) {
  std::string tid = ids_[kDefectTemplate];
  EXPECT_EQ(server_.Post("/api/v1/dspy-runs", {{"template_id", tid}, {"optimizer_type", "Magic"}}).status, 422);
  EXPECT_EQ(server_.Post("/api/v1/dspy-runs", {{"template_id", tid}, {"metric", "vibes"}}).status, 422);
  EXPECT_EQ(server_.Post("/api/v1/dspy-runs", {{"optimizer_type", "LabeledFewShot"}}).status, 422);
  EXPECT_EQ(server_.Post("/api/v1/dspy-runs", {{"template_id", "00000000-0000-4000-8000-000000000000"}}).status, 422);
  EXPECT_EQ(server_.Post("/api/v1/dspy-runs", {{"template_id", tid}, {"lm", {{"provider", "openai"}}}}).status, 422);
  EXPECT_EQ(server_.Post("/api/v1/dspy-runs", {{"template_id", tid}, {"budget", {{"max_trials", 0}}}}).status, 422);
  EXPECT_EQ(server_.Get("/api/v1/dspy-runs/00000000-0000-4000-8000-000000000000").status, 404);
  EXPECT_EQ(server_.Get("/api/v1/dspy-runs/xyz/results").status, 404);
}

// Data the run could not train on is a 422 at launch, not a run that fails later: another
// template's examples (by filter or frozen in a snapshot), and a snapshot or ids sent with filters
// the run would ignore.
TEST_F(RunsApi, DataThatCannotTrainTheTemplateIsRefusedAtLaunch) {
  std::string tid = ids_[kDefectTemplate];
  std::string other = ids_["e5a2d7c9-3f18-4b6a-8d4e-9c1b0a6f2e03"];
  auto foreign = server_.Post("/api/v1/dspy-runs", {{"template_id", tid},
                                                    {"optimizer_type", "LabeledFewShot"},
                                                    {"data", {{"databit_id", other}}}});
  ASSERT_EQ(foreign.status, 422) << foreign.raw;
  EXPECT_NE(foreign.raw.find("fits the template's signature"), std::string::npos) << foreign.raw;
  auto snap = server_.Post("/api/v1/snapshots", {{"name", "other data"}, {"filter", {{"databit_id", other}}}});
  ASSERT_EQ(snap.status, 201) << snap.raw;
  const std::string snapshot_id = snap.body["snapshot_id"];
  auto frozen_foreign = server_.Post("/api/v1/dspy-runs", {{"template_id", tid},
                                                           {"optimizer_type", "LabeledFewShot"},
                                                           {"data", {{"snapshot_id", snapshot_id}}}});
  EXPECT_EQ(frozen_foreign.status, 422) << frozen_foreign.raw;
  auto both = server_.Post("/api/v1/dspy-runs", {{"template_id", other},
                                                 {"optimizer_type", "LabeledFewShot"},
                                                 {"data", {{"snapshot_id", snapshot_id}, {"domain", "anything"}}}});
  ASSERT_EQ(both.status, 422) << both.raw;
  EXPECT_EQ(both.body["detail"][0]["loc"], Json({"body", "data", "snapshot_id"}));
  auto ids_and_filter = server_.Post("/api/v1/dspy-runs", {{"template_id", tid},
                                                           {"data", {{"example_ids", {"a", "b"}}, {"domain", "x"}}}});
  EXPECT_EQ(ids_and_filter.status, 422) << ids_and_filter.raw;
  // The snapshot alone trains its own template.
  Json run = Launch({{"template_id", other}, {"optimizer_type", "LabeledFewShot"}, {"data", {{"snapshot_id", snapshot_id}}}});
  EXPECT_EQ(WaitDone(run["run_id"])["status"], "completed");
}

// The web form's MIPROv2 defaults (auto off, 6 candidates, 12 trials, split 0.7) leave a valset
// smaller than the default minibatch_size 35: the default is fitted to the valset and the run
// completes. A minibatch_size the caller sets larger than the valset is a 422 at launch.
TEST_F(RunsApi, MiproMinibatchSizeFitsASmallValsetUnlessSetExplicitly) {
  Json body = {{"template_id", ids_[kDefectTemplate]},
               {"optimizer_type", "MIPROv2"},
               {"optimizer_params", {{"auto", nullptr}, {"num_candidates", 6}, {"num_trials", 12},
                                     {"max_bootstrapped_demos", 4}, {"max_labeled_demos", 4}}},
               {"metric", "exact_match"},
               {"lm", {{"provider", "offline"}}},
               {"budget", {{"max_trials", 12}, {"max_lm_calls", 2000}, {"max_minutes", 10}}},
               {"data", {{"split_ratio", 0.7}, {"seed", 42}}}};
  Json run = Launch(body);
  Json done = WaitDone(run["run_id"]);
  EXPECT_EQ(done["status"], "completed") << done.dump();
  EXPECT_TRUE(done["error"].is_null()) << done.dump();
  auto results = server_.Get("/api/v1/dspy-runs/" + done["run_id"].get<std::string>() + "/results").body;
  bool any_minibatch = false;
  for (const auto& t : results["trials"]) any_minibatch |= t["metrics"].value("minibatch", false);
  EXPECT_TRUE(any_minibatch) << "minibatch evaluation stays on with the fitted size";

  body["optimizer_params"]["minibatch_size"] = 20;
  auto refused = server_.Post("/api/v1/dspy-runs", body);
  ASSERT_EQ(refused.status, 422) << refused.raw;
  EXPECT_EQ(refused.body["detail"][0]["loc"], Json({"body", "optimizer_params", "minibatch_size"})) << refused.raw;
  EXPECT_NE(refused.raw.find("valset"), std::string::npos) << refused.raw;
  // A size that fits, or minibatch off, is accepted.
  body["optimizer_params"]["minibatch_size"] = 5;
  EXPECT_EQ(server_.Post("/api/v1/dspy-runs", body).status, 201);
  body["optimizer_params"]["minibatch_size"] = 20;
  body["optimizer_params"]["minibatch"] = false;
  EXPECT_EQ(server_.Post("/api/v1/dspy-runs", body).status, 201);
}

// An operator's provider on a port nothing listens on: every LM call fails, so the run measured
// nothing and fails, naming the cause and the provider, but never the endpoint (operator config).
TEST(RunsApiProviders, UnreachableProviderFailsTheRunWithoutNamingTheEndpoint) {
  const int port = FreePort();  // bound then released: connections are refused
  Config c;
  c.lm_providers["corp"] = LocalProvider(port, 0);
  TestServer server(c);
  auto ids = SeedThroughApi(server, EXEMPLAR_SEED_DIR);
  // 8 examples: 4 valset items, fewer than max_errors, so the evaluation itself finishes (all
  // zeros); 200: the evaluation stops at max_errors. Both must fail the run the same way.
  for (int max_examples : {8, 200}) {
    SCOPED_TRACE("max_examples " + std::to_string(max_examples));
    auto launched = server.Post("/api/v1/dspy-runs", {{"template_id", ids[kDefectTemplate]},
                                                      {"optimizer_type", "LabeledFewShot"},
                                                      {"lm", {{"provider", "corp"}}},
                                                      {"data", {{"max_examples", max_examples}}}});
    ASSERT_EQ(launched.status, 201) << launched.raw;
    const std::string id = launched.body["run_id"];
    const Json done = WaitForRun(server, id, 120);
    ASSERT_EQ(done["status"], "failed") << done.dump();
    const std::string error = done["error"].get<std::string>();
    EXPECT_NE(error.find("every LM call failed"), std::string::npos) << error;
    EXPECT_NE(error.find("connection refused"), std::string::npos) << error;
    EXPECT_NE(error.find("'corp'"), std::string::npos) << error;
    EXPECT_TRUE(done["best_score"].is_null()) << done.dump();
    const std::string port_text = ":" + std::to_string(port);
    for (const std::string& path : {"/api/v1/dspy-runs/" + id, "/api/v1/dspy-runs/" + id + "/results",
                                    "/api/v1/dspy-runs/" + id + "/events"}) {
      auto r = server.Get(path);
      EXPECT_EQ(r.raw.find("127.0.0.1"), std::string::npos) << path << ": " << r.raw;
      EXPECT_EQ(r.raw.find(port_text), std::string::npos) << path << ": " << r.raw;
      EXPECT_EQ(r.raw.find(" port "), std::string::npos) << path << ": " << r.raw;
    }
  }
}

// Some calls fail, others are answered: the run completes and says how many calls failed.
TEST(RunsApiProviders, PartlyFailingLmCompletesWithTheFailuresShown) {
  httplib::Server lm;
  std::atomic<int> calls{0};
  lm.Post("/v1/chat/completions", [&](const httplib::Request&, httplib::Response& res) {
    if (calls.fetch_add(1) % 2 == 0) {
      res.status = 500;
      res.set_content("{\"error\": \"boom\"}", "application/json");
      return;
    }
    res.set_content(R"({"choices": [{"message": {"role": "assistant", "content": "no fields here"}}]})",
                    "application/json");
  });
  int port = lm.bind_to_any_port("127.0.0.1");
  std::thread t([&] { lm.listen_after_bind(); });
  Config c;
  c.lm_providers["flaky"] = LocalProvider(port, 0);
  TestServer server(c);
  auto ids = SeedThroughApi(server, EXEMPLAR_SEED_DIR);
  // Three valset items keep the errors below max_errors, so the evaluation finishes.
  auto launched = server.Post("/api/v1/dspy-runs", {{"template_id", ids[kDefectTemplate]},
                                                    {"optimizer_type", "LabeledFewShot"},
                                                    {"lm", {{"provider", "flaky"}}},
                                                    {"data", {{"max_examples", 6}}}});
  ASSERT_EQ(launched.status, 201) << launched.raw;
  const Json done = WaitForRun(server, launched.body["run_id"], 120);
  lm.stop();
  t.join();
  ASSERT_EQ(done["status"], "completed") << done.dump();
  const int failed = done["progress"].value("lm_calls_failed", 0);
  EXPECT_GT(failed, 0) << done.dump();
  EXPECT_LT(failed, calls.load()) << done.dump();
  ASSERT_TRUE(done["progress"]["warnings"].is_array()) << done.dump();
  EXPECT_NE(done["progress"]["warnings"][0].get<std::string>().find("some LM calls failed"), std::string::npos);
}

// An OpenAI-compatible LM (a provider of the server's config) that always fails: the run fails
// with a clear reason, not a crash.
TEST(RunsApiProviders, FailingLmFailsTheRunWithAReason) {
  httplib::Server lm;
  lm.Post("/v1/chat/completions", [](const httplib::Request&, httplib::Response& res) {
    res.status = 500;
    res.set_content("{\"error\": \"boom\"}", "application/json");
  });
  int port = lm.bind_to_any_port("127.0.0.1");
  std::thread t([&] { lm.listen_after_bind(); });
  Config c;
  c.lm_providers["failing"] = LocalProvider(port, 1);
  TestServer server(c);
  auto ids = SeedThroughApi(server, EXEMPLAR_SEED_DIR);
  auto launched = server.Post("/api/v1/dspy-runs", {{"template_id", ids[kDefectTemplate]},
                                                    {"optimizer_type", "LabeledFewShot"},
                                                    {"lm", {{"provider", "failing"}}}});
  ASSERT_EQ(launched.status, 201) << launched.raw;
  const Json done = WaitForRun(server, launched.body["run_id"], 120);
  lm.stop();
  t.join();
  EXPECT_EQ(done["status"], "failed");
  EXPECT_NE(done["error"].get<std::string>().find("every LM call failed"), std::string::npos) << done.dump();
  EXPECT_NE(done["error"].get<std::string>().find("HTTP 500"), std::string::npos) << done.dump();
}

}  // namespace
}  // namespace exemplar::testing
