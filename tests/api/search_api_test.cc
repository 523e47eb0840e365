// Search through the API (SPEC §4.1): modes, filters inside the search, scores, determinism, and a
// small labelled relevance fixture.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "testing/test_server.h"

namespace exemplar::testing {
namespace {

// A labelled fixture: each query names the example text it must rank first.
struct Labelled {
  const char* text;
  const char* domain;
};
const Labelled kFixture[] = {
    {"hairline crack along the scintillator crystal edge", "defect_detection"},
    {"solder void under the preamplifier chip", "defect_detection"},
    {"yellowing of the NaI scintillator reduces light output", "defect_detection"},
    {"corrosion on the detector window flange", "defect_detection"},
    {"bias voltage drifting upward over three days", "predictive_maintenance"},
    {"cooling fan rpm dropping with rising temperature", "predictive_maintenance"},
    {"dark current increase in the photomultiplier tube", "predictive_maintenance"},
    {"count rate spikes during vibration events", "predictive_maintenance"},
    {"HPGe cryocooler failing to reach operating temperature", "predictive_maintenance"},
    {"calibration peak shifted for cesium 662 keV line", "calibration"},
};

class SearchApi : public ::testing::Test {
 protected:
  void SetUp() override {
    Json items = Json::array();
    for (const auto& l : kFixture) items.push_back(MakeExample(l.text, l.domain));
    auto r = server_.Post("/api/v1/examples/batch", {{"examples", items}});
    ASSERT_EQ(r.status, 201) << r.raw;
  }
  Json Search(Json body) {
    auto r = server_.Post("/api/v1/examples/search", body);
    EXPECT_EQ(r.status, 200) << r.raw;
    return r.body;
  }
  TestServer server_;
};

TEST_F(SearchApi, RelevanceFixtureRanksTheLabelledExampleFirst) {
  struct Query {
    const char* query;
    const char* expected;
  };
  const Query queries[] = {
      {"crack in scintillator crystal", kFixture[0].text},
      {"void in solder joint", kFixture[1].text},
      {"fan speed falling, temperature rising", kFixture[5].text},
      {"photomultiplier dark current", kFixture[6].text},
      {"cryocooler temperature", kFixture[8].text},
      {"cesium peak calibration shift", kFixture[9].text},
  };
  for (const char* mode : {"keyword", "vector", "hybrid"}) {
    for (const auto& q : queries) {
      Json r = Search({{"query_text", q.query}, {"mode", mode}, {"k", 3}});
      ASSERT_GE(r["results"].size(), 1u) << mode << ": " << q.query;
      EXPECT_EQ(r["results"][0]["example"]["input"]["text"], q.expected) << mode << ": " << q.query;
      EXPECT_EQ(r["search_type"], mode);
    }
  }
}

TEST_F(SearchApi, FiltersApplyInsideTheSearchAndScoresAreReported) {
  // The relevance floor is off here: this checks that filters apply inside the search (full k),
  // and no predictive_maintenance example is relevant to a crack (relevance_api_test covers that).
  Json r = Search({{"query_text", "crack in scintillator crystal"}, {"mode", "hybrid"},
                   {"domain", "predictive_maintenance"}, {"k", 5}, {"relevance_floor", 0}});
  ASSERT_EQ(r["results"].size(), 5u);  // all five predictive_maintenance examples, none other
  for (const auto& hit : r["results"]) {
    EXPECT_EQ(hit["example"]["domain"], "predictive_maintenance");
    EXPECT_TRUE(hit["scores"].contains("vector"));
    EXPECT_TRUE(hit["scores"].contains("fused"));
    EXPECT_TRUE(hit["similarity_score"].is_number());
    EXPECT_GE(hit["similarity_score"].get<double>(), 0.0);
    EXPECT_LE(hit["similarity_score"].get<double>(), 1.0);
  }
  Json vec = Search({{"query_text", "crack"}, {"mode", "vector"}, {"domain", "calibration"}, {"k", 10},
                     {"relevance_floor", 0}});
  EXPECT_EQ(vec["results"].size(), 1u);
  EXPECT_TRUE(vec["query_embedding_generated"].get<bool>());
}

// Equal scores broke by index label, i.e. by insertion order: the same examples imported into
// another store in another order ranked differently. SPEC §4.1: ties break by id.
TEST_F(SearchApi, EqualScoresRankById) {
  for (int i = 0; i < 6; ++i) {
    auto r = server_.Post("/api/v1/examples?on_duplicate=allow", MakeExample("platypus tie test", "tie" + std::to_string(i)));
    ASSERT_EQ(r.status, 201) << r.raw;
  }
  for (const char* mode : {"keyword", "vector", "hybrid"}) {
    Json body = Search({{"query_text", "platypus tie test"}, {"mode", mode}, {"k", 6}, {"relevance_floor", 0}});
    std::vector<std::string> ids;
    for (const auto& h : body["results"]) ids.push_back(h["example"]["example_id"]);
    ASSERT_EQ(ids.size(), 6u) << mode << " " << body.dump();
    EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end())) << mode << " " << body.dump();
  }
}

