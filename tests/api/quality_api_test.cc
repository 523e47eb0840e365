// Black-box tests of the data quality guard (issue #20) against a real server: content rules on
// every write path (same error for the same problem), template deletion with cascade,
// near-duplicates and conflicts, PII flags and redaction, bulk edits, content filters.
#include <gtest/gtest.h>

#include <set>

#include "testing/test_server.h"

namespace exemplar::testing {
namespace {

Json Schema(std::initializer_list<std::tuple<const char*, const char*, bool>> fields) {
  Json out = Json::array();
  for (const auto& [name, type, required] : fields) {
    out.push_back({{"name", name}, {"type", type}, {"required", required}, {"description", name}});
  }
  return out;
}

class QualityApi : public ::testing::Test {
 protected:
  // A template: input {text: string (required), count: integer (optional)}, output {label: string}.
  std::string MakeTemplate(const std::string& name = "Quality Probe") {
    Json body = {{"name", name},
                 {"input_schema", Schema({{"text", "string", true}, {"count", "integer", false}})},
                 {"output_schema", Schema({{"label", "string", true}})},
                 {"prompt_template", "Label the text."}};
    auto r = server_.Post("/api/v1/templates", body);
    EXPECT_EQ(r.status, 201) << r.raw;
    return r.body["id"];
  }
  Json Example(const std::string& text, const std::string& label, const std::string& domain = "general") {
    return {{"input", {{"text", text}}}, {"expected_output", {{"label", label}}}, {"domain", domain}};
  }
  std::string Create(const Json& body) {
    auto r = server_.Post("/api/v1/examples", body);
    EXPECT_EQ(r.status, 201) << r.raw;
    return r.body.value("example_id", "");
  }
  int64_t Total(const std::string& query = "") {
    return server_.Get("/api/v1/examples?page_size=1" + query).body["total"].get<int64_t>();
  }
  static std::string Jsonl(const std::vector<Json>& records) {
    std::string out;
    for (const auto& r : records) out += r.dump() + "\n";
    return out;
  }
  // The first 422 detail of each write path for one bad record: single, batch, import.
  std::vector<Json> ErrorsOnEveryPath(const Json& record) {
    std::vector<Json> out;
    auto single = server_.Post("/api/v1/examples", record);
    EXPECT_EQ(single.status, 422) << single.raw;
    out.push_back(single.body["detail"][0]);
    auto batch = server_.Post("/api/v1/examples/batch", {{"examples", {record}}});
    EXPECT_EQ(batch.status, 422) << batch.raw;
    out.push_back(batch.body["detail"][0]);
    auto import = server_.PostRaw("/api/v1/examples/import?atomic=true", Jsonl({record}), "application/x-ndjson");
    EXPECT_EQ(import.status, 422) << import.raw;
    out.push_back(import.body["detail"][0]);
    return out;
  }
  // Same message and type everywhere; the location differs only by the path's prefix.
  static void ExpectSameError(const std::vector<Json>& errors, const Json& field_loc, const std::string& type) {
    ASSERT_EQ(errors.size(), 3u);
    std::vector<Json> prefixes = {Json::array({"body"}), Json::array({"body", "examples", 0}), Json::array({"body", 0})};
    for (size_t i = 0; i < 3; ++i) {
      Json loc = prefixes[i];
      for (const auto& part : field_loc) loc.push_back(part);
      EXPECT_EQ(errors[i]["loc"], loc) << errors[i];
      EXPECT_EQ(errors[i]["type"], type) << errors[i];
      EXPECT_EQ(errors[i]["msg"], errors[0]["msg"]);
    }
  }

