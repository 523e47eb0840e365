// The copies of an example that an optimization run hands on: its demos in the run's results, the
// accepted (and published) version's inline examples and that version's DSPy exports. A purge
// (legal erasure) scrubs every one of them and leaves a marker that a purged example was there;
// a program exported from a version and imported back into it matches every demo.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <thread>

#include "testing/seed_fixture.h"

namespace exemplar::testing {
namespace {

const char* kDefectTemplate = "7d3e9a52-1c4b-4f8e-8a6d-2b5c9e0f1a01";

class DemoCopies : public ::testing::Test {
 protected:
  void SetUp() override { tid_ = SeedThroughApi(server_, EXEMPLAR_SEED_DIR)[kDefectTemplate]; }

  // A completed BootstrapFewShot run of the seeded template (offline LM), whose best program has
  // labeled and bootstrapped demos; the same seed gives the same demos.
  std::string CompletedRun() {
    auto launched = server_.Post("/api/v1/dspy-runs",
                                 {{"template_id", tid_},
                                  {"optimizer_type", "BootstrapFewShot"},
                                  {"optimizer_params", {{"max_bootstrapped_demos", 2}, {"max_labeled_demos", 4}}},
                                  {"metric", "exact_match"},
                                  {"lm", {{"provider", "offline"}}},
                                  {"budget", {{"max_trials", 4}}},
                                  {"data", {{"split_ratio", 0.5}, {"seed", 3}}}});
    EXPECT_EQ(launched.status, 201) << launched.raw;
    const std::string id = launched.body.value("run_id", "");
    EXPECT_EQ(WaitForRun(server_, id).value("status", ""), "completed") << "run " << id;
    return id;
  }
  Json BestProgram(const std::string& run_id) {
    return server_.Get("/api/v1/dspy-runs/" + run_id + "/results").body["best_program"];
  }
  std::string Accept(const std::string& run_id) {
    auto accepted = server_.Post("/api/v1/dspy-runs/" + run_id + "/accept", Json::object());
    EXPECT_EQ(accepted.status, 201) << accepted.raw;
    return accepted.body["template"].value("id", "");
  }
  HttpResult Export(const std::string& version_id, const std::string& format) {
    auto r = server_.Post("/api/v1/templates/" + version_id + "/export-dspy", {{"format", format}});
    EXPECT_EQ(r.status, 200) << r.raw;
    return r;
  }
  // The items of a version's inline examples that name `example_id`.
  Json InlineNaming(const std::string& version_id, const std::string& example_id) {
    Json out = Json::array();
    const Json version = server_.Get("/api/v1/templates/" + version_id).body;
    for (const auto& ex : version["examples"]) {
      if (ex.value("example_id", "") == example_id) out.push_back(ex);
    }
    return out;
  }
  bool HasDemoEdge(const std::string& example_id, const std::string& version_id) {
    Json graph = server_.Get("/api/v1/templates/" + version_id + "/lineage?direction=upstream").body;
    for (const auto& e : graph["edges"]) {
      const std::string type = e.value("type", "");
      if ((type == "demo_of" || type == "bootstrapped_from") && e.value("source", "") == "example:" + example_id &&
          e.value("target", "") == "template:" + version_id) {
        return true;
      }
    }
    return false;
  }

