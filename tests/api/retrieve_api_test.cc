// The agent hook's answer (SPEC §4.2) as an outside review compared it with LangChain's example
// selectors: what an object query without a content word finds, how the XML section escapes,
// how a token budget packs the ranked examples, and a template id that names nothing.
#include <gtest/gtest.h>

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
                            Json{{"ticket", {{"text", "?!"}}}}}) {
    Json r = Retrieve({{"query", query}, {"k", 3}});
    EXPECT_TRUE(r["examples"].empty()) << query.dump() << " " << r.dump();
    EXPECT_EQ(r["metadata"]["no_match"], true) << query.dump();
    EXPECT_EQ(r["formatted_prompt"], "") << query.dump();
  }
  Json found = Retrieve({{"query", {{"text", "crystal crack"}}}, {"k", 3}});
  EXPECT_FALSE(found["examples"].empty()) << found.dump();
  EXPECT_EQ(found["metadata"]["no_match"], false);
}

}  // namespace
}  // namespace exemplar::testing
