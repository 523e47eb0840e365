// Storage conformance, part 2: optimization runs and their claims, tokens, and connections that
// drop, on SQLite and PostgreSQL.
#include <pqxx/pqxx>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include "storage/store_fixture.h"

namespace exemplar::storage {
namespace {

// Its own suite name, so each file instantiates only its own tests.
class StoreRunsTest : public StoreTest {};

TEST_P(StoreRunsTest, RunsTrialsAndSyncOnce) {
  RunRecord run = MakeRun();
  ASSERT_TRUE(store_->InsertRun(run).ok());
  EXPECT_EQ(store_->InsertRun(run).code(), Code::kAlreadyExists);
  run.progress_json = R"({"trials":1})";
  run.best_score = 0.75;
  ASSERT_TRUE(store_->UpdateRun(run).ok());
  RunRecord ghost = MakeRun();
  EXPECT_TRUE(store_->UpdateRun(ghost).IsNotFound());
  TrialRecord t{run.id, 0, "zero_shot", std::nullopt, {"e1", "e2"}, 0.5, "{}", 3, 0};
  ASSERT_TRUE(store_->InsertTrial(t).ok());
  t.score = 0.6;
  ASSERT_TRUE(store_->InsertTrial(t).ok());  // idempotent on (run, index): replaced
  auto trials = store_->ListTrials(run.id);
  ASSERT_EQ(trials->size(), 1u);
  EXPECT_DOUBLE_EQ((*trials)[0].score, 0.6);
  EXPECT_EQ((*trials)[0].demo_ids, (std::vector<std::string>{"e1", "e2"}));
  auto listed = store_->ListRuns(std::string("t1"), std::string("pending"), 0, 10);
  ASSERT_EQ(listed->second, 1);
  EXPECT_EQ(listed->first[0].best_score, 0.75);
  EXPECT_EQ(store_->ListRuns(std::nullopt, std::string("completed"), 0, 10)->second, 0);
  EXPECT_EQ(store_->SyncRun(run.id, {}).code(), Code::kFailedPrecondition);
  run.status = "completed";
  ASSERT_TRUE(store_->UpdateRun(run).ok());
  ASSERT_TRUE(store_->SyncRun(run.id, {}).ok());
  EXPECT_EQ(store_->SyncRun(run.id, {}).code(), Code::kAlreadyExists);
  EXPECT_TRUE(store_->SyncRun(NewUuid(), {}).IsNotFound());
}

TEST_P(StoreRunsTest, ARunIsClaimedByExactlyOneOwner) {
  RunRecord run = MakeRun();
  ASSERT_TRUE(store_->InsertRun(run).ok());
  auto other = OpenAnother();
  std::atomic<int> wins{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&, i] {
      Store& s = i % 2 ? *other : *store_;
      RunRecord claimed;
      auto r = s.ClaimRun(run.id, "replica-" + std::to_string(i), 30000, &claimed);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      if (*r) {
        ++wins;
        EXPECT_EQ(claimed.status, "running");
        EXPECT_EQ(claimed.claimed_by, "replica-" + std::to_string(i));
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wins.load(), 1);
  EXPECT_EQ(store_->GetRun(run.id)->status, "running");
  EXPECT_FALSE(*store_->RunCancelRequested(run.id));
  ASSERT_TRUE(other->RequestRunCancel(run.id).ok());
  EXPECT_TRUE(*store_->RunCancelRequested(run.id));
  EXPECT_TRUE(store_->RequestRunCancel(NewUuid()).IsNotFound());
}

// Accept and reject race through two store instances (two replicas on PostgreSQL): one decision
// is recorded, with the winner's template id, and only its columns change.
TEST_P(StoreRunsTest, ARunIsDecidedExactlyOnce) {
  RunRecord run = MakeRun();
  ASSERT_TRUE(store_->InsertRun(run).ok());
  auto pending = store_->DecideRun(run.id, "rejected", std::nullopt, NowMillis());
  ASSERT_TRUE(pending.ok());
  EXPECT_FALSE(*pending);  // not finished yet
  run.status = "completed";
  ASSERT_TRUE(store_->UpdateRun(run).ok());
  ASSERT_TRUE(store_->SyncRun(run.id, {}).ok());
  auto other = OpenAnother();
  std::atomic<int> wins{0};
  std::mutex mu;
  std::string winner;
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&, i] {
      Store& s = i % 2 ? *other : *store_;
      const std::string version = "version-" + std::to_string(i);
      auto r = i == 5 ? s.DecideRun(run.id, "rejected", std::nullopt, NowMillis())
                      : s.DecideRun(run.id, "accepted", version, NowMillis());
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      if (*r) {
        ++wins;
        std::lock_guard lock(mu);
        winner = i == 5 ? "" : version;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wins.load(), 1);
  auto stored = store_->GetRun(run.id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->decision, winner.empty() ? "rejected" : "accepted");
  EXPECT_EQ(stored->accepted_template_id.value_or(""), winner);
  EXPECT_TRUE(stored->synced_at.has_value());  // the decision leaves the sync alone
  EXPECT_EQ(store_->DecideRun(run.id, "maybe", std::nullopt, NowMillis()).status().code(), Code::kInvalidArgument);
  EXPECT_TRUE(store_->DecideRun(NewUuid(), "accepted", "v", NowMillis()).status().IsNotFound());
}

// Accepting a run stores its version, the version's edges and the decision in one transaction:
// a lost claim stores nothing, and a version whose (name, version) is taken leaves the run
// undecided and no edges behind.
TEST_P(StoreRunsTest, AVersionAndItsRunsAcceptanceAreStoredTogetherOrNotAtAll) {
  Template parent;
  parent.id = NewUuid();
  parent.name = "qa";
  parent.version = "1.0.0";
  ASSERT_TRUE(store_->InsertTemplate(parent).ok());
  auto version = [&](const std::string& v) {
    Template t = parent;
    t.id = NewUuid();
    t.version = v;
    t.parent_template_id = parent.id;
    return t;
  };
  auto edges_into = [&](const Template& t) {
    return std::vector<LineageEdge>{{"template", parent.id, "template", t.id, "version_of", NowMillis()}};
  };
  auto stored_edges = [&](const Template& t) { return store_->EdgesTouching({{"template", t.id}}, true)->size(); };
  auto completed_run = [&] {
    RunRecord run = MakeRun();
    run.status = "completed";
    EXPECT_TRUE(store_->InsertRun(run).ok());
    return run;
  };

  RunRecord run = completed_run();
  Template first = version("1.1.0");
  auto won = store_->InsertTemplateVersion(first, edges_into(first), run.id, NowMillis());
  ASSERT_TRUE(won.ok()) << won.status().ToString();
  EXPECT_TRUE(*won);
  EXPECT_EQ(store_->GetRun(run.id)->accepted_template_id, first.id);
  EXPECT_EQ(store_->GetTemplate(first.id)->version, "1.1.0");
  EXPECT_EQ(stored_edges(first), 1u);

  Template late = version("1.2.0");
  auto lost = store_->InsertTemplateVersion(late, edges_into(late), run.id, NowMillis());
  ASSERT_TRUE(lost.ok());
  EXPECT_FALSE(*lost);
  EXPECT_TRUE(store_->GetTemplate(late.id).status().IsNotFound());
  EXPECT_EQ(stored_edges(late), 0u);
  EXPECT_EQ(store_->GetRun(run.id)->accepted_template_id, first.id);

  RunRecord second = completed_run();
  Template clash = version("1.1.0");
  auto taken = store_->InsertTemplateVersion(clash, edges_into(clash), second.id, NowMillis());
  EXPECT_EQ(taken.status().code(), Code::kAlreadyExists);
  EXPECT_FALSE(store_->GetRun(second.id)->decision.has_value());  // the claim rolled back
  EXPECT_TRUE(store_->GetTemplate(clash.id).status().IsNotFound());
  EXPECT_EQ(stored_edges(clash), 0u);
  clash.version = "1.2.0";
  EXPECT_TRUE(*store_->InsertTemplateVersion(clash, edges_into(clash), second.id, NowMillis()));
  EXPECT_EQ(store_->GetRun(second.id)->decision, "accepted");

  Template plain = version("1.3.0");  // no run to claim (a DSPy import)
  EXPECT_TRUE(*store_->InsertTemplateVersion(plain, edges_into(plain), std::nullopt, NowMillis()));
  EXPECT_TRUE(store_->InsertTemplateVersion(version("1.4.0"), {}, NewUuid(), NowMillis()).status().IsNotFound());
}

TEST_P(StoreRunsTest, ClaimNextRunTakesTheOldestPendingOnce) {
  RunRecord older = MakeRun(), newer = MakeRun(), taken = MakeRun();
  older.created_at = 100;
  newer.created_at = 200;
  taken.created_at = 50;
  for (auto* r : {&older, &newer, &taken}) ASSERT_TRUE(store_->InsertRun(*r).ok());
  RunRecord got;
  ASSERT_TRUE(*store_->ClaimRun(taken.id, "x", 30000, &got));
  auto other = OpenAnother();
  std::vector<std::string> claimed;
  std::mutex mu;
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      RunRecord r;
      auto ok = (i % 2 ? *other : *store_).ClaimNextRun("w" + std::to_string(i), 30000, &r);
      ASSERT_TRUE(ok.ok()) << ok.status().ToString();
      if (*ok) {
        std::lock_guard lock(mu);
        claimed.push_back(r.id);
        EXPECT_EQ(r.status, "running");
      }
    });
  }
  for (auto& t : threads) t.join();
  std::sort(claimed.begin(), claimed.end());
  std::vector<std::string> want = {older.id, newer.id};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(claimed, want);
  RunRecord none;
  EXPECT_FALSE(*store_->ClaimNextRun("late", 30000, &none));
}

