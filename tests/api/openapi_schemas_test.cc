// The OpenAPI document's schemas against what the server really reads and writes, where
// tests/api/openapi_test.cc's open schemas would let a difference pass: a template's inline
// examples (the schema accepts exactly what the parser accepts), and every key a response
// returns is declared in its schema (open objects took any undeclared key silently).
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <set>

#include "common/ids.h"
#include "testing/json_schema.h"
#include "testing/seed_fixture.h"

namespace exemplar::testing {
namespace {

class OpenApiSchemas : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = server_.Get("/api/v1/openapi.json");
    ASSERT_EQ(r.status, 200);
    doc_ = r.body;
  }
  // The success body's schema of `route` ("GET /api/v1/examples/{id}") for `status`.
  const Json& ResponseSchema(const std::string& route, int status) const {
    const auto space = route.find(' ');
    std::string method = route.substr(0, space);
    for (char& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return doc_["paths"][route.substr(space + 1)][method]["responses"][std::to_string(status)]["content"]
               ["application/json"]["schema"];
  }
  // Sends the request and reports every key of the answer its schema does not declare.
  Json ExpectDeclared(const std::string& route, const std::string& target, const Json& body = nullptr,
                      int status = 200) {
    const std::string method = route.substr(0, route.find(' '));
    HttpResult r = method == "GET" ? server_.Get(target) : server_.Post(target, body);
    EXPECT_EQ(r.status, status) << route << ": " << r.raw.substr(0, 400);
    const Json& schema = ResponseSchema(route, status);
    EXPECT_TRUE(schema.is_object()) << route << " declares no JSON body for " << status;
    std::set<std::string> undeclared;  // one report per key, whatever the list index
    for (const auto& key : UndeclaredKeys(schema, r.body, doc_)) {
      undeclared.insert(std::regex_replace(key, std::regex("\\[[0-9]+\\]"), "[]"));
    }
    for (const auto& key : undeclared) {
      ADD_FAILURE() << route << " returns " << key << ", which its response schema does not declare";
    }
    for (const auto& e : ValidateSchema(schema, r.body, doc_)) ADD_FAILURE() << route << ": " << e;
    return r.body;
  }
  const Json& RequestSchema(const std::string& path, const std::string& method) const {
    return doc_["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"];
  }
  TestServer server_;
  Json doc_;
};

// Each inline example is accepted by PUT /templates/{id} exactly when the schema of its item
// accepts it (the schema declared input/output only, open, with nothing required).
TEST_F(OpenApiSchemas, TemplateInlineExamplesMatchTheParser) {
  auto t = server_.Post("/api/v1/templates", {{"name", "router"},
                                              {"input_schema", {{{"name", "text"}, {"type", "string"}}}},
                                              {"output_schema", {{{"name", "label"}, {"type", "string"}}}}});
  ASSERT_EQ(t.status, 201) << t.raw;
  const std::string tid = t.body.value("id", "");
  const Json& items = RequestSchema("/api/v1/templates/{id}", "put")["properties"]["examples"]["items"];
  ASSERT_TRUE(items.is_object()) << RequestSchema("/api/v1/templates/{id}", "put").dump();
  EXPECT_EQ(items.value("additionalProperties", Json(true)), Json(false)) << items.dump();
  const Json io = {{"input", {{"text", "a"}}}, {"output", {{"label", "b"}}}};
  auto with = [&](const Json& extra) {
    Json e = io;
    e.update(extra);
    return e;
  };
  const std::vector<std::pair<Json, bool>> samples = {
      {io, true},
      {with({{"explanation", "why"},
             {"source", "dspy_optimized"},
             {"augmented", true},
             {"example_id", "00000000-0000-4000-8000-0000000000aa"}}),
       true},
      {with({{"explanation", nullptr}}), true},
      {{{"purged", true}}, true},
      {with({{"purged", false}}), true},
      {{{"input", {{"text", "a"}}}}, false},
      {{{"output", {{"label", "b"}}}}, false},
      {{{"purged", false}}, false},
      {with({{"bogus", 1}}), false},
      {with({{"source", 5}}), false},
      {with({{"source", std::string(300, 's')}}), false},
      {with({{"augmented", "yes"}}), false},
      {with({{"example_version", 0}}), false},
      {with({{"example_version", "2"}}), false},
      {with({{"explanation", 3}}), false},
      {with({{"input", "text"}}), false},
  };
  for (const auto& [sample, accepted] : samples) {
    const auto errors = ValidateSchema(items, sample, doc_);
    EXPECT_EQ(errors.empty(), accepted) << sample.dump() << (errors.empty() ? "" : ": " + errors.front());
    auto put = server_.Put("/api/v1/templates/" + tid, {{"examples", Json::array({sample})}});
    EXPECT_EQ(put.status, accepted ? 200 : 422) << sample.dump() << " " << put.raw.substr(0, 300);
  }
  // The marks only the server writes have the documented shape, but a client cannot set them
  // (service::InlineMarks): only sent back as the template holds them.
  for (const Json& mark : {Json{{"example_version", 2}}, Json{{"match", "exact"}}}) {
    const Json sample = with(mark);
    EXPECT_TRUE(ValidateSchema(items, sample, doc_).empty()) << sample.dump();
    EXPECT_EQ(server_.Put("/api/v1/templates/" + tid, {{"examples", Json::array({sample})}}).status, 422);
  }
}

// Real answers of a seeded store with usage, outcomes and a completed run (offline LM): every
// key they hold is declared in the document (run timings, tokens, search scores, dashboard and
// effectiveness figures, run trials and contributions were returned but not declared).
TEST_F(OpenApiSchemas, EveryReturnedKeyIsDeclared) {
  auto ids = SeedThroughApi(server_, EXEMPLAR_SEED_DIR);
  const std::string tid = ids["7d3e9a52-1c4b-4f8e-8a6d-2b5c9e0f1a01"];
  ASSERT_FALSE(tid.empty());
  const Json page = ExpectDeclared("GET /api/v1/examples", "/api/v1/examples/databit/" + tid + "?page_size=50");
  ASSERT_GE(page["examples"].size(), 4u);
  std::vector<std::string> eids;
  for (const auto& e : page["examples"]) eids.push_back(e["example_id"]);
  // Usage and outcomes: the dashboard and effectiveness figures have something to report.
  for (size_t i = 0; i < eids.size(); ++i) {
    for (int n = 0; n < 3; ++n) {
      const char* outcome = (i + n) % 3 == 0 ? "failure" : "success";
      ASSERT_EQ(server_.Post("/api/v1/examples/" + eids[i] + "/track", {{"outcome", outcome}}).status, 204);
    }
  }
  ASSERT_EQ(server_.Put("/api/v1/examples/" + eids[0], {{"explanation", "edited once"}}).status, 200);

  Json run = server_.Post("/api/v1/dspy-runs", {{"template_id", tid},
                                                {"optimizer_type", "BootstrapFewShotWithRandomSearch"},
                                                {"optimizer_params", {{"num_candidate_programs", 2}}},
                                                {"metric", "exact_match"},
                                                {"lm", {{"provider", "offline"}}},
                                                {"budget", {{"max_trials", 6}}},
                                                {"data", {{"split_ratio", 0.5}, {"seed", 7}}}})
                 .body;
  const std::string rid = run.value("run_id", "");
  ASSERT_EQ(WaitForRun(server_, rid).value("status", ""), "completed");

  ExpectDeclared("GET /readyz", "/readyz");
  ExpectDeclared("GET /api/v1/examples", "/api/v1/examples?page_size=5");
  ExpectDeclared("GET /api/v1/examples/{id}", "/api/v1/examples/" + eids[0]);
  ExpectDeclared("GET /api/v1/examples/top", "/api/v1/examples/top?limit=3");
  ExpectDeclared("GET /api/v1/examples/{id}/effectiveness", "/api/v1/examples/" + eids[0] + "/effectiveness");
  ExpectDeclared("GET /api/v1/examples/dashboard", "/api/v1/examples/dashboard?period=7d");
  ExpectDeclared("GET /api/v1/examples/{id}/versions", "/api/v1/examples/" + eids[0] + "/versions");
  ExpectDeclared("GET /api/v1/examples/{id}/lineage", "/api/v1/examples/" + eids[0] + "/lineage?direction=both");
  for (const char* mode : {"hybrid", "vector", "keyword"}) {
    ExpectDeclared("POST /api/v1/examples/search", "/api/v1/examples/search",
                   {{"query_text", "crack in the crystal"}, {"mode", mode}, {"k", 5}, {"effectiveness_weight", 0.3},
                    {"exploration", "ucb"}});
  }
  const Json retrieved = ExpectDeclared("POST /api/v1/examples/retrieve", "/api/v1/examples/retrieve",
                                        {{"query", "crack in the crystal"}, {"k", 3}, {"format", "chat"}});
  ExpectDeclared("GET /api/v1/examples/retrievals/{id}",
                 "/api/v1/examples/retrievals/" + retrieved.value("retrieval_id", ""));
  ExpectDeclared("POST /api/v1/examples/outcome", "/api/v1/examples/outcome",
                 {{"retrieval_id", retrieved.value("retrieval_id", "")}, {"outcome", "success"}});
  ExpectDeclared("GET /api/v1/templates/{id}", "/api/v1/templates/" + tid);
  ExpectDeclared("GET /api/v1/templates", "/api/v1/templates?page_size=5");
  ExpectDeclared("GET /api/v1/dspy-runs/{id}", "/api/v1/dspy-runs/" + rid);
  ExpectDeclared("GET /api/v1/dspy-runs", "/api/v1/dspy-runs?page_size=5");
  ExpectDeclared("GET /api/v1/dspy-runs/{id}/results", "/api/v1/dspy-runs/" + rid + "/results");
  ExpectDeclared("POST /api/v1/dspy-runs/{id}/sync", "/api/v1/dspy-runs/" + rid + "/sync", Json::object());
  ExpectDeclared("GET /api/v1/dspy-runs/{id}", "/api/v1/dspy-runs/" + rid);  // synced now
  // Retrieved, credited and now given a run's evidence (no actor).
  ExpectDeclared("GET /api/v1/examples/{id}/usage", "/api/v1/examples/" + eids[0] + "/usage");
  const Json accepted =
      ExpectDeclared("POST /api/v1/dspy-runs/{id}/accept", "/api/v1/dspy-runs/" + rid + "/accept", Json::object(), 201);
  const std::string version = accepted["template"].value("id", "");
  ExpectDeclared("GET /api/v1/templates/{id}/lineage", "/api/v1/templates/" + version + "/lineage?direction=both");
  ExpectDeclared("GET /api/v1/templates/{id}/attribution", "/api/v1/templates/" + version + "/attribution");
  ExpectDeclared("GET /api/v1/templates/{id}", "/api/v1/templates/" + version);
}

// A key the document declares for a body is one its route accepts: a client generated from the
// document sends it. (POST /examples/retrieve declared the search's `query_text`, which it refuses
// in favour of `query`.) Each declared key alone, with a string value: a 422 may say the value is
// wrong or another key is missing, never that the declared key is unknown. Path ids are unknown
// ones, so a route that looks its resource up first answers 404 and says nothing here.
TEST_F(OpenApiSchemas, EveryDeclaredBodyKeyIsAcceptedByItsRoute) {
  size_t tried = 0;
  for (const auto& [path, ops] : doc_["paths"].items()) {
    for (const auto& [method, op] : ops.items()) {
      if (method != "post" && method != "put") continue;
      Json schema = op["requestBody"]["content"]["application/json"]["schema"];
      if (schema.contains("$ref")) {
        const std::string ref = schema["$ref"];
        schema = doc_["components"]["schemas"][ref.substr(ref.rfind('/') + 1)];
      }
      if (!schema.is_object() || !schema.contains("properties")) continue;
      std::string target;
      for (size_t at = 1; at <= path.size();) {
        const size_t next = std::min(path.find('/', at), path.size());
        const std::string part = path.substr(at, next - at);
        target += "/" + (!part.empty() && part[0] == '{' ? NewUuid() : part);
        at = next + 1;
      }
      for (const auto& [key, prop] : schema["properties"].items()) {
        auto r = server_.Send(method == "post" ? "POST" : "PUT", target, {{key, "x"}}, {});
        ++tried;
        if (r.status != 422 || !r.body.contains("detail")) continue;
        for (const auto& d : r.body["detail"]) {
          EXPECT_FALSE(d.value("type", "") == "value_error.extra" && d["loc"] == Json::array({"body", key}))
              << method << " " << path << " declares `" << key << "`, which it refuses as unknown: " << d.dump();
        }
      }
    }
  }
  EXPECT_GT(tried, 100u);
}

}  // namespace
}  // namespace exemplar::testing
