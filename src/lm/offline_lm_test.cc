#include "lm/offline_lm.h"

#include <gtest/gtest.h>

#include <set>

#include "lm/cached_lm.h"
#include "lm/chat_adapter.h"
#include "lm/text_similarity.h"

namespace exemplar::lm {
namespace {

dspy::SignatureField Field(const std::string& name, const std::string& type) {
  dspy::SignatureField f;
  f.name = name;
  f.python_type = type;
  f.desc = "${" + name + "}";
  return f;
}

dspy::SignatureSpec TicketSpec() {
  dspy::SignatureSpec spec;
  spec.instructions = "Classify the ticket.";
  spec.inputs = {Field("ticket", "str")};
  spec.outputs = {Field("category", "str"), Field("priority", "int")};
  return spec;
}

LmRequest Request(const std::vector<ChatMessage>& messages) {
  LmRequest r;
  r.messages = messages;
  return r;
}

TEST(OfflineLmTest, CopiesTheMostSimilarDemo) {
  OfflineLm lm;
  dspy::SignatureSpec spec = TicketSpec();
  std::vector<Json> demos = {
      {{"ticket", "my invoice shows a double charge"}, {"category", "billing"}, {"priority", 2}},
      {{"ticket", "the app crashes when I upload a photo"}, {"category", "bug"}, {"priority", 1}},
  };
  auto r = lm.Complete(Request(FormatChat(spec, demos, {{"ticket", "the app crashes when I upload a photo"}})));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto parsed = ParseChatReply(spec, r->text);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString() << "\n" << r->text;
  EXPECT_EQ(*parsed, Json({{"category", "bug"}, {"priority", 1}}));

  auto near = lm.Complete(Request(FormatChat(spec, demos, {{"ticket", "double charge on my invoice again"}})));
  ASSERT_TRUE(near.ok());
  EXPECT_EQ((*ParseChatReply(spec, near->text))["category"], "billing");
  EXPECT_GT(r->prompt_tokens, 0);
  EXPECT_GT(r->completion_tokens, 0);
}

TEST(OfflineLmTest, ZeroShotGuessesAFixedDefault) {
  OfflineLm lm;
  dspy::SignatureSpec spec = TicketSpec();
  auto r = lm.Complete(Request(FormatChat(spec, {}, {{"ticket", "the app crashes"}})));
  ASSERT_TRUE(r.ok());
  auto parsed = ParseChatReply(spec, r->text);
  ASSERT_TRUE(parsed.ok()) << r->text;
  EXPECT_EQ(*parsed, Json({{"category", "unknown"}, {"priority", 0}}));
  auto again = lm.Complete(Request(FormatChat(spec, {}, {{"ticket", "the app crashes"}})));
  EXPECT_EQ(again->text, r->text);
}

TEST(OfflineLmTest, ChainOfThoughtAndIncompleteDemos) {
  OfflineLm lm;
  dspy::SignatureSpec spec = WithReasoning(TicketSpec());
  std::vector<Json> demos = {{{"ticket", "refund please"}, {"category", "billing"}, {"priority", 3}}};
  auto r = lm.Complete(Request(FormatChat(spec, demos, {{"ticket", "refund please"}})));
  auto parsed = ParseChatReply(spec, r->text);
  ASSERT_TRUE(parsed.ok()) << r->text;
  EXPECT_EQ((*parsed)["category"], "billing");
  EXPECT_FALSE((*parsed)["reasoning"].get<std::string>().empty());
  EXPECT_EQ((*parsed)["reasoning"].get<std::string>().find("Not supplied"), std::string::npos);
}

TEST(OfflineLmTest, InstructionProposalsVaryWithTheSeed) {
  OfflineLm lm;
  dspy::SignatureSpec proposer;
  proposer.instructions = "Propose an instruction.";
  proposer.inputs = {Field("basic_instruction", "str"), Field("tip", "str")};
  proposer.outputs = {Field("proposed_instruction", "str")};
  std::set<std::string> seen;
  for (uint64_t seed = 0; seed < 12; ++seed) {
    LmRequest req = Request(FormatChat(proposer, {}, {{"basic_instruction", "Classify the ticket."},
                                                      {"tip", ""}}));
    req.seed = seed;
    req.temperature = 1.0;
    auto r = lm.Complete(req);
    auto parsed = ParseChatReply(proposer, r->text);
    ASSERT_TRUE(parsed.ok());
    std::string text = (*parsed)["proposed_instruction"];
    EXPECT_NE(text.find("lassify the ticket."), std::string::npos) << text;
    seen.insert(text);
  }
  EXPECT_GE(seen.size(), 3u);
}

TEST(OfflineLmTest, JudgeScoresSimilarity) {
  OfflineLm lm;
  dspy::SignatureSpec judge;
  judge.inputs = {Field("expected_output", "str"), Field("predicted_output", "str")};
  judge.outputs = {Field("score", "float")};
  auto score = [&](const std::string& e, const std::string& p) {
    auto r = lm.Complete(Request(FormatChat(judge, {}, {{"expected_output", e}, {"predicted_output", p}})));
    return (*ParseChatReply(judge, r->text))["score"].get<double>();
  };
  EXPECT_DOUBLE_EQ(score("Paris", "paris"), 1.0);
  EXPECT_DOUBLE_EQ(score("Paris", "Berlin"), 0.0);
  double partial = score("the capital is Paris", "Paris is the capital");
  EXPECT_GT(partial, 0.0);
  EXPECT_LT(partial, 1.0);
}

TEST(OfflineLmTest, HonoursCancellation) {
  OfflineLm lm;
  LmRequest req = Request(FormatChat(TicketSpec(), {}, {{"ticket", "x"}}));
  req.cancelled = [] { return true; };
  auto r = lm.Complete(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  EXPECT_EQ(lm.calls(), 0);
}

TEST(TextSimilarityTest, Basics) {
  EXPECT_DOUBLE_EQ(TextSimilarity("a b c", "A B C"), 1.0);
  EXPECT_DOUBLE_EQ(TextSimilarity("a b", "x y"), 0.0);
  EXPECT_DOUBLE_EQ(TextSimilarity("", "x"), 0.0);
  EXPECT_GT(TextSimilarity("red apple pie", "red apple"), TextSimilarity("red apple pie", "red car"));
}

TEST(CachedLmTest, HitsMissesAndEviction) {
  OfflineLm inner;
  CachedLm cache(inner, 2);
  LmRequest a = Request(FormatChat(TicketSpec(), {}, {{"ticket", "a"}}));
  auto first = cache.Complete(a);
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(first->cached);
  auto second = cache.Complete(a);
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(second->cached);
  EXPECT_EQ(second->text, first->text);
  EXPECT_EQ(inner.calls(), 1);
  EXPECT_EQ(cache.hits(), 1);
  EXPECT_EQ(cache.misses(), 1);

  LmRequest seeded = a;
  seeded.seed = 7;  // a new rollout id busts the cache
  EXPECT_FALSE(cache.Complete(seeded)->cached);
  LmRequest hotter = a;
  hotter.temperature = 0.7;
  EXPECT_FALSE(cache.Complete(hotter)->cached);
  EXPECT_EQ(cache.size(), 2u);  // `a` was evicted (least recently used)
  EXPECT_FALSE(cache.Complete(a)->cached);
  EXPECT_EQ(inner.calls(), 4);
  EXPECT_NE(CachedLm::Key("x", a), CachedLm::Key("y", a));
}

}  // namespace
}  // namespace exemplar::lm