// Ties broke by id only among the results kept: the legs cut to k by index label (creation order),
// so with two identical examples k=1 gave the one created first (ffffffff-...) and k=2 gave
// [00000000-..., ffffffff-...]. A smaller k's results must be a prefix of a larger k's, in every
// mode, with and without filters, and in the agent hook.
TEST_F(SearchApi, TiesAtTheCutCompeteById) {
  const std::vector<std::string> created = {"ffffffff-ffff-4fff-bfff-ffffffffffff",
                                            "00000000-0000-4000-8000-000000000000",
                                            "77777777-7777-4777-b777-777777777777"};
  for (const auto& id : created) {
    Json e = MakeExample("wombat burrow collapse after heavy rain", "burrows");
    e["example_id"] = id;
    auto r = server_.Post("/api/v1/examples?on_duplicate=allow", e);
    ASSERT_EQ(r.status, 201) << r.raw;
  }
  std::vector<std::string> by_id = created;
  std::sort(by_id.begin(), by_id.end());
  auto ids = [](const Json& hits) {
    std::vector<std::string> out;
    for (const auto& h : hits) out.push_back(h["example"]["example_id"]);
    return out;
  };
  for (const char* mode : {"keyword", "vector", "hybrid"}) {
    for (bool filtered : {false, true}) {
      for (int k = 1; k <= 3; ++k) {
        Json body = {{"query_text", "wombat burrow collapse after heavy rain"}, {"mode", mode}, {"k", k},
                     {"relevance_floor", 0}};
        if (filtered) body["domain"] = "burrows";
        std::vector<std::string> got = ids(Search(body)["results"]);
        ASSERT_GE(got.size(), static_cast<size_t>(k)) << mode;
        got.resize(k);
        EXPECT_EQ(got, std::vector<std::string>(by_id.begin(), by_id.begin() + k))
            << mode << " k=" << k << (filtered ? " filtered" : "");
      }
    }
  }
  auto hook = server_.Post("/api/v1/examples/retrieve", {{"query", "wombat burrow collapse after heavy rain"}, {"k", 1}});
  ASSERT_EQ(hook.status, 200) << hook.raw;
  ASSERT_EQ(hook.body["examples"].size(), 1u) << hook.raw;
  EXPECT_EQ(hook.body["examples"][0]["example_id"], by_id[0]) << hook.raw;
}

TEST_F(SearchApi, DeterministicAndThresholded) {
  Json body = {{"query_text", "detector temperature drift"}, {"k", 10}};
  Json a = Search(body), b = Search(body);
  ASSERT_EQ(a["results"].size(), b["results"].size());
  for (size_t i = 0; i < a["results"].size(); ++i) {
    EXPECT_EQ(a["results"][i]["example"]["example_id"], b["results"][i]["example"]["example_id"]);
  }
  EXPECT_EQ(a["search_type"], "hybrid");  // auto with text
  Json strict = Search({{"query_text", "crack in scintillator crystal"}, {"mode", "vector"},
                        {"similarity_threshold", 0.99}});
  for (const auto& hit : strict["results"]) EXPECT_GE(hit["similarity_score"].get<double>(), 0.99);
  Json meta = Search({{"domain", "calibration"}});
  EXPECT_EQ(meta["search_type"], "metadata");
  EXPECT_EQ(meta["results"].size(), 1u);
}

