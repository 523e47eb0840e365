// What an import keeps of a program DSPy 3.3.1 saved, checked against real DSPy in review s20: a
// ChainOfThought's own rationale field (description, prefix), a predictor's own LM, empty
// instructions, a dataset's own numeric example ids, and the dataset export of a version whose
// demos were bootstrapped. The programs are the files of tests/data/dspy_import (the seeded
// calibration template) with the one change each case needs made here.
#include <gtest/gtest.h>

#include "testing/dspy_saved_programs.h"
#include "testing/seed_fixture.h"

namespace exemplar::testing {
namespace {

constexpr size_t kReasoningAt = 6;  // the calibration template has six inputs

bool Contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

class DspyImportFidelity : public ::testing::Test {
 protected:
  void SetUp() override { tid_ = SeedThroughApi(server_, EXEMPLAR_SEED_DIR)[kCalibrationTemplate]; }
  HttpResult Import(const Json& state) { return server_.Post("/api/v1/templates/" + tid_ + "/import-dspy", state); }
  Json Export(const std::string& id, const Json& body) {
    auto r = server_.Post("/api/v1/templates/" + id + "/export-dspy", body);
    EXPECT_EQ(r.status, 200) << r.raw;
    return r.body;
  }
  Json State(const std::string& id) {
    return Json::parse(Export(id, {{"format", "program_state"}})["content"].get<std::string>());
  }

