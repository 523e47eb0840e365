// Which stored example a demo is, and how a version's attribution names each example (README
// "Provenance", "The DSPy round trip"): a demo links to the example whose input and labels it
// carries, not to the first one sharing its input; an input-only link says so; the training
// examples of the run a version came from are `used_in` whatever order the edges were stored in.
#include <gtest/gtest.h>

#include <set>
#include <tuple>

#include "testing/test_server.h"

namespace exemplar::testing {
namespace {

const std::string kInput = "Charged twice for the March invoice";

Json TicketTemplate(const std::string& name, Json extra = Json::object()) {
  Json t = {{"name", name},
            {"input_schema", {{{"name", "text"}, {"type", "string"}, {"description", "the ticket"}}}},
            {"output_schema", {{{"name", "category"}, {"type", "string"}}, {{"name", "priority"}, {"type", "string"}}}},
            {"prompt_template", "Triage the ticket: {text}"}};
  t.update(extra);
  return t;
}

class AttributionApi : public ::testing::Test {
 protected:
  std::string CreateTemplate(const Json& body) {
    auto r = server_.Post("/api/v1/templates", body);
    EXPECT_EQ(r.status, 201) << r.raw;
    return r.body.value("id", "");
  }
  std::string CreateTicket(const std::string& template_id, const std::string& text, const std::string& category,
                           const std::string& priority) {
    Json body = MakeExample(text, "support");
    body["input"] = {{"text", text}};
    body["expected_output"] = {{"category", category}, {"priority", priority}};
    body["databit_id"] = template_id;
    auto r = server_.Post("/api/v1/examples", body);
    EXPECT_EQ(r.status, 201) << r.raw;
    return r.body.value("example_id", "");
  }
  // Of `ids`, the oldest (created_at, then id): the one a tie between equal matches goes to.
  std::string Oldest(const std::vector<std::string>& ids) {
    std::string best;
    std::tuple<std::string, std::string> best_key;
    for (const auto& id : ids) {
      auto e = server_.Get("/api/v1/examples/" + id);
      EXPECT_EQ(e.status, 200) << e.raw;
      std::tuple<std::string, std::string> key{e.body["created_at"].dump(), id};
      if (best.empty() || key < best_key) best = id, best_key = key;
    }
    return best;
  }
  // A bare dspy.Predict program of the ticket template holding `demos`.
  Json Program(const std::string& template_id, const Json& demos) {
    auto exported = server_.Post("/api/v1/templates/" + template_id + "/export-dspy", {{"format", "program_state"}});
    EXPECT_EQ(exported.status, 200) << exported.raw;
    Json state = Json::parse(exported.body["content"].get<std::string>());
    state["predict"]["demos"] = demos;
    return state;
  }
  Json Attribution(const std::string& template_id) {
    auto r = server_.Get("/api/v1/templates/" + template_id + "/attribution");
    EXPECT_EQ(r.status, 200) << r.raw;
    return r.body;
  }
  TestServer server_;
};

// The reviewer's case: an example, its exact duplicate (billing/high) and a conflicting copy
// (bug/low), all with one input. A demo carrying the copy's input and labels is the copy.
TEST_F(AttributionApi, AnImportedDemoLinksToTheExampleWithItsLabelsNotTheFirstWithItsInput) {
  const std::string t = CreateTemplate(TicketTemplate("Tickets"));
  const std::string original = CreateTicket(t, kInput, "billing", "high");
  const std::string duplicate = CreateTicket(t, kInput, "billing", "high");
  const std::string conflicting = CreateTicket(t, kInput, "bug", "low");
  auto import = [&](const Json& demo) {
    auto r = server_.Post("/api/v1/templates/" + t + "/import-dspy", Program(t, Json::array({demo})));
    EXPECT_EQ(r.status, 201) << r.raw;
    return r.body["demos"][0];
  };

  Json copy = import({{"text", kInput}, {"category", "bug"}, {"priority", "low"}});
  EXPECT_EQ(copy["example_id"], conflicting) << copy;
  EXPECT_EQ(copy["match"], "exact");
  // Two examples with the demo's input and labels: the oldest, every time.
  Json twin = import({{"text", kInput}, {"category", "billing"}, {"priority", "high"}});
  EXPECT_EQ(twin["example_id"], Oldest({original, duplicate})) << twin;
  EXPECT_EQ(twin["match"], "exact");
  // The same after normalising whitespace and case.
  Json shouted = import({{"text", "  CHARGED twice for the march   invoice"}, {"category", "Bug"}, {"priority", "LOW"}});
  EXPECT_EQ(shouted["example_id"], conflicting) << shouted;
  EXPECT_EQ(shouted["match"], "normalized");
  // Labels no example has: linked by input only, and reported so.
  Json other = import({{"text", kInput}, {"category", "account"}, {"priority", "low"}});
  EXPECT_EQ(other["example_id"], Oldest({original, duplicate, conflicting})) << other;
  EXPECT_EQ(other["match"], "input");
  Json other_spelling = import({{"text", kInput + "  "}, {"category", "account"}, {"priority", "low"}});
  EXPECT_EQ(other_spelling["match"], "input_normalized") << other_spelling;
  // The lineage edge goes to the same example the response names.
  auto lineage = server_.Get("/api/v1/examples/" + conflicting + "/lineage").body;
  size_t demo_edges = 0;
  for (const auto& e : lineage["edges"]) demo_edges += e["type"] == "demo_of" ? 1 : 0;
  EXPECT_EQ(demo_edges, 2u) << lineage.dump();  // the exact and the normalised import
}

// Inline examples of a hand-written version are matched the same way, and attribution says how.
TEST_F(AttributionApi, InlineTemplateExamplesLinkToTheExampleWithTheirLabels) {
  const std::string t = CreateTemplate(TicketTemplate("Tickets"));
  const std::string original = CreateTicket(t, kInput, "billing", "high");
  const std::string duplicate = CreateTicket(t, kInput, "billing", "high");
  const std::string conflicting = CreateTicket(t, kInput, "bug", "low");
  Json inline_examples = {
      {{"input", {{"text", kInput}}}, {"output", {{"category", "bug"}, {"priority", "low"}}}},
      {{"input", {{"text", kInput}}}, {"output", {{"category", "billing"}, {"priority", "high"}}}},
      {{"input", {{"text", kInput}}}, {"output", {{"category", "account"}, {"priority", "low"}}}}};
  const std::string hand = CreateTemplate(TicketTemplate("Hand", {{"examples", inline_examples}, {"derived_from", {t}}}));
  Json trace = Attribution(hand);
  ASSERT_EQ(trace["inline_examples"].size(), 3u) << trace.dump();
  EXPECT_EQ(trace["inline_examples"][0]["example_id"], conflicting) << trace["inline_examples"].dump();
  EXPECT_EQ(trace["inline_examples"][0]["match"], "exact");
  EXPECT_EQ(trace["inline_examples"][1]["example_id"], Oldest({original, duplicate}));
  EXPECT_EQ(trace["inline_examples"][1]["match"], "exact");
  // The third only shares the input; it links to the same example as the second (the oldest),
  // and attribution lists each example once.
  EXPECT_EQ(trace["inline_examples"][2]["match"], "input");
  for (const auto& item : trace["examples"]) {
    if (item["example_id"] == conflicting) {
      EXPECT_EQ(item["relation"], "demo_of");
    }
  }
}

// The reviewer's case: a template's inline example took `match` (and `example_version`) from the
// client, and attribution repeated it, so a demo with other labels could be shown as an "exact"
// copy. They are the server's: sent back as a GET gave them, else a 422 naming the key.
TEST_F(AttributionApi, AClientCannotSetHowADemoWasLinked) {
  const std::string t = CreateTemplate(TicketTemplate("Tickets"));
  const std::string stored = CreateTicket(t, kInput, "billing", "high");
  const Json demo = {{"input", {{"text", kInput}}}, {"output", {{"category", "bug"}, {"priority", "low"}}},
                     {"example_id", stored}};
  const std::string draft = CreateTemplate(TicketTemplate("Hand"));
  for (const Json& mark : {Json{{"match", "exact"}}, Json{{"example_version", 1}}}) {
    const std::string key = mark.begin().key();
    SCOPED_TRACE(key);
    Json forged = demo;
    forged.update(mark);
    auto created = server_.Post("/api/v1/templates", TicketTemplate("Forged", {{"examples", Json::array({forged})}}));
    ASSERT_EQ(created.status, 422) << created.raw;
    EXPECT_EQ(created.body["detail"][0]["loc"], Json::array({"body", "examples", 0, key})) << created.raw;
    auto updated = server_.Put("/api/v1/templates/" + draft, {{"examples", Json::array({forged})}});
    ASSERT_EQ(updated.status, 422) << updated.raw;
    EXPECT_EQ(updated.body["detail"][0]["loc"], Json::array({"body", "examples", 0, key})) << updated.raw;
  }
  // Without them the server finds the link itself: named by id.
  ASSERT_EQ(server_.Put("/api/v1/templates/" + draft, {{"examples", Json::array({demo})}}).status, 200);
  EXPECT_EQ(Attribution(draft)["inline_examples"][0]["match"], "id");

  // An imported version's marks go back unchanged (a body copied from a GET), not onto other content.
  auto imported = server_.Post("/api/v1/templates/" + t + "/import-dspy",
                               Program(t, Json::array({{{"text", kInput}, {"category", "billing"}, {"priority", "high"}}})));
  ASSERT_EQ(imported.status, 201) << imported.raw;
  const std::string version = imported.body["template"]["id"];
  const Json got = server_.Get("/api/v1/templates/" + version).body["examples"];
  ASSERT_EQ(got[0]["match"], "exact") << got.dump();
  auto echoed = server_.Put("/api/v1/templates/" + version, {{"description", "edited"}, {"examples", got}});
  ASSERT_EQ(echoed.status, 200) << echoed.raw;
  EXPECT_EQ(echoed.body["examples"], got);
  EXPECT_EQ(Attribution(version)["inline_examples"][0]["match"], "exact");
  Json relabelled = got;
  relabelled[0]["output"] = demo["output"];
  auto moved = server_.Put("/api/v1/templates/" + version, {{"examples", relabelled}});
  ASSERT_EQ(moved.status, 422) << moved.raw;
  EXPECT_NE(moved.raw.find("server-written"), std::string::npos) << moved.raw;
}

// A version accepted from a run lists the run's training examples as used_in (demos as
// demo_of / bootstrapped_from). The version is reached from the run (produced) and from its parent
// template (version_of), and the examples from both at the same depth (used_in, member_of); the
// store returns those edges ordered by the source's random id, so the test takes one run whose id
// sorts after the template's and one whose id sorts before (the two orders the reviewer saw).
TEST_F(AttributionApi, ARunsTrainingExamplesAreUsedInWhateverOrderTheEdgesComeIn) {
  // A template id in the middle of the id space (first hex digit 7 or 8), so a random run id sorts
  // on either side of it with even odds: with an id near an end, 24 runs could all land on one side.
  std::string t;
  for (int i = 0; i < 200 && !(t.size() && (t[0] == '7' || t[0] == '8')); ++i) {
    t = CreateTemplate(TicketTemplate("Runner " + std::to_string(i)));
  }
  ASSERT_TRUE(t[0] == '7' || t[0] == '8') << t;
  for (int i = 0; i < 12; ++i) {
    CreateTicket(t, "ticket number " + std::to_string(i), i % 2 ? "billing" : "bug", i % 3 ? "low" : "high");
  }
  std::string after, before;  // a completed run whose id sorts after / before the template's
  for (int attempt = 0; attempt < 24 && (after.empty() || before.empty()); ++attempt) {
    auto run = server_.Post("/api/v1/dspy-runs", {{"template_id", t},
                                                  {"optimizer_type", "LabeledFewShot"},
                                                  {"lm", {{"provider", "offline"}}},
                                                  {"budget", {{"max_trials", 2}}},
                                                  {"data", {{"seed", attempt}}}});
    ASSERT_EQ(run.status, 201) << run.raw;
    const std::string run_id = run.body.value("run_id", "");
    ASSERT_EQ(WaitForRun(server_, run_id).value("status", ""), "completed");
    (run_id > t ? after : before) = run_id;
  }
  ASSERT_FALSE(after.empty() || before.empty()) << "24 random run ids all sorted on one side of the template's";
  for (const std::string& run_id : {after, before}) {
    SCOPED_TRACE("run " + run_id);
    auto accepted = server_.Post("/api/v1/dspy-runs/" + run_id + "/accept", Json::object());
    ASSERT_EQ(accepted.status, 201) << accepted.raw;
    const std::string version = accepted.body["template"]["id"];
    // The examples the run trained or validated on, from the version's upstream lineage.
    std::set<std::string> trained;
    auto lineage = server_.Get("/api/v1/templates/" + version + "/lineage?direction=upstream").body;
    for (const auto& e : lineage["edges"]) {
      if (e["type"] == "used_in" && e["target"] == "run:" + run_id) trained.insert(e["source_id"].get<std::string>());
    }
    ASSERT_EQ(trained.size(), 12u) << lineage.dump();
    size_t used_in = 0, demos = 0;
    const Json trace = Attribution(version);
    for (const auto& item : trace["examples"]) {
      if (!trained.count(item["example_id"].get<std::string>())) continue;
      const std::string relation = item["relation"];
      if (relation == "demo_of" || relation == "bootstrapped_from") {
        ++demos;
        continue;
      }
      EXPECT_EQ(relation, "used_in") << item.dump();
      EXPECT_EQ(item["path"][1]["id"], run_id) << item.dump();
      used_in += relation == "used_in";
    }
    EXPECT_GT(demos, 0u);
    EXPECT_EQ(used_in + demos, trained.size());
  }
}

}  // namespace
}  // namespace exemplar::testing
