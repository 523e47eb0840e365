// Template → DSPy signature: names, types, descriptions, instructions and findings.
#include "service/templates/dspy/signature.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "testing/dspy/dspy_test_util.h"
#include "service/templates/dspy/naming.h"
#include "service/templates/dspy/python.h"

namespace exemplar::dspy {
namespace {

using testing::Field;
using testing::MakeExample;
using testing::MakeTempDir;
using testing::RunPython;

Template Simple(std::vector<SchemaField> in, std::vector<SchemaField> out) {
  Template t;
  t.id = "t-1";
  t.name = "qa";
  t.input_schema = std::move(in);
  t.output_schema = std::move(out);
  return t;
}

std::vector<std::string> Codes(const SignatureSpec& spec, Severity severity) {
  std::vector<std::string> codes;
  for (const Finding& f : spec.findings) {
    if (f.severity == severity) codes.push_back(f.code + (f.field ? ":" + *f.field : ""));
  }
  return codes;
}

bool Has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

TEST(ClassName, PascalCaseAsciiIdentifier) {
  EXPECT_EQ(ClassNameFromTemplateName("support ticket triage"), "SupportTicketTriage");
  EXPECT_EQ(ClassNameFromTemplateName("QA bot"), "QABot");
  EXPECT_EQ(ClassNameFromTemplateName("my-template_v2"), "MyTemplateV2");
  EXPECT_EQ(ClassNameFromTemplateName("2fa check"), "Sig2faCheck");
  EXPECT_EQ(ClassNameFromTemplateName("R\xc3\xa9sum\xc3\xa9 Stra\xc3\x9f" "e \xc5\x92uvre"), "ResumeStrasseOEuvre");
  EXPECT_EQ(ClassNameFromTemplateName("e\xcc\x81t\xc3\xa9"), "Ete");  // decomposed accent
  EXPECT_EQ(ClassNameFromTemplateName("\xe4\xb8\xad\xe6\x96\x87 parser \xf0\x9f\x9a\x80"), "Parser");
  EXPECT_EQ(ClassNameFromTemplateName("\xe4\xb8\xad\xe6\x96\x87"), "GeneratedSignature");
  EXPECT_EQ(ClassNameFromTemplateName(""), "GeneratedSignature");
  EXPECT_EQ(ClassNameFromTemplateName("none"), "NoneSignature");
  EXPECT_EQ(ClassNameFromTemplateName("true"), "TrueSignature");
  EXPECT_EQ(ClassNameFromTemplateName(std::string(200, 'a')).size(), 80u);
  for (const char* n : {"x", "class", "1", "\"\"\"", "a\nb"}) {
    std::string c = ClassNameFromTemplateName(n);
    EXPECT_TRUE(IsAsciiIdentifier(c) && !IsPythonKeyword(c)) << c;
  }
  EXPECT_EQ(SnakeCase("SupportTicketTriage"), "support_ticket_triage");
  EXPECT_EQ(SnakeCase("QABot"), "qa_bot");
  EXPECT_EQ(SnakeCase("Sig2faCheck"), "sig2fa_check");
}

TEST(InferPrefix, MatchesDspyExamples) {
  EXPECT_EQ(InferPrefix("camelCaseText"), "Camel Case Text");
  EXPECT_EQ(InferPrefix("snake_case_text"), "Snake Case Text");
  EXPECT_EQ(InferPrefix("text2number"), "Text 2 Number");
  EXPECT_EQ(InferPrefix("HTMLParser"), "HTML Parser");
  EXPECT_EQ(InferPrefix("answer"), "Answer");
  EXPECT_EQ(InferPrefix("reasoning"), "Reasoning");
}

TEST(InferPrefix, MatchesDspyImplementationOnManyNames) {
  EXEMPLAR_REQUIRE_PYTHON();
  std::vector<std::string> names = {"a", "A", "ab_cd", "a__b", "trailing_", "x1", "x1y2z3",
                                    "ABC", "ABCdef", "abcDEF", "getHTTPResponseCode", "v2Api",
                                    "HTML5Parser", "ticket_text", "orderTotalEUR", "IDs",
                                    "already_Title_Case", "x_1_y", "SHOUTING_CASE", "iPhone12Pro",
                                    "match", "type"};
  auto dir = MakeTempDir("prefix");
  testing::WriteFakeDspy(dir);
  testing::WriteFile(dir / "names.json", Json(names).dump());
  testing::WriteFile(dir / "prefix.py",
                     "import json, dspy\n"
                     "names = json.load(open('names.json'))\n"
                     "print(json.dumps([dspy.infer_prefix(n) for n in names]))\n");
  auto run = RunPython(dir, "prefix.py");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  Json expected = Json::parse(run.output);
  for (size_t i = 0; i < names.size(); ++i) EXPECT_EQ(InferPrefix(names[i]), expected[i]) << names[i];
}

TEST(BuildSignature, MapsFieldsTypesAndDescriptions) {
  SignatureSpec spec = BuildSignature(testing::TriageTemplate());
  EXPECT_FALSE(spec.HasErrors());
  EXPECT_EQ(spec.class_name, "SupportTicketTriage");
  ASSERT_EQ(spec.inputs.size(), 3u);
  ASSERT_EQ(spec.outputs.size(), 5u);
  EXPECT_EQ(spec.inputs[0].python_type, "str");
  EXPECT_EQ(spec.inputs[2].python_type, "float");
  EXPECT_EQ(spec.outputs[1].python_type, "int");
  EXPECT_EQ(spec.outputs[2].python_type, "bool");
  EXPECT_EQ(spec.outputs[3].python_type, "list");
  EXPECT_EQ(spec.outputs[4].python_type, "dict");
  EXPECT_EQ(spec.inputs[1].desc, "${customer_tier}");  // DSPy's default desc
  EXPECT_EQ(spec.inputs[0].desc, "The customer's message, verbatim");
  EXPECT_EQ(spec.inputs[0].prefix, "Ticket Text:");
  EXPECT_EQ(spec.SignatureString(),
            "ticket_text, customer_tier, order_total -> category, priority, needs_escalation, tags, routing");
  EXPECT_FALSE(spec.default_instructions);
}

// {field} placeholders never reach DSPy literally: they become `field`, as DSPy's default
// instructions name fields; ${field} and {{literal}} stay.
TEST(BuildSignature, PlaceholdersBecomeFieldNamesInBackticks) {
  Template t = Simple({Field("question"), Field("context")}, {Field("answer")});
  t.prompt_template = "Answer {question} using {context}; cite {source}. Keep ${answer} and {{json}}.";
  SignatureSpec spec = BuildSignature(t);
  EXPECT_EQ(spec.instructions, "Answer `question` using `context`; cite `source`. Keep ${answer} and {{json}}.");
  EXPECT_TRUE(Has(Codes(spec, Severity::kWarning), "placeholders_rendered"));
  t.prompt_template = "No placeholders here: {1} {a b}.";
  spec = BuildSignature(t);
  EXPECT_EQ(spec.instructions, "No placeholders here: {1} {a b}.");
  EXPECT_FALSE(Has(Codes(spec, Severity::kWarning), "placeholders_rendered"));
}

TEST(BuildSignature, DefaultInstructionsAndCleandoc) {
  Template t = Simple({Field("question"), Field("context")}, {Field("answer")});
  SignatureSpec spec = BuildSignature(t);
  EXPECT_TRUE(spec.default_instructions);
  EXPECT_EQ(spec.instructions, "Given the fields `question`, `context`, produce the fields `answer`.");
  t.prompt_template = "   \n\t ";
  EXPECT_TRUE(BuildSignature(t).default_instructions);
  // A program's empty instructions (an imported `"instructions": ""`) stay empty, as DSPy's load()
  // keeps them; a prompt never set gets DSPy's default ones, a program's or not.
  t.prompt_template = "";
  EXPECT_EQ(BuildSignature(t, {}, /*literal_instructions=*/true).instructions, "");
  EXPECT_FALSE(BuildSignature(t, {}, /*literal_instructions=*/true).default_instructions);
  EXPECT_TRUE(BuildSignature(t).default_instructions);
  t.prompt_template.reset();
  EXPECT_TRUE(BuildSignature(t, {}, /*literal_instructions=*/true).default_instructions);
  t.prompt_template = "Answer.\n";
  spec = BuildSignature(t);
  EXPECT_EQ(spec.instructions, "Answer.");
  EXPECT_TRUE(Codes(spec, Severity::kWarning).empty());
  t.prompt_template = "Answer:\n    - briefly\n    - politely";
  spec = BuildSignature(t);
  EXPECT_EQ(spec.instructions, "Answer:\n- briefly\n- politely");
  EXPECT_TRUE(Has(Codes(spec, Severity::kWarning), "instructions_normalized"));
  // cleandoc is not idempotent; the exported text is its fixed point so DSPy keeps it as is.
  t.prompt_template = "\n  Steps:\n    one\n    two";
  EXPECT_EQ(BuildSignature(t).instructions, "Steps:\none\ntwo");
}

TEST(BuildSignature, ReportsEveryKindOfFieldError) {
  Template t = Simple({Field("class"), Field("1st"), Field("_private"), Field("instructions"),
                       Field("caf\xc3\xa9"), Field("a b"), Field(""), Field("dup"), Field("dup"),
                       Field("str"), Field("model_fields"), Field("when", "datetime")},
                      {Field("dup"), Field("answer")});
  SignatureSpec spec = BuildSignature(t);
  auto errors = Codes(spec, Severity::kError);
  EXPECT_TRUE(Has(errors, "python_keyword:class"));
  EXPECT_TRUE(Has(errors, "invalid_identifier:1st"));
  EXPECT_TRUE(Has(errors, "leading_underscore:_private"));
  EXPECT_TRUE(Has(errors, "reserved_name:instructions"));
  EXPECT_TRUE(Has(errors, "invalid_identifier:caf\xc3\xa9"));
  EXPECT_TRUE(Has(errors, "invalid_identifier:a b"));
  EXPECT_TRUE(Has(errors, "invalid_identifier:"));
  EXPECT_TRUE(Has(errors, "duplicate_field:dup"));
  EXPECT_EQ(std::count(errors.begin(), errors.end(), "duplicate_field:dup"), 2);  // same side + across
  EXPECT_TRUE(Has(errors, "shadows_generated_name:str"));
  EXPECT_TRUE(Has(errors, "reserved_name:model_fields"));
  EXPECT_TRUE(Has(errors, "unknown_type:when"));
  EXPECT_TRUE(spec.HasErrors());
  Status st = FindingsToStatus(spec.findings);
  EXPECT_EQ(st.code(), Code::kInvalidArgument);
  EXPECT_EQ(st.field_errors().size(), errors.size());
  EXPECT_EQ(st.field_errors()[0].loc, (std::vector<std::string>{"template", "class"}));
  EXPECT_EQ(st.field_errors()[0].type, "dspy_python_keyword");
}

TEST(BuildSignature, EmptySchemasAreErrors) {
  SignatureSpec spec = BuildSignature(Simple({}, {}));
  auto errors = Codes(spec, Severity::kError);
  EXPECT_TRUE(Has(errors, "no_input_field"));
  EXPECT_TRUE(Has(errors, "no_output_field"));
  EXPECT_EQ(spec.instructions, "Given the fields , produce the fields .");  // DSPy's own text
}

TEST(BuildSignature, WarningsForNamesThatOnlyWarn) {
  SignatureSpec spec = BuildSignature(
      Simple({Field("json"), Field("model_name"), Field("items"), Field("match"), Field("type")},
             {Field("case")}));
  EXPECT_FALSE(spec.HasErrors());
  auto warnings = Codes(spec, Severity::kWarning);
  EXPECT_TRUE(Has(warnings, "pydantic_shadow:json"));
  EXPECT_TRUE(Has(warnings, "protected_namespace:model_name"));
  EXPECT_TRUE(Has(warnings, "example_attribute_shadow:items"));
  EXPECT_EQ(warnings.size(), 3u);  // soft keywords match/type/case are fine
}

TEST(BuildSignature, SystemPromptIsReportedNotExported) {
  Template t = Simple({Field("q")}, {Field("a")});
  t.system_prompt = "You are helpful.";
  EXPECT_TRUE(Has(Codes(BuildSignature(t), Severity::kWarning), "system_prompt_not_exported"));
}

TEST(ValidateFieldName, AcceptsIdentifiersRejectsTheRest) {
  for (const char* ok : {"question", "q2", "camelCase", "match", "type", "case", "json", "model_name"}) {
    EXPECT_FALSE(ValidateFieldName(ok)) << ok;
  }
  for (const char* bad : {"", "class", "None", "2q", "_q", "_", "a-b", "signature", "fields",
                          "input_fields", "output_fields", "model_config", "model_dump",
                          "model_validate", "instructions", "dspy", "list", "caf\xc3\xa9", "self",
                          "instance", "demos", "config", "lm", "new_signature"}) {
    EXPECT_TRUE(ValidateFieldName(bad)) << bad;
  }
  EXPECT_TRUE(ValidateFieldName(std::string(kMaxFieldNameLength + 1, 'a')));
  EXPECT_FALSE(ValidateFieldName(std::string(kMaxFieldNameLength, 'a')));
}

TEST(BuildSignature, ExampleWarningsAreAggregated) {
  Template t = Simple({Field("question")}, {Field("answer")});
  std::vector<Example> examples = {
      MakeExample("e1", R"({"question": "q1"})", R"({"answer": "a1"})"),
      MakeExample("e2", R"({"question": "q2", "extra": 1})", R"({})"),
      MakeExample("e3", R"({"extra": 2})", R"({"answer": "a3", "why": "x"})"),
      MakeExample("e4", R"([1, 2])", R"({"answer": "a4"})"),
  };
  SignatureSpec spec = BuildSignature(t, examples);
  EXPECT_FALSE(spec.HasErrors());
  auto warnings = Codes(spec, Severity::kWarning);
  EXPECT_TRUE(Has(warnings, "example_missing_field:question"));
  EXPECT_TRUE(Has(warnings, "example_missing_field:answer"));
  EXPECT_TRUE(Has(warnings, "example_extra_key:extra"));
  EXPECT_TRUE(Has(warnings, "example_extra_key:why"));
  EXPECT_TRUE(Has(warnings, "example_invalid_payload"));
  for (const Finding& f : spec.findings) {
    if (f.code == "example_missing_field" && f.field == "question") {
      EXPECT_NE(f.message.find("2 of 4"), std::string::npos) << f.message;
      EXPECT_NE(f.message.find("first: e3"), std::string::npos) << f.message;
    }
  }
}

TEST(RenderSignatureJson, CarriesFieldsAndFindings) {
  Json j = RenderSignatureJson(BuildSignature(testing::TriageTemplate()));
  EXPECT_EQ(j["class_name"], "SupportTicketTriage");
  EXPECT_EQ(j["valid"], true);
  EXPECT_EQ(j["input_fields"][0]["name"], "ticket_text");
  EXPECT_EQ(j["input_fields"][0]["type"], "str");
  EXPECT_EQ(j["input_fields"][1]["desc"], "${customer_tier}");
  EXPECT_EQ(j["output_fields"][4]["type"], "dict");
  EXPECT_EQ(j["template"]["version"], "1.2.0");
  EXPECT_TRUE(j["findings"].is_array());
}

// dspy.Signature("a, b -> c") makes every field str: the JSON's string carries the types, in
// the builtin names DSPy's string parser resolves.
TEST(RenderSignatureJson, SignatureStringIsTyped) {
  SignatureSpec spec = BuildSignature(testing::TriageTemplate());
  EXPECT_EQ(spec.TypedSignatureString(),
            "ticket_text: str, customer_tier: str, order_total: float -> category: str, priority: int, "
            "needs_escalation: bool, tags: list, routing: dict");
  EXPECT_EQ(RenderSignatureJson(spec)["signature"], spec.TypedSignatureString());
}

TEST(RenderSignaturePython, CompilesEvenWithErrors) {
  EXEMPLAR_REQUIRE_PYTHON();
  auto dir = MakeTempDir("sig");
  std::vector<Template> templates = {
      testing::TriageTemplate(),
      Simple({Field("class"), Field("1st"), Field("dup"), Field("dup"), Field("caf\xc3\xa9\n\"\"\"")},
             {Field("instructions"), Field("ok", "bogus\ntype")}),
      Simple({}, {}),
  };
  for (size_t i = 0; i < templates.size(); ++i) {
    std::string code = RenderSignaturePython(BuildSignature(templates[i]));
    EXPECT_TRUE(testing::IsAscii(code)) << code;
    auto run = testing::PyCompile(dir, "sig" + std::to_string(i) + ".py", code);
    EXPECT_EQ(run.exit_code, 0) << code << run.output;
  }
}

}  // namespace
}  // namespace exemplar::dspy
