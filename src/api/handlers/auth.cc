// The caller's own identity: what the web UI asks to show only the controls the caller's role may use.
#include "api/routes.h"

namespace exemplar::api {

void AddAuthRoutes(std::vector<Route>& routes, Services& s) {
  routes.push_back(
      {"GET", "/api/v1/auth/me", "The caller's role and name, and whether this server requires tokens", "auth",
       [&s](const Request& req) -> Result<Reply> {
         // The guard has authenticated the caller; asking again gives the whole principal (the
         // request carries only its name). Nothing secret is answered: no token id or hash.
         EXEMPLAR_ASSIGN_OR_RETURN(
             service::Principal p,
             s.auth.Authenticate(req.Header("authorization"), req.Header("x-forwarded-email"), req.remote_addr));
         // An unnamed token is known by its id's prefix (the audit log's actor): that is no name.
         const bool unnamed = p.user.empty() || (!p.token_id.empty() && p.user == "token:" + p.token_id.substr(0, 8));
         return Reply::Json200({{"role", service::RoleName(p.role)},
                                {"user", unnamed ? Json(nullptr) : Json(p.user)},
                                {"auth_required", s.auth.options().required}});
       }});
}

}  // namespace exemplar::api
