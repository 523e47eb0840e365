#include "index/text.h"

#include <nlohmann/json.hpp>

namespace exemplar::index {
namespace {

void Scalar(const nlohmann::json& v, std::string* out) {
  if (v.is_string()) {
    out->append(v.get_ref<const std::string&>());
  } else {
    // Numbers, booleans and null in their JSON spelling; replace invalid UTF-8 rather than throw.
    out->append(v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
}

void Flatten(const nlohmann::json& v, const std::string& key, std::string* out) {
  if (v.is_object() || v.is_array()) {
    size_t i = 0;
    for (auto it = v.begin(); it != v.end(); ++it, ++i) {
      std::string child = v.is_object() ? it.key() : std::to_string(i);
      Flatten(*it, key.empty() ? child : key + "." + child, out);
    }
    return;
  }
  if (!out->empty()) out->push_back('\n');
  if (!key.empty()) {
    out->append(key);
    out->append(": ");
  }
  Scalar(v, out);
}

}  // namespace

std::string FlattenJson(const nlohmann::json& value) {
  std::string out;
  if (value.is_discarded()) return out;
  Flatten(value, "", &out);
  return out;
}

}  // namespace exemplar::index
