// The agent hook's answer (SPEC §4.2) as an outside review compared it with LangChain's example
// selectors: what an object query without a content word finds, how the XML section escapes,
// how a token budget packs the ranked examples, a template id that names nothing, and a query too long.
#include <gtest/gtest.h>

#include <cctype>
#include <string>
#include <vector>

#include "testing/test_server.h"

namespace exemplar::testing {
namespace {

class RetrieveApi : public ::testing::Test {
 protected:
  void SetUp() override {
    Json items = Json::array();
    for (const char* t : {"crystal crack near the edge", "fan bearing noise and rising temperature",
                          "bias voltage ripple on hv supply"}) {
      items.push_back(MakeExample(t, "maintenance"));
    }
    auto r = server_.Post("/api/v1/examples/batch", {{"examples", items}});
    ASSERT_EQ(r.status, 201) << r.raw;
  }
  Json Retrieve(const Json& body) {
    auto r = server_.Post("/api/v1/examples/retrieve", body);
    EXPECT_EQ(r.status, 200) << r.raw;
    return r.body;
  }
  static std::vector<std::string> Ids(const Json& examples) {
    std::vector<std::string> out;
    for (const auto& e : examples) out.push_back(e["example_id"]);
    return out;
  }
  TestServer server_;
};

// An object query was flattened to "text: ???" before the content-word check, so its key made it
// a query about something and three examples came back (no_match false). The string "???" finds
// nothing; the object form now answers the same.
TEST_F(RetrieveApi, ObjectQueryWithoutAContentWordMatchesNothing) {
  for (const Json& query : {Json{{"text", "???"}}, Json{{"text", ""}}, Json{{"text", "what is it?"}},
                            Json{{"ticket", {{"text", "?!"}}}}, Json{{"text", nullptr}}, Json{{"text", false}},
                            Json{{"text", "???"}, {"notes", nullptr}}}) {
    Json r = Retrieve({{"query", query}, {"k", 3}});
    EXPECT_TRUE(r["examples"].empty()) << query.dump() << " " << r.dump();
    EXPECT_EQ(r["metadata"]["no_match"], true) << query.dump();
    EXPECT_EQ(r["formatted_prompt"], "") << query.dump();
  }
  Json found = Retrieve({{"query", {{"text", "crystal crack"}}}, {"k", 3}});
  EXPECT_FALSE(found["examples"].empty()) << found.dump();
  EXPECT_EQ(found["metadata"]["no_match"], false);
}

// The XML section escaped JSON's quotes as &quot; (<input>{ &quot;document&quot;: ...). Element
// text needs only & < > escaped; a value holding "</input>" still cannot close the element.
TEST_F(RetrieveApi, XmlEscapesOnlyWhatElementTextNeeds) {
  Json e = {{"input", {{"document", "she said \"hi\" & left </input><b>"}}},
            {"expected_output", {{"label", "it's \"fine\""}}},
            {"domain", "quotes"}};
  ASSERT_EQ(server_.Post("/api/v1/examples", e).status, 201);
  Json r = Retrieve({{"query", "she said hi and left"}, {"domain", "quotes"}, {"format", "xml"}, {"relevance_floor", 0}});
  ASSERT_EQ(r["examples"].size(), 1u) << r.dump();
  const std::string p = r["formatted_prompt"];
  EXPECT_EQ(p.find("&quot;"), std::string::npos) << p;
  EXPECT_EQ(p.find("&apos;"), std::string::npos) << p;
  EXPECT_NE(p.find("\"document\": \"she said \\\"hi\\\" &amp; left &lt;/input&gt;&lt;b&gt;\""), std::string::npos) << p;
  EXPECT_NE(p.find("\"label\": \"it's \\\"fine\\\"\""), std::string::npos) << p;
  // One <input> element, closed once: the value's "</input>" is text.
  size_t closes = 0;
  for (size_t at = p.find("</input>"); at != std::string::npos; at = p.find("</input>", at + 1)) ++closes;
  EXPECT_EQ(closes, 1u) << p;
  EXPECT_EQ(p.find("<b>"), std::string::npos) << p;
}

// token_budget cut the ranked list at the first example that did not fit: a long example at rank 1
// left the prompt empty although shorter relevant ones fitted. It packs in rank order now: an
// example that does not fit is skipped, the next ones are still tried, and the order is kept.
TEST_F(RetrieveApi, TokenBudgetPacksInRankOrder) {
  Json items = Json::array();
  Json long_one = MakeExample("glacier calving", "ice");
  long_one["explanation"] = std::string(1200, 'x');  // ~300 tokens in any format
  items.push_back(long_one);
  items.push_back(MakeExample("glacier calving seen from the boat", "ice"));
  items.push_back(MakeExample("calving front of a glacier retreats", "ice"));
  auto created = server_.Post("/api/v1/examples/batch", {{"examples", items}});
  ASSERT_EQ(created.status, 201) << created.raw;
  const std::string long_id = created.body["created_ids"][0];
  Json body = {{"query", "glacier calving"}, {"domain", "ice"}, {"k", 10}, {"mode", "vector"},
               {"relevance_floor", 0}, {"format", "xml"}};
  Json unlimited = Retrieve(body);
  const std::vector<std::string> ranked = Ids(unlimited["examples"]);
  ASSERT_EQ(ranked.size(), 3u) << unlimited.dump();
  ASSERT_EQ(ranked[0], long_id) << "the long example must rank first for this test";
  body["token_budget"] = 200;
  Json packed = Retrieve(body);
  EXPECT_EQ(Ids(packed["examples"]), std::vector<std::string>(ranked.begin() + 1, ranked.end())) << packed.dump();
  EXPECT_EQ(packed["metadata"]["truncated_by_budget"], true);
  EXPECT_EQ(packed["metadata"]["left_out_by_budget"], 1);
  EXPECT_LE(packed["metadata"]["token_estimate"].get<int>(), 200);
  EXPECT_EQ(unlimited["metadata"]["left_out_by_budget"], 0);
  EXPECT_EQ(unlimited["metadata"]["truncated_by_budget"], false);
}

// A databit_id naming no template (a typo, or not an id at all) gave 200 and an empty result, so a
// typo silently emptied the prompt. It is a 422 naming databit_id on search and both retrieve
// paths; a template that exists but has no examples is still a 200 with nothing in it.
TEST_F(RetrieveApi, UnknownTemplateIs422) {
  const std::vector<std::pair<std::string, Json>> calls = {
      {"/api/v1/examples/search", {{"query_text", "crystal crack"}}},
      {"/api/v1/examples/search", Json::object()},  // metadata mode
      {"/api/v1/examples/retrieve", {{"query", "crystal crack"}}},
      {"/api/v1/agents/examples/retrieve", {{"query", "crystal crack"}}}};
  for (const std::string bad : {"00000000-0000-4000-8000-00000000abcd", "not-a-template"}) {
    for (const auto& [path, base] : calls) {
      Json body = base;
      body["databit_id"] = bad;
      auto r = server_.Post(path, body);
      ASSERT_EQ(r.status, 422) << path << " " << r.raw;
      EXPECT_EQ(r.body["detail"][0]["loc"], Json::array({"body", "databit_id"})) << r.raw;
      EXPECT_NE(r.raw.find("template " + bad + " does not exist"), std::string::npos) << r.raw;
    }
  }
  auto t = server_.Post("/api/v1/templates", {{"name", "Empty"},
                                              {"input_schema", {{{"name", "text"}, {"type", "string"}}}},
                                              {"output_schema", {{{"name", "label"}, {"type", "string"}}}},
                                              {"prompt_template", "Label the text."}});
  ASSERT_EQ(t.status, 201) << t.raw;
  const std::string id = t.body["id"];
  for (const auto& [path, base] : calls) {
    Json body = base;
    body["databit_id"] = id;
    auto r = server_.Post(path, body);
    ASSERT_EQ(r.status, 200) << path << " " << r.raw;
    EXPECT_TRUE((r.body.contains("results") ? r.body["results"] : r.body["examples"]).empty()) << r.raw;
    // The id in capitals names the same template.
    std::string upper = id;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    body["databit_id"] = upper;
    EXPECT_EQ(server_.Post(path, body).status, 200) << path;
  }
}

// An object query whose fields together pass the 64 KiB limit was refused naming query_text, a
// field the caller never sent (review s22). The error names `query`, the one entry, and says why.
TEST_F(RetrieveApi, AnObjectQueryTooLongIsNamedAsSent) {
  std::string a, b;
  for (int i = 0; i < 6000; ++i) a += "drift ";
  for (int i = 0; i < 8000; ++i) b += "gain ";
  for (const char* path : {"/api/v1/examples/retrieve", "/api/v1/agents/examples/retrieve"}) {
    auto r = server_.Post(path, {{"query", {{"a", a}, {"b", b}}}, {"k", 3}});
    ASSERT_EQ(r.status, 422) << r.raw;
    ASSERT_EQ(r.body["detail"].size(), 1u) << r.raw;
    EXPECT_EQ(r.body["detail"][0]["loc"], Json::array({"body", "query"})) << r.raw;
    EXPECT_NE(r.raw.find("fields together"), std::string::npos) << r.raw;
  }
  EXPECT_EQ(server_.Post("/api/v1/examples/retrieve", {{"query", {{"a", a}}}, {"k", 3}}).status, 200);
}

}  // namespace
}  // namespace exemplar::testing
