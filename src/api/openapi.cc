#include "api/openapi.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <regex>

namespace exemplar::api {

namespace schema {

Json Str(size_t max_len) {
  Json s = {{"type", "string"}};
  if (max_len) s["maxLength"] = max_len;
  return s;
}
Json Int(std::optional<int64_t> lo, std::optional<int64_t> hi) {
  Json s = {{"type", "integer"}};
  if (lo) s["minimum"] = *lo;
  if (hi) s["maximum"] = *hi;
  return s;
}
Json Num(std::optional<double> lo, std::optional<double> hi) {
  Json s = {{"type", "number"}};
  if (lo) s["minimum"] = *lo;
  if (hi) s["maximum"] = *hi;
  return s;
}
Json Bool() { return {{"type", "boolean"}}; }
Json Enum(const std::vector<std::string>& values) { return {{"type", "string"}, {"enum", values}}; }
Json Arr(Json items, std::optional<size_t> max_items) {
  Json s = {{"type", "array"}, {"items", std::move(items)}};
  if (max_items) s["maxItems"] = *max_items;
  return s;
}
Json Obj(Json properties, std::vector<std::string> required, bool open) {
  Json s = {{"type", "object"}, {"properties", properties.is_null() ? Json::object() : std::move(properties)}};
  if (!required.empty()) s["required"] = std::move(required);
  if (!open) s["additionalProperties"] = false;
  return s;
}
Json AnyObj() { return {{"type", "object"}, {"additionalProperties", true}}; }
Json MapOf(Json values) { return {{"type", "object"}, {"additionalProperties", std::move(values)}}; }
Json Any() { return Json::object(); }
Json Ref(const std::string& component) { return {{"$ref", "#/components/schemas/" + component}}; }
Json Nullable(Json s) {
  if (s.contains("$ref")) return {{"oneOf", Json::array({std::move(s), {{"type", "null"}}})}};
  if (s.contains("type") && s["type"].is_string()) {
    s["type"] = Json::array({s["type"], "null"});
    if (s.contains("enum")) s["enum"].push_back(nullptr);
  }
  return s;
}
Json Describe(Json s, const std::string& description) {
  s["description"] = description;
  return s;
}
Json QueryParam(const std::string& name, Json s, const std::string& description) {
  Json p = {{"name", name}, {"in", "query"}, {"required", false}, {"schema", std::move(s)}};
  if (!description.empty()) p["description"] = description;
  return p;
}
Json RepeatedQueryParam(const std::string& name, Json array, const std::string& description) {
  Json p = QueryParam(name, std::move(array), description);
  p["style"] = "form";
  p["explode"] = true;
  return p;
}
Json Default(Json s, Json value) {
  s["default"] = std::move(value);
  return s;
}

}  // namespace schema

const RouteDoc* FindRouteDoc(const std::string& route) {
  static const std::map<std::string, const RouteDoc*> kIndex = [] {
    std::map<std::string, const RouteDoc*> m;
    for (const auto& d : RouteDocs()) m[d.route] = &d;
    return m;
  }();
  auto it = kIndex.find(route);
  return it == kIndex.end() ? nullptr : it->second;
}

namespace {

const char* kRoleNames[] = {"none", "read", "agent", "write", "admin"};

Json HeaderRef(const std::string& name) { return {{"$ref", "#/components/headers/" + name}}; }

// Every answer carries X-Request-Id (api/connection.cc); `retry` adds Retry-After (429, 503).
Json ErrorResponse(const std::string& description, const std::string& schema = "Error", bool retry = false) {
  Json headers = {{"X-Request-Id", HeaderRef("X-Request-Id")}};
  if (retry) headers["Retry-After"] = HeaderRef("Retry-After");
  return {{"description", description},
          {"headers", std::move(headers)},
          {"content", {{"application/json", {{"schema", schema::Ref(schema)}}}}}};
}

std::string OperationId(const Route& r) {
  std::string id = r.method;
  for (char& c : id) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  bool upper = true;
  for (char c : r.path.substr(r.path.rfind("/api/v1", 0) == 0 ? 7 : 0)) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      id.push_back(upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c);
      upper = false;
    } else {
      upper = true;
    }
  }
  // /dspy/runs (an alias) and /dspy-runs would otherwise share an id.
  return r.alias_of.empty() ? id : id + "Deprecated";
}

