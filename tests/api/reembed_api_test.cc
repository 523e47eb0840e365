// Re-embedding and the embedding cache (issue #21 items 3 and 4), black-box against a real server
// and a local OpenAI-compatible embedding server that counts what it is asked to embed:
// - switching embedder builds the new index in the background while searches keep being served
//   from the old one (never failing, never mixing vector spaces), writes meanwhile reach the new
//   index, the switch leaves every example with the new model, and a restart loads the new index;
// - regenerate-embeddings with example_ids re-embeds exactly those;
// - identical texts are embedded once (a duplicate import costs no provider call).
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "embed/hash_embedder.h"
#include "service/examples/example_json.h"
#include "testing/fake_embeddings.h"
#include "testing/test_server.h"

namespace exemplar {
namespace {

using testing::HttpResult;
using testing::FakeEmbeddings;
using testing::TestServer;
using testing::UseFake;

constexpr int kFakeDim = 16;

std::string TextOf(const Json& example) {
  Example e;
  e.input_json = DumpJson(example["input"]);
  return service::EmbeddingText(e);
}

double Cosine(const std::vector<float>& a, const std::vector<float>& b) {
  double d = 0;
  for (size_t i = 0; i < a.size(); ++i) d += a[i] * b[i];
  return d;
}

// Checks that every result's vector score is the cosine, under the model the response names, of
// the query and the result's input: the search used exactly one vector space. Returns that model.
std::string CheckOneSpace(const HttpResult& r, const std::string& query) {
  EXPECT_EQ(r.status, 200) << r.raw;
  if (r.status != 200) return "";
  const std::string model = r.body["metadata"]["embedding_model"].get<std::string>();
  std::unique_ptr<embed::HashEmbedder> embedder;
  if (model == "hash-64") embedder = std::make_unique<embed::HashEmbedder>(64);
  else if (model == "fake-b") embedder = std::make_unique<embed::HashEmbedder>(kFakeDim);
  EXPECT_TRUE(embedder) << "unexpected space " << model;
  if (!embedder) return model;
  const auto q = embedder->Compute(query);
  EXPECT_FALSE(r.body["results"].empty());
  for (const auto& hit : r.body["results"]) {
    const double expected = std::clamp(Cosine(q, embedder->Compute(TextOf(hit["example"]))), 0.0, 1.0);
    EXPECT_NEAR(hit["scores"]["vector"].get<double>(), expected, 1e-4)
        << "a result of another vector space in a " << model << " search";
  }
  return model;
}

Json StatusOf(TestServer& server) { return server.Get("/api/v1/examples/regenerate-embeddings").body; }

bool AwaitState(TestServer& server, const std::string& state) {
  for (int i = 0; i < 3000; ++i) {
    if (StatusOf(server)["state"] == state) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

std::vector<Json> AllExamples(TestServer& server) {
  auto r = server.Get("/api/v1/examples?page_size=100");
  EXPECT_EQ(r.status, 200);
  return r.body["examples"].get<std::vector<Json>>();
}

TEST(Reembedding, SearchesKeepOneSpaceWhileTheNewIndexIsBuiltAndSwitch) {
  FakeEmbeddings fake;
  Config c;
  c.embedder = "hash";
  c.embed_dimensions = 64;
  TestServer server(c);
  const char* topics[] = {"detector bias voltage drift", "calibration peak shift", "cooling failure alarm",
                          "spectrum background subtraction", "dead time correction"};
  for (int i = 0; i < 40; ++i) {
    auto r = server.Post("/api/v1/examples",
                         testing::MakeExample(std::string(topics[i % 5]) + " case " + std::to_string(i)));
    ASSERT_EQ(r.status, 201) << r.raw;
  }
  const Json search = {{"query_text", "detector voltage drift"}, {"mode", "vector"}, {"k", 5}, {"relevance_floor", 0}};
  EXPECT_EQ(CheckOneSpace(server.Post("/api/v1/examples/search", search), "detector voltage drift"), "hash-64");

  // Restart with another embedder: the stored vectors are hash-64's, so a re-embedding starts.
  server.Stop();
  fake.Close();
  UseFake(server.next_config(), fake, "fake-b");
  server.Start();
  ASSERT_TRUE(fake.AwaitWaiting());  // the first batch is at the provider, held
  Json status = StatusOf(server);
  EXPECT_EQ(status["state"], "running");
  EXPECT_EQ(status["serving_model"], "hash-64");
  EXPECT_EQ(status["configured_model"], "fake-b");
  EXPECT_EQ(status["to_model"], "fake-b");
  EXPECT_EQ(status["total"], 40);
  EXPECT_LT(status["done"].get<int>(), 40);
  auto metrics = server.Get("/metrics").raw;
  EXPECT_NE(metrics.find("exemplar_reembed_running 1"), std::string::npos);

  // Searches run throughout the migration and the switch, from two threads.
  std::atomic<bool> stop{false};
  std::atomic<int> searches{0}, failures{0};
  std::mutex models_mu;
  std::set<std::string> models_seen;
  auto searcher = [&] {
    while (!stop) {
      auto r = server.Post("/api/v1/examples/search", search);
      if (r.status != 200) ++failures;
      const std::string model = CheckOneSpace(r, "detector voltage drift");
      std::lock_guard lock(models_mu);
      models_seen.insert(model);
      ++searches;
    }
  };
  std::thread s1(searcher), s2(searcher);
  while (searches < 20) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  // While the provider holds the new model's batch, searches are answered from hash-64.
  {
    std::lock_guard lock(models_mu);
    EXPECT_EQ(models_seen, std::set<std::string>{"hash-64"});
  }
  // Writes meanwhile: stored at once (embedded by the serving model), and in the new index later.
  std::vector<std::string> written;
  for (int i = 0; i < 5; ++i) {
    auto r = server.Post("/api/v1/examples", testing::MakeExample("written during migration " + std::to_string(i)));
    ASSERT_EQ(r.status, 201) << r.raw;
    written.push_back(r.body["example_id"].get<std::string>());
  }
  fake.Open();
  ASSERT_TRUE(AwaitState(server, "completed")) << StatusOf(server).dump();
  const int after_switch = searches + 10;
  while (searches < after_switch) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  stop = true;
  s1.join();
  s2.join();
  EXPECT_EQ(failures, 0);
  {
    std::lock_guard lock(models_mu);
    EXPECT_TRUE(models_seen.count("fake-b")) << "no search saw the new space";
  }
  status = StatusOf(server);
  EXPECT_EQ(status["serving_model"], "fake-b");
  EXPECT_EQ(status["done"].get<int>(), status["total"].get<int>());
  EXPECT_EQ(CheckOneSpace(server.Post("/api/v1/examples/search", search), "detector voltage drift"), "fake-b");
  auto all = AllExamples(server);
  ASSERT_EQ(all.size(), 45u);
  for (const auto& e : all) EXPECT_EQ(e["embedding_model"], "fake-b") << e["example_id"];
  // An example written during the migration is found in the new space.
  auto found = server.Post("/api/v1/examples/search", {{"query_text", "written during migration 3"},
                                                       {"mode", "vector"}, {"k", 1}, {"relevance_floor", 0}});
  ASSERT_EQ(found.status, 200);
  EXPECT_EQ(found.body["results"][0]["example"]["example_id"], written[3]);
  EXPECT_EQ(found.body["metadata"]["embedding_model"], "fake-b");

  // A restart loads the new index from its snapshot: no re-embedding, nothing sent to the provider.
  const size_t sent = fake.texts().size();
  server.Restart();
  auto ready = server.Get("/readyz");
  EXPECT_EQ(ready.body["index_load"], "snapshot");
  EXPECT_EQ(ready.body["vector_model"], "fake-b");
  EXPECT_EQ(ready.body["vectors"], 45);
  EXPECT_EQ(StatusOf(server)["state"], "idle");
  EXPECT_EQ(fake.texts().size(), sent);
  EXPECT_EQ(CheckOneSpace(server.Post("/api/v1/examples/search", search), "detector voltage drift"), "fake-b");
}

TEST(Reembedding, VectorsOfAModelThatCannotRunLeaveKeywordSearchUntilTheSwitch) {
  FakeEmbeddings fake;
  Config c;
  UseFake(c, fake, "fake-a");
  TestServer server(c);
  for (int i = 0; i < 8; ++i) {
    ASSERT_EQ(server.Post("/api/v1/examples", testing::MakeExample("unrunnable item " + std::to_string(i))).status, 201);
  }
  server.Stop();
  fake.Close();
  UseFake(server.next_config(), fake, "fake-b");  // fake-a is no longer configured: no embedder for it
  server.Start();
  ASSERT_TRUE(fake.AwaitWaiting());
  EXPECT_EQ(StatusOf(server)["serving_model"], "fake-a");
  auto vector = server.Post("/api/v1/examples/search", {{"query_text", "unrunnable item 3"}, {"mode", "vector"}});
  EXPECT_EQ(vector.status, 503) << vector.raw;
  auto hybrid = server.Post("/api/v1/examples/search", {{"query_text", "unrunnable item 3"}, {"mode", "hybrid"}});
  ASSERT_EQ(hybrid.status, 200) << hybrid.raw;
  ASSERT_FALSE(hybrid.body["results"].empty());
  EXPECT_TRUE(hybrid.body["metadata"]["embedding_model"].is_null());
  for (const auto& hit : hybrid.body["results"]) EXPECT_EQ(hit["match_type"], "keyword");
  fake.Open();
  ASSERT_TRUE(AwaitState(server, "completed"));
  auto after = server.Post("/api/v1/examples/search", {{"query_text", "unrunnable item 3"}, {"mode", "vector"}});
  ASSERT_EQ(after.status, 200) << after.raw;
  EXPECT_EQ(after.body["metadata"]["embedding_model"], "fake-b");
}

TEST(Reembedding, ForcedReembedBuildsANewIndexOfTheSameModel) {
  FakeEmbeddings fake;
  Config c;
  UseFake(c, fake, "fake-b");
  TestServer server(c);
  for (int i = 0; i < 12; ++i) {
    ASSERT_EQ(server.Post("/api/v1/examples", testing::MakeExample("forced item " + std::to_string(i))).status, 201);
  }
  auto nothing_due = server.Post("/api/v1/examples/regenerate-embeddings", Json::object());
  EXPECT_EQ(nothing_due.status, 200) << nothing_due.raw;
  const size_t before = fake.texts().size();
  fake.Close();
  auto started = server.Post("/api/v1/examples/regenerate-embeddings", {{"force", true}});
  ASSERT_EQ(started.status, 202) << started.raw;
  EXPECT_EQ(started.body["state"], "running");
  ASSERT_TRUE(fake.AwaitWaiting());
  auto again = server.Post("/api/v1/examples/regenerate-embeddings", {{"force", true}});
  EXPECT_EQ(again.status, 409) << again.raw;  // one at a time
  fake.Open();
  ASSERT_TRUE(AwaitState(server, "completed"));
  // Forced: every example embedded afresh (the cache bypassed).
  EXPECT_EQ(fake.texts().size() - before, 12u);
  const Json search = {{"query_text", "forced item 4"}, {"mode", "vector"}, {"k", 3}, {"relevance_floor", 0}};
  EXPECT_EQ(CheckOneSpace(server.Post("/api/v1/examples/search", search), "forced item 4"), "fake-b");
}

TEST(Reembedding, RegenerateWithIdsTouchesExactlyThoseIds) {
  FakeEmbeddings fake;
  Config c;
  UseFake(c, fake, "fake-b");
  TestServer server(c);
  std::vector<std::string> ids, texts;
  for (int i = 0; i < 10; ++i) {
    auto r = server.Post("/api/v1/examples", testing::MakeExample("regenerate item " + std::to_string(i)));
    ASSERT_EQ(r.status, 201);
    ids.push_back(r.body["example_id"].get<std::string>());
    texts.push_back(TextOf(r.body));
  }
  const size_t before = fake.texts().size();
  auto r = server.Post("/api/v1/examples/regenerate-embeddings", {{"example_ids", {ids[1], ids[4], ids[7], ids[4]}}});
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["processed"], 3);
  EXPECT_EQ(r.body["model"], "fake-b");
  EXPECT_EQ(r.body["example_ids"], Json({ids[1], ids[4], ids[7]}));
  auto sent = fake.texts();
  std::multiset<std::string> asked(sent.begin() + static_cast<std::ptrdiff_t>(before), sent.end());
  EXPECT_EQ(asked, (std::multiset<std::string>{texts[1], texts[4], texts[7]}));

  // An unknown id: 404 naming it, nothing re-embedded.
  const std::string missing = "00000000-0000-4000-8000-000000000000";
  auto unknown = server.Post("/api/v1/examples/regenerate-embeddings", {{"example_ids", {ids[0], missing}}});
  EXPECT_EQ(unknown.status, 404) << unknown.raw;
  EXPECT_NE(unknown.raw.find(missing), std::string::npos);
  EXPECT_EQ(fake.texts().size(), sent.size());
  // Malformed ids, an empty list, ids with force, unknown keys: 422 naming the place.
  auto bad = server.Post("/api/v1/examples/regenerate-embeddings", {{"example_ids", {"not-an-id"}}});
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(bad.body["detail"][0]["loc"], Json({"body", "example_ids", 0}));
  EXPECT_EQ(server.Post("/api/v1/examples/regenerate-embeddings", {{"example_ids", Json::array()}}).status, 422);
  EXPECT_EQ(server.Post("/api/v1/examples/regenerate-embeddings", {{"example_ids", {ids[0]}}, {"force", true}}).status,
            422);
  auto typo = server.Post("/api/v1/examples/regenerate-embeddings", {{"example_id", {ids[0]}}});
  EXPECT_EQ(typo.status, 422);
  EXPECT_NE(typo.raw.find("example_ids"), std::string::npos) << typo.raw;
  EXPECT_EQ(fake.texts().size(), sent.size());
}

TEST(EmbeddingCache, DuplicateImportMakesNoProviderCalls) {
  FakeEmbeddings fake;
  Config c;
  UseFake(c, fake, "fake-b");
  c.on_duplicate = "allow";
  TestServer server(c);
  std::string jsonl;
  for (int i = 0; i < 20; ++i) jsonl += DumpJson(testing::MakeExample("cached text " + std::to_string(i % 10))) + "\n";
  auto first = server.PostRaw("/api/v1/examples/import", jsonl, "application/x-ndjson");
  ASSERT_EQ(first.status, 201) << first.raw;
  EXPECT_EQ(fake.texts().size(), 10u);  // ten distinct texts, each embedded once
  auto second = server.PostRaw("/api/v1/examples/import", jsonl, "application/x-ndjson");
  ASSERT_EQ(second.status, 201) << second.raw;
  EXPECT_EQ(fake.texts().size(), 10u);  // the re-import costs no provider call
  EXPECT_EQ(AllExamples(server).size(), 40u);
  auto cache = StatusOf(server)["cache"];
  EXPECT_EQ(cache["misses"], 10);
  EXPECT_EQ(cache["hits"], 30);
  EXPECT_EQ(cache["entries"], 10);
  EXPECT_NE(server.Get("/metrics").raw.find("exemplar_embed_cache_hits_total 30"), std::string::npos);
}

}  // namespace
}  // namespace exemplar
