// The effectiveness loop through the API (SPEC §4.2, §4.3): retrieval, exactly-once outcomes,
// the one formula, intervals, formatting and the dashboard.
#include <gtest/gtest.h>

#include <thread>

#include "testing/test_server.h"

namespace exemplar::testing {
namespace {

class EffectivenessApi : public ::testing::Test {
 protected:
  void SetUp() override {
    Json items = Json::array();
    const char* texts[] = {"pmt gain drop after thermal cycling", "bias voltage ripple on hv supply",
                           "fan bearing noise and rising temperature", "crystal crack near the edge",
                           "count rate spikes under vibration"};
    for (const char* t : texts) items.push_back(MakeExample(t, "predictive_maintenance"));
    auto r = server_.Post("/api/v1/examples/batch", {{"examples", items}});
    ASSERT_EQ(r.status, 201);
    for (const auto& id : r.body["created_ids"]) ids_.push_back(id);
  }
  Json Retrieve(Json body) {
    auto r = server_.Post("/api/v1/examples/retrieve", body);
    EXPECT_EQ(r.status, 200) << r.raw;
    return r.body;
  }
  double Score(const std::string& id) {
    auto r = server_.Get("/api/v1/examples/" + id);
    return r.body["effectiveness_score"].is_null() ? -1 : r.body["effectiveness_score"].get<double>();
  }
  TestServer server_;
  std::vector<std::string> ids_;
};

// A second, different outcome for a retrieval is a 409 naming the first; the same outcome sent
// again (an agent retrying after a timeout) answers 200 as the first did and adds nothing (it was
// a 409 too, so a retrying agent had to read a conflict as success).
TEST_F(EffectivenessApi, SuccessGivesTwoThirdsAndRepeatedOutcomeIs409) {
  Json r = Retrieve({{"query", "gain drop in the photomultiplier"}, {"k", 3}});
  ASSERT_EQ(r["examples"].size(), 3u);
  for (const auto& e : r["examples"]) {
    EXPECT_TRUE(e["effectiveness_score"].is_null());  // new examples are retrievable
    EXPECT_EQ(Score(e["example_id"]), -1);
  }
  auto ok = server_.Post("/api/v1/examples/outcome", {{"retrieval_id", r["retrieval_id"]}, {"outcome", "success"}});
  ASSERT_EQ(ok.status, 200) << ok.raw;
  EXPECT_EQ(ok.body["examples_credited"], 3);
  EXPECT_EQ(ok.body["already_recorded"], false);
  for (const auto& e : r["examples"]) {
    EXPECT_NEAR(Score(e["example_id"]), 2.0 / 3.0, 1e-12);
    EXPECT_EQ(server_.Get("/api/v1/examples/" + e["example_id"].get<std::string>()).body["usage_count"], 1);
  }
  auto again = server_.Post("/api/v1/examples/outcome", {{"retrieval_id", r["retrieval_id"]}, {"outcome", "failure"}});
  EXPECT_EQ(again.status, 409);
  EXPECT_NE(again.raw.find("success"), std::string::npos) << again.raw;
  const std::string first = r["examples"][0]["example_id"];
  auto per_example = server_.Post("/api/v1/examples/outcome", {{"retrieval_id", r["retrieval_id"]},
                                                               {"outcome", "success"},
                                                               {"example_outcomes", {{first, "failure"}}}});
  EXPECT_EQ(per_example.status, 409) << per_example.raw;
  auto retry = server_.Post("/api/v1/examples/outcome", {{"retrieval_id", r["retrieval_id"]}, {"outcome", "success"}});
  ASSERT_EQ(retry.status, 200) << retry.raw;
  EXPECT_EQ(retry.body["already_recorded"], true);
  EXPECT_EQ(retry.body["credited_example_ids"], ok.body["credited_example_ids"]);
  for (const auto& e : r["examples"]) {
    EXPECT_NEAR(Score(e["example_id"]), 2.0 / 3.0, 1e-12);
    EXPECT_EQ(server_.Get("/api/v1/examples/" + e["example_id"].get<std::string>()).body["usage_count"], 1);
  }
  EXPECT_EQ(server_.Post("/api/v1/examples/outcome",
                         {{"retrieval_id", "00000000-0000-4000-8000-000000000000"}, {"outcome", "success"}})
                .status,
            404);
  EXPECT_EQ(server_.Post("/api/v1/examples/outcome", {{"retrieval_id", r["retrieval_id"]}, {"outcome", "great"}}).status,
            422);
  // The original's agent paths answer the same.
  Json alias = server_.Post("/api/v1/agents/examples/retrieve", {{"query", "fan noise"}, {"k", 1}}).body;
  ASSERT_EQ(alias["examples"].size(), 1u);
  EXPECT_EQ(server_.Post("/api/v1/agents/examples/outcome", {{"retrieval_id", alias["retrieval_id"]}, {"outcome", "failure"}}).status,
            200);
}

// An agent that can tell which example helped reports each one's own outcome with the
// retrieval's; an example deleted since the retrieval is not counted as credited.
TEST_F(EffectivenessApi, EachExamplesOwnOutcomeAndNoCreditClaimedForADeletedExample) {
  Json r = Retrieve({{"query", "gain drop in the photomultiplier"}, {"k", 3}});
  ASSERT_EQ(r["examples"].size(), 3u);
  const std::string a = r["examples"][0]["example_id"], b = r["examples"][1]["example_id"],
                    gone = r["examples"][2]["example_id"];
  std::string stranger;
  for (const auto& id : ids_) {
    if (id != a && id != b && id != gone) stranger = id;
  }
  auto outcome = [&](Json per_example) {
    return server_.Post("/api/v1/examples/outcome",
                        {{"retrieval_id", r["retrieval_id"]}, {"outcome", "success"}, {"example_outcomes", per_example}});
  };
  // Refused, and nothing recorded: an example the retrieval did not return, a non-id, a bad
  // outcome, one example named twice (in two spellings), a list instead of an object.
  auto not_returned = outcome({{stranger, "failure"}});
  ASSERT_EQ(not_returned.status, 422) << not_returned.raw;
  EXPECT_NE(not_returned.raw.find(stranger), std::string::npos);
  EXPECT_EQ(outcome({{"first", "failure"}}).status, 422);
  EXPECT_EQ(outcome({{a, "great"}}).status, 422);
  std::string upper = a;
  for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  EXPECT_EQ(outcome({{a, "failure"}, {upper, "success"}}).status, 422);
  EXPECT_EQ(outcome(Json::array({a})).status, 422);
  EXPECT_EQ(Score(a), -1);
  ASSERT_EQ(server_.Delete("/api/v1/examples/" + gone).status, 204);
  auto ok = outcome({{upper, "failure"}});  // the agent says the first example misled it
  ASSERT_EQ(ok.status, 200) << ok.raw;
  EXPECT_EQ(ok.body["examples_credited"], 2);
  EXPECT_EQ(ok.body["credited_example_ids"], Json::array({a, b}));
  EXPECT_EQ(ok.body["not_credited_example_ids"], Json::array({gone}));
  EXPECT_EQ(ok.body["example_outcomes"], Json({{a, "failure"}, {b, "success"}}));
  EXPECT_NEAR(Score(a), 1.0 / 3.0, 1e-12);
  EXPECT_NEAR(Score(b), 2.0 / 3.0, 1e-12);
  auto stored = server_.Get("/api/v1/examples/retrievals/" + r["retrieval_id"].get<std::string>());
  EXPECT_EQ(stored.body["outcome"], "success");
  EXPECT_EQ(stored.body["example_outcomes"], ok.body["example_outcomes"]);
  // "unknown": this example had no part in the outcome; it gets no evidence.
  Json next = Retrieve({{"query", "fan bearing noise"}, {"k", 2}});
  ASSERT_EQ(next["examples"].size(), 2u);
  const std::string idle = next["examples"][1]["example_id"];
  const double before = Score(idle);
  ASSERT_EQ(server_.Post("/api/v1/examples/outcome", {{"retrieval_id", next["retrieval_id"]}, {"outcome", "failure"},
                                                      {"example_outcomes", {{idle, "unknown"}}}})
                .status,
            200);
  EXPECT_EQ(Score(idle), before);
}

// The answer reports what was stored, example by example: `unknown` adds no evidence, so that
// example is not credited, and the deltas are the sums of what each example received (the
// reviewer saw examples_credited 4 and success_delta 1.0 for a failure, an unknown and a partial).
TEST_F(EffectivenessApi, TheOutcomeAnswerMatchesTheEvidenceStoredPerExample) {
  Json r = Retrieve({{"query", "gain drop in the photomultiplier"}, {"k", 4}});
  ASSERT_EQ(r["examples"].size(), 4u);
  std::vector<std::string> ids;
  for (const auto& e : r["examples"]) ids.push_back(e["example_id"]);
  const std::string a = ids[0], b = ids[1], c = ids[2], d = ids[3];
  auto ok = server_.Post("/api/v1/examples/outcome",
                         {{"retrieval_id", r["retrieval_id"]},
                          {"outcome", "success"},
                          {"example_outcomes", {{a, "failure"}, {b, "unknown"}, {c, "partial"}}}});
  ASSERT_EQ(ok.status, 200) << ok.raw;
  EXPECT_EQ(ok.body["examples_credited"], 3) << ok.raw;
  EXPECT_EQ(ok.body["credited_example_ids"], Json::array({a, c, d}));
  EXPECT_EQ(ok.body["not_credited_example_ids"], Json::array({b}));
  EXPECT_EQ(ok.body["deleted_example_ids"], Json::array());
  EXPECT_EQ(ok.body["example_outcomes"], Json({{a, "failure"}, {b, "unknown"}, {c, "partial"}, {d, "success"}}));
  const Json& credits = ok.body["example_credits"];
  ASSERT_EQ(credits.size(), 4u) << ok.raw;
  double success_sum = 0, failure_sum = 0;
  for (size_t i = 0; i < ids.size(); ++i) {
    SCOPED_TRACE(ids[i]);
    EXPECT_EQ(credits[i]["example_id"], ids[i]);
    EXPECT_EQ(credits[i]["outcome"], ok.body["example_outcomes"][ids[i]]);
    // Each example's credit is what its evidence now holds (all four were new).
    auto stats = server_.Get("/api/v1/examples/" + ids[i] + "/effectiveness");
    ASSERT_EQ(stats.status, 200) << stats.raw;
    EXPECT_DOUBLE_EQ(credits[i]["success_delta"].get<double>(), stats.body["success_count"].get<double>());
    EXPECT_DOUBLE_EQ(credits[i]["failure_delta"].get<double>(), stats.body["failure_count"].get<double>());
    success_sum += stats.body["success_count"].get<double>();
    failure_sum += stats.body["failure_count"].get<double>();
  }
  EXPECT_DOUBLE_EQ(success_sum, 1.5);  // d 1 + c 0.5
  EXPECT_DOUBLE_EQ(failure_sum, 1.5);  // a 1 + c 0.5
  EXPECT_DOUBLE_EQ(ok.body["success_delta"].get<double>(), success_sum);
  EXPECT_DOUBLE_EQ(ok.body["failure_delta"].get<double>(), failure_sum);
}

TEST_F(EffectivenessApi, PartialAddsHalfEvidenceEachWay) {
  Json r = Retrieve({{"query", {{"text", "bias voltage ripple"}}}, {"k", 1}});
  ASSERT_EQ(r["examples"].size(), 1u);
  std::string id = r["examples"][0]["example_id"];
  ASSERT_EQ(server_.Post("/api/v1/examples/outcome", {{"retrieval_id", r["retrieval_id"]}, {"outcome", "partial"}}).status, 200);
  auto stats = server_.Get("/api/v1/examples/" + id + "/effectiveness");
  ASSERT_EQ(stats.status, 200);
  EXPECT_DOUBLE_EQ(stats.body["success_count"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(stats.body["failure_count"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(stats.body["effectiveness_score"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(stats.body["success_rate"].get<double>(), 0.5);
  EXPECT_LT(stats.body["interval"]["low"].get<double>(), 0.5);
  EXPECT_GT(stats.body["interval"]["high"].get<double>(), 0.5);
}

TEST_F(EffectivenessApi, TrackAndIntervalNarrowsWithEvidence) {
  const std::string a = ids_[0], b = ids_[1];
  ASSERT_EQ(server_.PostRaw("/api/v1/examples/" + a + "/track?outcome=success&model_id=m1", "", "application/json").status, 204);
  ASSERT_EQ(server_.Post("/api/v1/examples/" + a + "/track", {{"outcome", "success"}, {"context", "ctx"}}).status, 204);
  for (int i = 0; i < 40; ++i) ASSERT_EQ(server_.Post("/api/v1/examples/" + b + "/track", {{"outcome", "success"}}).status, 204);
  auto sa = server_.Get("/api/v1/examples/" + a + "/effectiveness").body;
  auto sb = server_.Get("/api/v1/examples/" + b + "/effectiveness").body;
  EXPECT_EQ(sa["total_uses"], 2);
  EXPECT_NEAR(sa["effectiveness_score"].get<double>(), 3.0 / 4.0, 1e-12);
  double width_a = sa["interval"]["high"].get<double>() - sa["interval"]["low"].get<double>();
  double width_b = sb["interval"]["high"].get<double>() - sb["interval"]["low"].get<double>();
  EXPECT_LT(width_b, width_a / 2);
  // Beta(3, 1): the 5% quantile is 0.05^(1/3).
  EXPECT_NEAR(sa["interval"]["low"].get<double>(), std::cbrt(0.05), 1e-6);
  EXPECT_EQ(server_.Post("/api/v1/examples/" + a + "/track", {{"outcome", "maybe"}}).status, 422);
  EXPECT_EQ(server_.Post("/api/v1/examples/00000000-0000-4000-8000-000000000000/track", Json::object()).status, 404);
  auto top = server_.Get("/api/v1/examples/top?limit=2");
  ASSERT_EQ(top.body.size(), 2u);
  EXPECT_EQ(top.body[0]["example_id"], b);
}

// training_run_id names one of this server's runs (usage_events.run_id holds run ids): a made-up
// one was stored as evidence of a run that never was (204). Not a UUID, or no such run: a 422
// naming the field, in the query or the body, and nothing is counted.
TEST_F(EffectivenessApi, TrackNamesAnExistingRunOrNone) {
  const std::string track = "/api/v1/examples/" + ids_[0] + "/track";
  const std::string missing = "00000000-0000-4000-8000-0000000000ab";
  for (const std::string& query : {std::string("?training_run_id=x"), "?training_run_id=" + missing}) {
    auto r = server_.PostRaw(track + query + "&outcome=success", "", "application/json");
    EXPECT_EQ(r.status, 422) << query << " " << r.raw;
    EXPECT_EQ(r.body["detail"][0]["loc"], Json::array({"query", "training_run_id"})) << r.raw;
  }
  auto body = server_.Post(track, {{"outcome", "success"}, {"training_run_id", missing}});
  EXPECT_EQ(body.status, 422) << body.raw;
  EXPECT_EQ(body.body["detail"][0]["loc"], Json::array({"body", "training_run_id"})) << body.raw;
  EXPECT_NE(body.raw.find(missing), std::string::npos) << body.raw;
  EXPECT_EQ(server_.Get("/api/v1/examples/" + ids_[0] + "/effectiveness").body["total_uses"], 0);

  // A run of this server is taken, however its id is spelled.
  auto tmpl = server_.Post("/api/v1/templates", {{"name", "tracked run"},
                                                 {"input_schema", {{{"name", "text"}, {"type", "string"}}}},
                                                 {"output_schema", {{{"name", "label"}, {"type", "string"}}}}});
  ASSERT_EQ(tmpl.status, 201) << tmpl.raw;
  for (int i = 0; i < 4; ++i) {
    Json e = MakeExample("run example " + std::to_string(i));
    e["expected_output"] = {{"label", "l" + std::to_string(i % 2)}};
    e["databit_id"] = tmpl.body["id"];
    ASSERT_EQ(server_.Post("/api/v1/examples", e).status, 201);
  }
  auto run = server_.Post("/api/v1/dspy-runs", {{"template_id", tmpl.body["id"]}, {"optimizer_type", "LabeledFewShot"},
                                                {"lm", {{"provider", "offline"}}}, {"budget", {{"max_trials", 1}}}});
  ASSERT_EQ(run.status, 201) << run.raw;
  std::string run_id = run.body["run_id"];
  WaitForRun(server_, run_id);
  for (char& c : run_id) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(server_.PostRaw(track + "?outcome=success&training_run_id=" + run_id, "", "application/json").status, 204);
  EXPECT_EQ(server_.Post(track, {{"outcome", "success"}, {"training_run_id", run_id}}).status, 204);
  EXPECT_EQ(server_.Get("/api/v1/examples/" + ids_[0] + "/effectiveness").body["total_uses"], 2);
}

TEST_F(EffectivenessApi, ConcurrentTracksAreCountedExactly) {
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      httplib::Client c("127.0.0.1", server_.port());
      for (int i = 0; i < 20; ++i) {
        Json body = {{"outcome", t % 2 ? "success" : "partial"}};
        auto r = c.Post(("/api/v1/examples/" + ids_[2] + "/track").c_str(), body.dump(), "application/json");
        if (!r || r->status != 204) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures, 0);
  auto s = server_.Get("/api/v1/examples/" + ids_[2] + "/effectiveness").body;
  EXPECT_EQ(s["total_uses"], 160);
  EXPECT_DOUBLE_EQ(s["success_count"].get<double>(), 80 + 40);
  EXPECT_DOUBLE_EQ(s["failure_count"].get<double>(), 40);
}

TEST_F(EffectivenessApi, FormatsEscapeContentAndHonourTheTokenBudget) {
  Json nasty = {{"input", {{"text", "tricky </input><script>alert('x') & \"q\"</script> ``` fence"}}},
                {"expected_output", {{"label", "a < b"}}},
                {"explanation", "uses ``` and <tags>"},
                {"domain", "escaping"}};
  ASSERT_EQ(server_.Post("/api/v1/examples", nasty).status, 201);
  Json xml = Retrieve({{"query", "tricky script fence"}, {"domain", "escaping"}, {"format", "xml"}});
  std::string p = xml["formatted_prompt"];
  EXPECT_EQ(p.find("<script>"), std::string::npos);
  EXPECT_NE(p.find("&lt;script&gt;"), std::string::npos);
  EXPECT_NE(p.find("&amp;"), std::string::npos);
  EXPECT_EQ(p.find("</input><script>"), std::string::npos);
  Json md = Retrieve({{"query", "tricky script fence"}, {"domain", "escaping"}, {"format", "markdown"}});
  EXPECT_NE(md["formatted_prompt"].get<std::string>().find("````json"), std::string::npos);
  Json js = Retrieve({{"query", "tricky script fence"}, {"domain", "escaping"}, {"format", "json"}});
  Json parsed = Json::parse(js["formatted_prompt"].get<std::string>());
  EXPECT_EQ(parsed[0]["expected_output"]["label"], "a < b");
  Json chat = Retrieve({{"query", "tricky script fence"}, {"domain", "escaping"}, {"format", "chat"}});
  ASSERT_EQ(chat["messages"].size(), 2u);
  EXPECT_EQ(chat["messages"][0]["role"], "user");
  EXPECT_EQ(Json::parse(chat["messages"][1]["content"].get<std::string>())["label"], "a < b");

  Json all = Retrieve({{"query", "temperature"}, {"k", 5}, {"format", "xml"}});
  ASSERT_EQ(all["examples"].size(), 5u);
  Json tight = Retrieve({{"query", "temperature"}, {"k", 5}, {"format", "xml"}, {"token_budget", 60}});
  EXPECT_LT(tight["examples"].size(), 5u);
  EXPECT_TRUE(tight["metadata"]["truncated_by_budget"].get<bool>());
  EXPECT_LE(tight["metadata"]["token_estimate"].get<int>(), 60 + 10);
  EXPECT_EQ(server_.Post("/api/v1/examples/retrieve", {{"k", 3}}).status, 422);
  EXPECT_EQ(server_.Post("/api/v1/examples/retrieve", {{"query", "x"}, {"format", "yaml"}}).status, 422);
}

TEST_F(EffectivenessApi, MinEffectivenessKeepsNewExamplesWithThePrior) {
  Json r = Retrieve({{"query", "crystal crack"}, {"k", 5}, {"min_effectiveness", 0.5}});
  EXPECT_EQ(r["examples"].size(), 5u);
  Json strict = Retrieve({{"query", "crystal crack"}, {"k", 5}, {"min_effectiveness", 0.6}});
  EXPECT_EQ(strict["examples"].size(), 0u);
}

TEST_F(EffectivenessApi, DashboardMatchesTheRecordedEvents) {
  Json r = Retrieve({{"query", "temperature"}, {"k", 2}});
  ASSERT_EQ(server_.Post("/api/v1/examples/outcome", {{"retrieval_id", r["retrieval_id"]}, {"outcome", "success"}}).status, 200);
  ASSERT_EQ(server_.Post("/api/v1/examples/" + ids_[4] + "/track", {{"outcome", "failure"}}).status, 204);
  auto d = server_.Get("/api/v1/examples/dashboard?period=7d");
  ASSERT_EQ(d.status, 200) << d.raw;
  ASSERT_EQ(d.body["daily_usage"].size(), 7u);
  int uses = 0;
  for (const auto& day : d.body["daily_usage"]) uses += day["uses"].get<int>();
  EXPECT_EQ(uses, 3);  // two retrieved + one tracked
  EXPECT_EQ(d.body["total_uses"], 3);
  EXPECT_DOUBLE_EQ(d.body["total_successes"].get<double>(), 2.0);
  EXPECT_DOUBLE_EQ(d.body["total_failures"].get<double>(), 1.0);
  EXPECT_NEAR(d.body["overall_success_rate"].get<double>(), 2.0 / 3.0, 1e-12);
  EXPECT_EQ(d.body["total_examples"], 5);
  EXPECT_EQ(d.body["stale_examples_count"], 5 - d.body["examples_with_usage"].get<int>());
  ASSERT_EQ(d.body["domain_breakdown"].size(), 1u);
  EXPECT_NEAR(d.body["domain_breakdown"][0]["success_rate"].get<double>(), 2.0 / 3.0, 1e-12);
  EXPECT_EQ(d.body["daily_usage"].back()["uses"], 3);
  EXPECT_EQ(d.body["top_examples"][0]["effectiveness_score"], 2.0 / 3.0);
  EXPECT_EQ(server_.Get("/api/v1/examples/dashboard?period=8d").status, 422);
  EXPECT_EQ(server_.Get("/api/v1/examples/dashboard?period=90d").body["daily_usage"].size(), 90u);
  EXPECT_EQ(server_.Get("/api/v1/examples/dashboard?domain=none").body["total_uses"], 0);
}

// An agent whose prompts leave the organisation retrieves with redact: personal data is masked in
// the examples and the prompt section, in every format; without it they are as stored.
TEST(RetrieveRedact, PersonalDataIsMaskedInExamplesAndPrompt) {
  TestServer server_;
  Json e = {{"input", {{"text", "my card was charged twice, call me at (555) 234-5678"}}},
            {"expected_output", {{"label", "refund"}}},
            {"explanation", "reply to ana@example.com"}};
  ASSERT_EQ(server_.Post("/api/v1/examples", e).status, 201);
  for (const char* format : {"xml", "markdown", "json", "chat"}) {
    auto plain = server_.Post("/api/v1/examples/retrieve", {{"query", "card charged twice"}, {"format", format}});
    ASSERT_EQ(plain.status, 200) << plain.raw;
    ASSERT_EQ(plain.body["examples"].size(), 1u) << plain.raw;
    EXPECT_NE(plain.body["formatted_prompt"].get<std::string>().find("234-5678"), std::string::npos) << format;
    auto masked = server_.Post("/api/v1/examples/retrieve", {{"query", "card charged twice"}, {"format", format}, {"redact", true}});
    ASSERT_EQ(masked.status, 200) << masked.raw;
    ASSERT_EQ(masked.body["examples"].size(), 1u);
    EXPECT_EQ(masked.raw.find("234-5678"), std::string::npos) << format << ": " << masked.raw.substr(0, 600);
    EXPECT_EQ(masked.raw.find("ana@example.com"), std::string::npos) << format;
    EXPECT_NE(masked.body["formatted_prompt"].get<std::string>().find("[REDACTED:phone]"), std::string::npos) << format;
  }
  EXPECT_EQ(server_.Post("/api/v1/examples/retrieve", {{"query", "card"}, {"redact", "yes"}}).status, 422);
}

}  // namespace
}  // namespace exemplar::testing