TEST_P(StoreRunsTest, AnExpiredLeaseIsTakenOverByExactlyOneReplica) {
  RunRecord fresh = MakeRun(), orphan = MakeRun();
  ASSERT_TRUE(store_->InsertRun(fresh).ok());
  ASSERT_TRUE(store_->InsertRun(orphan).ok());
  RunRecord got;
  ASSERT_TRUE(*store_->ClaimRun(fresh.id, "a", 60000, &got));
  EXPECT_GT(*got.lease_expires_at, NowMillis());
  // A lease that ended a second ago: what a replica killed a while back leaves behind.
  ASSERT_TRUE(*store_->ClaimRun(orphan.id, "dead", -1000, &got));
  EXPECT_EQ(got.attempts, 0);
  // The heartbeat renews only the owner's lease.
  EXPECT_TRUE(*store_->RenewRunLease(fresh.id, "a", 60000));
  EXPECT_FALSE(*store_->RenewRunLease(fresh.id, "b", 60000));
  // A run with a live lease is never taken over, by id or as "any".
  RunRecord taken;
  EXPECT_FALSE(*store_->TakeOverExpiredRun(fresh.id, "b", 60000, &taken));
  // Replicas racing for the orphan: exactly one wins.
  auto other = OpenAnother();
  ASSERT_NE(other, nullptr);
  std::atomic<int> wins{0};
  std::vector<std::thread> racers;
  for (int i = 0; i < 4; ++i) {
    racers.emplace_back([&, i] {
      RunRecord r;
      auto ok = (i % 2 ? *other : *store_).TakeOverExpiredRun("", "r" + std::to_string(i), 60000, &r);
      ASSERT_TRUE(ok.ok()) << ok.status().ToString();
      if (*ok) {
        ++wins;
        EXPECT_EQ(r.id, orphan.id);
        EXPECT_EQ(r.attempts, 1);
        EXPECT_EQ(r.status, "running");
      }
    });
  }
  for (auto& t : racers) t.join();
  EXPECT_EQ(wins.load(), 1);
  RunRecord now = *store_->GetRun(orphan.id);
  EXPECT_NE(now.claimed_by, "dead");
  // The dead replica's heartbeat (were it to come back) learns it lost the run.
  EXPECT_FALSE(*store_->RenewRunLease(orphan.id, "dead", 60000));
  EXPECT_TRUE(*store_->RenewRunLease(orphan.id, *now.claimed_by, 60000));
  // A stale record written back by the old executor does not reclaim the run.
  got.progress_json = R"({"trials_done":1})";
  ASSERT_TRUE(store_->UpdateRun(got).ok());
  EXPECT_EQ(store_->GetRun(orphan.id)->claimed_by, now.claimed_by);
  EXPECT_EQ(store_->GetRun(orphan.id)->attempts, 1);
}

