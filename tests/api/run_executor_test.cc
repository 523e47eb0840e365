// What a run record says about who executes it (review s22): `attempts` counts its executions,
// and with replicas (a PostgreSQL database) `claimed_by` names the replica executing it, or that
// executed it last, and `lease_expires_at` when that replica's hold on it ends. A server with its
// own SQLite database executes its runs itself: both are null. Takeovers across replica processes:
// replica_restart_test (StoppedReplica).
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "common/time.h"
#include "testing/pg_test_db.h"
#include "testing/seed_fixture.h"

namespace exemplar::testing {
namespace {

const char* kDefectTemplate = "7d3e9a52-1c4b-4f8e-8a6d-2b5c9e0f1a01";

TEST(RunExecutor, TheRunSaysWhoExecutesItAndHowManyTimes) {
  Config c;
  c.replica_id = "solo";
  TestServer server(c);
  auto ids = SeedThroughApi(server, EXEMPLAR_SEED_DIR);
  const bool replicas = TestBackendIsPostgres();
  auto launched = server.Post("/api/v1/dspy-runs", SlowMiproRun(ids[kDefectTemplate], 25));
  ASSERT_EQ(launched.status, 201) << launched.raw;
  const std::string id = launched.body["run_id"];
  // Not started: no executions, nobody holds it.
  EXPECT_EQ(launched.body["attempts"], 0) << launched.raw;
  EXPECT_TRUE(launched.body["claimed_by"].is_null()) << launched.raw;
  EXPECT_TRUE(launched.body["lease_expires_at"].is_null()) << launched.raw;

  Json running;
  for (int i = 0; i < 600; ++i) {
    running = server.Get("/api/v1/dspy-runs/" + id).body;
    if (running["status"] == "running") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(running["status"], "running") << running.dump();
  EXPECT_EQ(running["attempts"], 1) << running.dump();
  if (replicas) {
    EXPECT_EQ(running["claimed_by"], "solo") << running.dump();
    ASSERT_TRUE(running["lease_expires_at"].is_string()) << running.dump();
    EXPECT_GT(ParseRfc3339(running["lease_expires_at"].get<std::string>()).value_or(0), NowMillis() - 1000)
        << running.dump();
  } else {
    EXPECT_TRUE(running["claimed_by"].is_null()) << running.dump();
    EXPECT_TRUE(running["lease_expires_at"].is_null()) << running.dump();
  }
  // The list says the same.
  Json listed = server.Get("/api/v1/dspy-runs?status=running").body["runs"][0];
  EXPECT_EQ(listed["attempts"], 1) << listed.dump();
  EXPECT_EQ(listed["claimed_by"], running["claimed_by"]) << listed.dump();

  ASSERT_EQ(server.Post("/api/v1/dspy-runs/" + id + "/cancel", Json::object()).status, 200);
  Json done = WaitForRun(server, id, 30);
  ASSERT_EQ(done["status"], "cancelled") << done.dump();
  // Finished: one execution; with replicas the last executor is kept; no lease any more.
  EXPECT_EQ(done["attempts"], 1) << done.dump();
  EXPECT_EQ(done["claimed_by"], replicas ? Json("solo") : Json(nullptr)) << done.dump();
  EXPECT_TRUE(done["lease_expires_at"].is_null()) << done.dump();
}

}  // namespace
}  // namespace exemplar::testing