  TestServer server_;
};

TEST_F(QualityApi, EmptyContentIsRefusedTheSameWayOnEveryPath) {
  Json empty_input = {{"input", Json::object()}, {"expected_output", {{"label", "x"}}}};
  ExpectSameError(ErrorsOnEveryPath(empty_input), Json::array({"input"}), "value_error.empty");
  Json empty_output = {{"input", {{"text", "x"}}}, {"expected_output", Json::object()}};
  ExpectSameError(ErrorsOnEveryPath(empty_output), Json::array({"expected_output"}), "value_error.empty");
  // A non-atomic import reports the item and stores the rest.
  auto partial = server_.PostRaw("/api/v1/examples/import", Jsonl({empty_input, Example("fine", "ok")}),
                                 "application/x-ndjson");
  ASSERT_EQ(partial.status, 201) << partial.raw;
  EXPECT_EQ(partial.body["created_count"], 1);
  ASSERT_EQ(partial.body["errors"].size(), 1u);
  EXPECT_EQ(partial.body["errors"][0]["index"], 0);
  EXPECT_EQ(partial.body["errors"][0]["type"], "value_error.empty");
  EXPECT_EQ(Total(), 1);
  // An update may not empty an example either.
  std::string id = server_.Get("/api/v1/examples").body["examples"][0]["example_id"];
  auto put = server_.Put("/api/v1/examples/" + id, {{"input", Json::object()}});
  ASSERT_EQ(put.status, 422);
  EXPECT_EQ(put.body["detail"][0]["loc"], Json({"body", "input"}));
}

TEST_F(QualityApi, UnknownTemplateIs422OnEveryPath) {
  Json record = Example("x", "y");
  record["databit_id"] = "00000000-0000-4000-8000-000000000000";
  ExpectSameError(ErrorsOnEveryPath(record), Json::array({"databit_id"}), "value_error.not_found");
  EXPECT_EQ(Total(), 0);
}

TEST_F(QualityApi, ExamplesOfATemplateFollowItsSchema) {
  std::string tid = MakeTemplate();
  Json wrong_type = Example("crack", "defect");
  wrong_type["databit_id"] = tid;
  wrong_type["input"]["count"] = "three";
  ExpectSameError(ErrorsOnEveryPath(wrong_type), Json::array({"input", "count"}), "type_error.integer");

  Json unknown = Example("crack", "defect");
  unknown["databit_id"] = tid;
  unknown["input"]["txt"] = "typo";
  auto errors = ErrorsOnEveryPath(unknown);
  ExpectSameError(errors, Json::array({"input", "txt"}), "value_error.schema.unknown_field");
  EXPECT_NE(errors[0]["msg"].get<std::string>().find("did you mean `text`"), std::string::npos) << errors[0];

  Json missing = {{"input", {{"text", "crack"}}}, {"expected_output", {{"severity", "high"}}}, {"databit_id", tid}};
  auto missing_errors = server_.Post("/api/v1/examples", missing);
  ASSERT_EQ(missing_errors.status, 422);
  std::set<std::string> locs;
  for (const auto& d : missing_errors.body["detail"]) locs.insert(d["loc"].dump());
  EXPECT_TRUE(locs.count(Json({"body", "expected_output", "label"}).dump())) << missing_errors.raw;
  EXPECT_TRUE(locs.count(Json({"body", "expected_output", "severity"}).dump())) << missing_errors.raw;

  // Missing optional fields are warnings; an integral number passes as an integer.
  Json ok = Example("crack on the housing", "defect");
  ok["databit_id"] = tid;
  auto created = server_.Post("/api/v1/examples", ok);
  ASSERT_EQ(created.status, 201) << created.raw;
  ASSERT_EQ(created.body["warnings"].size(), 1u) << created.raw;
  EXPECT_EQ(created.body["warnings"][0]["type"], "missing_optional_field");
  EXPECT_EQ(created.body["warnings"][0]["loc"], Json({"body", "input", "count"}));
  Json batch_ok = Example("dent on the flange", "defect");
  batch_ok["databit_id"] = tid;
  auto batch = server_.Post("/api/v1/examples/batch", {{"examples", {batch_ok}}});
  ASSERT_EQ(batch.status, 201);
  EXPECT_EQ(batch.body["warnings"][0]["type"], "missing_optional_field");
  EXPECT_EQ(batch.body["warnings"][0]["index"], 0);

  // An update is checked too, and the stored example is unchanged when it fails.
  std::string id = created.body["example_id"];
  auto bad_put = server_.Put("/api/v1/examples/" + id, {{"input", {{"text", "x"}, {"count", 2.5}}}});
  ASSERT_EQ(bad_put.status, 422) << bad_put.raw;
  EXPECT_EQ(bad_put.body["detail"][0]["loc"], Json({"body", "input", "count"}));
  EXPECT_EQ(server_.Get("/api/v1/examples/" + id).body["version"], 1);
  auto good_put = server_.Put("/api/v1/examples/" + id, {{"input", {{"text", "crack on the housing"}, {"count", 2}}}});
  ASSERT_EQ(good_put.status, 200) << good_put.raw;
  EXPECT_TRUE(good_put.body["warnings"].empty());
  // Moving an example into a template checks it against that schema.
  std::string free = Create(Example("no template", "x"));
  auto move = server_.Put("/api/v1/examples/" + free, {{"databit_id", tid}, {"input", {{"body", "x"}}}});
  EXPECT_EQ(move.status, 422);
}

TEST_F(QualityApi, DeletingATemplateWithExamplesNeedsACascade) {
  std::string tid = MakeTemplate("Cascade Detach");
  Json e = Example("detach me", "x");
  e["databit_id"] = tid;
  std::string kept = Create(e);
  auto refused = server_.Delete("/api/v1/templates/" + tid);
  ASSERT_EQ(refused.status, 409) << refused.raw;
  EXPECT_NE(refused.body["detail"].get<std::string>().find("cascade"), std::string::npos);
  EXPECT_EQ(server_.Delete("/api/v1/templates/" + tid + "?cascade=sideways").status, 422);
  EXPECT_EQ(server_.Get("/api/v1/templates/" + tid).status, 200);

  ASSERT_EQ(server_.Delete("/api/v1/templates/" + tid + "?cascade=detach").status, 204);
  EXPECT_EQ(server_.Get("/api/v1/templates/" + tid).status, 404);
  auto detached = server_.Get("/api/v1/examples/" + kept);
  ASSERT_EQ(detached.status, 200);
  EXPECT_TRUE(detached.body["databit_id"].is_null());
  EXPECT_EQ(detached.body["version"], 2);  // a versioned edit

  std::string tid2 = MakeTemplate("Cascade Delete");
  Json e2 = Example("delete me", "x");
  e2["databit_id"] = tid2;
  std::string gone = Create(e2);
  ASSERT_EQ(server_.Delete("/api/v1/templates/" + tid2 + "?cascade=delete").status, 204);
  EXPECT_EQ(server_.Get("/api/v1/examples/" + gone).status, 404);
  EXPECT_EQ(server_.Get("/api/v1/examples/" + kept).status, 200);
  // Without examples no cascade is needed.
  std::string tid3 = MakeTemplate("Empty");
  EXPECT_EQ(server_.Delete("/api/v1/templates/" + tid3).status, 204);
}

TEST_F(QualityApi, NearDuplicatesAndConflictsFollowThePolicy) {
  std::string a = Create(Example("Hairline crack across the crystal face", "crack", "qc"));
  // Identical after normalisation (case, spacing): a near-duplicate with similarity 1.
  auto dup = server_.Post("/api/v1/examples", Example("  hairline CRACK across   the crystal face ", "crack", "qc"));
  ASSERT_EQ(dup.status, 201);
  ASSERT_FALSE(dup.body["warnings"].empty()) << dup.raw;
  EXPECT_EQ(dup.body["warnings"][0]["type"], "near_duplicate");
  EXPECT_EQ(dup.body["warnings"][0]["example_id"], a);
  EXPECT_EQ(dup.body["warnings"][0]["similarity"], 1.0);
  // Same input, different output: a conflict.
  auto conflict = server_.Post("/api/v1/examples", Example("Hairline crack across the crystal face", "chip", "qc"));
  ASSERT_EQ(conflict.status, 201);
  std::set<std::string> types;
  for (const auto& w : conflict.body["warnings"]) types.insert(w["type"]);
  EXPECT_TRUE(types.count("conflict")) << conflict.raw;
  // A very similar (not identical) input is found through the vector index.
  auto near = server_.Post("/api/v1/examples", Example("Hairline crack across the crystal face.", "crack", "qc"));
  ASSERT_EQ(near.status, 201);
  ASSERT_FALSE(near.body["warnings"].empty()) << near.raw;
  EXPECT_GE(near.body["warnings"][0]["similarity"].get<double>(), 0.95);
  // Another domain is another scope.
  auto other = server_.Post("/api/v1/examples", Example("Hairline crack across the crystal face", "crack", "telemetry"));
  EXPECT_TRUE(other.body["warnings"].empty()) << other.raw;
  // reject: 409 and nothing stored; allow: no warnings.
  int64_t before = Total();
  auto rejected = server_.Post("/api/v1/examples?on_duplicate=reject",
                               Example("Hairline crack across the crystal face", "crack", "qc"));
  EXPECT_EQ(rejected.status, 409) << rejected.raw;
  EXPECT_EQ(Total(), before);
  auto allowed = server_.Post("/api/v1/examples?on_duplicate=allow", Example("hairline crack across the crystal face", "x", "qc"));
  ASSERT_EQ(allowed.status, 201);
  EXPECT_TRUE(allowed.body["warnings"].empty());
  EXPECT_EQ(server_.Post("/api/v1/examples?on_duplicate=maybe", Example("z", "z")).status, 422);

  // Batch: an atomic batch with a duplicate under reject stores nothing; non-atomic skips it.
  before = Total();
  Json items = {Example("a brand new finding", "ok", "qc"), Example("hairline crack across the crystal face", "crack", "qc")};
  auto atomic = server_.Post("/api/v1/examples/batch", {{"examples", items}, {"on_duplicate", "reject"}});
  EXPECT_EQ(atomic.status, 409) << atomic.raw;
  EXPECT_EQ(Total(), before);
  auto partial = server_.Post("/api/v1/examples/batch", {{"examples", items}, {"on_duplicate", "reject"}, {"atomic", false}});
  ASSERT_EQ(partial.status, 201) << partial.raw;
  EXPECT_EQ(partial.body["created_count"], 1);
  EXPECT_EQ(partial.body["errors"][0]["index"], 1);
  // Import follows the same policy: an atomic import with a duplicate stores nothing.
  before = Total();
  auto import = server_.PostRaw("/api/v1/examples/import?atomic=true&on_duplicate=reject", Jsonl({items[0], items[1]}),
                                "application/x-ndjson");
  EXPECT_EQ(import.status, 409) << import.raw;
  EXPECT_EQ(Total(), before);
  // Repeats inside one batch are reported against the earlier item.
  auto repeats = server_.Post("/api/v1/examples/batch",
                              {{"examples", {Example("twin input", "a", "qc"), Example("Twin  input", "b", "qc")}}});
  ASSERT_EQ(repeats.status, 201);
  ASSERT_EQ(repeats.body["warnings"].size(), 1u) << repeats.raw;
  EXPECT_EQ(repeats.body["warnings"][0]["index"], 1);
  EXPECT_EQ(repeats.body["warnings"][0]["type"], "conflict");
}

TEST_F(QualityApi, DuplicateAndConflictReportsListClusters) {
  std::string a = Create(Example("bias voltage drift on HPGe", "recalibrate", "qc"));
  std::string b = Create(Example("Bias voltage drift on HPGe", "recalibrate", "qc"));
  std::string c = Create(Example("seal leak found at flange", "scrap", "qc"));
  std::string d = Create(Example("seal leak found at flange", "repair", "qc"));
  Create(Example("completely unrelated text about cooling", "none", "qc"));
  Create(Example("bias voltage drift on HPGe", "recalibrate", "other-domain"));

  auto dups = server_.Get("/api/v1/quality/duplicates");
  ASSERT_EQ(dups.status, 200) << dups.raw;
  EXPECT_EQ(dups.body["total_clusters"], 2) << dups.raw;
  EXPECT_EQ(dups.body["examples_scanned"], 6);
  std::set<std::set<std::string>> clusters;
  for (const auto& cl : dups.body["clusters"]) {
    std::set<std::string> ids;
    for (const auto& e : cl["examples"]) ids.insert(e["example_id"]);
    clusters.insert(ids);
    EXPECT_EQ(cl["size"], cl["examples"].size());
  }
  EXPECT_TRUE(clusters.count({a, b}));
  EXPECT_TRUE(clusters.count({c, d}));

  auto conflicts = server_.Get("/api/v1/quality/conflicts");
  ASSERT_EQ(conflicts.status, 200);
  ASSERT_EQ(conflicts.body["total_clusters"], 1);
  EXPECT_EQ(conflicts.body["clusters"][0]["conflict"], true);
  EXPECT_EQ(conflicts.body["clusters"][0]["distinct_outputs"], 2);
  EXPECT_EQ(server_.Get("/api/v1/quality/duplicates?threshold=2").status, 422);
}

TEST_F(QualityApi, PiiIsFlaggedFilterableAndRedactedOnExport) {
  Json e = Example("Customer at (555) 234-5678, SSN 123-45-6789, wants a refund", "refund", "support");
  e["explanation"] = "reply to ana@example.com";
  auto created = server_.Post("/api/v1/examples", e);
  ASSERT_EQ(created.status, 201) << created.raw;
  EXPECT_EQ(created.body["pii_flags"], Json({"email", "phone", "ssn"}));
  bool warned = false;
  for (const auto& w : created.body["warnings"]) warned = warned || (w["type"] == "pii" && w["kinds"].size() == 3);
  EXPECT_TRUE(warned) << created.raw;
  std::string clean = Create(Example("firmware 1.2.3 released 2024-01-15, serial SN-4839-2291-1034", "ok", "support"));
  EXPECT_TRUE(server_.Get("/api/v1/examples/" + clean).body["pii_flags"].empty());

  EXPECT_EQ(Total("&pii=ssn"), 1);
  EXPECT_EQ(Total("&pii=any"), 1);
  EXPECT_EQ(Total("&pii=email"), 1);
  EXPECT_EQ(Total("&pii=credit_card"), 0);
  auto search = server_.Post("/api/v1/examples/search", {{"query_text", "refund"}, {"pii", "phone"}});
  ASSERT_EQ(search.status, 200) << search.raw;
  ASSERT_EQ(search.body["results"].size(), 1u);

  auto plain = server_.Get("/api/v1/examples/export?format=jsonl");
  EXPECT_NE(plain.raw.find("123-45-6789"), std::string::npos);
  auto redacted = server_.Get("/api/v1/examples/export?format=jsonl&redact=true");
  ASSERT_EQ(redacted.status, 200);
  EXPECT_EQ(redacted.raw.find("123-45-6789"), std::string::npos) << redacted.raw;
  EXPECT_EQ(redacted.raw.find("ana@example.com"), std::string::npos);
  EXPECT_NE(redacted.raw.find("[REDACTED:ssn]"), std::string::npos);
  EXPECT_NE(redacted.raw.find("[REDACTED:email]"), std::string::npos);
  EXPECT_NE(redacted.raw.find("SN-4839-2291-1034"), std::string::npos);  // not PII: kept
  auto csv = server_.Get("/api/v1/examples/export?format=csv&redact=true");
  EXPECT_EQ(csv.raw.find("123-45-6789"), std::string::npos);
}

TEST_F(QualityApi, DspyExportRedacts) {
  std::string tid = MakeTemplate("Redacted Export");
  Json e = Example("mail bo@example.net about the crack", "defect");
  e["databit_id"] = tid;
  Create(e);
  Json e2 = Example("no personal data here at all", "fine");
  e2["databit_id"] = tid;
  Create(e2);
  auto plain = server_.Post("/api/v1/templates/" + tid + "/export-dspy", {{"format", "dataset_jsonl"}});
  ASSERT_EQ(plain.status, 200) << plain.raw;
  EXPECT_NE(plain.body["content"].get<std::string>().find("bo@example.net"), std::string::npos);
  auto redacted = server_.Post("/api/v1/templates/" + tid + "/export-dspy", {{"format", "dataset_jsonl"}, {"redact", true}});
  ASSERT_EQ(redacted.status, 200) << redacted.raw;
  EXPECT_EQ(redacted.body["content"].get<std::string>().find("bo@example.net"), std::string::npos);
  EXPECT_NE(redacted.body["content"].get<std::string>().find("[REDACTED:email]"), std::string::npos);
}

TEST_F(QualityApi, SecretPolicyRejectsSecrets) {
  Json e = Example("use key sk-proj-abc123DEF456ghi789JKL012mno345 for the call", "ok");
  auto warned = server_.Post("/api/v1/examples", e);
  ASSERT_EQ(warned.status, 201);
  EXPECT_EQ(warned.body["pii_flags"], Json({"secret"}));
  e["input"]["text"] = "another key sk-proj-zzz999DEF456ghi789JKL012mno345";
  auto refused = server_.Post("/api/v1/examples?on_secret=reject", e);
  ASSERT_EQ(refused.status, 422) << refused.raw;
  EXPECT_EQ(refused.body["detail"][0]["loc"], Json({"body", "input"}));
  EXPECT_EQ(refused.body["detail"][0]["type"], "value_error.secret");
  // The operator's policy: reject_secrets = true.
  Config config;
  config.reject_secrets = true;
  TestServer strict(config);
  auto batch = strict.Post("/api/v1/examples/batch", {{"examples", {e}}});
  ASSERT_EQ(batch.status, 422) << batch.raw;
  EXPECT_EQ(batch.body["detail"][0]["loc"], Json({"body", "examples", 0, "input"}));
  EXPECT_EQ(strict.Post("/api/v1/examples?on_secret=allow", e).status, 201);
}

TEST_F(QualityApi, BulkUpdateIsAtomicVersionedAndCounted) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    Json e = Example("bulk item number " + std::to_string(i) + " with its own words " + std::string(i + 1, 'q'), "ok", "bulk");
    e["capability_tags"] = {"old"};
    ids.push_back(Create(e));
  }
  std::string outsider = Create(Example("not selected", "ok", "elsewhere"));
  Json set = {{"tags_add", {"reviewed"}}, {"tags_remove", {"old"}}, {"difficulty", "hard"}, {"quality_score", 0.8}};
  auto dry = server_.Post("/api/v1/examples/bulk-update", {{"filter", {{"domain", "bulk"}}}, {"set", set}, {"dry_run", true}});
  ASSERT_EQ(dry.status, 200) << dry.raw;
  EXPECT_EQ(dry.body["matched"], 5);
  EXPECT_EQ(dry.body["updated"], 0);
  EXPECT_EQ(server_.Get("/api/v1/examples/" + ids[0]).body["version"], 1);

