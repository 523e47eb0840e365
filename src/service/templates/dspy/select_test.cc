// Example selection strategies: deterministic and correct.
#include "service/templates/dspy/select.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "testing/dspy/dspy_test_util.h"

namespace exemplar::dspy {
namespace {

Example Ex(std::string id, double s, double f, std::optional<double> quality = std::nullopt) {
  Example e;
  e.id = std::move(id);
  e.success_count = s;
  e.failure_count = f;
  e.quality_score = quality;
  return e;
}

std::vector<std::string> Ids(const std::vector<Example>& v) {
  std::vector<std::string> ids;
  for (const Example& e : v) ids.push_back(e.id);
  return ids;
}

using Strings = std::vector<std::string>;

// Selection must not depend on the order candidates arrive in.
void ExpectOrderIndependent(const std::vector<Example>& candidates, SelectionStrategy s, size_t max,
                            std::string_view label_field = "") {
  Strings expected = Ids(SelectExamples(candidates, s, max, std::nullopt, label_field));
  std::mt19937 rng(42);
  for (int i = 0; i < 20; ++i) {
    std::vector<Example> shuffled = candidates;
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    EXPECT_EQ(Ids(SelectExamples(shuffled, s, max, std::nullopt, label_field)), expected);
  }
}

TEST(SelectTop, EffectivenessThenQualityThenIdWithPriorForNoData) {
  std::vector<Example> c = {
      Ex("a", 0, 0, 0.9),   // no data: prior 0.5
      Ex("b", 9, 1),        // 10/12 = 0.833
      Ex("c", 0, 4),        // 1/6 = 0.167
      Ex("d", 1, 1, 0.2),   // 2/4 = 0.5, ties with the prior
      Ex("e", 0, 0, 0.9),   // same as a: id breaks the tie
      Ex("f", 0, 0),        // no quality ranks last among equals
  };
  EXPECT_EQ(Ids(SelectExamples(c, SelectionStrategy::kTop, 10)), (Strings{"b", "a", "e", "d", "f", "c"}));
  EXPECT_EQ(Ids(SelectExamples(c, SelectionStrategy::kTop, 2)), (Strings{"b", "a"}));
  EXPECT_TRUE(SelectExamples(c, SelectionStrategy::kTop, 0).empty());
  ExpectOrderIndependent(c, SelectionStrategy::kTop, 4);
}

TEST(SelectTop, MinEffectivenessUsesThePriorForNewExamples) {
  std::vector<Example> c = {Ex("new", 0, 0), Ex("good", 8, 0), Ex("bad", 0, 8)};
  EXPECT_EQ(Ids(SelectExamples(c, SelectionStrategy::kTop, 10, 0.5)), (Strings{"good", "new"}));
  EXPECT_EQ(Ids(SelectExamples(c, SelectionStrategy::kTop, 10, 0.6)), (Strings{"good"}));
}

TEST(SelectDiverse, RoundRobinsOverFunctionDifficultyAndTags) {
  auto make = [](std::string id, double s, std::string fn, std::string diff, Strings tags) {
    Example e = Ex(std::move(id), s, 0);
    e.function_name = std::move(fn);
    e.difficulty = std::move(diff);
    e.capability_tags = std::move(tags);
    return e;
  };
  std::vector<Example> c = {
      make("a1", 9, "classify", "easy", {"x", "y"}), make("a2", 8, "classify", "easy", {"y", "x"}),
      make("a3", 7, "classify", "easy", {"x", "y"}), make("b1", 6, "classify", "hard", {"x", "y"}),
      make("b2", 5, "classify", "hard", {"x", "y"}), make("c1", 4, "extract", "easy", {}),
      make("d1", 3, "classify", "easy", {"z"}),
  };
  // Buckets by best member: {a1,a2,a3} (tag order ignored), {b1,b2}, {c1}, {d1}.
  EXPECT_EQ(Ids(SelectExamples(c, SelectionStrategy::kDiverse, 5)), (Strings{"a1", "b1", "c1", "d1", "a2"}));
  EXPECT_EQ(Ids(SelectExamples(c, SelectionStrategy::kDiverse, 100)),
            (Strings{"a1", "b1", "c1", "d1", "a2", "b2", "a3"}));
  ExpectOrderIndependent(c, SelectionStrategy::kDiverse, 5);
}

TEST(SelectBalanced, EqualShareOfTheFirstOutputFieldLabels) {
  std::vector<Example> c;
  const char* labels[] = {"pos", "pos", "pos", "pos", "neg", "neg", "neutral"};
  for (int i = 0; i < 7; ++i) {
    Example e = Ex("e" + std::to_string(i), 10 - i, 0);
    e.expected_output_json = std::string(R"({"sentiment": ")") + labels[i] + R"(", "aaa_score": )" +
                             std::to_string(i) + "}";
    c.push_back(e);
  }
  auto picked = SelectExamples(c, SelectionStrategy::kBalanced, 6, std::nullopt, "sentiment");
  EXPECT_EQ(Ids(picked), (Strings{"e0", "e4", "e6", "e1", "e5", "e2"}));
  int pos = 0, neg = 0, neutral = 0;
  for (const Example& e : SelectExamples(c, SelectionStrategy::kBalanced, 5, std::nullopt, "sentiment")) {
    pos += e.expected_output_json.find("\"pos\"") != std::string::npos;
    neg += e.expected_output_json.find("\"neg\"") != std::string::npos;
    neutral += e.expected_output_json.find("neutral") != std::string::npos;
  }
  EXPECT_EQ(pos, 2);
  EXPECT_EQ(neg, 2);
  EXPECT_EQ(neutral, 1);
  // Without a label field the first (sorted) key is the label: aaa_score, all distinct.
  EXPECT_EQ(Ids(SelectExamples(c, SelectionStrategy::kBalanced, 3)), (Strings{"e0", "e1", "e2"}));
  ExpectOrderIndependent(c, SelectionStrategy::kBalanced, 4, "sentiment");
}

TEST(SelectBalanced, NonStringAndMissingLabelsAreBuckets) {
  std::vector<Example> c = {Ex("t1", 5, 0), Ex("t2", 4, 0), Ex("f1", 3, 0), Ex("none", 2, 0), Ex("bad", 1, 0)};
  c[0].expected_output_json = R"({"ok": true})";
  c[1].expected_output_json = R"({"ok": true})";
  c[2].expected_output_json = R"({"ok": false})";
  c[3].expected_output_json = R"({"other": 1})";
  c[4].expected_output_json = "not json";
  EXPECT_EQ(Ids(SelectExamples(c, SelectionStrategy::kBalanced, 4, std::nullopt, "ok")),
            (Strings{"t1", "f1", "none", "t2"}));
}

TEST(SelectSimilar, KeepsTheCallersOrder) {
  std::vector<Example> c = {Ex("z", 0, 9), Ex("y", 9, 0), Ex("x", 0, 0)};
  EXPECT_EQ(Ids(SelectExamples(c, SelectionStrategy::kSimilar, 2)), (Strings{"z", "y"}));
  EXPECT_EQ(Ids(SelectExamples(c, SelectionStrategy::kSimilar, 5, 0.5)), (Strings{"y", "x"}));
}

TEST(SelectionStrategy, ParsesNames) {
  for (const char* n : {"top", "diverse", "balanced", "similar"}) {
    auto s = ParseSelectionStrategy(n);
    ASSERT_TRUE(s);
    EXPECT_EQ(SelectionStrategyName(*s), n);
  }
  EXPECT_FALSE(ParseSelectionStrategy("random"));
}

}  // namespace
}  // namespace exemplar::dspy
