// Black-box tests of the examples API (SPEC §2.2, §2.1, §3) against a real server.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <regex>
#include <set>

#include "testing/test_server.h"

namespace exemplar::testing {
namespace {

class ExamplesApi : public ::testing::Test {
 protected:
  TestServer server_;
};

TEST_F(ExamplesApi, CreateGetUpdateDeleteWithHistory) {
  Json body = MakeExample("crack on the scintillator housing", "defect_detection");
  body["capability_tags"] = {"vision", "housing"};
  body["explanation"] = "a crack is a defect";
  auto created = server_.Post("/api/v1/examples", body);
  ASSERT_EQ(created.status, 201) << created.raw;
  std::string id = created.body["example_id"];
  EXPECT_EQ(created.body["version"], 1);
  EXPECT_EQ(created.body["has_embedding"], true);
  EXPECT_TRUE(created.body["effectiveness_score"].is_null());
  EXPECT_FALSE(created.body.contains("embedding"));
  EXPECT_EQ(created.body["difficulty"], "medium");
  EXPECT_EQ(created.body["source"], "human_authored");

  auto got = server_.Get("/api/v1/examples/" + id);
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.body["input"]["text"], "crack on the scintillator housing");

  auto updated = server_.Put("/api/v1/examples/" + id, {{"explanation", nullptr}, {"difficulty", "hard"}});
  ASSERT_EQ(updated.status, 200) << updated.raw;
  EXPECT_EQ(updated.body["version"], 2);
  EXPECT_TRUE(updated.body["explanation"].is_null());
  EXPECT_EQ(updated.body["difficulty"], "hard");
  EXPECT_EQ(updated.body["capability_tags"], Json({"vision", "housing"}));

  // Updates that change nothing make no version: an empty body, values it already has, the body
  // of a GET, server-assigned fields.
  Json as_read = server_.Get("/api/v1/examples/" + id).body;
  for (const auto& same : {Json::object(), Json{{"difficulty", "hard"}, {"explanation", nullptr}}, as_read,
                           Json{{"version", 2}}}) {
    auto r = server_.Put("/api/v1/examples/" + id, same);
    ASSERT_EQ(r.status, 200) << same.dump() << " " << r.raw;
    EXPECT_EQ(r.body["version"], 2) << same.dump();
  }

  auto versions = server_.Get("/api/v1/examples/" + id + "/versions");
  ASSERT_EQ(versions.status, 200);
  ASSERT_EQ(versions.body["versions"].size(), 1u);
  EXPECT_EQ(versions.body["versions"][0]["snapshot"]["explanation"], "a crack is a defect");

