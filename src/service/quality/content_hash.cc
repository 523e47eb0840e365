#include "service/quality/content_hash.h"

namespace exemplar::service {
namespace {

void Normalize(const Json& v, std::string* out) {
  if (v.is_object()) {
    *out += '{';
    for (auto it = v.begin(); it != v.end(); ++it) {  // nlohmann objects iterate in key order
      *out += it.key();
      *out += ':';
      Normalize(it.value(), out);
      *out += ',';
    }
    *out += '}';
  } else if (v.is_array()) {
    *out += '[';
    for (const auto& x : v) {
      Normalize(x, out);
      *out += ',';
    }
    *out += ']';
  } else if (v.is_string()) {
    *out += '"';
    bool space = false;
    for (char c : v.get_ref<const std::string&>()) {
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        space = true;
        continue;
      }
      if (space && out->back() != '"') *out += ' ';
      space = false;
      *out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    }
    *out += '"';
  } else {
    *out += DumpJson(v);
  }
}

}  // namespace

uint64_t HashText(std::string_view s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::string CanonicalScalar(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  return DumpJson(v);
}

ContentFingerprint Fingerprint(const std::string& json_text) {
  return FingerprintValue(Json::parse(json_text, nullptr, false));
}

ContentFingerprint FingerprintValue(const Json& v) {
  ContentFingerprint fp;
  std::string norm;
  Normalize(v, &norm);
  fp.normalized = HashText(norm);
  if (v.is_object()) {
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (it.value().is_primitive() && !it.value().is_null()) {
        fp.fields.emplace_back(it.key(), HashText(CanonicalScalar(it.value())));
      }
    }
  }
  return fp;
}

ExampleFingerprint FingerprintExample(const Example& e) {
  return {Fingerprint(e.input_json), Fingerprint(e.expected_output_json)};
}

}  // namespace exemplar::service
