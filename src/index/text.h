// Text flattening of JSON example payloads for embedding and keyword indexing.
#pragma once

#include <string>
#include <nlohmann/json_fwd.hpp>

namespace exemplar::index {

// "key: value" lines of a JSON object in key order, nested objects/arrays flattened with dotted
// keys; strings unquoted. Deterministic. Used as the text that is embedded for an example input.
std::string FlattenJson(const nlohmann::json& value);

}  // namespace exemplar::index
