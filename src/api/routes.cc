#include "api/routes.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>

#include "api/cross_site.h"
#include "api/openapi.h"
#include "api/original_keys.h"
#include "common/ids.h"
#include "storage/audit_context.h"

namespace exemplar::api {

namespace {

// "METHOD path" of the route a request is really served by (an alias answers as its target).
std::string CanonicalKey(const Route& r) { return r.alias_of.empty() ? r.method + " " + r.path : r.alias_of; }

// Usage evidence: an agent retrieves examples for its prompt and reports how they did. Each call
// records a retrieval or usage events (usage_events), not a change to examples, templates, runs,
// tokens or snapshots: the agent role may make them, and they are not audited.
bool IsUsageRoute(const std::string& canonical_key) {
  static const std::set<std::string> kUsage = {
      "POST /api/v1/examples/retrieve", "POST /api/v1/examples/outcome", "POST /api/v1/agents/examples/retrieve",
      "POST /api/v1/agents/examples/outcome", "POST /api/v1/examples/{id}/track"};
  return kUsage.count(canonical_key) > 0;
}

// The role a route needs: reads need read, usage evidence needs agent, other writes need write,
// embedding regeneration and the audit log need admin; health checks are public. (A purge,
// DELETE …?purge=true, needs admin: Guard.)
service::Role RequiredRole(const Route& route) {
  Route r = route;
  if (!route.alias_of.empty()) {
    r.method = route.alias_of.substr(0, route.alias_of.find(' '));
    r.path = route.alias_of.substr(route.alias_of.find(' ') + 1);
  }
  if (r.path == "/healthz" || r.path == "/readyz" || r.path == "/api/v1/openapi.json") return service::Role::kNone;
  if (r.path == "/api/v1/examples/regenerate-embeddings" || r.path == "/api/v1/audit") return service::Role::kAdmin;
  if (r.method == "GET" || r.path == "/api/v1/examples/search") return service::Role::kRead;
  if (IsUsageRoute(r.method + " " + r.path)) return service::Role::kAgent;
  return service::Role::kWrite;
}

}  // namespace

std::string RequestActor(const Request& req) { return req.user.empty() ? "local" : req.user; }

// Every change but usage evidence is audited.
bool IsAuditedRoute(const Route& r) { return r.method != "GET" && RequiredRole(r) >= service::Role::kWrite; }

namespace {

// The audited entity a route changes, from its first path segment (examples → example).
std::string AuditEntity(const std::string& path) {
  static const std::string kPrefix = "/api/v1/";
  std::string seg = path.rfind(kPrefix, 0) == 0 ? path.substr(kPrefix.size()) : path;
  seg = seg.substr(0, seg.find('/'));
  if (seg == "dspy-runs") return "run";
  if (!seg.empty() && seg.back() == 's') seg.pop_back();
  return seg;
}

// Runs `inner` inside an audit scope (storage/audit_context.h): the request's first committed
// write carries the entry; a successful request that wrote nothing on this thread gets its own.
Handler Audited(Services& s, std::string route, std::string entity, Handler inner) {
  return [&s, route, entity, inner](const Request& req) -> Result<Reply> {
    AuditRecord entry;
    entry.actor = RequestActor(req);
    entry.action = route;
    entry.entity = entity;
    for (const auto& id : req.path_params) entry.entity_ids.push_back(IsUuid(id) ? NormalizeUuid(id) : id);
    entry.request_id = req.request_id;
    storage::AuditScope scope(std::move(entry));
    Result<Reply> reply = inner(req);
    if (reply.ok() && reply->status < 400 && !scope.written()) {
      if (auto pending = scope.Pending()) {
        scope.MarkWritten();  // so that AppendAudit's own transaction does not append it twice
        Status st = s.store.AppendAudit({*pending});
        if (!st.ok()) return st;  // the change is done, but an unaudited success is not reported as one
      }
    }
    return reply;
  };
}

// While `serve` loads the indexes (api/readiness.h), a route answers 503 with Retry-After instead
// of reading half-built ones (a run launch included: no run starts before the indexes are
// loaded).
Reply Loading(const Readiness& readiness, const std::string& request_id) {
  Reply r{503, ErrorBody(Status::Unavailable(readiness.Describe(true) + "; retry shortly"), request_id)};
  r.headers["Retry-After"] = std::to_string(Readiness::kRetryAfterSeconds);
  return r;
}

// Wraps a handler with authentication, the role check, the readiness check and the rate limit.
// A caller is refused for its credentials while the indexes load as after; the 503 of the load
// comes before the rate limit, so retrying after its Retry-After costs a caller nothing (review
// s23: a client that retried through a minutes-long load found itself rate-limited once ready).
// A request charged before its body was read (Request::rate_charged) is not charged again.
Handler Guard(Services& s, service::Role route_need, Handler inner) {
  return [&s, route_need, inner](const Request& in) -> Result<Reply> {
    auto p = s.auth.Authenticate(in.Header("authorization"), in.Header("x-forwarded-email"), in.remote_addr);
    if (!p.ok()) return p.status();
    service::Role need = route_need;
    // Purging content (legal removal) is an administrator's act: a purge the handler could read
    // as asked (any spelling it takes as true, or one it refuses) needs admin.
    if (in.method == "DELETE" && in.Query("purge")) {
      Validation unused;
      if (QueryBool(in, "purge", unused) != false) need = service::Role::kAdmin;
    }
    if (static_cast<int>(p->role) < static_cast<int>(need)) {
      // Named as the caller is known: by a token, or (behind the proxy, with none) by the user.
      const std::string whose = !p->token_id.empty() ? "this token's role"
                                : !p->user.empty()    ? "the role of user " + p->user
                                                      : "an anonymous caller's role";
      return Status(Code::kPermissionDenied, whose + " (" + service::RoleName(p->role) + ") cannot " + in.method +
                                                 " " + in.path + "; it needs " + service::RoleName(need));
    }
    if (!s.readiness.ready()) return Loading(s.readiness, in.request_id);
    int retry_after = 0;
    Status admitted = in.rate_charged ? Status::Ok() : s.auth.Admit(*p, &retry_after);
    if (!admitted.ok()) {
      Reply r{429, ErrorBody(admitted, in.request_id)};
      r.headers["Retry-After"] = std::to_string(retry_after);
      return r;
    }
    Request req = in;
    req.user = p->user;
    req.role = service::RoleName(p->role);
    // An unnamed token is known by its id's prefix (the audit log's actor): that is no name.
    req.user_named = !p->user.empty() && (p->token_id.empty() || p->user != "token:" + p->token_id.substr(0, 8));
    if (req.user.empty() && !p->token_id.empty()) req.user = "token:" + p->token_id.substr(0, 8);
    return inner(req);
  };
}

// Routes whose cost per request is high (CPU for searches, the whole store for exports, a run's
// data selection): they share one cap on concurrent requests.
bool IsExpensive(const Route& r) {
  static const std::set<std::string> kExpensive = {
      "POST /api/v1/examples/search",          "POST /api/v1/examples/retrieve",
      "POST /api/v1/agents/examples/retrieve", "GET /api/v1/examples/export",
      "POST /api/v1/templates/{id}/export-dspy", "POST /api/v1/dspy-runs",
      "GET /api/v1/quality/duplicates",        "GET /api/v1/quality/conflicts",
      // A snapshot's freeze and read hold all its rows; its export and diff read them all (a
      // page at a time, streamed).
      "POST /api/v1/snapshots",                "GET /api/v1/snapshots/{id}",
      "GET /api/v1/snapshots/{id}/export",     "GET /api/v1/snapshots/{id}/diff/{other}"};
  return kExpensive.count(CanonicalKey(r)) > 0;
}

// The expensive requests in flight: all of them, and per caller (the authenticated principal, else
// the peer address).
struct ExpensiveSlots {
  std::mutex mu;
  int total = 0;
  std::unordered_map<std::string, int> per_caller;
};

// Admits at most `limit` requests at once into `inner`, and at most three quarters of them from
// one caller; the rest get 503 (429 for the caller over its share) with Retry-After at once, so a
// burst cannot queue without bound behind the worker pool while cheap requests (health checks,
// GETs by id) keep their workers, and one client (40 exports it never reads, 32 duplicate
// reports) cannot shut everyone else out.
Handler LimitConcurrency(std::shared_ptr<ExpensiveSlots> slots, int limit, Handler inner) {
  const int share = std::max(1, limit - limit / 4);
  return [slots, limit, share, inner](const Request& req) -> Result<Reply> {
    // A plain search answered on the event loop costs what a point read does and never waits for
    // a worker: it takes no slot (review s22: 39 of 85 were refused behind others' MMR searches).
    if (req.on_loop) return inner(req);
    std::string caller = req.user.empty() ? "addr:" + req.remote_addr : "user:" + req.user;
    {
      std::lock_guard lock(slots->mu);
      int& mine = slots->per_caller[caller];
      if (slots->total >= limit || mine >= share) {
        const bool over_share = slots->total < limit;
        if (mine == 0) slots->per_caller.erase(caller);
        Status busy = over_share ? Status::ResourceExhausted("you already have " + std::to_string(share) +
                                                             " searches, retrievals, exports or run launches in "
                                                             "progress (this server's share per caller); retry after 1 s")
                                 : Status::Unavailable("server busy: " + std::to_string(limit) +
                                                       " searches, retrievals, exports or run launches are already "
                                                       "in progress; retry after 1 s");
        Reply r{over_share ? 429 : 503, ErrorBody(busy, req.request_id)};
        r.headers["Retry-After"] = "1";
        return r;
      }
      ++mine;
      ++slots->total;
    }
    // The slot is held until the reply is complete: for a streamed body (an export), until the
    // stream ends or its client leaves.
    struct Release {
      std::shared_ptr<ExpensiveSlots> slots;
      std::string caller;
      ~Release() {
        std::lock_guard lock(slots->mu);
        --slots->total;
        if (auto it = slots->per_caller.find(caller); it != slots->per_caller.end() && --it->second <= 0) {
          slots->per_caller.erase(it);
        }
      }
    };
    std::shared_ptr<Release> slot(new Release{slots, std::move(caller)});
    Result<Reply> reply = inner(req);
    if (reply.ok() && reply->stream) {
      auto next = std::move(reply->stream->next);
      reply->stream->next = [slot, next](std::string* out) { return next(out); };
    }
    return reply;
  };
}

// Refuses foreign Host headers, foreign origins and form-like bodies before anything else runs.
Handler SiteGuard(std::shared_ptr<const SitePolicy> policy, Handler inner) {
  return [policy, inner](const Request& req) -> Result<Reply> {
    EXEMPLAR_RETURN_IF_ERROR(CheckHost(req, *policy));
    EXEMPLAR_RETURN_IF_ERROR(CheckCrossSite(req, *policy));
    return inner(req);
  };
}

// Refuses a query that gives a scalar parameter twice (`?sort_by=bogus&sort_by=created_at`):
// handlers read one value, and which one they saw would decide the request.
Handler SingleValuedQuery(Handler inner) {
  return [inner](const Request& req) -> Result<Reply> {
    EXEMPLAR_RETURN_IF_ERROR(RejectRepeatedQueryKeys(req));
    return inner(req);
  };
}

// Refuses a query parameter the route's OpenAPI declaration does not list (422 naming it, as an
// unknown body key is). Inside the authentication guard: a caller without a token learns nothing
// of the route's parameters, and gets the 401 first.
Handler KnownQueryNames(const Route& r, Handler inner) {
  const RouteDoc* doc = FindRouteDoc(r.alias_of.empty() ? r.method + " " + r.path : r.alias_of);
  if (!doc) return inner;
  std::set<std::string> names;
  for (const auto& param : doc->query) {
    if (param.value("in", "query") == "query") names.insert(param.value("name", ""));
  }
  return [names, inner](const Request& req) -> Result<Reply> {
    auto declared = [&](const std::string& key) {
      if (names.count(key)) return true;
      // A declared "input.{field}" takes any "input.<name>".
      const size_t dot = key.find('.');
      return dot != std::string::npos && dot + 1 < key.size() && names.count(key.substr(0, dot + 1) + "{field}");
    };
    for (const auto& [key, value] : req.query) {
      if (declared(key)) continue;
      std::string taken;
      for (const auto& n : names) taken += (taken.empty() ? "" : ", ") + n;
      const std::string near = ClosestKey(key, std::vector<std::string>(names.begin(), names.end()));
      return Status::Invalid({{{"query", key},
                               taken.empty() ? "unknown query parameter; this route takes none"
                                             : "unknown query parameter; " +
                                                   (near.empty() ? std::string() : "did you mean `" + near + "`? ") +
                                                   "this route takes: " + taken,
                               "value_error.extra"}});
    }
    return inner(req);
  };
}

// Routes cheap enough to run on the event loop (Route::quick): point reads and health, plus a
// plain search with the hash embedder (a query then costs well under a millisecond of CPU, the
// same CPU a worker would spend). Only a short body without MMR counts as plain: a 64 KiB query,
// a body of many filters or an MMR pass over up to 1,000 candidates costs tens of milliseconds,
// which would stall every connection of the loop and escape the per-caller cap on expensive
// requests (the loop never refuses). A neural query embedding takes tens of milliseconds and a
// remote one waits on the network; with PostgreSQL every read does: those go to the workers, as
// does retrieval, which records what it returned.
bool IsQuick(const Route& r, const Config& config) {
  // A template or run can be megabytes (inline examples, trials): those go to the workers.
  static const std::set<std::string> kPointReads = {"GET /healthz", "GET /api/v1/examples/{id}"};
  if (storage::IsPostgresUrl(config.db)) return false;
  const std::string key = r.method + " " + r.path;
  if (kPointReads.count(key)) return true;
  return key == "POST /api/v1/examples/search" && config.embedder == "hash";
}

// Decided on the parsed body, not its text (an escaped key such as "\u006dmr" is `mmr`): a query
// with plain filters only. A metadata search (no query: SQLite sorts and counts), MMR, tag lists,
// content filters or ids take a worker. So does a query whose words are common in a large store
// (kQuickPostings: "thermal gain drift" over 60,000 examples each took 50-60 ms, and /healthz on
// the same loop waited up to 105 ms), and any search while the relevance floor is due to be
// measured again (that search measures it: 0.8 s once the store has grown by a tenth).
bool IsPlainSearch(const Request& req, const service::SearchIndex& index) {
  constexpr size_t kPlainBody = 1024;
  if (req.body.size() > kPlainBody) return false;
  const Json body = Json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object()) return true;  // refused at once by the handler
  static const std::set<std::string> kPlainKeys = {
      "query_text", "k", "mode", "domain", "databit_id", "difficulty", "similarity_threshold", "relevance_floor",
      "effectiveness_weight", "exploration", "seed", "min_quality_score", "min_effectiveness_score"};
  for (const auto& [key, value] : body.items()) {
    if (!kPlainKeys.count(key)) return false;
  }
  const auto text = body.find("query_text");
  if (text == body.end() || !text->is_string() || text->get_ref<const std::string&>().empty()) return false;
  const auto mode = body.find("mode");
  if (mode != body.end() && *mode == "metadata") return false;
  // Keyword postings the query's words have: the keyword leg's work, bounded to about 1 ms.
  constexpr size_t kQuickPostings = 4096;
  return index.keywords().Postings(text->get_ref<const std::string&>()) <= kQuickPostings &&
         index.CalibrationFresh(index.Space()->model);
}

}  // namespace

