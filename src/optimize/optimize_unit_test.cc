// Metrics, Python-compatible RNG, contributions, the TPE sampler and small helpers.
#include <gtest/gtest.h>

#include "lm/offline_lm.h"
#include "optimize/contribution.h"
#include "optimize/metrics.h"
#include "optimize/mipro.h"
#include "optimize/program.h"
#include "optimize/py_random.h"
#include "optimize/tpe.h"

namespace exemplar::optimize {
namespace {

dspy::SignatureField Field(const std::string& name, const std::string& type = "str") {
  dspy::SignatureField f;
  f.name = name;
  f.python_type = type;
  f.desc = "${" + name + "}";
  return f;
}

TEST(NormalizeTextTest, DspyExamples) {
  EXPECT_EQ(NormalizeText("The,  Eiffel  Tower!"), "eiffel tower");
  EXPECT_EQ(NormalizeText("An apple a day"), "apple day");
  EXPECT_EQ(NormalizeText("theater"), "theater");  // articles only as whole words
  EXPECT_EQ(NormalizeText("  Hello,\tWORLD.\n"), "hello world");
  EXPECT_EQ(NormalizeText("Ça VA É"), "ça va é");
  EXPECT_EQ(NormalizeText("«a»"), "«a»");  // only ASCII punctuation is removed
  EXPECT_TRUE(ExactMatch("The Eiffel Tower", "eiffel tower."));
  EXPECT_FALSE(ExactMatch("Eiffel", "Eiffel Tower"));
}

TEST(NormalizeTextTest, F1) {
  EXPECT_NEAR(F1("the cat sat", "cat sat on mat"), 2 * 1.0 * 0.5 / 1.5, 1e-12);
  EXPECT_DOUBLE_EQ(F1("Paris", "paris!"), 1.0);
  EXPECT_DOUBLE_EQ(F1("", ""), 0.0);  // DSPy: the rare both-empty case scores 0
  EXPECT_DOUBLE_EQ(F1("a b", "c d"), 0.0);
  EXPECT_NEAR(F1("red red blue", "red green"), 2 * (1.0 / 3) * 0.5 / (1.0 / 3 + 0.5), 1e-12);
}

TEST(MetricsTest, MeanOverOutputFields) {
  dspy::SignatureSpec spec;
  spec.inputs = {Field("q")};
  spec.outputs = {Field("answer"), Field("count", "int"), Field("tags", "list")};
  Json inputs = {{"q", "x"}};
  Json gold = {{"answer", "The Eiffel Tower"}, {"count", 10}, {"tags", {"a", "B"}}};
  Json pred = {{"answer", "eiffel tower"}, {"count", 10.4}, {"tags", {"a", "b"}}};
  auto score = [&](const std::string& name, Json params = Json::object()) {
    auto m = MakeMetric(name, params);
    EXPECT_TRUE(m.ok()) << m.status().ToString();
    auto r = m->fn(MetricInput{spec, inputs, gold, pred});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return *r;
  };
  // Lists compare by their normalized text: ["a", "B"] ~ ["a", "b"]; 10.4 vs 10 differs as text.
  EXPECT_NEAR(score("exact_match"), 2.0 / 3, 1e-12);
  EXPECT_NEAR(score("json_fields"), 2.0 / 3, 1e-12);  // answer + tags (strings normalized)
  EXPECT_NEAR(score("numeric_close"), 1.0, 1e-12);    // 10.4 within 5% of 10; others by text
  EXPECT_NEAR(score("numeric_close", {{"rel_tol", 0.01}}), 2.0 / 3, 1e-12);
  EXPECT_NEAR(score("contains"), 2.0 / 3, 1e-12);
  EXPECT_GT(score("f1"), 2.0 / 3 - 1e-12);
}

TEST(MetricsTest, GoldListIsAnswerSetAndMissingGoldFieldsAreSkipped) {
  dspy::SignatureSpec spec;
  spec.outputs = {Field("answer"), Field("other")};
  Json inputs = Json::object();
  Json gold = {{"answer", {"NYC", "New York City"}}};
  Json pred = {{"answer", "new york city"}, {"other", "x"}};
  auto em = MakeMetric("exact_match");
  EXPECT_DOUBLE_EQ(*em->fn(MetricInput{spec, inputs, gold, pred}), 1.0);
  Json none = Json::object();
  EXPECT_DOUBLE_EQ(*em->fn(MetricInput{spec, inputs, none, pred}), 0.0);
  Json contains_pred = {{"answer", "I think it is New York City, USA"}};
  EXPECT_DOUBLE_EQ(*MakeMetric("contains")->fn(MetricInput{spec, inputs, gold, contains_pred}), 1.0);
}

TEST(MetricsTest, LlmJudgeWithOfflineLm) {
  dspy::SignatureSpec spec;
  spec.instructions = "Answer.";
  spec.inputs = {Field("q")};
  spec.outputs = {Field("answer")};
  lm::OfflineLm judge;
  auto m = MakeMetric("llm_judge");
  ASSERT_TRUE(m.ok());
  Json inputs = {{"q", "capital of France?"}}, gold = {{"answer", "Paris"}};
  Json right = {{"answer", "paris"}}, wrong = {{"answer", "Berlin"}};
  EXPECT_DOUBLE_EQ(*m->fn(MetricInput{spec, inputs, gold, right, &judge}), 1.0);
  EXPECT_DOUBLE_EQ(*m->fn(MetricInput{spec, inputs, gold, wrong, &judge}), 0.0);
  EXPECT_FALSE(m->fn(MetricInput{spec, inputs, gold, right, nullptr}).ok());
}

TEST(MetricsTest, RejectsUnknownNamesAndParams) {
  EXPECT_EQ(MakeMetric("bleu").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(MakeMetric("exact_match", {{"rel_tol", 1}}).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(MakeMetric("numeric_close", {{"rel_tol", -1}}).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(MakeMetric("numeric_close", {{"rel_tol", "x"}}).status().code(), Code::kInvalidArgument);
}

// Golden values from CPython 3.11's random module.
TEST(PyRandomTest, MatchesCPython) {
  EXPECT_EQ(PyRandom(0).SampleIndices(30, 16),
            (std::vector<size_t>{27, 12, 24, 13, 1, 8, 16, 15, 28, 9, 22, 11, 6, 23, 4, 19}));
  EXPECT_EQ(PyRandom(0).SampleIndices(100, 10),  // the set-based branch of sample()
            (std::vector<size_t>{49, 97, 53, 5, 33, 65, 62, 51, 38, 61}));
  std::vector<int> x = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
  PyRandom(5).Shuffle(x);
  EXPECT_EQ(x, (std::vector<int>{10, 2, 11, 7, 1, 3, 6, 0, 8, 5, 4, 9}));
  std::vector<int64_t> sizes;
  for (int s = 0; s < 8; ++s) sizes.push_back(PyRandom(s).RandInt(1, 4));
  EXPECT_EQ(sizes, (std::vector<int64_t>{4, 2, 1, 2, 2, 3, 1, 3}));
  PyRandom r(9);
  EXPECT_EQ(r.RandInt(0, 1000000000), 497150363);
  EXPECT_DOUBLE_EQ(r.Random(), 0.6132152331867212);
  EXPECT_EQ(r.ChoiceIndex(6), 2u);
  EXPECT_EQ(PyRandom((int64_t{1} << 40) + 7).GetRandBits(32), 2635837658u);
  EXPECT_EQ(PyRandom(-3).GetRandBits(32), 1022050301u);
  EXPECT_EQ(PyRandom(3).GetRandBits(32), 1022050301u);
}

Trial MakeTrial(double score, std::vector<std::string> ids) {
  Trial t;
  t.score = score;
  t.demo_ids = std::move(ids);
  return t;
}

TEST(ContributionTest, HandMadeTrials) {
  std::vector<Trial> trials = {MakeTrial(0.2, {}), MakeTrial(0.6, {"a", "b"}), MakeTrial(0.8, {"a"}),
                               MakeTrial(0.4, {"b", "b"})};
  auto c = ComputeContributions(trials);  // the zero-shot trial is not compared
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].example_id, "a");
  EXPECT_NEAR(c[0].with_mean, 0.7, 1e-12);
  EXPECT_EQ(c[0].with_trials, 2);
  EXPECT_NEAR(*c[0].without_mean, 0.4, 1e-12);
  EXPECT_EQ(c[0].without_trials, 1);
  EXPECT_NEAR(c[0].contribution, 0.3, 1e-12);
  EXPECT_TRUE(c[0].distinguishable);
  EXPECT_EQ(c[1].example_id, "b");
  EXPECT_NEAR(c[1].with_mean, 0.5, 1e-12);  // "b" twice in one trial counts once
  EXPECT_NEAR(c[1].contribution, -0.3, 1e-12);
  auto e = EvidenceFromContribution(c);
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].example_id, "a");
  EXPECT_NEAR(e[0].success, 0.25, 1e-12);  // weight min(1, 1/4) x min(1, 0.3/0.2)
  EXPECT_EQ(e[0].failure, 0.0);
  EXPECT_NEAR(e[1].failure, 0.25, 1e-12);
  Json j = ContributionToJson(c[0]);
  EXPECT_EQ(j["with_trials"], 2);
  EXPECT_NEAR(j["without_mean"].get<double>(), 0.4, 1e-12);
  EXPECT_EQ(j["variation"], "ok");
}

// The issue #18 case: every trial with demos used all of them (plus a zero-shot baseline). The
// run cannot tell the demos apart, so it says so instead of giving each the same number.
TEST(ContributionTest, SameDemosInEveryTrialIsNotEnoughVariation) {
  std::vector<std::string> all;
  for (int i = 0; i < 16; ++i) all.push_back("ex" + std::to_string(i));
  std::vector<Trial> trials = {MakeTrial(0.40, {})};
  for (int i = 0; i < 6; ++i) trials.push_back(MakeTrial(0.55 + 0.01 * i, all));
  auto c = ComputeContributions(trials);
  ASSERT_EQ(c.size(), 16u);
  for (const auto& x : c) {
    EXPECT_FALSE(x.distinguishable) << x.example_id;
    EXPECT_TRUE(ContributionToJson(x)["contribution"].is_null());
    EXPECT_EQ(ContributionToJson(x)["variation"], "not_enough_variation");
  }
  EXPECT_TRUE(EvidenceFromContribution(c).empty());
  // Two examples always used together are confounded even when others vary.
  std::vector<Trial> paired = {MakeTrial(0.9, {"p", "q", "r"}), MakeTrial(0.5, {"r"}), MakeTrial(0.8, {"p", "q"}),
                               MakeTrial(0.4, {"s"})};
  auto d = ComputeContributions(paired);
  for (const auto& x : d) EXPECT_EQ(x.distinguishable, x.example_id == "r" || x.example_id == "s") << x.example_id;
}

TEST(ContributionTest, NegativeAndUncomparable) {
  std::vector<Trial> trials;
  for (int i = 0; i < 4; ++i) trials.push_back(MakeTrial(0.50, {"d", "all"}));
  for (int i = 0; i < 4; ++i) trials.push_back(MakeTrial(0.55, {"all"}));
  auto c = ComputeContributions(trials);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].example_id, "d");  // "all" is in every trial: not distinguishable, listed last
  EXPECT_NEAR(c[0].contribution, -0.05, 1e-12);
  EXPECT_EQ(c[1].example_id, "all");
  EXPECT_FALSE(c[1].without_mean.has_value());
  EXPECT_EQ(c[1].without_trials, 0);
  EXPECT_FALSE(c[1].distinguishable);
  auto e = EvidenceFromContribution(c);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].example_id, "d");
  EXPECT_NEAR(e[0].failure, 0.25, 1e-12);
  EXPECT_TRUE(ComputeContributions({}).empty());
}

