// Replicas: two servers over one PostgreSQL database, each with its own indexes following the
// change log. A write acknowledged by one is searchable on the other within a bound (measured
// here), updates and deletes converge both ways, a replica that was down catches up, an
// optimization run is executed by the replica that claimed it only, and a run whose replica is
// killed (-9, a separate process) is taken over by another when its lease expires.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <thread>

#include "common/ids.h"
#include "common/time.h"
#include "embed/hash_embedder.h"
#include "testing/replica_process.h"
#include "testing/seed_fixture.h"

namespace exemplar::testing {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kBound = std::chrono::seconds(2);  // stated bound; NOTIFY makes it milliseconds

Config ReplicaConfig(const std::string& db, const std::string& name) {
  Config c;
  c.db = db;
  c.replica_id = name;
  c.follow_interval_ms = 1000;  // the polling fallback; NOTIFY should beat it by far
  return c;
}

// Ids of keyword-search hits for `word` on `server`.
std::vector<std::string> Find(TestServer& server, const std::string& word, const Json& filters = Json::object()) {
  Json body = {{"query_text", word}, {"mode", "keyword"}, {"k", 20}};
  body.update(filters);
  auto r = server.Post("/api/v1/examples/search", body);
  std::vector<std::string> ids;
  if (r.status != 200) return ids;
  for (const auto& hit : r.body["results"]) ids.push_back(hit["example"]["example_id"]);
  return ids;
}

bool Contains(const std::vector<std::string>& v, const std::string& id) {
  return std::find(v.begin(), v.end(), id) != v.end();
}

// Polls until pred() holds; returns the time it took, or nullopt after `limit`.
template <typename Pred>
std::optional<Clock::duration> TimeUntil(Pred pred, Clock::duration limit = std::chrono::seconds(10)) {
  auto start = Clock::now();
  while (Clock::now() - start < limit) {
    if (pred()) return Clock::now() - start;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return std::nullopt;
}

std::string Create(TestServer& server, const std::string& text, const std::string& domain = "general") {
  auto r = server.Post("/api/v1/examples", MakeExample(text, domain));
  EXPECT_EQ(r.status, 201) << r.raw;
  return r.body.value("example_id", "");
}

class Replicas : public ::testing::Test {
 protected:
  PgTestDb db_;
  TestServer a_{ReplicaConfig(db_.url(), "replica-a")};
  TestServer b_{ReplicaConfig(db_.url(), "replica-b")};
};

TEST_F(Replicas, CreateOnASearchableOnBWithinTheBound) {
  std::vector<double> ms;
  for (int i = 0; i < 20; ++i) {
    std::string word = "zqx" + NewUuid().substr(0, 8);
    std::string id = Create(a_, "replicated " + word + " example");
    auto took = TimeUntil([&] { return Contains(Find(b_, word), id); });
    ASSERT_TRUE(took.has_value()) << "example " << id << " never became searchable on B";
    EXPECT_LE(*took, kBound);
    ms.push_back(std::chrono::duration<double, std::milli>(*took).count());
  }
  std::sort(ms.begin(), ms.end());
  std::printf("replica propagation (create on A -> keyword hit on B, incl. polling): p50 %.1f ms, max %.1f ms\n",
              ms[ms.size() / 2], ms.back());
  RecordProperty("propagation_p50_ms", std::to_string(ms[ms.size() / 2]));
  RecordProperty("propagation_max_ms", std::to_string(ms.back()));
}

TEST_F(Replicas, UpdatesAndDeletesConvergeBothWays) {
  std::string word = "upd" + NewUuid().substr(0, 8);
  std::string id = Create(a_, "before " + word, "billing");
  ASSERT_TRUE(TimeUntil([&] { return Contains(Find(b_, word, {{"domain", "billing"}}), id); }));
  // Update on A: new text and a new domain reach B's keyword index and filter catalog.
  std::string fresh = "aft" + NewUuid().substr(0, 8);
  Json update = MakeExample("after " + fresh, "support");
  auto put = a_.Put("/api/v1/examples/" + id, update);
  ASSERT_EQ(put.status, 200) << put.raw;
  ASSERT_TRUE(TimeUntil([&] { return Contains(Find(b_, fresh, {{"domain", "support"}}), id); }));
  EXPECT_FALSE(Contains(Find(b_, word), id));
  EXPECT_FALSE(Contains(Find(b_, fresh, {{"domain", "billing"}}), id));
  // Vector search on B finds it too (its embedding came through the change log).
  auto vec = b_.Post("/api/v1/examples/search", {{"query_text", "after " + fresh}, {"mode", "vector"}, {"k", 1}});
  ASSERT_EQ(vec.status, 200);
  ASSERT_EQ(vec.body["results"].size(), 1u);
  EXPECT_EQ(vec.body["results"][0]["example"]["example_id"], id);
  // Delete on B: gone from A's indexes.
  ASSERT_EQ(b_.Delete("/api/v1/examples/" + id).status, 204);
  ASSERT_TRUE(TimeUntil([&] { return !Contains(Find(a_, fresh), id); }));
  EXPECT_EQ(a_.Get("/api/v1/examples/" + id).status, 404);
}

TEST_F(Replicas, OutcomesOnOneReplicaMoveEffectivenessOnTheOther) {
  std::string word = "eff" + NewUuid().substr(0, 8);
  std::string id = Create(a_, "tracked " + word);
  auto tracked = b_.Post("/api/v1/examples/" + id + "/track", {{"outcome", "success"}});
  ASSERT_EQ(tracked.status, 204) << tracked.raw;
  // A's catalog learns the new effectiveness: a minimum filter now admits the example.
  ASSERT_TRUE(TimeUntil([&] { return Contains(Find(a_, word, {{"min_effectiveness_score", 0.6}}), id); }))
      << "A's catalog never saw the outcome recorded on B";
}

TEST_F(Replicas, AReplicaThatWasDownCatchesUp) {
  std::string word = "cu" + NewUuid().substr(0, 8);
  std::string kept = Create(a_, "kept " + word);
  ASSERT_TRUE(TimeUntil([&] { return Contains(Find(b_, word), kept); }));
  b_.Stop();  // B saves its snapshot here, then misses everything below
  std::vector<std::string> created;
  for (int i = 0; i < 30; ++i) created.push_back(Create(a_, "while down " + word + " n" + std::to_string(i)));
  ASSERT_EQ(a_.Delete("/api/v1/examples/" + kept).status, 204);
  ASSERT_EQ(a_.Delete("/api/v1/examples/" + created[0]).status, 204);
  b_.Start();  // snapshot + replay of A's changes
  auto hits = Find(b_, word);
  EXPECT_EQ(hits.size(), 20u);  // k = 20 of the 29 left
  EXPECT_FALSE(Contains(hits, kept));
  EXPECT_FALSE(Contains(hits, created[0]));
  auto stats = b_.Get("/api/v1/examples?page_size=1").body;
  EXPECT_EQ(stats["total"], 29);
  for (size_t i = 1; i < created.size(); ++i) {
    auto vec = b_.Post("/api/v1/examples/search",
                       {{"query_text", "while down " + word + " n" + std::to_string(i)}, {"mode", "vector"}, {"k", 30}});
    bool found = false;
    for (const auto& h : vec.body["results"]) found = found || h["example"]["example_id"] == created[i];
    EXPECT_TRUE(found) << "vector index of B misses " << created[i];
  }
}

TEST_F(Replicas, ARunIsExecutedByItsClaimerAndCancelledThroughTheOther) {
  auto ids = SeedThroughApi(a_, EXEMPLAR_SEED_DIR);
  std::string tid = ids["7d3e9a52-1c4b-4f8e-8a6d-2b5c9e0f1a01"];
  Json body = SlowMiproRun(tid, 25);
  auto launched = a_.Post("/api/v1/dspy-runs", body);
  ASSERT_EQ(launched.status, 201) << launched.raw;
  std::string id = launched.body["run_id"];
  ASSERT_TRUE(TimeUntil([&] { return b_.Get("/api/v1/dspy-runs/" + id).body.value("trials_completed", 0) >= 1; },
                        std::chrono::seconds(60)));
  // B restarts while A executes the run: B must not take it over or mark it interrupted.
  b_.Restart();
  Json seen = b_.Get("/api/v1/dspy-runs/" + id).body;
  EXPECT_EQ(seen["status"], "running") << seen.dump();
  // B's event stream follows the run executing on A (through the store) to its end.
  std::string stream;
  std::thread watcher([&] {
    httplib::Client c("127.0.0.1", b_.port());
    c.set_read_timeout(60, 0);
    if (auto r = c.Get(("/api/v1/dspy-runs/" + id + "/events").c_str())) stream = r->body;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  // Cancel through B; A notices the flag and stops.
  auto cancel = b_.Post("/api/v1/dspy-runs/" + id + "/cancel", Json::object());
  EXPECT_EQ(cancel.status, 200) << cancel.raw;
  watcher.join();
  EXPECT_NE(stream.find("\"cancelled\""), std::string::npos) << stream;
  ASSERT_TRUE(TimeUntil([&] { return a_.Get("/api/v1/dspy-runs/" + id).body["status"] == "cancelled"; },
                        std::chrono::seconds(30)));
  Json done = b_.Get("/api/v1/dspy-runs/" + id).body;
  EXPECT_EQ(done["status"], "cancelled");
  // A second run launched on B is executed by B alone (claimed once), to completion.
  Json small = {{"template_id", tid}, {"optimizer_type", "LabeledFewShot"}, {"lm", {{"provider", "offline"}}}};
  auto second = b_.Post("/api/v1/dspy-runs", small);
  ASSERT_EQ(second.status, 201) << second.raw;
  std::string id2 = second.body["run_id"];
  ASSERT_TRUE(TimeUntil([&] { return a_.Get("/api/v1/dspy-runs/" + id2).body["status"] == "completed"; },
                        std::chrono::seconds(60)));
  auto runs = a_.runtime().store().GetRun(id2);
  ASSERT_TRUE(runs.ok());
  EXPECT_EQ(runs->claimed_by, "replica-b");
}

TEST(ReplicaRuns, AnIdleReplicaWorksARunLaunchedOnABusyOne) {
  PgTestDb db;
  Config ca = ReplicaConfig(db.url(), "busy-a");
  ca.run_workers = 1;
  TestServer a(ca);
  TestServer b(ReplicaConfig(db.url(), "idle-b"));
  auto ids = SeedThroughApi(a, EXEMPLAR_SEED_DIR);
  std::string tid = ids["7d3e9a52-1c4b-4f8e-8a6d-2b5c9e0f1a01"];
  // ~20 s of work: A's only worker stays busy until B has completed the second run.
  Json long_run = SlowMiproRun(tid, 25);
  auto first = a.Post("/api/v1/dspy-runs", long_run);
  ASSERT_EQ(first.status, 201) << first.raw;
  std::string busy = first.body["run_id"];
  ASSERT_TRUE(TimeUntil([&] { return a.Get("/api/v1/dspy-runs/" + busy).body["status"] == "running"; }));
  Json small = {{"template_id", tid}, {"optimizer_type", "LabeledFewShot"}, {"lm", {{"provider", "offline"}}}};
  auto second = a.Post("/api/v1/dspy-runs", small);
  ASSERT_EQ(second.status, 201) << second.raw;
  std::string id = second.body["run_id"];
  // A's only worker is busy; B's idle worker claims the pending run and completes it.
  ASSERT_TRUE(TimeUntil([&] { return a.Get("/api/v1/dspy-runs/" + id).body["status"] == "completed"; },
                        std::chrono::seconds(60)));
  EXPECT_EQ(a.runtime().store().GetRun(id)->claimed_by, "idle-b");
  EXPECT_EQ(a.runtime().store().GetRun(busy)->claimed_by, "busy-a");
  EXPECT_EQ(a.Post("/api/v1/dspy-runs/" + busy + "/cancel", Json::object()).status, 200);
}

// Replica A (a process) executes a long run; replica B (in process) is idle. Both use a 2 s lease.
class OrphanedRun : public ::testing::Test {
 protected:
  static constexpr int kLeaseS = 2;
  // Lease, plus one poll of an idle worker (1 s), plus scheduling slack on a loaded machine.
  static constexpr auto kTakeoverBound = std::chrono::milliseconds(kLeaseS * 1000 + 1000 + 2000);

  void SetUp() override {
    std::string tid;
    {
      TestServer seeder(ReplicaConfig(db_.url(), "seeder"));
      tid = SeedThroughApi(seeder, EXEMPLAR_SEED_DIR)["7d3e9a52-1c4b-4f8e-8a6d-2b5c9e0f1a01"];
    }
    a_ = std::make_unique<ReplicaProcess>(db_.url(), "proc-a", kLeaseS);
    // ~20 s of work: the run must outlast A's start, the takeover and B's renewals (at
    // 5 ms a call it took 4 s, and a loaded machine let it finish before B renewed).
    Json body = SlowMiproRun(tid, 25);
    auto launched = a_->Post("/api/v1/dspy-runs", body);
    ASSERT_EQ(launched.status, 201) << launched.raw;
    run_id_ = launched.body["run_id"];
    // B starts only once A holds the run, so A is the one executing it.
    Config cb = ReplicaConfig(db_.url(), "survivor-b");
    cb.run_lease_s = kLeaseS;
    b_ = std::make_unique<TestServer>(cb);
    ASSERT_TRUE(TimeUntil([&] {
      auto run = Stored();
      return run.claimed_by == "proc-a" && run.status == "running" &&
             b_->Get("/api/v1/dspy-runs/" + run_id_).body.value("trials_completed", 0) >= 1;
    }, std::chrono::seconds(60))) << "A never started the run";
  }
  RunRecord Stored() {
    auto run = b_->runtime().store().GetRun(run_id_);
    return run.ok() ? *run : RunRecord{};
  }

  PgTestDb db_;
  std::unique_ptr<ReplicaProcess> a_;
  std::unique_ptr<TestServer> b_;
  std::string run_id_;
};

TEST_F(OrphanedRun, AnotherReplicaResumesItWithinTheLeaseAndHonoursCancel) {
  a_->Kill();
  auto killed = Clock::now();
  // B reports it running meanwhile (the lease has not expired yet), then takes it over.
  auto took = TimeUntil([&] { return Stored().claimed_by == "survivor-b"; }, std::chrono::seconds(30));
  ASSERT_TRUE(took.has_value()) << "no replica took over the orphaned run";
  EXPECT_LE(*took, kTakeoverBound);
  std::printf("orphaned run taken over %.0f ms after kill -9 (lease %d s)\n",
              std::chrono::duration<double, std::milli>(Clock::now() - killed).count(), kLeaseS);
  RunRecord resumed = Stored();
  EXPECT_EQ(resumed.status, "running");
  EXPECT_EQ(resumed.attempts, 1);
  // Resumed: B executes it and renews its lease, beyond a whole lease period past the takeover.
  const int64_t first_lease = resumed.lease_expires_at.value_or(0);
  ASSERT_TRUE(TimeUntil([&] { return Stored().lease_expires_at.value_or(0) > first_lease + kLeaseS * 1000; },
                        std::chrono::seconds(kLeaseS * 5)))
      << "B does not renew its lease on the resumed run: status " << Stored().status << ", claimed by "
      << Stored().claimed_by.value_or("-") << ", attempts " << Stored().attempts << ", error "
      << Stored().error.value_or("-") << ", progress " << Stored().progress_json;
  EXPECT_EQ(Stored().status, "running");
  EXPECT_EQ(Stored().claimed_by, "survivor-b");
  // Cancel through B takes effect, and every replica (any reader of the store) sees it.
  auto cancel = b_->Post("/api/v1/dspy-runs/" + run_id_ + "/cancel", Json::object());
  EXPECT_EQ(cancel.status, 200) << cancel.raw;
  ASSERT_TRUE(TimeUntil([&] { return b_->Get("/api/v1/dspy-runs/" + run_id_).body["status"] == "cancelled"; },
                        std::chrono::seconds(30)));
  auto other = storage::OpenPostgresStore(db_.url(), 1);
  ASSERT_TRUE(other.ok());
  EXPECT_EQ((*other)->GetRun(run_id_)->status, "cancelled");
}

TEST_F(OrphanedRun, ACancelSentWhileItIsOrphanedTakesEffect) {
  a_->Kill();
  // Nobody executes the run now; the cancel goes through B at once.
  auto cancel = b_->Post("/api/v1/dspy-runs/" + run_id_ + "/cancel", Json::object());
  EXPECT_EQ(cancel.status, 200) << cancel.raw;
  auto took = TimeUntil([&] { return b_->Get("/api/v1/dspy-runs/" + run_id_).body["status"] == "cancelled"; },
                        std::chrono::seconds(30));
  ASSERT_TRUE(took.has_value()) << "the cancel of an orphaned run never took effect";
  EXPECT_LE(*took, kTakeoverBound);
  auto other = storage::OpenPostgresStore(db_.url(), 1);
  ASSERT_TRUE(other.ok());
  RunRecord seen = *(*other)->GetRun(run_id_);
  EXPECT_EQ(seen.status, "cancelled");
  EXPECT_EQ(seen.claimed_by, "survivor-b");
  // A second cancel is refused as for any finished run.
  EXPECT_EQ(b_->Post("/api/v1/dspy-runs/" + run_id_ + "/cancel", Json::object()).status, 409);
}

// Orphaned runs that cannot be resumed are failed as interrupted, visibly on every replica: one
// already taken over max_takeovers (3) times, one whose trials were all done.
TEST(ReplicaRuns, OrphanedRunsThatCannotResumeFailAsInterrupted) {
  PgTestDb db;
  auto store = storage::OpenPostgresStore(db.url(), 2);
  ASSERT_TRUE(store.ok());
  auto orphan = [&](const std::string& progress, int takeovers) {
    RunRecord r;
    r.id = NewUuid();
    r.template_id = NewUuid();
    r.config_json = R"({"optimizer_type":"LabeledFewShot"})";
    r.progress_json = progress;
    r.created_at = NowMillis();
    EXPECT_TRUE((*store)->InsertRun(r).ok());
    RunRecord got;
    EXPECT_TRUE(*(*store)->ClaimRun(r.id, "gone", -1000, &got));  // a lease that already ended
    for (int i = 0; i < takeovers; ++i) EXPECT_TRUE(*(*store)->TakeOverExpiredRun(r.id, "gone", -1000, &got));
    return r.id;
  };
  std::string bounced = orphan(R"({"trials_done":1,"trials_total":8})", 3);
  std::string done = orphan(R"({"trials_done":8,"trials_total":8})", 0);
  for (int i = 0; i < 8; ++i) {
    TrialRecord t;
    t.run_id = done;
    t.trial_index = i;
    t.candidate = "labeled";
    ASSERT_TRUE((*store)->InsertTrial(t).ok());
  }
  TestServer b(ReplicaConfig(db.url(), "survivor"));
  for (const auto& id : {bounced, done}) {
    ASSERT_TRUE(TimeUntil([&] { return b.Get("/api/v1/dspy-runs/" + id).body["status"] == "failed"; },
                          std::chrono::seconds(15)))
        << "orphaned run " << id << " was not failed";
    RunRecord seen = *(*store)->GetRun(id);
    EXPECT_EQ(seen.status, "failed");
    EXPECT_NE(seen.error.value_or("").find("interrupted"), std::string::npos) << seen.error.value_or("");
    EXPECT_EQ(seen.claimed_by, "survivor");
  }
}

TEST(SqliteFollower, WritesByAnotherProcessBecomeSearchable) {
  Config c;
  c.follow_interval_ms = 50;
  TestServer server(c);  // SQLite in its data dir
  // Another writer on the same file, as `exemplar import` run beside the server would be.
  auto other = storage::OpenSqliteStore((server.data_dir() / "exemplar.db").string());
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  embed::HashEmbedder embedder(384);
  std::string word = "imp" + NewUuid().substr(0, 8);
  Example e;
  e.id = NewUuid();
  e.input_json = Json{{"text", "imported " + word}}.dump();
  e.embedding = *embedder.Embed("imported " + word);
  e.embedding_model = embedder.model();
  std::vector<Example> batch = {e};
  ASSERT_TRUE((*other)->InsertExamples(batch).ok());
  auto took = TimeUntil([&] { return Contains(Find(server, word), e.id); });
  ASSERT_TRUE(took.has_value()) << "the server never saw the other process's write";
  EXPECT_LE(*took, kBound);
}

}  // namespace
}  // namespace exemplar::testing