  TestServer server_;
  std::string tid_;
};

TEST_F(DemoCopies, PurgeScrubsRunResultsPublishedVersionsAndExports) {
  const std::string run_id = CompletedRun();
  const std::string later_run = CompletedRun();  // accepted after the purge
  Json best = BestProgram(run_id);
  ASSERT_FALSE(best["demos"].empty()) << best.dump();
  // The content to erase: a demo's free-text input, unique to its example in the seed data, and
  // one that JSON and Python write as it is (no quotes, backslashes or non-ASCII to escape).
  std::string purged_id, content;
  for (const auto& d : best["demos"]) {
    const std::string notes = d["fields"].value("inspection_notes", "");
    const bool plain = std::all_of(notes.begin(), notes.end(), [](char c) {
      return c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '\'';
    });
    if (plain && notes.size() > 20) {
      purged_id = d["example_id"];
      content = notes;
      break;
    }
  }
  ASSERT_FALSE(content.empty()) << "no demo with plain notes: " << best.dump();
  const std::string version_id = Accept(run_id);
  ASSERT_EQ(server_.Post("/api/v1/templates/" + version_id + "/publish", Json::object()).status, 200);
  // A hand-made draft holding a copy without an example_id, which lineage matches by input.
  auto draft = server_.Post("/api/v1/templates/" + tid_ + "/version", Json::object());
  ASSERT_EQ(draft.status, 201) << draft.raw;
  const std::string draft_id = draft.body["id"];
  Json stored = server_.Get("/api/v1/examples/" + purged_id).body;
  auto edited = server_.Put("/api/v1/templates/" + draft_id,
                            {{"examples", {{{"input", stored["input"]}, {"output", stored["expected_output"]}}}}});
  ASSERT_EQ(edited.status, 200) << edited.raw;
  ASSERT_TRUE(HasDemoEdge(purged_id, draft_id));

  const Json run_snapshot = server_.Get("/api/v1/dspy-runs/" + run_id).body["config"]["data"]["snapshot_id"];
  // Everywhere the content can be read from. Those marked `shown` hold it before the purge (so
  // their check is live); none may hold it after.
  struct View {
    std::string name;
    bool shown;
    std::function<HttpResult()> get;
  };
  const std::vector<View> views = {
      {"run results", true, [&] { return server_.Get("/api/v1/dspy-runs/" + run_id + "/results"); }},
      {"run", false, [&] { return server_.Get("/api/v1/dspy-runs/" + run_id); }},
      {"run list", false, [&] { return server_.Get("/api/v1/dspy-runs?page_size=100"); }},
      {"version", true, [&] { return server_.Get("/api/v1/templates/" + version_id); }},
      {"versions", true, [&] { return server_.Get("/api/v1/templates/" + version_id + "/versions"); }},
      {"template list", true, [&] { return server_.Get("/api/v1/templates?page_size=100"); }},
      {"draft", true, [&] { return server_.Get("/api/v1/templates/" + draft_id); }},
      {"program_state", true, [&] { return Export(version_id, "program_state"); }},
      {"python_module", true, [&] { return Export(version_id, "python_module"); }},
      {"lineage", true, [&] { return server_.Get("/api/v1/templates/" + version_id + "/lineage"); }},
      {"example lineage", true, [&] { return server_.Get("/api/v1/examples/" + purged_id + "/lineage"); }},
      {"attribution", false, [&] { return server_.Get("/api/v1/templates/" + version_id + "/attribution"); }},
      {"run snapshot", true,
       [&] { return server_.Get("/api/v1/snapshots/" + run_snapshot.get<std::string>() + "/export?format=jsonl"); }},
      {"audit", false, [&] { return server_.Get("/api/v1/audit?limit=1000"); }},
  };
  for (const View& v : views) {
    auto r = v.get();
    ASSERT_EQ(r.status, 200) << v.name << ": " << r.raw;
    if (v.shown) {
      EXPECT_NE(r.raw.find(content), std::string::npos) << v.name << " should show the content before the purge";
    }
  }

  ASSERT_EQ(server_.Delete("/api/v1/examples/" + purged_id + "?purge=true").status, 204);

  for (const View& v : views) {
    auto r = v.get();
    EXPECT_EQ(r.status, 200) << v.name << ": " << r.raw;
    EXPECT_EQ(r.raw.find(content), std::string::npos) << v.name << " still holds the purged content: " << r.raw;
  }

  // The run and the published version still say that a purged example was there.
  bool marked = false;
  const Json scrubbed = BestProgram(run_id);
  for (const auto& d : scrubbed["demos"]) {
    if (d["example_id"] != purged_id) continue;
    marked = true;
    EXPECT_EQ(d["purged"], true) << d.dump();
    EXPECT_FALSE(d.contains("fields")) << d.dump();
  }
  EXPECT_TRUE(marked);
  Json version = server_.Get("/api/v1/templates/" + version_id).body;
  EXPECT_EQ(version["status"], "published");
  Json inline_copies = InlineNaming(version_id, purged_id);
  ASSERT_EQ(inline_copies.size(), 1u) << version.dump();
  EXPECT_EQ(inline_copies[0]["purged"], true);
  EXPECT_FALSE(inline_copies[0].contains("input"));
  EXPECT_FALSE(inline_copies[0].contains("output"));
  EXPECT_TRUE(HasDemoEdge(purged_id, version_id));
  Json draft_copies = InlineNaming(draft_id, purged_id);
  ASSERT_EQ(draft_copies.size(), 1u);
  EXPECT_EQ(draft_copies[0]["purged"], true);
  // Exports leave the demo out and say so.
  auto exported = Export(version_id, "program_state");
  EXPECT_EQ(exported.body["example_count"], best["demos"].size() - 1);
  for (const auto& id : exported.body["example_ids"]) EXPECT_NE(id, purged_id);
  Json state = Json::parse(exported.body["content"].get<std::string>());
  EXPECT_EQ(state["predict"]["demos"].size(), best["demos"].size() - 1);
  EXPECT_NE(exported.raw.find("purged_demos"), std::string::npos) << exported.raw;
  // Accepting a run that used the example, after the purge, keeps the marker, not the content.
  const std::string later_version = Accept(later_run);
  EXPECT_EQ(server_.Get("/api/v1/templates/" + later_version).raw.find(content), std::string::npos);
  ASSERT_EQ(InlineNaming(later_version, purged_id).size(), 1u);
  EXPECT_EQ(InlineNaming(later_version, purged_id)[0]["purged"], true);

  // Durable, and purging again changes nothing.
  server_.Restart();
  ASSERT_EQ(server_.Delete("/api/v1/examples/" + purged_id + "?purge=true").status, 204);
  for (const View& v : views) EXPECT_EQ(v.get().raw.find(content), std::string::npos) << v.name;
  EXPECT_EQ(InlineNaming(version_id, purged_id), inline_copies);
}

TEST_F(DemoCopies, AProgramExportedFromAVersionImportsBackIntoItMatchingEveryDemo) {
  const std::string run_id = CompletedRun();
  Json best = BestProgram(run_id);
  ASSERT_FALSE(best["demos"].empty());
  const std::string version_id = Accept(run_id);
  Json state = Json::parse(Export(version_id, "program_state").body["content"].get<std::string>());
  ASSERT_EQ(state["predict"]["demos"].size(), best["demos"].size());
  const int64_t examples_before = server_.Get("/api/v1/examples?page_size=1").body.value("total", -1);

  // The second import has the same content (every demo matched): it answers the first's version.
  std::string first_id;
  for (const char* query : {"", "?create_examples=true"}) {
    auto imported = server_.Post("/api/v1/templates/" + version_id + "/import-dspy" + query, state);
    ASSERT_EQ(imported.status, first_id.empty() ? 201 : 200) << imported.raw;
    if (first_id.empty()) first_id = imported.body["template"]["id"];
    EXPECT_EQ(imported.body["template"]["id"], first_id);
    EXPECT_TRUE(imported.body["unmatched"].empty()) << imported.raw;
    EXPECT_TRUE(imported.body["created_example_ids"].empty()) << imported.raw;
    const std::string iid = imported.body["template"]["id"];
    EXPECT_EQ(imported.body["template"]["parent_template_id"], version_id);
    ASSERT_EQ(imported.body["demos"].size(), best["demos"].size());
    for (size_t i = 0; i < best["demos"].size(); ++i) {
      const Json& d = imported.body["demos"][i];
      EXPECT_NE(d["match"], "none") << i;
      ASSERT_EQ(d["example_id"], best["demos"][i]["example_id"]) << i;
      EXPECT_TRUE(HasDemoEdge(d["example_id"], iid)) << i;
    }
  }
  EXPECT_EQ(server_.Get("/api/v1/examples?page_size=1").body.value("total", -1), examples_before)
      << "an import must not duplicate examples it matched";

  // A demo naming its example matches it, whatever its text became in the notebook.
  Json named = state;
  const std::string first_input = server_.Get("/api/v1/templates/" + version_id).body["input_schema"][0]["name"];
  named["predict"]["demos"][0][first_input] = "rewritten in the notebook";
  named["predict"]["demos"][0]["example_id"] = best["demos"][0]["example_id"];
  auto by_id = server_.Post("/api/v1/templates/" + version_id + "/import-dspy?create_examples=true", named);
  ASSERT_EQ(by_id.status, 201) << by_id.raw;
  EXPECT_EQ(by_id.body["demos"][0]["match"], "id");
  EXPECT_EQ(by_id.body["demos"][0]["example_id"], best["demos"][0]["example_id"]);
  EXPECT_TRUE(by_id.body["created_example_ids"].empty());
  // A number there is no example id of this store but a dataset's own (LabeledFewShot's demos are
  // the trainset's rows, all keys kept): ignored like the dataset's other keys, not a 422.
  named["predict"]["demos"][0]["example_id"] = 42;
  named["predict"]["demos"][0][first_input] = "rewritten in the notebook, numbered 42";
  auto numbered = server_.Post("/api/v1/templates/" + version_id + "/import-dspy", named);
  ASSERT_EQ(numbered.status, 201) << numbered.raw;
  EXPECT_NE(numbered.body["demos"][0]["match"], "id") << numbered.raw;
  EXPECT_NE(numbered.raw.find("`example_id`"), std::string::npos) << numbered.raw;
}

}  // namespace
}  // namespace exemplar::testing
