// Importing programs that real DSPy saved (tests/data/dspy_import: files DSPy 3.3.1 wrote for the
// seeded calibration template): COPRO's rewritten prefix, labeled demos with dataset keys, bare
// Predict and ChainOfThought files, 2.5-era files, repeats of an import, and demos that hold a
// purged example's content.
#include <gtest/gtest.h>

#include <httplib.h>

#include <set>
#include <thread>

#include "testing/db_sql.h"
#include "testing/dspy_saved_programs.h"
#include "testing/seed_fixture.h"

namespace exemplar::testing {
namespace {

class DspyImport : public ::testing::Test {
 protected:
  void SetUp() override { tid_ = SeedThroughApi(server_, EXEMPLAR_SEED_DIR)[kCalibrationTemplate]; }
  HttpResult Import(const std::string& template_id, const Json& state, const std::string& query = "") {
    return server_.Post("/api/v1/templates/" + template_id + "/import-dspy" + query, state);
  }
  size_t VersionCount() { return server_.Get("/api/v1/templates/" + tid_ + "/versions").body["versions"].size(); }

  TestServer server_;
  std::string tid_;
};

// COPRO rewrites the last output field's prefix with the instructions; no DSPy adapter of 2.6–3.3
// puts a prefix into the prompt, so the program imports and the change is reported.
TEST_F(DspyImport, CoproRewrittenPrefixIsReportedNotRefused) {
  const Json state = LoadSavedProgram("copro_predict.json");
  auto r = Import(tid_, state);
  ASSERT_EQ(r.status, 201) << r.raw;
  EXPECT_EQ(r.body["module"], "Predict");
  const Json changed = FindingsWithCode(r.body, "prefix_changed");
  ASSERT_EQ(changed.size(), 1u) << r.raw;
  EXPECT_EQ(changed[0]["severity"], "warning");
  EXPECT_EQ(changed[0]["field"], "calibration_action");
  EXPECT_NE(changed[0]["message"].get<std::string>().find("`unknown`"), std::string::npos);
  EXPECT_EQ(r.body["template"]["prompt_template"], "unknown");  // COPRO's instructions
  // Another field's prefix in a field's place means fields out of order: still a 422.
  Json swapped = state;
  std::swap(swapped["predict"]["signature"]["fields"][0], swapped["predict"]["signature"]["fields"][1]);
  auto bad = Import(tid_, swapped);
  EXPECT_EQ(bad.status, 422) << bad.raw;
  EXPECT_NE(bad.raw.find("not in the order"), std::string::npos) << bad.raw;
}

// DSPy's labeled demos are the raw training examples: dataset keys ride along and are ignored.
TEST_F(DspyImport, LabeledDemosWithDatasetKeysImportAndTheKeysAreReportedOnce) {
  const Json state = LoadSavedProgram("labeled_demos_chain_of_thought.json");
  auto r = Import(tid_, state);
  ASSERT_EQ(r.status, 201) << r.raw;
  EXPECT_EQ(r.body["module"], "ChainOfThought");
  ASSERT_EQ(r.body["demos"].size(), 3u);
  for (const auto& d : r.body["demos"]) EXPECT_NE(d["match"], "none") << r.raw;
  const Json ignored = FindingsWithCode(r.body, "demo_keys_ignored");
  ASSERT_EQ(ignored.size(), 1u) << r.raw;
  const std::string msg = ignored[0]["message"];
  for (const char* key : {"`dspy_split`", "`dspy_uuid`", "`explanation`"}) EXPECT_NE(msg.find(key), std::string::npos) << msg;
  EXPECT_EQ(r.body["template"].dump().find("dspy_uuid"), std::string::npos) << "ignored keys are not stored";

  // An unmatched demo's `explanation` becomes the explanation of the example created from it.
  Json novel = state;
  novel["predict.predict"]["demos"][0]["detector_model"] = "a detector written by hand in the notebook";
  auto created = Import(tid_, novel, "?create_examples=true");
  ASSERT_EQ(created.status, 201) << created.raw;
  ASSERT_EQ(created.body["created_example_ids"].size(), 1u) << created.raw;
  auto example = server_.Get("/api/v1/examples/" + created.body["created_example_ids"][0].get<std::string>());
  EXPECT_EQ(example.body["explanation"], "why");

  // A demo without any field of the signature, or not an object, is still refused.
  Json keys_only = state;
  keys_only["predict.predict"]["demos"][1] = {{"dspy_uuid", "u9"}, {"dspy_split", "train"}};
  auto bad = Import(tid_, keys_only);
  EXPECT_EQ(bad.status, 422) << bad.raw;
  EXPECT_NE(bad.raw.find("no input field"), std::string::npos) << bad.raw;
  Json not_object = state;
  not_object["predict.predict"]["demos"][1] = "drift";
  EXPECT_EQ(Import(tid_, not_object).status, 422);
  // A file that is not JSON is a malformed body, a 400 as on every route, naming what was expected.
  auto broken = server_.PostRaw("/api/v1/templates/" + tid_ + "/import-dspy", "{", "application/json");
  EXPECT_EQ(broken.status, 400) << broken.raw;
  EXPECT_EQ(broken.body["code"], "malformed_request") << broken.raw;
  EXPECT_NE(broken.raw.find("program.save()"), std::string::npos) << broken.raw;
}

// Instructions DSPy holds unchanged (placeholders shown as `field`) keep the parent's prompt.
TEST_F(DspyImport, UnchangedInstructionsKeepTheParentsPromptAndPlaceholders) {
  const Json parent = server_.Get("/api/v1/templates/" + tid_).body;
  ASSERT_NE(parent["prompt_template"].get<std::string>().find("{detector_model}"), std::string::npos);
  auto r = Import(tid_, PredictProgram());
  ASSERT_EQ(r.status, 201) << r.raw;
  EXPECT_EQ(r.body["template"]["prompt_template"], parent["prompt_template"]);
}

// A bare dspy.Predict(S).save() is the predictor's state itself; a bare ChainOfThought's key is
// `predict`. Which module it is comes from the `reasoning` field, not from the key.
TEST_F(DspyImport, BarePredictAndChainOfThoughtFilesAreToldApartByTheirFields) {
  const Json flat = LoadSavedProgram("bare_predict.json");
  auto predict = Import(tid_, flat);
  ASSERT_EQ(predict.status, 201) << predict.raw;
  EXPECT_EQ(predict.body["module"], "Predict");
  EXPECT_EQ(predict.body["demos"].size(), 1u);
  EXPECT_NE(predict.body["demos"][0]["match"], "none") << predict.raw;

  const Json cot = LoadSavedProgram("bare_chain_of_thought.json");
  auto chain = Import(tid_, cot);
  ASSERT_EQ(chain.status, 201) << chain.raw;
  EXPECT_EQ(chain.body["module"], "ChainOfThought");

  // A Predict saved under `predict.predict` (a wrapper module) is still a Predict (imported into
  // the new version: into the template it would repeat the bare file's content).
  Json wrapped = {{"predict.predict", flat}, {"metadata", flat["metadata"]}};
  wrapped["predict.predict"].erase("metadata");
  auto wrapped_r = Import(predict.body["template"]["id"], wrapped);
  ASSERT_EQ(wrapped_r.status, 201) << wrapped_r.raw;
  EXPECT_EQ(wrapped_r.body["module"], "Predict");
}

// DSPy 2.6+ raise NotImplementedError on `extended_signature`: the import says so.
TEST_F(DspyImport, ExtendedSignatureOfDspy25IsRefusedWithTheReason) {
  Json old = LoadSavedProgram("bare_chain_of_thought.json");
  old["predict"]["extended_signature"] = old["predict"]["signature"];
  auto r = Import(tid_, old);
  ASSERT_EQ(r.status, 422) << r.raw;
  EXPECT_NE(r.raw.find("extended_signature"), std::string::npos) << r.raw;
  EXPECT_NE(r.raw.find("NotImplementedError"), std::string::npos) << r.raw;
}

TEST_F(DspyImport, ImportingTheSameContentAgainReturnsTheVersionItMade) {
  const Json flat = PredictProgram();
  auto first = Import(tid_, flat);
  ASSERT_EQ(first.status, 201) << first.raw;
  EXPECT_EQ(first.body["already_imported"], false);
  const size_t versions = VersionCount();
  auto again = Import(tid_, flat);
  ASSERT_EQ(again.status, 200) << again.raw;
  EXPECT_EQ(again.body["already_imported"], true);
  EXPECT_EQ(again.body["template"]["id"], first.body["template"]["id"]);
  EXPECT_EQ(VersionCount(), versions);
  // Other content, or another parent, makes a new version.
  Json rewritten = flat;
  rewritten["predict"]["signature"]["instructions"] = "Assess the drift.";
  auto other = Import(tid_, rewritten);
  ASSERT_EQ(other.status, 201) << other.raw;
  EXPECT_NE(other.body["template"]["id"], first.body["template"]["id"]);
  auto elsewhere = Import(first.body["template"]["id"], flat);
  EXPECT_EQ(elsewhere.status, 201) << elsewhere.raw;
}

// Repeats were found only by what an earlier import had stored: identical imports sent at the same
// moment each made a version (and, creating examples, an example per demo each).
TEST_F(DspyImport, IdenticalImportsAtOnceMakeOneVersion) {
  Json state = PredictProgram();
  state["predict"]["demos"][0]["detector_model"] = "a demo no stored example holds";
  const size_t versions = VersionCount();
  const int64_t examples_before = server_.Get("/api/v1/examples?page_size=1").body.value("total", -1);
  constexpr int kClients = 6;
  std::vector<std::thread> threads;
  std::vector<int> status(kClients, 0);
  std::vector<Json> bodies(kClients);
  for (int t = 0; t < kClients; ++t) {
    threads.emplace_back([&, t] {
      httplib::Client c("127.0.0.1", server_.port());
      auto r = c.Post(("/api/v1/templates/" + tid_ + "/import-dspy?create_examples=true").c_str(), state.dump(),
                      "application/json");
      if (!r) return;
      status[t] = r->status;
      bodies[t] = Json::parse(r->body, nullptr, false);
    });
  }
  for (auto& th : threads) th.join();
  std::set<std::string> made;
  int created = 0;
  for (int t = 0; t < kClients; ++t) {
    ASSERT_TRUE(status[t] == 201 || status[t] == 200) << status[t] << " " << bodies[t].dump();
    created += status[t] == 201;
    made.insert(bodies[t]["template"]["id"].get<std::string>());
  }
  EXPECT_EQ(created, 1);
  EXPECT_EQ(made.size(), 1u);
  EXPECT_EQ(VersionCount(), versions + 1);
  EXPECT_EQ(server_.Get("/api/v1/examples?page_size=1").body.value("total", -1), examples_before + 1);
}

// The reviewer's case: an example the first import created (?create_examples=true) deleted, then
// the same program imported again. The repeat answered the first version, which links the deleted
// example, yet created another example (linked from nothing) and reported the demo as that one.
// A repeat answers the version it returns, and creates nothing.
TEST_F(DspyImport, ARepeatAnswersItsOwnLinksAndCreatesNoExample) {
  Json state = PredictProgram();
  state["predict"]["demos"][0]["detector_model"] = "a detector only this program has";
  auto first = Import(tid_, state, "?create_examples=true");
  ASSERT_EQ(first.status, 201) << first.raw;
  ASSERT_EQ(first.body["created_example_ids"].size(), 1u) << first.raw;
  const std::string created = first.body["created_example_ids"][0];
  ASSERT_EQ(first.body["demos"][0]["example_id"], created) << first.raw;
  ASSERT_EQ(server_.Delete("/api/v1/examples/" + created).status, 204);
  const int64_t examples_before = server_.Get("/api/v1/examples?page_size=1").body.value("total", -1);

  for (const char* query : {"?create_examples=true", ""}) {
    SCOPED_TRACE(query);
    auto again = Import(tid_, state, query);
    ASSERT_EQ(again.status, 200) << again.raw;
    EXPECT_EQ(again.body["already_imported"], true);
    EXPECT_EQ(again.body["template"]["id"], first.body["template"]["id"]);
    EXPECT_EQ(again.body["created_example_ids"], Json::array()) << again.raw;
    const Json& demo = again.body["demos"][0];
    EXPECT_EQ(demo["example_id"], created) << demo.dump();
    EXPECT_EQ(demo["example_version"], 1) << demo.dump();
    EXPECT_EQ(demo["match"], "created") << demo.dump();
    EXPECT_EQ(demo["deleted"], true) << demo.dump();
    EXPECT_EQ(again.body["unmatched"], first.body["unmatched"]) << again.raw;
    EXPECT_EQ(FindingsWithCode(again.body, "deleted_demos").size(), 1u) << again.raw;
    EXPECT_EQ(server_.Get("/api/v1/examples?page_size=1").body.value("total", -1), examples_before);
  }
  // Restored, it is the demo's example again, and the repeat says so.
  ASSERT_EQ(server_.Post("/api/v1/examples/" + created + "/restore", Json::object()).status, 200);
  auto restored = Import(tid_, state, "?create_examples=true");
  ASSERT_EQ(restored.status, 200) << restored.raw;
  EXPECT_EQ(restored.body["demos"][0]["example_id"], created);
  EXPECT_FALSE(restored.body["demos"][0].contains("deleted")) << restored.raw;
  EXPECT_EQ(restored.body["created_example_ids"], Json::array());
}

// A purge erases an example's content for good: an old program still holding it does not bring
// it back, neither as a new example nor in the version's demos.
TEST_F(DspyImport, APurgedExamplesContentIsNotCreatedAgain) {
  const std::string secret = "unit 7 of a customer who asked to be forgotten";
  Json state = PredictProgram();
  state["predict"]["demos"][0]["detector_model"] = secret;
  auto made = Import(tid_, state, "?create_examples=true");
  ASSERT_EQ(made.status, 201) << made.raw;
  ASSERT_EQ(made.body["created_example_ids"].size(), 1u) << made.raw;
  const std::string purged_id = made.body["created_example_ids"][0];
  ASSERT_EQ(server_.Delete("/api/v1/examples/" + purged_id + "?purge=true").status, 204);
  const int64_t examples_before = server_.Get("/api/v1/examples?page_size=1").body.value("total", -1);

  auto r = Import(tid_, state, "?create_examples=true");
  ASSERT_EQ(r.status, 201) << r.raw;
  EXPECT_TRUE(r.body["created_example_ids"].empty()) << r.raw;
  EXPECT_EQ(r.body["demos"][0]["match"], "none");
  EXPECT_EQ(r.body["demos"][0]["purged"], true) << r.raw;
  EXPECT_EQ(r.body["demos"][0]["reason"], "matches a purged example");
  EXPECT_EQ(r.body["unmatched"], Json::array({0}));
  EXPECT_EQ(r.body["template"]["examples"][0],
            Json({{"example_id", purged_id}, {"purged", true}, {"source", "dspy_import"}}));
  EXPECT_EQ(r.raw.find(secret), std::string::npos) << r.raw;
  EXPECT_EQ(FindingsWithCode(r.body, "purged_demos").size(), 1u) << r.raw;
  EXPECT_EQ(server_.Get("/api/v1/examples?page_size=1").body.value("total", -1), examples_before);

  // A seeded example (with an explanation) purged, and a demo carrying its content, explanation
  // key included as a raw DSPy example would: not stored either.
  const Json seeded = server_.Get("/api/v1/examples/databit/" + tid_ + "?page_size=1").body["examples"][0];
  ASSERT_EQ(server_.Delete("/api/v1/examples/" + seeded["example_id"].get<std::string>() + "?purge=true").status, 204);
  Json demo = seeded["input"];
  demo.update(seeded["expected_output"]);
  demo["explanation"] = seeded["explanation"];
  Json old = PredictProgram();
  old["predict"]["demos"] = Json::array({demo});
  auto again = Import(tid_, old, "?create_examples=true");
  ASSERT_EQ(again.status, 201) << again.raw;
  EXPECT_TRUE(again.body["created_example_ids"].empty()) << again.raw;
  EXPECT_EQ(again.body["demos"][0]["reason"], "matches a purged example") << again.raw;
  EXPECT_EQ(again.body["demos"][0]["purged"], true) << again.raw;
  EXPECT_EQ(again.raw.find(seeded["explanation"].get<std::string>()), std::string::npos);

  // The usual demo has no explanation; it was matched only with the one its example had, so the
  // purged content of an example with an explanation came back.
  const Json next = server_.Get("/api/v1/examples/databit/" + tid_ + "?page_size=1").body["examples"][0];
  ASSERT_TRUE(next["explanation"].is_string() && !next["explanation"].get<std::string>().empty()) << next.dump();
  ASSERT_EQ(server_.Delete("/api/v1/examples/" + next["example_id"].get<std::string>() + "?purge=true").status, 204);
  Json bare = next["input"];
  bare.update(next["expected_output"]);
  old["predict"]["demos"] = Json::array({bare});
  const int64_t before_bare = server_.Get("/api/v1/examples?page_size=1").body.value("total", -1);
  auto without = Import(tid_, old, "?create_examples=true");
  ASSERT_EQ(without.status, 201) << without.raw;
  EXPECT_TRUE(without.body["created_example_ids"].empty()) << without.raw;
  EXPECT_EQ(without.body["demos"][0]["reason"], "matches a purged example") << without.raw;
  EXPECT_EQ(server_.Get("/api/v1/examples?page_size=1").body.value("total", -1), before_bare);
}

// A demo that cannot become an example (a value of the wrong type for its field) is refused at
// the demo's own place in the file, not at a body path the caller never sent.
TEST_F(DspyImport, ADemoThatCannotBecomeAnExampleIsRefusedAtItsPlaceInTheFile) {
  Json state = LoadSavedProgram("labeled_demos_chain_of_thought.json");
  state["predict.predict"]["demos"][1]["detector_model"] = "a detector nobody stored";
  state["predict.predict"]["demos"][1]["expected_peak_kev"] = "not a number";
  const size_t versions = VersionCount();
  auto r = Import(tid_, state, "?create_examples=true");
  ASSERT_EQ(r.status, 422) << r.raw;
  EXPECT_EQ(r.body["detail"][0]["loc"], Json::array({"body", "predict.predict", "demos", 1, "expected_peak_kev"})) << r.raw;
  EXPECT_NE(r.body["detail"][0]["msg"].get<std::string>().find("demo 1"), std::string::npos) << r.raw;
  EXPECT_EQ(VersionCount(), versions);
}

// Examples created from an import into a version are filed as the family's others are (s22 loops
// P2): under the root template, which every version's examples name, with the domain and function
// name of the root's examples. Under the version they were invisible to GET /examples?databit_id=
// <root>, to retrieval scoped to the root and to runs of the root.
TEST_F(DspyImport, ExamplesCreatedFromAVersionsImportJoinTheFamilysExamples) {
  auto v1 = server_.Post("/api/v1/templates/" + tid_ + "/version", Json::object());
  ASSERT_EQ(v1.status, 201) << v1.raw;
  auto v2 = server_.Post("/api/v1/templates/" + v1.body["id"].get<std::string>() + "/version", Json::object());
  ASSERT_EQ(v2.status, 201) << v2.raw;
  const Json sibling = server_.Get("/api/v1/examples?databit_id=" + tid_ + "&page_size=1").body["examples"][0];
  ASSERT_EQ(sibling["domain"], "calibration");
  ASSERT_EQ(sibling["function_name"], "assess_calibration_drift");
  const int64_t family_before = server_.Get("/api/v1/examples?databit_id=" + tid_ + "&page_size=1").body.value("total", -1);

  Json state = PredictProgram();
  state["predict"]["demos"][0]["detector_model"] = "a detector named only in a notebook";
  auto r = Import(v2.body["id"].get<std::string>(), state, "?create_examples=true");
  ASSERT_EQ(r.status, 201) << r.raw;
  ASSERT_EQ(r.body["created_example_ids"].size(), 1u) << r.raw;
  const std::string created_id = r.body["created_example_ids"][0];
  const Json created = server_.Get("/api/v1/examples/" + created_id).body;
  EXPECT_EQ(created["databit_id"], tid_) << created;
  EXPECT_EQ(created["domain"], "calibration") << created;
  EXPECT_EQ(created["function_name"], "assess_calibration_drift") << created;
  EXPECT_EQ(created["source"], "dspy_import");
  EXPECT_EQ(server_.Get("/api/v1/examples?databit_id=" + tid_ + "&page_size=1").body.value("total", -1), family_before + 1);
  // The version links it as its demo.
  EXPECT_EQ(r.body["template"]["examples"][0]["example_id"], created_id) << r.raw;
}

// Review s24 loops2 P2-1: with create_examples the examples' own write carried the request's audit
// entry (entity example), so the new version was in none, and a version that could not be stored
// left the examples it was to link. One import is one entry: the version's (ids: parent, version,
// the examples created), and a failed import leaves no example and no entry. A repeat, which
// changes nothing, leaves no entry either.
TEST_F(DspyImport, AnImportCreatingExamplesIsOneAuditEntryAndAllOrNothing) {
  auto newest_seq = [&] { return server_.Get("/api/v1/audit?limit=1").body["entries"][0].value("seq", int64_t{-1}); };
  Json state = PredictProgram();
  state["predict"]["demos"][0]["detector_model"] = "a detector the audit must name";
  auto r = Import(tid_, state, "?create_examples=true");
  ASSERT_EQ(r.status, 201) << r.raw;
  ASSERT_EQ(r.body["created_example_ids"].size(), 1u) << r.raw;
  const std::string version_id = r.body["template"]["id"];
  const std::string created_id = r.body["created_example_ids"][0];
  const Json entry = server_.Get("/api/v1/audit?limit=1").body["entries"][0];
  EXPECT_EQ(entry["entity"], "template") << entry;
  EXPECT_EQ(entry["entity_ids"], Json::array({tid_, version_id, created_id})) << entry;
  EXPECT_EQ(entry["diff"], Json({{"new_version", r.body["template"]["version"]}, {"parent", tid_}})) << entry;
  auto by_version = server_.Get("/api/v1/audit?entity=template&entity_id=" + version_id);
  EXPECT_EQ(by_version.body["entries"].size(), 1u) << by_version.raw;

  const int64_t seq = newest_seq();
  auto again = Import(tid_, state, "?create_examples=true");
  ASSERT_EQ(again.status, 200) << again.raw;
  EXPECT_EQ(again.body["already_imported"], true);
  EXPECT_EQ(newest_seq(), seq) << "a repeat changes nothing and logs nothing";

  // The version cannot be stored (a trigger on the server's database refuses it): the example
  // created for it is removed again, and nothing is logged.
  ExecSql(server_.config(), "CREATE TRIGGER refuse_version BEFORE INSERT ON templates "
                            "BEGIN SELECT RAISE(ABORT, 'injected: the version cannot be stored'); END");
  const int64_t examples_before = server_.Get("/api/v1/examples?page_size=1").body.value("total", -1);
  const size_t versions = VersionCount();
  Json other = PredictProgram();
  other["predict"]["demos"][0]["detector_model"] = "a detector whose version fails";
  auto failed = Import(tid_, other, "?create_examples=true");
  EXPECT_GE(failed.status, 500) << failed.raw;
  EXPECT_EQ(server_.Get("/api/v1/examples?page_size=1").body.value("total", -1), examples_before);
  EXPECT_EQ(CountSql(server_.config(), "SELECT COUNT(*) FROM examples WHERE input LIKE '%whose version fails%'"), 0);
  EXPECT_EQ(CountSql(server_.config(), "SELECT COUNT(*) FROM lineage_edges l WHERE l.source_type = 'example' AND "
                                       "NOT EXISTS (SELECT 1 FROM examples e WHERE e.id = l.source_id)"), 0);
  EXPECT_EQ(newest_seq(), seq);
  ExecSql(server_.config(), "DROP TRIGGER refuse_version");
  EXPECT_EQ(VersionCount(), versions);
  auto retried = Import(tid_, other, "?create_examples=true");
  ASSERT_EQ(retried.status, 201) << retried.raw;
  EXPECT_EQ(retried.body["created_example_ids"].size(), 1u) << retried.raw;
}

}  // namespace
}  // namespace exemplar::testing
