// A small JSON Schema validator for the OpenAPI conformance test: the subset the document uses
// ($ref into #/components/schemas, type (one or a list), enum, required, properties,
// patternProperties, additionalProperties, items, minItems/maxItems, minimum/maximum, maxLength,
// oneOf, allOf). Not a general validator: unknown keywords are ignored.
#pragma once

#include <string>
#include <vector>

#include "common/json_util.h"

namespace exemplar::testing {

// Errors of `value` against `schema` ("$.a.b: expected integer, got string"); empty when valid.
// `document` is the OpenAPI document that $refs resolve in.
std::vector<std::string> ValidateSchema(const Json& schema, const Json& value, const Json& document);

// Resolves a {"$ref": "#/components/schemas/X"} (or returns the schema itself).
const Json& Deref(const Json& schema, const Json& document);

}  // namespace exemplar::testing
