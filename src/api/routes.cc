#include "api/routes.h"

#include <regex>

namespace exemplar::api {

namespace {

// The role a route needs: reads need read, writes need write, embedding regeneration needs admin;
// health checks are public.
service::Role RequiredRole(const Route& r) {
  if (r.path == "/healthz" || r.path == "/readyz" || r.path == "/api/v1/openapi.json") return service::Role::kNone;
  if (r.path == "/api/v1/examples/regenerate-embeddings") return service::Role::kAdmin;
  if (r.method == "GET" || r.path == "/api/v1/examples/search") return service::Role::kRead;
  return service::Role::kWrite;
}

// Wraps a handler with authentication, the role check and the rate limit.
Handler Guard(Services& s, service::Role need, Handler inner) {
  return [&s, need, inner](const Request& in) -> Result<Reply> {
    auto p = s.auth.Authenticate(in.Header("authorization"), in.Header("x-forwarded-email"));
    if (!p.ok()) return p.status();
    if (static_cast<int>(p->role) < static_cast<int>(need)) {
      return Status(Code::kPermissionDenied, "this token's role (" + service::RoleName(p->role) + ") cannot " +
                                                 in.method + " " + in.path + "; it needs " + service::RoleName(need));
    }
    int retry_after = 0;
    Status admitted = s.auth.Admit(*p, &retry_after);
    if (!admitted.ok()) {
      Reply r{429, ErrorBody(admitted, in.request_id)};
      r.headers["Retry-After"] = std::to_string(retry_after);
      return r;
    }
    Request req = in;
    req.user = p->user;
    return inner(req);
  };
}

}  // namespace

std::vector<Route> BuildRoutes(Services& s) {
  std::vector<Route> routes = BuildUnguardedRoutes(s);
  for (auto& r : routes) {
    service::Role need = RequiredRole(r);
    r.min_role = static_cast<int>(need);
    if (need != service::Role::kNone && r.handler) r.handler = Guard(s, need, r.handler);
  }
  return routes;
}

std::vector<Route> BuildUnguardedRoutes(Services& s) {
  std::vector<Route> routes;
  AddHealthRoutes(routes, s);
  AddSearchRoutes(routes, s);
  AddEffectivenessRoutes(routes, s);
  AddExampleRoutes(routes, s);
  AddEffectivenessItemRoutes(routes, s);
  AddTemplateRoutes(routes, s);
  AddRunRoutes(routes, s);
  routes.push_back({"GET", "/api/v1/openapi.json", "This OpenAPI document", "operations", nullptr});
  return routes;
}

Json OpenApiDocument(const std::vector<Route>& routes) {
  Json paths = Json::object();
  static const std::regex kParam(R"(\{([a-z_]+)\})");
  for (const auto& r : routes) {
    std::string method = r.method;
    for (char& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    Json op = {{"summary", r.summary},
               {"tags", Json::array({r.tag})},
               {"responses",
                {{"default",
                  {{"description", "Error: {detail, code}"},
                   {"content", {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}}}}}};
    Json params = Json::array();
    for (auto it = std::sregex_iterator(r.path.begin(), r.path.end(), kParam);
         it != std::sregex_iterator(); ++it) {
      params.push_back({{"name", (*it)[1].str()}, {"in", "path"}, {"required", true},
                        {"schema", {{"type", "string"}}}});
    }
    if (!params.empty()) op["parameters"] = params;
    op["responses"]["200"] = {{"description", "Success"}};
    paths[r.path][method] = op;
  }
  return {
      {"openapi", "3.0.3"},
      {"info", {{"title", "Exemplar API"}, {"version", "1"},
                {"description", "Example Store and DSPy workbench"}}},
      {"paths", paths},
      {"components",
       {{"schemas",
         {{"Error",
           {{"type", "object"},
            {"properties",
             {{"detail", {{"description", "message, or a list of {loc, msg, type} for 422"}}},
              {"code", {{"type", "string"}}}}}}}}}}},
  };
}

}  // namespace exemplar::api