  TestServer server_;
  std::string tid_;
};

// dspy.ChainOfThought(S, rationale_field=dspy.OutputField(desc=...)) saves its own description of
// `reasoning`, which DSPy puts into prompts. It imported with no finding and came back as
// "${reasoning}": a version has no place for it, so the import says so.
TEST_F(DspyImportFidelity, AReasoningDescriptionOfItsOwnIsReported) {
  auto plain = Import(LoadSavedProgram("bare_chain_of_thought.json"));
  ASSERT_EQ(plain.status, 201) << plain.raw;
  EXPECT_TRUE(FindingsWithCode(plain.body, "reasoning_description_ignored").empty()) << plain.raw;

  Json state = LoadSavedProgram("bare_chain_of_thought.json");
  state["predict"]["signature"]["fields"][kReasoningAt]["description"] = "Think step by step, in German.";
  auto r = Import(state);
  ASSERT_EQ(r.status, 201) << r.raw;
  EXPECT_EQ(r.body["module"], "ChainOfThought");
  const Json found = FindingsWithCode(r.body, "reasoning_description_ignored");
  ASSERT_EQ(found.size(), 1u) << r.raw;
  EXPECT_EQ(found[0]["severity"], "warning");
  EXPECT_EQ(found[0]["field"], "reasoning");
  EXPECT_TRUE(Contains(found[0]["message"].get<std::string>(), "`Think step by step, in German.`")) << found.dump();
  EXPECT_TRUE(Contains(found[0]["message"].get<std::string>(), "${reasoning}")) << found.dump();
  // What the export then holds, as the finding says.
  const Json exported = State(r.body["template"]["id"].get<std::string>());
  EXPECT_EQ(exported["predict.predict"]["signature"]["fields"][kReasoningAt]["description"], "${reasoning}");
}

// A ChainOfThought whose rationale field has another prefix ("Thought:") was refused with a 422
// that contradicted itself (7 fields expected with reasoning, the program 7). DSPy loads fields by
// position: it is a ChainOfThought, and the prefix is reported as other prefix changes are.
TEST_F(DspyImportFidelity, AChainOfThoughtWithItsOwnRationalePrefixImports) {
  Json state = LoadSavedProgram("bare_chain_of_thought.json");
  state["predict"]["signature"]["fields"][kReasoningAt]["prefix"] = "Thought:";
  auto r = Import(state);
  ASSERT_EQ(r.status, 201) << r.raw;
  EXPECT_EQ(r.body["module"], "ChainOfThought");
  const Json changed = FindingsWithCode(r.body, "prefix_changed");
  ASSERT_EQ(changed.size(), 1u) << r.raw;
  EXPECT_EQ(changed[0]["field"], "reasoning");
  EXPECT_TRUE(Contains(changed[0]["message"].get<std::string>(), "`Thought:`")) << changed.dump();
  const Json exported = State(r.body["template"]["id"].get<std::string>());
  ASSERT_EQ(exported["predict.predict"]["signature"]["fields"].size(), 10u) << exported.dump();
  EXPECT_EQ(exported["predict.predict"]["signature"]["fields"][kReasoningAt]["prefix"], "Reasoning:");

  // One field more, but not before the outputs (a Predict of another signature): an output's
  // prefix where `reasoning` would be is still a 422 that says so.
  Json extra = PredictProgram();
  extra["predict"]["signature"]["fields"].push_back({{"prefix", "Extra:"}, {"description", "${extra}"}});
  auto bad = Import(extra);
  ASSERT_EQ(bad.status, 422) << bad.raw;
  EXPECT_TRUE(Contains(bad.raw, "`reasoning` before the outputs")) << bad.raw;
  EXPECT_EQ(bad.body["detail"][0]["loc"],
            Json::array({"body", "predict", "signature", "fields", kReasoningAt, "prefix"})) << bad.raw;
}

// predict.lm = dspy.LM(...) is saved with the program and was dropped without a word.
TEST_F(DspyImportFidelity, APredictorsOwnLmIsReportedAsLeftOut) {
  const Json parent = server_.Get("/api/v1/templates/" + tid_).body;
  Json state = PredictProgram();
  state["predict"]["lm"] = {{"_dspy_lm_class", "dspy.clients.lm.LM"}, {"model", "openai/gpt-4o-mini"},
                            {"model_type", "chat"}, {"cache", true}, {"num_retries", 3},
                            {"temperature", 0.2}, {"max_tokens", 333}};
  auto r = Import(state);
  ASSERT_EQ(r.status, 201) << r.raw;
  const Json found = FindingsWithCode(r.body, "lm_ignored");
  ASSERT_EQ(found.size(), 1u) << r.raw;
  const std::string msg = found[0]["message"];
  for (const char* part : {"model openai/gpt-4o-mini", "temperature 0.2", "max_tokens 333", "base_model"}) {
    EXPECT_TRUE(Contains(msg, part)) << part << " in " << msg;
  }
  for (const char* key : {"base_model", "temperature", "max_tokens"}) {
    EXPECT_EQ(r.body["template"][key], parent[key]) << key;
  }
  // No LM (null, as Exemplar's exports and most saved programs have): no finding.
  EXPECT_TRUE(FindingsWithCode(Import(LoadSavedProgram("bare_predict.json")).body, "lm_ignored").empty());
}

// DSPy's load() keeps `"instructions": ""` as it is (Signature.load_state); the export gave DSPy's
// default instructions ("Given the fields ...") instead.
TEST_F(DspyImportFidelity, EmptyInstructionsStayEmpty) {
  Json state = PredictProgram();
  state["predict"]["signature"]["instructions"] = "";
  auto r = Import(state);
  ASSERT_EQ(r.status, 201) << r.raw;
  const std::string vid = r.body["template"]["id"];
  EXPECT_EQ(State(vid)["predict"]["signature"]["instructions"], "");
  const std::string module = Export(vid, {{"format", "python_module"}})["content"];
  EXPECT_TRUE(Contains(module, "(dspy.Signature):\n    \"\"\n")) << module;
  auto signature = server_.Get("/api/v1/templates/" + vid + "/dspy-signature");
  EXPECT_EQ(signature.body["signature"]["instructions"], "") << signature.raw;
  EXPECT_EQ(signature.body["signature"]["default_instructions"], false) << signature.raw;

  // A ChainOfThought extends its signature with prepend(), which gives empty instructions DSPy's
  // default ones: the generated program sets them empty again, as program.load() would.
  Json cot = LoadSavedProgram("bare_chain_of_thought.json");
  cot["predict"]["signature"]["instructions"] = "";
  auto c = Import(cot);
  ASSERT_EQ(c.status, 201) << c.raw;
  EXPECT_EQ(State(c.body["template"]["id"].get<std::string>())["predict.predict"]["signature"]["instructions"], "");
  const std::string cot_module = Export(c.body["template"]["id"].get<std::string>(), {{"format", "python_module"}})["content"];
  EXPECT_TRUE(Contains(cot_module, "        self.predict.predict.signature.instructions = \"\"\n")) << cot_module;
}

// LabeledFewShot's demos are the trainset's rows with all their keys, a dataset's own
// `example_id` (0, 1, ...) included: the whole import failed with 422 on it.
TEST_F(DspyImportFidelity, ADatasetsOwnExampleIdIsIgnoredLikeItsOtherKeys) {
  for (const Json& id : {Json(0), Json("ex-7")}) {
    Json state = PredictProgram();
    state["predict"]["demos"][0]["example_id"] = id;
    state["predict"]["signature"]["instructions"] = "Assess the drift, demo id " + id.dump() + ".";  // a new program
    auto r = Import(state);
    ASSERT_EQ(r.status, 201) << id << " " << r.raw;
    EXPECT_NE(r.body["demos"][0]["match"], "none") << r.raw;  // matched by content
    EXPECT_NE(r.body["demos"][0]["match"], "id") << r.raw;
    const Json ignored = FindingsWithCode(r.body, "demo_keys_ignored");
    ASSERT_EQ(ignored.size(), 1u) << r.raw;
    EXPECT_TRUE(Contains(ignored[0]["message"].get<std::string>(), "`example_id`")) << ignored.dump();
  }
}

// dataset_jsonl of a version's demos wrote bootstrapped demos (an LM's outputs and reasoning) as
// plain rows, indistinguishable from labels; python_module keeps them out of its trainset.
TEST_F(DspyImportFidelity, ADatasetOfAVersionsDemosHoldsItsLabeledDemosOnly) {
  Json state = LoadSavedProgram("labeled_demos_chain_of_thought.json");
  Json& demos = state["predict.predict"]["demos"];
  ASSERT_EQ(demos.size(), 3u);
  demos[0]["augmented"] = true;
  demos[0]["reasoning"] = "the LM's reasoning";
  demos[0]["drift_status"] = "the LM's answer";
  auto r = Import(state);
  ASSERT_EQ(r.status, 201) << r.raw;
  const std::string vid = r.body["template"]["id"];

  const Json dataset = Export(vid, {{"format", "dataset_jsonl"}, {"example_source", "version"}});
  EXPECT_EQ(dataset["example_count"], 2);
  EXPECT_EQ(dataset["example_ids"].size(), 2u);
  const std::string content = dataset["content"];
  EXPECT_FALSE(Contains(content, "the LM's")) << content;
  EXPECT_FALSE(Contains(content, "\"reasoning\"")) << content;
  EXPECT_FALSE(Contains(content, "augmented")) << content;
  size_t lines = 0;
  for (char ch : content) lines += ch == '\n';
  EXPECT_EQ(lines, 2u) << content;
  const Json left_out = FindingsWithCode(dataset, "bootstrapped_demos_left_out");
  ASSERT_EQ(left_out.size(), 1u) << dataset.dump();
  EXPECT_EQ(left_out[0]["message"].get<std::string>().rfind("1 of", 0), 0u) << left_out.dump();
  // The program keeps all three, the bootstrapped one marked as DSPy marks it.
  const Json program = State(vid)["predict.predict"]["demos"];
  ASSERT_EQ(program.size(), 3u);
  EXPECT_EQ(program[0].value("augmented", false), true);
}

}  // namespace
}  // namespace exemplar::testing
