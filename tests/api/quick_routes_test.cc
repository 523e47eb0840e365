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

}  // namespace
}  // namespace exemplar::testing
