// How a version's demos link to the stored examples behind them (README "Provenance", "The DSPy
// round trip"), after an outside review: an imported demo names the version of the example whose
// content it holds (not the example's current one), and the import's answer, the attribution and
// the lineage agree on it and on how it was found; a run that could not measure a demo is listed
// in its attribution; a demo whose example is deleted (not purged) stays linked.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "testing/test_server.h"

namespace exemplar::testing {
namespace {

class DemoLinks : public ::testing::Test {
 protected:
  // A sums template with eight examples, a completed LabeledFewShot run (offline LM) on them,
  // and the version accepted from it (its demos name their examples and versions).
  void SetUp() override {
    auto t = server_.Post("/api/v1/templates",
                          {{"name", "Sums"},
                           {"input_schema", {{{"name", "question"}, {"type", "string"}}}},
                           {"output_schema", {{{"name", "answer"}, {"type", "string"}}}},
                           {"prompt_template", "Answer the sum: {question}"}});
    ASSERT_EQ(t.status, 201) << t.raw;
    template_id_ = t.body["id"];
    for (int i = 0; i < 8; ++i) {
      Json body = MakeExample("sum", "arithmetic");
      body["input"] = {{"question", "What is " + std::to_string(16 + i) + " + 3?"}};
      body["expected_output"] = {{"answer", std::to_string(19 + i)}};
      body["databit_id"] = template_id_;
      ASSERT_EQ(server_.Post("/api/v1/examples", body).status, 201);
    }
    auto run = server_.Post("/api/v1/dspy-runs", {{"template_id", template_id_},
                                                  {"optimizer_type", "LabeledFewShot"},
                                                  {"lm", {{"provider", "offline"}}},
                                                  {"budget", {{"max_trials", 2}}}});
    ASSERT_EQ(run.status, 201) << run.raw;
    run_id_ = run.body["run_id"];
    ASSERT_EQ(WaitForRun(server_, run_id_).value("status", ""), "completed");
    auto accepted = server_.Post("/api/v1/dspy-runs/" + run_id_ + "/accept", Json::object());
    ASSERT_EQ(accepted.status, 201) << accepted.raw;
    version_ = accepted.body["template"];
    ASSERT_FALSE(version_["examples"].empty()) << version_.dump();
  }
  // The version's program as DSPy would load it (its own demos; no example ids in them).
  Json ProgramState(const std::string& template_id) {
    auto exported = server_.Post("/api/v1/templates/" + template_id + "/export-dspy", {{"format", "program_state"}});
    EXPECT_EQ(exported.status, 200) << exported.raw;
    return Json::parse(exported.body["content"].get<std::string>());
  }
  Json Attribution(const std::string& template_id) {
    auto r = server_.Get("/api/v1/templates/" + template_id + "/attribution");
    EXPECT_EQ(r.status, 200) << r.raw;
    return r.body;
  }
  // The entry of `list` whose example_id is `id`, or null.
  static Json ById(const Json& list, const std::string& id) {
    for (const auto& item : list) {
      if (item.value("example_id", Json()) == id) return item;
    }
    return Json();
  }
  TestServer server_;
  std::string template_id_, run_id_;
  Json version_;
};

// The reviewer's case: a demo of version 1 of an example, which was edited since (version 2),
// exported and imported back. The link names version 1 everywhere and says it was found by content.
TEST_F(DemoLinks, AnImportedDemoLinksToTheVersionWhoseContentItHolds) {
  const Json demo = version_["examples"][0];
  const std::string example_id = demo["example_id"];
  ASSERT_EQ(demo["example_version"], 1) << demo.dump();
  const std::string question = demo["input"]["question"];
  auto edited = server_.Put("/api/v1/examples/" + example_id, {{"input", {{"question", question + " (in words)"}}}});
  ASSERT_EQ(edited.status, 200) << edited.raw;
  ASSERT_EQ(edited.body["version"], 2);

  const std::string vid = version_["id"];
  auto imported = server_.Post("/api/v1/templates/" + vid + "/import-dspy", ProgramState(vid));
  ASSERT_EQ(imported.status, 201) << imported.raw;
  const Json answer = ById(imported.body["demos"], example_id);
  ASSERT_FALSE(answer.is_null()) << imported.raw;
  EXPECT_EQ(answer["match"], "exact");
  EXPECT_EQ(answer["example_version"], 1) << answer.dump();
  const std::string iid = imported.body["template"]["id"];

  const Json inline_item = ById(Attribution(iid)["inline_examples"], example_id);
  ASSERT_FALSE(inline_item.is_null());
  EXPECT_EQ(inline_item["version"], 1) << inline_item.dump();
  EXPECT_EQ(inline_item["match"], "exact") << inline_item.dump();  // as the import answered
  auto lineage = server_.Get("/api/v1/examples/" + example_id + "/lineage").body;
  bool linked = false;
  for (const auto& e : lineage["edges"]) {
    if (e["type"] == "demo_of" && e["target_id"] == iid) {
      linked = true;
      EXPECT_EQ(e["example_version"], 1) << e.dump();
    }
  }
  EXPECT_TRUE(linked) << lineage.dump();
}

// Every demo of a LabeledFewShot run is in every trial: the run cannot tell what any one was
// worth. The attribution lists the run for each, with the verdict and trial counts the run's
// results give, and no contribution.
TEST_F(DemoLinks, AttributionListsARunThatCouldNotMeasureADemo) {
  auto results = server_.Get("/api/v1/dspy-runs/" + run_id_ + "/results");
  ASSERT_EQ(results.status, 200) << results.raw;
  const Json trace = Attribution(version_["id"]);
  size_t checked = 0;
  for (const auto& c : results.body["contributions"]) {
    if (c["variation"] != "not_enough_variation") continue;
    const Json item = ById(trace["examples"], c["example_id"]);
    if (item.is_null()) continue;
    ++checked;
    EXPECT_TRUE(item["contribution"].is_null()) << item.dump();
    EXPECT_EQ(item["evidence_trials"], 0) << item.dump();
    ASSERT_EQ(item["runs"].size(), 1u) << item.dump();
    const Json& run = item["runs"][0];
    EXPECT_EQ(run["run_id"], run_id_);
    EXPECT_EQ(run["variation"], "not_enough_variation");
    EXPECT_TRUE(run["contribution"].is_null());
    EXPECT_EQ(run["trials_with"], c["trials_with"]) << run.dump() << " vs " << c.dump();
    EXPECT_EQ(run["trials_without"], c["trials_without"]);
    EXPECT_GT(run["trials_with"].get<int>(), 0);
  }
  EXPECT_GT(checked, 0u) << results.raw << "\n" << trace.dump();
}

// A deleted example keeps its id and content until purged: a version's own export imported back
// still links the demo to it (saying it is deleted), and the link holds once it is restored. A
// demo no example has is listed with the reason.
TEST_F(DemoLinks, ADeletedDemoExampleStaysLinkedThroughAnImport) {
  const std::string vid = version_["id"];
  Json state = ProgramState(vid);
  const std::string deleted = version_["examples"][0]["example_id"];
  ASSERT_EQ(server_.Delete("/api/v1/examples/" + deleted).status, 204);
  Json& demos = state["predict"]["demos"];
  demos.push_back({{"question", "What is 2 + 2, written by hand?"}, {"answer", "4"}});
  const size_t novel = demos.size() - 1;

  auto imported = server_.Post("/api/v1/templates/" + vid + "/import-dspy", state);
  ASSERT_EQ(imported.status, 201) << imported.raw;
  const Json answer = ById(imported.body["demos"], deleted);
  ASSERT_FALSE(answer.is_null()) << imported.raw;
  EXPECT_EQ(answer["match"], "exact");
  EXPECT_EQ(answer["deleted"], true);
  EXPECT_NE(answer["reason"].get<std::string>().find("deleted"), std::string::npos) << answer.dump();
  EXPECT_EQ(imported.body["unmatched"], Json::array({novel})) << imported.raw;
  const Json& unmatched = imported.body["demos"][novel];
  ASSERT_TRUE(unmatched["reason"].is_string()) << unmatched.dump();
  EXPECT_NE(unmatched["reason"].get<std::string>().find("create_examples"), std::string::npos) << unmatched.dump();
  bool warned = false;
  for (const auto& f : imported.body["findings"]) warned |= f["code"] == "deleted_demos";
  EXPECT_TRUE(warned) << imported.raw;

  const std::string iid = imported.body["template"]["id"];
  for (const char* when : {"deleted", "restored"}) {
    SCOPED_TRACE(when);
    const Json item = ById(Attribution(iid)["inline_examples"], deleted);
    ASSERT_FALSE(item.is_null());
    EXPECT_EQ(item["stored"], true);
    EXPECT_EQ(item["version"], 1);
    if (std::string(when) == "deleted") {
      ASSERT_EQ(server_.Post("/api/v1/examples/" + deleted + "/restore", Json::object()).status, 200);
    }
  }
}


// A program exported from the store's examples (no example ids in it), imported after one of
// them was edited: the demo was "unmatched", its reason saying no example had this input. The
// example's earlier version holds it: the demo links to that version. Importing the same file
// again is a repeat, even after a linked example was deleted in between (the link a demo gets
// depends on the store at the time; the program does not).
TEST_F(DemoLinks, AStoreExportImportedAfterAnEditLinksTheEarlierVersionAndRepeatsStayRepeats) {
  const Json state = ProgramState(template_id_);  // the root template: demos from the store
  const Json& demos = state["predict"]["demos"];
  ASSERT_GE(demos.size(), 2u) << state.dump();
  const std::string question = demos[0]["question"];
  auto listed = server_.Get("/api/v1/examples?databit_id=" + template_id_ + "&page_size=100").body;
  std::string edited_id, other_id;
  for (const auto& e : listed["examples"]) {
    if (e["input"]["question"] == question) edited_id = e["example_id"];
    else if (e["input"]["question"] == demos[1]["question"]) other_id = e["example_id"];
  }
  ASSERT_FALSE(edited_id.empty() || other_id.empty()) << listed.dump();
  ASSERT_EQ(server_.Put("/api/v1/examples/" + edited_id, {{"input", {{"question", question + " (edited)"}}}}).status,
            200);

  auto first = server_.Post("/api/v1/templates/" + template_id_ + "/import-dspy", state);
  ASSERT_EQ(first.status, 201) << first.raw;
  const Json link = ById(first.body["demos"], edited_id);
  ASSERT_FALSE(link.is_null()) << first.raw;
  EXPECT_EQ(link["example_version"], 1) << link.dump();
  EXPECT_EQ(link["match"], "exact") << link.dump();
  EXPECT_EQ(first.body["unmatched"], Json::array()) << first.raw;

  ASSERT_EQ(server_.Delete("/api/v1/examples/" + other_id).status, 204);
  auto again = server_.Post("/api/v1/templates/" + template_id_ + "/import-dspy", state);
  ASSERT_EQ(again.status, 200) << again.raw;
  EXPECT_EQ(again.body["already_imported"], true);
  EXPECT_EQ(again.body["template"]["id"], first.body["template"]["id"]);
}

// The reviewer's case: a store export imported after only the example's label was edited. Its
// current content still shares the demo's input, so the demo was linked to version 2 ("input");
// version 1 holds what the demo holds.
TEST_F(DemoLinks, AStoreExportImportedAfterALabelEditLinksTheVersionItHolds) {
  const Json state = ProgramState(template_id_);
  const Json& demos = state["predict"]["demos"];
  ASSERT_FALSE(demos.empty()) << state.dump();
  const std::string question = demos[0]["question"], answer = demos[0]["answer"];
  std::string example_id;
  const Json listed = server_.Get("/api/v1/examples?databit_id=" + template_id_ + "&page_size=100").body;
  for (const auto& e : listed["examples"]) {
    if (e["input"]["question"] == question) example_id = e["example_id"];
  }
  ASSERT_FALSE(example_id.empty());
  auto edited = server_.Put("/api/v1/examples/" + example_id, {{"expected_output", {{"answer", answer + " (in words)"}}}});
  ASSERT_EQ(edited.status, 200) << edited.raw;
  ASSERT_EQ(edited.body["version"], 2);

  auto imported = server_.Post("/api/v1/templates/" + template_id_ + "/import-dspy", state);
  ASSERT_EQ(imported.status, 201) << imported.raw;
  const Json link = ById(imported.body["demos"], example_id);
  ASSERT_FALSE(link.is_null()) << imported.raw;
  EXPECT_EQ(link["example_version"], 1) << link.dump();
  EXPECT_EQ(link["match"], "exact") << link.dump();
  const Json& version = imported.body["template"];
  const Json inline_copy = ById(version["examples"], example_id);
  EXPECT_EQ(inline_copy["example_version"], 1) << inline_copy.dump();
  EXPECT_EQ(inline_copy["match"], "exact") << inline_copy.dump();
  const Json item = ById(Attribution(version["id"])["inline_examples"], example_id);
  ASSERT_FALSE(item.is_null());
  EXPECT_EQ(item["version"], 1) << item.dump();
  EXPECT_EQ(item["match"], "exact") << item.dump();
}

// Review s24 loops2 P2-2: an export of a version whose demo's example was relabelled, or deleted,
// shipped the demo as accepted with no word of it. Exports still carry what was accepted; every
// format of the version's demos says which demos no longer match the store.
TEST_F(DemoLinks, AnExportNamesDemosWhoseExamplesWereDeletedOrEditedSince) {
  std::vector<std::string> linked;
  for (const auto& d : version_["examples"]) {
    if (d.contains("example_id") && !d.value("augmented", false)) linked.push_back(d["example_id"]);
  }
  ASSERT_GE(linked.size(), 2u) << version_.dump();
  const std::string relabelled = linked[0], deleted = linked[1];
  auto edited = server_.Put("/api/v1/examples/" + relabelled, {{"expected_output", {{"answer", "a corrected label"}}}});
  ASSERT_EQ(edited.status, 200) << edited.raw;
  ASSERT_EQ(server_.Delete("/api/v1/examples/" + deleted).status, 204);

  const std::string version_id = version_["id"];
  for (const Json& body : {Json({{"format", "program_state"}}), Json({{"format", "python_module"}}),
                           Json({{"format", "dataset_jsonl"}, {"example_source", "version"}})}) {
    SCOPED_TRACE(body.dump());
    auto r = server_.Post("/api/v1/templates/" + version_id + "/export-dspy", body);
    ASSERT_EQ(r.status, 200) << r.raw;
    Json gone, changed;
    for (const auto& f : r.body["findings"]) {
      if (f["code"] == "deleted_demos") gone = f;
      if (f["code"] == "edited_demos") changed = f;
    }
    ASSERT_FALSE(gone.is_null()) << r.raw;
    EXPECT_EQ(gone["severity"], "warning");
    EXPECT_EQ(gone["example_ids"], Json::array({deleted})) << gone.dump();
    ASSERT_FALSE(changed.is_null()) << r.raw;
    EXPECT_EQ(changed["example_ids"], Json::array({relabelled})) << changed.dump();
    EXPECT_EQ(changed["examples"],
              Json::array({{{"example_id", relabelled}, {"demo_version", 1}, {"current_version", 2}}})) << changed.dump();
    // Still exported as accepted.
    EXPECT_EQ(r.body["content"].get<std::string>().find("a corrected label"), std::string::npos);
  }
  // The store's examples are the current ones: nothing to say.
  auto store = server_.Post("/api/v1/templates/" + version_id + "/export-dspy",
                            {{"format", "dataset_jsonl"}, {"example_source", "store"}, {"max_examples", 100}});
  ASSERT_EQ(store.status, 200) << store.raw;
  EXPECT_EQ(store.raw.find("edited_demos"), std::string::npos) << store.raw;
  EXPECT_EQ(store.raw.find("deleted_demos"), std::string::npos) << store.raw;
}

// Review s24 loops2 (minor): dataset_jsonl of the store is cut at max_examples (default 16) and
// did not say it was a sample.
TEST_F(DemoLinks, AStoreDatasetCutAtMaxExamplesSaysItIsASample) {
  auto r = server_.Post("/api/v1/templates/" + template_id_ + "/export-dspy", {{"format", "dataset_jsonl"}, {"max_examples", 3}});
  ASSERT_EQ(r.status, 200) << r.raw;
  Json sampled;
  for (const auto& f : r.body["findings"]) {
    if (f["code"] == "sampled") sampled = f;
  }
  ASSERT_FALSE(sampled.is_null()) << r.raw;
  EXPECT_NE(sampled["message"].get<std::string>().find("sampled: 3 of 8"), std::string::npos) << sampled;
  auto all = server_.Post("/api/v1/templates/" + template_id_ + "/export-dspy", {{"format", "dataset_jsonl"}});
  ASSERT_EQ(all.status, 200) << all.raw;
  EXPECT_EQ(all.raw.find("\"sampled\""), std::string::npos) << all.raw;
}

}  // namespace
}  // namespace exemplar::testing
