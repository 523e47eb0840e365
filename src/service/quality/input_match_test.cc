// The field-by-field content check of near-duplicates (input_match.h) on hand-made pairs: what
// counts as the same wording, and what counts as another value of a parameter.
#include "service/quality/input_match.h"

#include <gtest/gtest.h>

namespace exemplar::service {
namespace {

bool Match(const Json& a, const Json& b) { return InputsMatch(TokenizeInput(a.dump()), TokenizeInput(b.dump())); }

std::string Words(int n, const std::string& first = "alpha") {
  std::string out = first;
  for (int i = 1; i < n; ++i) out += " word" + std::string(1, static_cast<char>('a' + i % 26)) + "x" +
                                     std::string(1, static_cast<char>('a' + i / 26));
  return out;
}

TEST(InputMatch, ShortFieldsMatchTokenForToken) {
  EXPECT_TRUE(Match({{"q", "Who was hired after 2017?"}}, {{"q", "  WHO was hired   after 2017"}}));
  EXPECT_FALSE(Match({{"q", "Who was hired after 2017?"}}, {{"q", "Who was hired after 2019?"}}));
  EXPECT_FALSE(Match({{"q", "Who was hired after 2017?"}}, {{"q", "Who was hired before 2017?"}}));
  EXPECT_FALSE(Match({{"q", "flights from Paris to London"}}, {{"q", "flights from London to Paris"}}));
  EXPECT_FALSE(Match({{"q", "3.5 kg"}}, {{"q", "3.6 kg"}}));
  EXPECT_FALSE(Match({{"n", 2}}, {{"n", -2}}));
  EXPECT_TRUE(Match({{"n", 2017}}, {{"n", "2017"}}));
}

TEST(InputMatch, LongFieldsAllowATypoButNotAnotherNumber) {
  const std::string text = Words(60);
  std::string typo = text;
  typo.replace(typo.find("wordb"), 5, "wrodb");
  EXPECT_TRUE(Match({{"t", text}}, {{"t", typo}}));
  EXPECT_FALSE(Match({{"t", text + " 12"}}, {{"t", typo + " 13"}}));
  // Many changed words are another text.
  std::string rewritten = text;
  for (char c = 'b'; c <= 'k'; ++c) rewritten.replace(rewritten.find(std::string("word") + c), 4, "other");
  EXPECT_FALSE(Match({{"t", text}}, {{"t", rewritten}}));
  // A long shared field does not hide a short one's difference.
  EXPECT_FALSE(Match({{"q", "in France"}, {"schema", text}}, {{"q", "in Spain"}, {"schema", text}}));
  EXPECT_TRUE(Match({{"q", "in France"}, {"schema", text}}, {{"q", "In France."}, {"schema", typo}}));
}

TEST(InputMatch, AMissingFieldIsAnEmptyOne) {
  EXPECT_TRUE(Match({{"q", "x"}, {"note", ""}}, {{"q", "x"}}));
  EXPECT_TRUE(Match({{"q", "x"}, {"note", nullptr}}, {{"q", "x"}}));
  EXPECT_FALSE(Match({{"q", "x"}, {"note", "urgent"}}, {{"q", "x"}}));
  EXPECT_FALSE(Match({{"q", {{"a", 1}}}}, {{"q", {{"b", 1}}}}));
}

}  // namespace
}  // namespace exemplar::service
