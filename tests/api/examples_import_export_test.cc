// Black-box tests of the examples import and export (SPEC §2.2) against a real server: CSV and JSONL
// round trips, re-import idempotence, and an export imported into another store.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <tuple>

#include "testing/test_server.h"

namespace exemplar::testing {
namespace {

class ExamplesImportExport : public ::testing::Test {
 protected:
  TestServer server_;
};

TEST_F(ExamplesImportExport, ImportExportRoundTripAndDatabitPath) {
  // databit_id must name a template (issue #20), and the rows fit its schema.
  auto t = server_.Post("/api/v1/templates", {{"name", "CSV import"},
                                              {"input_schema", {{{"name", "text"}, {"type", "string"}}}},
                                              {"output_schema", {{{"name", "label"}, {"type", "string"}}}}});
  ASSERT_EQ(t.status, 201) << t.raw;
  const std::string tid = t.body["id"];
  std::string csv =
      "input,expected_output,domain,capability_tags,databit_id,explanation\r\n"
      "\"{\"\"text\"\": \"\"a, b\"\"}\",\"{\"\"label\"\": \"\"x\"\"}\",csv_domain,a;b," + tid + ",plain\r\n"
      "\"{\"\"text\"\": \"\"line\\nbreak\"\"}\",\"{\"\"label\"\": \"\"y\"\"}\",csv_domain,," + tid + ",\"two\nlines, quoted\"\r\n"
      "not json,{},csv_domain,," + tid + ",x\r\n";
  auto imported = server_.PostRaw("/api/v1/examples/import", csv, "text/csv");
  ASSERT_EQ(imported.status, 201) << imported.raw;
  EXPECT_EQ(imported.body["created_count"], 2);
  EXPECT_EQ(imported.body["failed_count"], 1);
  auto jsonl = server_.Get("/api/v1/examples/export?format=jsonl&domain=csv_domain");
  ASSERT_EQ(jsonl.status, 200);
  std::set<std::string> texts;
  size_t lines = 0;
  for (size_t pos = 0; pos < jsonl.raw.size();) {
    size_t end = jsonl.raw.find('\n', pos);
    Json j = Json::parse(jsonl.raw.substr(pos, end - pos));
    texts.insert(j["input"]["text"].get<std::string>());
    ++lines;
    pos = end + 1;
  }
  EXPECT_EQ(lines, 2u);
  EXPECT_TRUE(texts.count("a, b"));
  EXPECT_TRUE(texts.count("line\nbreak"));
  auto csv_out = server_.Get("/api/v1/examples/export?format=csv");
  EXPECT_NE(csv_out.raw.find("example_id,client_id,input"), std::string::npos);
  // Re-importing the export into the same store is idempotent (example ids are kept).
  auto again = server_.PostRaw("/api/v1/examples/import", jsonl.raw, "application/x-ndjson");
  EXPECT_EQ(again.body["created_count"], 0);
  EXPECT_EQ(again.body["existing_count"], 2);
  auto by_databit = server_.Get("/api/v1/examples/databit/" + tid);
  EXPECT_EQ(by_databit.body["total"], 2);
  EXPECT_EQ(server_.Get("/api/v1/examples/export?format=xml").status, 422);
}

// An export imported into another store gives back the same records: a record without a client id
// stays without one, and its example id keeps the import idempotent and refuses other content.
TEST_F(ExamplesImportExport, AnExportImportsIntoAnotherStoreUnchanged) {
  Json keyed = MakeExample("keyed record");
  keyed["client_id"] = "k-export";
  ASSERT_EQ(server_.Post("/api/v1/examples", keyed).status, 201);
  auto plain = server_.Post("/api/v1/examples", MakeExample("plain record"));
  ASSERT_EQ(plain.status, 201) << plain.raw;
  auto exported = server_.Get("/api/v1/examples/export?format=jsonl");
  ASSERT_EQ(exported.status, 200);
  auto records = [](const std::string& jsonl) {
    std::map<std::string, Json> out;
    for (size_t pos = 0; pos < jsonl.size();) {
      size_t end = jsonl.find('\n', pos);
      Json j = Json::parse(jsonl.substr(pos, end - pos));
      out[j["example_id"].get<std::string>()] = j;
      pos = end == std::string::npos ? end : end + 1;
    }
    return out;
  };
  auto before = records(exported.raw);
  ASSERT_EQ(before.size(), 2u);

  TestServer other;
  auto imported = other.PostRaw("/api/v1/examples/import", exported.raw, "application/x-ndjson");
  ASSERT_EQ(imported.status, 201) << imported.raw;
  EXPECT_EQ(imported.body["created_count"], 2);
  auto after = records(other.Get("/api/v1/examples/export?format=jsonl").raw);
  ASSERT_EQ(after.size(), 2u);
  for (auto& [id, record] : before) {
    ASSERT_TRUE(after.count(id)) << id;
    EXPECT_EQ(after[id]["client_id"], record["client_id"]) << id;
    EXPECT_EQ(after[id]["input"], record["input"]);
    EXPECT_EQ(after[id]["expected_output"], record["expected_output"]);
  }
  const std::string plain_id = plain.body["example_id"];
  EXPECT_TRUE(after[plain_id]["client_id"].is_null()) << after[plain_id].dump();

  // Importing again stores nothing new; the plain record's id alone makes it a repeat.
  auto again = other.PostRaw("/api/v1/examples/import", exported.raw, "application/x-ndjson");
  EXPECT_EQ(again.status, 200) << again.raw;
  EXPECT_EQ(again.body["existing_count"], 2);
  // Its id with other content is a conflict that names the example id, not a client id.
  Json changed = MakeExample("other content");
  changed["example_id"] = plain_id;
  auto conflict = other.Post("/api/v1/examples", changed);
  EXPECT_EQ(conflict.status, 409) << conflict.raw;
  EXPECT_NE(conflict.raw.find("example_id '" + plain_id + "'"), std::string::npos) << conflict.raw;
  EXPECT_EQ(other.Get("/api/v1/examples/" + plain_id).body["input"]["text"], "plain record");
  EXPECT_EQ(other.Get("/api/v1/examples").body["total"], 2);
}

// CSV refuses what JSONL refuses (review s24 attack3 P2-3): a repeated column (its first cell was
// dropped silently) fails the whole import, naming the column; a JSON cell with a repeated key
// (its first value was dropped) fails its row, naming the row and the column.
TEST_F(ExamplesImportExport, CsvRefusesRepeatedColumnsAndRepeatedKeys) {
  auto repeated_column = server_.PostRaw("/api/v1/examples/import",
                                         "input,input,expected_output,domain,function_name\r\n"
                                         "\"{\"\"q\"\":\"\"a1\"\"}\",\"{\"\"q\"\":\"\"a2\"\"}\",\"{\"\"a\"\":\"\"x\"\"}\",d,f\r\n",
                                         "text/csv");
  ASSERT_EQ(repeated_column.status, 422) << repeated_column.raw;
  EXPECT_EQ(repeated_column.body["detail"][0]["msg"], "the column 'input' appears twice in the CSV header")
      << repeated_column.raw;

  auto repeated_key = server_.PostRaw("/api/v1/examples/import",
                                      "input,expected_output,domain,function_name\r\n"
                                      "\"{\"\"q\"\":\"\"first\"\",\"\"q\"\":\"\"second\"\"}\",\"{\"\"a\"\":\"\"x\"\"}\",d,f\r\n"
                                      "\"{\"\"q\"\":\"\"fine\"\"}\",\"{\"\"a\"\":\"\"x\"\"}\",d,f\r\n",
                                      "text/csv");
  ASSERT_EQ(repeated_key.status, 201) << repeated_key.raw;
  EXPECT_EQ(repeated_key.body["created_count"], 1);
  ASSERT_EQ(repeated_key.body["errors"].size(), 1u) << repeated_key.raw;
  const Json& err = repeated_key.body["errors"][0];
  EXPECT_EQ(err["index"], 0);
  EXPECT_EQ(err["error"], "row 2: the key 'q' appears twice in one object at input") << err.dump();
  EXPECT_EQ(err["loc"], Json::array({"body", 0, "input"})) << err.dump();
  EXPECT_EQ(err["type"], "value_error.duplicate_key") << err.dump();
  EXPECT_EQ(server_.Get("/api/v1/examples?domain=d").body["total"], 1);
}

// One record's problem is that record's error, the same in JSONL, a JSON array and CSV (review
// s24 attack3 P2-4: in JSONL a too-long string, a NUL or too-deep nesting named no field; in a
// JSON array it refused the whole request). Each error has the record's 0-based index, a loc
// ["body", index, field…] and a message starting with where the record is, 1-based as the file
// shows it: "line N" (blank lines counted), "item N", "row N" (the header is row 1).
TEST_F(ExamplesImportExport, EachRecordsProblemIsItsOwnErrorInEveryFormat) {
  std::string deep = "\"bottom\"";
  for (int i = 0; i < 40; ++i) deep = "[" + deep + "]";
  const std::vector<std::string> inputs = {
      R"({"q":"fine"})",
      "{\"q\":\"" + std::string(70000, 'x') + "\"}",
      R"({"q":"a\u0000b"})",
      "{\"q\":" + deep + "}",
  };
  struct Want {
    std::vector<Json> loc;  // expected loc's start
    std::string type, message;
  };
  const std::vector<Want> want = {
      {},
      {{"body", 1, "input", "q"}, "value_error.too_long", "string longer than 65536 bytes at q"},
      {{"body", 2, "input", "q"}, "value_error.nul", "strings must not contain NUL (U+0000) at q"},
      {{"body", 3}, "value_error.too_deep", "JSON nesting deeper than 32"},
  };
  auto json_record = [&](size_t i) {
    return "{\"input\":" + inputs[i] + ",\"expected_output\":{\"a\":\"x\"},\"domain\":\"each\"}";
  };
  std::string jsonl = "\n", array = "[", csv = "input,expected_output,domain\r\n";
  for (size_t i = 0; i < inputs.size(); ++i) {
    jsonl += json_record(i) + "\n";
    array += (i ? "," : "") + json_record(i);
    std::string cell;
    for (char c : inputs[i]) cell += c == '"' ? std::string("\"\"") : std::string(1, c);
    csv += "\"" + cell + "\",\"{\"\"a\"\":\"\"x\"\"}\",each\r\n";
  }
  array += "]";
  const std::vector<std::tuple<std::string, std::string, std::string, std::string, int>> formats = {
      {"jsonl", "application/x-ndjson", jsonl, "line ", 2},
      {"json", "application/json", array, "item ", 1},
      {"csv", "text/csv", csv, "row ", 2}};
  for (const auto& [format, content_type, body, label, first] : formats) {
    SCOPED_TRACE(format);
    auto r = server_.PostRaw("/api/v1/examples/import", body, content_type);
    ASSERT_EQ(r.status, 201) << r.raw.substr(0, 2000);
    EXPECT_EQ(r.body["created_count"], 1);
    EXPECT_EQ(r.body["total_records"], 4);
    ASSERT_EQ(r.body["errors"].size(), 3u) << r.raw.substr(0, 2000);
    for (size_t k = 0; k < 3; ++k) {
      const Json& e = r.body["errors"][k];
      const Want& w = want[k + 1];
      EXPECT_EQ(e["index"], k + 1) << e.dump();
      EXPECT_EQ(e["type"], w.type) << e.dump();
      const std::string where = label + std::to_string(first + k + 1) + ": ";
      EXPECT_EQ(e["error"].get<std::string>().rfind(where, 0), 0u) << e.dump();
      if (format != "csv" || k != 2) {  // CSV names the column a too-deep cell is in: ["body", 3, "input"]
        EXPECT_EQ(e["loc"], Json(w.loc)) << e.dump();
        EXPECT_EQ(e["error"], where + w.message) << e.dump();
      } else {
        EXPECT_EQ(e["loc"], Json::array({"body", 3, "input"})) << e.dump();
      }
    }
    ASSERT_EQ(server_.Delete("/api/v1/examples/" + r.body["created_ids"][0].get<std::string>()).status, 204);
  }
  // Only what is no list of records at all is refused as a whole.
  auto not_json = server_.PostRaw("/api/v1/examples/import?format=json", "[{\"input\":", "application/json");
  EXPECT_EQ(not_json.status, 400) << not_json.raw;
  auto wrapped = server_.PostRaw("/api/v1/examples/import?format=json",
                                 "{\"examples\": [" + json_record(0) + ", 7]}", "application/json");
  ASSERT_EQ(wrapped.status, 201) << wrapped.raw;
  ASSERT_EQ(wrapped.body["errors"].size(), 1u) << wrapped.raw;
  EXPECT_EQ(wrapped.body["errors"][0]["index"], 1) << wrapped.raw;
  EXPECT_EQ(wrapped.body["errors"][0]["error"].get<std::string>().rfind("item 2: ", 0), 0u) << wrapped.raw;
}

}  // namespace
}  // namespace exemplar::testing
