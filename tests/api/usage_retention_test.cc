// Retention of usage evidence (review s22, attack P2): every retrieve wrote a retrievals row and
// usage events that nothing ever deleted, so an agent in a loop grew the store without bound. Rows
// older than usage_retention_days go, and beyond max_retrievals_kept the oldest retrievals go with
// their events; the example's counters (its score) and the dashboard's per-example figures stay,
// and a pruned retrieval answers a 404 that names retention.
#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/time.h"
#include "testing/db_sql.h"
#include "testing/test_server.h"

namespace exemplar::testing {
namespace {

class UsageRetentionApi : public ::testing::Test {
 protected:
  // A server with three examples, configured by `c` (the retention keys).
  void Open(const Config& c) {
    server_ = std::make_unique<TestServer>(c);
    Json items = Json::array();
    for (const char* t : {"crystal crack near the edge", "crystal crack in the housing", "crystal crack after cooling"}) {
      items.push_back(MakeExample(t, "maintenance"));
    }
    auto r = server_->Post("/api/v1/examples/batch", {{"examples", items}});
    ASSERT_EQ(r.status, 201) << r.raw;
    for (const auto& id : r.body["created_ids"]) ids_.push_back(id);
  }
  std::string Retrieve() {
    auto r = server_->Post("/api/v1/examples/retrieve", {{"query", "crystal crack"}, {"k", 3}});
    EXPECT_EQ(r.status, 200) << r.raw;
    EXPECT_EQ(r.body["examples"].size(), 3u) << r.raw;
    return r.body["retrieval_id"];
  }
  // What a prune must not change: each example's counters and effectiveness, and the dashboard's
  // per-example rankings (read from the example rows).
  Json Figures() {
    Json out = Json::object();
    for (const auto& id : ids_) {
      Json e = server_->Get("/api/v1/examples/" + id).body;
      Json eff = server_->Get("/api/v1/examples/" + id + "/effectiveness").body;
      out[id] = {{"usage_count", e["usage_count"]},
                 {"success_count", e["success_count"]},
                 {"failure_count", e["failure_count"]},
                 {"effectiveness_score", e["effectiveness_score"]},
                 {"total_uses", eff["total_uses"]},
                 {"interval", eff["interval"]}};
    }
    Json dash = server_->Get("/api/v1/examples/dashboard?period=90d").body;
    out["top_examples"] = dash["top_examples"];
    out["bottom_examples"] = dash["bottom_examples"];
    out["total_examples"] = dash["total_examples"];
    return out;
  }
  int64_t Count(const std::string& sql) { return CountSql(server_->config(), sql); }
  // The retention thread's first pass (at start) is over, so it cannot race the test's edits.
  void AwaitFirstPass() {
    for (int i = 0; i < 500 && !server_->runtime().usage_retention().stats().retrievals_kept; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_TRUE(server_->runtime().usage_retention().stats().retrievals_kept.has_value());
  }
  std::unique_ptr<TestServer> server_;
  std::vector<std::string> ids_;
};

std::string Quoted(const std::string& id) { return "'" + id + "'"; }

TEST_F(UsageRetentionApi, RowsOlderThanTheWindowArePrunedAndRecentOnesKept) {
  Config c;
  c.usage_retention_days = 30;
  ASSERT_NO_FATAL_FAILURE(Open(c));
  ASSERT_NO_FATAL_FAILURE(AwaitFirstPass());
  const std::string old_id = Retrieve(), recent_id = Retrieve();
  ASSERT_EQ(server_->Post("/api/v1/examples/outcome", {{"retrieval_id", old_id}, {"outcome", "success"}}).status, 200);
  ASSERT_EQ(server_->Post("/api/v1/examples/outcome", {{"retrieval_id", recent_id}, {"outcome", "failure"}}).status,
            200);
  // The first retrieval and its events (3 retrieved, 3 outcome) are 31 days old; a track event too.
  ASSERT_EQ(server_->Post("/api/v1/examples/" + ids_[0] + "/track", {{"outcome", "success"}}).status, 204);
  const int64_t month_ago = NowMillis() - 31 * kMillisPerDay;
  ExecSql(server_->config(), "UPDATE retrievals SET created_at = " + std::to_string(month_ago) +
                                 " WHERE id = " + Quoted(old_id));
  ExecSql(server_->config(), "UPDATE usage_events SET created_at = " + std::to_string(month_ago) +
                                 " WHERE retrieval_id = " + Quoted(old_id) + " OR kind = 'tracked'");
  ASSERT_EQ(Count("SELECT COUNT(*) FROM usage_events"), 13);
  const Json before = Figures();

  auto pruned = server_->runtime().usage_retention().PruneNow();
  ASSERT_TRUE(pruned.ok()) << pruned.status().ToString();
  EXPECT_EQ(pruned->retrievals, 1);
  EXPECT_EQ(pruned->usage_events, 7);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM retrievals"), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM usage_events WHERE retrieval_id = " + Quoted(recent_id)), 6);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM usage_events"), 6);
  EXPECT_EQ(Figures(), before);  // scores and counters live on the examples
  EXPECT_EQ(server_->Get("/api/v1/examples/retrievals/" + recent_id).status, 200);