// A replica stopping cleanly gives its lease up (a negative lease): the run, still running, is
// taken over at once instead of after the lease it held.
TEST_P(StoreRunsTest, AGivenUpLeaseIsTakenOverAtOnce) {
  RunRecord run = MakeRun();
  ASSERT_TRUE(store_->InsertRun(run).ok());
  RunRecord got;
  ASSERT_TRUE(*store_->ClaimRun(run.id, "a", 60000, &got));
  RunRecord taken;
  EXPECT_FALSE(*store_->TakeOverExpiredRun(run.id, "b", 60000, &taken));
  EXPECT_FALSE(*store_->RenewRunLease(run.id, "b", -1));  // only the owner gives it up
  EXPECT_FALSE(*store_->TakeOverExpiredRun(run.id, "b", 60000, &taken));
  ASSERT_TRUE(*store_->RenewRunLease(run.id, "a", -1));
  EXPECT_EQ(store_->GetRun(run.id)->status, "running");
  ASSERT_TRUE(*store_->TakeOverExpiredRun(run.id, "b", 60000, &taken));
  EXPECT_EQ(taken.claimed_by, "b");
  EXPECT_EQ(taken.attempts, 1);
  EXPECT_EQ(taken.takeovers, 0);  // handed over, not lost (review s24)
  EXPECT_GT(*taken.lease_expires_at, NowMillis());
}

