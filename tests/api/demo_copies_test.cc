// The copies of an example that an optimization run hands on: its demos in the run's results, the
// accepted version's inline examples and that version's DSPy exports. A program exported from a
// version and imported back into it matches every demo.
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
    for (int i = 0; i < 1800; ++i) {
      Json run = server_.Get("/api/v1/dspy-runs/" + id).body;
      if (run.value("status", "") == "completed") return id;
      if (run.value("status", "") == "failed") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "run " << id << " did not complete";
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

TEST_F(DemoCopies, AProgramExportedFromAVersionImportsBackIntoItMatchingEveryDemo) {
  const std::string run_id = CompletedRun();
  Json best = BestProgram(run_id);
  ASSERT_FALSE(best["demos"].empty());
  const std::string version_id = Accept(run_id);
  Json state = Json::parse(Export(version_id, "program_state").body["content"].get<std::string>());
  ASSERT_EQ(state["predict"]["demos"].size(), best["demos"].size());
  const int64_t examples_before = server_.Get("/api/v1/examples?page_size=1").body.value("total", -1);

  for (const char* query : {"", "?create_examples=true"}) {
    auto imported = server_.Post("/api/v1/templates/" + version_id + "/import-dspy" + query, state);
    ASSERT_EQ(imported.status, 201) << imported.raw;
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
  named["predict"]["demos"][0]["example_id"] = 42;
  EXPECT_EQ(server_.Post("/api/v1/templates/" + version_id + "/import-dspy", named).status, 422);
}

}  // namespace
}  // namespace exemplar::testing
