#include "service/examples/example_json.h"

#include "common/ids.h"
#include "common/time.h"
#include "index/text.h"
#include "service/examples/json_text.h"

namespace exemplar::service {
namespace {

constexpr size_t kMaxShortString = 1024;   // names, domains, tags, ids
constexpr size_t kMaxLongString = 64 * 1024;

// Reads one JSON object field; `required` reports its absence.
std::optional<std::string> ReadObject(JsonReader& r, const std::string& key, bool required) {
  if (!r.Has(key) || r.IsNull(key)) {
    if (required) r.validation().Add(r.Loc(key), "field required", "value_error.missing");
    return std::nullopt;
  }
  auto obj = r.Object(key);
  if (!obj) return std::nullopt;
  // SPEC §3 holds inside the content too: keys are strings (≤ 64 KiB) and nested lists have at
  // most 1,000 items (the body's own parse checks neither).
  Status limits = CheckJsonLimits(*obj, JsonLimits{}, r.Loc(key));
  if (!limits.ok()) {
    for (const auto& fe : limits.field_errors()) r.validation().Add(fe.loc, fe.msg, fe.type);
    return std::nullopt;
  }
  return DumpJson(*obj);
}

// A stored JSON object column (input, expected_output): DumpJson output, valid by the schema.
struct JsonColumn {
  const std::string& text;
};

// A millisecond timestamp, written as RFC 3339 text (formatted into a stack buffer by the text
// writer: no string allocated per timestamp).
struct Timestamp {
  int64_t millis;
};

// The wire fields of an example, in key order (the order DumpJson writes them in). `field(key,
// value)` is called with value one of: std::string, std::optional<std::string>, int64_t, double,
// std::optional<double>, bool, std::vector<std::string>, JsonColumn, Timestamp,
// std::optional<Timestamp>.
template <typename Field>
void ForEachExampleField(const Example& e, Field&& field) {
  field("attribution_notes", e.attribution_notes);
  field("capability_tags", e.capability_tags);
  field("client_id", e.client_id);
  field("created_at", Timestamp{e.created_at});
  field("created_by", e.created_by);
  field("databit_id", e.databit_id);
  field("difficulty", e.difficulty);
  field("domain", e.domain);
  field("effectiveness_score", e.effectiveness_score());
  field("embedding_model", e.embedding_model);
  field("example_id", e.id);
  field("expected_output", JsonColumn{e.expected_output_json});
  field("explanation", e.explanation);
  field("failure_count", e.failure_count);
  field("function_name", e.function_name);
  field("has_embedding", e.has_embedding());
  field("input", JsonColumn{e.input_json});
  field("last_used_at", e.last_used_at ? std::optional(Timestamp{*e.last_used_at}) : std::nullopt);
  field("pii_flags", e.pii_flags);
  field("quality_score", e.quality_score);
  field("search_keys", e.search_keys);
  field("source", e.source);
  field("success_count", e.success_count);
  field("updated_at", Timestamp{e.updated_at});
  field("usage_count", e.usage_count);
  field("version", e.version);
}

Json ToJson(const JsonColumn& c) { return Json::parse(c.text, nullptr, false); }
Json ToJson(const Timestamp& t) { return Json(FormatRfc3339(t.millis)); }
template <typename T>
Json ToJson(const T& v) {
  return Json(v);
}
template <typename T>
Json ToJson(const std::optional<T>& v) {
  return v ? ToJson(*v) : Json(nullptr);
}

void Write(JsonTextWriter& w, const std::string& s) { w.String(s); }
void Write(JsonTextWriter& w, int64_t v) { w.Int(v); }
void Write(JsonTextWriter& w, double v) { w.Double(v); }
void Write(JsonTextWriter& w, bool b) { w.Bool(b); }
void Write(JsonTextWriter& w, const JsonColumn& c) { w.Raw(c.text); }
void Write(JsonTextWriter& w, const Timestamp& t) {
  char buf[kRfc3339BufferSize];
  w.String(std::string_view(buf, FormatRfc3339(t.millis, buf)));
}
void Write(JsonTextWriter& w, const std::vector<std::string>& list) {
  w.BeginArray();
  for (const auto& s : list) w.String(s);
  w.EndArray();
}
template <typename T>
void Write(JsonTextWriter& w, const std::optional<T>& v) {
  if (v) Write(w, *v);
  else w.Null();
}

}  // namespace

Json ExampleToJson(const Example& e) {
  Json j = Json::object();
  Json::object_t& o = j.get_ref<Json::object_t&>();
  ForEachExampleField(e, [&](const char* key, const auto& value) { o.emplace(key, ToJson(value)); });
  return j;
}

Json ExampleWithTombstoneJson(const Example& e) {
  Json j = ExampleToJson(e);
  j["deleted"] = e.deleted_at.has_value();
  j["deleted_at"] = e.deleted_at ? Json(FormatRfc3339(*e.deleted_at)) : Json(nullptr);
  j["purged"] = e.purged_at.has_value();
  j["content_hash"] = e.content_hash ? Json(*e.content_hash) : Json(nullptr);
  return j;
}

std::string ExampleJsonText(const Example& e) {
  JsonTextWriter w;
  w.Reserve(2048);  // most examples fit: no regrowing and copying as the text grows
  WriteExampleJson(e, w);
  return w.Take();
}

void WriteExampleJson(const Example& e, JsonTextWriter& w) {
  w.BeginObject();
  ForEachExampleField(e, [&](std::string_view key, const auto& value) {
    w.PlainKey(key);  // the example's own field names
    Write(w, value);
  });
  w.EndObject();
}

// Fields of the example's wire form that the server assigns: a body copied from a GET or an
// export may carry them; they are known and ignored, unlike unknown keys (422). Each must still
// have its wire type (or be null): `"version": {}` is a mistake, not a copied value.
static void CheckServerFields(JsonReader& r) {
  for (const char* key : {"created_at", "updated_at", "last_used_at", "created_by", "embedding_model"}) {
    r.String(key, kMaxShortString);
  }
  r.Int("version");
  r.Int("usage_count");
  for (const char* key : {"success_count", "failure_count", "effectiveness_score"}) r.Number(key);
  r.Bool("has_embedding");
  r.StringList("pii_flags", 1000, kMaxShortString);
  if (const Json* w = r.Raw("warnings"); w && !w->is_array()) {
    r.validation().Add(r.Loc("warnings"), "must be a list (server-assigned; ignored)", "type_error.list");
  }
}

Example ExampleFromCreateJson(const Json& body, Validation& v, const std::vector<std::string>& loc) {
  Example e;
  if (!body.is_object()) {
    v.Add(loc, "must be a JSON object", "type_error.dict");
    return e;
  }
  JsonReader r(body, v, loc);
  if (auto s = ReadObject(r, "input", true)) e.input_json = *s;
  if (auto s = ReadObject(r, "expected_output", true)) e.expected_output_json = *s;
  e.explanation = r.String("explanation", kMaxLongString);
  e.databit_id = r.String("databit_id", kMaxShortString);
  if (auto d = r.String("domain", kMaxShortString)) {
    if (d->empty()) v.Add(r.Loc("domain"), "must not be empty", "value_error.any_str.min_length");
    else e.domain = *d;
  }
  e.function_name = r.String("function_name", kMaxShortString);
  if (auto d = r.Enum("difficulty", kDifficulties)) e.difficulty = *d;
  if (auto s = r.Enum("source", kSources)) e.source = *s;
  if (auto t = r.StringList("capability_tags", 1000, kMaxShortString)) e.capability_tags = *t;
  if (auto t = r.StringList("search_keys", 1000, kMaxShortString)) e.search_keys = *t;
  e.attribution_notes = r.String("attribution_notes", kMaxLongString);
  e.quality_score = r.Number("quality_score", 0.0, 1.0);
  e.client_id = r.String("client_id", 256);
  if (auto id = r.String("example_id", 64)) {
    if (!IsUuid(*id)) {
      v.Add(r.Loc("example_id"), "must be a UUID", "value_error.uuid");
    } else {
      e.id = NormalizeUuid(*id);  // a client-chosen id is an idempotency key too (client_ids.h)
    }
  }
  if (e.id.empty()) e.id = NewUuid();
  CheckServerFields(r);
  r.RejectUnknownKeys();
  return e;
}

bool ApplyExampleUpdate(const Json& body, Example* e, Validation& v) {
  if (!body.is_object()) {
    v.Add({"body"}, "must be a JSON object", "type_error.dict");
    return false;
  }
  JsonReader r(body, v);
  for (const char* key : {"input", "expected_output", "domain", "difficulty", "source"}) {
    if (r.IsNull(key)) v.Add(r.Loc(key), "cannot be null", "type_error.none.not_allowed");
  }
  bool input_changed = false;
  if (auto s = ReadObject(r, "input", false)) {
    input_changed = *s != e->input_json;
    e->input_json = *s;
  }
  if (auto s = ReadObject(r, "expected_output", false)) e->expected_output_json = *s;
  auto nullable = [&](const char* key, std::optional<std::string>* field, size_t max) {
    if (r.IsNull(key)) field->reset();
    else if (auto s = r.String(key, max)) *field = *s;
  };
  nullable("explanation", &e->explanation, kMaxLongString);
  nullable("databit_id", &e->databit_id, kMaxShortString);
  nullable("function_name", &e->function_name, kMaxShortString);
  nullable("attribution_notes", &e->attribution_notes, kMaxLongString);
  if (auto d = r.String("domain", kMaxShortString)) {
    if (d->empty()) v.Add(r.Loc("domain"), "must not be empty", "value_error.any_str.min_length");
    else e->domain = *d;
  }
  if (auto d = r.Enum("difficulty", kDifficulties)) e->difficulty = *d;
  if (auto s = r.Enum("source", kSources)) e->source = *s;
  if (r.IsNull("capability_tags")) e->capability_tags.clear();
  else if (auto t = r.StringList("capability_tags", 1000, kMaxShortString)) e->capability_tags = *t;
  if (r.IsNull("search_keys")) e->search_keys.clear();
  else if (auto t = r.StringList("search_keys", 1000, kMaxShortString)) e->search_keys = *t;
  if (r.IsNull("quality_score")) e->quality_score.reset();
  else if (auto q = r.Number("quality_score", 0.0, 1.0)) e->quality_score = q;
  CheckServerFields(r);
  // Identity is not editable: the copied values of a GET body pass, another value is a 422 rather
  // than an update that silently keeps the old one.
  if (auto id = r.String("example_id", 64); id && (!IsUuid(*id) || NormalizeUuid(*id) != e->id)) {
    v.Add(r.Loc("example_id"), "differs from the example's id in the path (" + e->id + "); an example's id cannot change",
          "value_error.id_mismatch");
  }
  if (auto c = r.String("client_id", 256); c && *c != e->client_id.value_or("")) {
    v.Add(r.Loc("client_id"), "differs from the example's client_id; it is set at creation and cannot change",
          "value_error.id_mismatch");
  } else if (r.IsNull("client_id") && e->client_id) {
    v.Add(r.Loc("client_id"), "cannot be cleared; it is set at creation", "value_error.id_mismatch");
  }
  r.RejectUnknownKeys();
  return input_changed;
}

std::string EmbeddingText(const Example& e) {
  return index::FlattenJson(Json::parse(e.input_json, nullptr, false));
}

std::string KeywordText(const Example& e) { return KeywordText(e, EmbeddingText(e)); }

std::string KeywordText(const Example& e, std::string embedding_text) {
  std::string text = std::move(embedding_text);
  if (e.explanation) text += "\n" + *e.explanation;
  for (const auto& k : e.search_keys) text += "\n" + k;
  return text;
}

}  // namespace exemplar::service