TEST(CategoricalTpeTest, DeterministicAndExploitsGoodChoices) {
  auto run = [] {
    CategoricalTpe tpe({3, 4}, 9);
    std::vector<std::vector<int>> picks;
    for (int t = 0; t < 40; ++t) {
      auto c = tpe.Suggest();
      picks.push_back(c);
      tpe.Observe(c, (c[0] == 2 ? 0.5 : 0.0) + (c[1] == 1 ? 0.5 : 0.0));
    }
    return picks;
  };
  auto a = run(), b = run();
  EXPECT_EQ(a, b);
  int best = 0;
  for (size_t t = 20; t < a.size(); ++t) best += (a[t][0] == 2 && a[t][1] == 1) ? 1 : 0;
  EXPECT_GE(best, 10);  // after start-up most suggestions are the best combination
}

TEST(MiproHelpersTest, StripPrefix) {
  EXPECT_EQ(StripPrefix("Proposed Instruction: Do it."), "Do it.");
  EXPECT_EQ(StripPrefix("**New instruction:** \"Be brief.\""), "** \"Be brief.");
  EXPECT_EQ(StripPrefix("\"Classify tickets.\""), "Classify tickets.");
  EXPECT_EQ(StripPrefix("Note that a b c d e f: keep"), "Note that a b c d e f: keep");
  // DSPy's \w and \s are Python's Unicode classes (expected values from Python 3.11's re.sub):
  // letters and digits of any script are word characters; emoji, dashes, full-width colons and
  // combining marks are not, so those labels stay.
  EXPECT_EQ(StripPrefix("📌 Task: Answer briefly."), "📌 Task: Answer briefly.");
  EXPECT_EQ(StripPrefix("Rolle — Experte: Antworte."), "Rolle — Experte: Antworte.");
  EXPECT_EQ(StripPrefix("Aufgabe für Sie: X"), "X");
  EXPECT_EQ(StripPrefix("Ünïcödé wörds hére ând: x"), "x");
  EXPECT_EQ(StripPrefix("Aufgabe\u00a0eins: X"), "X");  // NBSP is \s, not \w
  EXPECT_EQ(StripPrefix("\u2003Task:\u3000x"), "x");
  EXPECT_EQ(StripPrefix("タスク: 答え"), "答え");
  EXPECT_EQ(StripPrefix("タスク：答え"), "タスク：答え");
  EXPECT_EQ(StripPrefix("Step ①: x"), "x");  // a numeric character (No)
  EXPECT_EQ(StripPrefix("x\u0301y: z"), "x\u0301y: z");  // a combining accent (Mn)
}

TEST(ProgramTest, DataPointFromExample) {
  dspy::SignatureSpec spec;
  spec.inputs = {Field("q")};
  spec.outputs = {Field("a")};
  Example ex;
  ex.id = "e1";
  ex.input_json = R"({"q": "hi", "extra": 1})";
  ex.expected_output_json = R"({"a": "yo"})";
  auto p = MakeDataPoint(ex, spec);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->inputs, Json({{"q", "hi"}}));
  EXPECT_EQ(p->outputs, Json({{"a", "yo"}}));
  ex.expected_output_json = R"({"b": 1})";
  EXPECT_EQ(MakeDataPoint(ex, spec).status().code(), Code::kInvalidArgument);
  ex.input_json = "[]";
  EXPECT_EQ(MakeDataPoint(ex, spec).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(LabeledDemo(*MakeDataPoint(Example{"e2", 0, 1, R"({"q":"x"})", R"({"a":"y"})"}, spec)).fields,
            Json({{"q", "x"}, {"a", "y"}}));
}

}  // namespace
}  // namespace exemplar::optimize
