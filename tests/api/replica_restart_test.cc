// Runs across the restart of their replica (review s22): a replica restarted at once under the same
// replica id and port (a rolling restart, systemd Restart=always) resumes the run it was executing
// instead of failing it, and a resumed run spends only what is left of its LM budget.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <thread>

#include "common/ids.h"
#include "common/time.h"
#include "testing/plain_lm.h"
#include "testing/replica_process.h"
#include "testing/seed_fixture.h"

namespace exemplar::testing {
namespace {

using Clock = std::chrono::steady_clock;
const char* kDefectTemplate = "7d3e9a52-1c4b-4f8e-8a6d-2b5c9e0f1a01";

Config ReplicaConfig(const std::string& db, const std::string& name) {
  Config c;
  c.db = db;
  c.replica_id = name;
  return c;
}

// A PostgreSQL database with the demo data, seeded through a server, and a store reading its runs.
struct SeededDb {
  SeededDb() {
    {
      TestServer seeder(ReplicaConfig(db.url(), "seeder"));
      tid = SeedThroughApi(seeder, EXEMPLAR_SEED_DIR)[kDefectTemplate];
    }
    auto opened = storage::OpenPostgresStore(db.url(), 1);
    if (opened.ok()) store = std::move(*opened);
  }
  // The run as stored, or an empty record when it cannot be read.
  RunRecord Stored(const std::string& id) {
    auto run = store->GetRun(id);
    return run.ok() ? *run : RunRecord{};
  }

