#include "index/stop_words.h"

#include <gtest/gtest.h>

#include "index/keyword_index.h"

namespace exemplar::index {
namespace {

TEST(StopWords, FunctionWordsAreStopWordsAndTopicWordsAreNot) {
  for (const char* w : {"about", "the", "is", "of", "what", "how", "do", "you", "yourselves", "with"}) {
    EXPECT_TRUE(IsStopWord(w)) << w;
  }
  // Negations carry meaning in stored examples; topic words, partial words and case variants
  // (Tokenize lowercases first) are not stop words.
  for (const char* w : {"not", "no", "never", "capital", "drift", "th", "them_", "The", ""}) {
    EXPECT_FALSE(IsStopWord(w)) << w;
  }
}

TEST(StopWords, ContentWordsKeepTheTopicInOrder) {
  EXPECT_EQ(ContentWords("What is the capital of France?"), "capital france");
  EXPECT_EQ(ContentWords("How do I bake sourdough bread"), "bake sourdough bread");
  EXPECT_EQ(ContentWords("the motor is NOT failing"), "motor not failing");
  EXPECT_EQ(ContentWords("Résumé of the café"), "resume cafe");
  // Nothing but stop words and punctuation: no content at all.
  EXPECT_EQ(ContentWords("what is it? the, of, and..."), "");
  EXPECT_EQ(ContentWords("?!.,;:--\"()"), "");
  EXPECT_EQ(ContentWords(""), "");
}

TEST(StopWords, ContentWordsTokeniseToTheQuerysTokensWithoutStopWords) {
  for (const char* q : {"Bias VOLTAGE drift on the détecteur #3", "it's what they'd do, isn't it", "水 the 火 of 42"}) {
    std::vector<std::string> expected;
    for (auto& t : Tokenize(q)) {
      if (!IsStopWord(t)) expected.push_back(t);
    }
    EXPECT_EQ(Tokenize(ContentWords(q)), expected) << q;
  }
}

}  // namespace
}  // namespace exemplar::index
