#include "service/templates/template_json.h"

#include <algorithm>
#include <set>

#include "common/ids.h"
#include "common/time.h"
#include "service/templates/dspy/signature.h"

namespace exemplar::service {
namespace {

Json OptJson(const std::optional<std::string>& s) { return s ? Json(*s) : Json(nullptr); }

Json SchemaToJson(const std::vector<SchemaField>& fields) {
  Json arr = Json::array();
  for (const auto& f : fields) {
    arr.push_back({{"name", f.name}, {"type", f.type}, {"description", f.description},
                   {"required", f.required}});
  }
  return arr;
}

std::vector<SchemaField> ReadSchema(const Json& body, const std::string& key, Validation& v) {
  std::vector<SchemaField> out;
  const Json& arr = body[key];
  if (!arr.is_array()) {
    v.Add({"body", key}, "must be a list of fields", "type_error.list");
    return out;
  }
  if (arr.size() > 100) v.Add({"body", key}, "at most 100 fields", "value_error.list.max_items");
  for (size_t i = 0; i < arr.size() && i < 100; ++i) {
    std::vector<std::string> loc = {"body", key, std::to_string(i)};
    if (!arr[i].is_object()) {
      v.Add(loc, "must be an object {name, type, description, required}", "type_error.dict");
      continue;
    }
    JsonReader r(arr[i], v, loc);
    SchemaField f;
    auto name = r.String("name", 128);
    if (!name) {
      if (!r.Has("name")) v.Add(r.Loc("name"), "field required", "value_error.missing");
      continue;
    }
    f.name = *name;
    // One naming policy for the API and the DSPy export (dspy/signature.h).
    if (auto problem = dspy::ValidateFieldName(f.name)) v.Add(r.Loc("name"), *problem, "value_error.identifier");
    if (auto t = r.Enum("type", kFieldTypes)) f.type = *t;
    if (auto d = r.String("description", 4096)) f.description = *d;
    if (auto req = r.Bool("required")) f.required = *req;
    r.RejectUnknownKeys();
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace

Json TemplateToJson(const Template& t) {
  return {{"id", t.id},
          {"name", t.name},
          {"description", OptJson(t.description)},
          {"input_schema", SchemaToJson(t.input_schema)},
          {"output_schema", SchemaToJson(t.output_schema)},
          {"prompt_template", OptJson(t.prompt_template)},
          {"system_prompt", OptJson(t.system_prompt)},
          {"examples", Json::parse(t.examples_json, nullptr, false)},
          {"base_model", t.base_model},
          {"temperature", t.temperature},
          {"max_tokens", t.max_tokens},
          {"status", t.status},
          {"version", t.version},
          {"parent_template_id", OptJson(t.parent_template_id)},
          {"derived_from", t.derived_from},
          {"created_by", OptJson(t.created_by)},
          {"created_at", FormatRfc3339(t.created_at)},
          {"updated_at", FormatRfc3339(t.updated_at)}};
}

namespace {

// One inline example (a demo): {input, output} whose keys are the template's fields, an optional
// explanation, and the marks the server writes itself (source, augmented, example_id,
// example_version, match, purged).
// `inputs` / `outputs`: the field names of the template's schema after this request's changes.
void CheckInlineExample(const Json& ex, const std::set<std::string>& inputs, const std::set<std::string>& outputs,
                        size_t i, Validation& v) {
  const std::string at = std::to_string(i);
  if (!ex.is_object()) {
    v.Add({"body", "examples", at}, "must be {input: object, output: object}", "type_error.dict");
    return;
  }
  const bool purged = ex.contains("purged") && ex["purged"] == true;  // content erased (a purge)
  for (const auto& [key, value] : ex.items()) {
    const std::vector<std::string> loc = {"body", "examples", at, key};
    if (key == "input" || key == "output") {
      if (!value.is_object()) {
        v.Add(loc, "must be an object of the template's " + key + " fields", "type_error.dict");
        continue;
      }
      const auto& known = key == "input" ? inputs : outputs;
      for (const auto& [name, unused] : value.items()) {
        // DSPy's ChainOfThought adds its reasoning to a demo's outputs.
        if (known.count(name) || (key == "output" && (name == "reasoning" || name == "rationale"))) continue;
        v.Add({"body", "examples", at, key, name}, "not a field of the template's " + key + "_schema",
              "value_error.extra");
      }
    } else if (key == "explanation") {
      if (!value.is_null() && !value.is_string()) v.Add(loc, "must be a string or null", "type_error.str");
    } else if (key == "source") {
      if (!value.is_string() || value.get_ref<const std::string&>().size() > 256) {
        v.Add(loc, "must be a string of at most 256 characters", "type_error.str");
      }
    } else if (key == "augmented" || key == "purged") {
      if (!value.is_boolean()) v.Add(loc, "must be a boolean", "type_error.bool");
    } else if (key == "example_id") {
      if (!value.is_string() || !IsUuid(value.get<std::string>())) v.Add(loc, "must be an example id", "value_error.uuid");
    } else if (key == "example_version") {
      if (!value.is_number_integer() || value.get<int64_t>() < 1) v.Add(loc, "must be a version number", "type_error.integer");
    } else if (key == "match") {
      if (!value.is_string() || !std::count(kInlineMatches.begin(), kInlineMatches.end(), value.get<std::string>())) {
        v.Add(loc, "must be one of id, exact, normalized, input, input_normalized, created", "type_error.enum");
      }
    } else {
      v.Add(loc, "unknown field; an inline example has input, output, explanation, source, augmented, "
                 "example_id, example_version, match", "value_error.extra");
    }
  }
  if (purged) return;
  for (const char* key : {"input", "output"}) {
    if (!ex.contains(key)) v.Add({"body", "examples", at, key}, "field required", "value_error.missing");
  }
}

// The server-written marks of the body's inline examples that the template (`stored`: its inline
// examples before this request) does not hold on the same example: a client cannot make a link
// look "exact", or name a version of the example, that the server did not find.
void CheckInlineMarks(const Json& examples, const Json& stored, Validation& v) {
  auto same_example = [](const Json& a, const Json& b) {
    for (const char* key : {"example_id", "input", "output"}) {
      if (a.value(key, Json()) != b.value(key, Json())) return false;
    }
    return true;
  };
  for (size_t i = 0; i < examples.size(); ++i) {
    const Json& ex = examples[i];
    if (!ex.is_object()) continue;
    for (const std::string key : {"example_version", "match"}) {
      // Absent, or of the wrong type (CheckInlineExample says so).
      if (!ex.contains(key) || (key == "match" ? !ex[key].is_string() : !ex[key].is_number_integer())) continue;
      bool held = false;
      for (const Json& s : stored.is_array() ? stored : Json::array()) {
        held |= s.is_object() && s.contains(key) && s[key] == ex[key] && same_example(s, ex);
      }
      if (held) continue;
      v.Add({"body", "examples", std::to_string(i), key},
            "server-written (how an import or an accepted run linked this demo to its stored example): it can be "
            "sent back as GET gives it, not set or changed; leave it out (attribution finds the link itself)",
            "value_error.server_written");
    }
  }
}

}  // namespace

void ApplyTemplateJson(const Json& body, Template* t, Validation& v, bool creating, InlineMarks marks) {
  if (!body.is_object()) {
    v.Add({"body"}, "must be a JSON object", "type_error.dict");
    return;
  }
  JsonReader r(body, v);
  if (auto n = r.String("name", 255)) {
    if (n->empty()) v.Add(r.Loc("name"), "must not be empty", "value_error.any_str.min_length");
    else t->name = *n;
  } else if (creating && !r.Has("name")) {
    v.Add(r.Loc("name"), "field required", "value_error.missing");
  }
  auto nullable = [&](const char* key, std::optional<std::string>* field) {
    if (r.IsNull(key)) field->reset();
    else if (auto s = r.String(key, 64 * 1024)) *field = *s;
  };
  nullable("description", &t->description);
  nullable("prompt_template", &t->prompt_template);
  nullable("system_prompt", &t->system_prompt);
  if (r.Has("input_schema") && !r.IsNull("input_schema")) t->input_schema = ReadSchema(body, "input_schema", v);
  if (r.Has("output_schema") && !r.IsNull("output_schema")) t->output_schema = ReadSchema(body, "output_schema", v);
  std::set<std::string> seen;
  for (const auto* schema : {&t->input_schema, &t->output_schema}) {
    for (const auto& f : *schema) {
      if (!seen.insert(f.name).second) {
        v.Add({"body", schema == &t->input_schema ? "input_schema" : "output_schema"},
              "duplicate field name '" + f.name + "'", "value_error.duplicate");
      }
    }
  }
  if (r.Has("examples") && !r.IsNull("examples")) {
    const Json& ex = body["examples"];
    if (!ex.is_array() || ex.size() > 1000) {
      v.Add(r.Loc("examples"), "must be a list of at most 1000 {input, output} objects", "type_error.list");
    } else {
      auto names = [](const std::vector<SchemaField>& schema) {
        std::set<std::string> out;
        for (const auto& f : schema) out.insert(f.name);
        return out;
      };
      const std::set<std::string> inputs = names(t->input_schema), outputs = names(t->output_schema);
      for (size_t i = 0; i < ex.size(); ++i) CheckInlineExample(ex[i], inputs, outputs, i, v);
      if (marks == InlineMarks::kAsStored) CheckInlineMarks(ex, Json::parse(t->examples_json, nullptr, false), v);
      t->examples_json = DumpJson(ex);
    }
  }
  if (auto m = r.String("base_model", 256)) t->base_model = *m;
  if (auto temp = r.Number("temperature", 0.0, 2.0)) t->temperature = *temp;
  if (auto mt = r.Int("max_tokens", 1, 32000)) t->max_tokens = *mt;
  if (auto df = r.StringList("derived_from", 100, 64)) {
    for (const auto& id : *df) {
      if (!IsUuid(id)) v.Add(r.Loc("derived_from"), "'" + id + "' is not a template id", "value_error.uuid");
    }
    t->derived_from = *df;
    for (auto& id : t->derived_from) id = IsUuid(id) ? NormalizeUuid(id) : id;
    // A source named twice was stored twice (and drawn as two edges of one kind).
    for (size_t i = 0; i < t->derived_from.size(); ++i) {
      if (std::find(t->derived_from.begin(), t->derived_from.begin() + i, t->derived_from[i]) !=
          t->derived_from.begin() + i) {
        v.Add({"body", "derived_from", std::to_string(i)}, "template " + t->derived_from[i] + " is named twice",
              "value_error.duplicate");
      }
    }
  }
  // Server-assigned fields of the wire form (a body copied from a GET) are known, not editable:
  // each must have its wire type, and a value that differs from the template's own is a 422
  // rather than a change silently dropped.
  for (const char* key : {"version", "parent_template_id", "created_by", "created_at", "updated_at"}) {
    r.String(key, 256);
  }
  if (auto id = r.String("id", 64); id && !creating && (!IsUuid(*id) || NormalizeUuid(*id) != t->id)) {
    v.Add(r.Loc("id"), "differs from the template's id in the path (" + t->id + "); a template's id cannot change",
          "value_error.id_mismatch");
  } else if (id && creating && !IsUuid(*id)) {
    v.Add(r.Loc("id"), "must be a template id (UUID), or left out for the server to choose", "value_error.uuid");
  }
  if (auto status = r.String("status", 64); status && *status != t->status) {
    v.Add(r.Loc("status"),
          "cannot be set here (the template is " + t->status +
              "): status changes through POST /api/v1/templates/{id}/publish and /archive",
          "value_error.status");
  }
  r.RejectUnknownKeys();
}

Template TemplateFromExportJson(const Json& body, Validation& v) {
  Template t;
  if (!body.is_object()) {
    v.Add({"body"}, "must be a JSON object (a template as exemplar export --templates writes it)", "type_error.dict");
    return t;
  }
  // The fields a create does not take; ApplyTemplateJson checks their wire types.
  auto text = [&](const char* key, bool nullable) -> std::optional<std::string> {
    auto it = body.find(key);
    if (it != body.end() && it->is_string()) return it->get<std::string>();
    if (!nullable || (it != body.end() && !it->is_null())) {
      v.Add({"body", key}, nullable ? "must be a string or null" : "field required: a string",
            it == body.end() ? "value_error.missing" : "type_error.str");
    }
    return std::nullopt;
  };
  if (auto id = text("id", false)) {
    if (IsUuid(*id)) t.id = NormalizeUuid(*id);
    else v.Add({"body", "id"}, "'" + *id + "' is not a template id", "value_error.uuid");
  }
  if (auto status = text("status", false)) {
    if (std::find(kTemplateStatuses.begin(), kTemplateStatuses.end(), *status) == kTemplateStatuses.end()) {
      v.Add({"body", "status"}, "must be one of: draft, published, archived", "type_error.enum");
    }
    t.status = *status;  // set first, so ApplyTemplateJson finds the status unchanged
  }
  if (auto version = text("version", false)) {
    if (version->empty()) v.Add({"body", "version"}, "must not be empty", "value_error.any_str.min_length");
    t.version = *version;
  }
  if (auto parent = text("parent_template_id", true)) {
    if (IsUuid(*parent)) t.parent_template_id = NormalizeUuid(*parent);
    else v.Add({"body", "parent_template_id"}, "'" + *parent + "' is not a template id", "value_error.uuid");
  }
  t.created_by = text("created_by", true);
  const std::string status = t.status;
  ApplyTemplateJson(body, &t, v, true, InlineMarks::kKept);
  t.status = status;
  return t;
}

}  // namespace exemplar::service
