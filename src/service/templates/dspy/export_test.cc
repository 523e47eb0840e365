// Export formats end to end. Generated Python is compiled with py_compile and imported against a
// fake `dspy` module (fake_dspy_py.h): real DSPy cannot be installed here (no PyPI access), so
// importing against a stub that enforces DSPy's documented rules is the best local proof that the
// code runs, that escaping round-trips (docstring == instructions exactly) and that the
// program_state file loads into the generated program.
#include "service/templates/dspy/export.h"

#include <gtest/gtest.h>

#include "testing/dspy/dspy_test_util.h"
#include "service/templates/dspy/example_data.h"
#include "testing/dspy/harness_py.h"
#include "service/templates/dspy/signature.h"

namespace exemplar::dspy {
namespace {

using testing::Field;
using testing::MakeExample;
using testing::MakeTempDir;
using testing::RunPython;

// Exports `format` or fails the test.
Artifact MustExport(const Template& t, const std::vector<Example>& examples, ExportOptions o) {
  auto r = Export(t, examples, o);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? r.value() : Artifact{};
}

// Writes the python module (+ program state) of `t` into a temp dir and runs the harness.
void CheckModuleWithFakeDspy(const Template& t, const std::vector<Example>& examples,
                             ExportOptions o, bool run_main = true) {
  auto dir = MakeTempDir("module");
  testing::WriteFakeDspy(dir);
  testing::WriteFile(dir / "check.py", testing::kHarnessPy);
  o.format = ExportFormat::kPythonModule;
  Artifact module = MustExport(t, examples, o);
  ASSERT_FALSE(module.content.empty());
  EXPECT_TRUE(testing::IsAscii(module.content));
  o.format = ExportFormat::kProgramState;
  Artifact state = MustExport(t, examples, o);
  testing::WriteFile(dir / module.filename, module.content);
  testing::WriteFile(dir / state.filename, state.content);

  auto compiled = RunPython(dir, "-W error -m py_compile '" + module.filename + "'");
  ASSERT_EQ(compiled.exit_code, 0) << compiled.output << module.content;

  SignatureSpec spec = BuildSignature(t);
  bool cot = o.module == ModuleKind::kChainOfThought;
  std::vector<std::string> extra = cot ? std::vector<std::string>{"reasoning"} : std::vector<std::string>{};
  Json expected;
  expected["module"] = module.filename.substr(0, module.filename.size() - 3);
  expected["class_name"] = spec.class_name;
  expected["program_class"] = spec.class_name + "Program";
  expected["instructions"] = spec.instructions;
  expected["inputs"] = Json::array();
  expected["outputs"] = Json::array();
  expected["descs"]["reasoning"] = "${reasoning}";
  for (const auto& f : spec.inputs) {
    expected["inputs"].push_back(f.name);
    expected["descs"][f.name] = f.desc;
    expected["types"][f.name] = f.python_type;
  }
  for (const auto& f : spec.outputs) {
    expected["outputs"].push_back(f.name);
    expected["descs"][f.name] = f.desc;
    expected["types"][f.name] = f.python_type;
  }
  // Expected trainset: every row as the signature sees it (serialised with its key order).
  std::string rows = "[";
  for (const ExampleRow& row : BuildRows(spec, examples, extra)) {
    rows += (rows.size() > 1 ? "," : "") + RowToJson(row).dump();
  }
  rows += "]";
  std::string exp = expected.dump();
  exp.pop_back();
  exp += ",\"trainset\":" + rows;
  exp += ",\"predictor_names\":" + Json(cot ? "predict.predict" : "predict").dump().insert(0, "[") + "]";
  exp += ",\"reasoning\":" + Json(cot).dump();
  exp += ",\"metric\":" + Json(std::string(MetricName(o.metric))).dump();
  exp += ",\"state_file\":" + Json(state.filename).dump();
  exp += ",\"expect_demos\":" + Json(o.demos_as_program_state).dump();
  exp += ",\"run_main\":" + Json(run_main).dump() + "}";
  testing::WriteFile(dir / "expected.json", exp);

  auto run = RunPython(dir, "-W error::SyntaxWarning -W error::DeprecationWarning check.py");
  EXPECT_EQ(run.exit_code, 0) << run.output << "\n--- module ---\n" << module.content;
  EXPECT_NE(run.output.find("CHECK OK"), std::string::npos) << run.output;
}

Template AdversarialTemplate() {
  Template t;
  t.id = "adv-\"id\"\n# not a comment";
  t.name = "R\xc3\xa9sum\xc3\xa9 \"Parser\" \xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x9a\x80";
  t.version = "0.1.0-\xce\xb2";
  t.prompt_template =
      "Extract the fields. Quotes: \"double\" 'single' \"\"\"triple\"\"\" '''also'''.\n"
      "Unicode: caf\xc3\xa9, \xe4\xb8\xad\xe6\x96\x87, emoji \xf0\x9f\x9a\x80 and \xe2\x80\xa8 separator.\n"
      "Escapes that must stay literal: \\n \\t \\x00 \\u00e9 {braces} %s.\n"
      "Ends with a backslash \\";
  t.input_schema = {Field("resume_text", "string", "He said \"stop\" \\ and \"\"\" end\\"),
                    Field("match", "string", "soft keyword as a name\nsecond line"),
                    Field("base", "string", "named like dspy.Example's first parameter")};
  t.output_schema = {Field("full_name", "string", "caf\xc3\xa9 \xf0\x9f\x99\x82 \"name\""),
                     Field("years", "integer"), Field("skills", "array", "ends with quote\"")};
  t.base_model = "openai/gpt-4o-mini";
  return t;
}

std::vector<Example> AdversarialExamples() {
  return {
      MakeExample("adv-1",
                  R"({"resume_text": "Jos\u00e9 \"Pepe\" \\ O'Brien\n\"\"\"\t\u0000end\\", "match": "x", "base": "b1"})",
                  R"({"full_name": "Jos\u00e9 O'Brien \ud83d\ude80", "years": 7, "skills": ["C++", "\"quoted\"", "\\"]})"),
      MakeExample("adv-2", R"({"resume_text": "\u4e2d\u6587", "match": "y", "base": "b2", "ignored": 1})",
                  R"({"full_name": "", "years": 0, "skills": []})"),
  };
}

TEST(ExportPython, TriageModuleImportsAndRoundTripsWithPredict) {
  EXEMPLAR_REQUIRE_PYTHON();
  CheckModuleWithFakeDspy(testing::TriageTemplate(), testing::TriageExamples(), ExportOptions{});
}

TEST(ExportPython, TriageModuleWithChainOfThoughtAndOptimizer) {
  EXEMPLAR_REQUIRE_PYTHON();
  ExportOptions o;
  o.module = ModuleKind::kChainOfThought;
  o.include_optimizer = true;
  CheckModuleWithFakeDspy(testing::TriageTemplate(), testing::TriageExamples(), o);
}

TEST(ExportPython, AdversarialTextRoundTripsExactly) {
  EXEMPLAR_REQUIRE_PYTHON();
  for (ModuleKind m : {ModuleKind::kPredict, ModuleKind::kChainOfThought}) {
    ExportOptions o;
    o.module = m;
    o.demos_as_program_state = m == ModuleKind::kPredict;
    o.generated_by = "exemplar \"test\"\nbuild";
    o.generated_at = "2026-01-01T00:00:00Z\n\"\"\"";
    CheckModuleWithFakeDspy(AdversarialTemplate(), AdversarialExamples(), o);
  }
}

TEST(ExportPython, EveryOptimizerConstructsAndCompiles) {
  EXEMPLAR_REQUIRE_PYTHON();
  std::vector<Json> configs = {
      {{"type", "LabeledFewShot"}, {"k", 2}},
      {{"type", "BootstrapFewShot"}, {"max_rounds", 2}, {"metric_threshold", 0.5}},
      {{"type", "BootstrapFewShotWithRandomSearch"}, {"num_candidate_programs", 4}},
      {{"type", "MIPROv2"}},
      {{"type", "MIPROv2"}, {"auto", nullptr}, {"num_candidates", 3}, {"num_trials", 4}, {"minibatch", false}},
      {{"type", "KNNFewShot"}, {"k", 2}},
  };
  for (const Json& config : configs) {
    SCOPED_TRACE(config.dump());
    ExportOptions o;
    o.include_optimizer = true;
    o.optimizer = config;
    CheckModuleWithFakeDspy(testing::TriageTemplate(), testing::TriageExamples(), o);
  }
}

TEST(ExportPython, EveryMetricRuns) {
  EXEMPLAR_REQUIRE_PYTHON();
  for (MetricKind m : {MetricKind::kExactMatch, MetricKind::kF1, MetricKind::kContains,
                       MetricKind::kJsonFields, MetricKind::kNumericClose, MetricKind::kLlmJudge}) {
    SCOPED_TRACE(std::string(MetricName(m)));
    ExportOptions o;
    o.metric = m;
    o.module = m == MetricKind::kF1 ? ModuleKind::kChainOfThought : ModuleKind::kPredict;
    CheckModuleWithFakeDspy(testing::TriageTemplate(), testing::TriageExamples(), o);
  }
}

// DSPy's Evaluate divides by the devset's size and its optimizers fail on an empty trainset (the
// fake dspy does the same): with no examples the generated code skips both, saying why.
TEST(ExportPython, EmptyTrainsetStillRuns) {
  EXEMPLAR_REQUIRE_PYTHON();
  CheckModuleWithFakeDspy(testing::TriageTemplate(), {}, ExportOptions{});
  ExportOptions optimize;
  optimize.include_optimizer = true;
  CheckModuleWithFakeDspy(testing::TriageTemplate(), {}, optimize);
  Artifact a = MustExport(testing::TriageTemplate(), {}, optimize);
  EXPECT_NE(a.content.find("No labeled examples were exported: skipping the optimization"), std::string::npos)
      << a.content;
}

// A bootstrapped demo's outputs are an LM's: the trainset (what the module evaluates and
// optimizes on) holds the labeled examples only; the program's demos keep every one.
TEST(ExportPython, BootstrappedDemosAreDemosNotTrainingData) {
  Artifact a = Export(testing::TriageTemplate(), testing::TriageExamples(), ExportOptions{}, {true, false, false}).value();
  auto block = [&](const std::string& start) {
    const size_t from = a.content.find("\n" + start + " = [\n");
    EXPECT_NE(from, std::string::npos) << a.content;
    return from == std::string::npos ? std::string() : a.content.substr(from, a.content.find("\n]\n", from) - from);
  };
  auto count = [](const std::string& text, const std::string& what) {
    size_t n = 0;
    for (size_t pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
    return n;
  };
  const std::string trainset = block("trainset"), demos = block("demos");
  EXPECT_EQ(count(trainset, "# example "), 2u) << trainset;
  EXPECT_EQ(trainset.find("augmented=True"), std::string::npos) << trainset;
  EXPECT_EQ(count(demos, "# example "), 3u) << demos;
  EXPECT_EQ(count(demos, "augmented=True"), 1u) << demos;
  EXPECT_NE(a.content.find("predictor.demos = list(demos)"), std::string::npos) << a.content;
}

TEST(ExportPython, HeaderCarriesProvenanceWithoutClock) {
  ExportOptions o;
  Artifact a = MustExport(testing::TriageTemplate(), testing::TriageExamples(), o);
  EXPECT_EQ(a.filename, "support_ticket_triage_dspy.py");
  EXPECT_EQ(a.media_type, "text/x-python");
  EXPECT_EQ(a.example_count, 3u);
  EXPECT_NE(a.content.find("# Template id: 6f1c2a0e-3b7d-4c55-9a0e-1d2f3a4b5c6d"), std::string::npos);
  EXPECT_NE(a.content.find("# Template version: 1.2.0"), std::string::npos);
  EXPECT_NE(a.content.find("import dspy\n"), std::string::npos);
  EXPECT_EQ(a.content.find("Generated at"), std::string::npos);
  EXPECT_NE(a.content.find("dspy.LM(\"databricks/databricks-meta-llama-3-1-70b-instruct\", "
                           "temperature=0.2, max_tokens=512)"),
            std::string::npos);
  o.generated_at = "2026-11-27T10:00:00Z";
  o.lm_model = "openai/gpt-4o-mini";
  Artifact b = MustExport(testing::TriageTemplate(), testing::TriageExamples(), o);
  EXPECT_NE(b.content.find("# Generated at: 2026-11-27T10:00:00Z"), std::string::npos);
  EXPECT_NE(b.content.find("dspy.LM(\"openai/gpt-4o-mini\""), std::string::npos);
  EXPECT_EQ(MustExport(testing::TriageTemplate(), testing::TriageExamples(), o).content, b.content);
}

TEST(Export, RefusesSignaturesWithErrors) {
  Template t = testing::TriageTemplate();
  t.input_schema.push_back(Field("class"));
  t.output_schema.push_back(Field("1st"));
  for (ExportFormat f : {ExportFormat::kPythonModule, ExportFormat::kProgramState,
                         ExportFormat::kDatasetJsonl, ExportFormat::kJsonConfig, ExportFormat::kNotebook}) {
    ExportOptions o;
    o.format = f;
    auto r = Export(t, testing::TriageExamples(), o);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
    ASSERT_EQ(r.status().field_errors().size(), 2u);
    EXPECT_EQ(r.status().field_errors()[0].type, "dspy_python_keyword");
    EXPECT_EQ(r.status().field_errors()[0].loc, (std::vector<std::string>{"template", "class"}));
    EXPECT_EQ(r.status().field_errors()[1].type, "dspy_invalid_identifier");
  }
  Template empty = testing::TriageTemplate();
  empty.input_schema.clear();
  auto r = Export(empty, {}, ExportOptions{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().field_errors()[0].type, "dspy_no_input_field");
}

TEST(Export, ChainOfThoughtReservesReasoning) {
  Template t = testing::TriageTemplate();
  t.output_schema.push_back(Field("reasoning"));
  ExportOptions o;
  EXPECT_TRUE(Export(t, {}, o).ok());
  o.module = ModuleKind::kChainOfThought;
  auto r = Export(t, {}, o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().field_errors()[0].type, "dspy_reserved_for_module");
}

TEST(Export, ChainOfThoughtKeepsReasoningFromExamples) {
  ExportOptions o;
  o.module = ModuleKind::kChainOfThought;
  o.format = ExportFormat::kDatasetJsonl;
  Template t = testing::TriageTemplate();
  std::vector<Example> ex = {MakeExample("r1", R"({"ticket_text": "x"})",
                                         R"({"reasoning": "because", "category": "billing"})")};
  Artifact a = MustExport(t, ex, o);
  EXPECT_EQ(a.content, "{\"ticket_text\":\"x\",\"reasoning\":\"because\",\"category\":\"billing\"}\n");
  o.module = ModuleKind::kPredict;
  a = MustExport(t, ex, o);
  EXPECT_EQ(a.content, "{\"ticket_text\":\"x\",\"category\":\"billing\"}\n");
  bool warned = false;
  for (const Finding& f : a.findings) warned |= f.code == "example_extra_key" && f.field == "reasoning";
  EXPECT_TRUE(warned);
}

TEST(Export, ReportsWarningsInTheArtifact) {
  ExportOptions o;
  o.include_optimizer = true;
  o.optimizer = {{"type", "MIPROv2"}};
  Artifact a = MustExport(testing::TriageTemplate(), {testing::TriageExamples()[2]}, o);
  std::vector<std::string> codes;
  for (const Finding& f : a.findings) {
    EXPECT_EQ(f.severity, Severity::kWarning);
    codes.push_back(f.code + (f.field ? ":" + *f.field : ""));
  }
  EXPECT_NE(std::find(codes.begin(), codes.end(), "example_extra_key:channel"), codes.end());
  EXPECT_NE(std::find(codes.begin(), codes.end(), "optimizer_needs_examples"), codes.end());
}

TEST(ExportJsonl, OneSignatureKeyedObjectPerExample) {
  EXEMPLAR_REQUIRE_PYTHON();
  ExportOptions o;
  o.format = ExportFormat::kDatasetJsonl;
  Artifact a = MustExport(testing::TriageTemplate(), testing::TriageExamples(), o);
  EXPECT_EQ(a.filename, "support_ticket_triage_dataset.jsonl");
  EXPECT_EQ(a.media_type, "application/x-ndjson");
  std::vector<std::string> lines;
  for (size_t start = 0, nl; (nl = a.content.find('\n', start)) != std::string::npos; start = nl + 1) {
    lines.push_back(a.content.substr(start, nl - start));
  }
  ASSERT_EQ(lines.size(), 3u);
  auto first = OrderedJson::parse(lines[0]);
  std::vector<std::string> keys;
  for (auto it = first.begin(); it != first.end(); ++it) keys.push_back(it.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"ticket_text", "customer_tier", "order_total", "category",
                                            "priority", "needs_escalation", "tags", "routing"}));
  EXPECT_FALSE(OrderedJson::parse(lines[2]).contains("channel"));

  auto dir = MakeTempDir("jsonl");
  testing::WriteFakeDspy(dir);
  testing::WriteFile(dir / a.filename, a.content);
  testing::WriteFile(dir / "load.py",
                     "import json, dspy\n"
                     "rows = [json.loads(l) for l in open('" + a.filename + "', encoding='utf-8')]\n"
                     "data = [dspy.Example(**r).with_inputs('ticket_text', 'customer_tier', 'order_total') for r in rows]\n"
                     "assert data[1].inputs()['ticket_text'].startswith(\"L'appli\")\n"
                     "assert data[2].labels().toDict()['routing'] == {'queue': 'accounts', 'team': None}\n"
                     "print('LOAD OK')\n");
  auto run = RunPython(dir, "load.py");
  EXPECT_EQ(run.exit_code, 0) << run.output;
}

TEST(ExportJsonConfig, DescribesTheWholeExport) {
  ExportOptions o;
  o.format = ExportFormat::kJsonConfig;
  o.module = ModuleKind::kChainOfThought;
  o.include_optimizer = true;
  o.optimizer = {{"type", "BootstrapFewShot"}, {"max_bootstrapped_demos", 2}};
  Artifact a = MustExport(testing::TriageTemplate(), testing::TriageExamples(), o);
  EXPECT_EQ(a.filename, "support_ticket_triage_dspy_config.json");
  Json cfg = Json::parse(a.content);
  EXPECT_EQ(cfg["signature"]["class_name"], "SupportTicketTriage");
  EXPECT_EQ(cfg["module"], "ChainOfThought");
  EXPECT_EQ(cfg["predictor_names"], Json::array({"predict.predict"}));
  EXPECT_EQ(cfg["optimizer"]["max_bootstrapped_demos"], 2);
  EXPECT_EQ(cfg["optimizer"]["max_labeled_demos"], 16);
  EXPECT_EQ(cfg["metric"], "exact_match");
  EXPECT_EQ(cfg["example_ids"].size(), 3u);
  EXPECT_EQ(cfg["example_ids"][0], "00000000-0000-4000-8000-000000000001");
  EXPECT_EQ(cfg["lm"]["max_tokens"], 512);
  EXPECT_TRUE(cfg["findings"].is_array());
}

TEST(ExportNotebook, ValidNbformatWhoseCodeCompiles) {
  EXEMPLAR_REQUIRE_PYTHON();
  for (bool optimize : {false, true}) {
    ExportOptions o;
    o.format = ExportFormat::kNotebook;
    o.include_optimizer = optimize;
    Artifact a = MustExport(AdversarialTemplate(), AdversarialExamples(), o);
    EXPECT_EQ(a.media_type, "application/x-ipynb+json");
    Json nb = Json::parse(a.content);
    EXPECT_EQ(nb["nbformat"], 4);
    EXPECT_EQ(nb["nbformat_minor"], 5);
    EXPECT_EQ(nb["metadata"]["kernelspec"]["name"], "python3");
    ASSERT_EQ(nb["cells"].size(), 7u);
    std::set<std::string> ids;
    std::string code;
    for (const Json& cell : nb["cells"]) {
      ASSERT_TRUE(cell.contains("id") && cell.contains("metadata") && cell.contains("source"));
      EXPECT_TRUE(ids.insert(cell["id"].get<std::string>()).second);
      ASSERT_TRUE(cell["source"].is_array());
      const auto& lines = cell["source"];
      for (size_t i = 0; i + 1 < lines.size(); ++i) EXPECT_EQ(lines[i].get<std::string>().back(), '\n');
      if (cell["cell_type"] == "code") {
        EXPECT_EQ(cell["outputs"], Json::array());
        EXPECT_TRUE(cell["execution_count"].is_null());
        for (const Json& line : lines) code += line.get<std::string>();
        code += "\n\n";
      } else {
        EXPECT_EQ(cell["cell_type"], "markdown");
        EXPECT_FALSE(cell.contains("outputs"));
      }
    }
    EXPECT_EQ(nb["cells"][0]["cell_type"], "markdown");
    auto dir = MakeTempDir("notebook");
    auto run = testing::PyCompile(dir, "notebook_code.py", code);
    EXPECT_EQ(run.exit_code, 0) << run.output << code;
  }
}

}  // namespace
}  // namespace exemplar::dspy