  auto done = server_.Post("/api/v1/examples/bulk-update", {{"filter", {{"domain", "bulk"}}}, {"set", set}});
  ASSERT_EQ(done.status, 200) << done.raw;
  EXPECT_EQ(done.body["updated"], 5);
  for (const auto& id : ids) {
    auto e = server_.Get("/api/v1/examples/" + id).body;
    EXPECT_EQ(e["version"], 2);
    EXPECT_EQ(e["capability_tags"], Json({"reviewed"}));
    EXPECT_EQ(e["difficulty"], "hard");
    EXPECT_EQ(e["quality_score"], 0.8);
    auto versions = server_.Get("/api/v1/examples/" + id + "/versions").body["versions"];
    ASSERT_EQ(versions.size(), 1u);
    EXPECT_EQ(versions[0]["snapshot"]["capability_tags"], Json({"old"}));
  }
  EXPECT_EQ(server_.Get("/api/v1/examples/" + outsider).body["version"], 1);
  // Asking again changes nothing: no new versions; only examples that change are counted.
  auto again = server_.Post("/api/v1/examples/bulk-update", {{"filter", {{"domain", "bulk"}}}, {"set", set}});
  ASSERT_EQ(again.status, 200) << again.raw;
  EXPECT_EQ(again.body["matched"], 5);
  EXPECT_EQ(again.body["updated"], 0);
  auto mixed_ids = server_.Post("/api/v1/examples/bulk-update", {{"ids", {ids[0], outsider}}, {"set", {{"tags_add", {"reviewed"}}}}});
  EXPECT_EQ(mixed_ids.body["updated"], 1) << mixed_ids.raw;
  EXPECT_EQ(server_.Get("/api/v1/examples/" + ids[0]).body["version"], 2);
  EXPECT_EQ(server_.Get("/api/v1/examples/" + outsider).body["version"], 2);
  ASSERT_EQ(server_.Put("/api/v1/examples/" + outsider, {{"capability_tags", Json::array()}}).status, 200);
  // Filters see the new values at once (catalog updated).
  EXPECT_EQ(Total("&capability_tag=reviewed"), 5);

