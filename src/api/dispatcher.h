// Dispatcher: answers one parsed request, independent of the socket layer — route matching over
// the route table, the web UI's static files with a single-page-app fallback, CORS, metrics, and
// every error rendered as JSON. Thread-safe: handler workers call it concurrently.
#pragma once

#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "api/cross_site.h"
#include "api/http.h"
#include "api/readiness.h"
#include "common/config.h"
#include "service/auth/auth.h"

namespace exemplar::api {

class Metrics;

class Dispatcher {
 public:
  // `metrics` (optional) receives every request's method, route, status and latency. `auth`:
  // how the routes' guard authenticates (service::Auth::options()), for RefuseFromHead.
  // `readiness` (optional, outlives this): while it is false, a page of the web UI is a small
  // "starting" page (503, reloading itself) instead of the app, whose every call would fail.
  Dispatcher(const Config& config, std::vector<Route> routes, Metrics* metrics, service::AuthOptions auth = {},
             const Readiness* readiness = nullptr);

  // Answers `req`. REQUIRES: req.path is percent-decoded, req.query parsed, header names lower
  // case and req.request_id set. Never throws; a handler's exception becomes a 500.
  Reply Handle(Request& req) const;
  // Whether the request's route is quick (Route::quick): the event loop may run it itself. Keeps
  // the route it matched in req.route for Handle.
  bool Quick(Request& req) const;

  // The answer to a request that is refused from its head alone, so that its body is never read
  // (an unauthenticated client could otherwise make the server hold max_body_bytes per
  // connection): when tokens are required and the headers alone decide the guard's refusal
  // (service::RefusalFromHeaders: no "Authorization: Bearer …" and no X-Forwarded-Email from a
  // trusted proxy address, a malformed one, a forwarded user without a role), a route that needs a
  // role gets the 401 / 403 its guard would give (or the 421 / 403 of the site checks that run
  // before it), and a path no route takes gets its 404 / 405. nullopt
  // when the request is to be read whole (credentials present, tokens not required, a public
  // route, OPTIONS). REQUIRES: as Handle; req.body empty (not read yet).
  std::optional<Reply> RefuseFromHead(Request& req) const;
  // For a request whose client sent "Expect: 100-continue": the final reply when its route's
  // checks (Route::before_body: site checks, authentication, role, readiness, rate limit) refuse
  // it from the head, so that it gets that instead of a 100 Continue and its body is never read;
  // nullopt when the body is to be read (the rate limit then charged: the caller sets
  // Request::rate_charged on the request it dispatches). May read the store: not on the event
  // loop. REQUIRES: as RefuseFromHead.
  std::optional<Reply> RefuseBeforeBody(Request& req) const;

  // The JSON error reply for a request refused before it reached a route (400 malformed,
  // 408 deadline, 413 too large, 503 over a connection limit), counted as "unmatched".
  Reply Refuse(int http_status, const Status& st, const std::string& method,
               const std::string& request_id) const;

  // Splits a request target into a percent-decoded path and decoded query parameters ('+' is a
  // space in the query only), as the route handlers expect them. Returns 400 (kMalformed) when the
  // path or a query parameter has a '%' without two hex digits or the decoded path is not UTF-8
  // or holds a NUL, 422 naming each query parameter whose decoded name or value is not UTF-8 or
  // holds a NUL; *req is filled as far as it got.
  [[nodiscard]] static Status ParseTarget(std::string_view target, Request* req);

 private:
  // Handle without the headers every reply carries.
  Reply Answer(Request& req) const;
  struct Compiled {
    const Route* route;
    std::vector<std::string> segments;  // "" marks a {param} segment
    size_t resource = 0;                // index of the first route with the same segments
  };
  // The matching route for method + path (captures into req->path_params), or null. When the
  // path is served for other methods only (→ 405), *allow (if given) lists them for the Allow
  // header ("POST, OPTIONS"); else it is left empty.
  const Route* Match(Request* req, std::string* allow) const;
  bool ServeStatic(const Request& req, Reply* reply) const;
  // The page a browser gets for the web UI while the indexes load.
  Reply StartingPage() const;
  void AddCors(const Request& req, Reply* reply) const;

  const Config& config_;
  std::vector<Route> routes_;
  std::vector<Compiled> compiled_;
  Metrics* metrics_ = nullptr;
  std::filesystem::path web_dir_;  // empty when no built web UI is served
  std::string cors_origins_;       // ",a,b," or empty
  service::AuthOptions auth_;
  SitePolicy site_;
  const Readiness* readiness_ = nullptr;
};

}  // namespace exemplar::api
