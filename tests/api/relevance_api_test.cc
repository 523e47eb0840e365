// The relevance floor and exploration through the API (issue #18). The same topical store is
// served with the hash embedder and with a local BERT-family model (tests/embed/topic_bert.py,
// whose unrelated texts sit near cosine 0.6 instead of the hash embedder's ~0): punctuation-only
// and off-topic queries must find nothing in vector, hybrid and auto modes with either, while
// on-topic queries still find their topic — so the floor is calibrated per embedder, not fixed.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "common/ids.h"
#include "embed/hash_embedder.h"
#include "testing/test_server.h"

namespace exemplar::testing {
namespace {

namespace fs = std::filesystem;

// Words the tiny model's vocabulary holds whole, so both embedders see the same words.
const std::vector<std::vector<std::string>> kTopics = {
    {"detector bias voltage drift", "bias voltage drift on the detector", "the detector bias is in drift",
     "voltage drift in a detector", "detector voltage bias drift now", "drift of the bias voltage"},
    {"the quick brown fox jumps over the lazy dog", "a quick fox jumps over a dog", "the lazy dog and the brown fox",
     "brown fox jumps over lazy dog", "quick brown dog jumps over the fox", "the fox jumps over a lazy brown dog"},
    {"hello world how is it going", "hello world", "how is it going hello", "hello how is the world going",
     "world hello it is going", "it is going hello world"},
    {"cafe resume naive facade uber", "naive cafe facade", "uber cafe resume", "resume of a naive facade",
     "the cafe facade is naive", "uber naive resume"},
};
const char* kPunctuation = "?!.,;:--\"()";
const std::vector<std::string> kOffTopic = {"smart quotes ligature full space", "emoji test control char here",
                                            "turkish greek istanbul vietnamese"};

// The model tests/embed/topic_bert.py writes, made once per test process and removed at its exit.
class TopicModel {
 public:
  TopicModel() : root_(fs::path(::testing::TempDir()) / ("topic_bert_" + NewUuid())) {
    std::string cmd = std::string(EXEMPLAR_PYTHON) + " " + EXEMPLAR_TOPIC_BERT + " " + root_.string() + " 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    std::array<char, 4096> buf;
    std::string out;
    size_t n;
    while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
    if (pclose(p) != 0) throw std::runtime_error("topic_bert.py failed (needs python3-numpy): " + out);
  }
  ~TopicModel() {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  std::string dir() const { return (root_ / "topic_mean").string(); }

 private:
  fs::path root_;
};

std::string TopicModelDir() {
  static const TopicModel model;
  return model.dir();
}

class RelevanceApi : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    Config c;
    c.embedder = GetParam();
    if (GetParam() == "local") c.model_dir = TopicModelDir();
    server_ = std::make_unique<TestServer>(c);
    Json items = Json::array();
    for (size_t t = 0; t < kTopics.size(); ++t) {
      for (const auto& text : kTopics[t]) {
        Json e = MakeExample(text, "topic" + std::to_string(t));
        e["input"] = {{"text", text}};
        items.push_back(e);
      }
    }
    auto r = server_->Post("/api/v1/examples/batch", {{"examples", items}});
    ASSERT_EQ(r.status, 201) << r.raw;
  }
  Json Search(Json body) {
    auto r = server_->Post("/api/v1/examples/search", body);
    EXPECT_EQ(r.status, 200) << r.raw;
    return r.body;
  }
  std::unique_ptr<TestServer> server_;
};

TEST_P(RelevanceApi, PunctuationAndOffTopicQueriesFindNothing) {
  std::vector<std::string> queries = kOffTopic;
  queries.push_back(kPunctuation);
  for (const char* mode : {"vector", "hybrid", "auto"}) {
    for (const auto& q : queries) {
      Json r = Search({{"query_text", q}, {"mode", mode}, {"k", 30}});
      EXPECT_EQ(r["results"].size(), 0u) << GetParam() << " " << mode << ": " << q << " -> " << r["results"].dump().substr(0, 300);
      EXPECT_EQ(r["metadata"]["no_match"], true) << mode << ": " << q;
      EXPECT_TRUE(r["metadata"]["relevance_floor"].is_number()) << mode;
    }
  }
}

// Questions about something else share only function words with the store ("how", "is", "it",
// "the" are in topic 2's texts): keyword matches on them would be noise in every mode. (A neural
// model reads function words too — to the local model "how is it in Paris" is close to "how is
// it going" — so with it only the keyword leg is checked.)
TEST_P(RelevanceApi, QuestionsThatShareOnlyStopWordsFindNothing) {
  std::vector<const char*> modes = {"keyword"};
  if (GetParam() == "hash") modes = {"keyword", "vector", "hybrid", "auto"};
  for (const char* mode : modes) {
    for (const char* q : {"what is the capital of France", "how is it in Paris", "the", "what is it about?"}) {
      Json r = Search({{"query_text", q}, {"mode", mode}, {"k", 30}});
      EXPECT_EQ(r["results"].size(), 0u) << GetParam() << " " << mode << ": " << q << " -> "
                                         << r["results"].dump().substr(0, 300);
      EXPECT_EQ(r["metadata"]["no_match"], true) << GetParam() << " " << mode << ": " << q;
    }
  }
  // The same words next to a topic word still find the topic.
  Json r = Search({{"query_text", "how is the world"}, {"mode", "keyword"}, {"k", 30}});
  ASSERT_GE(r["results"].size(), 1u);
  EXPECT_EQ(r["results"][0]["example"]["domain"], "topic2");
}

TEST_P(RelevanceApi, OnTopicQueriesStillFindTheirTopic) {
  // (The tiny local model puts the off-topic probes up to 0.79 from topic 3, whose two-word query
  // "naive cafe" reaches 0.78: no floor tells those apart, so topic 3 is asked with three words.)
  const std::vector<std::pair<std::string, std::string>> queries = {
      {"bias voltage drift", "topic0"}, {"lazy dog and quick fox", "topic1"}, {"hello it is going", "topic2"},
      {"naive cafe facade", "topic3"}};
  for (const char* mode : {"vector", "hybrid", "auto"}) {
    for (const auto& [q, domain] : queries) {
      Json r = Search({{"query_text", q}, {"mode", mode}, {"k", 30}});
      ASSERT_GE(r["results"].size(), 1u) << GetParam() << " " << mode << ": " << q;
      EXPECT_EQ(r["results"][0]["example"]["domain"], domain) << mode << ": " << q;
      EXPECT_EQ(r["metadata"]["no_match"], false);
    }
  }
}

// A query without a content word (stop words, punctuation only) is about nothing. The hash
// embedder makes every such text one fixed unit vector (its first axis), so such a query found
// the examples that happen to lean on that axis — in one store 3 tickets at 0.31 against a floor
// of 0.13, for "What is it?", "the" and "???". Here the store is made of them on purpose.
TEST(RelevanceNoContent, QueriesWithoutAContentWordFindNothingWhateverTheStore) {
  const embed::HashEmbedder hash;
  std::vector<std::pair<float, std::string>> lean;  // words by their vector's first component
  for (int i = 0; i < 4000; ++i) {
    const std::string w = "zq" + std::to_string(i);
    lean.emplace_back(hash.Compute(w)[0], w);
  }
  std::sort(lean.rbegin(), lean.rend());
  TestServer server;
  Json items = Json::array();
  for (int i = 0; i < 12; ++i) items.push_back(MakeExample(lean[i].second + " " + lean[(i + 1) % 12].second));
  for (int i = 0; i < 12; ++i) items.push_back(MakeExample("sensor " + std::to_string(i) + " reads high after calibration drift"));
  ASSERT_EQ(server.Post("/api/v1/examples/batch", {{"examples", items}}).status, 201);
  // The fixed vector of a text without content words is close to the lean examples (what the
  // old search compared): above a low floor, which shows the queries find nothing whatever the
  // floor.
  const double low_floor = 0.05;
  auto probe = server.Post("/api/v1/examples/search", {{"query_embedding", hash.Compute("what is it?")}, {"mode", "vector"},
                                                       {"k", 5}, {"relevance_floor", low_floor}});
  ASSERT_EQ(probe.status, 200) << probe.raw;
  ASSERT_FALSE(probe.body["results"].empty()) << "the store does not lean on the axis: the test proves nothing";
  for (const std::string q : {"What is it?", "the", "???", "  ", "how is it?", ""}) {
    // (An empty text names no query for an explicit text mode: a 422 there.)
    for (const char* mode : {"vector", "hybrid", "auto", "keyword"}) {
      if (q.empty() && std::string(mode) != "auto") continue;
      for (const Json& floor : {Json(), Json(low_floor)}) {
        Json body = {{"query_text", q}, {"mode", mode}, {"k", 5}};
        if (!floor.is_null()) body["relevance_floor"] = floor;
        auto r = server.Post("/api/v1/examples/search", body);
        ASSERT_EQ(r.status, 200) << r.raw;
        EXPECT_TRUE(r.body["results"].empty()) << mode << " '" << q << "': " << r.body["results"].dump().substr(0, 200);
        EXPECT_TRUE(r.body["metadata"]["no_match"].get<bool>()) << mode << " '" << q << "'";
      }
    }
    auto r = server.Post("/api/v1/examples/retrieve", {{"query", q}, {"k", 3}});
    ASSERT_EQ(r.status, 200) << r.raw;
    EXPECT_TRUE(r.body["examples"].empty()) << q;
  }
  // An empty query object is about nothing too (an agent forwarding an empty message).
  for (const Json& q : {Json::object(), Json{{"text", ""}}}) {
    auto r = server.Post("/api/v1/examples/retrieve", {{"query", q}, {"k", 3}});
    ASSERT_EQ(r.status, 200) << r.raw;
    EXPECT_TRUE(r.body["examples"].empty()) << q.dump();
    EXPECT_EQ(r.body["formatted_prompt"], "") << q.dump();
    EXPECT_TRUE(r.body["metadata"]["no_match"].get<bool>()) << q.dump();
  }
  // A content word next to the stop words still finds its examples.
  auto r = server.Post("/api/v1/examples/search", {{"query_text", "what is the " + lean[0].second + "?"}, {"mode", "vector"}, {"k", 5}});
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_FALSE(r.body["results"].empty());
}

// Without the floor off-topic queries return noise: the floor is what removes it. (A query without
// a content word, such as kPunctuation, finds nothing with or without it.)
TEST_P(RelevanceApi, WithoutTheFloorOffTopicQueriesReturnNoise) {
  Json r = Search({{"query_text", kOffTopic[0]}, {"mode", "vector"}, {"k", 30}, {"relevance_floor", 0}});
  EXPECT_EQ(r["results"].size(), 24u);
  EXPECT_TRUE(r["metadata"]["relevance_floor"].is_null());
  // An explicit floor above every similarity finds nothing even for an exact text.
  r = Search({{"query_text", kTopics[0][0]}, {"mode", "vector"}, {"relevance_floor", 1.0}});
  EXPECT_EQ(r["results"].size(), 0u);
}

TEST_P(RelevanceApi, AgentHookReturnsAnEmptyPromptSectionWhenNothingIsRelevant) {
  for (const char* format : {"xml", "markdown", "json", "chat"}) {
    auto r = server_->Post("/api/v1/examples/retrieve", {{"query", kPunctuation}, {"format", format}});
    ASSERT_EQ(r.status, 200) << r.raw;
    EXPECT_EQ(r.body["examples"].size(), 0u) << format;
    EXPECT_EQ(r.body["formatted_prompt"], "") << format;
    EXPECT_EQ(r.body["metadata"]["no_match"], true) << format;
  }
  auto r = server_->Post("/api/v1/examples/retrieve", {{"query", "bias voltage drift"}, {"k", 3}});
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["examples"].size(), 3u);
  EXPECT_EQ(r.body["metadata"]["no_match"], false);
  EXPECT_NE(r.body["formatted_prompt"].get<std::string>().find("<examples>"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Embedders, RelevanceApi, ::testing::Values("hash", "local"));

// The calibration is kept with the index, per embedder, and survives a restart.
TEST(RelevanceCalibration, StoredBesideTheSnapshotPerEmbedder) {
  TestServer server;
  Json items = Json::array();
  for (const auto& topic : kTopics) {
    for (const auto& text : topic) items.push_back(MakeExample(text));
  }
  ASSERT_EQ(server.Post("/api/v1/examples/batch", {{"examples", items}}).status, 201);
  auto first = server.Post("/api/v1/examples/search", {{"query_text", "bias voltage"}, {"mode", "vector"}});
  ASSERT_EQ(first.status, 200);
  const double floor = first.body["metadata"]["relevance_floor"].get<double>();
  EXPECT_GT(floor, 0.0);
  EXPECT_LT(floor, 1.0);
  server.Restart();  // saves the snapshot (and the calibration) on stop
  std::ifstream in(server.data_dir() / "vectors.hnsw.calibration");
  ASSERT_TRUE(in.good());
  Json stored = Json::parse(in);
  EXPECT_EQ(stored["embedder"], "hash-384");
  EXPECT_EQ(stored["vectors"], 24);
  EXPECT_NEAR(stored["floor"].get<double>(), floor, 1e-9);
  auto again = server.Post("/api/v1/examples/search", {{"query_text", "bias voltage"}, {"mode", "vector"}});
  EXPECT_NEAR(again.body["metadata"]["relevance_floor"].get<double>(), floor, 1e-9);
}

// Exploration through the API: a retrieval records its seed; the same seed replays the same
// ranking; an example buried by failures still reaches the top k under Thompson sampling.
TEST(ExplorationApi, RetrievalSeedReplaysAndThompsonUnburies) {
  TestServer server;
  Json items = Json::array();
  for (const auto& text : kTopics[0]) items.push_back(MakeExample(text, "topic0"));
  for (const auto& text : kTopics[1]) items.push_back(MakeExample(text, "topic1"));
  auto created = server.Post("/api/v1/examples/batch", {{"examples", items}});
  ASSERT_EQ(created.status, 201) << created.raw;
  const Json body = {{"query", "detector bias voltage drift"}, {"k", 3}, {"domain", "topic0"}};
  auto r = server.Post("/api/v1/examples/retrieve", body);
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["metadata"]["exploration"], "thompson");
  ASSERT_TRUE(r.body["metadata"]["seed"].is_number_integer());
  const std::string buried = r.body["examples"][0]["example_id"];
  for (const auto& e : r.body["examples"]) {
    EXPECT_TRUE(e["why"]["relevance"].is_number());
    EXPECT_TRUE(e["why"]["effectiveness_used"].is_number());
  }
  // Replay: the recorded seed gives the same examples in the same order with the same draws.
  Json replay = body;
  replay["seed"] = r.body["metadata"]["seed"];
  auto again = server.Post("/api/v1/examples/retrieve", replay);
  ASSERT_EQ(again.status, 200);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(again.body["examples"][i]["example_id"], r.body["examples"][i]["example_id"]);
    EXPECT_EQ(again.body["examples"][i]["why"]["effectiveness_used"], r.body["examples"][i]["why"]["effectiveness_used"]);
  }
  auto stored = server.Get("/api/v1/examples/retrievals/" + r.body["retrieval_id"].get<std::string>());
  ASSERT_EQ(stored.status, 200) << stored.raw;
  EXPECT_EQ(stored.body["seed"], r.body["metadata"]["seed"]);
  EXPECT_EQ(stored.body["exploration"], "thompson");
  EXPECT_EQ(stored.body["ranking"].size(), 3u);
  // The record keeps the whole request with its policy and seed: POSTed again, it replays the
  // retrieval (scope, k and all) without the caller keeping anything.
  const Json request = stored.body["request"];
  EXPECT_EQ(request["domain"], "topic0");
  EXPECT_EQ(request["k"], 3);
  EXPECT_EQ(request["exploration"], "thompson");
  EXPECT_EQ(request["seed"], r.body["metadata"]["seed"]);
  auto replayed = server.Post("/api/v1/examples/retrieve", request);
  ASSERT_EQ(replayed.status, 200) << replayed.raw;
  ASSERT_EQ(replayed.body["examples"].size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(replayed.body["examples"][i]["example_id"], r.body["examples"][i]["example_id"]);
    EXPECT_EQ(replayed.body["examples"][i]["why"]["effectiveness_used"], r.body["examples"][i]["why"]["effectiveness_used"]);
  }
  EXPECT_EQ(replayed.body["formatted_prompt"], r.body["formatted_prompt"]);
  EXPECT_EQ(server.Get("/api/v1/examples/retrievals/" + NewUuid()).status, 404);
  // Bury the exact match with 3 failures.
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(server.Post("/api/v1/examples/" + buried + "/track", {{"outcome", "failure"}}).status, 204);
  }
  auto in_top = [&](const std::string& policy, int tries) {
    int hits = 0;
    for (int i = 0; i < tries; ++i) {
      Json b = body;
      b["exploration"] = policy;
      b["seed"] = i;
      auto x = server.Post("/api/v1/examples/retrieve", b);
      for (const auto& e : x.body["examples"]) hits += e["example_id"] == buried ? 1 : 0;
    }
    return hits;
  };
  EXPECT_EQ(in_top("greedy", 20), 0);  // greedy: buried for good
  EXPECT_GT(in_top("thompson", 20), 0);  // Thompson: it still gets chances
  EXPECT_EQ(server.Post("/api/v1/examples/retrieve", {{"query", "x"}, {"exploration", "epsilon"}}).status, 422);
  EXPECT_EQ(server.Post("/api/v1/examples/search", {{"query_text", "x"}, {"seed", -1}}).status, 422);
  // A policy with nothing to reorder, or a search field the hook would overwrite, is an error.
  auto idle = server.Post("/api/v1/examples/search", {{"query_text", "drift"}, {"exploration", "thompson"}});
  EXPECT_EQ(idle.status, 422);
  EXPECT_NE(idle.raw.find("effectiveness_weight"), std::string::npos) << idle.raw;
  EXPECT_EQ(server.Post("/api/v1/examples/retrieve", {{"query", "drift"}, {"effectiveness_weight", 0}, {"exploration", "ucb"}})
                .status,
            422);
  EXPECT_EQ(server.Post("/api/v1/examples/retrieve", {{"query", "drift"}, {"query_text", {{"a", 1}}}}).status, 422);
  // "none" is recorded as asked, not as no policy at all.
  auto none = server.Post("/api/v1/examples/retrieve", {{"query", "detector bias"}, {"exploration", "none"}});
  ASSERT_EQ(none.status, 200) << none.raw;
  EXPECT_EQ(none.body["metadata"]["exploration"], "none");
  EXPECT_EQ(server.Get("/api/v1/examples/retrievals/" + none.body["retrieval_id"].get<std::string>()).body["exploration"],
            "none");
}

}  // namespace
}  // namespace exemplar::testing