Handler CheckQuery(const Route& r, Handler inner) { return SingleValuedQuery(KnownQueryNames(r, std::move(inner))); }

Handler GuardPublicRoute(const Config& config, const Route& r, Handler inner) {
  auto site = std::make_shared<const SitePolicy>(SitePolicy::FromConfig(config));
  return SiteGuard(site, CheckQuery(r, std::move(inner)));
}

std::vector<Route> BuildRoutes(Services& s) {
  std::vector<Route> routes = BuildUnguardedRoutes(s);
  auto expensive_slots = std::make_shared<ExpensiveSlots>();
  auto site = std::make_shared<const SitePolicy>(SitePolicy::FromConfig(s.config));
  int limit = s.config.ExpensiveLimit();
  for (auto& r : routes) {
    service::Role need = RequiredRole(r);
    r.min_role = static_cast<int>(need);
    r.quick = IsQuick(r, s.config);
    if (r.quick && r.method == "POST") {
      r.quick_if = [&index = s.index, &readiness = s.readiness](const Request& req) {
        return readiness.ready() && IsPlainSearch(req, index);  // a loading index is not read
      };
    }
    if (r.handler) r.handler = CheckQuery(r, r.handler);
    // Authentication and the rate limit come first: a refused caller never takes a slot.
    if (IsExpensive(r) && r.handler) r.handler = LimitConcurrency(expensive_slots, limit, r.handler);
    const std::string key = CanonicalKey(r);
    if (IsAuditedRoute(r) && r.handler) {
      r.handler = Audited(s, key, AuditEntity(key.substr(key.find(' ') + 1)), r.handler);
    }
    // Every route but the health checks (and the OpenAPI document, whose handler the dispatcher
    // sets) needs a role, and the indexes.
    if (need != service::Role::kNone && r.handler) {
      r.handler = Guard(s, need, r.handler);
      // What a client waiting for 100 Continue is told before it sends the body.
      r.before_body = SiteGuard(site, Guard(s, need, [](const Request&) -> Result<Reply> { return Reply{100}; }));
    }
    if (r.handler) r.handler = SiteGuard(site, r.handler);
  }
  return routes;
}