  EXPECT_EQ(server_.Delete("/api/v1/examples/" + id).status, 204);
  EXPECT_EQ(server_.Get("/api/v1/examples/" + id).status, 404);
  EXPECT_EQ(server_.Delete("/api/v1/examples/" + id).status, 404);
}

// The history is paged like the other lists (100 edits of a 1 MB example made a 96 MB answer):
// newest first, page_size 20 by default, with the total.
TEST_F(ExamplesApi, VersionHistoryIsPagedNewestFirst) {
  auto created = server_.Post("/api/v1/examples", MakeExample("edited many times"));
  ASSERT_EQ(created.status, 201);
  const std::string id = created.body["example_id"];
  for (int i = 1; i <= 25; ++i) {
    ASSERT_EQ(server_.Put("/api/v1/examples/" + id, {{"explanation", "edit " + std::to_string(i)}}).status, 200);
  }
  const std::string path = "/api/v1/examples/" + id + "/versions";
  auto first = server_.Get(path);
  ASSERT_EQ(first.status, 200) << first.raw.substr(0, 300);
  EXPECT_EQ(first.body["total"], 25);
  EXPECT_EQ(first.body["page"], 1);
  EXPECT_EQ(first.body["page_size"], 20);
  ASSERT_EQ(first.body["versions"].size(), 20u);
  EXPECT_EQ(first.body["versions"][0]["version"], 25);
  EXPECT_EQ(first.body["versions"][0]["snapshot"]["explanation"], "edit 24");
  auto second = server_.Get(path + "?page=2");
  ASSERT_EQ(second.body["versions"].size(), 5u);
  EXPECT_EQ(second.body["versions"][0]["version"], 5);
  EXPECT_EQ(second.body["versions"][4]["version"], 1);
  EXPECT_EQ(server_.Get(path + "?page_size=3&page=9").body["versions"].size(), 1u);  // the 25th: the oldest
  EXPECT_EQ(server_.Get(path + "?page_size=3&page=10").body["versions"].size(), 0u);
  auto too_big = server_.Get(path + "?page_size=101");
  EXPECT_EQ(too_big.status, 422);
  EXPECT_EQ(too_big.body["detail"][0]["loc"], Json::array({"query", "page_size"}));
}

TEST_F(ExamplesApi, ValidationErrorsHaveTheSpecShape) {
  auto malformed = server_.PostRaw("/api/v1/examples", "{\"input\": ", "application/json");
  EXPECT_EQ(malformed.status, 400);
  EXPECT_EQ(malformed.body["code"], "malformed_request");
  EXPECT_TRUE(malformed.body["detail"].is_string());

  auto wrong_type = server_.Post("/api/v1/examples", {{"input", "not an object"}, {"expected_output", {}}});
  ASSERT_EQ(wrong_type.status, 422);
  ASSERT_TRUE(wrong_type.body["detail"].is_array());
  EXPECT_EQ(wrong_type.body["detail"][0]["loc"], Json({"body", "input"}));
  EXPECT_TRUE(wrong_type.body["detail"][0]["msg"].is_string());
  EXPECT_TRUE(wrong_type.body["detail"][0]["type"].is_string());

  auto array_input = server_.Post("/api/v1/examples", {{"input", {1, 2}}, {"expected_output", Json::object()}});
  EXPECT_EQ(array_input.status, 422);
  auto missing = server_.Post("/api/v1/examples", {{"input", Json::object()}});
  EXPECT_EQ(missing.status, 422);
  EXPECT_EQ(missing.body["detail"][0]["loc"], Json({"body", "expected_output"}));

  Json bad = MakeExample("x");
  bad["difficulty"] = "extreme";
  bad["quality_score"] = 1.5;
  bad["capability_tags"] = {1};
  auto many = server_.Post("/api/v1/examples", bad);
  ASSERT_EQ(many.status, 422);
  EXPECT_EQ(many.body["detail"].size(), 3u);

  Json long_string = MakeExample(std::string(70 * 1024, 'a'));
  EXPECT_EQ(server_.Post("/api/v1/examples", long_string).status, 422);
  std::string deep = "{\"input\":" + std::string(40, '[') + std::string(40, ']') + ",\"expected_output\":{}}";
  EXPECT_EQ(server_.PostRaw("/api/v1/examples", deep, "application/json").status, 422);

  EXPECT_EQ(server_.PostRaw("/api/v1/examples", "input=1", "text/plain").status, 415);
  auto big = server_.PostRaw("/api/v1/examples", std::string(9 * 1024 * 1024, ' '), "application/json");
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(big.body["code"], "payload_too_large");

  EXPECT_EQ(server_.Get("/api/v1/examples/not-a-uuid").status, 404);
  EXPECT_EQ(server_.Get("/api/v1/examples/00000000-0000-4000-8000-000000000000").status, 404);
  EXPECT_EQ(server_.Get("/api/v1/examples?page=0").status, 422);
  EXPECT_EQ(server_.Get("/api/v1/examples?page_size=101").status, 422);
  EXPECT_EQ(server_.Get("/api/v1/examples?page_size=abc").status, 422);
  auto sort = server_.Get("/api/v1/examples?sort_by=id;DROP%20TABLE%20examples");
  EXPECT_EQ(sort.status, 422);
  EXPECT_EQ(sort.body["detail"][0]["loc"], Json({"query", "sort_by"}));
  // Nothing invalid was stored.
  EXPECT_EQ(server_.Get("/api/v1/examples").body["total"], 0);
}

TEST_F(ExamplesApi, ListFiltersSortsAndPages) {
  for (int i = 0; i < 25; ++i) {
    Json e = MakeExample("item " + std::to_string(i), i % 2 ? "odd" : "even");
    e["quality_score"] = i / 100.0;
    e["capability_tags"] = {i % 3 == 0 ? "three" : "other"};
    ASSERT_EQ(server_.Post("/api/v1/examples", e).status, 201);
  }
  auto page = server_.Get("/api/v1/examples?domain=odd&sort_by=quality_score&sort_desc=true&page=2&page_size=5");
  ASSERT_EQ(page.status, 200) << page.raw;
  EXPECT_EQ(page.body["total"], 12);
  EXPECT_EQ(page.body["page"], 2);
  ASSERT_EQ(page.body["examples"].size(), 5u);
  EXPECT_DOUBLE_EQ(page.body["examples"][0]["quality_score"].get<double>(), 0.13);
  auto tags = server_.Get("/api/v1/examples?capability_tag=three&min_quality_score=0.1");
  EXPECT_EQ(tags.body["total"], 5);  // 12, 15, 18, 21, 24
  auto injection = server_.Get("/api/v1/examples?domain=odd%27%20OR%20%271%27=%271");
  EXPECT_EQ(injection.body["total"], 0);
}

// The ids of every page of `GET /api/v1/examples?<query>`, following next_cursor; `between` runs
// after each page (writes racing the walk).
std::vector<std::string> WalkWithCursor(TestServer& server, const std::string& query,
                                        const std::function<void()>& between = {}) {
  std::vector<std::string> ids;
  std::string cursor;
  for (int guard = 0; guard < 200; ++guard) {
    std::string path = "/api/v1/examples?" + query + (cursor.empty() ? "" : "&cursor=" + cursor);
    auto page = server.Get(path);
    EXPECT_EQ(page.status, 200) << page.raw;
    if (page.status != 200) break;
    for (const auto& e : page.body["examples"]) ids.push_back(e["example_id"]);
    if (between) between();
    if (page.body["next_cursor"].is_null()) return ids;
    cursor = page.body["next_cursor"].get<std::string>();
  }
  ADD_FAILURE() << "the walk did not end";
  return ids;
}

TEST_F(ExamplesApi, CursorWalkReturnsEveryExampleOnceInOrderWhileOthersAreInserted) {
  Json batch = Json::array();
  for (int i = 0; i < 45; ++i) {
    Json e = MakeExample("walk item " + std::to_string(i));
    if (i % 3 == 0) e["quality_score"] = (i % 9) / 10.0;
    batch.push_back(e);
  }
  auto created = server_.Post("/api/v1/examples/batch", {{"examples", batch}});
  ASSERT_EQ(created.status, 201) << created.raw;
  std::vector<std::string> original = created.body["created_ids"];
  // Evidence for some: the default sort (effectiveness) then has rows with and without a value.
  for (size_t i = 0; i < original.size(); i += 4) {
    Json outcome = {{"outcome", i % 8 ? "success" : "failure"}};
    ASSERT_EQ(server_.Post("/api/v1/examples/" + original[i] + "/track", outcome).status, 204);
  }
  auto whole = server_.Get("/api/v1/examples?page_size=100");
  ASSERT_EQ(whole.status, 200);
  EXPECT_TRUE(whole.body["next_cursor"].is_null());
  std::vector<std::string> reference;
  for (const auto& e : whole.body["examples"]) reference.push_back(e["example_id"]);
  ASSERT_EQ(reference.size(), 45u);

  // Default sort, 7 per page: the same rows in the same order.
  EXPECT_EQ(WalkWithCursor(server_, "page_size=7"), reference);
  // page/page_size still work, and agree with the cursor order.
  auto third = server_.Get("/api/v1/examples?page=3&page_size=7");
  ASSERT_EQ(third.status, 200);
  EXPECT_EQ(third.body["page"], 3);
  EXPECT_EQ(third.body["total"], 45);
  ASSERT_EQ(third.body["examples"].size(), 7u);
  for (size_t i = 0; i < 7; ++i) EXPECT_EQ(third.body["examples"][i]["example_id"], reference[14 + i]);
  EXPECT_TRUE(third.body["next_cursor"].is_string());

  // Oldest first while new examples arrive between pages: each example once, in order.
  int added = 0;
  auto walked = WalkWithCursor(server_, "page_size=6&sort_by=created_at&sort_desc=false", [&] {
    for (int k = 0; k < 2; ++k) {
      auto r = server_.Post("/api/v1/examples", MakeExample("late " + std::to_string(added++)));
      EXPECT_EQ(r.status, 201);
    }
  });
  std::set<std::string> seen;
  for (const auto& id : walked) EXPECT_TRUE(seen.insert(id).second) << "listed twice: " << id;
  for (const auto& id : original) EXPECT_EQ(seen.count(id), 1u) << "missed: " << id;
  std::vector<std::string> created_at;
  for (const auto& id : walked) created_at.push_back(server_.Get("/api/v1/examples/" + id).body["created_at"]);
  EXPECT_TRUE(std::is_sorted(created_at.begin(), created_at.end()));

  // A cursor is opaque but checked: garbage, or one made for another sort, is a 422.
  for (const std::string& bad : std::vector<std::string>{"garbage", "eyJ4IjoxfQ", "%00", std::string(2000, 'A')}) {
    auto r = server_.Get("/api/v1/examples?cursor=" + bad);
    ASSERT_EQ(r.status, 422) << bad << " " << r.raw;
    EXPECT_EQ(r.body["detail"][0]["loc"], Json({"query", "cursor"}));
  }
  std::string cursor = server_.Get("/api/v1/examples?page_size=2").body["next_cursor"];
  EXPECT_EQ(server_.Get("/api/v1/examples?sort_by=created_at&cursor=" + cursor).status, 422);
  EXPECT_EQ(server_.Get("/api/v1/examples?sort_desc=false&cursor=" + cursor).status, 422);
  EXPECT_EQ(server_.Get("/api/v1/dspy-runs?cursor=" + cursor).status, 422);
  auto by_cursor = server_.Get("/api/v1/examples?cursor=" + cursor);
  EXPECT_EQ(by_cursor.status, 200);
  // A page reached by cursor has no page number (it said 1); page and cursor together are a 422.
  EXPECT_TRUE(by_cursor.body["page"].is_null()) << by_cursor.raw;
  auto both = server_.Get("/api/v1/examples?page=7&cursor=" + cursor);
  EXPECT_EQ(both.status, 422) << both.raw;
  EXPECT_EQ(both.body["detail"][0]["loc"], Json({"query", "page"}));
  std::string runs_cursor = "eyJ4IjoxfQ";  // refused for both reasons; page is named
  EXPECT_EQ(server_.Get("/api/v1/dspy-runs?page=2&cursor=" + runs_cursor).body["detail"][0]["loc"], Json({"query", "page"}));
}

TEST_F(ExamplesApi, BatchIsAtomicByDefaultAndIdempotentWithClientIds) {
  Json items = Json::array();
  for (int i = 0; i < 3; ++i) {
    Json e = MakeExample("batch " + std::to_string(i));
    e["client_id"] = "c-" + std::to_string(i);
    items.push_back(e);
  }
  Json broken = items;
  broken.push_back({{"input", "nope"}});
  auto rejected = server_.Post("/api/v1/examples/batch", {{"examples", broken}});
  ASSERT_EQ(rejected.status, 422);
  EXPECT_EQ(rejected.body["detail"][0]["loc"], Json({"body", "examples", 3, "input"}));
  EXPECT_EQ(server_.Get("/api/v1/examples").body["total"], 0);

  auto ok = server_.Post("/api/v1/examples/batch", {{"examples", items}});
  ASSERT_EQ(ok.status, 201) << ok.raw;
  EXPECT_EQ(ok.body["created_count"], 3);
  auto again = server_.Post("/api/v1/examples/batch", {{"examples", items}});
  EXPECT_EQ(again.body["created_count"], 0);
  EXPECT_EQ(again.body["existing_count"], 3);
  EXPECT_EQ(server_.Get("/api/v1/examples").body["total"], 3);

  Json partial = Json::array({MakeExample("fine"), Json{{"input", 3}}, MakeExample("also fine")});
  auto per_item = server_.Post("/api/v1/examples/batch", {{"examples", partial}, {"atomic", false}});
  ASSERT_EQ(per_item.status, 201);
  EXPECT_EQ(per_item.body["created_count"], 2);
  EXPECT_EQ(per_item.body["failed_count"], 1);
  EXPECT_EQ(per_item.body["errors"][0]["index"], 1);

  Json too_many = Json::array();
  for (int i = 0; i < 1001; ++i) too_many.push_back(MakeExample("x"));
  EXPECT_EQ(server_.Post("/api/v1/examples/batch", {{"examples", too_many}}).status, 422);
  EXPECT_EQ(server_.Post("/api/v1/examples/batch", {{"examples", Json::array()}}).status, 422);
}

// A client id stands for one example's content: the same content again is a retry, other
// content under it is a conflict (409, or the item's error), never a silent keep of the old.
TEST_F(ExamplesApi, AClientIdRepeatedWithOtherContentIsAConflict) {
  Json first = MakeExample("kettle scale");
  first["client_id"] = "k-1";
  auto created = server_.Post("/api/v1/examples", first);
  ASSERT_EQ(created.status, 201) << created.raw;
  const std::string id = created.body["example_id"];
  // A retry answers 200 (it said 201 Created) with the example as stored: a retry is no edit.
  first["domain"] = "other";
  auto retry = server_.Post("/api/v1/examples", first);
  EXPECT_EQ(retry.status, 200) << retry.raw;
  EXPECT_EQ(retry.body["example_id"], id);
  EXPECT_EQ(retry.body["domain"], created.body["domain"]);
  Json other = MakeExample("kettle limescale, other text");
  other["client_id"] = "k-1";
  auto conflict = server_.Post("/api/v1/examples", other);
  EXPECT_EQ(conflict.status, 409) << conflict.raw;
  EXPECT_NE(conflict.raw.find(id), std::string::npos);
  Json by_id = MakeExample("something else");
  by_id["example_id"] = id;
  EXPECT_EQ(server_.Post("/api/v1/examples", by_id).status, 409);
  EXPECT_EQ(server_.Get("/api/v1/examples/" + id).body["input"]["text"], "kettle scale");
  // In one batch: atomic refuses all; per item, the second naming of k-2 fails alone.
  Json a = MakeExample("batch a"), b = MakeExample("batch b");
  a["client_id"] = b["client_id"] = "k-2";
  EXPECT_EQ(server_.Post("/api/v1/examples/batch", {{"examples", {a, b}}}).status, 409);
  auto per_item = server_.Post("/api/v1/examples/batch", {{"examples", {a, b, other}}, {"atomic", false}});
  ASSERT_EQ(per_item.status, 201) << per_item.raw;
  EXPECT_EQ(per_item.body["created_count"], 1);
  EXPECT_EQ(per_item.body["failed_count"], 2);
  EXPECT_EQ(per_item.body["errors"][0]["index"], 1);
  EXPECT_EQ(per_item.body["errors"][1]["index"], 2);
  EXPECT_EQ(server_.Get("/api/v1/examples").body["total"], 2);
}

// Two editors of one example: the second, whose edit is based on the version before the first's,
// is refused (If-Match → 412, a body's own version → 409) instead of silently overwriting it.
TEST_F(ExamplesApi, AnEditBasedOnAnOlderVersionDoesNotOverwriteANewerOne) {
  auto created = server_.Post("/api/v1/examples", MakeExample("two editors"));
  ASSERT_EQ(created.status, 201);
  const std::string id = created.body["example_id"];
  const std::string path = "/api/v1/examples/" + id;
  httplib::Client http("127.0.0.1", server_.port());
  auto got = http.Get(path);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->get_header_value("ETag"), "\"1\"");
  Json read_by_both = Json::parse(got->body);

