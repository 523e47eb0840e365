// The OpenAPI document's schemas against what the server really reads and writes, where
// tests/api/openapi_test.cc's open schemas would let a difference pass: a template's inline
// examples (the schema accepts exactly what the parser accepts).
#include <gtest/gtest.h>

#include "testing/json_schema.h"
#include "testing/test_server.h"

namespace exemplar::testing {
namespace {

class OpenApiSchemas : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = server_.Get("/api/v1/openapi.json");
    ASSERT_EQ(r.status, 200);
    doc_ = r.body;
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
             {"example_id", "00000000-0000-4000-8000-0000000000aa"},
             {"example_version", 2}}),
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
}

}  // namespace
}  // namespace exemplar::testing
