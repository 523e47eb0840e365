// Batch ingest (issue 24): a batch item is checked and indexed exactly as a single create — PII
// flags, content filters, in-batch and stored near-duplicates, keyword and vector search, one
// audit entry naming each created example once — although the batch parses each item's content
// once and hands its fingerprints to the duplicate check and the catalog.
#include <gtest/gtest.h>

#include <set>

#include "testing/test_server.h"

namespace exemplar::testing {
namespace {

Json Item(const std::string& text, const std::string& site, const std::string& label) {
  return {{"input", {{"text", text}, {"site", site}}}, {"expected_output", {{"label", label}}}, {"domain", "qc"}};
}

class BatchIngest : public ::testing::Test {
 protected:
  int64_t Total(const std::string& query) {
    auto r = server_.Get("/api/v1/examples?page_size=1&" + query);
    EXPECT_EQ(r.status, 200) << r.raw;
    return r.body["total"].get<int64_t>();
  }
  Json Search(const Json& body) {
    auto r = server_.Post("/api/v1/examples/search", body);
    EXPECT_EQ(r.status, 200) << r.raw;
    return r.body;
  }
  TestServer server_;
};

TEST_F(BatchIngest, BatchItemsAreCheckedAndIndexedLikeSingleCreates) {
  Json items = {Item("write to bob@example.com about the pressure gauge", "s-7", "contact"),
                Item("Valve LEAK on line 3", "s-8", "leak"),
                Item("valve leak on line 9", "s-9", "no_leak")};
  auto batch = server_.Post("/api/v1/examples/batch", {{"examples", items}});
  ASSERT_EQ(batch.status, 201) << batch.raw;
  ASSERT_EQ(batch.body["created_count"], 3);
  const std::string gauge = batch.body["created_ids"][0], leak = batch.body["created_ids"][1];

  // PII flags and the warning, as a single create sets them.
  EXPECT_EQ(server_.Get("/api/v1/examples/" + gauge).body["pii_flags"], Json({"email"}));
  EXPECT_EQ(Total("pii=email"), 1);
  bool pii_warned = false;
  for (const auto& w : batch.body["warnings"]) {
    if (w["type"] != "pii" || w["index"] != 0) continue;
    pii_warned = true;
    EXPECT_EQ(w.value("item_id", ""), gauge) << "a warning links the example it is about: " << batch.raw;
  }
  EXPECT_TRUE(pii_warned) << batch.raw;
  // Content filters come from the catalog's field hashes.
  EXPECT_EQ(Total("input.site=s-7"), 1);
  EXPECT_EQ(Total("input.site=s-8"), 1);
  EXPECT_EQ(Total("output.label=leak"), 1);
  EXPECT_EQ(Total("input.site=s-1"), 0);

  // A stored batch item is found by identical normalised input from a later single create: same
  // output is a near-duplicate, another output a conflict.
  Json same = Item("VALVE leak  on line 3", "s-8", "leak");
  auto dup = server_.Post("/api/v1/examples", same);
  ASSERT_EQ(dup.status, 201) << dup.raw;
  std::set<std::string> dup_of;
  for (const auto& w : dup.body["warnings"]) {
    if (w["type"] == "near_duplicate") dup_of.insert(w["example_id"].get<std::string>());
  }
  EXPECT_TRUE(dup_of.count(leak)) << dup.raw;
  Json other = Item("valve leak on line 3", "s-8", "fine");
  auto conflict = server_.Post("/api/v1/examples?on_duplicate=reject", other);
  EXPECT_EQ(conflict.status, 409) << conflict.raw;
  EXPECT_NE(conflict.raw.find("conflicts with example"), std::string::npos) << conflict.raw;

  // Repeats inside one batch: the later item is reported against the earlier one.
  Json twins = {Item("Twin  reading on bay 4", "s-4", "a"), Item("twin reading on bay 4", "s-4", "b")};
  auto repeated = server_.Post("/api/v1/examples/batch", {{"examples", twins}});
  ASSERT_EQ(repeated.status, 201) << repeated.raw;
  bool conflict_warned = false;
  for (const auto& w : repeated.body["warnings"]) {
    if (w["type"] != "conflict" || w["index"] != 1) continue;
    conflict_warned = true;
    EXPECT_EQ(w.value("item_id", ""), repeated.body["created_ids"][1]) << repeated.raw;
    EXPECT_EQ(w["example_id"], repeated.body["created_ids"][0]) << repeated.raw;
  }
  EXPECT_TRUE(conflict_warned) << repeated.raw;

  // Searchable on acknowledgement, by keyword and by vector, from the shared embedding text.
  Json kw = Search({{"query_text", "pressure gauge"}, {"mode", "keyword"}, {"k", 1}});
  ASSERT_EQ(kw["results"].size(), 1u) << kw;
  EXPECT_EQ(kw["results"][0]["example"]["example_id"], gauge);
  Json vec = Search({{"query_text", "write to bob@example.com about the pressure gauge s-7"},
                     {"mode", "vector"}, {"k", 1}});
  ASSERT_EQ(vec["results"].size(), 1u) << vec;
  EXPECT_EQ(vec["results"][0]["example"]["example_id"], gauge);

  // One audit entry for the batch, naming each created example once.
  auto audit = server_.Get("/api/v1/audit?limit=1000");
  ASSERT_EQ(audit.status, 200) << audit.raw;
  const Json* entry = nullptr;
  for (const auto& e : audit.body["entries"]) {
    if (e["action"] == "POST /api/v1/examples/batch" && !e["entity_ids"].empty() && e["entity_ids"][0] == gauge) {
      entry = &e;
    }
  }
  ASSERT_NE(entry, nullptr) << audit.raw;
  EXPECT_EQ((*entry)["entity_ids"], batch.body["created_ids"]);
}

TEST_F(BatchIngest, AtomicBatchFailingLateStoresAndIndexesNothing) {
  // Item 999 of 1,000 holds a secret under on_secret=reject: the content check refuses the whole
  // batch after every earlier item was parsed, fingerprinted and checked; nothing is stored or
  // searchable.
  Json items = Json::array();
  for (int i = 0; i < 999; ++i) items.push_back(Item("late failure probe " + std::to_string(i), "s-late", "x"));
  items.push_back(Item("use key sk-proj-abc123DEF456ghi789JKL012mno345 for the call", "s-late", "x"));
  auto refused = server_.Post("/api/v1/examples/batch", {{"examples", items}, {"on_secret", "reject"}});
  ASSERT_EQ(refused.status, 422) << refused.raw.substr(0, 500);
  EXPECT_EQ(refused.body["detail"][0]["loc"][2], 999) << refused.raw.substr(0, 500);
  EXPECT_EQ(refused.body["detail"][0]["type"], "value_error.secret") << refused.raw.substr(0, 500);
  EXPECT_EQ(Total(""), 0);
  EXPECT_EQ(Total("input.site=s-late"), 0);
  Json kw = Search({{"query_text", "late failure probe"}, {"mode", "keyword"}, {"k", 5}});
  EXPECT_TRUE(kw["results"].empty()) << kw;
  // The same items without the broken one are stored, each once.
  items.erase(items.end() - 1);
  auto ok = server_.Post("/api/v1/examples/batch", {{"examples", items}});
  ASSERT_EQ(ok.status, 201) << ok.raw.substr(0, 500);
  EXPECT_EQ(ok.body["created_count"], 999);
  EXPECT_EQ(Total("input.site=s-late"), 999);
}

// A location's list indexes are integers wherever a loc is written: a per-item error of a
// non-atomic batch or an import (they were strings: ["body","examples","1","input"]), the atomic
// 422's detail, and a warning's loc.
TEST_F(BatchIngest, ItemLocationsUseIntegerIndexesLikeThe422) {
  const Json items = {Item("first fine item", "s-1", "ok"), {{"input", "not an object"}, {"expected_output", {{"label", "x"}}}}};
  auto atomic = server_.Post("/api/v1/examples/batch", {{"examples", items}});
  ASSERT_EQ(atomic.status, 422) << atomic.raw;
  EXPECT_EQ(atomic.body["detail"][0]["loc"], Json::array({"body", "examples", 1, "input"})) << atomic.raw;
  auto per_item = server_.Post("/api/v1/examples/batch", {{"atomic", false}, {"examples", items}});
  ASSERT_EQ(per_item.status, 201) << per_item.raw;
  ASSERT_EQ(per_item.body["errors"].size(), 1u) << per_item.raw;
  EXPECT_EQ(per_item.body["errors"][0]["loc"], Json::array({"body", "examples", 1, "input"})) << per_item.raw;
  auto imported = server_.PostRaw("/api/v1/examples/import?format=json",
                                  Json::array({Item("second fine item", "s-2", "ok"), items[1]}).dump(), "application/json");
  ASSERT_EQ(imported.status, 201) << imported.raw;
  EXPECT_EQ(imported.body["errors"][0]["loc"], Json::array({"body", 1, "input"})) << imported.raw;

  auto t = server_.Post("/api/v1/templates", {{"name", "gauge"},
                                              {"input_schema", {{{"name", "text"}, {"type", "string"}},
                                                                {{"name", "site"}, {"type", "string"}},
                                                                {{"name", "note"}, {"type", "string"}, {"required", false}}}},
                                              {"output_schema", {{{"name", "label"}, {"type", "string"}}}}});
  ASSERT_EQ(t.status, 201) << t.raw;
  Json without_note = Item("third fine item", "s-3", "ok");
  without_note["databit_id"] = t.body["id"];
  auto warned = server_.Post("/api/v1/examples/batch", {{"examples", Json::array({Item("fourth", "s-4", "ok"), without_note})}});
  ASSERT_EQ(warned.status, 201) << warned.raw;
  bool seen = false;
  for (const auto& w : warned.body["warnings"]) {
    if (w.value("type", "") != "missing_optional_field") continue;
    seen = true;
    EXPECT_EQ(w["loc"], Json::array({"body", "examples", 1, "input", "note"})) << w.dump();
  }
  EXPECT_TRUE(seen) << warned.raw;
}

}  // namespace
}  // namespace exemplar::testing