std::vector<Route> BuildUnguardedRoutes(Services& s) {
  std::vector<Route> routes;
  AddHealthRoutes(routes, s);
  AddAuthRoutes(routes, s);
  AddSearchRoutes(routes, s);
  AddEffectivenessRoutes(routes, s);
  AddEmbeddingRoutes(routes, s);  // static /examples/… paths before /examples/{id}
  AddExampleRoutes(routes, s);
  AddEffectivenessItemRoutes(routes, s);
  AddTemplateRoutes(routes, s);
  AddRunRoutes(routes, s);
  AddProvenanceRoutes(routes, s);
  AddQualityRoutes(routes, s);
  routes.push_back({"GET", "/api/v1/openapi.json", "This OpenAPI document", "operations", nullptr});
  // The original plan's DSPy paths answer as deprecated aliases, so scripts written against it work.
  for (const auto& [alias, target] : PlanAliases()) {
    for (size_t i = 0; i < routes.size(); ++i) {
      if (routes[i].method + " " + routes[i].path != target) continue;
      Route a = routes[i];
      a.path = alias.substr(alias.find(' ') + 1);
      a.summary = "Deprecated alias of " + target;
      a.alias_of = target;
      // Old clients send the original's body keys to its export path (api/original_keys.h).
      if (alias == "POST /api/v1/dspy/templates/{id}/export") a.handler = WithOriginalExportKeys(a.handler);
      routes.push_back(std::move(a));
      break;
    }
  }
  return routes;
}

