// The relevance floor's calibration is measured again when the store has grown by a tenth. With a
// remote embedding provider that means calling it for the off-topic probes; searches must not wait
// for that call (a slow or dead provider would stall every search for its timeout). Black-box: a
// real server whose embedder is a local OpenAI-compatible server with a gate.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <future>
#include <thread>

#include "testing/fake_embeddings.h"
#include "testing/test_server.h"

namespace exemplar::testing {
namespace {

Json Examples(int from, int count) {
  Json out = Json::array();
  for (int i = from; i < from + count; ++i) {
    out.push_back(MakeExample("sensor " + std::to_string(i) + " reads high after calibration drift " + std::to_string(i * 7)));
  }
  return out;
}

// A vector search by a given embedding: the query itself needs no provider call.
Json SearchBody(int dim) {
  std::vector<float> q(static_cast<size_t>(dim), 0.0f);
  q[0] = 1.0f;
  return {{"query_embedding", q}, {"mode", "vector"}, {"k", 5}};
}

TEST(RelevanceCalibration, SearchesAreServedWhileTheProbesWaitForTheProvider) {
  FakeEmbeddings fake;
  Config c;
  UseFake(c, fake, "fake-a");
  c.embed_cache_mb = 0;  // every calibration asks the provider for its probes
  TestServer server(c);
  ASSERT_EQ(server.Post("/api/v1/examples/batch", {{"examples", Examples(0, 20)}}).status, 201);
  auto first = server.Post("/api/v1/examples/search", SearchBody(fake.dim()));
  ASSERT_EQ(first.status, 200) << first.raw;
  const Json old_floor = first.body["metadata"]["relevance_floor"];
  ASSERT_TRUE(old_floor.is_number());
  auto& index = server.runtime().index();
  ASSERT_EQ(index.Calibration("fake-a").vectors, 20u);

  // A tenth more vectors: the next search measures again, and its probes wait at the closed gate.
  ASSERT_EQ(server.Post("/api/v1/examples/batch", {{"examples", Examples(20, 10)}}).status, 201);
  fake.Close();
  const std::string body = SearchBody(fake.dim()).dump();
  auto measuring = std::async(std::launch::async, [&] {
    httplib::Client cli("127.0.0.1", server.port());
    cli.set_read_timeout(60, 0);
    auto r = cli.Post("/api/v1/examples/search", body, "application/json");
    return r ? r->status : -1;
  });
  ASSERT_TRUE(fake.AwaitWaiting());

  // Another search meanwhile is answered at once, with the previous calibration's floor.
  auto meanwhile = std::async(std::launch::async, [&] {
    httplib::Client cli("127.0.0.1", server.port());
    auto r = cli.Post("/api/v1/examples/search", body, "application/json");
    return r ? Json::parse(r->body, nullptr, false) : Json();
  });
  const bool answered = meanwhile.wait_for(std::chrono::seconds(20)) == std::future_status::ready;
  fake.Open();  // let the measuring search finish either way
  ASSERT_TRUE(answered) << "a search waited for the calibration's provider call";
  const Json r = meanwhile.get();
  ASSERT_TRUE(r.is_object());
  EXPECT_EQ(r["metadata"]["relevance_floor"], old_floor);

  EXPECT_EQ(measuring.get(), 200);
  const service::RelevanceCalibration now = index.Calibration("fake-a");
  EXPECT_EQ(now.vectors, 30u);
  EXPECT_TRUE(now.probe_error.empty());
  EXPECT_EQ(now.probes, service::ProbeTexts().size());
}

}  // namespace
}  // namespace exemplar::testing
