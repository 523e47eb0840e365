#include "service/lineage/snapshot_export.h"

#include <algorithm>

#include "common/sha256.h"
#include "common/time.h"

namespace exemplar::service {
namespace {

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

// Adds the HF types of each field of `key` (input / expected_output) of `rows` to *types: one
// type per field; mixed integer and float become float64, any other mix string. Fed the rows in
// order, page by page, it ends where one call over all of them would.
void AddFieldTypes(const std::vector<FrozenExample>& rows, const char* key, std::map<std::string, std::string>* types) {
  for (const auto& f : rows) {
    if (!f.example) continue;
    Json obj = Json::parse(key == std::string("input") ? f.example->input_json : f.example->expected_output_json,
                           nullptr, false);
    if (!obj.is_object()) continue;
    for (const auto& [k, v] : obj.items()) {
      if (v.is_null()) continue;
      std::string t = HfType(v);
      auto [it, fresh] = types->emplace(k, t);
      if (fresh || it->second == t) continue;
      bool numeric = (it->second == "int64" || it->second == "float64") && (t == "int64" || t == "float64");
      it->second = numeric ? "float64" : "string";
    }
  }
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

Json ItemJson(const SnapshotItem& it) {
  return {{"example_id", it.example_id}, {"version", it.version}, {"content_hash", it.content_hash}};
}

}  // namespace

// ---- Export ----

SnapshotExport::SnapshotExport(storage::Store& store, SnapshotRecord snapshot, std::string format)
    : store_(store), snapshot_(std::move(snapshot)), format_(std::move(format)) {}

Result<std::unique_ptr<SnapshotExport>> SnapshotExport::Open(storage::Store& store, const std::string& id,
                                                             const std::string& format) {
  if (format != "jsonl" && format != "hf_jsonl" && format != "hf_info") {
    return Status::Invalid({{{"query", "format"}, "must be one of: jsonl, hf_jsonl, hf_info", "type_error.enum"}});
  }
  EXEMPLAR_ASSIGN_OR_RETURN(SnapshotRecord s, store.GetSnapshot(id));
  std::unique_ptr<SnapshotExport> out(new SnapshotExport(store, std::move(s), format));
  if (format == "jsonl") return out;
  EXEMPLAR_RETURN_IF_ERROR(out->TypeFields());
  if (format == "hf_info") {
    EXEMPLAR_ASSIGN_OR_RETURN(out->info_, out->HfInfo());
  }
  return out;
}

Result<std::vector<FrozenExample>> SnapshotExport::Page(Pass* pass) {
  if (pass->ended) return std::vector<FrozenExample>{};
  EXEMPLAR_ASSIGN_OR_RETURN(auto items, store_.ListSnapshotItemsAfter(snapshot_.id, pass->after, kPage));
  pass->ended = static_cast<int64_t>(items.size()) < kPage;
  if (!items.empty()) pass->after = items.back().example_id;
  return MaterializeItems(store_, items.begin(), items.end());
}

Status SnapshotExport::TypeFields() {
  for (Pass pass; !pass.ended;) {
    EXEMPLAR_ASSIGN_OR_RETURN(auto rows, Page(&pass));
    AddFieldTypes(rows, "input", &input_types_);
    AddFieldTypes(rows, "expected_output", &output_types_);
  }
  return Status::Ok();
}

std::string SnapshotExport::HfLines(const std::vector<FrozenExample>& rows, int64_t* examples) const {
  std::string out;
  for (const auto& f : rows) {
    if (!f.example) continue;
    Json row = {{"example_id", f.item.example_id},
                {"version", f.item.version},
                {"content_hash", f.item.content_hash},
                {"input", HfStruct(f.example->input_json, input_types_)},
                {"expected_output", HfStruct(f.example->expected_output_json, output_types_)},
                {"explanation", Opt(f.example->explanation)},
                {"domain", f.example->domain}};
    out += DumpJson(row) + "\n";
    ++*examples;
  }
  return out;
}

Result<std::string> SnapshotExport::HfInfo() {
  int64_t bytes = 0, count = 0;
  Sha256Stream checksum;
  for (Pass pass; !pass.ended;) {
    EXEMPLAR_ASSIGN_OR_RETURN(auto rows, Page(&pass));
    const std::string lines = HfLines(rows, &count);
    bytes += static_cast<int64_t>(lines.size());
    checksum.Update(lines);
  }
  const SnapshotRecord& s = snapshot_;
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
        {"input", HfFeatures(input_types_)},
        {"expected_output", HfFeatures(output_types_)},
        {"explanation", value_string},
        {"domain", value_string}}},
      {"splits",
       {{"train", {{"name", "train"}, {"num_bytes", bytes}, {"num_examples", count}, {"dataset_name", s.name}}}}},
      {"data_files", {{"train", Json::array({"train.jsonl"})}}},
      {"download_checksums", {{"train.jsonl", {{"num_bytes", bytes}, {"checksum", checksum.HexDigest()}}}}},
      {"dataset_size", bytes},
  };
  return info.dump(2) + "\n";
}

