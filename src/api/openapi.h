// The OpenAPI 3.1 document: generated from the route table (api/routes.h) and one declaration per
// route (api/openapi_routes.cc: body schema, success status and schema, query parameters, an
// example). The conformance test (tests/api/openapi_test.cc) fails when a route has no
// declaration, when a parser accepts a key its schema lacks (or the reverse), and when a real
// request or response does not match.
#pragma once

#include <optional>
#include <string>
#include <map>
#include <vector>

#include "api/http.h"

namespace exemplar::api {

struct RouteDoc {
  std::string route;                     // "METHOD /path" as in the route table
  int status = 200;                      // the success status
  Json request = nullptr;                // JSON Schema of the JSON body; null: none is read (ignored)
  bool body_required = true;             // false: the body may be empty
  Json response = nullptr;               // JSON Schema of the success body; null only for 204
  std::string response_type = "application/json";
  std::vector<std::string> request_types = {"application/json"};
  // OpenAPI parameter objects (in: query, or header). A name with "{field}" (input.{field}) stands
  // for every name with that prefix: KnownQueryNames accepts those, and the document lists them
  // in the operation's x-pattern-parameters rather than as parameters, since a generated client
  // would send the name literally.
  std::vector<Json> query;
  Json example = nullptr;                // an example request body
  std::map<int, std::string> also;       // other statuses answered with the success body → when
  // Other media types of the success status (a query parameter or the body picks one) → schema.
  std::map<std::string, Json> other_types;
  // Error statuses beyond the ones every route may answer (409 conflicts; 404 on a route without
  // a path id) → when. Their body is an Error.
  std::map<int, std::string> errors;
  // Headers of the success status beyond X-Request-Id (#/components/headers/<name>, e.g. ETag).
  std::vector<std::string> headers;
  // The 422 body's schema (#/components/schemas/<name>): a batch's refusal carries its report.
  std::string validation_error = "ValidationError";
};

// Every declaration, in route-table order of resources.
const std::vector<RouteDoc>& RouteDocs();
// The declaration of "METHOD /path", or null.
const RouteDoc* FindRouteDoc(const std::string& route);
// The request body of a deprecated alias that takes the original plan's keys besides the current
// route's (api/original_keys.h), or null when it reads the current route's body as is.
Json AliasRequestBody(const std::string& alias_route);
// Shared schemas (#/components/schemas/...).
Json ComponentSchemas();
// Shared response headers (#/components/headers/...): X-Request-Id, Retry-After, ETag.
Json ComponentHeaders();
// The document for `routes` (with their min_role set by BuildRoutes): routes without a
// declaration are still listed, marked `x-undocumented` (the conformance test fails on them).
Json OpenApiDocument(const std::vector<Route>& routes);

// Helpers for writing schemas compactly (JSON Schema 2020-12, as OpenAPI 3.1 uses).
namespace schema {
Json Str(size_t max_len = 0);
Json Int(std::optional<int64_t> lo = std::nullopt, std::optional<int64_t> hi = std::nullopt);
Json Num(std::optional<double> lo = std::nullopt, std::optional<double> hi = std::nullopt);
Json Bool();
Json Enum(const std::vector<std::string>& values);
Json Arr(Json items, std::optional<size_t> max_items = std::nullopt);
// A closed object (additionalProperties: false) unless `open`.
Json Obj(Json properties, std::vector<std::string> required = {}, bool open = false);
Json AnyObj();  // any JSON object
Json MapOf(Json values);  // an object whose every value is `values`
Json Any();     // any JSON value
Json Ref(const std::string& component);
Json Nullable(Json s);  // adds "null" to its type (or wraps a $ref in oneOf)
Json Describe(Json s, const std::string& description);
Json QueryParam(const std::string& name, Json s, const std::string& description = "");
// A parameter given once per value (`?capability_tags=a&capability_tags=b`): `array` (an Arr
// schema), form style, exploded.
Json RepeatedQueryParam(const std::string& name, Json array, const std::string& description = "");
// `s` with the value the server uses when the key or parameter is absent.
Json Default(Json s, Json value);
}  // namespace schema

}  // namespace exemplar::api
