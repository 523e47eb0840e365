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

void ApplyTemplateJson(const Json& body, Template* t, Validation& v, bool creating) {
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
      for (size_t i = 0; i < ex.size(); ++i) {
        if (!ex[i].is_object() || (ex[i].contains("input") && !ex[i]["input"].is_object()) ||
            (ex[i].contains("output") && !ex[i]["output"].is_object())) {
          v.Add({"body", "examples", std::to_string(i)}, "must be {input: object, output: object}",
                "type_error.dict");
        }
      }
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
  }
  if (auto status = r.String("status", 64); status && *status != t->status) {
    v.Add(r.Loc("status"),
          "cannot be set here (the template is " + t->status +
              "): status changes through POST /api/v1/templates/{id}/publish and /archive",
          "value_error.status");
  }
  r.RejectUnknownKeys();
}

}  // namespace exemplar::service
