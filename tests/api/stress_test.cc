// Concurrency (issue 10): many threads mixing creates, updates, searches, retrievals with
// outcomes and tracks against one server; afterwards every counter is exact and the indexes
// agree with the store.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "api/routes.h"
#include "index/vector_index.h"

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
  std::mutex failures_mu;
  std::vector<std::string> failures;  // what each error was, for the failure message
  auto failed = [&](const std::string& what) {
    ++errors;
    std::lock_guard lock(failures_mu);
    failures.push_back(what);
  };
  auto fail = [&](const std::string& what, const httplib::Result& res) {
    failed(what + ": " + (res ? std::to_string(res->status) + " " + res->body.substr(0, 200) : "no response"));
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      httplib::Client c("127.0.0.1", server.port());
      c.set_read_timeout(30, 0);
      // Searches and retrievals share the server's cap on expensive requests, three quarters of it
      // per caller: eight threads from one address can exceed it, and the server then answers 429
      // with Retry-After. A client waits as told and sends again; the counters must still be exact.
      auto post = [&](const std::string& path, const Json& body) {
        for (int attempt = 0;; ++attempt) {
          auto res = c.Post(path.c_str(), body.dump(), "application/json");
          if (res && (res->status == 429 || res->status == 503) && attempt < 10) {
            const int wait = res->has_header("Retry-After") ? std::stoi(res->get_header_value("Retry-After")) : 1;
            std::this_thread::sleep_for(std::chrono::seconds(wait));
            continue;
          }
          return res ? Json::parse(res->body, nullptr, false) : Json();
        }
      };
      for (int i = 0; i < kRounds; ++i) {
        switch ((t + i) % 5) {
          case 0: {
            auto res = c.Post("/api/v1/examples", MakeExample("thread " + std::to_string(t) + " item " + std::to_string(i), "stress").dump(),
                              "application/json");
            if (res && res->status == 201) ++created;
            else fail("create", res);
            break;
          }
          case 1: {
            auto res = c.Put(("/api/v1/examples/" + ids[(t * 7 + i) % ids.size()]).c_str(),
                             Json{{"explanation", "edited by " + std::to_string(t)}}.dump(), "application/json");
            if (!res || res->status != 200) fail("update", res);
            break;
          }
          case 2: {
            Json s = post("/api/v1/examples/search", {{"query_text", "detector fault"}, {"domain", "stress"}, {"k", 5}});
            if (!s.contains("results") || s["results"].size() != 5) failed("search: " + s.dump().substr(0, 300));
            break;
          }
          case 3: {
            Json rr = post("/api/v1/examples/retrieve", {{"query", "fault number"}, {"domain", "stress"}, {"k", 2}});
            if (!rr.contains("retrieval_id")) {
              failed("retrieve: " + rr.dump().substr(0, 300));
              break;
            }
            auto o = c.Post("/api/v1/examples/outcome", Json{{"retrieval_id", rr["retrieval_id"]}, {"outcome", "success"}}.dump(),
                            "application/json");
            if (!o || o->status != 200) fail("outcome", o);
            break;
          }
          case 4: {
            auto res = c.Post(("/api/v1/examples/" + tracked + "/track").c_str(), Json{{"outcome", "success"}}.dump(),
                              "application/json");
            if (res && res->status == 204) ++successes;
            else fail("track", res);
            break;
          }
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  std::string what;
  for (const auto& f : failures) what += "\n  " + f;
  EXPECT_EQ(errors, 0) << what;
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

// Parallel graph construction under TSan: four inserter threads fold batches into the HNSW
// graph while a writer adds and re-adds vectors and two readers search; every acknowledged
// vector is found by a search for itself.
TEST(Stress, ParallelGraphInsertionDuringSearches) {
  constexpr int kDim = 16;
  constexpr uint64_t kN = 1500;
  std::mt19937 rng(5);
  std::normal_distribution<float> g(0.0f, 1.0f);
  std::vector<std::vector<float>> data(kN, std::vector<float>(kDim));
  for (auto& v : data)
    for (float& x : v) x = g(rng);
  index::VectorIndexOptions o;
  o.dim = kDim;
  o.ef_construction = 64;
  o.ef_search = 64;
  o.initial_capacity = 64;  // resizes between rounds
  o.insert_threads = 4;
  index::VectorIndex vi(o);
  std::atomic<uint64_t> acked{0};
  std::atomic<bool> done{false};
  std::atomic<int> misses{0}, searches{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t) {
    readers.emplace_back([&, t] {
      std::mt19937 r(static_cast<uint32_t>(t));
      while (!done.load() || searches.load() < 100) {
        const uint64_t n = acked.load();
        if (n == 0) continue;
        const uint64_t j = r() % n;
        auto hits = vi.Search(data[j], 5);
        if (hits.empty() || hits[0].label != j) ++misses;
        ++searches;
      }
    });
  }
  for (uint64_t i = 0; i < kN; i += 30) {
    std::vector<std::pair<uint64_t, std::span<const float>>> batch;
    for (uint64_t j = i; j < i + 30; ++j) batch.emplace_back(j, data[j]);
    if (i > 0) batch.emplace_back(i / 2, data[i / 2]);  // an update
    vi.UpsertBatch(batch);
    acked = i + 30;
  }
  done = true;
  for (auto& r : readers) r.join();
  vi.Flush();
  EXPECT_EQ(vi.pending(), 0u);
  EXPECT_EQ(vi.size(), kN);
  EXPECT_LE(misses.load() * 50, searches.load()) << misses.load() << " of " << searches.load();
}

// `exemplar serve`'s start under TSan (review s22, ops): while the indexes load on one thread,
// requests on several others get 200 from the probes that need no index and 503 from the routes
// that do (a search answered on the event loop included), never a half-built index; once loaded
// they are all answered in full.
TEST(Stress, RequestsWhileTheIndexesLoadNeverReadThem) {
  TestServer seeded;
  for (int b = 0; b < 4; ++b) {
    Json batch = Json::array();
    for (int i = 0; i < 500; ++i) {
      batch.push_back(MakeExample("loading probe thermal drift " + std::to_string(b * 500 + i), "stress"));
    }
    ASSERT_EQ(seeded.Post("/api/v1/examples/batch", {{"examples", batch}}).status, 201);
  }
  seeded.Stop();
  for (const auto& f : std::filesystem::directory_iterator(seeded.data_dir())) {
    if (f.path().filename().string().rfind("vectors.hnsw", 0) == 0) std::filesystem::remove(f.path());
  }
  auto rt = cli::Runtime::OpenLoading(seeded.config());
  ASSERT_TRUE(rt.ok()) << rt.status().ToString();
  cli::Runtime& runtime = **rt;
  api::Server http(runtime.config(), api::BuildRoutes(runtime.services()), runtime.auth().options(),
                   &runtime.metrics(), &runtime.readiness());
  ASSERT_TRUE(http.Start().ok());
  std::atomic<bool> loaded{false};
  std::atomic<int> refused{0}, unexpected{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&, t] {
      httplib::Client c("127.0.0.1", http.port());
      for (int i = 0; !loaded.load() || i < 20; ++i) {
        const bool was_loaded = loaded.load();
        httplib::Result r = t % 2 == 0 ? c.Post("/api/v1/examples/search", R"({"query_text":"thermal drift","k":3})",
                                                "application/json")
                                       : c.Get(i % 2 == 0 ? "/readyz" : "/metrics");
        if (!r || (r->status != 200 && (was_loaded || r->status != 503))) ++unexpected;
        if (r && r->status == 503) ++refused;
      }
    });
  }
  Status st = runtime.FinishLoading();
  loaded = true;
  for (auto& c : clients) c.join();
  EXPECT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(unexpected.load(), 0);
  EXPECT_EQ(runtime.index().Stats().examples, 2000u);
  httplib::Client c("127.0.0.1", http.port());
  auto found = c.Post("/api/v1/examples/search", R"({"query_text":"thermal drift","k":3})", "application/json");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->status, 200) << found->body;
  http.Stop();
}

}  // namespace
}  // namespace exemplar::testing