Json Operation(const Route& r) {
  static const std::regex kParam(R"(\{([a-z_]+)\})");
  Json op = {{"operationId", OperationId(r)}, {"summary", r.summary}, {"tags", Json::array({r.tag})}};
  const RouteDoc* doc = FindRouteDoc(r.alias_of.empty() ? r.method + " " + r.path : r.alias_of);
  if (!r.alias_of.empty()) {
    op["deprecated"] = true;
    op["description"] = "Deprecated alias of `" + r.alias_of + "` (a path of the original plan); use that route.";
  }
  Json params = Json::array();
  for (auto it = std::sregex_iterator(r.path.begin(), r.path.end(), kParam); it != std::sregex_iterator(); ++it) {
    params.push_back({{"name", (*it)[1].str()}, {"in", "path"}, {"required", true}, {"schema", schema::Str()}});
  }
  Json patterns = Json::array();  // input.{field}: a family of names, not a name a client sends
  if (doc) {
    for (const auto& q : doc->query) {
      if (q.value("name", "").find('{') == std::string::npos) {
        params.push_back(q);
        continue;
      }
      Json p = q;
      const std::string prefix = q["name"].get<std::string>().substr(0, q["name"].get<std::string>().find('.'));
      p["name"] = prefix + ".<field>";
      p["pattern"] = "^" + prefix + "\\..+$";  // the names it stands for
      patterns.push_back(std::move(p));
    }
  }
  if (!params.empty()) op["parameters"] = params;
  if (!patterns.empty()) {
    op["x-pattern-parameters"] = std::move(patterns);
    op["description"] = op.value("description", std::string()) + (op.contains("description") ? " " : "") +
                        "Content filters take their field in the parameter's name: `?input.<field>=value` or "
                        "`?output.<field>=value`, repeated for any of several values (x-pattern-parameters).";
  }

  Json responses = Json::object();
  if (!doc) {
    op["x-undocumented"] = true;
    responses["200"] = {{"description", "Success"}};
  } else {
    if (!doc->request.is_null()) {
      Json content = Json::object();
      const Json alias_body = r.alias_of.empty() ? Json(nullptr) : AliasRequestBody(r.method + " " + r.path);
      const Json& request = alias_body.is_null() ? doc->request : alias_body;
      for (const auto& type : doc->request_types) {
        Json media = {{"schema", type == "application/json" ? request : schema::Str()}};
        if (type == "application/json" && !doc->example.is_null()) media["example"] = doc->example;
        content[type] = std::move(media);
      }
      op["requestBody"] = {{"required", doc->body_required}, {"content", std::move(content)}};
    }
    Json success = {{"description", doc->status == 201 ? "Created" : doc->status == 204 ? "No content" : "Success"}};
    success["headers"] = {{"X-Request-Id", HeaderRef("X-Request-Id")}};
    for (const auto& h : doc->headers) success["headers"][h] = HeaderRef(h);
    if (!doc->response.is_null()) success["content"] = {{doc->response_type, {{"schema", doc->response}}}};
    for (const auto& [type, body] : doc->other_types) success["content"][type] = {{"schema", body}};
    for (const auto& [status, when] : doc->also) {
      Json other = success;
      other["description"] = when;
      responses[std::to_string(status)] = std::move(other);
    }
    responses[std::to_string(doc->status)] = std::move(success);
    for (const auto& [status, when] : doc->errors) responses[std::to_string(status)] = ErrorResponse(when);
  }
  const bool secured = r.min_role > 0;
  // Every route refuses a query parameter it does not declare (routes.cc, KnownQueryNames).
  responses["422"] = ErrorResponse("Validation failed: an unknown query parameter or body key, or a value out of range",
                                   doc ? doc->validation_error : "ValidationError");
  if (!doc || !doc->request.is_null()) {
    responses["400"] = ErrorResponse("Malformed JSON");
    responses["413"] = ErrorResponse("Body too large");
    responses["415"] = ErrorResponse("Wrong content type");
  }
  if (!params.empty() && r.path.find('{') != std::string::npos) responses["404"] = ErrorResponse("Not found");
  for (const auto& p : params) {
    if (p.value("name", "") == "If-Match") responses["412"] = ErrorResponse("If-Match names another version than the current one");
  }
  responses["503"] = ErrorResponse("Unavailable: the server is busy (Retry-After says when to retry), or its storage "
                                   "or embedder is not answering",
                                   "Error", /*retry=*/true);
  // The connection's and the site checks' refusals, which any route may give before its handler.
  responses["408"] = ErrorResponse("The request's head or body did not arrive within request_timeout_s");
  responses["421"] = ErrorResponse("The Host header names a host this server does not answer to (allowed_hosts)");
  if (r.method != "GET") responses["403"] = ErrorResponse("A write from a foreign origin (the cross-site check)");
  if (secured) {
    responses["401"] = ErrorResponse("Missing or invalid bearer token");
    responses["403"] = ErrorResponse("The token's role is too low, or a foreign origin");
    responses["429"] = ErrorResponse("Rate limited, or this caller's share of concurrent expensive requests is taken",
                                     "Error", /*retry=*/true);
    op["security"] = Json::array({{{"bearerAuth", Json::array()}}, Json::object()});
    op["x-required-role"] = kRoleNames[std::min(r.min_role, 4)];
  } else {
    op["security"] = Json::array();
  }
  responses["default"] = ErrorResponse("Error: {detail, code}");
  op["responses"] = std::move(responses);
  return op;
}

}  // namespace