  // A failing item aborts all: an unknown id, or an example that does not fit the new template.
  Json ids_with_missing = {ids[0], ids[1], "00000000-0000-4000-8000-000000000001"};
  auto missing = server_.Post("/api/v1/examples/bulk-update", {{"ids", ids_with_missing}, {"set", {{"domain", "moved"}}}});
  EXPECT_EQ(missing.status, 404) << missing.raw;
  EXPECT_EQ(server_.Get("/api/v1/examples/" + ids[0]).body["domain"], "bulk");
  std::string tid = MakeTemplate("Bulk Target");
  Json mixed = Example("fits", "ok", "bulk2");
  mixed["input"]["text"] = "fits the schema";
  std::string fits = Create(mixed);
  std::string misfit = Create({{"input", {{"body", "wrong key"}}}, {"expected_output", {{"label", "x"}}}, {"domain", "bulk2"}});
  auto schema = server_.Post("/api/v1/examples/bulk-update", {{"ids", {fits, misfit}}, {"set", {{"databit_id", tid}}}});
  ASSERT_EQ(schema.status, 422) << schema.raw;
  EXPECT_NE(schema.body["detail"][0]["msg"].get<std::string>().find(misfit), std::string::npos);
  EXPECT_TRUE(server_.Get("/api/v1/examples/" + fits).body["databit_id"].is_null());

