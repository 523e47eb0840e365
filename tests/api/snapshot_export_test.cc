// A snapshot's export and diff are streamed a page of items at a time (bounded memory, however
// large the snapshot) and are byte for byte what the in-memory versions wrote: every format, over
// several pages, with edited (read from history), deleted, purged and Unicode members; the same
// headers; errors (404, 422) before the first byte.
#include <gtest/gtest.h>

#include <map>
#include <strings.h>

#include "common/sha256.h"
#include "common/time.h"
#include "service/lineage/snapshot_export.h"
#include "testing/test_server.h"

namespace exemplar::testing {
namespace {

// ---- The export and diff as they were built in memory (commit 1d56265), kept as the oracle ----
namespace reference {

Json Opt(const std::optional<std::string>& s) { return s ? Json(*s) : Json(nullptr); }

Json NativeRow(const service::FrozenExample& f) {
  Json row = {{"example_id", f.item.example_id}, {"version", f.item.version}, {"content_hash", f.item.content_hash}};
  if (!f.example) {
    row["purged"] = true;
    return row;
  }
  const Example& e = *f.example;
  row["input"] = Json::parse(e.input_json, nullptr, false);
  row["expected_output"] = Json::parse(e.expected_output_json, nullptr, false);
  row["explanation"] = Opt(e.explanation);
  row["databit_id"] = Opt(e.databit_id);
  row["domain"] = e.domain;
  row["function_name"] = Opt(e.function_name);
  row["difficulty"] = e.difficulty;
  row["capability_tags"] = e.capability_tags;
  row["source"] = e.source;
  return row;
}

std::string HfType(const Json& v) {
  if (v.is_boolean()) return "bool";
  if (v.is_number_integer()) return "int64";
  if (v.is_number_float()) return "float64";
  return "string";
}

std::map<std::string, std::string> FieldTypes(const std::vector<service::FrozenExample>& rows, const char* key) {
  std::map<std::string, std::string> types;
  for (const auto& f : rows) {
    if (!f.example) continue;
    Json obj = Json::parse(key == std::string("input") ? f.example->input_json : f.example->expected_output_json,
                           nullptr, false);
    if (!obj.is_object()) continue;
    for (const auto& [k, v] : obj.items()) {
      if (v.is_null()) continue;
      std::string t = HfType(v);
      auto [it, fresh] = types.emplace(k, t);
      if (fresh || it->second == t) continue;
      bool numeric = (it->second == "int64" || it->second == "float64") && (t == "int64" || t == "float64");
      it->second = numeric ? "float64" : "string";
    }
  }
  return types;
}

Json HfValue(const Json& v, const std::string& type) {
  if (v.is_null()) return v;
  if (type == "string") return v.is_string() ? v : Json(DumpJson(v));
  if (type == "float64" && v.is_number()) return v.get<double>();
  return v;
}

Json HfStruct(const std::string& json_text, const std::map<std::string, std::string>& types) {
  Json obj = Json::parse(json_text, nullptr, false);
  Json out = Json::object();
  for (const auto& [k, t] : types) out[k] = obj.is_object() && obj.contains(k) ? HfValue(obj[k], t) : Json(nullptr);
  return out;
}

Json HfFeatures(const std::map<std::string, std::string>& types) {
  Json out = Json::object();
  for (const auto& [k, t] : types) out[k] = {{"dtype", t}, {"_type", "Value"}};
  return out;
}

std::string Export(cli::Runtime& rt, const std::string& id, const std::string& format) {
  SnapshotRecord s = *rt.store().GetSnapshot(id);
  auto rows = *rt.snapshots().Materialize(id);
  std::string out;
  if (format == "jsonl") {
    for (const auto& f : rows) out += DumpJson(NativeRow(f)) + "\n";
    return out;
  }
  auto input_types = FieldTypes(rows, "input");
  auto output_types = FieldTypes(rows, "expected_output");
  int64_t count = 0;
  for (const auto& f : rows) {
    if (!f.example) continue;
    Json row = {{"example_id", f.item.example_id},
                {"version", f.item.version},
                {"content_hash", f.item.content_hash},
                {"input", HfStruct(f.example->input_json, input_types)},
                {"expected_output", HfStruct(f.example->expected_output_json, output_types)},
                {"explanation", Opt(f.example->explanation)},
                {"domain", f.example->domain}};
    out += DumpJson(row) + "\n";
    ++count;
  }
  if (format == "hf_jsonl") return out;
  Json value_string = {{"dtype", "string"}, {"_type", "Value"}};
  Json info = {
      {"builder_name", "json"},
      {"config_name", "default"},
      {"dataset_name", s.name},
      {"description", "Exemplar snapshot " + s.id + " (" + s.name + "), frozen " + FormatRfc3339(s.created_at) +
                          ": examples at fixed versions with SHA-256 content hashes."},
      {"version", {{"version_str", "1.0.0"}, {"major", 1}, {"minor", 0}, {"patch", 0}}},
      {"features",
       {{"example_id", value_string},
        {"version", {{"dtype", "int64"}, {"_type", "Value"}}},
        {"content_hash", value_string},
        {"input", HfFeatures(input_types)},
        {"expected_output", HfFeatures(output_types)},
        {"explanation", value_string},
        {"domain", value_string}}},
      {"splits",
       {{"train",
         {{"name", "train"}, {"num_bytes", static_cast<int64_t>(out.size())}, {"num_examples", count},
          {"dataset_name", s.name}}}}},
      {"data_files", {{"train", Json::array({"train.jsonl"})}}},
      {"download_checksums", {{"train.jsonl", {{"num_bytes", static_cast<int64_t>(out.size())},
                                               {"checksum", Sha256Hex(out)}}}}},
      {"dataset_size", static_cast<int64_t>(out.size())},
  };
  return info.dump(2) + "\n";
}

std::string Diff(cli::Runtime& rt, const std::string& from, const std::string& to) {
  auto a = *rt.snapshots().Items(from);
  auto b = *rt.snapshots().Items(to);
  std::map<std::string, const SnapshotItem*> in_a, in_b;
  for (const auto& it : a) in_a[it.example_id] = &it;
  for (const auto& it : b) in_b[it.example_id] = &it;
  Json added = Json::array(), removed = Json::array(), changed = Json::array();
  int64_t unchanged = 0;
  for (const auto& [id, it] : in_b) {
    auto old = in_a.find(id);
    if (old == in_a.end()) {
      added.push_back({{"example_id", id}, {"version", it->version}, {"content_hash", it->content_hash}});
    } else if (old->second->version != it->version || old->second->content_hash != it->content_hash) {
      changed.push_back({{"example_id", id},
                         {"from_version", old->second->version},
                         {"to_version", it->version},
                         {"from_hash", old->second->content_hash},
                         {"to_hash", it->content_hash},
                         {"content_changed", old->second->content_hash != it->content_hash}});
    } else {
      ++unchanged;
    }
  }
  for (const auto& [id, it] : in_a) {
    if (!in_b.count(id)) removed.push_back({{"example_id", id}, {"version", it->version}, {"content_hash", it->content_hash}});
  }
  return DumpJson(Json{{"from", from}, {"to", to}, {"added", added}, {"removed", removed}, {"changed", changed},
                       {"unchanged_count", unchanged}});
}

}  // namespace reference

std::string HeaderOf(const HttpResult& r, const char* name) {
  for (const auto& [k, v] : r.headers) {
    if (strcasecmp(k.c_str(), name) == 0) return v;
  }
  return "";
}

class SnapshotExport : public ::testing::Test {
 protected:
  // Example `i` of the corpus: Unicode text, a field that is an integer in most examples and a
  // float in some (float64), one that is a number or text (string), a nested value, a boolean.
  static Json Corpus(int i) {
    Json input = {{"text", "exemple n° " + std::to_string(i) + " — 日本語 🎉 \"quoted\" \\ tab\t end"},
                  {"n", i % 7 == 0 ? Json(i + 0.5) : Json(i)}};
    if (i % 5 == 0) input["mixed"] = i % 10 == 0 ? Json("text " + std::to_string(i)) : Json(i);
    if (i % 9 == 0) input["nested"] = {{"k", i}, {"list", {1, "two", nullptr}}};
    if (i % 4 == 0) input["flag"] = i % 8 == 0;
    Json body = {{"input", input}, {"expected_output", {{"label", i % 3 == 0 ? "oui ✓" : "non"}}}, {"domain", "bulk"}};
    if (i % 2 == 0) body["explanation"] = "parce que… " + std::to_string(i);
    if (i % 6 == 0) body["capability_tags"] = {"tag-" + std::to_string(i % 4), "ünïcödé"};
    return body;
  }
  std::vector<std::string> Ingest(int from, int to) {
    std::vector<std::string> ids;
    for (int start = from; start < to; start += 200) {
      Json batch = Json::array();
      for (int i = start; i < std::min(to, start + 200); ++i) batch.push_back(Corpus(i));
      auto r = server_.Post("/api/v1/examples/batch", {{"examples", batch}});
      EXPECT_EQ(r.status, 201) << r.raw.substr(0, 500);
      for (const auto& id : r.body["created_ids"]) ids.push_back(id);
    }
    return ids;
  }
  std::string Freeze(const std::string& name, const Json& filter) {
    auto r = server_.Post("/api/v1/snapshots", {{"name", name}, {"filter", filter}});
    EXPECT_EQ(r.status, 201) << r.raw.substr(0, 500);
    return r.body.value("snapshot_id", "");
  }
  // The streamed body equals the in-memory one, with the headers the in-memory reply had.
  void ExpectExportAsBefore(const std::string& id, const std::string& format) {
    SCOPED_TRACE(format);
    auto r = server_.Get("/api/v1/snapshots/" + id + "/export?format=" + format);
    ASSERT_EQ(r.status, 200) << r.raw.substr(0, 500);
    const std::string expected = reference::Export(server_.runtime(), id, format);
    EXPECT_EQ(r.raw.size(), expected.size());
    EXPECT_TRUE(r.raw == expected) << "the export differs from the in-memory one";
    EXPECT_EQ(r.content_type, format == "hf_info" ? "application/json" : "application/x-ndjson");
    const std::string filename = format == "hf_info"    ? "dataset_info.json"
                                 : format == "hf_jsonl" ? "train.jsonl"
                                                        : "snapshot-" + id + ".jsonl";
    EXPECT_EQ(HeaderOf(r, "Content-Disposition"), "attachment; filename=\"" + filename + "\"");
  }
  TestServer server_;
};

TEST_F(SnapshotExport, StreamedExportsAndDiffsAreByteIdenticalToTheInMemoryOnes) {
  // Several pages of items (SnapshotExport::kPage, SnapshotDiff::kPage), frozen at mixed versions.
  const int n = 2 * static_cast<int>(service::SnapshotExport::kPage) + 150;
  std::vector<std::string> ids = Ingest(0, n);
  ASSERT_EQ(ids.size(), static_cast<size_t>(n));
  for (int i = 0; i < n; i += 97) {
    ASSERT_EQ(server_.Put("/api/v1/examples/" + ids[i], {{"explanation", "édité " + std::to_string(i)}}).status, 200);
  }
  const std::string s1 = Freeze("avant — ✓", {{"domain", "bulk"}});
  const std::string empty = Freeze("vide", {{"domain", "nothing here"}});

  // After the freeze: edit (the snapshot reads those from history), delete (tombstones), purge
  // (items of the snapshot become {purged: true}), add.
  for (int i = 1; i < n; i += 89) {
    ASSERT_EQ(server_.Put("/api/v1/examples/" + ids[i], {{"input", {{"text", "changed " + std::to_string(i)}, {"n", 1.25}}}}).status, 200);
  }
  for (int i = 2; i < n; i += 131) ASSERT_EQ(server_.Delete("/api/v1/examples/" + ids[i]).status, 204);
  for (int i = 3; i < n; i += 113) {
    ASSERT_EQ(server_.Delete("/api/v1/examples/" + ids[i] + "?purge=true").status, 204);
  }
  Ingest(n, n + 60);
  const std::string s2 = Freeze("après", {{"domain", "bulk"}});

  for (const std::string& id : {s1, s2, empty}) {
    for (const char* format : {"jsonl", "hf_jsonl", "hf_info"}) ExpectExportAsBefore(id, format);
  }
  const std::string jsonl = server_.Get("/api/v1/snapshots/" + s1 + "/export").raw;
  EXPECT_EQ(std::count(jsonl.begin(), jsonl.end(), '\n'), n);
  EXPECT_NE(jsonl.find("\"purged\":true"), std::string::npos);
  EXPECT_NE(jsonl.find("日本語 🎉"), std::string::npos);

  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {s1, s2}, {s2, s1}, {s1, s1}, {empty, s1}, {s2, empty}, {empty, empty}}) {
    auto r = server_.Get("/api/v1/snapshots/" + from + "/diff/" + to);
    ASSERT_EQ(r.status, 200) << r.raw.substr(0, 500);
    EXPECT_EQ(r.content_type, "application/json");
    EXPECT_TRUE(r.raw == reference::Diff(server_.runtime(), from, to)) << "the diff differs from the in-memory one";
  }
  Json diff = server_.Get("/api/v1/snapshots/" + s1 + "/diff/" + s2).body;
  EXPECT_EQ(diff["added"].size(), 60u);
  EXPECT_FALSE(diff["changed"].empty());
  EXPECT_FALSE(diff["removed"].empty());  // purged examples are not in the second snapshot
}

