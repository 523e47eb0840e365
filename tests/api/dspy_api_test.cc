// DSPy export through the API (SPEC §4.4): every format on a seeded template and on an
// adversarial one; generated Python compiles; program-state JSON follows reference/dspy.md §4.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "common/ids.h"
#include "testing/seed_fixture.h"

namespace exemplar::testing {
namespace {

const char* kDefectTemplate = "7d3e9a52-1c4b-4f8e-8a6d-2b5c9e0f1a01";

bool PythonCompiles(const std::string& code, const std::string& suffix = ".py") {
  auto path = std::filesystem::path(::testing::TempDir()) / ("gen_" + NewUuid() + suffix);
  {
    std::ofstream f(path);
    f << code;
  }
  std::string cmd = "python3 -m py_compile '" + path.string() + "' 2>&1";
  int rc = std::system(cmd.c_str());
  std::filesystem::remove(path);
  return rc == 0;
}

class DspyApi : public ::testing::Test {
 protected:
  void SetUp() override { ids_ = SeedThroughApi(server_, EXEMPLAR_SEED_DIR); }
  Json Export(const std::string& id, Json body) {
    auto r = server_.Post("/api/v1/templates/" + id + "/export-dspy", body);
    EXPECT_EQ(r.status, 200) << r.raw;
    return r.body;
  }
  TestServer server_;
  std::map<std::string, std::string> ids_;
};

TEST_F(DspyApi, SignatureOfASeededTemplate) {
  auto r = server_.Get("/api/v1/templates/" + ids_[kDefectTemplate] + "/dspy-signature");
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_TRUE(r.body["valid"].get<bool>());
  EXPECT_NE(r.body["python"].get<std::string>().find("(dspy.Signature)"), std::string::npos);
  EXPECT_TRUE(PythonCompiles(r.body["python"]));
  EXPECT_EQ(r.body["signature"]["input_fields"][0]["name"], "inspection_notes");
}

TEST_F(DspyApi, EveryFormatOnASeededTemplate) {
  const std::string id = ids_[kDefectTemplate];
  Json py = Export(id, {{"format", "python_module"}, {"module", "ChainOfThought"}, {"include_optimizer", true},
                        {"optimizer", {{"type", "BootstrapFewShotWithRandomSearch"}, {"num_candidate_programs", 4}}},
                        {"metric", "exact_match"}, {"selection", "balanced"}, {"max_examples", 8}});
  std::string code = py["content"];
  EXPECT_TRUE(PythonCompiles(code));
  EXPECT_NE(code.find("dspy.ChainOfThought("), std::string::npos);
  EXPECT_NE(code.find("BootstrapFewShotWithRandomSearch("), std::string::npos);
  EXPECT_NE(code.find(".with_inputs("), std::string::npos);
  EXPECT_EQ(py["example_count"], 8);
  EXPECT_EQ(py["example_ids"].size(), 8u);

  Json state_art = Export(id, {{"format", "program_state"}, {"module", "ChainOfThought"}, {"max_examples", 3}});
  Json state = Json::parse(state_art["content"].get<std::string>());
  ASSERT_TRUE(state.contains("metadata"));
  Json deps = state["metadata"]["dependency_versions"];
  EXPECT_EQ(deps.size(), 3u);
  EXPECT_TRUE(deps.contains("python") && deps.contains("dspy") && deps.contains("cloudpickle"));
  bool found_predictor = false;
  for (auto& [name, pred] : state.items()) {
    if (name == "metadata") continue;
    found_predictor = true;
    EXPECT_TRUE(pred["lm"].is_null());
    EXPECT_TRUE(pred["traces"].is_array());
    EXPECT_TRUE(pred["train"].is_array());
    ASSERT_EQ(pred["demos"].size(), 3u);
    EXPECT_TRUE(pred["demos"][0].contains("inspection_notes"));
    EXPECT_TRUE(pred["demos"][0].contains("defect_type"));
    Json fields = pred["signature"]["fields"];
    // inputs (5) then reasoning, then the 3 outputs
    ASSERT_EQ(fields.size(), 9u);
    EXPECT_EQ(fields[0]["prefix"], "Inspection Notes:");
    EXPECT_EQ(fields[5]["prefix"].get<std::string>().rfind("Reasoning", 0), 0u);  // dspy.md §4: CoT's reasoning first
    EXPECT_EQ(fields[6]["prefix"], "Defect Type:");
    EXPECT_FALSE(pred["signature"]["instructions"].get<std::string>().empty());
  }
  EXPECT_TRUE(found_predictor);

  Json jsonl = Export(id, {{"format", "dataset_jsonl"}, {"selection", "top"}, {"max_examples", 5}});
  std::string lines = jsonl["content"];
  EXPECT_EQ(std::count(lines.begin(), lines.end(), '\n'), 5);
  Json first = Json::parse(lines.substr(0, lines.find('\n')));
  EXPECT_TRUE(first.contains("detector_model"));
  Json config = Json::parse(Export(id, {{"format", "json_config"}})["content"].get<std::string>());
  EXPECT_TRUE(config.is_object());
  Json nb = Json::parse(Export(id, {{"format", "notebook"}})["content"].get<std::string>());
  EXPECT_EQ(nb["nbformat"], 4);
  std::string cells;
  for (const auto& c : nb["cells"]) {
    if (c["cell_type"] != "code") continue;
    for (const auto& l : c["source"]) cells += l.get<std::string>();
    cells += "\n";
  }
  EXPECT_TRUE(PythonCompiles(cells));
  Json similar = Export(id, {{"format", "dataset_jsonl"}, {"selection", "similar"}, {"query", "solder void"}, {"max_examples", 2}});
  EXPECT_EQ(similar["example_count"], 2);
  auto download = server_.PostRaw("/api/v1/templates/" + id + "/export-dspy?download=true",
                                  R"({"format": "python_module"})", "application/json");
  EXPECT_EQ(download.status, 200);
  EXPECT_NE(download.content_type.find("python"), std::string::npos);
  EXPECT_EQ(server_.Post("/api/v1/templates/" + id + "/export-dspy", {{"format", "pdf"}}).status, 422);
  EXPECT_EQ(server_.Post("/api/v1/templates/" + id + "/export-dspy", {{"selection", "similar"}}).status, 422);
  EXPECT_EQ(server_.Post("/api/v1/templates/" + id + "/export-dspy",
                         {{"include_optimizer", true}, {"optimizer", {{"type", "Magic"}}}}).status, 422);
}

// Examples name the root template: a later version's store export selects from its family.
TEST_F(DspyApi, StoreExportOfAVersionSelectsTheFamilysExamples) {
  const std::string root = ids_[kDefectTemplate];
  auto version = server_.Post("/api/v1/templates/" + root + "/version", Json::object());
  ASSERT_EQ(version.status, 201) << version.raw;
  auto grandchild = server_.Post("/api/v1/templates/" + version.body["id"].get<std::string>() + "/version", Json::object());
  ASSERT_EQ(grandchild.status, 201) << grandchild.raw;
  const Json body = {{"format", "program_state"}, {"example_source", "store"}, {"max_examples", 5}};
  const Json from_root = Export(root, body);
  ASSERT_EQ(from_root["example_count"], 5) << from_root.dump();
  for (const std::string& id : {version.body["id"].get<std::string>(), grandchild.body["id"].get<std::string>()}) {
    const Json from_version = Export(id, body);
    EXPECT_EQ(from_version["example_count"], 5) << from_version.dump();
    EXPECT_EQ(from_version["example_ids"], from_root["example_ids"]);
  }
  // "similar" searched the root's examples only: one that names a later version was never found.
  auto page = server_.Get("/api/v1/examples?page_size=1&databit_id=" + root);
  ASSERT_EQ(page.status, 200) << page.raw;
  Json ex = page.body["examples"][0];
  for (auto& [key, value] : ex["input"].items()) {
    if (value.is_string()) value = "zygomorphic flange oscillation in " + key;
  }
  const Json made = {{"input", ex["input"]}, {"expected_output", ex["expected_output"]},
                     {"databit_id", version.body["id"]}};
  auto created = server_.Post("/api/v1/examples", made);
  ASSERT_EQ(created.status, 201) << created.raw;
  const Json similar = {{"format", "dataset_jsonl"}, {"example_source", "store"}, {"selection", "similar"},
                        {"query", "zygomorphic flange oscillation solder void"}, {"max_examples", 3}};
  const Json found = Export(grandchild.body["id"], similar);
  EXPECT_EQ(found["example_count"], 3) << found.dump();  // the root's examples are searched too
  const auto& ids = found["example_ids"];
  EXPECT_NE(std::find(ids.begin(), ids.end(), created.body["example_id"]), ids.end()) << found.dump();
  const Json from_root_similar = Export(root, similar);  // the root's family is the root alone
  for (const auto& id : from_root_similar["example_ids"]) EXPECT_NE(id, created.body["example_id"]);
}

TEST_F(DspyApi, AdversarialTemplateStillCompiles) {
  Json t = {{"name", "Quote \"\"\" and \\ back'slash \xC3\xA9\xE4\xB8\xAD 1st"},
            {"description", "tricky"},
            {"prompt_template", "Say \"\"\"hi\"\"\" \\n and end with a backslash \\"},
            {"input_schema", {{{"name", "question"}, {"type", "string"}, {"description", "a \"quoted\"\nmultiline \\ desc \xF0\x9F\x98\x80"}}}},
            {"output_schema", {{{"name", "answer"}, {"type", "string"}, {"description", "'''single''' and \"\"\""}}}}};
  auto created = server_.Post("/api/v1/templates", t);
  ASSERT_EQ(created.status, 201) << created.raw;
  std::string id = created.body["id"];
  Json ex = {{"input", {{"question", "what about \"\"\" and \\?\n\xC3\xA9"}}}, {"expected_output", {{"answer", "ok '''"}}},
             {"databit_id", id}};
  ASSERT_EQ(server_.Post("/api/v1/examples", ex).status, 201);
  for (const char* module : {"Predict", "ChainOfThought"}) {
    Json py = Export(id, {{"format", "python_module"}, {"module", module}, {"include_optimizer", true}});
    EXPECT_TRUE(PythonCompiles(py["content"])) << py["content"].get<std::string>();
  }
  auto sig = server_.Get("/api/v1/templates/" + id + "/dspy-signature");
  EXPECT_TRUE(PythonCompiles(sig.body["python"]));
  Json state = Json::parse(Export(id, {{"format", "program_state"}})["content"].get<std::string>());
  EXPECT_TRUE(state.contains("metadata"));
}

// DSPy takes some keyword names for itself (review s18 P1-3): `self`/`instance` (Module.__call__
// and its callback wrapper: TypeError), `demos`/`config`/`lm`/`new_signature` (dspy.Predict pops
// them from the inputs). Such a field is refused on create and on PUT, naming it; a template
// stored before the rule cannot be imported into. (`base` is fine: python_module.cc writes
// examples holding it as dspy.Example({...}).)
TEST_F(DspyApi, FieldNamesDspyTakesForItselfAreRefused) {
  auto draft = server_.Post("/api/v1/templates", {{"name", "kw draft"},
                                                  {"input_schema", {{{"name", "question"}, {"type", "string"}}}},
                                                  {"output_schema", {{{"name", "answer"}, {"type", "string"}}}}});
  ASSERT_EQ(draft.status, 201) << draft.raw;
  for (const char* name : {"self", "instance", "demos", "config", "lm", "new_signature"}) {
    SCOPED_TRACE(name);
    Json t = {{"name", std::string("kw ") + name},
              {"input_schema", {{{"name", name}, {"type", "string"}}}},
              {"output_schema", {{{"name", "answer"}, {"type", "string"}}}}};
    auto created = server_.Post("/api/v1/templates", t);
    ASSERT_EQ(created.status, 422) << created.raw;
    EXPECT_EQ(created.body["detail"][0]["loc"], Json({"body", "input_schema", 0, "name"})) << created.raw;
    EXPECT_NE(created.body["detail"][0]["msg"].get<std::string>().find(std::string("`") + name + "`"), std::string::npos)
        << created.raw;
    auto put = server_.Put("/api/v1/templates/" + draft.body["id"].get<std::string>(),
                           {{"output_schema", {{{"name", name}, {"type", "string"}}}}});
    EXPECT_EQ(put.status, 422) << put.raw;
  }
  // `prediction` is popped only for an OpenAI predicted-output value: accepted with a warning.
  auto prediction = server_.Post("/api/v1/templates", {{"name", "kw prediction"},
                                                       {"input_schema", {{{"name", "prediction"}, {"type", "string"}}}},
                                                       {"output_schema", {{{"name", "answer"}, {"type", "string"}}}}});
  ASSERT_EQ(prediction.status, 201) << prediction.raw;
  auto sig = server_.Get("/api/v1/templates/" + prediction.body["id"].get<std::string>() + "/dspy-signature");
  EXPECT_NE(sig.raw.find("predict_prediction"), std::string::npos) << sig.raw;

  // A template that holds such a field from before (written to the store directly): import-dspy
  // and export refuse it with a 422 naming the field.
  Template old = *server_.runtime().store().GetTemplate(ids_[kDefectTemplate]);
  old.id = NewUuid();
  old.name = "stored before the rule";
  old.parent_template_id.reset();
  old.input_schema[0].name = "lm";
  ASSERT_TRUE(server_.runtime().store().InsertTemplate(old).ok());
  auto imported = server_.Post("/api/v1/templates/" + old.id + "/import-dspy",
                               {{"predict", {{"signature", {{"instructions", "x"}, {"fields", Json::array()}}}}}});
  ASSERT_EQ(imported.status, 422) << imported.raw;
  EXPECT_EQ(imported.body["detail"][0]["loc"], Json({"template", "lm"})) << imported.raw;
  EXPECT_NE(imported.raw.find("dspy.Predict takes"), std::string::npos) << imported.raw;
  auto exported = server_.Post("/api/v1/templates/" + old.id + "/export-dspy", {{"format", "program_state"}});
  EXPECT_EQ(exported.status, 422) << exported.raw;
}

// The exported MIPROv2 script passed the default minibatch_size 35 with a 9-example valset (80% of
// 12), and DSPy raised; a native run fits the default to the valset, and so does the script now.
// A minibatch_size the caller set is kept, with the warning.
TEST_F(DspyApi, ExportedMiproFitsTheDefaultMinibatchToTheValset) {
  Json body = {{"format", "python_module"}, {"include_optimizer", true}, {"max_examples", 12},
               {"optimizer", {{"type", "MIPROv2"}, {"auto", nullptr}, {"num_candidates", 3}, {"num_trials", 6}}}};
  Json fitted = Export(ids_[kDefectTemplate], body);
  ASSERT_EQ(fitted["example_count"], 12) << fitted.dump();
  const std::string code = fitted["content"];
  EXPECT_NE(code.find("minibatch_size=9,"), std::string::npos) << code;
  EXPECT_EQ(code.find("minibatch_size=35"), std::string::npos) << code;
  EXPECT_TRUE(PythonCompiles(code));
  auto warned = [](const Json& exported) {
    for (const auto& f : exported["findings"]) {
      if (f.value("code", "") == "optimizer_needs_examples" && f.value("field", "") == "minibatch_size") return true;
    }
    return false;
  };
  EXPECT_TRUE(warned(fitted)) << fitted["findings"].dump();
  body["optimizer"]["minibatch_size"] = 35;
  Json given = Export(ids_[kDefectTemplate], body);
  EXPECT_NE(given["content"].get<std::string>().find("minibatch_size=35,"), std::string::npos);
  EXPECT_TRUE(warned(given)) << given["findings"].dump();
}

TEST_F(DspyApi, PublishFreezesAndUnknownTemplateIs404) {
  const std::string id = ids_[kDefectTemplate];
  ASSERT_EQ(server_.Post("/api/v1/templates/" + id + "/publish", Json::object()).status, 200);
  EXPECT_EQ(server_.Put("/api/v1/templates/" + id, {{"name", "renamed"}}).status, 409);
  EXPECT_EQ(server_.Post("/api/v1/templates/00000000-0000-4000-8000-000000000000/export-dspy", Json::object()).status, 404);
  EXPECT_EQ(server_.Get("/api/v1/templates/nope/dspy-signature").status, 404);
}

}  // namespace
}  // namespace exemplar::testing