// similarity_threshold was silently ignored in keyword mode (all keyword matches came back while
// vector and hybrid applied it). It is the cosine of the query and the example there too.
TEST_F(SearchApi, SimilarityThresholdAppliesInKeywordMode) {
  Json all = Search({{"query_text", "scintillator crystal"}, {"mode", "keyword"}, {"k", 10}});
  ASSERT_GE(all["results"].size(), 2u) << all.dump();
  Json vec = Search({{"query_text", "scintillator crystal"}, {"mode", "vector"}, {"k", 20}, {"relevance_floor", 0}});
  std::map<std::string, double> cosine;
  for (const auto& h : vec["results"]) cosine[h["example"]["example_id"]] = h["similarity_score"];
  std::vector<std::pair<double, std::string>> keyword_hits;
  for (const auto& h : all["results"]) keyword_hits.push_back({cosine.at(h["example"]["example_id"]), h["example"]["example_id"]});
  std::sort(keyword_hits.rbegin(), keyword_hits.rend());
  ASSERT_GT(keyword_hits[0].first, keyword_hits[1].first);
  const double threshold = (keyword_hits[0].first + keyword_hits[1].first) / 2;
  Json some = Search({{"query_text", "scintillator crystal"}, {"mode", "keyword"}, {"k", 10},
                      {"similarity_threshold", threshold}});
  ASSERT_EQ(some["results"].size(), 1u) << some.dump();
  EXPECT_EQ(some["results"][0]["example"]["example_id"], keyword_hits[0].second);
  EXPECT_GE(some["results"][0]["scores"]["vector"].get<double>(), threshold);
  EXPECT_EQ(some["results"][0]["match_type"], "keyword");
}

TEST_F(SearchApi, MmrDiversifiesAndBadQueriesAre422) {
  Json r = Search({{"query_text", "scintillator"}, {"mode", "vector"}, {"k", 3}, {"relevance_floor", 0},
                   {"mmr", {{"lambda", 0.3}, {"fetch_k", 10}}}});
  EXPECT_EQ(r["results"].size(), 3u);
  EXPECT_EQ(server_.Post("/api/v1/examples/search", {{"k", 0}}).status, 422);
  EXPECT_EQ(server_.Post("/api/v1/examples/search", {{"k", 101}}).status, 422);
  EXPECT_EQ(server_.Post("/api/v1/examples/search", {{"mode", "fuzzy"}}).status, 422);
  EXPECT_EQ(server_.Post("/api/v1/examples/search", {{"mode", "keyword"}}).status, 422);
  EXPECT_EQ(server_.Post("/api/v1/examples/search", {{"query_embedding", {1.0, 2.0}}}).status, 422);
  EXPECT_EQ(server_.Post("/api/v1/examples/search", {{"sort_by", "1; DROP TABLE"}}).status, 422);
  // A sort applies to metadata searches; with a query it was accepted and silently ignored.
  for (const char* mode : {"auto", "vector", "keyword", "hybrid"}) {
    auto sorted = server_.Post("/api/v1/examples/search",
                               {{"query_text", "scintillator"}, {"mode", mode}, {"sort_by", "quality_score"}});
    ASSERT_EQ(sorted.status, 422) << mode << " " << sorted.raw;
    EXPECT_EQ(sorted.body["detail"][0]["loc"], Json({"body", "sort_by"})) << sorted.raw;
  }
  EXPECT_EQ(server_.Post("/api/v1/examples/search", {{"query_text", "scintillator"}, {"sort_desc", false}}).status, 422);
  auto by_quality = server_.Post("/api/v1/examples/search", {{"sort_by", "quality_score"}, {"sort_desc", false}, {"k", 5}});
  ASSERT_EQ(by_quality.status, 200) << by_quality.raw;
  std::vector<double> quality;
  for (const auto& h : by_quality.body["results"]) {
    if (h["example"]["quality_score"].is_number()) quality.push_back(h["example"]["quality_score"]);
  }
  EXPECT_TRUE(std::is_sorted(quality.begin(), quality.end())) << by_quality.raw;
  // fetch_k below k cut vector and keyword results to fetch_k (hybrid still gave k): a 422 naming it.
  for (const char* mode : {"vector", "keyword", "hybrid"}) {
    auto few = server_.Post("/api/v1/examples/search", {{"query_text", "scintillator"}, {"mode", mode}, {"k", 5},
                                                        {"relevance_floor", 0}, {"mmr", {{"fetch_k", 2}}}});
    ASSERT_EQ(few.status, 422) << mode << " " << few.raw;
    EXPECT_EQ(few.body["detail"][0]["loc"], Json::array({"body", "mmr", "fetch_k"})) << few.raw;
    EXPECT_NE(few.raw.find("at least k"), std::string::npos) << few.raw;
  }
  auto retrieve = server_.Post("/api/v1/examples/retrieve", {{"query", "scintillator"}, {"mmr", {{"fetch_k", 4}}}});
  EXPECT_EQ(retrieve.status, 422) << retrieve.raw;  // retrieval's k defaults to 5
  Json equal = Search({{"query_text", "scintillator"}, {"mode", "vector"}, {"k", 3}, {"relevance_floor", 0},
                       {"mmr", {{"fetch_k", 3}}}});
  EXPECT_EQ(equal["results"].size(), 3u);
}

