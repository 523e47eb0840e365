#include "lm/chat_adapter.h"

#include <gtest/gtest.h>

#include "lm/value_format.h"

namespace exemplar::lm {
namespace {

dspy::SignatureField Field(const std::string& name, const std::string& type, const std::string& desc) {
  dspy::SignatureField f;
  f.name = name;
  f.python_type = type;
  f.description = desc;
  f.desc = desc.empty() ? "${" + name + "}" : desc;
  return f;
}

// reference/dspy.md §1/§7's QA signature (context typed `list` here: templates have no list[str]).
dspy::SignatureSpec QaSpec() {
  dspy::SignatureSpec spec;
  spec.instructions = "Answer the question using the context.";
  spec.inputs = {Field("context", "list", "relevant facts"), Field("question", "str", "")};
  spec.outputs = {Field("answer", "str", "1-5 words")};
  return spec;
}

TEST(ChatAdapterTest, SystemMessageMatchesDspyLayout) {
  const std::string expected =
      "Your input fields are:\n"
      "1. `context` (list): relevant facts\n"
      "2. `question` (str):\n"
      "Your output fields are:\n"
      "1. `reasoning` (str): \n"
      "2. `answer` (str): 1-5 words\n"
      "All interactions will be structured in the following way, with the appropriate values "
      "filled in.\n\n"
      "[[ ## context ## ]]\n{context}\n\n"
      "[[ ## question ## ]]\n{question}\n\n"
      "[[ ## reasoning ## ]]\n{reasoning}\n\n"
      "[[ ## answer ## ]]\n{answer}\n\n"
      "[[ ## completed ## ]]\n"
      "In adhering to this structure, your objective is: \n"
      "        Answer the question using the context.";
  EXPECT_EQ(FormatSystemMessage(WithReasoning(QaSpec())), expected);
}

TEST(ChatAdapterTest, NonStringOutputsGetTypeNotesAndHints) {
  dspy::SignatureSpec spec;
  spec.instructions = "Count.\n  Carefully.";
  spec.inputs = {Field("text", "str", "")};
  spec.outputs = {Field("count", "int", ""), Field("ok", "bool", ""), Field("tags", "list", "")};
  std::string sys = FormatSystemMessage(spec);
  EXPECT_NE(sys.find("[[ ## count ## ]]\n{count}        # note: the value you produce must be a "
                     "single int value"),
            std::string::npos);
  EXPECT_NE(sys.find("{ok}        # note: the value you produce must be True or False"), std::string::npos);
  EXPECT_NE(sys.find("{tags}        # note: the value you produce must adhere to the JSON schema: "
                     "{\"type\": \"array\", \"items\": {}}"),
            std::string::npos);
  EXPECT_NE(sys.find("your objective is: \n        Count.\n          Carefully."), std::string::npos);
  std::string user = FormatUserMessage(spec, {{"text", "a b"}}, "", true);
  EXPECT_EQ(user,
            "[[ ## text ## ]]\na b\n\n"
            "Respond with the corresponding output fields, starting with the field "
            "`[[ ## count ## ]]` (must be formatted as a valid Python int), then `[[ ## ok ## ]]` "
            "(must be formatted as a valid Python bool), then `[[ ## tags ## ]]` (must be "
            "formatted as a valid Python list), and then ending with the marker for "
            "`[[ ## completed ## ]]`.");
}

TEST(ChatAdapterTest, MessagesOrderDemosIncompleteFirst) {
  dspy::SignatureSpec spec = QaSpec();
  std::vector<Json> demos = {
      {{"context", {"Paris is in France."}}, {"question", "Capital?"}, {"answer", "Paris"}},
      {{"question", "Boiling point?"}, {"answer", "100"}, {"augmented", true}},
      {{"question", "no outputs"}},  // dropped: no output field
  };
  auto messages = FormatChat(spec, demos, {{"context", Json::array({"a", "b"})}, {"question", "Q?"}});
  ASSERT_EQ(messages.size(), 6u);
  EXPECT_EQ(messages[0].role, "system");
  EXPECT_EQ(messages[1].role, "user");
  EXPECT_EQ(messages[1].content,
            std::string(kIncompleteDemoPrefix) + "\n\n[[ ## question ## ]]\nBoiling point?");
  EXPECT_EQ(messages[2].content, "[[ ## answer ## ]]\n100\n\n[[ ## completed ## ]]\n");
  EXPECT_EQ(messages[3].content,
            "[[ ## context ## ]]\n[\"Paris is in France.\"]\n\n[[ ## question ## ]]\nCapital?");
  EXPECT_EQ(messages[5].role, "user");
  EXPECT_EQ(messages[5].content.rfind("[[ ## context ## ]]\n[\"a\", \"b\"]\n\n[[ ## question ## ]]\nQ?", 0),
            0u);
  EXPECT_NE(messages[5].content.find("starting with the field `[[ ## answer ## ]]`, and then ending"),
            std::string::npos);
}

TEST(ChatAdapterTest, MissingOutputInIncompleteDemo) {
  dspy::SignatureSpec spec = WithReasoning(QaSpec());
  auto messages = FormatDemos(spec, {{{"question", "q"}, {"context", "c"}, {"answer", "a"}}});
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[1].content,
            "[[ ## reasoning ## ]]\nNot supplied for this particular example. \n\n"
            "[[ ## answer ## ]]\na\n\n[[ ## completed ## ]]\n");
}

TEST(ValueFormatTest, PythonSpellings) {
  dspy::SignatureField s = Field("x", "str", ""), l = Field("x", "list", "");
  EXPECT_EQ(FormatFieldValue(s, Json::array({"one"})), "«one»");
  EXPECT_EQ(FormatFieldValue(s, Json::array({"a", "b\nc"})), "[1] «a»\n[2] «««\n    b\n    c\n»»»");
  EXPECT_EQ(FormatFieldValue(s, Json::array()), "N/A");
  EXPECT_EQ(FormatFieldValue(l, Json::array({"a", 1, true, nullptr})), "[\"a\", 1, true, null]");
  EXPECT_EQ(FormatFieldValue(s, Json({{"k", "é"}})), "{\"k\": \"é\"}");
  EXPECT_EQ(PyStr(true), "True");
  EXPECT_EQ(PyStr(nullptr), "None");
  EXPECT_EQ(PyStr(0.5), "0.5");
  EXPECT_EQ(PyStr(100.0), "100.0");
  EXPECT_EQ(PyStr(1e16), "1e+16");
  EXPECT_EQ(PyStr(1e-05), "1e-05");
  EXPECT_EQ(PyStr(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(PyStr(0.0001), "0.0001");
}

TEST(ChatParseTest, SplitsOnMarkers) {
  dspy::SignatureSpec spec = WithReasoning(QaSpec());
  auto r = ParseChatReply(spec,
                          "Sure!\n[[ ## reasoning ## ]]\nIt says so.\n\n  [[ ## answer ## ]] Paris  \n\n"
                          "[[ ## answer ## ]]\nLyon\n[[ ## completed ## ]]\n");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)["reasoning"], "It says so.");
  EXPECT_EQ((*r)["answer"], "Paris");  // first occurrence wins
}

TEST(ChatParseTest, TypedValues) {
  dspy::SignatureSpec spec;
  spec.outputs = {Field("n", "int", ""), Field("ok", "bool", ""), Field("xs", "list", ""),
                  Field("d", "dict", ""), Field("f", "float", "")};
  auto r = ParseChatReply(spec,
                          "[[ ## n ## ]]\n5\n[[ ## ok ## ]]\nTrue\n[[ ## xs ## ]]\n['a', \"b\"]\n"
                          "[[ ## d ## ]]\n{\"k\": None}\n[[ ## f ## ]]\n2\n[[ ## completed ## ]]");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)["n"], 5);
  EXPECT_EQ((*r)["ok"], true);
  EXPECT_EQ((*r)["xs"], Json::array({"a", "b"}));
  EXPECT_TRUE((*r)["d"]["k"].is_null());
  EXPECT_DOUBLE_EQ((*r)["f"].get<double>(), 2.0);

  auto bad = ParseChatReply(spec, "[[ ## n ## ]]\nfive\n[[ ## ok ## ]]\nTrue\n[[ ## xs ## ]]\n[]\n"
                                  "[[ ## d ## ]]\n{}\n[[ ## f ## ]]\n1\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("expected a valid int"), std::string::npos);
}

TEST(ChatParseTest, MissingFieldIsAnError) {
  auto r = ParseChatReply(WithReasoning(QaSpec()), "[[ ## answer ## ]]\nParis\n[[ ## completed ## ]]");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("AdapterParseError"), std::string::npos);
  EXPECT_NE(r.status().message().find("[reasoning, answer]"), std::string::npos);
}

TEST(ChatParseTest, JsonFallback) {
  auto r = ParseChatReply(WithReasoning(QaSpec()),
                          "Here you go:\n```json\n{\"reasoning\": \"r\", \"answer\": \"Paris\", "
                          "\"extra\": 1}\n```");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, Json({{"reasoning", "r"}, {"answer", "Paris"}}));
  dspy::SignatureSpec typed;
  typed.outputs = {Field("n", "int", ""), Field("label", "str", "")};
  auto t = ParseChatReply(typed, "{\"n\": \"7\", \"label\": 3}");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ((*t)["n"], 7);
  EXPECT_EQ((*t)["label"], "3");
  EXPECT_FALSE(ParseChatReply(typed, "{\"n\": 1}").ok());
}

}  // namespace
}  // namespace exemplar::lm
