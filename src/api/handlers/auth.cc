// The caller's own identity: what the web UI asks to show only the controls the caller's role may use.
#include "api/routes.h"

namespace exemplar::api {

void AddAuthRoutes(std::vector<Route>& routes, Services& s) {
  routes.push_back(
      {"GET", "/api/v1/auth/me", "The caller's role and name, and whether this server requires tokens", "auth",
       [&s](const Request& req) -> Result<Reply> {
         // The guard authenticated the caller and set its role and name. Nothing secret is
         // answered: no token id or hash.
         return Reply::Json200({{"role", req.role},
                                {"user", req.user_named ? Json(req.user) : Json(nullptr)},
                                {"auth_required", s.auth.options().required}});
       }});
}

}  // namespace exemplar::api