  // The pruned retrieval: a 404 naming retention, and its outcome neither counts nor fails.
  auto gone = server_->Get("/api/v1/examples/retrievals/" + old_id);
  EXPECT_EQ(gone.status, 404) << gone.raw;
  EXPECT_NE(gone.raw.find("pruned by retention"), std::string::npos) << gone.raw;
  EXPECT_NE(gone.raw.find("30 days"), std::string::npos) << gone.raw;
  auto late = server_->Post("/api/v1/examples/outcome", {{"retrieval_id", old_id}, {"outcome", "failure"}});
  EXPECT_EQ(late.status, 404) << late.raw;
  EXPECT_NE(late.raw.find("pruned by retention"), std::string::npos) << late.raw;
  EXPECT_EQ(Figures(), before);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM usage_events"), 6);

  auto metrics = server_->Get("/metrics");
  EXPECT_NE(metrics.raw.find("exemplar_usage_pruned_total{table=\"retrievals\"} 1\n"), std::string::npos)
      << metrics.raw;
  EXPECT_NE(metrics.raw.find("exemplar_usage_pruned_total{table=\"usage_events\"} 7\n"), std::string::npos);
  EXPECT_NE(metrics.raw.find("exemplar_retrievals_kept 1\n"), std::string::npos);
}

// A loop fills a day quickly: beyond max_retrievals_kept the oldest retrievals go with their
// events, checked as retrievals are recorded (here every one: 1% of a bound of 3).
TEST_F(UsageRetentionApi, TheCountBoundKeepsTheNewestRetrievalsWithTheirEvents) {
  Config c;
  c.usage_retention_days = 0;
  c.max_retrievals_kept = 3;
  ASSERT_NO_FATAL_FAILURE(Open(c));
  ASSERT_EQ(server_->runtime().usage_retention().check_every(), 1);
  ASSERT_EQ(server_->Post("/api/v1/examples/" + ids_[0] + "/track", {{"outcome", "success"}}).status, 204);
  std::vector<std::string> made;
  for (int i = 0; i < 7; ++i) {
    made.push_back(Retrieve());
    // Each retrieval in a millisecond of its own: the bound keeps every retrieval of its millisecond.
    const int64_t at = NowMillis();
    while (NowMillis() == at) std::this_thread::yield();
  }
  ASSERT_EQ(server_->Post("/api/v1/examples/outcome", {{"retrieval_id", made.back()}, {"outcome", "success"}}).status,
            200);
  for (int i = 0; i < 500 && Count("SELECT COUNT(*) FROM retrievals") > 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(Count("SELECT COUNT(*) FROM retrievals"), 3);
  for (size_t i = 0; i < made.size(); ++i) {
    const bool kept = i >= made.size() - 3;
    EXPECT_EQ(server_->Get("/api/v1/examples/retrievals/" + made[i]).status, kept ? 200 : 404) << i;
    EXPECT_EQ(Count("SELECT COUNT(*) FROM usage_events WHERE retrieval_id = " + Quoted(made[i])),
              kept ? (i + 1 == made.size() ? 6 : 3) : 0)
        << i;
  }
  // Events of no retrieval are left to the age window; the counters still hold every use.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM usage_events WHERE kind = 'tracked'"), 1);
  for (const auto& id : ids_) {
    EXPECT_EQ(server_->Get("/api/v1/examples/" + id).body["usage_count"], id == ids_[0] ? 8 : 7) << id;
  }
  // A pass with nothing beyond the bound deletes nothing.
  auto again = server_->runtime().usage_retention().PruneNow();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->retrievals, 0);
  EXPECT_EQ(again->usage_events, 0);
}

// Tracked uses belong to no retrieval, so the retrieval bound never reached them: an agent
// tracking in a loop grew the store until the age window. Beyond max_usage_events_kept the oldest
// events go, checked as events are recorded (here every one: 1% of a bound of 5); the counters on
// the example still hold every use.
TEST_F(UsageRetentionApi, TheEventBoundKeepsTheNewestEvents) {
  Config c;
  c.usage_retention_days = 0;
  c.max_retrievals_kept = 0;
  c.max_usage_events_kept = 5;
  ASSERT_NO_FATAL_FAILURE(Open(c));
  ASSERT_NO_FATAL_FAILURE(AwaitFirstPass());
  ASSERT_EQ(server_->runtime().usage_retention().check_every_events(), 1);
  std::vector<int64_t> started;
  for (int i = 0; i < 8; ++i) {
    // Each event in a millisecond of its own: the bound keeps every event of its millisecond.
    const int64_t at = NowMillis();
    while (NowMillis() == at) std::this_thread::yield();
    started.push_back(NowMillis());
    ASSERT_EQ(server_->Post("/api/v1/examples/" + ids_[0] + "/track", {{"outcome", "success"}}).status, 204);
  }
  for (int i = 0; i < 500 && Count("SELECT COUNT(*) FROM usage_events") > 5; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(Count("SELECT COUNT(*) FROM usage_events"), 5);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM usage_events WHERE created_at >= " + std::to_string(started[3])), 5);
  Json e = server_->Get("/api/v1/examples/" + ids_[0]).body;
  EXPECT_EQ(e["usage_count"], 8);
  EXPECT_EQ(e["success_count"], 8.0);
  EXPECT_EQ(server_->Get("/api/v1/examples/" + ids_[0] + "/usage").body["events"].size(), 5u);

  // A retrieval's events count too (three at once); what it credited stays on its own row.
  const std::string id = Retrieve();
  ASSERT_EQ(server_->Post("/api/v1/examples/outcome", {{"retrieval_id", id}, {"outcome", "success"}}).status, 200);
  // 11 events now; the bound's millisecond stays, and a retrieval's three events share one.
  for (int i = 0; i < 500 && Count("SELECT COUNT(*) FROM usage_events") > 6; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_LE(Count("SELECT COUNT(*) FROM usage_events"), 6);
  auto kept = server_->Get("/api/v1/examples/retrievals/" + id);
  ASSERT_EQ(kept.status, 200) << kept.raw;
  EXPECT_EQ(kept.body["outcome"], "success") << kept.raw;
  auto metrics = server_->Get("/metrics");
  EXPECT_NE(metrics.raw.find("exemplar_usage_events_kept "), std::string::npos) << metrics.raw;
}

// 0 turns each bound off: nothing is pruned, however old, and the 404 does not speak of retention.
TEST_F(UsageRetentionApi, ZeroKeepsEverything) {
  Config c;
  c.usage_retention_days = 0;
  c.max_retrievals_kept = 0;
  c.max_usage_events_kept = 0;
  ASSERT_NO_FATAL_FAILURE(Open(c));
  const std::string id = Retrieve();
  ExecSql(server_->config(), "UPDATE retrievals SET created_at = 0");
  ExecSql(server_->config(), "UPDATE usage_events SET created_at = 0");
  auto pruned = server_->runtime().usage_retention().PruneNow();
  ASSERT_TRUE(pruned.ok());
  EXPECT_EQ(pruned->retrievals + pruned->usage_events, 0);
  EXPECT_EQ(server_->Get("/api/v1/examples/retrievals/" + id).status, 200);
  auto unknown = server_->Get("/api/v1/examples/retrievals/00000000-0000-4000-8000-000000000000");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.raw.find("retention"), std::string::npos) << unknown.raw;
}

// The dashboard's usage totals read pruned rows, so it says how much retention keeps (review s23):
// the UI labels those figures with the window.
TEST_F(UsageRetentionApi, TheDashboardNamesTheRetentionItsUsageFiguresCover) {
  Config c;
  c.usage_retention_days = 30;
  c.max_retrievals_kept = 5000;
  c.max_usage_events_kept = 70000;
  ASSERT_NO_FATAL_FAILURE(Open(c));
  auto d = server_->Get("/api/v1/examples/dashboard?period=90d");
  ASSERT_EQ(d.status, 200) << d.raw;
  EXPECT_EQ(d.body["usage_retention_days"], 30) << d.raw;
  EXPECT_EQ(d.body["max_retrievals_kept"], 5000) << d.raw;
  EXPECT_EQ(d.body["max_usage_events_kept"], 70000) << d.raw;

  Config forever;
  forever.usage_retention_days = 0;
  forever.max_retrievals_kept = 0;
  forever.max_usage_events_kept = 0;
  server_.reset();
  ASSERT_NO_FATAL_FAILURE(Open(forever));
  d = server_->Get("/api/v1/examples/dashboard");
  ASSERT_EQ(d.status, 200) << d.raw;
  EXPECT_EQ(d.body["usage_retention_days"], 0) << d.raw;
  EXPECT_EQ(d.body["max_retrievals_kept"], 0) << d.raw;
  EXPECT_EQ(d.body["max_usage_events_kept"], 0) << d.raw;
}

}  // namespace
}  // namespace exemplar::testing
