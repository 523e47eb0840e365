#include "service/lineage/snapshots.h"

#include <map>
#include <optional>
#include <set>

#include "common/ids.h"
#include "common/time.h"
#include "service/audit/audit.h"

namespace exemplar::service {
namespace {

// The example's content and metadata at an older version, from its history snapshot (wire form).
std::optional<Example> FromVersionSnapshot(const Example& current, const Json& w) {
  if (!w.is_object() || w.value("purged", false) || !w.contains("input")) return std::nullopt;
  Example e = current;
  e.input_json = DumpJson(w["input"]);
  e.expected_output_json = DumpJson(w.value("expected_output", Json::object()));
  auto opt = [&](const char* k) -> std::optional<std::string> {
    if (w.contains(k) && w[k].is_string()) return w[k].get<std::string>();
    return std::nullopt;
  };
  e.explanation = opt("explanation");
  e.databit_id = opt("databit_id");
  e.function_name = opt("function_name");
  e.domain = opt("domain").value_or(e.domain);
  e.difficulty = opt("difficulty").value_or(e.difficulty);
  e.source = opt("source").value_or(e.source);
  e.capability_tags.clear();
  for (const auto& t : w.value("capability_tags", Json::array())) {
    if (t.is_string()) e.capability_tags.push_back(t.get<std::string>());
  }
  e.version = w.value("version", current.version);
  return e;
}

Json Opt(const std::optional<std::string>& s) { return s ? Json(*s) : Json(nullptr); }

// A snapshot row of the native export.
Json NativeRow(const FrozenExample& f) {
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

// HF `datasets` value type of a JSON scalar; nested values are exported as JSON text ("string").
std::string HfType(const Json& v) {
  if (v.is_boolean()) return "bool";
  if (v.is_number_integer()) return "int64";
  if (v.is_number_float()) return "float64";
  return "string";
}

// The HF types of each field of `key` (input / expected_output) over all rows: one type per
// field; mixed integer and float become float64, any other mix string.
std::map<std::string, std::string> FieldTypes(const std::vector<FrozenExample>& rows, const char* key) {
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

}  // namespace

Json SnapshotToJson(const SnapshotRecord& s) {
  return {{"snapshot_id", s.id},
          {"name", s.name},
          {"template_id", Opt(s.template_id)},
          {"selection", Json::parse(s.selection_json, nullptr, false)},
          {"item_count", s.item_count},
          {"created_by", Opt(s.created_by)},
          {"created_at", FormatRfc3339(s.created_at)}};
}

storage::SnapshotToStore Snapshots::Prepare(const std::string& name, const Json& selection,
                                            const std::vector<Example>& examples,
                                            const std::optional<std::string>& template_id,
                                            const std::optional<std::string>& user) {
  storage::SnapshotToStore out;
  SnapshotRecord& s = out.record;
  s.id = NewUuid();
  s.name = name;
  s.template_id = template_id;
  s.selection_json = DumpJson(selection);
  s.created_by = user;
  s.created_at = NowMillis();
  std::map<std::string, SnapshotItem> items;  // by id: one row per example, ordered
  for (const auto& e : examples) {
    items[e.id] = {e.id, e.version, audit::ContentHash(e.input_json, e.expected_output_json, e.explanation)};
  }
  for (auto& [id, it] : items) out.items.push_back(std::move(it));
  s.item_count = static_cast<int64_t>(out.items.size());
  const Json diff = {{"name", name}, {"item_count", s.item_count}};
  // A snapshot frozen for another write (a run's data at launch) gets an entry of its own, so
  // that GET /audit?entity=snapshot finds it; the outer entry (the run's) names it as well.
  if (storage::AuditScope* outer = storage::AuditScope::Current();
      outer && outer->described() && outer->entry().entity != "snapshot") {
    AuditRecord entry;
    entry.actor = outer->entry().actor;
    entry.action = outer->entry().action;
    entry.request_id = outer->entry().request_id;
    entry.entity = "snapshot";
    entry.entity_ids = {s.id};
    entry.diff_json = DumpJson(diff);
    out.audit = std::move(entry);
  }
  audit::Describe("snapshot", {s.id}, diff);
  return out;
}

Result<SnapshotRecord> Snapshots::CreateFrom(const std::string& name, const Json& selection,
                                             const std::vector<Example>& examples,
                                             const std::optional<std::string>& template_id,
                                             const std::optional<std::string>& user) {
  storage::SnapshotToStore s = Prepare(name, selection, examples, template_id, user);
  // The snapshot's own entry (frozen for another write) commits with the snapshot, the outer
  // one with the outer change.
  std::optional<storage::AuditScope> own;
  if (s.audit) {
    own.emplace(std::move(*s.audit));
    own->set_described();
  }
  EXEMPLAR_RETURN_IF_ERROR(store_.InsertSnapshot(s.record, s.items));
  return s.record;
}

Result<SnapshotRecord> Snapshots::Create(const std::string& name, const Json& selection,
                                         const storage::ExampleFilter& filter, const std::vector<std::string>& ids,
                                         const std::optional<std::string>& template_id,
                                         const std::optional<std::string>& user) {
  std::vector<Example> examples;
  if (!ids.empty()) {
    for (size_t i = 0; i < ids.size(); ++i) {
      auto e = store_.GetExample(ids[i]);
      if (e.status().IsNotFound()) {
        return Status::Invalid({{{"body", "example_ids", std::to_string(i)}, "example " + ids[i] + " does not exist",
                                 "value_error.not_found"}});
      }
      EXEMPLAR_RETURN_IF_ERROR(e.status());
      examples.push_back(std::move(e).value());
    }
  } else {
    for (int64_t offset = 0;; offset += 1000) {
      EXEMPLAR_ASSIGN_OR_RETURN(auto page, store_.ListExamples(filter, storage::ExampleSortKey::kCreatedAt, false,
                                                               offset, 1000));
      for (auto& e : page.examples) examples.push_back(std::move(e));
      if (static_cast<int64_t>(examples.size()) > kMaxItems) {
        return Status::Invalid({{{"body", "filter"}, "matches more than 100000 examples; narrow the filter",
                                 "value_error.too_many"}});
      }
      if (page.examples.size() < 1000) break;
    }
  }
  return CreateFrom(name, selection, examples, template_id, user);
}

Result<std::vector<SnapshotItem>> Snapshots::Items(const std::string& id) {
  EXEMPLAR_RETURN_IF_ERROR(store_.GetSnapshot(id).status());
  return store_.ListSnapshotItems(id);
}

Result<std::vector<FrozenExample>> Snapshots::Materialize(const std::string& id) {
  EXEMPLAR_ASSIGN_OR_RETURN(auto items, Items(id));
  std::vector<FrozenExample> out;
  out.reserve(items.size());
  for (auto& item : items) {
    FrozenExample f{item, std::nullopt};
    auto e = store_.GetExampleIncludingDeleted(item.example_id);
    if (e.ok() && !e->purged_at) {
      if (e->version == item.version) {
        f.example = std::move(e).value();
      } else {
        EXEMPLAR_ASSIGN_OR_RETURN(auto versions, store_.ListExampleVersions(item.example_id));
        for (const auto& v : versions) {
          if (v.version == item.version) f.example = FromVersionSnapshot(*e, Json::parse(v.snapshot_json, nullptr, false));
        }
      }
    } else if (!e.ok() && !e.status().IsNotFound()) {
      return e.status();
    }
    out.push_back(std::move(f));
  }
  return out;
}

Result<std::string> Snapshots::Export(const std::string& id, const std::string& format) {
  EXEMPLAR_ASSIGN_OR_RETURN(SnapshotRecord s, store_.GetSnapshot(id));
  EXEMPLAR_ASSIGN_OR_RETURN(auto rows, Materialize(id));
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
  if (format != "hf_info") {
    return Status::Invalid({{{"query", "format"}, "must be one of: jsonl, hf_jsonl, hf_info", "type_error.enum"}});
  }
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

Result<Json> Snapshots::Diff(const std::string& from, const std::string& to) {
  EXEMPLAR_ASSIGN_OR_RETURN(auto a, Items(from));
  EXEMPLAR_ASSIGN_OR_RETURN(auto b, Items(to));
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
  return Json{{"from", from}, {"to", to}, {"added", added}, {"removed", removed}, {"changed", changed},
              {"unchanged_count", unchanged}};
}

}  // namespace exemplar::service