  // Bad requests: unknown keys, no selection, an empty filter.
  auto typo = server_.Post("/api/v1/examples/bulk-update", {{"ids", {ids[0]}}, {"set", {{"domian", "x"}}}});
  ASSERT_EQ(typo.status, 422);
  EXPECT_EQ(typo.body["detail"][0]["loc"], Json({"body", "set", "domian"}));
  EXPECT_EQ(server_.Post("/api/v1/examples/bulk-update", {{"set", {{"domain", "x"}}}}).status, 422);
  EXPECT_EQ(server_.Post("/api/v1/examples/bulk-update", {{"filter", Json::object()}, {"set", {{"domain", "x"}}}}).status, 422);
}

TEST_F(QualityApi, BulkDeleteIsAtomicAndCounted) {
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) ids.push_back(Create(Example("to delete " + std::string(i + 3, 'z'), "x", "trash")));
  std::string keep = Create(Example("keep me", "x", "keep"));
  auto dry = server_.Post("/api/v1/examples/bulk-delete", {{"filter", {{"domain", "trash"}}}, {"dry_run", true}});
  ASSERT_EQ(dry.status, 200) << dry.raw;
  EXPECT_EQ(dry.body["matched"], 4);
  EXPECT_EQ(dry.body["deleted"], 0);
  EXPECT_EQ(Total(), 5);
  auto missing = server_.Post("/api/v1/examples/bulk-delete",
                              {{"ids", {ids[0], "00000000-0000-4000-8000-000000000002"}}});
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(server_.Get("/api/v1/examples/" + ids[0]).status, 200);
  auto done = server_.Post("/api/v1/examples/bulk-delete", {{"filter", {{"domain", "trash"}}}});
  ASSERT_EQ(done.status, 200);
  EXPECT_EQ(done.body["deleted"], 4);
  EXPECT_EQ(Total(), 1);
  for (const auto& id : ids) EXPECT_EQ(server_.Get("/api/v1/examples/" + id).status, 404);
  EXPECT_EQ(server_.Get("/api/v1/examples/" + keep).status, 200);
  auto search = server_.Post("/api/v1/examples/search", {{"query_text", "to delete"}, {"mode", "keyword"}});
  EXPECT_TRUE(search.body["results"].empty()) << search.raw;
}

