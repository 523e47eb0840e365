// A run's decision is made once (SPEC §4.6): concurrent accepts of a completed run create exactly
// one template version (one 201, the rest 409), an accept racing a reject leaves one decision,
// and the same holds for requests spread over two replicas sharing one PostgreSQL database.
// Requests are real HTTP requests fired together from threads against real servers.
#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <set>
#include <thread>

#include "testing/pg_test_db.h"
#include "testing/seed_fixture.h"

namespace exemplar::testing {
namespace {

const char* kDefectTemplate = "7d3e9a52-1c4b-4f8e-8a6d-2b5c9e0f1a01";
constexpr int kRacers = 8;  // requests fired at once per run
constexpr int kRuns = 4;    // runs raced per test: a lost race shows on some, not all, attempts

// A completed LabeledFewShot run (offline LM) of `template_id`.
std::string CompletedRun(TestServer& server, const std::string& template_id) {
  auto launched = server.Post("/api/v1/dspy-runs", {{"template_id", template_id},
                                                    {"optimizer_type", "LabeledFewShot"},
                                                    {"lm", {{"provider", "offline"}}}});
  EXPECT_EQ(launched.status, 201) << launched.raw;
  const std::string id = launched.body.value("run_id", "");
  EXPECT_EQ(WaitForRun(server, id, 120).value("status", ""), "completed") << "run " << id;
  return id;
}

int64_t TemplateCount(TestServer& server) { return server.Get("/api/v1/templates?page_size=1").body.value("total", -1); }

// Audit entries of accepts and rejects (the routes' actions), over every run.
size_t DecisionAuditEntries(TestServer& server) {
  auto r = server.Get("/api/v1/audit?limit=1000");
  EXPECT_EQ(r.status, 200) << r.raw;
  size_t n = 0;
  for (const auto& e : r.body["entries"]) {
    const std::string action = e.value("action", "");
    n += action == "POST /api/v1/dspy-runs/{id}/accept" || action == "POST /api/v1/dspy-runs/{id}/reject";
  }
  return n;
}

struct Outcome {
  std::string action;  // accept | reject
  int status = 0;
  Json body;
};

// Fires POST /dspy-runs/{run}/{action} for every (run, action) at once (one connection each) and
// returns what each got back.
std::vector<Outcome> Race(const std::vector<TestServer*>& servers,
                          const std::vector<std::pair<std::string, std::string>>& requests) {
  std::vector<Outcome> out(requests.size());
  std::latch start(static_cast<std::ptrdiff_t>(requests.size()));
  std::vector<std::thread> threads;
  for (size_t i = 0; i < requests.size(); ++i) {
    threads.emplace_back([&, i] {
      httplib::Client client("127.0.0.1", servers[i % servers.size()]->port());
      client.set_read_timeout(30, 0);
      const auto& [run_id, action] = requests[i];
      out[i].action = action;
      start.arrive_and_wait();
      auto r = client.Post("/api/v1/dspy-runs/" + run_id + "/" + action, "{}", "application/json");
      if (!r) return;
      out[i].status = r->status;
      out[i].body = Json::parse(r->body, nullptr, false);
    });
  }
  for (auto& t : threads) t.join();
  return out;
}

std::vector<Outcome> Race(const std::vector<TestServer*>& servers, const std::string& run_id,
                          const std::vector<std::string>& actions) {
  std::vector<std::pair<std::string, std::string>> requests;
  for (const auto& a : actions) requests.emplace_back(run_id, a);
  return Race(servers, requests);
}

// Accepts of one run through `servers` (round robin): exactly one 201 with the version the run
// then names, the others 409, and exactly one new template.
void ExpectOneAcceptance(const std::vector<TestServer*>& servers, const std::string& template_id) {
  TestServer& first = *servers.front();
  for (int attempt = 0; attempt < kRuns; ++attempt) {
    std::string run_id = CompletedRun(first, template_id);
    const int64_t before = TemplateCount(first);
    auto outcomes = Race(servers, run_id, std::vector<std::string>(kRacers, "accept"));
    int created = 0, conflicts = 0;
    std::string version_id;
    for (const auto& o : outcomes) {
      if (o.status == 201) {
        ++created;
        version_id = o.body["template"].value("id", "");
      } else if (o.status == 409) {
        ++conflicts;
      } else {
        ADD_FAILURE() << "accept answered " << o.status << ": " << o.body.dump();
      }
    }
    EXPECT_EQ(created, 1) << "run " << run_id;
    EXPECT_EQ(conflicts, kRacers - 1) << "run " << run_id;
    EXPECT_EQ(TemplateCount(first), before + 1) << "run " << run_id;
    for (TestServer* s : servers) {
      Json run = s->Get("/api/v1/dspy-runs/" + run_id).body;
      EXPECT_EQ(run["decision"], "accepted");
      EXPECT_EQ(run["accepted_template_id"], version_id);
    }
  }
}

class RunDecisions : public ::testing::Test {
 protected:
  void SetUp() override { template_id_ = SeedThroughApi(server_, EXEMPLAR_SEED_DIR)[kDefectTemplate]; }
  TestServer server_;
  std::string template_id_;
};

TEST_F(RunDecisions, ConcurrentAcceptsCreateExactlyOneVersion) {
  ExpectOneAcceptance({&server_}, template_id_);
}

TEST_F(RunDecisions, AnAcceptRacingRejectsLeavesOneDecision) {
  for (int attempt = 0; attempt < kRuns; ++attempt) {
    std::string run_id = CompletedRun(server_, template_id_);
    const int64_t before = TemplateCount(server_);
    std::vector<std::string> actions;
    for (int i = 0; i < kRacers; ++i) actions.push_back(i % 2 ? "reject" : "accept");
    const size_t audited = DecisionAuditEntries(server_);
    auto outcomes = Race({&server_}, run_id, actions);
    int won = 0;
    std::string winner;
    for (const auto& o : outcomes) {
      if (o.status == 201 || o.status == 200) {
        ++won;
        winner = o.action;
      } else {
        EXPECT_EQ(o.status, 409) << o.action << ": " << o.body.dump();
      }
    }
    ASSERT_EQ(won, 1) << "run " << run_id;
    Json run = server_.Get("/api/v1/dspy-runs/" + run_id).body;
    EXPECT_EQ(run["decision"], winner == "accept" ? "accepted" : "rejected");
    EXPECT_EQ(TemplateCount(server_), before + (winner == "accept" ? 1 : 0));
    EXPECT_EQ(run["accepted_template_id"].is_null(), winner == "reject");
    // Only the decision made is in the audit log: a request answered 409 changed nothing.
    EXPECT_EQ(DecisionAuditEntries(server_), audited + 1) << "run " << run_id;
  }
}

// Concurrent rejects: one 200, the others 409, and one audit entry (a reject that lost the race
// in the store was audited as if it had rejected).
TEST_F(RunDecisions, ConcurrentRejectsAuditOnlyTheOneThatRejected) {
  for (int attempt = 0; attempt < kRuns; ++attempt) {
    std::string run_id = CompletedRun(server_, template_id_);
    const size_t audited = DecisionAuditEntries(server_);
    int won = 0;
    for (const auto& o : Race({&server_}, run_id, std::vector<std::string>(kRacers, "reject"))) {
      if (o.status == 200) ++won;
      else EXPECT_EQ(o.status, 409) << o.body.dump();
    }
    EXPECT_EQ(won, 1) << "run " << run_id;
    EXPECT_EQ(DecisionAuditEntries(server_), audited + 1) << "run " << run_id;
  }
}

// Accepts of different runs of one template at once each get a version of their own: two
// writers picking the same next version number do not fail or share it.
TEST_F(RunDecisions, ConcurrentAcceptsOfDifferentRunsGetDistinctVersions) {
  std::vector<std::pair<std::string, std::string>> requests;
  for (int i = 0; i < kRacers; ++i) requests.emplace_back(CompletedRun(server_, template_id_), "accept");
  const int64_t before = TemplateCount(server_);
  std::set<std::string> versions;
  for (const auto& o : Race({&server_}, requests)) {
    ASSERT_EQ(o.status, 201) << o.body.dump();
    versions.insert(o.body["template"].value("version", ""));
  }
  EXPECT_EQ(versions.size(), static_cast<size_t>(kRacers));
  EXPECT_EQ(TemplateCount(server_), before + kRacers);
  for (const auto& [run_id, action] : requests) {
    Json run = server_.Get("/api/v1/dspy-runs/" + run_id).body;
    Json version = server_.Get("/api/v1/templates/" + run.value("accepted_template_id", "")).body;
    EXPECT_EQ(version.value("parent_template_id", ""), template_id_);
    // The version's lineage reaches the run that produced it.
    Json lineage = server_.Get("/api/v1/templates/" + version.value("id", "") + "/lineage?direction=upstream&max_depth=1").body;
    bool produced = false;
    for (const auto& e : lineage["edges"]) produced |= e.value("type", "") == "produced" && e.value("source", "").find(run_id) != std::string::npos;
    EXPECT_TRUE(produced) << lineage.dump();
  }
}

// A run that left the instructions alone (LabeledFewShot) gives a version with the parent's own
// prompt; the instructions DSPy held show {field} placeholders as `field`, and copying them back
// lost the placeholders.
TEST_F(RunDecisions, AcceptKeepsThePromptTheOptimizerDidNotChange) {
  auto draft = server_.Post("/api/v1/templates/" + template_id_ + "/version", Json::object());
  ASSERT_EQ(draft.status, 201) << draft.raw;
  const std::string vid = draft.body["id"];
  const std::string prompt = "Classify the defect in {inspection_notes} for the {detector_model}.\n\n  Be brief.";
  ASSERT_EQ(server_.Put("/api/v1/templates/" + vid, {{"prompt_template", prompt}}).status, 200);
  auto launched = server_.Post("/api/v1/dspy-runs", {{"template_id", vid},
                                                     {"optimizer_type", "LabeledFewShot"},
                                                     {"lm", {{"provider", "offline"}}},
                                                     {"data", {{"filters", {{"databit_id", template_id_}}}}}});
  ASSERT_EQ(launched.status, 201) << launched.raw;
  const std::string run_id = launched.body["run_id"];
  Json finished = WaitForRun(server_, run_id, 120);
  ASSERT_EQ(finished.value("status", ""), "completed") << finished.dump();
  auto accepted = server_.Post("/api/v1/dspy-runs/" + run_id + "/accept", Json::object());
  ASSERT_EQ(accepted.status, 201) << accepted.raw;
  EXPECT_EQ(accepted.body["template"]["prompt_template"], prompt);
  EXPECT_FALSE(accepted.body["template"]["examples"].empty());
}

TEST_F(RunDecisions, OnlyAFinishedRunCanBeDecided) {
  auto launched = server_.Post("/api/v1/dspy-runs", {{"template_id", template_id_},
                                                     {"optimizer_type", "LabeledFewShot"},
                                                     {"lm", {{"provider", "offline"}, {"latency_ms", 200}}}});
  ASSERT_EQ(launched.status, 201) << launched.raw;
  std::string id = launched.body["run_id"];
  EXPECT_EQ(server_.Post("/api/v1/dspy-runs/" + id + "/accept", Json::object()).status, 409);
  EXPECT_EQ(server_.Post("/api/v1/dspy-runs/" + id + "/reject", Json::object()).status, 409);
  EXPECT_EQ(server_.Post("/api/v1/dspy-runs/00000000-0000-4000-8000-000000000000/accept", Json::object()).status, 404);
}

// Two replicas over one PostgreSQL database: an in-process lock could not keep them apart, the
// conditional update in the database does. Runs in the "pg:" variant only.
TEST(RunDecisionsReplicas, ConcurrentAcceptsThroughTwoReplicasCreateOneVersion) {
  if (!TestBackendIsPostgres()) GTEST_SKIP() << "replicas share a PostgreSQL database (the pg: variant)";
  PgTestDb db;
  Config a_config, b_config;
  a_config.db = b_config.db = db.url();
  a_config.replica_id = "decide-a";
  b_config.replica_id = "decide-b";
  TestServer a(a_config), b(b_config);
  std::string template_id = SeedThroughApi(a, EXEMPLAR_SEED_DIR)[kDefectTemplate];
  ExpectOneAcceptance({&a, &b}, template_id);
}

}  // namespace
}  // namespace exemplar::testing