Json ComponentHeaders() {
  auto header = [](const std::string& description, Json schema) {
    return Json{{"description", description}, {"schema", std::move(schema)}};
  };
  return {{"X-Request-Id", header("The request's id (the client's X-Request-Id when it sent one): in the log and "
                                  "the audit entry",
                                  schema::Str())},
          {"Retry-After", header("Seconds to wait before retrying", schema::Int(0))},
          {"ETag", header("The version read, quoted: an example's version (\"3\"), a template's last save (its "
                          "updated_at in Unix milliseconds, \"1733590000123\"). Send it as If-Match to edit that "
                          "version only",
                          schema::Str())}};
}

Json OpenApiDocument(const std::vector<Route>& routes) {
  Json paths = Json::object();
  std::vector<std::string> tags;
  for (const auto& r : routes) {
    std::string method = r.method;
    for (char& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    paths[r.path][method] = Operation(r);
    if (std::find(tags.begin(), tags.end(), r.tag) == tags.end()) tags.push_back(r.tag);
  }
  Json tag_list = Json::array();
  for (const auto& t : tags) tag_list.push_back({{"name", t}});
  return {
      {"openapi", "3.1.0"},
      {"info",
       {{"title", "Exemplar API"},
        {"version", "1"},
        {"description",
         "Example Store and DSPy workbench. Errors are `{detail, code}`; validation errors (422) carry "
         "`detail` as a list of `{loc, msg, type}`. A server bound to loopback needs no token; beyond "
         "loopback every route but health checks and this document needs a bearer token whose role "
         "(read, agent, write, admin) is `x-required-role`."}}},
      {"servers", Json::array({{{"url", "/"}}})},
      {"tags", std::move(tag_list)},
      {"paths", std::move(paths)},
      {"components",
       {{"schemas", ComponentSchemas()},
        {"headers", ComponentHeaders()},
        {"securitySchemes",
         {{"bearerAuth",
           {{"type", "http"},
            {"scheme", "bearer"},
            {"description", "A token from `exemplar token create --role read|agent|write|admin`"}}}}}}},
  };
}

}  // namespace exemplar::api
