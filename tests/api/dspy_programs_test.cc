// A version made from a DSPy program — imported with import-dspy (files DSPy 3.3.1 wrote, in
// tests/data/dspy_import) or accepted from a native run — exports as that program by default: its
// module, its own demo set even when empty, its instructions as stored, its field descriptions
// (review s18). The exported JSON and code are checked here; DSPy itself is not needed.
#include <gtest/gtest.h>

#include "testing/dspy_saved_programs.h"
#include "testing/seed_fixture.h"

namespace exemplar::testing {
namespace {

const char* kDefectTemplate = "7d3e9a52-1c4b-4f8e-8a6d-2b5c9e0f1a01";

class DspyPrograms : public ::testing::Test {
 protected:
  void SetUp() override { ids_ = SeedThroughApi(server_, EXEMPLAR_SEED_DIR); }
  // The version import-dspy makes from `state` (201).
  std::string Import(const std::string& template_id, const Json& state) {
    auto r = server_.Post("/api/v1/templates/" + template_id + "/import-dspy", state);
    EXPECT_EQ(r.status, 201) << r.raw;
    return r.body["template"].value("id", "");
  }
  Json Export(const std::string& id, Json body) {
    auto r = server_.Post("/api/v1/templates/" + id + "/export-dspy", body);
    EXPECT_EQ(r.status, 200) << r.raw;
    return r.body;
  }
  Json State(const std::string& id, Json body = Json::object()) {
    body["format"] = "program_state";
    return Json::parse(Export(id, body)["content"].get<std::string>());
  }
  // Launches an offline run on the seeded defect template with `params` added, waits for it and
  // accepts it; the accept's answer (201), whose `template` is the new version.
  Json AcceptedRun(const Json& params) {
    Json body = {{"template_id", ids_[kDefectTemplate]},
                 {"lm", {{"provider", "offline"}}},
                 {"data", {{"max_examples", 12}}}};
    body.update(params);
    auto launched = server_.Post("/api/v1/dspy-runs", body);
    EXPECT_EQ(launched.status, 201) << launched.raw;
    const std::string run_id = launched.body.value("run_id", "");
    EXPECT_EQ(WaitForRun(server_, run_id)["status"], "completed");
    auto accepted = server_.Post("/api/v1/dspy-runs/" + run_id + "/accept", Json::object());
    EXPECT_EQ(accepted.status, 201) << accepted.raw;
    return accepted.body;
  }
  TestServer server_;
  std::map<std::string, std::string> ids_;
};

// A ChainOfThought program imported (its response says so) exported as a Predict: state keyed
// `predict`, no `reasoning` field or demo values, python_module with dspy.Predict. DSPy's
// ChainOfThought program then failed to load it (KeyError 'predict.predict').
TEST_F(DspyPrograms, AnImportedChainOfThoughtExportsAsChainOfThought) {
  const std::string tid = ids_[kCalibrationTemplate];
  Json state = LoadSavedProgram("labeled_demos_chain_of_thought.json");
  state["predict.predict"]["demos"][0]["reasoning"] = "the peak moved 2%";
  state["predict.predict"]["demos"][0]["augmented"] = true;
  auto r = server_.Post("/api/v1/templates/" + tid + "/import-dspy", state);
  ASSERT_EQ(r.status, 201) << r.raw;
  ASSERT_EQ(r.body["module"], "ChainOfThought");
  const std::string vid = r.body["template"]["id"];
  // The lineage names the program readably (it said "dspy_program ChainOf").
  auto lineage = server_.Get("/api/v1/templates/" + vid + "/lineage?direction=upstream");
  ASSERT_EQ(lineage.status, 200) << lineage.raw;
  std::string program_label;
  for (const auto& n : lineage.body["nodes"]) {
    if (n["type"] == "dspy_program") program_label = n["label"];
  }
  EXPECT_EQ(program_label.rfind("DSPy ChainOfThought program ", 0), 0u) << lineage.raw;

  const Json exported = State(vid);
  ASSERT_TRUE(exported.contains("predict.predict")) << exported.dump();
  EXPECT_FALSE(exported.contains("predict"));
  const Json& pred = exported["predict.predict"];
  EXPECT_EQ(pred["signature"]["fields"].size(), state["predict.predict"]["signature"]["fields"].size());
  EXPECT_EQ(pred["demos"][0].value("reasoning", ""), "the peak moved 2%") << pred["demos"].dump();
  const std::string code = Export(vid, {{"format", "python_module"}})["content"];
  EXPECT_NE(code.find("dspy.ChainOfThought("), std::string::npos);
  EXPECT_EQ(code.find("dspy.Predict("), std::string::npos);
  // The answer says which module it built (the UI shows it), and a dataset names none.
  EXPECT_EQ(Export(vid, {{"format", "program_state"}})["module"], "ChainOfThought");
  EXPECT_EQ(Export(vid, {{"format", "python_module"}, {"module", "Predict"}})["module"], "Predict");
  EXPECT_EQ(Export(tid, {{"format", "python_module"}})["module"], "Predict");
  EXPECT_FALSE(Export(vid, {{"format", "dataset_jsonl"}}).contains("module"));
  // A version copied from it is still that program; an explicit module still wins.
  auto copy = server_.Post("/api/v1/templates/" + vid + "/version", Json::object());
  ASSERT_EQ(copy.status, 201) << copy.raw;
  EXPECT_TRUE(State(copy.body["id"]).contains("predict.predict"));
  EXPECT_TRUE(State(vid, {{"module", "Predict"}}).contains("predict"));
  // A Predict program stays a Predict, and a plain template exports a Predict as before.
  const Json bare = LoadSavedProgram("bare_predict.json");
  EXPECT_TRUE(State(Import(tid, bare)).contains("predict"));
  EXPECT_TRUE(State(tid).contains("predict"));
}

// A native run with module ChainOfThought, accepted: the version exports a ChainOfThought.
TEST_F(DspyPrograms, AnAcceptedChainOfThoughtRunExportsAsChainOfThought) {
  const Json accepted = AcceptedRun(
      {{"optimizer_type", "LabeledFewShot"}, {"optimizer_params", {{"k", 3}}}, {"module", "ChainOfThought"}});
  ASSERT_TRUE(accepted.contains("template")) << accepted.dump();
  const std::string vid = accepted["template"]["id"];
  const Json exported = State(vid);
  EXPECT_TRUE(exported.contains("predict.predict")) << exported.dump();
  EXPECT_NE(Export(vid, {{"format", "json_config"}})["content"].get<std::string>().find("\"ChainOfThought\""),
            std::string::npos);
  // Optimized again without naming a module (as the UI and CLI launch), it stays a ChainOfThought
  // (the run took Predict, and its accepted version no longer loaded into the user's program).
  Json again = {{"template_id", vid}, {"lm", {{"provider", "offline"}}}, {"optimizer_type", "LabeledFewShot"},
                {"optimizer_params", {{"k", 3}}}, {"data", {{"max_examples", 12}}}};
  auto launched = server_.Post("/api/v1/dspy-runs", again);
  ASSERT_EQ(launched.status, 201) << launched.raw;
  EXPECT_EQ(launched.body["config"]["module"], "ChainOfThought") << launched.raw;
  again["module"] = "Predict";  // named, it wins
  auto named = server_.Post("/api/v1/dspy-runs", again);
  ASSERT_EQ(named.status, 201) << named.raw;
  EXPECT_EQ(named.body["config"]["module"], "Predict");
  EXPECT_EQ(WaitForRun(server_, launched.body["run_id"])["status"], "completed");
  EXPECT_EQ(WaitForRun(server_, named.body["run_id"])["status"], "completed");
}

// A program with no demos (imported so, or a run whose zero-shot candidate won) exported the
// store's examples as demos. It exports none; a plain template keeps the store's. (A KNNFewShot
// run, whose demos are chosen per call, is not accepted at all: run_result_warnings_test.)
TEST_F(DspyPrograms, AProgramWithoutDemosExportsNone) {
  const std::string tid = ids_[kCalibrationTemplate];
  Json state = LoadSavedProgram("bare_chain_of_thought.json");
  state["predict"]["demos"] = Json::array();
  auto r = server_.Post("/api/v1/templates/" + tid + "/import-dspy", state);
  ASSERT_EQ(r.status, 201) << r.raw;
  ASSERT_EQ(r.body["demos"], Json::array());
  const std::string vid = r.body["template"]["id"];
  const Json exported = Export(vid, {{"format", "program_state"}});
  EXPECT_EQ(exported["example_source"], "version") << exported.dump();
  EXPECT_EQ(exported["example_count"], 0);
  EXPECT_EQ(Json::parse(exported["content"].get<std::string>())["predict.predict"]["demos"], Json::array());
  EXPECT_NE(exported["findings"].dump().find("has no demos"), std::string::npos) << exported.dump();
  // The store's examples when asked for, and for the plain template.
  EXPECT_GT(Export(vid, {{"format", "program_state"}, {"example_source", "store"}})["example_count"], 0);
  EXPECT_GT(Export(tid, {{"format", "program_state"}})["example_count"], 0);
}

// An imported program's instructions are DSPy's, shown literally: `{detector_model}` in them came
// back as `detector_model`. Unchanged instructions still keep the parent's prompt and render.
TEST_F(DspyPrograms, ImportedInstructionsExportAsStored) {
  const std::string tid = ids_[kCalibrationTemplate];
  Json state = LoadSavedProgram("bare_predict.json");
  state["signature"]["instructions"] = "Use {detector_model} literally.";
  const std::string vid = Import(tid, state);
  const Json exported = State(vid);
  EXPECT_EQ(exported["predict"]["signature"]["instructions"], "Use {detector_model} literally.") << exported.dump();
  // A version copied from it keeps them as they are; the parent's own prompt still renders.
  auto copy = server_.Post("/api/v1/templates/" + vid + "/version", Json::object());
  ASSERT_EQ(copy.status, 201) << copy.raw;
  EXPECT_EQ(State(copy.body["id"])["predict"]["signature"]["instructions"], "Use {detector_model} literally.");
  const std::string parent_instructions = State(tid)["predict"]["signature"]["instructions"];
  EXPECT_EQ(parent_instructions.find("{detector_model}"), std::string::npos) << parent_instructions;
  // Importing the same program into the version again keeps its prompt (unchanged instructions).
  Json same = state;
  same["demos"] = Json::array();
  auto again = server_.Post("/api/v1/templates/" + vid + "/import-dspy", same);
  ASSERT_EQ(again.status, 201) << again.raw;
  EXPECT_EQ(again.body["template"]["prompt_template"], "Use {detector_model} literally.");
  EXPECT_EQ(State(again.body["template"]["id"])["predict"]["signature"]["instructions"],
            "Use {detector_model} literally.");
}

// DSPy's load() applies saved field descriptions and puts them into prompts; the import dropped
// a changed one (201, no finding) and the re-export had the old text. The new version takes it.
TEST_F(DspyPrograms, AChangedFieldDescriptionIsImported) {
  const std::string tid = ids_[kCalibrationTemplate];
  Json state = State(tid);
  state["predict"]["signature"]["fields"][1]["description"] = "The isotope, as printed on the source.";
  auto r = server_.Post("/api/v1/templates/" + tid + "/import-dspy", state);
  ASSERT_EQ(r.status, 201) << r.raw;
  EXPECT_EQ(r.body["template"]["input_schema"][1]["description"], "The isotope, as printed on the source.");
  EXPECT_NE(r.body["findings"].dump().find("description_changed"), std::string::npos) << r.raw;
  const std::string vid = r.body["template"]["id"];
  EXPECT_EQ(State(vid)["predict"]["signature"]["fields"][1]["description"], "The isotope, as printed on the source.");
  // The other fields keep theirs; the parent is untouched; the same file again is a repeat.
  const Json parent = server_.Get("/api/v1/templates/" + tid).body;
  EXPECT_NE(parent["input_schema"][1]["description"], "The isotope, as printed on the source.");
  EXPECT_EQ(r.body["template"]["input_schema"][0], parent["input_schema"][0]);
  auto again = server_.Post("/api/v1/templates/" + tid + "/import-dspy", state);
  EXPECT_EQ(again.status, 200) << again.raw;
  EXPECT_EQ(again.body["template"]["id"], vid);
  // Not a string: 422 at the field.
  state["predict"]["signature"]["fields"][1]["description"] = 7;
  auto bad = server_.Post("/api/v1/templates/" + tid + "/import-dspy", state);
  ASSERT_EQ(bad.status, 422) << bad.raw;
  EXPECT_EQ(bad.body["detail"][0]["loc"], Json({"body", "predict", "signature", "fields", 1, "description"}));
}

}  // namespace
}  // namespace exemplar::testing
