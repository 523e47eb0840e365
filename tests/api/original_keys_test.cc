// The original plan's request keys on its alias paths (api/original_keys.h): old clients send the
// original's body keys to /api/v1/agents/examples/{retrieve,outcome} and
// /api/v1/dspy/templates/{id}/export; each has its meaning there (a current key, or kept where a
// user finds it), a conflict with the current key is a 422 naming both, and the current routes
// keep refusing them.
#include <gtest/gtest.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <filesystem>

#include "common/ids.h"
#include "storage/store.h"
#include "testing/test_server.h"

namespace exemplar::testing {
namespace {

// The first error's location, as the wire writes it.
Json FirstLoc(const HttpResult& r) { return r.body["detail"][0]["loc"]; }
std::string FirstMsg(const HttpResult& r) { return r.body["detail"][0].value("msg", ""); }

class OriginalKeys : public ::testing::Test {
 protected:
  void SetUp() override {
    auto t = server_.Post("/api/v1/templates", {{"name", "router"},
                                                {"input_schema", {{{"name", "text"}, {"type", "string"}}}},
                                                {"output_schema", {{{"name", "label"}, {"type", "string"}}}}});
    ASSERT_EQ(t.status, 201) << t.raw;
    tid_ = t.body["id"];
    Json items = Json::array();
    for (const char* text : {"pump vibration rising", "pump bearing noise", "pump seal leak", "pump motor overheating",
                             "pump pressure drop"}) {
      Json e = MakeExample(text, "maintenance");
      e["databit_id"] = tid_;
      items.push_back(e);
    }
    auto r = server_.Post("/api/v1/examples/batch", {{"examples", items}});
    ASSERT_EQ(r.status, 201) << r.raw;
  }
  TestServer server_;
  std::string tid_;
};

TEST_F(OriginalKeys, AgentRetrieveMapsMaxExamplesAndFormatStyleAndKeepsTheAgent) {
  const std::string session = "6F1C2A9E-0B7D-4E3A-9C55-1D2E3F4A5B6C";
  auto r = server_.Post("/api/v1/agents/examples/retrieve",
                        {{"query", "pump noise"}, {"agent_id", "support-bot"}, {"session_id", session},
                         {"max_examples", 2}, {"format_style", "markdown"}, {"min_effectiveness", 0.0}});
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["metadata"]["k_requested"], 2);
  EXPECT_EQ(r.body["examples"].size(), 2u);
  EXPECT_EQ(r.body["formatted_prompt"].get<std::string>().rfind("### Example 1", 0), 0u) << r.body["formatted_prompt"];
  auto rec = server_.Get("/api/v1/examples/retrievals/" + r.body["retrieval_id"].get<std::string>());
  ASSERT_EQ(rec.status, 200) << rec.raw;
  EXPECT_EQ(rec.body["agent_id"], "support-bot");
  EXPECT_EQ(rec.body["session_id"], NormalizeUuid(session));

  // The current key and the original's, equal: fine; different: a 422 naming both.
  EXPECT_EQ(server_.Post("/api/v1/agents/examples/retrieve", {{"query", "pump"}, {"max_examples", 3}, {"k", 3}}).status,
            200);
  auto both = server_.Post("/api/v1/agents/examples/retrieve", {{"query", "pump"}, {"max_examples", 2}, {"k", 3}});
  EXPECT_EQ(both.status, 422);
  EXPECT_EQ(FirstLoc(both), Json({"body", "max_examples"}));
  EXPECT_NE(FirstMsg(both).find("`k`"), std::string::npos) << both.raw;
  auto formats = server_.Post("/api/v1/agents/examples/retrieve",
                              {{"query", "pump"}, {"format_style", "json"}, {"format", "xml"}});
  EXPECT_EQ(formats.status, 422);
  EXPECT_NE(FirstMsg(formats).find("`format`"), std::string::npos) << formats.raw;

  // Our bounds, reported under the key the caller sent.
  for (const Json& bad : {Json(0), Json(101), Json("two")}) {
    auto out = server_.Post("/api/v1/agents/examples/retrieve", {{"query", "pump"}, {"max_examples", bad}});
    EXPECT_EQ(out.status, 422) << bad;
    EXPECT_EQ(FirstLoc(out), Json({"body", "max_examples"})) << out.raw;
  }
  auto style = server_.Post("/api/v1/agents/examples/retrieve", {{"query", "pump"}, {"format_style", "yaml"}});
  EXPECT_EQ(style.status, 422);
  EXPECT_EQ(FirstLoc(style), Json({"body", "format_style"})) << style.raw;
  auto sid = server_.Post("/api/v1/agents/examples/retrieve", {{"query", "pump"}, {"session_id", "s-1"}});
  EXPECT_EQ(sid.status, 422);
  EXPECT_EQ(FirstLoc(sid), Json({"body", "session_id"})) << sid.raw;