TEST_F(QualityApi, ContentFiltersOnListSearchAndExport) {
  const std::vector<std::string> labels = {"crack", "chip", "none"};
  for (int i = 0; i < 9; ++i) {
    Json e = {{"input", {{"notes", "unit " + std::to_string(i) + " inspected " + std::string(i + 1, 'k')}, {"bay", i % 2}}},
              {"expected_output", {{"defect_type", labels[i % 3]}}}};
    Create(e);
  }
  EXPECT_EQ(Total("&output.defect_type=crack"), 3);
  EXPECT_EQ(Total("&output.defect_type=crack&output.defect_type=chip"), 6);
  EXPECT_EQ(Total("&output.defect_type=dent"), 0);
  EXPECT_EQ(Total("&input.bay=1"), 4);
  EXPECT_EQ(Total("&input.bay=1&output.defect_type=none"), 1);
  auto page = server_.Get("/api/v1/examples?output.defect_type=chip");
  for (const auto& e : page.body["examples"]) EXPECT_EQ(e["expected_output"]["defect_type"], "chip");

  auto search = server_.Post("/api/v1/examples/search", {{"query_text", "unit inspected"}, {"k", 10},
                                                         {"output.defect_type", {{"in", {"crack", "none"}}}}});
  ASSERT_EQ(search.status, 200) << search.raw;
  EXPECT_EQ(search.body["results"].size(), 6u);
  for (const auto& r : search.body["results"]) EXPECT_NE(r["example"]["expected_output"]["defect_type"], "chip");
  auto meta = server_.Post("/api/v1/examples/search", {{"mode", "metadata"}, {"input.bay", 0}, {"k", 100}});
  EXPECT_EQ(meta.body["results"].size(), 5u) << meta.raw;
  auto bad = server_.Post("/api/v1/examples/search", {{"query_text", "x"}, {"output.defect_type", {{"like", "cr%"}}}});
  ASSERT_EQ(bad.status, 422);
  EXPECT_EQ(bad.body["detail"][0]["loc"], Json({"body", "output.defect_type"}));
  auto exported = server_.Get("/api/v1/examples/export?format=jsonl&output.defect_type=crack");
  EXPECT_EQ(std::count(exported.raw.begin(), exported.raw.end(), '\n'), 3);
}

