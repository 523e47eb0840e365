// The OpenAPI document against the answers tests/api/openapi_test.cc's scenario does not reach:
// the 422 every route gives an unknown query parameter, the other media types of exports and
// downloads, the 202 of a background re-embedding, the whole shapes of an import-dspy, a new
// snapshot, a deleted example, a near-duplicate warning and a refused batch, the conflicts (409),
// the response headers, and query parameters declared as the server reads them. Each answer must
// be a status its operation declares (not `default`), in a declared media type, match the schema
// and hold no key the schema does not declare.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <regex>
#include <set>
#include <thread>

#include "common/ids.h"
#include "testing/json_schema.h"
#include "testing/test_server.h"

namespace exemplar::testing {
namespace {

class OpenApiResponses : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = server_.Get("/api/v1/openapi.json");
    ASSERT_EQ(r.status, 200);
    doc_ = r.body;
  }

  // The operation of "METHOD /path/{id}".
  const Json& Op(const std::string& route) const {
    const auto space = route.find(' ');
    std::string method = route.substr(0, space);
    for (char& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return doc_["paths"][route.substr(space + 1)][method];
  }

  // Sends `method target` (body: JSON, a string sent as is, or null for none) and checks the
  // answer against the declaration of `route` for the status it got.
  HttpResult Expect(const std::string& route, const std::string& target, const Json& body, int status,
                    const std::string& content_type = "application/json") {
    const std::string method = route.substr(0, route.find(' '));
    const std::string raw = body.is_null() ? "" : body.is_string() ? body.get<std::string>() : body.dump();
    HttpResult r;
    if (method == "GET") r = server_.Get(target);
    else if (method == "DELETE") r = server_.Delete(target);
    else if (method == "PUT") r = server_.PutRaw(target, raw, content_type);
    else r = server_.PostRaw(target, raw, content_type);
    EXPECT_EQ(r.status, status) << route << " (" << target << "): " << r.raw.substr(0, 400);
    const Json& op = Op(route);
    if (!op.is_object()) {
      ADD_FAILURE() << route << " is not in the document";
      return r;
    }
    const std::string code = std::to_string(r.status);
    if (!op["responses"].contains(code)) {
      ADD_FAILURE() << route << " answered " << code << ", which the document does not declare (it falls to "
                    << "`default`): " << r.raw.substr(0, 300);
      return r;
    }
    const Json& resp = op["responses"][code];
    for (const char* header : {"ETag", "Retry-After", "X-Request-Id"}) {
      if (r.headers.find(header) == r.headers.end()) continue;
      EXPECT_TRUE(resp.contains("headers") && resp["headers"].contains(header))
          << route << " answered " << code << " with the header " << header << ", which the document does not declare";
    }
    if (!resp.contains("content")) {
      EXPECT_TRUE(r.raw.empty()) << route << " answered a body the document does not declare for " << code;
      return r;
    }
    std::string type;
    Json schema;
    for (const auto& [t, media] : resp["content"].items()) {
      if (r.content_type.substr(0, t.size()) == t) type = t, schema = media["schema"];
    }
    if (type.empty()) {
      ADD_FAILURE() << route << " answered " << code << " as " << r.content_type
                    << ", which the document does not declare; it declares " << resp["content"].dump().substr(0, 300);
      return r;
    }
    if (type.find("json") == std::string::npos || type == "application/x-ndjson") return r;
    const Json value = Json::parse(r.raw, nullptr, false);
    for (const auto& e : ValidateSchema(schema, value, doc_)) {
      ADD_FAILURE() << route << " answered " << code << " (" << type << ") not matching the document: " << e;
    }
    std::set<std::string> undeclared;  // one report per key, whatever the list index
    for (const auto& key : UndeclaredKeys(schema, value, doc_)) {
      undeclared.insert(std::regex_replace(key, std::regex("\\[[0-9]+\\]"), "[]"));
    }
    for (const auto& key : undeclared) {
      ADD_FAILURE() << route << " answered " << code << " with " << key << ", which its schema does not declare";
    }
    return r;
  }

  // A template (ticket → queue) with three examples; returns its id, the examples' in `eids`.
  std::string TemplateWithExamples(std::vector<std::string>* eids) {
    auto t = server_.Post("/api/v1/templates",
                          {{"name", "router-" + NewUuid().substr(0, 8)},
                           {"input_schema", {{{"name", "ticket"}, {"type", "string"}}}},
                           {"output_schema", {{{"name", "queue"}, {"type", "string"}}}}});
    EXPECT_EQ(t.status, 201) << t.raw;
    const std::string tid = t.body.value("id", "");
    const std::vector<std::pair<std::string, std::string>> rows = {
        {"My invoice shows a double charge", "billing"},
        {"The app crashes when I log in", "technical"},
        {"Please refund my last payment", "billing"}};
    for (const auto& [ticket, queue] : rows) {
      auto e = server_.Post("/api/v1/examples", {{"input", {{"ticket", ticket}}},
                                                 {"expected_output", {{"queue", queue}}},
                                                 {"databit_id", tid},
                                                 {"domain", "support"},
                                                 {"capability_tags", {"routing"}}});
      EXPECT_EQ(e.status, 201) << e.raw;
      eids->push_back(e.body.value("example_id", ""));
    }
    return tid;
  }

  TestServer server_;
  Json doc_;
};

// KnownQueryNames (api/routes.cc) refuses an undeclared query parameter on every route, GETs by id
// and health checks included: each operation declares that 422 with its ValidationError body.
// (~20 operations without a body or query parameters declared none, so the answer fell to
// `default`, an Error whose detail is a string.)
TEST_F(OpenApiResponses, EveryOperationDeclaresThe422OfAnUnknownQueryParameter) {
  size_t tried = 0;
  for (const auto& [path, ops] : doc_["paths"].items()) {
    for (auto it = ops.begin(); it != ops.end(); ++it) {
      std::string m = it.key();
      for (char& c : m) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      // The document itself is served by the dispatcher, which reads no parameter (its 422 is
      // the dispatcher's own, for a parameter that is not UTF-8).
      if (path == "/api/v1/openapi.json") continue;
      const std::string target =
          std::regex_replace(path, std::regex("\\{[a-z_]+\\}"), NewUuid()) + "?not_a_parameter=1";
      const Json body = m == "POST" || m == "PUT" ? Json::object() : Json(nullptr);
      HttpResult r = Expect(m + " " + path, target, body, 422);
      if (r.status == 422) {
        EXPECT_TRUE(r.body.contains("detail") && r.body["detail"].is_array()) << m << " " << path << ": " << r.raw;
      }
      ++tried;
    }
  }
  EXPECT_GT(tried, 60u);
}

// Exports and downloads answer the media type their format names, and a forced re-embedding
// answers 202: each is declared (only JSONL, or only JSON, or only 200 were).
TEST_F(OpenApiResponses, ExportsDownloadsAndBackgroundJobsAnswerDeclaredStatusesAndTypes) {
  std::vector<std::string> eids;
  const std::string tid = TemplateWithExamples(&eids);
  const std::string ex = "GET /api/v1/examples/export";
  EXPECT_EQ(Expect(ex, "/api/v1/examples/export?format=csv", nullptr, 200).content_type.rfind("text/csv", 0), 0u);
  Expect(ex, "/api/v1/examples/export?format=jsonl&domain=support", nullptr, 200);

  const HttpResult snap = Expect("POST /api/v1/snapshots", "/api/v1/snapshots",
                                 {{"name", "support-v1"}, {"filter", {{"domain", "support"}}}}, 201);
  const std::string sid = snap.body.value("snapshot_id", "");
  ASSERT_FALSE(sid.empty()) << snap.raw;
  EXPECT_EQ(snap.body["items"].size(), 3u) << snap.raw;
  const std::string se = "GET /api/v1/snapshots/{id}/export";
  const HttpResult info = Expect(se, "/api/v1/snapshots/" + sid + "/export?format=hf_info", nullptr, 200);
  EXPECT_EQ(info.content_type.rfind("application/json", 0), 0u) << info.content_type;
  Expect(se, "/api/v1/snapshots/" + sid + "/export?format=hf_jsonl", nullptr, 200);

  const std::string dspy = "POST /api/v1/templates/{id}/export-dspy";
  const std::string target = "/api/v1/templates/" + tid + "/export-dspy";
  const std::vector<std::pair<std::string, std::string>> files = {{"python_module", "text/x-python"},
                                                                  {"program_state", "application/json"},
                                                                  {"json_config", "application/json"},
                                                                  {"dataset_jsonl", "application/x-ndjson"},
                                                                  {"notebook", "application/x-ipynb+json"}};
  for (const auto& [format, type] : files) {
    const HttpResult file = Expect(dspy, target + "?download=true", {{"format", format}}, 200);
    EXPECT_EQ(file.content_type.rfind(type, 0), 0u) << format << ": " << file.content_type;
    Expect(dspy, target, {{"format", format}}, 200);  // the JSON answer, every key declared
  }

  const std::string re = "POST /api/v1/examples/regenerate-embeddings";
  Expect(re, "/api/v1/examples/regenerate-embeddings", {{"force", true}}, 202);
  Json status;
  for (int i = 0; i < 600; ++i) {  // the job rebuilds three vectors: wait for it, not a fixed time
    status = server_.Get("/api/v1/examples/regenerate-embeddings").body;
    if (status.value("state", "") != "running") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(status.value("state", ""), "completed") << status.dump();
}

// Answers whose keys the document did not all declare: an import-dspy's report (demos,
// unmatched, module, created_example_ids), a new snapshot's items, a deleted example's marks, a
// near-duplicate warning's example_id and similarity, and the report a refused batch or import
// carries with its 422.
TEST_F(OpenApiResponses, EveryKeyOfTheseAnswersIsDeclared) {
  std::vector<std::string> eids;
  const std::string tid = TemplateWithExamples(&eids);
  const auto exported = server_.Post("/api/v1/templates/" + tid + "/export-dspy", {{"format", "program_state"}});
  ASSERT_EQ(exported.status, 200) << exported.raw;
  Json state = Json::parse(exported.body.value("content", "{}"));
  ASSERT_TRUE(state.contains("predict") && !state["predict"]["demos"].empty()) << state.dump();
  state["predict"]["demos"][0]["ticket"] = "A demo no stored example holds";
  state["predict"]["demos"][0].erase("example_id");  // else it is linked by its id
  const std::string imp = "POST /api/v1/templates/{id}/import-dspy";
  const std::string target = "/api/v1/templates/" + tid + "/import-dspy";
  const HttpResult first = Expect(imp, target, state, 201);
  EXPECT_FALSE(first.body.value("unmatched", Json::array()).empty()) << first.raw;
  Expect(imp, target, state, 200);  // a repeat: the version the first one made
  const HttpResult created = Expect(imp, target + "?create_examples=true", state, 201);
  EXPECT_EQ(created.body.value("created_example_ids", Json::array()).size(), 1u) << created.raw;

  Expect("POST /api/v1/snapshots", "/api/v1/snapshots", {{"name", "by-ids"}, {"example_ids", {eids[0]}}}, 201);

  ASSERT_EQ(server_.Delete("/api/v1/examples/" + eids[1]).status, 204);
  const HttpResult deleted =
      Expect("GET /api/v1/examples/{id}", "/api/v1/examples/" + eids[1] + "?include_deleted=true", nullptr, 200);
  EXPECT_EQ(deleted.body.value("deleted", false), true) << deleted.raw;

  const Json copy = {{"input", {{"ticket", "My invoice shows a double charge"}}},
                     {"expected_output", {{"queue", "billing"}}}, {"databit_id", tid}, {"domain", "support"}};
  const HttpResult twin = Expect("POST /api/v1/examples", "/api/v1/examples?on_duplicate=warn", copy, 201);
  ASSERT_FALSE(twin.body.value("warnings", Json::array()).empty()) << twin.raw;
  EXPECT_EQ(twin.body["warnings"][0].value("example_id", ""), eids[0]) << twin.raw;

  const HttpResult batch = Expect("POST /api/v1/examples/batch", "/api/v1/examples/batch",
                                  {{"atomic", false}, {"examples", {{{"input", "not an object"}, {"expected_output", {}}}}}},
                                  422);
  EXPECT_TRUE(batch.body.contains("created_count") && batch.body.contains("errors")) << batch.raw;
  const HttpResult import = Expect("POST /api/v1/examples/import", "/api/v1/examples/import?format=json",
                                   Json::array({{{"input", 5}, {"expected_output", {{"queue", "billing"}}}}}), 422);
  EXPECT_TRUE(import.body.contains("total_records")) << import.raw;
}

// Conflicts are 409s the routes declare (they fell to `default`), an unknown retrieval is a 404
// POST /examples/outcome declares, and the ETag of an example is a declared header.
TEST_F(OpenApiResponses, ConflictsNotFoundAndHeadersAreDeclared) {
  std::vector<std::string> eids;
  const std::string tid = TemplateWithExamples(&eids);
  const std::string one = "/api/v1/examples/" + eids[0];
  const HttpResult got = Expect("GET /api/v1/examples/{id}", one, nullptr, 200);
  EXPECT_NE(got.headers.find("ETag"), got.headers.end());
  Expect("PUT /api/v1/examples/{id}", one, {{"explanation", "edited"}}, 200);
  Expect("PUT /api/v1/examples/{id}", one, {{"explanation", "stale"}, {"version", 1}}, 409);

  Expect("POST /api/v1/examples/outcome", "/api/v1/examples/outcome",
         {{"retrieval_id", NewUuid()}, {"outcome", "success"}}, 404);
  const auto retrieved = server_.Post("/api/v1/examples/retrieve", {{"query", "double charge"}, {"k", 2}});
  ASSERT_EQ(retrieved.status, 200) << retrieved.raw;
  const Json outcome = {{"retrieval_id", retrieved.body.value("retrieval_id", "")}, {"outcome", "success"}};
  Expect("POST /api/v1/examples/outcome", "/api/v1/examples/outcome", outcome, 200);
  Expect("POST /api/v1/examples/outcome", "/api/v1/examples/outcome", outcome, 200);  // a retry
  Json other = outcome;
  other["outcome"] = "failure";  // another outcome for the same retrieval
  Expect("POST /api/v1/examples/outcome", "/api/v1/examples/outcome", other, 409);

  ASSERT_EQ(server_.Delete("/api/v1/examples/" + eids[2] + "?purge=true").status, 204);
  Expect("POST /api/v1/examples/{id}/restore", "/api/v1/examples/" + eids[2] + "/restore", nullptr, 409);

  const std::string tpl = "/api/v1/templates/" + tid;
  Expect("POST /api/v1/templates/{id}/publish", tpl + "/publish", nullptr, 200);
  Expect("POST /api/v1/templates/{id}/publish", tpl + "/publish", nullptr, 409);
  Expect("PUT /api/v1/templates/{id}", tpl, {{"description", "too late"}}, 409);
  Expect("DELETE /api/v1/templates/{id}", tpl, nullptr, 409);
}

// List filters given once per value are declared as arrays (form, exploded); content filters,
// whose name holds the field, are not parameters a generator would send literally; and the
// declared defaults are the ones the server applies.
TEST_F(OpenApiResponses, QueryParametersAndDefaultsAreTheServersOwn) {
  const Json& list = Op("GET /api/v1/examples");
  std::map<std::string, Json> params;
  for (const auto& p : list["parameters"]) params[p.value("name", "")] = p;
  for (const char* name : {"capability_tags", "capability_tags_all"}) {
    ASSERT_TRUE(params.count(name)) << name;
    EXPECT_EQ(params[name]["schema"]["type"], "array") << params[name].dump();
    EXPECT_EQ(params[name].value("style", ""), "form") << params[name].dump();
    EXPECT_EQ(params[name].value("explode", false), true) << params[name].dump();
  }
  for (const auto& [path, ops] : doc_["paths"].items()) {
    for (const auto& [method, op] : ops.items()) {
      for (const auto& p : op.value("parameters", Json::array())) {
        EXPECT_EQ(p.value("name", "").find('{'), std::string::npos) << method << " " << path << ": " << p.dump();
      }
    }
  }
  std::set<std::string> patterns;
  for (const auto& p : list["x-pattern-parameters"]) patterns.insert(p.value("name", ""));
  EXPECT_EQ(patterns, (std::set<std::string>{"input.<field>", "output.<field>"}));

  std::vector<std::string> eids;
  TemplateWithExamples(&eids);
  auto tagged = server_.Get("/api/v1/examples?capability_tags=routing&capability_tags=other&input.ticket=x");
  EXPECT_EQ(tagged.status, 200) << tagged.raw;

  EXPECT_EQ(params["page_size"]["schema"]["default"], server_.Get("/api/v1/examples").body["page_size"]);
  EXPECT_EQ(params["sort_by"]["schema"]["default"], "effectiveness_score");
  const Json& retrieve =
      Op("POST /api/v1/examples/retrieve")["requestBody"]["content"]["application/json"]["schema"]["properties"];
  auto r = server_.Post("/api/v1/examples/retrieve", {{"query", "refund"}});
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(retrieve["k"]["default"], r.body["metadata"]["k_requested"]);
  EXPECT_EQ(retrieve["exploration"]["default"], r.body["metadata"]["exploration"]);
  const Json& search =
      Op("POST /api/v1/examples/search")["requestBody"]["content"]["application/json"]["schema"]["properties"];
  EXPECT_EQ(search["k"]["default"], 10);
  const Json& codes = doc_["components"]["schemas"]["Error"]["properties"]["code"]["enum"];
  for (const char* code : {"not_found", "conflict", "already_exists", "unavailable", "resource_exhausted"}) {
    EXPECT_NE(std::find(codes.begin(), codes.end(), code), codes.end()) << code << " not in " << codes.dump();
  }
}

}  // namespace
}  // namespace exemplar::testing