const std::vector<std::pair<std::string, std::string>>& PlanAliases() {
  // reference: the original's /api/v1/dspy router (D1, D3, D5–D9); D2, D4 and D10 have no
  // counterpart with the same meaning and are not aliased.
  static const std::vector<std::pair<std::string, std::string>> kAliases = {
      {"GET /api/v1/dspy/templates/{id}/signature", "GET /api/v1/templates/{id}/dspy-signature"},
      {"POST /api/v1/dspy/templates/{id}/export", "POST /api/v1/templates/{id}/export-dspy"},
      {"POST /api/v1/dspy/runs", "POST /api/v1/dspy-runs"},
      {"GET /api/v1/dspy/runs", "GET /api/v1/dspy-runs"},
      {"GET /api/v1/dspy/runs/{id}", "GET /api/v1/dspy-runs/{id}"},
      {"POST /api/v1/dspy/runs/{id}/cancel", "POST /api/v1/dspy-runs/{id}/cancel"},
      {"GET /api/v1/dspy/runs/{id}/results", "GET /api/v1/dspy-runs/{id}/results"},
      {"POST /api/v1/dspy/runs/{id}/sync", "POST /api/v1/dspy-runs/{id}/sync"},
  };
  return kAliases;
}

}  // namespace exemplar::api