  auto put = [&](const Json& body, const std::string& if_match) {
    httplib::Headers h;
    if (!if_match.empty()) h.emplace("If-Match", if_match);
    return http.Put(path, h, body.dump(), "application/json");
  };
  Json first = read_by_both;
  first["explanation"] = "first editor";
  auto saved = put(first, "\"1\"");
  ASSERT_EQ(saved->status, 200) << saved->body;
  EXPECT_EQ(saved->get_header_value("ETag"), "\"2\"");

  Json second = read_by_both;  // still version 1
  second["explanation"] = "second editor";
  auto stale_header = put({{"explanation", "second editor"}}, "\"1\"");
  EXPECT_EQ(stale_header->status, 412) << stale_header->body;
  EXPECT_NE(stale_header->body.find("version 2"), std::string::npos) << stale_header->body;
  auto stale_body = put(second, "");
  EXPECT_EQ(stale_body->status, 409) << stale_body->body;
  EXPECT_NE(stale_body->body.find("based on version 1"), std::string::npos) << stale_body->body;
  EXPECT_EQ(server_.Get(path).body["explanation"], "first editor");
  EXPECT_EQ(server_.Get(path).body["version"], 2);

  // Current versions pass: a list that names it, W/ tags, *, and a body carrying the current one.
  EXPECT_EQ(put({{"explanation", "b"}}, "\"1\", W/\"2\"")->status, 200);
  EXPECT_EQ(put({{"explanation", "c"}}, "*")->status, 200);
  Json current = server_.Get(path).body;
  current["explanation"] = "d";
  EXPECT_EQ(put(current, "")->status, 200);
  EXPECT_EQ(server_.Get(path).body["version"], 5);
  for (const char* bad : {"3", "\"three\"", "\"\"", "W/", "\"1\" junk"}) {
    EXPECT_EQ(put({{"explanation", "x"}}, bad)->status, 400) << bad;
  }
  EXPECT_EQ(server_.Get(path).body["version"], 5);
}