// The OpenAPI document declares `mmr` as a boolean or {lambda, fetch_k}; `true` was a 422 "must be a
// JSON object" on search and retrieve. true is MMR with the defaults, false is no MMR.
TEST_F(SearchApi, MmrTakesTheBooleanForm) {
  for (const char* mode : {"vector", "keyword", "hybrid"}) {
    Json base = {{"query_text", "scintillator crystal"}, {"mode", mode}, {"k", 3}, {"relevance_floor", 0}};
    Json on = base, defaults = base, off = base, plain = base;
    on["mmr"] = true;
    defaults["mmr"] = Json::object();
    off["mmr"] = false;
    auto ids = [](const Json& r) {
      std::vector<std::string> out;
      for (const auto& h : r["results"]) out.push_back(h["example"]["example_id"]);
      return out;
    };
    EXPECT_EQ(ids(Search(on)), ids(Search(defaults))) << mode;
    EXPECT_EQ(ids(Search(off)), ids(Search(plain))) << mode;
  }
  for (const Json& mmr : {Json(true), Json(false)}) {
    auto r = server_.Post("/api/v1/examples/retrieve", {{"query", "scintillator"}, {"mmr", mmr}});
    EXPECT_EQ(r.status, 200) << r.raw;
  }
  auto bad = server_.Post("/api/v1/examples/search", {{"query_text", "scintillator"}, {"mmr", "yes"}});
  ASSERT_EQ(bad.status, 422) << bad.raw;
  EXPECT_EQ(bad.body["detail"][0]["loc"], Json::array({"body", "mmr"})) << bad.raw;
}

