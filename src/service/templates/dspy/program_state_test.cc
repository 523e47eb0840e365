// program_state: exactly the JSON DSPy's program.load() accepts (reference/dspy.md §4).
#include "service/templates/dspy/program_state.h"

#include <gtest/gtest.h>

#include "testing/dspy/dspy_test_util.h"
#include "service/templates/dspy/export.h"

namespace exemplar::dspy {
namespace {

OrderedJson StateFor(ModuleKind module, bool demos = true,
                     std::vector<Example> examples = testing::TriageExamples()) {
  ExportOptions o;
  o.format = ExportFormat::kProgramState;
  o.module = module;
  o.demos_as_program_state = demos;
  auto r = Export(testing::TriageTemplate(), examples, o);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->filename, "support_ticket_triage_program.json");
  EXPECT_EQ(r->media_type, "application/json");
  EXPECT_EQ(r->content.back(), '\n');
  EXPECT_EQ(r->content.substr(0, 4), "{\n  ");  // 2-space indent like orjson OPT_INDENT_2
  return OrderedJson::parse(r->content);
}

std::vector<std::string> Keys(const OrderedJson& obj) {
  std::vector<std::string> keys;
  for (auto it = obj.begin(); it != obj.end(); ++it) keys.push_back(it.key());
  return keys;
}

using Strings = std::vector<std::string>;

TEST(ProgramState, PredictLayout) {
  OrderedJson state = StateFor(ModuleKind::kPredict);
  EXPECT_EQ(Keys(state), (Strings{"predict", "metadata"}));
  const OrderedJson& p = state["predict"];
  EXPECT_EQ(Keys(p), (Strings{"traces", "train", "demos", "signature", "lm"}));
  EXPECT_EQ(p["traces"], OrderedJson::array());
  EXPECT_EQ(p["train"], OrderedJson::array());
  EXPECT_TRUE(p["lm"].is_null());
  EXPECT_EQ(Keys(p["signature"]), (Strings{"instructions", "fields"}));
  EXPECT_EQ(p["signature"]["instructions"],
            "Classify the support ticket and decide its priority.\n"
            "Use \"billing\", \"technical\" or \"account\" as the category.");
  const OrderedJson& fields = p["signature"]["fields"];
  ASSERT_EQ(fields.size(), 8u);  // all fields, inputs then outputs, signature order
  Strings prefixes;
  for (const auto& f : fields) {
    EXPECT_EQ(Keys(f), (Strings{"prefix", "description"}));  // no names, no types
    prefixes.push_back(f["prefix"]);
  }
  EXPECT_EQ(prefixes, (Strings{"Ticket Text:", "Customer Tier:", "Order Total:", "Category:",
                               "Priority:", "Needs Escalation:", "Tags:", "Routing:"}));
  EXPECT_EQ(fields[0]["description"], "The customer's message, verbatim");
  EXPECT_EQ(fields[1]["description"], "${customer_tier}");
  EXPECT_EQ(fields[5]["description"], "${needs_escalation}");
}

TEST(ProgramState, ChainOfThoughtPutsReasoningFirstAmongOutputs) {
  OrderedJson state = StateFor(ModuleKind::kChainOfThought);
  EXPECT_EQ(Keys(state), (Strings{"predict.predict", "metadata"}));
  const OrderedJson& fields = state["predict.predict"]["signature"]["fields"];
  ASSERT_EQ(fields.size(), 9u);
  EXPECT_EQ(fields[2]["prefix"], "Order Total:");
  EXPECT_EQ(fields[3]["prefix"], "Reasoning:");  // DSPy >= 3.2 (no "Let's think step by step")
  EXPECT_EQ(fields[3]["description"], "${reasoning}");
  EXPECT_EQ(fields[4]["prefix"], "Category:");
}

TEST(ProgramState, MetadataHasExactlyTheThreeDependencyKeys) {
  OrderedJson state = StateFor(ModuleKind::kPredict);
  EXPECT_EQ(Keys(state["metadata"]), (Strings{"dependency_versions"}));
  const OrderedJson& v = state["metadata"]["dependency_versions"];
  EXPECT_EQ(Keys(v), (Strings{"python", "dspy", "cloudpickle"}));
  EXPECT_EQ(v["python"], "3.11");
  EXPECT_EQ(v["dspy"], "3.3.1");
  EXPECT_EQ(v["cloudpickle"], "3.1");
}

TEST(ProgramState, DemosAreLabeledExamplesKeyedByFieldNames) {
  OrderedJson demos = StateFor(ModuleKind::kPredict)["predict"]["demos"];
  ASSERT_EQ(demos.size(), 3u);
  EXPECT_EQ(Keys(demos[0]), (Strings{"ticket_text", "customer_tier", "order_total", "category",
                                     "priority", "needs_escalation", "tags", "routing"}));
  EXPECT_FALSE(demos[0].contains("augmented"));  // only bootstrapped demos carry it
  EXPECT_FALSE(demos[2].contains("channel"));    // not a signature field
  EXPECT_EQ(demos[0]["order_total"], 59.9);
  EXPECT_EQ(demos[0]["priority"], 2);
  EXPECT_EQ(demos[0]["needs_escalation"], false);
  EXPECT_EQ(demos[1]["ticket_text"], "L'appli plante au d\xc3\xa9marrage \xe2\x80\x94 \"erreur 42\" \\ help!");
  EXPECT_TRUE(demos[2]["routing"]["team"].is_null());

  // Missing fields are omitted, not nulled.
  OrderedJson partial = StateFor(ModuleKind::kChainOfThought, true,
                                 {testing::MakeExample("p", R"({"ticket_text": "t"})", R"({"priority": 4})")});
  EXPECT_EQ(Keys(partial["predict.predict"]["demos"][0]), (Strings{"ticket_text", "priority"}));
}

TEST(ProgramState, DemosCanBeLeftOut) {
  EXPECT_EQ(StateFor(ModuleKind::kPredict, false)["predict"]["demos"], OrderedJson::array());
}

TEST(ProgramState, UnicodeIsWrittenUnescaped) {
  ExportOptions o;
  o.format = ExportFormat::kProgramState;
  auto r = Export(testing::TriageTemplate(), testing::TriageExamples(), o);
  ASSERT_TRUE(r.ok());
  EXPECT_NE(r->content.find("\xe6\x9d\x8e\xe9\x9b\xb7"), std::string::npos);  // 李雷, as orjson writes
  EXPECT_EQ(r->content.find("extended_signature"), std::string::npos);
}

}  // namespace
}  // namespace exemplar::dspy