TEST_F(SnapshotExport, ExportsAndDiffsAreStreamedWithErrorsBeforeTheFirstByte) {
  Ingest(0, 30);
  const std::string s1 = Freeze("small", {{"domain", "bulk"}});
  // Streamed (chunked, no Content-Length): the in-memory reply had a length and no chunks.
  for (const std::string& path : {std::string("/export"), std::string("/export?format=hf_jsonl"), "/diff/" + s1}) {
    auto r = server_.Get("/api/v1/snapshots/" + s1 + path);
    ASSERT_EQ(r.status, 200) << path;
    EXPECT_EQ(HeaderOf(r, "Transfer-Encoding"), "chunked") << path;
    EXPECT_EQ(HeaderOf(r, "Content-Length"), "") << path;
  }
  // dataset_info.json is small and sent whole.
  EXPECT_EQ(HeaderOf(server_.Get("/api/v1/snapshots/" + s1 + "/export?format=hf_info"), "Transfer-Encoding"), "");

  const std::string unknown = "00000000-0000-4000-8000-000000000000";
  for (const std::string& path : {unknown + "/export", unknown + "/export?format=hf_info", unknown + "/diff/" + s1,
                                 s1 + "/diff/" + unknown, std::string("not-a-uuid/export")}) {
    auto r = server_.Get("/api/v1/snapshots/" + path);
    EXPECT_EQ(r.status, 404) << path << " " << r.raw;
    EXPECT_TRUE(r.body.contains("detail")) << path << " " << r.raw;
  }
  auto bad = server_.Get("/api/v1/snapshots/" + s1 + "/export?format=parquet");
  EXPECT_EQ(bad.status, 422) << bad.raw;
  EXPECT_EQ(bad.body["detail"][0]["loc"][1], "format") << bad.raw;
  EXPECT_EQ(server_.Get("/api/v1/snapshots/" + unknown + "/export?format=parquet").status, 422);  // format first, as before
}

}  // namespace
}  // namespace exemplar::testing