// MMR ranks as LangChain's maximal_marginal_relevance: λ·cos(q, d) − (1 − λ)·max cos(d, s) over the
// top fetch_k candidates. It weighed each candidate's score over the best one's instead, so a copy
// of the top hit scored λ − (1 − λ) and beat a relevant distinct example: at λ = 0.7 four copies
// came back. (Hybrid fed it RRF scores squeezed into 0.8–1.0, where diversity always won.)
TEST_F(SearchApi, MmrIsLangChainsFormulaOverCosines) {
  Json items = Json::array();
  for (int i = 0; i < 4; ++i) items.push_back(MakeExample("my account is locked", "support"));
  for (const char* t : {"login blocked: account locked", "locked out of my account",
                        "account is locked, cannot sign in", "password reset link expired"}) {
    items.push_back(MakeExample(t, "support"));
  }
  auto created = server_.Post("/api/v1/examples/batch?on_duplicate=allow", {{"examples", items}});
  ASSERT_EQ(created.status, 201) << created.raw;
  for (const char* mode : {"vector", "keyword", "hybrid"}) {
    // With the hash embedder the copies' cosine to the query is 0.741 and "login blocked: account
    // locked"'s 0.654, at 0.744 from a copy: LangChain's formula at λ = 0.7 picks it second (0.235
    // against a copy's 0.219); the old relevance (score over the best's) gave it 0.395 against 0.4.
    Json body = {{"query_text", "locked account"}, {"mode", mode}, {"k", 4}, {"domain", "support"},
                 {"relevance_floor", 0}, {"mmr", {{"lambda", 0.7}, {"fetch_k", 8}}}};
    Json r = Search(body);
    ASSERT_EQ(r["results"].size(), 4u) << mode << r.dump();
    int copies = 0;
    for (const auto& h : r["results"]) copies += h["example"]["input"]["text"] == "my account is locked";
    EXPECT_LT(copies, 4) << mode << ": " << r.dump();
    EXPECT_EQ(r["results"][0]["example"]["input"]["text"], "my account is locked") << mode;
    EXPECT_EQ(r["results"][1]["example"]["input"]["text"], "login blocked: account locked") << mode;
    // λ = 1 is relevance alone: the pool in order of cosine to the query.
    body["mmr"]["lambda"] = 1.0;
    Json pure = Search(body);
    ASSERT_EQ(pure["results"].size(), 4u) << mode;
    std::vector<double> cos;
    for (const auto& h : pure["results"]) cos.push_back(h["scores"]["vector"].get<double>());
    EXPECT_TRUE(std::is_sorted(cos.rbegin(), cos.rend())) << mode << ": " << pure.dump();
    if (std::string(mode) == "vector") {
      body.erase("mmr");
      Json plain = Search(body);
      for (size_t i = 0; i < 4; ++i) {
        EXPECT_EQ(plain["results"][i]["example"]["example_id"], pure["results"][i]["example"]["example_id"]) << i;
      }
    }
  }
}

// Evidence reorders candidates of like relevance, not an exact match and an example that
// shares one word with the query: hybrid's fused rank would give them 1.0 and ~0.96, so the
// blend weighs the legs' scores instead.
TEST_F(SearchApi, EvidenceDoesNotLiftAWeakHybridMatchAboveAnExactOne) {
  const std::string exact = "dark current increase in the photomultiplier tube";
  std::string weak_id;
  const Json fan = Search({{"query_text", "cooling fan"}, {"mode", "keyword"}, {"k", 1}});
  for (const auto& hit : fan["results"]) weak_id = hit["example"]["example_id"];
  ASSERT_FALSE(weak_id.empty());
  for (int i = 0; i < 6; ++i) {
    ASSERT_EQ(server_.Post("/api/v1/examples/" + weak_id + "/track", {{"outcome", "success"}}).status, 204);
  }
  // "temperature" and "increase"-like words make the fan example a weak match of the query.
  const std::string query = exact + " temperature";
  for (const char* policy : {"greedy", "ucb"}) {
    Json r = Search({{"query_text", query}, {"k", 3}, {"effectiveness_weight", 0.5}, {"exploration", policy}});
    ASSERT_GE(r["results"].size(), 2u);
    EXPECT_EQ(r["results"][0]["example"]["input"]["text"], exact) << policy << ": " << r.dump();
    for (const auto& hit : r["results"]) {
      if (hit["example"]["example_id"] == weak_id) EXPECT_LT(hit["scores"]["relevance"].get<double>(), 0.8) << hit.dump();
    }
  }
  // Without a weight the order is hybrid's (RRF), as before.
  Json plain = Search({{"query_text", query}, {"k", 3}});
  EXPECT_EQ(plain["results"][0]["example"]["input"]["text"], exact);
}

TEST_F(SearchApi, NewExamplesAreSearchableOnAcknowledgement) {
  auto created = server_.Post("/api/v1/examples", MakeExample("brand new neutron tube outgassing"));
  ASSERT_EQ(created.status, 201);
  Json r = Search({{"query_text", "neutron tube outgassing"}, {"mode", "hybrid"}, {"k", 1}});
  ASSERT_EQ(r["results"].size(), 1u);
  EXPECT_EQ(r["results"][0]["example"]["example_id"], created.body["example_id"]);
  std::string id = created.body["example_id"];
  ASSERT_EQ(server_.Delete("/api/v1/examples/" + id).status, 204);
  Json after = Search({{"query_text", "neutron tube outgassing"}, {"mode", "keyword"}, {"k", 10}});
  for (const auto& hit : after["results"]) EXPECT_NE(hit["example"]["example_id"], id);
}

}  // namespace
}  // namespace exemplar::testing
