// Which requests the event loop answers itself (Route::quick): point reads, health and a plain
// search with the hash embedder. A search that costs tens of milliseconds (a long body: a 64 KiB
// query or many filters; an MMR pass) goes to a worker, where the per-caller cap on expensive
// requests applies: run on the loop, 16 connections of one read token held /healthz at ~1 s and
// got no 429 (an outside review's reproduction). Retrieval records what it returned: a worker.
#include <gtest/gtest.h>

#include <string>

#include "api/dispatcher.h"
#include "api/routes.h"
#include "testing/test_server.h"

namespace exemplar::testing {
namespace {

class QuickRoutes : public ::testing::Test {
 protected:
  bool Quick(const std::string& method, const std::string& path, const std::string& body = "") {
    api::Request req;
    req.method = method;
    req.path = path;
    req.body = body;
    return dispatcher_.Quick(req);
  }
  TestServer server_;
  api::Dispatcher dispatcher_{server_.config(), api::BuildRoutes(server_.runtime().services()), nullptr};
};

TEST_F(QuickRoutes, OnlyCheapRequestsRunOnTheEventLoop) {
  ASSERT_EQ(server_.Post("/api/v1/examples/search", {{"query_text", "fan"}}).status, 200);  // the floor is measured
  EXPECT_TRUE(Quick("GET", "/healthz"));
  EXPECT_TRUE(Quick("GET", "/api/v1/examples/00000000-0000-4000-8000-000000000001"));
  EXPECT_TRUE(Quick("POST", "/api/v1/examples/search", R"({"query_text": "fan noise", "k": 5, "mode": "hybrid"})"));

  EXPECT_FALSE(Quick("POST", "/api/v1/examples/search",
                     R"({"query_text": "fan noise", "k": 5, "mmr": {"lambda": 0.5, "fetch_k": 1000}})"));
  EXPECT_FALSE(Quick("POST", "/api/v1/examples/search", R"({"query_text": ")" + std::string(64 * 1024, 'a') + "\"}"));
  std::string filters = R"({"query_text": "fan")";
  for (int i = 0; i < 100; ++i) filters += ", \"input.f" + std::to_string(i) + "\": \"" + std::to_string(i) + "\"";
  EXPECT_FALSE(Quick("POST", "/api/v1/examples/search", filters + "}"));
  EXPECT_FALSE(Quick("POST", "/api/v1/examples/retrieve", R"({"query": "fan noise"})"));
  EXPECT_FALSE(Quick("POST", "/api/v1/agents/examples/retrieve", R"({"query": "fan noise"})"));
  EXPECT_FALSE(Quick("GET", "/api/v1/examples"));
  // Decided on the parsed body (an outside review stalled the loops with 1 KiB bodies): an escaped
  // "mmr" key, a metadata search (SQLite sorts and counts), tag lists and sorts take a worker.
  EXPECT_FALSE(Quick("POST", "/api/v1/examples/search",
                     R"({"query_text": "fan", "k": 100, "\u006dmr": {"lambda": 0.5, "fetch_k": 1000}})"));
  std::string tags = R"({"mode": "metadata", "k": 100, "capability_tags": ["t0")";
  for (int i = 1; i < 100; ++i) tags += ", \"t" + std::to_string(i) + "\"";
  EXPECT_FALSE(Quick("POST", "/api/v1/examples/search", tags + "]}"));
  EXPECT_FALSE(Quick("POST", "/api/v1/examples/search", R"({"query_text": "fan", "capability_tags_all": ["a", "b"]})"));
  EXPECT_FALSE(Quick("POST", "/api/v1/examples/search", R"({"domain": "x"})"));
  EXPECT_FALSE(Quick("POST", "/api/v1/examples/search", R"({"query_text": "fan", "mode": "metadata"})"));
  EXPECT_TRUE(Quick("POST", "/api/v1/examples/search", R"({"query_text": "fan", "domain": "x", "relevance_floor": 0.2})"));
  // A template or a run can be megabytes: read by a worker.
  EXPECT_FALSE(Quick("GET", "/api/v1/templates/00000000-0000-4000-8000-000000000001"));
  EXPECT_FALSE(Quick("GET", "/api/v1/dspy-runs/00000000-0000-4000-8000-000000000001"));
}

// Plain in shape is not enough (review s22, 76,000-150,000 examples): a query of words that many
// examples hold costs the keyword leg a read of every posting (50-60 ms for three common words),
// and the first search after the store grew by a tenth measures the relevance floor again (0.8 s).
// Either held every connection of the loop; both go to a worker.
TEST(QuickRoutesBySize, CommonWordsAndAFloorDueToBeMeasuredTakeAWorker) {
  TestServer server;
  api::Dispatcher dispatcher{server.config(), api::BuildRoutes(server.runtime().services()), nullptr};
  auto quick = [&](const std::string& query) {
    api::Request req;
    req.method = "POST";
    req.path = "/api/v1/examples/search";
    req.body = Json{{"query_text", query}, {"k", 5}}.dump();
    return dispatcher.Quick(req);
  };
  auto add = [&](int from, int to) {
    for (int at = from; at < to; at += 1000) {
      Json items = Json::array();
      for (int i = at; i < std::min(to, at + 1000); ++i) {
        items.push_back(MakeExample("thermal drift reading " + std::to_string(i) + (i % 100 == 0 ? " quartz" : "")));
      }
      ASSERT_EQ(server.Post("/api/v1/examples/batch", {{"examples", items}}).status, 201);
    }
  };
  add(0, 4200);
  EXPECT_FALSE(quick("quartz crystal"));  // no floor measured yet: this search would measure it
  ASSERT_EQ(server.Post("/api/v1/examples/search", {{"query_text", "quartz"}}).status, 200);
  EXPECT_TRUE(quick("quartz crystal"));  // 42 postings
  EXPECT_FALSE(quick("thermal"));        // 4,200 postings
  EXPECT_TRUE(quick("quartz thermal"));  // a word in most examples is dropped beside a rarer one: 42 again
  add(4200, 4700);  // past a tenth more vectors: the floor is due again
  EXPECT_FALSE(quick("quartz crystal"));
  ASSERT_EQ(server.Post("/api/v1/examples/search", {{"query_text", "quartz"}}).status, 200);
  EXPECT_TRUE(quick("quartz crystal"));
}

}  // namespace
}  // namespace exemplar::testing
