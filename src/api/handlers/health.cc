// Operations: liveness and readiness.
#include "api/routes.h"

namespace exemplar::api {

void AddHealthRoutes(std::vector<Route>& routes, Services& s) {
  routes.push_back({"GET", "/healthz", "Liveness: the process serves requests", "operations",
                    [](const Request&) -> Result<Reply> { return Reply::Json200({{"status", "ok"}}); }});
  routes.push_back({"GET", "/readyz", "Readiness: storage answers and indexes are loaded", "operations",
                    [&s](const Request&) -> Result<Reply> {
                      auto n = s.store.CountExamples();
                      if (!n.ok()) return Status::Unavailable("storage unavailable: " + n.status().message());
                      auto stats = s.index.Stats();
                      return Reply::Json200({{"status", "ready"},
                                             {"examples", *n},
                                             {"indexed", stats.examples},
                                             {"vectors", stats.vectors},
                                             {"index_load", stats.load_mode}});
                    }});
}

}  // namespace exemplar::api
