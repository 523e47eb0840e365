// Text flattening of JSON example payloads for embedding and keyword indexing.
#pragma once

#include <string>
#include <nlohmann/json_fwd.hpp>

namespace exemplar::index {

// "key: value" lines of a JSON object in key order, nested objects/arrays flattened with dotted
// keys; strings unquoted. Deterministic. Used as the text that is embedded for an example input.
// Details: array elements are keyed by index ("tags.0: x"); a top-level scalar is its bare value
// (a string as is); numbers, booleans and null keep their JSON spelling; empty objects/arrays and
// discarded (unparsable) values contribute nothing; lines are joined by '\n' with no trailing one.
std::string FlattenJson(const nlohmann::json& value);

}  // namespace exemplar::index
