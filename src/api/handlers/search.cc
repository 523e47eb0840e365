// Search over examples (SPEC §4.1).
#include "api/routes.h"

namespace exemplar::api {

void AddSearchRoutes(std::vector<Route>& routes, Services& s) {
  routes.push_back({"POST", "/api/v1/examples/search",
                    "Search examples: vector, keyword, hybrid (RRF) or metadata, filters inside", "search",
                    [&s](const Request& req) -> Result<Reply> {
                      EXEMPLAR_ASSIGN_OR_RETURN(Json body, ParseJsonObject(req));
                      Validation v;
                      service::SearchRequest sr = service::ParseSearchRequest(body, v);
                      EXEMPLAR_RETURN_IF_ERROR(v.ToStatus());
                      EXEMPLAR_ASSIGN_OR_RETURN(auto resp, s.search.Run(sr));
                      Reply reply;  // written as text: no JSON DOM on the hot path
                      reply.raw = service::SearchResponseJsonText(resp);
                      return reply;
                    }});
}

}  // namespace exemplar::api
