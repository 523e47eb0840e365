#include "embed/hash_embedder.h"

#include <gtest/gtest.h>

#include <cmath>

namespace exemplar::embed {
namespace {

double Cos(const std::vector<float>& a, const std::vector<float>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += static_cast<double>(a[i]) * b[i];
  return s;
}

double Norm(const std::vector<float>& a) { return std::sqrt(Cos(a, a)); }

TEST(HashEmbedder, ModelNameAndDimension) {
  HashEmbedder def;
  EXPECT_EQ(def.model(), "hash-384");
  EXPECT_EQ(def.dim(), 384);
  HashEmbedder small(128);
  EXPECT_EQ(small.model(), "hash-128");
  EXPECT_EQ(small.dim(), 128);
  auto v = small.Embed("hello world");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->size(), 128u);
}

TEST(HashEmbedder, DeterministicAcrossCallsAndInstances) {
  HashEmbedder a, b;
  const std::string text = "Summarise the customer's complaint about late delivery";
  EXPECT_EQ(a.Compute(text), a.Compute(text));
  EXPECT_EQ(a.Compute(text), b.Compute(text));
  EXPECT_NE(a.Compute(text), a.Compute("something else entirely"));
}

TEST(HashEmbedder, AlwaysUnitLength) {
  HashEmbedder e;
  std::string long_text;
  for (int i = 0; i < 500; ++i) long_text += "token" + std::to_string(i % 37) + " ";
  for (const std::string& text : {std::string("x y"), std::string("Hello"), long_text,
                                  std::string("東京タワー Привет"), std::string(""), std::string("?!. ,")}) {
    EXPECT_NEAR(Norm(e.Compute(text)), 1.0, 1e-5) << text;
  }
}

TEST(HashEmbedder, TextWithoutWordsIsAFixedUnitVector) {
  HashEmbedder e(16);
  auto empty = e.Compute("");
  EXPECT_EQ(empty, e.Compute("  ... !!"));
  EXPECT_FLOAT_EQ(empty[0], 1.0f);
  EXPECT_NEAR(Cos(empty, e.Compute("")), 1.0, 1e-6);
}

TEST(HashEmbedder, SimilarTextsAreCloserThanUnrelatedOnes) {
  HashEmbedder e;
  auto q = e.Compute("How do I reset my password?");
  auto near = e.Compute("Steps to reset a forgotten password");
  auto far = e.Compute("The weather in Paris is sunny today");
  EXPECT_GT(Cos(q, near), Cos(q, far) + 0.2);
  EXPECT_GT(Cos(q, near), 0.3);
  EXPECT_LT(std::abs(Cos(q, far)), 0.2);
}

TEST(HashEmbedder, CaseAccentsTyposAndWordOrder) {
  HashEmbedder e;
  EXPECT_EQ(e.Compute("Résumé PASSWORD"), e.Compute("resume password"));
  // Character n-grams give a misspelling partial credit.
  EXPECT_GT(Cos(e.Compute("authentication"), e.Compute("authentification")), 0.5);
  EXPECT_LT(Cos(e.Compute("authentication"), e.Compute("banana")), 0.2);
  // Word pairs make order matter, but not much.
  const double swapped = Cos(e.Compute("dog bites man"), e.Compute("man bites dog"));
  EXPECT_LT(swapped, 0.999);
  EXPECT_GT(swapped, 0.6);
}

TEST(HashEmbedder, StopWordsAreNotFeatures) {
  HashEmbedder e;
  // Function words neither add nor break anything: the same vector with or without them, and
  // word pairs join the content words either side of one.
  EXPECT_EQ(e.Compute("What is the bias voltage of the detector?"), e.Compute("bias voltage detector"));
  EXPECT_NE(e.Compute("bias voltage detector"), e.Compute("detector bias voltage"));
  // A question of function words and another topic shares nothing with a stored text.
  const std::vector<float> stored = e.Compute("the bias voltage of the detector is drifting");
  EXPECT_LT(std::abs(Cos(e.Compute("what is the capital of France"), stored)), 0.1);
  // Only stop words: the no-word vector, as for punctuation.
  EXPECT_EQ(e.Compute("what is it about?"), e.Compute(""));
  // An exact text is still identical to itself, and the topic words still find it.
  EXPECT_NEAR(Cos(e.Compute("the bias voltage of the detector is drifting"), stored), 1.0, 1e-6);
  EXPECT_GT(Cos(e.Compute("is the detector drifting?"), stored), 0.5);
  // Negations are kept: they change what a text says.
  EXPECT_NE(e.Compute("the motor is not failing"), e.Compute("the motor is failing"));
}

TEST(HashEmbedder, BatchMatchesSingleCalls) {
  HashEmbedder e(64);
  std::vector<std::string> texts = {"one", "two words", "", "three little words"};
  auto batch = e.EmbedBatch(texts);
  ASSERT_EQ(batch.size(), texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    ASSERT_TRUE(batch[i].ok());
    EXPECT_EQ(*batch[i], e.Compute(texts[i]));
  }
}

}  // namespace
}  // namespace exemplar::embed
