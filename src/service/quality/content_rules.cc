#include "service/quality/content_rules.h"

#include <algorithm>
#include <cmath>

#include "common/field_loc.h"

namespace exemplar::service {
namespace {

std::vector<std::string> Append(std::vector<std::string> loc, std::initializer_list<std::string> more) {
  for (const auto& m : more) loc.push_back(m);
  return loc;
}

bool HasType(const Json& value, const std::string& type) {
  if (type == "string") return value.is_string();
  if (type == "integer") {
    if (value.is_number_integer()) return true;
    return value.is_number_float() && std::floor(value.get<double>()) == value.get<double>();
  }
  if (type == "number") return value.is_number();
  if (type == "boolean") return value.is_boolean();
  if (type == "array") return value.is_array();
  if (type == "object") return value.is_object();
  return true;  // a type the schema language does not know constrains nothing
}

std::string FieldNames(const std::vector<SchemaField>& fields) {
  std::string out;
  for (const auto& f : fields) out += (out.empty() ? "" : ", ") + f.name;
  return out;
}

}  // namespace

Json WarningToJson(const QualityWarning& w) {
  Json j = {{"type", w.type}, {"message", w.message}};
  if (!w.example_id.empty()) j["example_id"] = w.example_id;
  if (w.similarity) j["similarity"] = std::round(*w.similarity * 10000) / 10000;
  if (!w.loc.empty()) j["loc"] = LocToJson(w.loc);  // indexes as integers, as in a 422's detail
  if (!w.kinds.empty()) j["kinds"] = w.kinds;
  return j;
}

std::optional<DuplicatePolicy> ParseDuplicatePolicy(const std::string& s) {
  if (s == "allow") return DuplicatePolicy::kAllow;
  if (s == "warn") return DuplicatePolicy::kWarn;
  if (s == "reject") return DuplicatePolicy::kReject;
  return std::nullopt;
}

void CheckAgainstSchema(const std::string& object_json, const std::vector<SchemaField>& fields,
                        const std::string& side, const std::vector<std::string>& loc, Validation& v,
                        std::vector<QualityWarning>* warnings) {
  if (fields.empty()) return;  // a template without fields on this side constrains nothing
  Json obj = Json::parse(object_json, nullptr, false);
  if (!obj.is_object()) return;
  const std::string schema = side == "input" ? "input schema" : "output schema";
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    const SchemaField* field = nullptr;
    for (const auto& f : fields) {
      if (f.name == it.key()) field = &f;
    }
    if (!field) {
      std::vector<std::string> names;
      for (const auto& f : fields) names.push_back(f.name);
      std::string closest = ClosestKey(it.key(), names);
      v.Add(Append(loc, {side, LocKey(it.key())}),
            "not a field of the template's " + schema +
                (closest.empty() ? " (fields: " + FieldNames(fields) + ")" : "; did you mean `" + closest + "`?"),
            "value_error.schema.unknown_field");
    } else if (!it.value().is_null() && !HasType(it.value(), field->type)) {
      v.Add(Append(loc, {side, LocKey(it.key())}), "must be of type " + field->type + " (template " + schema + ")",
            "type_error." + field->type);
    }
  }
  for (const auto& f : fields) {
    auto it = obj.find(f.name);
    if (it != obj.end() && !it->is_null()) continue;
    if (f.required) {
      v.Add(Append(loc, {side, LocKey(f.name)}), "field required by the template's " + schema, "value_error.missing");
    } else if (warnings) {
      QualityWarning w;
      w.type = "missing_optional_field";
      w.loc = Append(loc, {side, LocKey(f.name)});
      w.message = "optional field `" + f.name + "` of the template's " + schema + " is missing";
      warnings->push_back(std::move(w));
    }
  }
}

Result<const Template*> ContentRules::TemplateOf(const std::string& id) {
  auto it = templates_.find(id);
  if (it == templates_.end()) {
    auto t = store_.GetTemplate(id);
    if (!t.ok() && !t.status().IsNotFound()) return t.status();
    it = templates_.emplace(id, t.ok() ? std::optional<Template>(std::move(t).value()) : std::nullopt).first;
  }
  return it->second ? &*it->second : nullptr;
}

// Names, types and required flags: what the schema check reads.
static bool SameFields(const std::vector<SchemaField>& a, const std::vector<SchemaField>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const SchemaField& x, const SchemaField& y) {
    return x.name == y.name && x.type == y.type && x.required == y.required;
  });
}

storage::TemplateFitCheck ContentRules::Recheck(std::function<std::vector<std::string>(const Example&)> loc_of) {
  return [this, loc_of = std::move(loc_of)](const Example& e, const Template& now) -> Status {
    auto seen = templates_.find(now.id);
    if (seen != templates_.end() && seen->second && SameFields(seen->second->input_schema, now.input_schema) &&
        SameFields(seen->second->output_schema, now.output_schema)) {
      return Status::Ok();
    }
    Validation v;
    const auto loc = loc_of(e);
    CheckAgainstSchema(e.input_json, now.input_schema, "input", loc, v, nullptr);
    CheckAgainstSchema(e.expected_output_json, now.output_schema, "expected_output", loc, v, nullptr);
    return v.ToStatus();
  };
}

Status ContentRules::Check(const Example& e, const std::vector<std::string>& loc, Validation& v,
                           std::vector<QualityWarning>* warnings) {
  for (const auto& [side, text] : {std::pair<std::string, const std::string*>{"input", &e.input_json},
                                   {"expected_output", &e.expected_output_json}}) {
    if (*text == "{}" || text->empty()) {
      v.Add(Append(loc, {side}), "must not be empty: give at least one field", "value_error.empty");
    }
  }
  if (!e.databit_id) return Status::Ok();
  EXEMPLAR_ASSIGN_OR_RETURN(const Template* t, TemplateOf(*e.databit_id));
  if (!t) {
    v.Add(Append(loc, {"databit_id"}), "template " + *e.databit_id + " does not exist", "value_error.not_found");
    return Status::Ok();
  }
  CheckAgainstSchema(e.input_json, t->input_schema, "input", loc, v, warnings);
  CheckAgainstSchema(e.expected_output_json, t->output_schema, "expected_output", loc, v, warnings);
  return Status::Ok();
}

}  // namespace exemplar::service