  // A retrieval without them records none.
  auto plain = server_.Post("/api/v1/agents/examples/retrieve", {{"query", "pump"}});
  ASSERT_EQ(plain.status, 200);
  EXPECT_TRUE(server_.Get("/api/v1/examples/retrievals/" + plain.body["retrieval_id"].get<std::string>())
                  .body["agent_id"]
                  .is_null());
}

TEST_F(OriginalKeys, TheCurrentRetrievalAndOutcomeRoutesStillRefuseThem) {
  for (const auto& [key, value] : std::vector<std::pair<std::string, Json>>{
           {"agent_id", "a"}, {"session_id", NewUuid()}, {"max_examples", 2}, {"format_style", "xml"}}) {
    auto r = server_.Post("/api/v1/examples/retrieve", {{"query", "pump"}, {key, value}});
    EXPECT_EQ(r.status, 422) << key;
    EXPECT_EQ(FirstLoc(r), Json({"body", key})) << r.raw;
  }
  auto rid = server_.Post("/api/v1/examples/retrieve", {{"query", "pump"}}).body["retrieval_id"];
  auto r = server_.Post("/api/v1/examples/outcome", {{"retrieval_id", rid}, {"outcome", "success"}, {"feedback_notes", "x"}});
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(FirstLoc(r), Json({"body", "feedback_notes"})) << r.raw;
}

TEST_F(OriginalKeys, AgentOutcomeTakesFeedbackNotesAsTheNotes) {
  auto ret = server_.Post("/api/v1/agents/examples/retrieve", {{"query", "pump seal"}, {"agent_id", "bot"}});
  ASSERT_EQ(ret.status, 200) << ret.raw;
  ASSERT_FALSE(ret.body["examples"].empty());
  const Json rid = ret.body["retrieval_id"];
  auto conflict = server_.Post("/api/v1/agents/examples/outcome", {{"retrieval_id", rid}, {"outcome", "success"},
                                                                   {"feedback_notes", "a"}, {"notes", "b"}});
  EXPECT_EQ(conflict.status, 422);
  EXPECT_EQ(FirstLoc(conflict), Json({"body", "feedback_notes"}));
  EXPECT_NE(FirstMsg(conflict).find("`notes`"), std::string::npos) << conflict.raw;
  auto typed = server_.Post("/api/v1/agents/examples/outcome",
                            {{"retrieval_id", rid}, {"outcome", "success"}, {"feedback_notes", 7}});
  EXPECT_EQ(typed.status, 422);
  EXPECT_EQ(FirstLoc(typed), Json({"body", "feedback_notes"})) << typed.raw;
  auto ok = server_.Post("/api/v1/agents/examples/outcome", {{"retrieval_id", rid}, {"outcome", "success"},
                                                             {"feedback_notes", "the seal example nailed it"}});
  ASSERT_EQ(ok.status, 200) << ok.raw;
  EXPECT_EQ(ok.body["examples_credited"], ret.body["examples"].size());
  const Config& c = server_.config();
  if (storage::IsPostgresUrl(c.db)) return;  // the notes are read from the SQLite file
  SQLite::Database db(c.db.empty() ? (std::filesystem::path(c.data_dir) / "exemplar.db").string() : c.db);
  SQLite::Statement q(db, "SELECT COUNT(*) FROM usage_events WHERE kind = 'outcome' AND retrieval_id = ? AND context = ?");
  q.bind(1, rid.get<std::string>());
  q.bind(2, "the seal example nailed it");
  ASSERT_TRUE(q.executeStep());
  EXPECT_EQ(q.getColumn(0).getInt64(), static_cast<int64_t>(ret.body["examples"].size()));
}

TEST_F(OriginalKeys, DspyExportAliasTakesTheOriginalExportRequest) {
  const std::string alias = "/api/v1/dspy/templates/" + tid_ + "/export";
  Json body = {{"databit_id", tid_}, {"format", "json_config"}, {"max_examples", 2}, {"include_metrics", true},
               {"include_examples", true}, {"include_optimizer_setup", true}, {"min_effectiveness", 0.0}};
  auto r = server_.Post(alias, body);
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["example_count"], 2);
  Json cfg = Json::parse(r.body["content"].get<std::string>());
  EXPECT_EQ(cfg["include_optimizer"], true);
  body["include_optimizer_setup"] = false;
  r = server_.Post(alias, body);
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(Json::parse(r.body["content"].get<std::string>())["include_optimizer"], false);

  // include_examples false: no demos at all.
  r = server_.Post(alias, {{"databit_id", tid_}, {"include_examples", false}});
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["example_count"], 0);
  r = server_.Post(alias, {{"include_examples", false}, {"max_examples", 3}});
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(FirstLoc(r), Json({"body", "include_examples"}));
  EXPECT_NE(FirstMsg(r).find("max_examples"), std::string::npos) << r.raw;

  // databit_id names the path's template (in any case), nothing else.
  std::string upper = tid_;
  std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
  EXPECT_EQ(server_.Post(alias, {{"databit_id", upper}}).status, 200);
  for (const Json& other : {Json(NewUuid()), Json("router")}) {
    r = server_.Post(alias, {{"databit_id", other}});
    EXPECT_EQ(r.status, 422) << other;
    EXPECT_EQ(FirstLoc(r), Json({"body", "databit_id"})) << r.raw;
  }

  // A value asking for what no export does is refused, not ignored.
  r = server_.Post(alias, {{"include_metrics", false}});
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(FirstLoc(r), Json({"body", "include_metrics"})) << r.raw;

  // Conflicts name both keys; a bad value is reported under the key sent.
  r = server_.Post(alias, {{"include_optimizer_setup", true}, {"include_optimizer", false}});
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(FirstLoc(r), Json({"body", "include_optimizer_setup"}));
  EXPECT_NE(FirstMsg(r).find("`include_optimizer`"), std::string::npos) << r.raw;
  r = server_.Post(alias, {{"include_optimizer_setup", "yes"}});
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(FirstLoc(r), Json({"body", "include_optimizer_setup"})) << r.raw;

  // The current route keeps refusing them.
  for (const auto& [key, value] : std::vector<std::pair<std::string, Json>>{{"databit_id", tid_},
                                                                           {"include_metrics", true},
                                                                           {"include_examples", true},
                                                                           {"include_optimizer_setup", true}}) {
    r = server_.Post("/api/v1/templates/" + tid_ + "/export-dspy", {{key, value}});
    EXPECT_EQ(r.status, 422) << key;
    EXPECT_EQ(FirstLoc(r), Json({"body", key})) << r.raw;
  }
}

}  // namespace
}  // namespace exemplar::testing