  PgTestDb db;
  std::string tid;  // the defect template
  std::unique_ptr<storage::Store> store;
};

template <typename Pred>
bool Eventually(Pred pred, Clock::duration limit) {
  for (auto until = Clock::now() + limit; Clock::now() < until;) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pred();
}

// The replica executing a run is stopped (GetParam(): SIGKILL or SIGTERM) and started again at once
// with the same replica id and port; no other replica runs.
class RestartedReplica : public ::testing::TestWithParam<int> {};

TEST_P(RestartedReplica, ResumesItsRunInsteadOfFailingIt) {
  constexpr int kLeaseS = 2;
  SeededDb seeded;
  ASSERT_TRUE(seeded.store != nullptr) << "cannot open the store";
  PgTestDb& db = seeded.db;
  const std::string tid = seeded.tid;
  auto* store = &seeded.store;
  auto stored = [&](const std::string& id) { return seeded.Stored(id); };
  auto a = std::make_unique<ReplicaProcess>(db.url(), "proc-a", kLeaseS);
  const int port = a->port();
  Json body = {{"template_id", tid},
               {"optimizer_type", "MIPROv2"},
               {"optimizer_params", {{"auto", nullptr}, {"num_trials", 400}, {"num_candidates", 6}, {"minibatch", false}}},
               {"lm", {{"provider", "offline"}, {"latency_ms", 25}}},  // ~20 s of work
               {"budget", {{"max_trials", 400}}}};
  auto launched = a->Post("/api/v1/dspy-runs", body);
  ASSERT_EQ(launched.status, 201) << launched.raw;
  const std::string id = launched.body["run_id"];
  ASSERT_TRUE(Eventually([&] { return (*store)->ListTrials(id)->size() >= 1; }, std::chrono::seconds(60)))
      << "proc-a never finished a trial";
  const int64_t calls_before = Json::parse(stored(id).progress_json, nullptr, false).value("lm_calls", int64_t{0});

  if (GetParam() == SIGKILL) a->Kill();
  else a->Terminate();
  a.reset();
  a = std::make_unique<ReplicaProcess>(db.url(), "proc-a", kLeaseS, port);
  // Started: the run is still running, not failed as interrupted by the restart.
  RunRecord seen = stored(id);
  EXPECT_EQ(seen.status, "running") << seen.error.value_or("");
  EXPECT_EQ(a->Get("/api/v1/dspy-runs/" + id).body["status"], "running");
  // Once its lease expires the restarted replica takes it over and resumes it (and renews).
  ASSERT_TRUE(Eventually([&] { return stored(id).attempts == 1; }, std::chrono::seconds(kLeaseS * 5)))
      << "never taken over: status " << stored(id).status << ", error " << stored(id).error.value_or("-");
  RunRecord resumed = stored(id);
  EXPECT_EQ(resumed.status, "running") << resumed.error.value_or("");
  EXPECT_EQ(resumed.claimed_by, "proc-a");
  const int64_t first_lease = resumed.lease_expires_at.value_or(0);
  ASSERT_TRUE(Eventually([&] { return stored(id).lease_expires_at.value_or(0) > first_lease + kLeaseS * 1000; },
                         std::chrono::seconds(kLeaseS * 5)))
      << "the resumed run is not executed: status " << stored(id).status << ", error "
      << stored(id).error.value_or("-");
  EXPECT_EQ(stored(id).status, "running");
  // The finished trials are reused (metrics.resumed) and the LM calls spent before go on counting.
  ASSERT_TRUE(Eventually(
      [&] {
        auto trials = (*store)->ListTrials(id);
        for (const auto& t : *trials) {
          if (Json::parse(t.metrics_json, nullptr, false).value("resumed", false)) return true;
        }
        return false;
      },
      std::chrono::seconds(60)))
      << "no trial of the first attempt was reused";
  EXPECT_GE(Json::parse(stored(id).progress_json, nullptr, false).value("lm_calls", int64_t{0}), calls_before);
  EXPECT_EQ(a->Post("/api/v1/dspy-runs/" + id + "/cancel", Json::object()).status, 200);
  ASSERT_TRUE(Eventually([&] { return stored(id).status == "cancelled"; }, std::chrono::seconds(30)));
}

INSTANTIATE_TEST_SUITE_P(Signals, RestartedReplica, ::testing::Values(SIGKILL, SIGTERM),
                         [](const auto& info) { return std::string(info.param == SIGKILL ? "Kill9" : "Sigterm"); });

// A replica stopped cleanly (SIGTERM) gives up the lease of the run it was executing: the other
// replica resumes it within a couple of seconds, not once the 30 s lease has run out (a kill -9
// still leaves the lease to expire: RestartedReplica.*Kill9). The run record says who executes it
// and how many executions it took (review s22).
TEST(StoppedReplica, HandsItsRunOverAtOnce) {
  constexpr int kLeaseS = 30;
  SeededDb seeded;
  ASSERT_TRUE(seeded.store != nullptr) << "cannot open the store";
  PgTestDb& db = seeded.db;
  const std::string tid = seeded.tid;
  auto* store = &seeded.store;
  auto stored = [&](const std::string& id) { return seeded.Stored(id); };
  std::map<std::string, std::unique_ptr<ReplicaProcess>> replicas;
  replicas["proc-a"] = std::make_unique<ReplicaProcess>(db.url(), "proc-a", kLeaseS);
  replicas["proc-b"] = std::make_unique<ReplicaProcess>(db.url(), "proc-b", kLeaseS);
  auto launched = replicas["proc-a"]->Post("/api/v1/dspy-runs", SlowMiproRun(tid, 25));
  ASSERT_EQ(launched.status, 201) << launched.raw;
  const std::string id = launched.body["run_id"];
  EXPECT_EQ(launched.body["attempts"], 0) << launched.raw;
  EXPECT_TRUE(launched.body["claimed_by"].is_null()) << launched.raw;
  ASSERT_TRUE(Eventually([&] { return (*store)->ListTrials(id)->size() >= 1; }, std::chrono::seconds(60)))
      << "the run never finished a trial";
  const std::string first = stored(id).claimed_by.value_or("");
  ASSERT_TRUE(replicas.count(first)) << "claimed by '" << first << "'";
  const std::string second = first == "proc-a" ? "proc-b" : "proc-a";
  Json running = replicas[second]->Get("/api/v1/dspy-runs/" + id).body;
  EXPECT_EQ(running["claimed_by"], first) << running.dump();
  EXPECT_EQ(running["attempts"], 1) << running.dump();
  ASSERT_TRUE(running["lease_expires_at"].is_string()) << running.dump();
  EXPECT_GT(ParseRfc3339(running["lease_expires_at"].get<std::string>()).value_or(0), NowMillis()) << running.dump();

  replicas[first]->Terminate();
  const auto stopped = Clock::now();
  ASSERT_TRUE(Eventually([&] { return stored(id).claimed_by == second; }, std::chrono::seconds(kLeaseS)))
      << "never taken over: status " << stored(id).status << ", error " << stored(id).error.value_or("-");
  const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - stopped);
  EXPECT_LT(waited, std::chrono::seconds(3)) << "the run waited for its lease to expire";
  Json resumed = replicas[second]->Get("/api/v1/dspy-runs/" + id).body;
  EXPECT_EQ(resumed["claimed_by"], second) << resumed.dump();
  EXPECT_EQ(resumed["attempts"], 2) << resumed.dump();
  // Executed there to its end (its finished trials reused).
  ASSERT_TRUE(Eventually([&] { return stored(id).status != "running"; }, std::chrono::seconds(120)))
      << "the resumed run never ended";
  EXPECT_EQ(stored(id).status, "completed") << stored(id).error.value_or("-");
  // Finished: the last executor and the attempts stay; there is no lease any more.
  Json done = replicas[second]->Get("/api/v1/dspy-runs/" + id).body;
  EXPECT_EQ(done["claimed_by"], second) << done.dump();
  EXPECT_EQ(done["attempts"], 2) << done.dump();
  EXPECT_TRUE(done["lease_expires_at"].is_null()) << done.dump();
}

// A deploy restarts every replica cleanly (SIGTERM) while a long run executes, more times than the
// takeover limit (3): each handover costs one execution (`attempts`) but is no takeover after a
// lost replica (`takeovers`), so the run ends `completed`, not failed as interrupted (review s24). A
// run whose replicas are killed (kill -9) still fails after the limit:
// ReplicaRuns.OrphanedRunsThatCannotResumeFailAsInterrupted.
TEST(RollingRestarts, FourCleanRestartsDoNotFailARun) {
  constexpr int kLeaseS = 30;  // a handover must not wait for it
  constexpr int kRestarts = 4;
  SeededDb seeded;
  ASSERT_TRUE(seeded.store != nullptr) << "cannot open the store";
  auto stored = [&](const std::string& id) { return seeded.Stored(id); };
  std::map<std::string, std::unique_ptr<ReplicaProcess>> replicas;
  for (const char* name : {"proc-a", "proc-b"}) {
    replicas[name] = std::make_unique<ReplicaProcess>(seeded.db.url(), name, kLeaseS);
  }
  // ~30 s of work: it outlasts the four restarts.
  auto launched = replicas["proc-a"]->Post("/api/v1/dspy-runs", SlowMiproRun(seeded.tid, 40));
  ASSERT_EQ(launched.status, 201) << launched.raw;
  const std::string id = launched.body["run_id"];
  for (int restart = 1; restart <= kRestarts; ++restart) {
    ASSERT_TRUE(Eventually([&] { return seeded.store->ListTrials(id)->size() >= static_cast<size_t>(restart); },
                           std::chrono::seconds(60)))
        << "no trial before restart " << restart;
    const RunRecord before = stored(id);
    ASSERT_EQ(before.status, "running") << "restart " << restart << ": " << before.error.value_or("-");
    const std::string executor = before.claimed_by.value_or("");
    ASSERT_TRUE(replicas.count(executor)) << "claimed by '" << executor << "'";
    const int port = replicas[executor]->port();
    replicas[executor]->Terminate();
    replicas[executor].reset();
    replicas[executor] = std::make_unique<ReplicaProcess>(seeded.db.url(), executor, kLeaseS, port);
    ASSERT_TRUE(Eventually([&] { return stored(id).attempts > before.attempts || stored(id).status != "running"; },
                           std::chrono::seconds(10)))
        << "restart " << restart << ": never handed over";
  }
  ASSERT_TRUE(Eventually([&] { return stored(id).status != "running"; }, std::chrono::seconds(180)))
      << "the run never ended";
  const RunRecord done = stored(id);
  EXPECT_EQ(done.status, "completed") << done.error.value_or("-");
  EXPECT_EQ(done.takeovers, 0);
  // One takeover per restart, by another process: a stopping replica gives its leases up only
  // once its own workers stopped, so none of them takes the run back first (review s24).
  EXPECT_EQ(done.attempts, kRestarts);
  Json wire = replicas["proc-a"]->Get("/api/v1/dspy-runs/" + id).body;
  EXPECT_EQ(wire["attempts"], kRestarts + 1) << wire.dump();
  EXPECT_EQ(wire["takeovers"], 0) << wire.dump();
}

// A run whose first attempt spent 45 of its 60 LM calls (and 100 s) before its replica died is
// resumed by another: the LM receives at most the 15 calls left, and the run reports the run's
// totals. (The orphan is made in the store: a twin of a finished run, claimed by a replica gone.)
TEST(ResumedRun, SpendsOnlyWhatIsLeftOfItsLmBudget) {
  // Answers every call with the template's three fields (as JSON): the run goes on to its budget.
  PlainLm lm(std::chrono::milliseconds(2),
             R"({"defect_type": "crack", "severity": "low", "recommended_action": "rework"})");
  PgTestDb db;
  Config c = ReplicaConfig(db.url(), "taker");
  c.lm_providers["plain"] = lm.Provider();
  TestServer server(c);
  auto ids = SeedThroughApi(server, EXEMPLAR_SEED_DIR);
  auto launched = server.Post("/api/v1/dspy-runs", {{"template_id", ids[kDefectTemplate]},
                                                    {"optimizer_type", "BootstrapFewShotWithRandomSearch"},
                                                    {"lm", {{"provider", "plain"}}},
                                                    {"budget", {{"max_lm_calls", 60}}}});
  ASSERT_EQ(launched.status, 201) << launched.raw;
  const Json first = WaitForRun(server, launched.body["run_id"], 120);
  ASSERT_EQ(first["lm_calls"], 60) << first.dump();  // the budget binds
  ASSERT_GT(lm.calls(), 15);                         // and a fresh budget would let the LM see more than 15

  server.Stop();
  auto store = storage::OpenPostgresStore(db.url(), 1);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  RunRecord twin = *(*store)->GetRun(launched.body["run_id"]);
  twin.id = NewUuid();
  twin.status = "pending";
  twin.progress_json = Json{{"trials_done", 0}, {"trials_total", 32}, {"lm_calls", 45}, {"cached_calls", 0},
                            {"prompt_tokens", 315}, {"completion_tokens", 135}, {"lm_calls_failed", 0},
                            {"elapsed_s", 100.0}}.dump();
  twin.best_score.reset();
  twin.best_program_json.reset();
  twin.contributions_json.reset();
  twin.claimed_by.reset();
  twin.started_at.reset();
  twin.completed_at.reset();
  twin.created_at = twin.updated_at = NowMillis();
  ASSERT_TRUE((*store)->InsertRun(twin).ok());
  RunRecord claimed;
  ASSERT_TRUE(*(*store)->ClaimRun(twin.id, "gone", -1000, &claimed));  // its lease already ended
  const int before = lm.calls();
  server.Start();
  const Json done = WaitForRun(server, twin.id, 120);
  EXPECT_EQ(done["status"], "completed") << done.dump();
  EXPECT_EQ((*store)->GetRun(twin.id)->attempts, 1);
  EXPECT_LE(lm.calls() - before, 15) << "the resumed run got a fresh budget";
  EXPECT_EQ(done["lm_calls"], 60) << done.dump();
  EXPECT_EQ(done["progress"]["stopped_reason"], "budget_lm_calls") << done.dump();
  EXPECT_GE(done["tokens"].get<int64_t>(), 450) << done.dump();
  EXPECT_GE(done["elapsed_s"].get<double>(), 100.0) << done.dump();
}

}  // namespace
}  // namespace exemplar::testing
