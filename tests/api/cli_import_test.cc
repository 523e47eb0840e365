// `exemplar import` as a real process: it applies the quality policies the server would (config,
// EXEMPLAR_* environment, or --on-duplicate / --on-secret for one run) and prints each record's
// warnings; `export --templates` and `import --templates` carry a store's templates (ids,
// statuses, lineage) with its examples into another store. `--atomic` imports every record or
// none, and `exemplar seed` applies the same policies.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "common/ids.h"
#include "common/json_util.h"
#include "testing/cli_fixture.h"
#include "testing/seed_fixture.h"
#include "testing/test_server.h"

namespace exemplar {
namespace {

using testing::CliRun;
using testing::TestServer;

bool Has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

class CliImport : public testing::CliTest {
 protected:
  // The examples the store holds, through `exemplar export`.
  size_t Stored(const std::string& data = "data") {
    CliRun r = Exec("export" + D(data));
    EXPECT_EQ(r.code, 0) << r.err;
    return static_cast<size_t>(std::count(r.out.begin(), r.out.end(), '\n'));
  }
  // A copy of a templates file (one JSON object a line) as `name`, with `edit` applied to the line
  // of template `id`; its path.
  std::string WriteEdited(const std::string& file, const std::string& name, const std::string& id,
                          const std::function<void(Json&)>& edit) {
    std::ifstream in(file);
    std::string lines, line;
    while (std::getline(in, line)) {
      Json t = Json::parse(line);
      if (t["id"] == id) edit(t);
      lines += t.dump() + "\n";
    }
    return Write(name, lines);
  }
};

// Two records without client ids: importing them again is a near-duplicate, not a retry.
const char* kTwo =
    R"({"input": {"q": "what bias voltage does the HPGe detector take"}, "expected_output": {"a": "3000 V"}})"
    "\n"
    R"({"input": {"q": "how cold is the detector kept"}, "expected_output": {"a": "77 K"}})"
    "\n";

TEST_F(CliImport, DuplicatePolicyComesFromTheServersConfigAndFlags) {
  const std::string file = Write("two.jsonl", kTwo);
  CliRun first = Exec("import " + file + D());
  ASSERT_EQ(first.code, 0) << first.err;
  EXPECT_TRUE(Has(first.out, "imported 2 examples (0 already present, 0 failed, 0 warnings)")) << first.out;

  // EXEMPLAR_ON_DUPLICATE=reject, as the server reads it: both records refused, with the reason.
  CliRun env = Exec("import " + file + D(), "EXEMPLAR_ON_DUPLICATE=reject");
  EXPECT_EQ(env.code, 1);
  EXPECT_TRUE(Has(env.out, "imported 0 examples (0 already present, 2 failed")) << env.out;
  EXPECT_TRUE(Has(env.err, "record 0: ") && Has(env.err, "record 1: ")) << env.err;
  EXPECT_TRUE(Has(env.err, "on_duplicate=reject")) << env.err;
  EXPECT_EQ(Stored(), 2u);

  // The same through the config file.
  const std::string config = Write("reject.toml", "on_duplicate = \"reject\"\n");
  CliRun file_config = Exec("import " + file + " --config " + config + D());
  EXPECT_EQ(file_config.code, 1);
  EXPECT_TRUE(Has(file_config.out, "2 failed")) << file_config.out;
  EXPECT_EQ(Stored(), 2u);

  // The default (warn) stores them and says, per record, what they resemble.
  CliRun warned = Exec("import " + file + D());
  EXPECT_EQ(warned.code, 0) << warned.err;
  EXPECT_TRUE(Has(warned.out, "imported 2 examples (0 already present, 0 failed, 2 warnings)")) << warned.out;
  EXPECT_TRUE(Has(warned.err, "record 0: warning: near_duplicate: input resembles example ")) << warned.err;
  EXPECT_TRUE(Has(warned.err, "record 1: warning: near_duplicate: ")) << warned.err;
  EXPECT_TRUE(Has(warned.err, "(similarity 1)")) << warned.err;
  EXPECT_EQ(Stored(), 4u);

  // A flag overrides the environment for one run, as ?on_duplicate= does a request.
  CliRun allowed = Exec("import " + file + " --on-duplicate allow" + D(), "EXEMPLAR_ON_DUPLICATE=reject");
  EXPECT_EQ(allowed.code, 0) << allowed.err;
  EXPECT_TRUE(Has(allowed.out, "imported 2 examples (0 already present, 0 failed, 0 warnings)")) << allowed.out;
  CliRun refused = Exec("import " + file + " --on-duplicate REJECT" + D());
  EXPECT_EQ(refused.code, 1);
  EXPECT_TRUE(Has(refused.out, "2 failed")) << refused.out;
  EXPECT_EQ(Stored(), 6u);

  CliRun bad = Exec("import " + file + " --on-duplicate maybe" + D());
  EXPECT_NE(bad.code, 0);
  EXPECT_TRUE(Has(bad.err, "--on-duplicate")) << bad.err;
  EXPECT_EQ(Stored(), 6u);
}

TEST_F(CliImport, SecretPolicyComesFromTheServersConfigAndFlags) {
  const std::string file = Write(
      "secret.jsonl",
      R"({"input": {"q": "use key sk-proj-abc123DEF456ghi789JKL012mno345 for the call"}, "expected_output": {"a": "ok"}})"
      "\n"
      R"({"input": {"q": "mail bo@example.net about the drift"}, "expected_output": {"a": "sent"}})"
      "\n");
  CliRun env = Exec("import " + file + D(), "EXEMPLAR_REJECT_SECRETS=true");
  EXPECT_EQ(env.code, 1);
  EXPECT_TRUE(Has(env.out, "imported 1 examples (0 already present, 1 failed, 1 warnings)")) << env.out;
  EXPECT_TRUE(Has(env.err, "record 0: ") && Has(env.err, "secret")) << env.err;
  // The stored record's personal data is warned about, as POST /examples/import does.
  EXPECT_TRUE(Has(env.err, "record 1: warning: pii: ") && Has(env.err, "email")) << env.err;
  EXPECT_EQ(Stored(), 1u);

  const std::string secret_only = Write(
      "secret_only.jsonl",
      R"({"input": {"q": "use key sk-proj-abc123DEF456ghi789JKL012mno345 for the call"}, "expected_output": {"a": "ok"}})"
      "\n");
  CliRun flag = Exec("import " + secret_only + " --on-secret reject" + D());
  EXPECT_EQ(flag.code, 1);
  EXPECT_TRUE(Has(flag.err, "record 0: ") && Has(flag.err, "secret")) << flag.err;
  EXPECT_EQ(Stored(), 1u);

  CliRun allowed = Exec("import " + file + " --on-secret allow --on-duplicate allow" + D(), "EXEMPLAR_REJECT_SECRETS=true");
  EXPECT_EQ(allowed.code, 0) << allowed.err;
  EXPECT_TRUE(Has(allowed.err, "record 0: warning: pii: ") && Has(allowed.err, "secret")) << allowed.err;
  EXPECT_EQ(Stored(), 3u);
}

// --atomic: every record or none. An invalid record is named before anything is written; a
// refusal by a quality policy rolls the one transaction back. Without it the valid records land.
TEST_F(CliImport, AtomicImportStoresEveryRecordOrNone) {
  const std::string invalid = Write("invalid.jsonl", std::string(kTwo) + R"({"input": {"q": "no output"}})" "\n");
  CliRun refused = Exec("import " + invalid + " --atomic" + D());
  EXPECT_EQ(refused.code, 1);
  EXPECT_TRUE(Has(refused.err, "record 2: ")) << refused.err;
  EXPECT_TRUE(Has(refused.err, "1 of 3 records are invalid; nothing was imported (--atomic)")) << refused.err;
  EXPECT_EQ(Stored(), 0u);

  const std::string secret = Write(
      "secret.jsonl",
      std::string(kTwo) +
          R"({"input": {"q": "use key sk-proj-abc123DEF456ghi789JKL012mno345 for the call"}, "expected_output": {"a": "ok"}})"
          "\n");
  CliRun rolled_back = Exec("import " + secret + " --atomic --on-secret reject" + D());
  EXPECT_EQ(rolled_back.code, 1);
  EXPECT_TRUE(Has(rolled_back.err, "record 2: ") && Has(rolled_back.err, "secret") &&
              Has(rolled_back.err, "no example was imported (--atomic)"))
      << rolled_back.err;
  EXPECT_EQ(Stored(), 0u);

  CliRun chunked = Exec("import " + secret + " --on-secret reject" + D());
  EXPECT_EQ(chunked.code, 1);
  EXPECT_TRUE(Has(chunked.out, "imported 2 examples (0 already present, 1 failed")) << chunked.out;
  EXPECT_EQ(Stored(), 2u);

  const std::string more = Write(
      "more.jsonl", R"({"input": {"q": "which shield surrounds the crystal"}, "expected_output": {"a": "lead"}})" "\n");
  CliRun whole = Exec("import " + more + " --atomic" + D());
  EXPECT_EQ(whole.code, 0) << whole.err;
  EXPECT_TRUE(Has(whole.out, "imported 1 examples (0 already present, 0 failed")) << whole.out;
  EXPECT_EQ(Stored(), 3u);
}

// `exemplar seed` applies the deployment's quality policies as an import does.
TEST_F(CliImport, SeedAppliesTheQualityPolicies) {
  std::filesystem::create_directories(dir_ / "seed");
  Write("seed/examples.jsonl",
        R"({"client_id": "s-1", "input": {"q": "use key sk-proj-abc123DEF456ghi789JKL012mno345 for the call"}, )"
        R"("expected_output": {"a": "ok"}})"
        "\n"
        R"({"client_id": "s-2", "input": {"q": "how cold is the detector kept"}, "expected_output": {"a": "77 K"}})"
        "\n");
  const std::string seed_dir = " --seed-dir " + (dir_ / "seed").string();
  CliRun refused = Exec("seed" + seed_dir + D(), "EXEMPLAR_REJECT_SECRETS=true");
  EXPECT_EQ(refused.code, 1);
  EXPECT_TRUE(Has(refused.err, "seed example 1: ") && Has(refused.err, "secret")) << refused.err;
  EXPECT_EQ(Stored(), 1u);

  CliRun warned = Exec("seed" + seed_dir + D());
  EXPECT_EQ(warned.code, 0) << warned.err;
  EXPECT_TRUE(Has(warned.err, "seed example 1: warning: pii: ") && Has(warned.err, "secret")) << warned.err;
  EXPECT_TRUE(Has(warned.out, "seeded 0 templates, 1 examples (1 already present)")) << warned.out;
  EXPECT_EQ(Stored(), 2u);
}

// The fields of a template or example that a store sets itself and a restore starts afresh.
const std::set<std::string> kFresh = {"created_at", "updated_at", "created_by"};

void ExpectSameFields(const Json& source, const Json& copy, const std::set<std::string>& fresh) {
  ASSERT_TRUE(source.is_object() && copy.is_object()) << source << copy;
  for (const auto& [key, value] : source.items()) {
    if (fresh.count(key)) continue;
    EXPECT_EQ(copy.value(key, Json()), value) << key << " of " << source.value("id", "");
  }
}

// Version, derivation and demo edges of a template's upstream lineage.
std::set<std::tuple<std::string, std::string, std::string>> Upstream(TestServer& server, const std::string& id) {
  std::set<std::tuple<std::string, std::string, std::string>> out;
  Json graph = server.Get("/api/v1/templates/" + id + "/lineage?direction=upstream").body;
  for (const auto& e : graph["edges"]) out.insert({e.value("source", ""), e.value("target", ""), e.value("type", "")});
  return out;
}

TEST_F(CliImport, ExportWithTemplatesRoundTripsIntoAnEmptyStore) {
  TestServer source;
  const Json schema = {{"input_schema", {{{"name", "q"}, {"type", "string"}, {"required", true}}}},
                       {"output_schema", {{{"name", "a"}, {"type", "string"}, {"required", true}}}}};
  Json body = schema;
  body["name"] = "triage";
  body["prompt_template"] = "Answer {q}";
  auto root = source.Post("/api/v1/templates", body);
  ASSERT_EQ(root.status, 201) << root.raw;
  const std::string a = root.body["id"];
  ASSERT_EQ(source.Post("/api/v1/templates/" + a + "/publish", Json::object()).status, 200);
  auto version = source.Post("/api/v1/templates/" + a + "/version", Json::object());
  ASSERT_EQ(version.status, 201) << version.raw;
  const std::string b = version.body["id"];
  body = schema;
  body["name"] = "routing";
  body["derived_from"] = {a};
  auto derived = source.Post("/api/v1/templates", body);
  ASSERT_EQ(derived.status, 201) << derived.raw;
  const std::string c = derived.body["id"];
  ASSERT_EQ(source.Post("/api/v1/templates/" + c + "/archive", Json::object()).status, 200);

  std::vector<std::string> examples;
  auto add = [&](const std::string& q, const Json& databit, const Json& client) {
    Json e = {{"input", {{"q", q}}}, {"expected_output", {{"a", "x"}}}, {"domain", "detectors"}, {"capability_tags", {"t1"}}};
    if (!databit.is_null()) e["databit_id"] = databit;
    if (!client.is_null()) e["client_id"] = client;
    auto r = source.Post("/api/v1/examples", e);
    ASSERT_EQ(r.status, 201) << r.raw;
    examples.push_back(r.body["example_id"]);
  };
  add("bias voltage drift", a, "c-1");
  add("leakage current", a, nullptr);
  add("cooling failure", b, nullptr);
  add("energy calibration", c, nullptr);
  add("no template at all", nullptr, "c-5");
  // The draft version demonstrates one example: a demo_of edge the copy must have too.
  auto demo = source.Put("/api/v1/templates/" + b,
                         {{"examples", {{{"input", {{"q", "cooling failure"}}}, {"output", {{"a", "x"}}},
                                         {"example_id", examples[2]}}}}});
  ASSERT_EQ(demo.status, 200) << demo.raw;

  std::map<std::string, Json> templates_before, examples_before;
  std::map<std::string, std::set<std::tuple<std::string, std::string, std::string>>> lineage_before;
  for (const auto& id : {a, b, c}) {
    templates_before[id] = source.Get("/api/v1/templates/" + id).body;
    lineage_before[id] = Upstream(source, id);
  }
  ASSERT_TRUE(lineage_before[b].count({"template:" + a, "template:" + b, "version_of"}));
  ASSERT_TRUE(lineage_before[b].count({"example:" + examples[2], "template:" + b, "demo_of"}));
  ASSERT_TRUE(lineage_before[c].count({"template:" + a, "template:" + c, "derived_from"}));
  for (const auto& id : examples) examples_before[id] = source.Get("/api/v1/examples/" + id).body;
  source.Stop();

  const std::string from = " --data-dir " + source.data_dir().string();
  const std::string all = (dir_ / "all.jsonl").string(), tpl = (dir_ / "templates.jsonl").string();
  CliRun exported = Exec("export -o " + all + " --templates " + tpl + from);
  ASSERT_EQ(exported.code, 0) << exported.err;
  EXPECT_TRUE(Has(exported.err, "exported 3 templates to " + tpl)) << exported.err;

  // Without the templates file, the records naming templates are refused and the error says how
  // to bring them along.
  CliRun bare = Exec("import " + all + D("fresh"));
  EXPECT_EQ(bare.code, 1);
  EXPECT_TRUE(Has(bare.out, "imported 1 examples (0 already present, 4 failed")) << bare.out;
  EXPECT_TRUE(Has(bare.err, "records name 3 template(s) this store does not have")) << bare.err;
  EXPECT_TRUE(Has(bare.err, "exemplar export --templates") && Has(bare.err, "--templates TEMPLATES.jsonl")) << bare.err;

  CliRun imported = Exec("import " + all + " --templates " + tpl + D("fresh"));
  ASSERT_EQ(imported.code, 0) << imported.err;
  EXPECT_TRUE(Has(imported.out, "restored 3 templates (0 already present)")) << imported.out;
  EXPECT_TRUE(Has(imported.out, "imported 4 examples (1 already present, 0 failed")) << imported.out;
  CliRun again = Exec("import " + all + " --templates " + tpl + D("fresh"));
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_TRUE(Has(again.out, "restored 0 templates (3 already present)")) << again.out;
  EXPECT_TRUE(Has(again.out, "imported 0 examples (5 already present, 0 failed")) << again.out;

  Config copy_config;
  copy_config.db = (dir_ / "fresh" / "exemplar.db").string();
  TestServer copy(copy_config);
  for (const auto& [id, before] : templates_before) {
    auto after = copy.Get("/api/v1/templates/" + id);
    ASSERT_EQ(after.status, 200) << id;
    ExpectSameFields(before, after.body, kFresh);
    EXPECT_EQ(Upstream(copy, id), lineage_before[id]) << id;
  }
  for (const auto& [id, before] : examples_before) {
    auto after = copy.Get("/api/v1/examples/" + id);
    ASSERT_EQ(after.status, 200) << id;
    ExpectSameFields(before, after.body, kFresh);
  }
  EXPECT_EQ(copy.Get("/api/v1/templates").body["total"], 3);
  EXPECT_EQ(copy.Get("/api/v1/examples").body["total"], 5);

  // A template id that holds other content in the store is refused, not replaced.
  const std::string other = WriteEdited(tpl, "other.jsonl", a, [](Json& t) { t["prompt_template"] = "Something else: {q}"; });
  copy.Stop();
  CliRun conflict = Exec("import " + all + " --templates " + other + D("fresh"));
  EXPECT_EQ(conflict.code, 1);
  EXPECT_TRUE(Has(conflict.err, "template " + a) && Has(conflict.err, "other content (prompt_template)")) << conflict.err;

  // Another id with a name and version the store holds is refused too; so is a bad line, by
  // its number and field, before any template is stored.
  Json twin = templates_before[a];
  twin["id"] = NewUuid();
  CliRun taken = Exec("import " + all + " --templates " + Write("twin.jsonl", twin.dump() + "\n") + D("fresh"));
  EXPECT_EQ(taken.code, 1);
  EXPECT_TRUE(Has(taken.err, "another template named 'triage' with version 1.0.0")) << taken.err;
  Json retired = twin;
  retired["status"] = "retired";
  CliRun bad = Exec("import " + all + " --templates " + Write("bad.jsonl", "\n" + retired.dump() + "\n") + D("fresh"));
  EXPECT_EQ(bad.code, 1);
  EXPECT_TRUE(Has(bad.err, "bad.jsonl line 2: status: must be one of: draft, published, archived")) << bad.err;
}


// A version made from a DSPy program (imported, or a run's accepted result) exports as that
// program: its module, its own demo set even when empty. Restored from `export --templates` into
// another store it lost that origin and exported a Predict with the store's examples as demos.
TEST_F(CliImport, ExportWithTemplatesKeepsTheProgramAVersionCameFrom) {
  TestServer source;
  auto ids = testing::SeedThroughApi(source, EXEMPLAR_SEED_DIR);
  std::ifstream program_file(std::string(EXEMPLAR_DSPY_IMPORT_DIR) + "/bare_chain_of_thought.json");
  Json state = Json::parse(std::string(std::istreambuf_iterator<char>(program_file), {}));
  state["predict"]["demos"] = Json::array();
  auto imported = source.Post("/api/v1/templates/" + ids["e5a2d7c9-3f18-4b6a-8d4e-9c1b0a6f2e03"] + "/import-dspy", state);
  ASSERT_EQ(imported.status, 201) << imported.raw;
  auto launched = source.Post("/api/v1/dspy-runs", {{"template_id", ids["7d3e9a52-1c4b-4f8e-8a6d-2b5c9e0f1a01"]},
                                                    {"lm", {{"provider", "offline"}}},
                                                    {"optimizer_type", "LabeledFewShot"},
                                                    {"optimizer_params", {{"k", 3}}},
                                                    {"module", "ChainOfThought"}});
  ASSERT_EQ(launched.status, 201) << launched.raw;
  const std::string run_id = launched.body["run_id"];
  ASSERT_EQ(testing::WaitForRun(source, run_id)["status"], "completed");
  auto accepted = source.Post("/api/v1/dspy-runs/" + run_id + "/accept", Json::object());
  ASSERT_EQ(accepted.status, 201) << accepted.raw;
  const std::string from_import = imported.body["template"]["id"], from_run = accepted.body["template"]["id"];

  // What each version exports, by format: the copy must export the same.
  auto exports = [&](TestServer& server, const std::string& id) {
    std::map<std::string, Json> out;
    for (const char* format : {"program_state", "python_module"}) {
      auto r = server.Post("/api/v1/templates/" + id + "/export-dspy", {{"format", format}});
      EXPECT_EQ(r.status, 200) << r.raw;
      out[format] = {{"content", r.body["content"]}, {"example_count", r.body["example_count"]}};
    }
    return out;
  };
  const auto import_before = exports(source, from_import), run_before = exports(source, from_run);
  // The marks only the server writes (the version each demo trained on) are restored as exported.
  const Json run_demos = source.Get("/api/v1/templates/" + from_run).body["examples"];
  ASSERT_TRUE(!run_demos.empty() && run_demos[0].contains("example_version")) << run_demos.dump();
  ASSERT_EQ(import_before.at("program_state")["example_count"], 0);
  ASSERT_NE(import_before.at("python_module")["content"].get<std::string>().find("dspy.ChainOfThought("),
            std::string::npos);
  ASSERT_NE(run_before.at("python_module")["content"].get<std::string>().find("dspy.ChainOfThought("),
            std::string::npos);
  source.Stop();

  const std::string from = " --data-dir " + source.data_dir().string();
  const std::string all = (dir_ / "all.jsonl").string(), tpl = (dir_ / "templates.jsonl").string();
  CliRun exported = Exec("export -o " + all + " --templates " + tpl + from);
  ASSERT_EQ(exported.code, 0) << exported.err;
  CliRun restored = Exec("import " + all + " --templates " + tpl + D("fresh"));
  ASSERT_EQ(restored.code, 0) << restored.err;
  {
    Config copy_config;
    copy_config.db = (dir_ / "fresh" / "exemplar.db").string();
    TestServer copy(copy_config);
    EXPECT_EQ(exports(copy, from_import), import_before);
    EXPECT_EQ(exports(copy, from_run), run_before);
    EXPECT_EQ(copy.Get("/api/v1/templates/" + from_run).body["examples"], run_demos);
    const auto lineage = Upstream(copy, from_run);
    EXPECT_TRUE(lineage.count({"dspy_program:ChainOfThought:run-" + run_id, "template:" + from_run, "imported_as"}))
        << "the run stayed behind; its program is named";
  }

  // A line naming no program DSPy could have made is refused by its number, before anything is stored.
  // A name without the program's id ("ChainOfThought") restored as a legacy node that names no
  // module, and the copy exported a Predict.
  for (const char* node : {"Bogus:1", "ChainOfThought", "Predict:run-", "ChainOfThought:deadbeef", "Predict:run-x"}) {
    const std::string bogus = WriteEdited(tpl, "bogus.jsonl", from_run, [&](Json& t) { t["dspy_program"] = node; });
    std::filesystem::remove_all(dir_ / "other");
    CliRun bad = Exec("import --templates " + bogus + " " + Write("none.jsonl", "") + D("other"));
    EXPECT_EQ(bad.code, 1) << node;
    EXPECT_TRUE(Has(bad.err, "bogus.jsonl line") && Has(bad.err, "dspy_program must name the program"))
        << node << ": " << bad.err;
  }
}

// A demo names the version of the example it holds (example_version), as the store that linked it
// counts them; an example imported into another store starts its history again at 1. The copy
// took the numbers as they were, so after two edits there its attribution said the demo held the
// current version (3 of 3) although its label had been edited twice (review s22 loops P2-2). The
// link now counts the copy's versions: the demo holds version 1, and the edits show.
TEST_F(CliImport, ImportedDemoMarksCountTheCopysVersions) {
  TestServer source;
  auto root = source.Post("/api/v1/templates", {{"name", "Demo marks"},
                                                {"input_schema", {{{"name", "text"}, {"type", "string"}}}},
                                                {"output_schema", {{{"name", "label"}, {"type", "string"}}}},
                                                {"prompt_template", "Classify {text}"}});
  ASSERT_EQ(root.status, 201) << root.raw;
  const std::string t = root.body["id"];
  auto created = source.Post("/api/v1/examples", {{"input", {{"text", "good phone"}}},
                                                  {"expected_output", {{"label", "neutral"}}},
                                                  {"databit_id", t}});
  ASSERT_EQ(created.status, 201) << created.raw;
  const std::string x = created.body["example_id"];
  for (const char* label : {"positive", "pos"}) {
    ASSERT_EQ(source.Put("/api/v1/examples/" + x, {{"expected_output", {{"label", label}}}}).status, 200);
  }
  auto program = source.Post("/api/v1/templates/" + t + "/export-dspy",
                             {{"format", "program_state"}, {"example_source", "store"}});
  ASSERT_EQ(program.status, 200) << program.raw;
  auto imported = source.Post("/api/v1/templates/" + t + "/import-dspy",
                              Json::parse(program.body["content"].get<std::string>()));
  ASSERT_EQ(imported.status, 201) << imported.raw;
  ASSERT_EQ(imported.body["demos"][0]["example_version"], 3) << imported.raw;  // the source's count
  const std::string v = imported.body["template"]["id"];
  source.Stop();

  const std::string all = (dir_ / "all.jsonl").string(), tpl = (dir_ / "templates.jsonl").string();
  ASSERT_EQ(Exec("export -o " + all + " --templates " + tpl + " --data-dir " + source.data_dir().string()).code, 0);
  CliRun restored = Exec("import " + all + " --templates " + tpl + D("copy"));
  ASSERT_EQ(restored.code, 0) << restored.err;
  Config copy_config;
  copy_config.db = (dir_ / "copy" / "exemplar.db").string();
  TestServer copy(copy_config);
  // (version the demo holds, the example's current version) in the copy's attribution of `v`.
  auto demo_versions = [&] {
    const Json a = copy.Get("/api/v1/templates/" + v + "/attribution").body;
    for (const auto& e : a["examples"]) {
      if (e["example_id"] == x) {
        EXPECT_EQ(a["inline_examples"][0]["version"], e["version"]) << a.dump();
        return std::make_pair(e["version"], e["current_version"]);
      }
    }
    ADD_FAILURE() << a.dump();
    return std::make_pair(Json(), Json());
  };
  EXPECT_EQ(demo_versions(), std::make_pair(Json(1), Json(1)));  // the copy's example holds the demo
  for (const char* label : {"neg", "neutral"}) {
    ASSERT_EQ(copy.Put("/api/v1/examples/" + x, {{"expected_output", {{"label", label}}}}).status, 200);
  }
  EXPECT_EQ(demo_versions(), std::make_pair(Json(1), Json(3))) << "the demo was taken before both edits";
}

// Review s24 loops2 P2-3: a demo linked "exact" to version 1 of its example, whose label was
// edited before the store was copied. In the copy the example's history restarts with the edited
// label as version 1, so no version there holds the demo's label, yet the link still read "exact".
// It now reads as the comparison does: "input" (the labels differ).
TEST_F(CliImport, ACopysDemoLinkSaysWhenNoVersionHoldsItsLabels) {
  TestServer source;
  auto root = source.Post("/api/v1/templates", {{"name", "Relabelled"},
                                                {"input_schema", {{{"name", "text"}, {"type", "string"}}}},
                                                {"output_schema", {{{"name", "label"}, {"type", "string"}}}},
                                                {"prompt_template", "Classify {text}"}});
  ASSERT_EQ(root.status, 201) << root.raw;
  const std::string t = root.body["id"];
  auto created = source.Post("/api/v1/examples", {{"input", {{"text", "40 plus 89"}}},
                                                  {"expected_output", {{"label", "129"}}}, {"databit_id", t}});
  ASSERT_EQ(created.status, 201) << created.raw;
  const std::string x = created.body["example_id"];
  auto program = source.Post("/api/v1/templates/" + t + "/export-dspy", {{"format", "program_state"}, {"example_source", "store"}});
  ASSERT_EQ(program.status, 200) << program.raw;
  auto imported = source.Post("/api/v1/templates/" + t + "/import-dspy", Json::parse(program.body["content"].get<std::string>()));
  ASSERT_EQ(imported.status, 201) << imported.raw;
  ASSERT_EQ(imported.body["demos"][0]["match"], "exact") << imported.raw;
  ASSERT_EQ(source.Put("/api/v1/examples/" + x, {{"expected_output", {{"label", "130"}}}}).status, 200);
  const std::string v = imported.body["template"]["id"];
  auto inline_link = [&](TestServer& s) { return s.Get("/api/v1/templates/" + v + "/attribution").body["inline_examples"][0]; };
  EXPECT_EQ(inline_link(source)["match"], "exact") << "version 1 here holds the demo";
  source.Stop();

  const std::string all = (dir_ / "all.jsonl").string(), tpl = (dir_ / "templates.jsonl").string();
  ASSERT_EQ(Exec("export -o " + all + " --templates " + tpl + " --data-dir " + source.data_dir().string()).code, 0);
  CliRun restored = Exec("import " + all + " --templates " + tpl + D("copy"));
  ASSERT_EQ(restored.code, 0) << restored.err;
  Config copy_config;
  copy_config.db = (dir_ / "copy" / "exemplar.db").string();
  TestServer copy(copy_config);
  const Json link = inline_link(copy);
  EXPECT_EQ(link["example_id"], x) << link;
  EXPECT_EQ(link["match"], "input") << link;
}

}  // namespace
}  // namespace exemplar
