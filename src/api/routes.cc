#include "api/routes.h"

#include <regex>

namespace exemplar::api {

std::vector<Route> BuildRoutes(Services& s) {
  std::vector<Route> routes;
  AddHealthRoutes(routes, s);
  AddSearchRoutes(routes, s);
  AddEffectivenessRoutes(routes, s);
  AddExampleRoutes(routes, s);
  AddEffectivenessItemRoutes(routes, s);
  AddTemplateRoutes(routes, s);
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
