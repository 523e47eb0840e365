// How many runs one caller may have at once (max_runs_per_caller, review s22): a write token that
// launched its share gets 409 naming the limit, while other callers still launch and their runs
// are not queued behind an unbounded backlog; a run that finishes frees a place.
#include <gtest/gtest.h>

#include <latch>
#include <thread>

#include "testing/pg_test_db.h"
#include "testing/seed_fixture.h"

namespace exemplar::testing {
namespace {

const char* kDefectTemplate = "7d3e9a52-1c4b-4f8e-8a6d-2b5c9e0f1a01";

httplib::Headers Bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }

TEST(RunLimits, OneCallerHasAtMostItsShareOfRunsPendingOrRunning) {
  Config c;
  c.max_runs_per_caller = 2;
  c.run_workers = 1;
  TestServer server(c);
  auto ids = SeedThroughApi(server, EXEMPLAR_SEED_DIR);
  auto& auth = server.runtime().auth();
  const std::string greedy = auth.CreateToken(service::Role::kWrite, "greedy")->second;
  const std::string other = auth.CreateToken(service::Role::kWrite, "other")->second;
  const Json long_run = {
      {"template_id", ids[kDefectTemplate]},
      {"optimizer_type", "MIPROv2"},
      {"optimizer_params", {{"auto", nullptr}, {"num_trials", 400}, {"num_candidates", 6}, {"minibatch", false}}},
      {"lm", {{"provider", "offline"}, {"latency_ms", 25}}},
      {"budget", {{"max_trials", 400}}}};
  std::vector<std::string> launched;
  for (int i = 0; i < 2; ++i) {
    auto r = server.Send("POST", "/api/v1/dspy-runs", long_run, Bearer(greedy));
    ASSERT_EQ(r.status, 201) << r.raw;
    launched.push_back(r.body["run_id"]);
  }
  auto refused = server.Send("POST", "/api/v1/dspy-runs", long_run, Bearer(greedy));
  EXPECT_EQ(refused.status, 409) << refused.raw;
  const std::string why = refused.body.value("detail", "");
  EXPECT_NE(why.find("'greedy' already has 2 runs pending or running"), std::string::npos) << why;
  EXPECT_NE(why.find("max_runs_per_caller = 2"), std::string::npos) << why;
  EXPECT_EQ(server.Get("/api/v1/dspy-runs?page_size=100").body["total"], 2);  // nothing stored for it

  // Another caller is not held back by greedy's runs.
  auto theirs = server.Send("POST", "/api/v1/dspy-runs", long_run, Bearer(other));
  ASSERT_EQ(theirs.status, 201) << theirs.raw;
  launched.push_back(theirs.body["run_id"]);

  // A finished run (here cancelled) frees a place.
  ASSERT_EQ(server.Send("POST", "/api/v1/dspy-runs/" + launched[0] + "/cancel", Json::object(), Bearer(greedy)).status,
            200);
  ASSERT_EQ(WaitForRun(server, launched[0], 60)["status"], "cancelled");
  auto again = server.Send("POST", "/api/v1/dspy-runs", long_run, Bearer(greedy));
  ASSERT_EQ(again.status, 201) << again.raw;
  launched.push_back(again.body["run_id"]);
  for (const auto& id : launched) server.Post("/api/v1/dspy-runs/" + id + "/cancel", Json::object());
}

// Launches by one caller through two replicas at the same moment (review s22): the count of the
// caller's runs and the insert are one transaction, serialised per caller, so exactly the cap is
// accepted and every other launch gets 409 (each replica counting for itself let several more in).
// A launch refused at the insert leaves nothing: the data snapshot it froze and that snapshot's
// audit entry are stored by the run's insert, so there are as many new snapshots (and snapshot
// entries) as runs accepted (review s24: each refused launch left its snapshot behind).
TEST(RunLimits, ConcurrentLaunchesThroughTwoReplicasNeverPassTheCap) {
  if (!TestBackendIsPostgres()) GTEST_SKIP() << "replicas share a PostgreSQL database (the pg: variant)";
  constexpr int kCap = 2, kLaunches = 12;  // 6 per replica: its share of concurrent requests per caller
  PgTestDb db;
  Config a_config, b_config;
  a_config.db = b_config.db = db.url();
  a_config.replica_id = "limit-a";
  b_config.replica_id = "limit-b";
  a_config.max_runs_per_caller = b_config.max_runs_per_caller = kCap;
  a_config.run_workers = b_config.run_workers = 1;
  TestServer a(a_config), b(b_config);
  auto ids = SeedThroughApi(a, EXEMPLAR_SEED_DIR);
  const std::string token = a.runtime().auth().CreateToken(service::Role::kWrite, "greedy")->second;
  const Json long_run = SlowMiproRun(ids[kDefectTemplate], 25);
  auto snapshots = [&] { return a.Get("/api/v1/snapshots").body.value("total", -1); };
  auto snapshot_entries = [&] { return a.Get("/api/v1/audit?entity=snapshot&limit=1000").body["entries"].size(); };
  const int snapshots_before = snapshots();
  const size_t entries_before = snapshot_entries();
  std::vector<int> statuses(kLaunches, 0);
  std::vector<std::string> accepted_ids(kLaunches), bodies(kLaunches);
  std::latch start(kLaunches);
  std::vector<std::thread> launches;
  for (int i = 0; i < kLaunches; ++i) {
    launches.emplace_back([&, i] {
      httplib::Client client("127.0.0.1", (i % 2 ? b : a).port());
      client.set_read_timeout(60, 0);
      start.arrive_and_wait();
      auto r = client.Post("/api/v1/dspy-runs", Bearer(token), long_run.dump(), "application/json");
      if (!r) return;
      statuses[i] = r->status;
      bodies[i] = r->body;
      if (r->status == 201) accepted_ids[i] = Json::parse(r->body).value("run_id", "");
    });
  }
  for (auto& t : launches) t.join();
  int accepted = 0, refused = 0;
  for (int i = 0; i < kLaunches; ++i) {
    accepted += statuses[i] == 201;
    refused += statuses[i] == 409;
    EXPECT_TRUE(statuses[i] == 201 || statuses[i] == 409) << statuses[i] << " " << bodies[i];
  }
  EXPECT_EQ(accepted, kCap);
  EXPECT_EQ(refused, kLaunches - kCap);
  // Every run in this database is the caller's, and none has finished yet.
  EXPECT_EQ(a.Get("/api/v1/dspy-runs?page_size=100").body.value("total", 0), kCap) << "runs stored for the caller";
  EXPECT_EQ(snapshots() - snapshots_before, kCap) << "snapshots left by refused launches";
  EXPECT_EQ(snapshot_entries() - entries_before, static_cast<size_t>(kCap)) << "snapshot audit entries";
  for (const auto& id : accepted_ids) {
    if (!id.empty()) a.Post("/api/v1/dspy-runs/" + id + "/cancel", Json::object());
  }
}

// 0 lifts the limit; so does having no name: the local user of a server that asks for no tokens
// is its only user (with a limit of 2 it launches 6).
class RunLimitsLifted : public ::testing::TestWithParam<int> {};

TEST_P(RunLimitsLifted, ForTheUnnamedLocalCallerOrAtZero) {
  Config c;
  c.max_runs_per_caller = GetParam();
  c.run_workers = 1;
  TestServer server(c);
  auto ids = SeedThroughApi(server, EXEMPLAR_SEED_DIR);
  const Json slow = {{"template_id", ids[kDefectTemplate]},
                     {"optimizer_type", "LabeledFewShot"},
                     {"lm", {{"provider", "offline"}, {"latency_ms", 200}}}};
  std::vector<std::string> launched;
  for (int i = 0; i < 6; ++i) {
    auto r = server.Post("/api/v1/dspy-runs", slow);
    ASSERT_EQ(r.status, 201) << r.raw;
    launched.push_back(r.body["run_id"]);
  }
  for (const auto& id : launched) server.Post("/api/v1/dspy-runs/" + id + "/cancel", Json::object());
}

INSTANTIATE_TEST_SUITE_P(Limits, RunLimitsLifted, ::testing::Values(0, 2));

}  // namespace
}  // namespace exemplar::testing
