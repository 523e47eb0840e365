#include "testing/json_schema.h"

#include <regex>

namespace exemplar::testing {
namespace {

std::string TypeOf(const Json& v) {
  if (v.is_null()) return "null";
  if (v.is_boolean()) return "boolean";
  if (v.is_number_integer() || v.is_number_unsigned()) return "integer";
  if (v.is_number()) return "number";
  if (v.is_string()) return "string";
  if (v.is_array()) return "array";
  return "object";
}

bool TypeMatches(const std::string& want, const Json& v) {
  const std::string got = TypeOf(v);
  if (want == got) return true;
  // A whole-valued float is an integer to JSON Schema; an integer is a number.
  if (want == "number" && got == "integer") return true;
  if (want == "integer" && got == "number") return v.get<double>() == static_cast<double>(static_cast<int64_t>(v.get<double>()));
  return false;
}

size_t Utf8Length(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

void Check(const Json& schema_in, const Json& v, const Json& doc, const std::string& at,
           std::vector<std::string>* errors) {
  const Json& s = Deref(schema_in, doc);
  if (!s.is_object()) return;
  auto fail = [&](const std::string& msg) { errors->push_back(at + ": " + msg); };
  if (s.contains("type")) {
    std::vector<std::string> types;
    if (s["type"].is_string()) types.push_back(s["type"]);
    else for (const auto& t : s["type"]) types.push_back(t);
    bool ok = false;
    for (const auto& t : types) ok = ok || TypeMatches(t, v);
    if (!ok) return fail("expected " + Json(types).dump() + ", got " + TypeOf(v));
  }
  if (s.contains("enum")) {
    bool ok = false;
    for (const auto& e : s["enum"]) ok = ok || e == v;
    if (!ok) fail("value " + v.dump() + " not in enum " + s["enum"].dump());
  }
  if (s.contains("allOf")) {
    for (const auto& sub : s["allOf"]) Check(sub, v, doc, at, errors);
  }
  if (s.contains("anyOf")) {
    bool any = false;
    std::vector<std::string> first;
    for (const auto& sub : s["anyOf"]) {
      std::vector<std::string> e;
      Check(sub, v, doc, at, &e);
      if (e.empty()) any = true;
      else if (first.empty()) first = e;
    }
    if (!any) fail("matches none of anyOf" + (first.empty() ? std::string() : "; e.g. " + first.front()));
  }
  if (s.contains("oneOf")) {
    int matches = 0;
    std::vector<std::string> last;
    for (const auto& sub : s["oneOf"]) {
      std::vector<std::string> e;
      Check(sub, v, doc, at, &e);
      if (e.empty()) ++matches;
      else last = e;
    }
    if (matches != 1) {
      fail("matches " + std::to_string(matches) + " of oneOf (exactly one wanted)" +
           (last.empty() ? "" : "; e.g. " + last.front()));
    }
  }
  if (v.is_number()) {
    if (s.contains("minimum") && v.get<double>() < s["minimum"].get<double>()) fail("below minimum " + s["minimum"].dump());
    if (s.contains("maximum") && v.get<double>() > s["maximum"].get<double>()) fail("above maximum " + s["maximum"].dump());
  }
  if (v.is_string() && s.contains("maxLength") && Utf8Length(v.get<std::string>()) > s["maxLength"].get<size_t>()) {
    fail("longer than maxLength " + s["maxLength"].dump());
  }
  if (v.is_array()) {
    if (s.contains("minItems") && v.size() < s["minItems"].get<size_t>()) fail("fewer than minItems");
    if (s.contains("maxItems") && v.size() > s["maxItems"].get<size_t>()) fail("more than maxItems");
    if (s.contains("items")) {
      for (size_t i = 0; i < v.size(); ++i) Check(s["items"], v[i], doc, at + "[" + std::to_string(i) + "]", errors);
    }
  }
  if (v.is_object()) {
    if (s.contains("required")) {
      for (const auto& k : s["required"]) {
        if (!v.contains(k.get<std::string>())) fail("missing required key `" + k.get<std::string>() + "`");
      }
    }
    const Json props = s.value("properties", Json::object());
    for (const auto& [k, val] : v.items()) {
      if (props.contains(k)) {
        Check(props[k], val, doc, at + "." + k, errors);
        continue;
      }
      bool patterned = false;
      const Json patterns = s.value("patternProperties", Json::object());
      for (const auto& [pattern, sub] : patterns.items()) {
        if (std::regex_search(k, std::regex(pattern))) {
          patterned = true;
          Check(sub, val, doc, at + "." + k, errors);
        }
      }
      if (patterned || !s.contains("additionalProperties")) continue;
      const Json& extra = s["additionalProperties"];
      if (extra.is_boolean() && !extra.get<bool>()) fail("unknown key `" + k + "` (additionalProperties: false)");
      else if (extra.is_object()) Check(extra, val, doc, at + "." + k, errors);
    }
  }
}

// The object schemas that apply to `v` (through $ref, allOf and the matching oneOf alternatives),
// and the item schemas when `v` is an array.
void Applicable(const Json& schema_in, const Json& v, const Json& doc, std::vector<const Json*>* out) {
  const Json& s = Deref(schema_in, doc);
  if (!s.is_object()) return;
  out->push_back(&s);
  if (s.contains("allOf")) {
    for (const auto& sub : s["allOf"]) Applicable(sub, v, doc, out);
  }
  for (const char* key : {"oneOf", "anyOf"}) {
    if (!s.contains(key)) continue;
    for (const auto& sub : s[key]) {
      std::vector<std::string> e;
      Check(sub, v, doc, "$", &e);
      if (e.empty()) Applicable(sub, v, doc, out);
    }
  }
}

void Undeclared(const Json& schema, const Json& v, const Json& doc, const std::string& at,
                std::vector<std::string>* out) {
  std::vector<const Json*> schemas;
  Applicable(schema, v, doc, &schemas);
  if (v.is_array()) {
    for (size_t i = 0; i < v.size(); ++i) {
      for (const Json* s : schemas) {
        if (s->contains("items")) Undeclared((*s)["items"], v[i], doc, at + "[" + std::to_string(i) + "]", out);
      }
    }
    return;
  }
  if (!v.is_object()) return;
  bool declares = false;  // some schema names its keys (properties); otherwise it is open by intent
  for (const Json* s : schemas) {
    declares = declares || s->contains("properties");
    if (s->contains("additionalProperties") && (*s)["additionalProperties"].is_object()) return;  // a map
  }
  for (const auto& [k, val] : v.items()) {
    bool found = false;
    for (const Json* s : schemas) {
      if (s->contains("properties") && (*s)["properties"].contains(k)) {
        found = true;
        Undeclared((*s)["properties"][k], val, doc, at + "." + k, out);
      }
      for (const auto& [pattern, sub] : s->value("patternProperties", Json::object()).items()) {
        if (std::regex_search(k, std::regex(pattern))) {
          found = true;
          Undeclared(sub, val, doc, at + "." + k, out);
        }
      }
    }
    if (!found && declares) out->push_back(at + "." + k);
  }
}

}  // namespace

std::vector<std::string> UndeclaredKeys(const Json& schema, const Json& value, const Json& document) {
  std::vector<std::string> out;
  Undeclared(schema, value, document, "$", &out);
  return out;
}

const Json& Deref(const Json& schema, const Json& document) {
  static const std::string kPrefix = "#/components/schemas/";
  if (!schema.is_object() || !schema.contains("$ref")) return schema;
  const std::string ref = schema["$ref"];
  if (ref.rfind(kPrefix, 0) != 0) return schema;
  return Deref(document["components"]["schemas"][ref.substr(kPrefix.size())], document);
}

std::vector<std::string> ValidateSchema(const Json& schema, const Json& value, const Json& document) {
  std::vector<std::string> errors;
  Check(schema, value, document, "$", &errors);
  return errors;
}

}  // namespace exemplar::testing
