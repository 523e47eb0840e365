// Concurrency (issue 10): many threads mixing creates, updates, searches, retrievals with
// outcomes and tracks against one server; afterwards every counter is exact and the indexes
// agree with the store.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "testing/test_server.h"

namespace exemplar::testing {
namespace {

TEST(Stress, MixedTrafficKeepsCountersExact) {
  TestServer server;
  Json seed = Json::array();
  for (int i = 0; i < 40; ++i) seed.push_back(MakeExample("seed detector fault number " + std::to_string(i), "stress"));
  auto r = server.Post("/api/v1/examples/batch", {{"examples", seed}});
  ASSERT_EQ(r.status, 201);
  std::vector<std::string> ids = r.body["created_ids"];
  const std::string tracked = ids[0];

  constexpr int kThreads = 8, kRounds = 25;
  std::atomic<int> errors{0}, created{0}, successes{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      httplib::Client c("127.0.0.1", server.port());
      c.set_read_timeout(30, 0);
      auto post = [&](const std::string& path, const Json& body) {
        auto res = c.Post(path.c_str(), body.dump(), "application/json");
        return res ? Json::parse(res->body, nullptr, false) : Json();
      };
      for (int i = 0; i < kRounds; ++i) {
        switch ((t + i) % 5) {
          case 0: {
            auto res = c.Post("/api/v1/examples", MakeExample("thread " + std::to_string(t) + " item " + std::to_string(i), "stress").dump(),
                              "application/json");
            if (res && res->status == 201) ++created;
            else ++errors;
            break;
          }
          case 1: {
            auto res = c.Put(("/api/v1/examples/" + ids[(t * 7 + i) % ids.size()]).c_str(),
                             Json{{"explanation", "edited by " + std::to_string(t)}}.dump(), "application/json");
            if (!res || res->status != 200) ++errors;
            break;
          }
          case 2: {
            Json s = post("/api/v1/examples/search", {{"query_text", "detector fault"}, {"domain", "stress"}, {"k", 5}});
            if (!s.contains("results") || s["results"].size() != 5) ++errors;
            break;
          }
          case 3: {
            Json rr = post("/api/v1/examples/retrieve", {{"query", "fault number"}, {"domain", "stress"}, {"k", 2}});
            if (!rr.contains("retrieval_id")) {
              ++errors;
              break;
            }
            auto o = c.Post("/api/v1/examples/outcome", Json{{"retrieval_id", rr["retrieval_id"]}, {"outcome", "success"}}.dump(),
                            "application/json");
            if (!o || o->status != 200) ++errors;
            break;
          }
          case 4: {
            auto res = c.Post(("/api/v1/examples/" + tracked + "/track").c_str(), Json{{"outcome", "success"}}.dump(),
                              "application/json");
            if (res && res->status == 204) ++successes;
            else ++errors;
            break;
          }
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(errors, 0);
  auto list = server.Get("/api/v1/examples?domain=stress&page_size=1");
  EXPECT_EQ(list.body["total"].get<int>(), 40 + created.load());
  auto eff = server.Get("/api/v1/examples/" + tracked + "/effectiveness").body;
  EXPECT_GE(eff["success_count"].get<double>(), successes.load());  // retrievals may credit it too
  auto ready = server.Get("/readyz").body;
  EXPECT_EQ(ready["indexed"].get<int>(), 40 + created.load());
  EXPECT_EQ(ready["vectors"].get<int>(), 40 + created.load());
  // Every outcome event credited exactly: the counters equal the sum of recorded events.
  auto dash = server.Get("/api/v1/examples/dashboard?period=7d&domain=stress").body;
  double total_success = 0;
  for (int page = 1;; ++page) {
    auto p = server.Get("/api/v1/examples?domain=stress&page_size=100&page=" + std::to_string(page)).body;
    for (const auto& e : p["examples"]) total_success += e["success_count"].get<double>();
    if (p["examples"].size() < 100) break;
  }
  EXPECT_DOUBLE_EQ(dash["total_successes"].get<double>(), total_success);
}

}  // namespace
}  // namespace exemplar::testing
