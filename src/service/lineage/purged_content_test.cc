// What a purge leaves of an example's copies: markers with the id and where the copy came from,
// none of the content; other items untouched; a second scrub changes nothing.
#include "service/lineage/purged_content.h"

#include <gtest/gtest.h>

namespace exemplar::service {
namespace {

TEST(PurgedContent, InlineExamplesNamingTheExampleBecomeMarkers) {
  Json examples = Json::parse(R"([
    {"example_id": "a", "example_version": 2, "source": "run:r", "augmented": true,
     "input": {"q": "secret"}, "output": {"a": "x"}},
    {"example_id": "b", "input": {"q": "other"}, "output": {"a": "y"}},
    {"input": {"q": "Secret "}, "output": {"a": "z"}},
    "not an object"
  ])");
  EXPECT_EQ(ScrubInlineExamples(examples, {"a"}), 1u);
  EXPECT_EQ(examples[0], Json::parse(R"({"example_id": "a", "purged": true, "example_version": 2,
                                         "source": "run:r", "augmented": true})"));
  EXPECT_EQ(examples[1]["input"]["q"], "other");
  EXPECT_EQ(ScrubInlineExamples(examples, {"a"}), 0u) << "a marker is not scrubbed again";
  // Copies without an id, matched by input (normalised), name the example they were.
  EXPECT_EQ(ScrubInlineCopies(examples, "a", Json{{"q", "secret"}, {"more", 1}}), 1u);
  EXPECT_EQ(examples[2], Json::parse(R"({"example_id": "a", "purged": true})"));
  EXPECT_EQ(examples[1]["input"]["q"], "other");
  EXPECT_EQ(examples[3], "not an object");
  EXPECT_TRUE(IsPurgedCopy(examples[0]));
  EXPECT_FALSE(IsPurgedCopy(examples[1]));
}

TEST(PurgedContent, ProgramDemosKeepTheirIdAndMarkOnly) {
  Json program = Json::parse(R"({"instructions": "Do it.", "demos": [
    {"example_id": "a", "augmented": true, "fields": {"q": "secret", "a": "lm"}},
    {"example_id": "b", "augmented": false, "fields": {"q": "other"}}
  ]})");
  EXPECT_EQ(ScrubProgramDemos(program, {"a", "c"}), 1u);
  EXPECT_EQ(program["demos"][0], Json::parse(R"({"example_id": "a", "augmented": true, "purged": true})"));
  EXPECT_EQ(program["demos"][1]["fields"]["q"], "other");
  EXPECT_EQ(program["instructions"], "Do it.");
  Json none = nullptr;
  EXPECT_EQ(ScrubProgramDemos(none, {"a"}), 0u);
}

TEST(PurgedContent, RewritesAnswerOnlyWhenSomethingChanged) {
  storage::PurgeRewrites r = PurgeRewritesFor("a", Json{{"q", "secret"}});
  EXPECT_FALSE(r.template_examples(R"([{"input": {"q": "secret"}}])", /*linked=*/false));
  auto linked = r.template_examples(R"([{"input": {"q": "secret"}}])", /*linked=*/true);
  ASSERT_TRUE(linked);
  EXPECT_EQ(Json::parse(*linked), Json::parse(R"([{"example_id": "a", "purged": true}])"));
  EXPECT_FALSE(r.run_program(R"({"demos": [{"example_id": "ab", "fields": {}}]})"));
  auto program = r.run_program(R"({"demos": [{"example_id": "a", "fields": {"q": "secret"}}]})");
  ASSERT_TRUE(program);
  EXPECT_EQ(program->find("secret"), std::string::npos);
  // Already purged (no input left): only copies that name the example are found.
  storage::PurgeRewrites again = PurgeRewritesFor("a", std::nullopt);
  EXPECT_FALSE(again.template_examples(R"([{"input": {"q": "secret"}}])", /*linked=*/true));
}

}  // namespace
}  // namespace exemplar::service