// Only a takeover after a lease expired counts in `takeovers` (the limit's count, review s24):
// handovers at a clean stop count in `attempts` only, whatever came before them.
TEST_P(StoreRunsTest, HandoversAreNotCountedAsTakeovers) {
  RunRecord run = MakeRun();
  ASSERT_TRUE(store_->InsertRun(run).ok());
  RunRecord got;
  ASSERT_TRUE(*store_->ClaimRun(run.id, "a", -1000, &got));  // a lease already expired
  ASSERT_TRUE(*store_->TakeOverExpiredRun(run.id, "b", 60000, &got));
  EXPECT_EQ(got.attempts, 1);
  EXPECT_EQ(got.takeovers, 1);
  for (const char* next : {"c", "d", "e", "f"}) {  // four rolling restarts
    ASSERT_TRUE(*store_->RenewRunLease(run.id, *got.claimed_by, -1));
    ASSERT_TRUE(*store_->TakeOverExpiredRun(run.id, next, 60000, &got));
    EXPECT_EQ(got.takeovers, 1) << next;
  }
  EXPECT_EQ(got.attempts, 5);
  // A handover resets the mark: the next lease that expires (its executor lost) counts again.
  ASSERT_TRUE(*store_->RenewRunLease(run.id, "f", 1));
  std::this_thread::sleep_for(std::chrono::milliseconds(5));  // the 1 ms lease expires
  ASSERT_TRUE(*store_->TakeOverExpiredRun(run.id, "g", 60000, &got));
  EXPECT_EQ(got.attempts, 6);
  EXPECT_EQ(got.takeovers, 2);
  EXPECT_EQ(store_->GetRun(run.id)->takeovers, 2);
}

// max_runs_per_caller's check: a creator's runs pending or running are counted and the run is
// inserted in one transaction; concurrent inserts by one creator through two stores (replicas)
// never pass the cap together.
TEST_P(StoreRunsTest, InsertUnderCapCountsTheCreatorsUnfinishedRuns) {
  auto run_by = [&](const std::string& who) {
    RunRecord r = MakeRun();
    r.created_by = who;
    return r;
  };
  int64_t unfinished = -1;
  RunRecord first = run_by("greedy");
  ASSERT_TRUE(*store_->InsertRunUnderCap(first, 2, &unfinished));
  EXPECT_EQ(unfinished, 0);
  ASSERT_TRUE(*store_->InsertRunUnderCap(run_by("greedy"), 2, &unfinished));
  RunRecord third = run_by("greedy");
  // The run's data snapshot, stored with it or not at all (review s24).
  SnapshotToStore data;
  data.record.id = "snap-" + third.id;
  data.record.name = "third's data";
  data.record.item_count = 1;
  data.record.created_at = NowMillis();
  data.items = {{"ex-1", 1, "hash"}};
  EXPECT_FALSE(*store_->InsertRunUnderCap(third, 2, &unfinished, &data));
  EXPECT_EQ(unfinished, 2);
  EXPECT_TRUE(store_->GetRun(third.id).status().IsNotFound());  // nothing written
  EXPECT_TRUE(store_->GetSnapshot(data.record.id).status().IsNotFound());
  EXPECT_TRUE(*store_->InsertRunUnderCap(run_by("other"), 2, &unfinished));  // per creator
  first.status = "completed";  // a finished run frees a place
  ASSERT_TRUE(store_->UpdateRun(first).ok());
  EXPECT_TRUE(*store_->InsertRunUnderCap(third, 2, &unfinished, &data));
  EXPECT_EQ(unfinished, 1);
  EXPECT_EQ(store_->GetSnapshot(data.record.id)->item_count, 1);
  EXPECT_EQ(store_->ListSnapshotItems(data.record.id)->size(), 1u);

  auto other = OpenAnother();
  ASSERT_NE(other, nullptr);
  std::atomic<int> inserted{0};
  std::vector<std::thread> racers;
  for (int i = 0; i < 8; ++i) {
    racers.emplace_back([&, i] {
      int64_t seen = 0;
      auto ok = (i % 2 ? *other : *store_).InsertRunUnderCap(run_by("racer"), 3, &seen);
      ASSERT_TRUE(ok.ok()) << ok.status().ToString();
      inserted += *ok;
    });
  }
  for (auto& t : racers) t.join();
  EXPECT_EQ(inserted.load(), 3);
}

