// What a run's data leaves behind, after an outside review: a run on a snapshot with purged items
// says how many it left out (README "Provenance": snapshots); the snapshot frozen at launch is in
// the audit log under entity snapshot; an example only a run's sync measured is not "used" on the
// dashboard, whose used and stale counts add up to its total.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "testing/seed_fixture.h"

namespace exemplar::testing {
namespace {

const char* kDefectTemplate = "7d3e9a52-1c4b-4f8e-8a6d-2b5c9e0f1a01";

class RunData : public ::testing::Test {
 protected:
  void SetUp() override { template_id_ = SeedThroughApi(server_, EXEMPLAR_SEED_DIR)[kDefectTemplate]; }
  Json Launch(Json body) {
    body["template_id"] = template_id_;
    body["lm"] = {{"provider", "offline"}};
    if (!body.contains("optimizer_type")) body["optimizer_type"] = "LabeledFewShot";
    auto r = server_.Post("/api/v1/dspy-runs", body);
    EXPECT_EQ(r.status, 201) << r.raw;
    return r.body;
  }
  // Whether progress.warnings of `run` has a line containing `text`.
  static bool Warns(const Json& run, const std::string& text) {
    for (const auto& w : run["progress"].value("warnings", Json::array())) {
      if (w.get<std::string>().find(text) != std::string::npos) return true;
    }
    return false;
  }
  TestServer server_;
  std::string template_id_;
};

TEST_F(RunData, ARunOnASnapshotWithAPurgedItemSaysItLeftItOut) {
  auto snap = server_.Post("/api/v1/snapshots", {{"name", "defects"}, {"filter", {{"databit_id", template_id_}}}});
  ASSERT_EQ(snap.status, 201) << snap.raw;
  const std::string snapshot_id = snap.body["snapshot_id"];
  const int items = snap.body["item_count"];
  ASSERT_GE(items, 4);
  const std::string purged = snap.body["items"][0]["example_id"];
  ASSERT_EQ(server_.Delete("/api/v1/examples/" + purged + "?purge=true").status, 204);

  const std::string expected = "1 of " + std::to_string(items) + " examples of snapshot " + snapshot_id + " were purged";
  Json run = Launch({{"data", {{"snapshot_id", snapshot_id}}}});
  EXPECT_TRUE(Warns(run, expected)) << run.dump();
  EXPECT_EQ(run["config"]["example_versions"].size(), static_cast<size_t>(items - 1)) << run.dump();
  Json done = WaitForRun(server_, run["run_id"]);
  ASSERT_EQ(done["status"], "completed") << done.dump();
  EXPECT_TRUE(Warns(done, expected)) << done.dump();  // kept through the run's progress updates
  EXPECT_TRUE(Warns(server_.Get("/api/v1/dspy-runs/" + run["run_id"].get<std::string>()).body, expected));
  // A run on a snapshot without purged items has no such warning.
  auto whole = server_.Post("/api/v1/snapshots", {{"name", "after the purge"}, {"filter", {{"databit_id", template_id_}}}});
  ASSERT_EQ(whole.status, 201) << whole.raw;
  Json clean = WaitForRun(server_, Launch({{"data", {{"snapshot_id", whole.body["snapshot_id"]}}}})["run_id"]);
  EXPECT_FALSE(Warns(clean, "purged")) << clean.dump();
}

// A run the server's shutdown interrupted wrote its progress without the warning that every
// progress update keeps.
TEST_F(RunData, ARunInterruptedByShutdownKeepsThePurgedWarning) {
  auto snap = server_.Post("/api/v1/snapshots", {{"name", "defects"}, {"filter", {{"databit_id", template_id_}}}});
  ASSERT_EQ(snap.status, 201) << snap.raw;
  const std::string snapshot_id = snap.body["snapshot_id"];
  const std::string purged = snap.body["items"][0]["example_id"];
  ASSERT_EQ(server_.Delete("/api/v1/examples/" + purged + "?purge=true").status, 204);
  const std::string expected =
      "1 of " + std::to_string(snap.body["item_count"].get<int>()) + " examples of snapshot " + snapshot_id;
  // Slow enough to be mid-run when the server stops (as RunProgress.ShutdownEndsTheStreamWithTheRunInterrupted).
  Json body = SlowMiproRun(template_id_, 15);
  body["data"] = {{"snapshot_id", snapshot_id}};
  auto launched = server_.Post("/api/v1/dspy-runs", body);
  ASSERT_EQ(launched.status, 201) << launched.raw;
  const std::string id = launched.body["run_id"];
  for (int i = 0; i < 1200; ++i) {
    if (server_.Get("/api/v1/dspy-runs/" + id).body["trials_completed"].get<int>() >= 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  server_.Stop();
  server_.Start();
  const Json after = server_.Get("/api/v1/dspy-runs/" + id).body;
  if (after["status"] == "completed") GTEST_SKIP() << "run finished before the shutdown";
  ASSERT_EQ(after["status"], "failed") << after.dump();
  EXPECT_EQ(after["progress"]["stopped_reason"], "interrupted") << after.dump();
  EXPECT_TRUE(Warns(after, expected)) << after.dump();
}

TEST_F(RunData, ASnapshotFrozenAtLaunchIsFoundUnderEntitySnapshot) {
  Json run = Launch(Json::object());
  const std::string run_id = run["run_id"];
  const std::string snapshot_id = run["config"]["data"]["snapshot_id"];
  ASSERT_FALSE(snapshot_id.empty());
  auto by_snapshot = server_.Get("/api/v1/audit?entity=snapshot&entity_id=" + snapshot_id);
  ASSERT_EQ(by_snapshot.status, 200) << by_snapshot.raw;
  ASSERT_EQ(by_snapshot.body["entries"].size(), 1u) << by_snapshot.raw;
  const Json& entry = by_snapshot.body["entries"][0];
  EXPECT_EQ(entry["entity"], "snapshot");
  EXPECT_EQ(entry["action"], "POST /api/v1/dspy-runs");
  EXPECT_EQ(entry["actor"], "local");
  EXPECT_EQ(entry["entity_ids"], Json::array({snapshot_id}));
  // The run's own entry is still one, and names the snapshot it trains on.
  auto by_run = server_.Get("/api/v1/audit?entity=run&entity_id=" + run_id);
  ASSERT_EQ(by_run.body["entries"].size(), 1u) << by_run.raw;
  EXPECT_EQ(by_run.body["entries"][0]["entity_ids"], Json::array({run_id, snapshot_id}));
  EXPECT_EQ(by_run.body["entries"][0]["request_id"], entry["request_id"]);
  WaitForRun(server_, run_id);
}

// The reviewer's case: after a sync, examples with optimization evidence but never retrieved were
// counted as "with usage" and as stale, so the two came to more than the total.
TEST_F(RunData, AnExampleOnlyARunMeasuredIsStaleNotUsed) {
  Json run = Launch({{"optimizer_type", "BootstrapFewShotWithRandomSearch"},
                     {"optimizer_params", {{"num_candidate_programs", 4}, {"max_bootstrapped_demos", 3}, {"max_labeled_demos", 6}}},
                     {"metric", "exact_match"},
                     {"budget", {{"max_trials", 12}}},
                     {"data", {{"split_ratio", 0.5}, {"seed", 7}}}});
  ASSERT_EQ(WaitForRun(server_, run["run_id"])["status"], "completed");
  auto sync = server_.Post("/api/v1/dspy-runs/" + run["run_id"].get<std::string>() + "/sync", Json::object());
  ASSERT_EQ(sync.status, 200) << sync.raw;
  ASSERT_GT(sync.body["examples_updated"].get<int>(), 0) << sync.raw;
  auto d = server_.Get("/api/v1/examples/dashboard?period=7d");
  ASSERT_EQ(d.status, 200) << d.raw;
  const int total = d.body["total_examples"];
  EXPECT_EQ(d.body["examples_with_usage"], 0) << d.raw;  // nothing was retrieved or tracked
  EXPECT_EQ(d.body["stale_examples_count"], total) << d.raw;
  EXPECT_GT(d.body["total_successes"].get<double>() + d.body["total_failures"].get<double>(), 0);  // the evidence counts

  // One retrieval moves the examples it returned from stale to used; the two still add up.
  auto r = server_.Post("/api/v1/examples/retrieve", {{"query", "scratch on the sensor"}, {"k", 2}});
  ASSERT_EQ(r.status, 200) << r.raw;
  const int retrieved = static_cast<int>(r.body["examples"].size());
  ASSERT_GT(retrieved, 0);
  d = server_.Get("/api/v1/examples/dashboard?period=7d");
  EXPECT_EQ(d.body["examples_with_usage"], retrieved) << d.raw;
  EXPECT_EQ(d.body["stale_examples_count"], total - retrieved) << d.raw;
}

}  // namespace
}  // namespace exemplar::testing