// SPEC §4.1 with the new filters: an output-value filter applies inside the search, so a rare
// value still returns full k on a 10k store.
TEST_F(QualityApi, OutputFilterReturnsFullKOnTenThousandExamples) {
  for (int chunk = 0; chunk < 10; ++chunk) {
    Json items = Json::array();
    for (int i = 0; i < 1000; ++i) {
      int n = chunk * 1000 + i;
      items.push_back({{"input", {{"notes", "inspection report " + std::to_string(n) + " detector housing"}}},
                       {"expected_output", {{"defect_type", n % 50 == 0 ? "crack" : "none"}}}});
    }
    auto r = server_.Post("/api/v1/examples/batch", {{"examples", items}, {"on_duplicate", "allow"}});
    ASSERT_EQ(r.status, 201) << r.raw.substr(0, 500);
  }
  EXPECT_EQ(Total(), 10000);
  EXPECT_EQ(Total("&output.defect_type=crack"), 200);
  for (const char* mode : {"vector", "hybrid", "keyword"}) {
    auto r = server_.Post("/api/v1/examples/search", {{"query_text", "inspection report detector housing"},
                                                      {"mode", mode}, {"k", 100}, {"output.defect_type", "crack"},
                                                      // filter mechanics, not relevance: the 10k
                                                      // near-identical texts sit at the floor
                                                      {"relevance_floor", 0}});
    ASSERT_EQ(r.status, 200) << r.raw;
    EXPECT_EQ(r.body["results"].size(), 100u) << mode;
    for (const auto& h : r.body["results"]) EXPECT_EQ(h["example"]["expected_output"]["defect_type"], "crack");
  }
}

}  // namespace
}  // namespace exemplar::testing