TEST_P(StoreRunsTest, DroppedConnectionsAreReplaced) {
  if (!postgres()) GTEST_SKIP() << "SQLite has no server connections";
  std::vector<Example> batch = {Make("a")};
  ASSERT_TRUE(store_->InsertExamples(batch).ok());
  // The server ends every session of this database (as a restart or failover would).
  pqxx::connection admin(pg_->url());
  pqxx::nontransaction(admin).exec(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
      "AND pid <> pg_backend_pid()");
  for (int i = 0; i < 6; ++i) {
    auto n = store_->CountExamples();
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    EXPECT_EQ(*n, 1);
  }
  std::vector<Example> more = {Make("b")};
  EXPECT_TRUE(store_->InsertExamples(more).ok());
}

TEST_P(StoreRunsTest, TokensAreFoundByHashAndRevokedOnce) {
  ApiToken t{NewUuid(), std::string("ci"), "write", "hash-1", NowMillis(), std::nullopt};
  ASSERT_TRUE(store_->InsertToken(t).ok());
  auto found = store_->FindTokenByHash("hash-1");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->role, "write");
  EXPECT_FALSE(store_->FindTokenByHash("hash-2")->has_value());
  ASSERT_TRUE(store_->RevokeToken(t.id).ok());
  EXPECT_TRUE(store_->RevokeToken(t.id).IsNotFound());
  EXPECT_TRUE((*store_->FindTokenByHash("hash-1"))->revoked_at.has_value());
  EXPECT_EQ(store_->ListTokens()->size(), 1u);
}

// One string policy on both backends: NUL is refused whole (PostgreSQL cannot store it; SQLite
// could, and must not differ), and nothing is written.
TEST_P(StoreRunsTest, NulInAnyStoredStringIsRefusedOnEveryBackend) {
  std::vector<Example> batch = {Make("ok"), Make(std::string("dom\0ain", 7))};
  auto r = store_->InsertExamples(batch);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(*store_->CountExamples(), 0);
  std::vector<Example> escaped = {Make("ok")};
  escaped[0].input_json = R"({"q":"a\u0000b"})";
  EXPECT_EQ(store_->InsertExamples(escaped).status().code(), Code::kInvalidArgument);
  std::vector<Example> good = {Make("ok")};
  ASSERT_TRUE(store_->InsertExamples(good).ok());
  Example edited = good[0];
  edited.explanation = std::string("why\0", 4);
  EXPECT_EQ(store_->UpdateExample(edited, "{}").code(), Code::kInvalidArgument);
  EXPECT_FALSE(store_->GetExample(good[0].id)->explanation.has_value());
  Template t;
  t.id = NewUuid();
  t.name = std::string("t\0", 2);
  EXPECT_EQ(store_->InsertTemplate(t).code(), Code::kInvalidArgument);
  EXPECT_TRUE(store_->GetTemplate(t.id).status().IsNotFound());
}

TEST_P(StoreRunsTest, TokensExpireAndRecordLastUse) {
  ApiToken t{NewUuid(), std::string("ci"), "read", "hash-9", NowMillis(), std::nullopt, NowMillis() + 1000, std::nullopt};
  ASSERT_TRUE(store_->InsertToken(t).ok());
  ASSERT_TRUE(store_->TouchToken(t.id, 12345).ok());
  auto found = store_->FindTokenByHash("hash-9");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->expires_at, t.expires_at);
  EXPECT_EQ((*found)->last_used_at, 12345);
  EXPECT_EQ(store_->ListTokens()->at(0).last_used_at, 12345);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreRunsTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });


}  // namespace
}  // namespace exemplar::storage
