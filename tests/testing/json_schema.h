// A small JSON Schema validator for the OpenAPI conformance test: the subset the document uses
// ($ref into #/components/schemas, type (one or a list), enum, required, properties,
// patternProperties, additionalProperties, items, minItems/maxItems, minimum/maximum, maxLength,
// oneOf, anyOf, allOf). Not a general validator: unknown keywords are ignored.
#pragma once

#include <string>
#include <vector>

#include "common/json_util.h"

namespace exemplar::testing {

// Errors of `value` against `schema` ("$.a.b: expected integer, got string"); empty when valid.
// `document` is the OpenAPI document that $refs resolve in.
std::vector<std::string> ValidateSchema(const Json& schema, const Json& value, const Json& document);

// The keys of `value`, at any depth, that its schema does not declare ("$.runs[0].eta_s"): an
// object schema with `properties` declares those (and its patternProperties); an open schema that
// declares nothing (AnyObj, a map) declares every key. allOf merges its parts; of oneOf, the
// (and anyOf) alternatives `value` matches count. Open objects pass ValidateSchema with any extra key; this
// is what keeps the document complete.
std::vector<std::string> UndeclaredKeys(const Json& schema, const Json& value, const Json& document);

// Resolves a {"$ref": "#/components/schemas/X"} (or returns the schema itself).
const Json& Deref(const Json& schema, const Json& document);

}  // namespace exemplar::testing
