// Templates (DataBits) lifecycle and lineage through the API (SPEC §1, §2.2, §3, §4.7).
#include <gtest/gtest.h>

#include <set>

#include "testing/test_server.h"

namespace exemplar::testing {
namespace {

Json MakeTemplate(const std::string& name) {
  return {{"name", name},
          {"description", "classify defects"},
          {"input_schema", {{{"name", "notes"}, {"type", "string"}, {"description", "inspection notes"}}}},
          {"output_schema", {{{"name", "defect_type"}, {"type", "string"}}}},
          {"prompt_template", "Classify the defect."}};
}

class TemplatesApi : public ::testing::Test {
 protected:
  std::string Create(const std::string& name, Json extra = Json::object()) {
    Json body = MakeTemplate(name);
    body.update(extra);
    auto r = server_.Post("/api/v1/templates", body);
    EXPECT_EQ(r.status, 201) << r.raw;
    return r.body.value("id", "");
  }
  TestServer server_;
};

TEST_F(TemplatesApi, LifecycleAndImmutability) {
  std::string id = Create("Defects");
  auto t = server_.Get("/api/v1/templates/" + id).body;
  EXPECT_EQ(t["status"], "draft");
  EXPECT_EQ(t["version"], "1.0.0");
  auto edited = server_.Put("/api/v1/templates/" + id, {{"prompt_template", "Classify carefully."}});
  ASSERT_EQ(edited.status, 200);
  EXPECT_EQ(edited.body["prompt_template"], "Classify carefully.");
  ASSERT_EQ(server_.Post("/api/v1/templates/" + id + "/publish", Json::object()).status, 200);
  EXPECT_EQ(server_.Post("/api/v1/templates/" + id + "/publish", Json::object()).status, 409);
  EXPECT_EQ(server_.Put("/api/v1/templates/" + id, {{"prompt_template", "changed"}}).status, 409);
  EXPECT_EQ(server_.Delete("/api/v1/templates/" + id).status, 409);
  EXPECT_EQ(server_.Get("/api/v1/templates/" + id).body["prompt_template"], "Classify carefully.");

  auto v2 = server_.Post("/api/v1/templates/" + id + "/version", Json::object());
  ASSERT_EQ(v2.status, 201);
  EXPECT_EQ(v2.body["version"], "1.1.0");
  EXPECT_EQ(v2.body["status"], "draft");
  EXPECT_EQ(v2.body["parent_template_id"], id);
  auto v3 = server_.Post("/api/v1/templates/" + id + "/version", Json::object());
  EXPECT_EQ(v3.body["version"], "1.2.0");  // unique per name
  auto versions = server_.Get("/api/v1/templates/" + id + "/versions").body["versions"];
  EXPECT_EQ(versions.size(), 3u);
  ASSERT_EQ(server_.Post("/api/v1/templates/" + id + "/archive", Json::object()).status, 200);
  // One way only: an archived version is not published again.
  EXPECT_EQ(server_.Post("/api/v1/templates/" + id + "/publish", Json::object()).status, 409);
  EXPECT_EQ(server_.Get("/api/v1/templates/" + id).body["status"], "archived");
  auto list = server_.Get("/api/v1/templates?status=draft&search=defect");
  EXPECT_EQ(list.body["total"], 2);
  EXPECT_EQ(server_.Get("/api/v1/templates?status=bogus").status, 422);
  std::string v2id = v2.body["id"];
  EXPECT_EQ(server_.Delete("/api/v1/templates/" + v2id).status, 204);
  EXPECT_EQ(server_.Get("/api/v1/templates/" + v2id).status, 404);

  auto lineage = server_.Get("/api/v1/templates/" + std::string(v3.body["id"]) + "/lineage?direction=upstream");
  ASSERT_EQ(lineage.status, 200);
  ASSERT_EQ(lineage.body["edges"].size(), 1u);
  EXPECT_EQ(lineage.body["edges"][0]["type"], "version_of");
  EXPECT_EQ(lineage.body["edges"][0]["source"], "template:" + id);
}

TEST_F(TemplatesApi, CursorPagesVisitEveryTemplateOnce) {
  std::set<std::string> created;
  for (int i = 0; i < 7; ++i) created.insert(Create("Paged " + std::to_string(i)));
  std::set<std::string> seen;
  std::string cursor;
  for (int guard = 0; guard < 10; ++guard) {
    auto page = server_.Get("/api/v1/templates?page_size=3&search=paged" + (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(page.status, 200) << page.raw;
    EXPECT_EQ(page.body["total"], 7);
    for (const auto& t : page.body["templates"]) EXPECT_TRUE(seen.insert(t["id"]).second);
    EXPECT_EQ(page.body["page"], cursor.empty() ? Json(1) : Json(nullptr)) << page.raw;
    if (page.body["next_cursor"].is_null()) break;
    cursor = page.body["next_cursor"];
  }
  EXPECT_EQ(seen, created);
  auto second = server_.Get("/api/v1/templates?page_size=3&page=3&search=paged");
  EXPECT_EQ(second.body["templates"].size(), 1u);
  EXPECT_EQ(server_.Get("/api/v1/templates?page=2&cursor=" + cursor).status, 422);
  auto bad = server_.Get("/api/v1/templates?cursor=nope");
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(bad.body["detail"][0]["loc"], Json({"query", "cursor"}));
}

TEST_F(TemplatesApi, SchemaValidation) {
  for (const char* bad : {"class", "1abc", "has space", "_private", "instructions", ""}) {
    Json body = MakeTemplate("Bad");
    body["input_schema"] = {{{"name", bad}, {"type", "string"}}};
    auto r = server_.Post("/api/v1/templates", body);
    EXPECT_EQ(r.status, 422) << bad;
  }
  Json dup = MakeTemplate("Dup");
  dup["output_schema"] = {{{"name", "notes"}, {"type", "string"}}};
  EXPECT_EQ(server_.Post("/api/v1/templates", dup).status, 422);
  Json type = MakeTemplate("Type");
  type["input_schema"] = {{{"name", "x"}, {"type", "tensor"}}};
  EXPECT_EQ(server_.Post("/api/v1/templates", type).status, 422);
  EXPECT_EQ(server_.Post("/api/v1/templates", {{"description", "no name"}}).status, 422);
  Json temp = MakeTemplate("Temp");
  temp["temperature"] = 3;
  EXPECT_EQ(server_.Post("/api/v1/templates", temp).status, 422);
  // Inline examples: unknown keys, missing parts and fields outside the schema are named.
  const Json good = {{"input", {{"notes", "crack"}}}, {"output", {{"defect_type", "crack"}}}};
  const std::vector<std::pair<Json, Json>> bad_examples = {
      {Json{{"foo", 1}}, Json{"body", "examples", 0, "foo"}},
      {Json::object(), Json{"body", "examples", 0, "input"}},
      {Json{{"input", {{"notes", "q"}}}}, Json{"body", "examples", 0, "output"}},
      {Json{{"input", {{"notes", "q"}}}, {"output", {{"defect_type", "a"}}}, {"bogus", "x"}}, Json{"body", "examples", 0, "bogus"}},
      {Json{{"input", {{"nope", 1}}}, {"output", {{"defect_type", "a"}}}}, Json{"body", "examples", 0, "input", "nope"}},
      {Json{{"input", {{"notes", "q"}}}, {"output", {{"defect_type", "a"}}}, {"example_id", "e1"}}, Json{"body", "examples", 0, "example_id"}},
  };
  for (const auto& [example, loc] : bad_examples) {
    Json body = MakeTemplate("Inline");
    body["examples"] = {example, good};
    auto r = server_.Post("/api/v1/templates", body);
    ASSERT_EQ(r.status, 422) << example.dump();
    EXPECT_EQ(r.body["detail"][0]["loc"], loc) << r.raw;
  }
  EXPECT_EQ(server_.Get("/api/v1/templates").body["total"], 0);
  Json fine = MakeTemplate("Inline");
  Json cot = good;
  cot["output"]["reasoning"] = "the housing is cracked";
  cot["explanation"] = "a crack is a defect";
  fine["examples"] = {good, cot};
  auto created = server_.Post("/api/v1/templates", fine);
  ASSERT_EQ(created.status, 201) << created.raw;
  // A body read back is accepted as it is.
  Json again = created.body;
  for (const char* k : {"id", "status"}) again.erase(k);
  EXPECT_EQ(server_.Put("/api/v1/templates/" + created.body["id"].get<std::string>(), again).status, 200);
}

TEST_F(TemplatesApi, DerivedFromCycleIsRefused) {
  std::string a = Create("A");
  std::string b = Create("B", {{"derived_from", {a}}});
  std::string c = Create("C", {{"derived_from", {b}}});
  auto cycle = server_.Put("/api/v1/templates/" + a, {{"derived_from", {c}}});
  EXPECT_EQ(cycle.status, 409) << cycle.raw;
  EXPECT_EQ(server_.Get("/api/v1/templates/" + a).body["derived_from"].size(), 0u);
  EXPECT_EQ(server_.Put("/api/v1/templates/" + a, {{"derived_from", {a}}}).status, 409);
  auto missing = server_.Post("/api/v1/templates", {{"name", "D"}, {"derived_from", {"00000000-0000-4000-8000-000000000000"}}});
  EXPECT_EQ(missing.status, 422);
  auto down = server_.Get("/api/v1/templates/" + a + "/lineage?direction=downstream&max_depth=1");
  ASSERT_EQ(down.status, 200);
  EXPECT_EQ(down.body["nodes"].size(), 2u);  // depth cap: a and b only
  auto both = server_.Get("/api/v1/templates/" + b + "/lineage?direction=both");
  EXPECT_EQ(both.body["nodes"].size(), 3u);
  EXPECT_EQ(both.body["edges"].size(), 2u);
  for (const auto& n : both.body["nodes"]) EXPECT_TRUE(n["label"].is_string());
  EXPECT_EQ(server_.Get("/api/v1/templates/" + b + "/lineage?direction=sideways").status, 422);
}

// Two tabs editing one draft (review s21): tab A saved a description, tab B (still showing the old
// data) saved a temperature with the whole form, and A's description was silently lost. GET sends
// an ETag; a PUT whose If-Match names an earlier save is a 412 and changes nothing.
TEST_F(TemplatesApi, AnEditBasedOnAnEarlierSaveDoesNotOverwriteANewerOne) {
  const std::string path = "/api/v1/templates/" + Create("Two tabs");
  auto etag_of = [](const HttpResult& r) {
    auto h = r.headers.find("ETag");
    return h == r.headers.end() ? std::string() : h->second;
  };
  auto put = [&](const Json& body, const std::string& if_match) {
    return if_match.empty() ? server_.Put(path, body) : server_.Send("PUT", path, body, {{"If-Match", if_match}});
  };
  const HttpResult read_by_both = server_.Get(path);
  const std::string loaded = etag_of(read_by_both);
  ASSERT_GE(loaded.size(), 3u);
  EXPECT_EQ(loaded.front(), '"');
  EXPECT_EQ(loaded.back(), '"');

  auto tab_a = put({{"description", "saved by tab A"}}, loaded);
  ASSERT_EQ(tab_a.status, 200) << tab_a.raw;
  const std::string after_a = etag_of(tab_a);
  EXPECT_NE(after_a, loaded);
  EXPECT_EQ(etag_of(server_.Get(path)), after_a);

  Json tab_b = {{"description", read_by_both.body["description"]}, {"temperature", 0.2}};
  auto stale = put(tab_b, loaded);
  EXPECT_EQ(stale.status, 412) << stale.raw;
  EXPECT_EQ(stale.body["code"], "precondition_failed") << stale.raw;
  EXPECT_NE(stale.raw.find("GET it again"), std::string::npos) << stale.raw;
  const Json kept = server_.Get(path).body;
  EXPECT_EQ(kept["description"], "saved by tab A");
  EXPECT_EQ(kept["temperature"], 0.7);
  EXPECT_EQ(etag_of(server_.Get(path)), after_a);

  // A well-formed ETag of no save of this template is a 412 too; one that is no ETag a 400 (as
  // for examples); neither writes.
  EXPECT_EQ(put({{"temperature", 0.3}}, "\"1\"").status, 412);
  for (const char* bad : {"bogus", "\"bogus\"", "W/", "\"1\" junk"}) {
    EXPECT_EQ(put({{"temperature", 0.3}}, bad).status, 400) << bad;
  }
  EXPECT_EQ(server_.Get(path).body["temperature"], 0.7);
  EXPECT_EQ(etag_of(server_.Get(path)), after_a);

  // Without If-Match a PUT writes as before; a list naming the current save, W/ and * pass.
  auto blind = put({{"temperature", 0.3}}, "");
  ASSERT_EQ(blind.status, 200) << blind.raw;
  EXPECT_NE(etag_of(blind), after_a);
  EXPECT_EQ(put({{"max_tokens", 512}}, loaded + ", W/" + etag_of(blind)).status, 200);
  EXPECT_EQ(put({{"max_tokens", 256}}, "*").status, 200);
  const Json now = server_.Get(path).body;
  EXPECT_EQ(now["description"], "saved by tab A");
  EXPECT_EQ(now["temperature"], 0.3);
  EXPECT_EQ(now["max_tokens"], 256);

  // Publishing is a save as well: an edit read before it is a 412, one read after it the 409 of a
  // published template.
  const std::string before_publish = etag_of(server_.Get(path));
  ASSERT_EQ(server_.Post(path + "/publish", Json::object()).status, 200);
  EXPECT_EQ(put({{"temperature", 0.4}}, before_publish).status, 412);
  EXPECT_EQ(put({{"temperature", 0.4}}, etag_of(server_.Get(path))).status, 409);
}

// A template moved from another store through the API keeps its id, so the examples that name it
// (databit_id) import after it; the id was silently replaced by a new one. An id a template has,
// or had (its lineage keeps it), is a 409; one that is no id a 422.
TEST_F(TemplatesApi, ACreateMayNameTheIdOfATemplateMovedFromAnotherStore) {
  const std::string id = "7d3e9a52-1c4b-4f8e-8a6d-2b5c9e0f1a77";
  Json body = MakeTemplate("Moved");
  body["id"] = "7D3E9A52-1C4B-4F8E-8A6D-2B5C9E0F1A77";
  auto created = server_.Post("/api/v1/templates", body);
  ASSERT_EQ(created.status, 201) << created.raw;
  EXPECT_EQ(created.body["id"], id);
  auto example = server_.Post("/api/v1/examples", {{"input", {{"notes", "hairline crack"}}},
                                                   {"expected_output", {{"defect_type", "crack"}}},
                                                   {"databit_id", id}});
  EXPECT_EQ(example.status, 201) << example.raw;
  body["name"] = "Moved again";
  auto twice = server_.Post("/api/v1/templates", body);
  EXPECT_EQ(twice.status, 409) << twice.raw;
  body["id"] = "not-an-id";
  auto bad = server_.Post("/api/v1/templates", body);
  EXPECT_EQ(bad.status, 422) << bad.raw;
  EXPECT_EQ(bad.body["detail"][0]["loc"], Json({"body", "id"}));
  // A deleted template's id stays its own: its lineage (derived_from here) would attach to a stranger.
  const std::string source = Create("Source");
  const std::string gone = Create("Gone", {{"derived_from", {source}}});
  ASSERT_EQ(server_.Delete("/api/v1/templates/" + gone).status, 204);
  body["id"] = gone;
  body["name"] = "Impostor";
  auto reused = server_.Post("/api/v1/templates", body);
  EXPECT_EQ(reused.status, 409) << reused.raw;
  EXPECT_NE(reused.raw.find("deleted"), std::string::npos) << reused.raw;
}

}  // namespace
// A schema edit that the template's stored examples would not pass is refused (s22 loops P1):
// accepted, it left examples the content rules refuse, so they could not be edited or imported
// back from the store's own export. Edits they still pass go through: each is decided by checking
// the examples against the new schema, not by the kind of edit.
TEST_F(TemplatesApi, SchemaEditsThatStrandStoredExamplesAreRefused) {
  const std::string id = Create("Stranding");
  std::vector<std::string> examples;
  for (const char* defect : {"crack", "dent", "scratch"}) {
    auto r = server_.Post("/api/v1/examples", {{"input", {{"notes", std::string("a ") + defect}}},
                                               {"expected_output", {{"defect_type", defect}}},
                                               {"databit_id", id}});
    ASSERT_EQ(r.status, 201) << r.raw;
    examples.push_back(r.body["example_id"]);
  }
  const Json notes = {{"name", "notes"}, {"type", "string"}, {"description", "inspection notes"}};
  const Json defect = {{"name", "defect_type"}, {"type", "string"}};
  auto severity = [](bool required) {
    return Json{{"name", "severity"}, {"type", "string"}, {"required", required}};
  };

  auto required = server_.Put("/api/v1/templates/" + id, {{"output_schema", {defect, severity(true)}}});
  ASSERT_EQ(required.status, 409) << required.raw;
  const std::string why = required.body.value("detail", "");
  EXPECT_NE(why.find("3 stored example(s)"), std::string::npos) << why;
  EXPECT_NE(why.find(examples[0]), std::string::npos) << why;
  EXPECT_NE(why.find("severity"), std::string::npos) << why;
  EXPECT_NE(why.find("add it as optional (required: false), fill it in those examples, then make it required"),
            std::string::npos)
      << why;
  EXPECT_EQ(server_.Get("/api/v1/templates/" + id).body["output_schema"].size(), 1u);  // nothing saved
  // Removing a field the examples hold, or retyping it, strands them too.
  EXPECT_EQ(server_.Put("/api/v1/templates/" + id, {{"input_schema", Json::array({{{"name", "other"}, {"type", "string"}}})}})
                .status,
            409);
  EXPECT_EQ(server_.Put("/api/v1/templates/" + id, {{"output_schema", {{{"name", "defect_type"}, {"type", "integer"}}}}})
                .status,
            409);

  // The way the refusal names: optional first, fill the examples, then required.
  auto optional = server_.Put("/api/v1/templates/" + id, {{"output_schema", {defect, severity(false)}}});
  ASSERT_EQ(optional.status, 200) << optional.raw;
  Json described = notes;
  described["description"] = "what the inspector wrote";
  EXPECT_EQ(server_.Put("/api/v1/templates/" + id, {{"input_schema", {described}}}).status, 200);
  for (size_t i = 0; i < examples.size(); ++i) {
    Json output = {{"defect_type", std::vector<std::string>{"crack", "dent", "scratch"}[i]}, {"severity", "low"}};
    ASSERT_EQ(server_.Put("/api/v1/examples/" + examples[i], {{"expected_output", output}}).status, 200);
    if (i + 1 < examples.size()) {
      // Two of three filled: still refused, naming the one left.
      auto still = server_.Put("/api/v1/templates/" + id, {{"output_schema", {defect, severity(true)}}});
      ASSERT_EQ(still.status, 409) << still.raw;
      EXPECT_NE(still.body.value("detail", "").find(std::to_string(examples.size() - i - 1) + " stored example(s)"),
                std::string::npos)
          << still.raw;
    }
  }
  auto made_required = server_.Put("/api/v1/templates/" + id, {{"output_schema", {defect, severity(true)}}});
  ASSERT_EQ(made_required.status, 200) << made_required.raw;
  EXPECT_EQ(made_required.body["output_schema"][1]["required"], true);
  // The examples still pass the rules: an edit that rewrites one is stored.
  EXPECT_EQ(server_.Put("/api/v1/examples/" + examples[0], {{"difficulty", "hard"}}).status, 200);

  // A template without examples takes any schema.
  const std::string empty = Create("Stranding nothing");
  EXPECT_EQ(server_.Put("/api/v1/templates/" + empty, {{"output_schema", {defect, severity(true)}}}).status, 200);
}

// A version's examples name the family's root (they are written before the version exists), and
// its exports and runs read them as its data; an edit of a draft version checked only examples
// naming the version itself, so a required field the root's examples lack was saved.
TEST_F(TemplatesApi, AVersionsSchemaEditChecksItsLinesExamples) {
  const std::string root = Create("Stranding a line");
  auto ex = server_.Post("/api/v1/examples", {{"input", {{"notes", "a crack"}}},
                                              {"expected_output", {{"defect_type", "crack"}}},
                                              {"databit_id", root}});
  ASSERT_EQ(ex.status, 201) << ex.raw;
  ASSERT_EQ(server_.Post("/api/v1/templates/" + root + "/publish", Json::object()).status, 200);
  auto made = server_.Post("/api/v1/templates/" + root + "/version", Json::object());
  ASSERT_EQ(made.status, 201) << made.raw;
  const std::string version = made.body["id"];
  const Json defect = {{"name", "defect_type"}, {"type", "string"}};
  auto severity = [](bool required) { return Json{{"name", "severity"}, {"type", "string"}, {"required", required}}; };

  auto refused = server_.Put("/api/v1/templates/" + version, {{"output_schema", {defect, severity(true)}}});
  ASSERT_EQ(refused.status, 409) << refused.raw;
  const std::string why = refused.body.value("detail", "");
  EXPECT_NE(why.find(ex.body["example_id"].get<std::string>()), std::string::npos) << why;
  EXPECT_NE(why.find("earlier version of this template (" + root + ")"), std::string::npos) << why;
  EXPECT_EQ(server_.Get("/api/v1/templates/" + version).body["output_schema"].size(), 1u);  // nothing saved
  EXPECT_EQ(server_.Put("/api/v1/templates/" + version, {{"output_schema", {defect, severity(false)}}}).status, 200);
}

// A schema edit checks live examples only; an example deleted before it came back unfit through
// restore, and then could not be saved again nor its export imported back.
TEST_F(TemplatesApi, ARestoreTheEditedSchemaRefusesIsA409NamingTheField) {
  const std::string id = Create("Stranding the trash");
  auto ex = server_.Post("/api/v1/examples", {{"input", {{"notes", "a dent"}}},
                                              {"expected_output", {{"defect_type", "dent"}}},
                                              {"databit_id", id}});
  ASSERT_EQ(ex.status, 201) << ex.raw;
  const std::string example = ex.body["example_id"];
  ASSERT_EQ(server_.Delete("/api/v1/examples/" + example).status, 204);
  const Json defect = {{"name", "defect_type"}, {"type", "string"}};
  auto severity = [](bool required) { return Json{{"name", "severity"}, {"type", "string"}, {"required", required}}; };
  ASSERT_EQ(server_.Put("/api/v1/templates/" + id, {{"output_schema", {defect, severity(true)}}}).status, 200);

  auto refused = server_.Post("/api/v1/examples/" + example + "/restore", Json::object());
  ASSERT_EQ(refused.status, 409) << refused.raw;
  const std::string why = refused.body.value("detail", "");
  EXPECT_NE(why.find("expected_output.severity"), std::string::npos) << why;
  EXPECT_EQ(server_.Get("/api/v1/examples/" + example).status, 404);  // still deleted
  // Made optional, it comes back, is filled in, and the field can be required again.
  ASSERT_EQ(server_.Put("/api/v1/templates/" + id, {{"output_schema", {defect, severity(false)}}}).status, 200);
  ASSERT_EQ(server_.Post("/api/v1/examples/" + example + "/restore", Json::object()).status, 200);
  ASSERT_EQ(server_.Put("/api/v1/examples/" + example, {{"expected_output", {{"defect_type", "dent"}, {"severity", "low"}}}})
                .status,
            200);
  EXPECT_EQ(server_.Put("/api/v1/templates/" + id, {{"output_schema", {defect, severity(true)}}}).status, 200);
}

}  // namespace exemplar::testing