TEST_F(ExamplesApi, DataSurvivesRestart) {
  auto created = server_.Post("/api/v1/examples", MakeExample("persistent crack"));
  ASSERT_EQ(created.status, 201);
  std::string id = created.body["example_id"];
  ASSERT_EQ(server_.Put("/api/v1/examples/" + id, {{"domain", "moved"}}).status, 200);
  server_.Restart();
  auto got = server_.Get("/api/v1/examples/" + id);
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.body["domain"], "moved");
  EXPECT_EQ(got.body["version"], 2);
  auto search = server_.Post("/api/v1/examples/search", {{"query_text", "persistent crack"}, {"mode", "vector"}});
  ASSERT_EQ(search.status, 200) << search.raw;
  ASSERT_GE(search.body["results"].size(), 1u);
  EXPECT_EQ(search.body["results"][0]["example"]["example_id"], id);
}

TEST_F(ExamplesApi, OpenApiDescribesExactlyTheServedRoutes) {
  auto doc = server_.Get("/api/v1/openapi.json");
  ASSERT_EQ(doc.status, 200);
  ASSERT_TRUE(doc.body["paths"].is_object());
  int checked = 0;
  for (auto& [path, methods] : doc.body["paths"].items()) {
    std::string concrete = std::regex_replace(path, std::regex(R"(\{[a-z_]+\})"),
                                              "00000000-0000-4000-8000-000000000000");
    for (auto& [method, op] : methods.items()) {
      HttpResult r;
      if (method == "get") r = server_.Get(concrete);
      else if (method == "delete") r = server_.Delete(concrete);
      else if (method == "post") r = server_.PostRaw(concrete, "{}", "application/json");
      else if (method == "put") r = server_.PutRaw(concrete, "{}", "application/json");
      // A documented route may reject the request, but never as an unknown route.
      EXPECT_NE(r.status, 405) << method << " " << path;
      if (r.status == 404) {
        EXPECT_EQ(r.body.value("detail", "").find("no route"), std::string::npos) << method << " " << path;
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, 10);
  // And undocumented routes are not served.
  auto unknown = server_.Get("/api/v1/nope");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_NE(unknown.body["detail"].get<std::string>().find("no route"), std::string::npos);
  EXPECT_EQ(server_.Delete("/api/v1/examples").status, 405);
}

}  // namespace
}  // namespace exemplar::testing
