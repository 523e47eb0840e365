// The route table: every route the server serves, in one list. The OpenAPI document is generated
// from the same list, so the two cannot drift apart.
#pragma once

#include <vector>

#include "api/http.h"
#include "api/services.h"

namespace exemplar::api {

// Adds the routes of each resource (handlers/<resource>.cc).
void AddHealthRoutes(std::vector<Route>& routes, Services& s);
void AddAuthRoutes(std::vector<Route>& routes, Services& s);  // /auth/me
void AddExampleRoutes(std::vector<Route>& routes, Services& s);
void AddBulkExampleRoutes(std::vector<Route>& routes, Services& s);  // /examples/bulk-*, from AddExampleRoutes
void AddEmbeddingRoutes(std::vector<Route>& routes, Services& s);  // /examples/regenerate-embeddings
void AddSearchRoutes(std::vector<Route>& routes, Services& s);
void AddEffectivenessRoutes(std::vector<Route>& routes, Services& s);      // static paths
void AddEffectivenessItemRoutes(std::vector<Route>& routes, Services& s);  // /examples/{id}/…
void AddTemplateRoutes(std::vector<Route>& routes, Services& s);
void AddRunRoutes(std::vector<Route>& routes, Services& s);
void AddQualityRoutes(std::vector<Route>& routes, Services& s);  // /quality/…
void AddProvenanceRoutes(std::vector<Route>& routes, Services& s);  // restore, snapshots, audit

// Who makes the request, as the audit log and usage evidence name an actor: the principal the
// authentication guard set (token name, `token:<id prefix>`, the proxy's user), else "local"
// (loopback without auth).
std::string RequestActor(const Request& req);

// Whether the route's successful requests append to the audit log (every write but usage
// evidence: retrieve, outcome, track). The audit test walks the table with it.
bool IsAuditedRoute(const Route& r);

// Wraps a handler so that a query parameter its OpenAPI declaration does not list, or a scalar
// one given twice, is refused with a 422. BuildRoutes applies it inside the authentication guard.
Handler CheckQuery(const Route& r, Handler inner);
// The guards of a public route (no token needed) whose handler the dispatcher sets itself (the
// OpenAPI document): the site check (Host, origin) and CheckQuery, as BuildRoutes gives every route.
Handler GuardPublicRoute(const Config& config, const Route& r, Handler inner);

// All routes, static paths before parameterised ones of the same prefix, each guarded by
// authentication, its role and the rate limit.
std::vector<Route> BuildRoutes(Services& s);
std::vector<Route> BuildUnguardedRoutes(Services& s);

// The deprecated aliases of the original plan's DSPy paths ("/api/v1/dspy/..."): alias → the
// "METHOD path" of the route each answers as. BuildUnguardedRoutes appends them.
const std::vector<std::pair<std::string, std::string>>& PlanAliases();

}  // namespace exemplar::api