Result<bool> SnapshotExport::Next(std::string* out) {
  if (done_) return false;
  if (format_ == "hf_info") {
    *out += info_;
    info_.clear();
    done_ = true;
    return true;
  }
  EXEMPLAR_ASSIGN_OR_RETURN(auto rows, Page(&body_));
  if (rows.empty()) {
    done_ = true;
    return false;
  }
  if (format_ == "jsonl") {
    for (const auto& f : rows) *out += DumpJson(NativeRow(f)) + "\n";
  } else {
    int64_t count = 0;
    *out += HfLines(rows, &count);
  }
  return true;
}

// ---- Diff ----

Result<const SnapshotItem*> SnapshotDiff::Side::Peek() {
  if (at_ == page_.size() && !last_page_) {
    const std::string after = page_.empty() ? "" : page_.back().example_id;
    EXEMPLAR_ASSIGN_OR_RETURN(page_, store_.ListSnapshotItemsAfter(id_, after, kPage));
    at_ = 0;
    last_page_ = static_cast<int64_t>(page_.size()) < kPage;
  }
  return at_ < page_.size() ? &page_[at_] : nullptr;
}

SnapshotDiff::SnapshotDiff(storage::Store& store, std::string from, std::string to)
    : store_(store), from_(std::move(from)), to_(std::move(to)) {
  Rewind();
}

Result<std::unique_ptr<SnapshotDiff>> SnapshotDiff::Open(storage::Store& store, const std::string& from,
                                                         const std::string& to) {
  EXEMPLAR_RETURN_IF_ERROR(store.GetSnapshot(from).status());
  EXEMPLAR_RETURN_IF_ERROR(store.GetSnapshot(to).status());
  return std::unique_ptr<SnapshotDiff>(new SnapshotDiff(store, from, to));
}

void SnapshotDiff::Rewind() {
  a_ = std::make_unique<Side>(store_, from_);
  b_ = std::make_unique<Side>(store_, to_);
  first_entry_ = true;
}

void SnapshotDiff::Emit(const Json& entry, std::string* out) {
  if (!first_entry_) *out += ',';
  first_entry_ = false;
  *out += DumpJson(entry);
}

Result<bool> SnapshotDiff::Next(std::string* out) {
  if (phase_ == Phase::kDone) return false;
  if (!started_) *out += "{\"added\":[";
  started_ = true;
  for (int64_t steps = 0; steps < kPage; ++steps) {
    EXEMPLAR_ASSIGN_OR_RETURN(const SnapshotItem* a, a_->Peek());
    EXEMPLAR_ASSIGN_OR_RETURN(const SnapshotItem* b, b_->Peek());
    if (!a && !b) {
      // This pass is complete: close its list and start the next (or end the document).
      switch (phase_) {
        case Phase::kAdded:
          *out += "],\"changed\":[";
          phase_ = Phase::kChanged;
          break;
        case Phase::kChanged:
          *out += "],\"from\":" + DumpJson(from_) + ",\"removed\":[";
          phase_ = Phase::kRemoved;
          break;
        case Phase::kRemoved:
        case Phase::kDone:
          *out += "],\"to\":" + DumpJson(to_) + ",\"unchanged_count\":" + std::to_string(unchanged_) + "}";
          phase_ = Phase::kDone;
          a_.reset();
          b_.reset();
          return true;
      }
      Rewind();
      continue;
    }
    // Both lists are in byte order of example id (std::string's order, as the store sorts).
    if (a && (!b || a->example_id < b->example_id)) {
      if (phase_ == Phase::kRemoved) Emit(ItemJson(*a), out);
      a_->Advance();
    } else if (b && (!a || b->example_id < a->example_id)) {
      if (phase_ == Phase::kAdded) Emit(ItemJson(*b), out);
      b_->Advance();
    } else {
      if (phase_ == Phase::kChanged) {
        if (a->version != b->version || a->content_hash != b->content_hash) {
          Emit({{"example_id", b->example_id},
                {"from_version", a->version},
                {"to_version", b->version},
                {"from_hash", a->content_hash},
                {"to_hash", b->content_hash},
                {"content_changed", a->content_hash != b->content_hash}},
               out);
        } else {
          ++unchanged_;
        }
      }
      a_->Advance();
      b_->Advance();
    }
  }
  return true;
}

}  // namespace exemplar::service
