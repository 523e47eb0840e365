#include "api/dispatcher.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>

#include "api/metrics.h"
#include "api/openapi.h"
#include "api/routes.h"
#include "common/request_log.h"
#include "common/utf8.h"

namespace exemplar::api {
namespace {

// No page of this server may be framed by another site (clickjacking: an admin's UI, a loopback
// server acting as admin, or a proxy's signed-in user, under another site's buttons), and no
// response is sniffed as another type than it says. Every reply, refusals included.
void AddPageHeaders(Reply& reply) {
  reply.headers["X-Frame-Options"] = "DENY";
  reply.headers["Content-Security-Policy"] = "frame-ancestors 'none'";
  reply.headers["X-Content-Type-Options"] = "nosniff";
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes `s`. A '%' without two hex digits is kept as is and, when `malformed` is
// given, sets it.
std::string Decode(std::string_view s, bool plus_is_space, bool* malformed = nullptr) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 && HexValue(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2])));
      i += 2;
    } else if (s[i] == '%' && malformed != nullptr) {
      *malformed = true;
      out.push_back(s[i]);
    } else if (plus_is_space && s[i] == '+') {
      out.push_back(' ');
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// The segments of `path` as views into it, without allocating (up to kMaxSegments; a longer path
// matches no route). Returns the count.
constexpr size_t kMaxSegments = 16;
size_t SplitViews(std::string_view path, std::string_view (&parts)[kMaxSegments]) {
  size_t n = 0;
  size_t start = 1;  // paths start with '/'
  while (n < kMaxSegments) {
    const size_t slash = path.find('/', start);
    parts[n++] = path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (slash == std::string_view::npos) return n;
    start = slash + 1;
  }
  return kMaxSegments + 1;
}

std::vector<std::string> Split(std::string_view path) {
  std::vector<std::string> parts;
  size_t start = 1;  // paths start with '/'
  while (true) {
    size_t slash = path.find('/', start);
    parts.emplace_back(path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return parts;
}

// A path that stays inside the web directory: one leading '/', then names that are not empty,
// "." or ".." (an empty one, as in "//etc/passwd", would make the rest an absolute path that
// replaces the web directory when joined), no backslashes, no NUL. A trailing '/' is allowed.
bool IsSafeStaticPath(const std::string& path) {
  if (path.empty() || path[0] != '/' || path.find('\\') != std::string::npos ||
      path.find('\0') != std::string::npos) {
    return false;
  }
  size_t start = 1;
  while (start < path.size()) {
    const size_t end = std::min(path.find('/', start), path.size());
    const std::string_view part(path.data() + start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    start = end + 1;
  }
  return true;
}

std::string ContentTypeOf(const std::filesystem::path& p) {
  static const std::map<std::string, std::string> kTypes = {
      {".html", "text/html"},          {".htm", "text/html"},        {".js", "text/javascript"},
      {".mjs", "text/javascript"},     {".css", "text/css"},         {".json", "application/json"},
      {".map", "application/json"},    {".svg", "image/svg+xml"},    {".png", "image/png"},
      {".jpg", "image/jpeg"},          {".jpeg", "image/jpeg"},      {".gif", "image/gif"},
      {".webp", "image/webp"},         {".ico", "image/x-icon"},     {".txt", "text/plain"},
      {".csv", "text/csv"},            {".woff", "font/woff"},       {".woff2", "font/woff2"},
      {".ttf", "font/ttf"},            {".otf", "font/otf"},         {".wasm", "application/wasm"},
      {".xml", "application/xml"},     {".pdf", "application/pdf"},
  };
  auto it = kTypes.find(p.extension().string());
  return it == kTypes.end() ? "application/octet-stream" : it->second;
}

bool ReadFile(const std::filesystem::path& p, std::string* out) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

Reply ErrorReply(int http_status, const Status& st, const std::string& request_id) {
  Reply r{http_status, ErrorBody(st, request_id)};
  // RFC 9110 §11.6.1: a 401 names the scheme that would be accepted.
  if (http_status == 401) r.headers["WWW-Authenticate"] = "Bearer realm=\"exemplar\"";
  return r;
}

// A path that names a file of the build, not a page of the app: under /assets/ or with a file
// extension in its last segment. A missing one is a 404 — answered with index.html, a stale
// page's script would get HTML with status 200. The app's own paths are words and UUIDs.
bool LooksLikeFile(const std::string& path) {
  const std::string last = path.substr(path.rfind('/') + 1);
  const size_t dot = last.rfind('.');
  return path.rfind("/assets/", 0) == 0 || (dot != std::string::npos && dot > 0 && dot + 1 < last.size());
}

bool IsApiPath(const std::string& path) {
  return path.rfind("/api/", 0) == 0 || path == "/healthz" || path == "/readyz" || path == "/metrics";
}

}  // namespace

Dispatcher::Dispatcher(const Config& config, std::vector<Route> routes, Metrics* metrics, service::AuthOptions auth,
                       const Readiness* readiness)
    : config_(config), routes_(std::move(routes)), metrics_(metrics), auth_(std::move(auth)),
      site_(SitePolicy::FromConfig(config)), readiness_(readiness) {
  std::string openapi = DumpJson(OpenApiDocument(routes_));
  for (auto& route : routes_) {
    if (!route.handler && route.path == "/api/v1/openapi.json") {
      route.handler = GuardPublicRoute(config_, route, [openapi](const Request&) -> Result<Reply> {
        Reply r;
        r.raw = openapi;
        return r;
      });
    }
  }
  for (const auto& route : routes_) {
    Compiled c{&route, Split(route.path)};
    for (auto& seg : c.segments) {
      if (seg.size() >= 2 && seg.front() == '{' && seg.back() == '}') seg.clear();
    }
    c.resource = compiled_.size();
    for (size_t i = 0; i < compiled_.size(); ++i) {
      if (compiled_[i].segments == c.segments) {
        c.resource = i;
        break;
      }
    }
    compiled_.push_back(std::move(c));
  }
  if (!config_.web_dir.empty() && std::filesystem::exists(std::filesystem::path(config_.web_dir) / "index.html")) {
    web_dir_ = config_.web_dir;
  }
  if (!config_.cors_origins.empty()) cors_origins_ = "," + config_.cors_origins + ",";
}

Status Dispatcher::ParseTarget(std::string_view target, Request* req) {
  size_t q = target.find('?');
  // The path is held to the query's rules: a '%' without two hex digits is malformed (400), and a
  // path that decodes to NUL or to text that is not UTF-8 names nothing the API has (404 would hide
  // the encoding mistake; 400 says it).
  bool bad_path = false;
  req->path = Decode(target.substr(0, q), false, &bad_path);
  if (bad_path) {
    return Status::Malformed("the path has a '%' not followed by two hex digits; write a literal '%' as %25");
  }
  if (!IsUtf8(req->path) || req->path.find('\0') != std::string::npos) {
    return Status::Malformed("the path must be UTF-8 text without NUL (U+0000) once percent-decoded");
  }
  if (q == std::string_view::npos) return Status::Ok();
  std::string_view query = target.substr(q + 1);
  Status malformed = Status::Ok();
  Validation v;
  // A name is shown as sent (percent-encoded) when it is the name that is wrong.
  auto shown = [](std::string_view raw) { return std::string(raw.substr(0, 200)); };
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      const std::string_view raw_key = pair.substr(0, eq);
      bool bad_key = false, bad_value = false;
      std::string key = Decode(raw_key, true, &bad_key);
      std::string value = eq == std::string_view::npos ? "" : Decode(pair.substr(eq + 1), true, &bad_value);
      if ((bad_key || bad_value) && malformed.ok()) {
        malformed = Status::Malformed("query parameter '" + shown(raw_key) + "' has a '%' not followed by two hex " +
                                      "digits; write a literal '%' as %25");
      }
      // The string policy of JSON bodies (ParseJsonBody) holds for query parameters too: text is
      // UTF-8 without NUL.
      if (!IsUtf8(key) || key.find('\0') != std::string::npos) {
        v.Add({"query", shown(raw_key)}, "parameter name must be UTF-8 text without NUL (U+0000)", "value_error.text");
      } else if (!IsUtf8(value)) {
        v.Add({"query", key}, "must be valid UTF-8 once percent-decoded", "value_error.text");
      } else if (value.find('\0') != std::string::npos) {
        v.Add({"query", key}, "must not contain NUL (U+0000)", "value_error.nul");
      }
      req->query.emplace(std::move(key), std::move(value));
    }
    if (amp == std::string_view::npos) break;
    query = query.substr(amp + 1);
  }
  if (!malformed.ok()) return malformed;
  return v.ToStatus();
}

const Route* Dispatcher::Match(Request* req, std::string* allow) const {
  if (allow) allow->clear();
  if (req->path.empty() || req->path[0] != '/') return nullptr;
  std::string_view parts[kMaxSegments];
  const size_t count = SplitViews(req->path, parts);
  // The path's resource is its most specific matching template: at the first segment where two
  // templates differ, a literal beats a {param} (so /examples/search is not /examples/{id}). The
  // method is chosen among that template's routes only, and the others make the 405's Allow.
  const Compiled* best = nullptr;
  for (const auto& c : compiled_) {
    if (c.segments.size() != count) continue;
    bool match = true;
    for (size_t i = 0; i < count && match; ++i) {
      // A {param} matches one non-empty segment, as the old "([^/]+)" patterns did.
      match = c.segments[i].empty() ? !parts[i].empty() : c.segments[i] == parts[i];
    }
    if (!match) continue;
    if (best == nullptr) {
      best = &c;
      continue;
    }
    for (size_t i = 0; i < count; ++i) {
      const bool literal = !c.segments[i].empty(), best_literal = !best->segments[i].empty();
      if (literal != best_literal) {
        if (literal) best = &c;
        break;
      }
    }
  }
  if (best == nullptr) return nullptr;
  const std::string_view method = req->method == "HEAD" ? std::string_view("GET") : std::string_view(req->method);
  for (const auto& c : compiled_) {
    if (c.resource != best->resource || c.route->method != method) continue;
    req->path_params.clear();
    for (size_t i = 0; i < count; ++i) {
      if (best->segments[i].empty()) req->path_params.emplace_back(parts[i]);
    }
    return c.route;
  }
  if (allow) {  // the path is served for other methods only: they make the 405's Allow
    std::vector<std::string> methods;
    for (const auto& c : compiled_) {
      if (c.resource != best->resource) continue;
      if (std::find(methods.begin(), methods.end(), c.route->method) == methods.end()) methods.push_back(c.route->method);
    }
    // HEAD is answered wherever GET is, and OPTIONS on every path.
    if (std::find(methods.begin(), methods.end(), "GET") != methods.end()) methods.push_back("HEAD");
    methods.push_back("OPTIONS");
    for (const auto& m : methods) *allow += (allow->empty() ? "" : ", ") + m;
  }
  return nullptr;
}

bool Dispatcher::ServeStatic(const Request& req, Reply* reply) const {
  if (web_dir_.empty() || (req.method != "GET" && req.method != "HEAD") || IsApiPath(req.path) ||
      !IsSafeStaticPath(req.path)) {
    return false;
  }
  std::string rel = req.path.substr(1);
  if (rel.empty() || rel.back() == '/') rel += "index.html";
  std::filesystem::path file = web_dir_ / rel;
  std::error_code ec;
  // A folder of the build (docs/ holds the API reference page) serves its index.html.
  if (std::filesystem::is_directory(file, ec)) file /= "index.html";
  if (!std::filesystem::is_regular_file(file, ec)) return false;
  // And, whatever the path's spelling or a link in the build, only a file inside the web
  // directory is served.
  std::error_code root_ec, real_ec;
  const auto root = std::filesystem::weakly_canonical(web_dir_, root_ec);
  const auto real = std::filesystem::weakly_canonical(file, real_ec);
  if (root_ec || real_ec || std::mismatch(root.begin(), root.end(), real.begin(), real.end()).first != root.end()) {
    return false;
  }
  if (!ReadFile(file, &reply->raw)) return false;
  reply->status = 200;
  reply->content_type = ContentTypeOf(file);
  // Vite names built assets by content hash: they never change, so browsers may keep them; the
  // page that names them must always be revalidated.
  reply->headers["Cache-Control"] =
      rel.rfind("assets/", 0) == 0 ? "public, max-age=31536000, immutable" : "no-cache";
  return true;
}

Reply Dispatcher::StartingPage() const {
  // Public like the app's pages: the store's size only where the API would tell anyone.
  const std::string status = readiness_->Describe(!auth_.required);
  Reply reply;
  reply.status = 503;
  reply.content_type = "text/html; charset=utf-8";
  reply.raw = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
              "<meta http-equiv=\"refresh\" content=\"" + std::to_string(Readiness::kRetryAfterSeconds) +
              "\"><title>Exemplar is starting</title></head>\n<body><h1>Exemplar is starting</h1><p>" + status +
              ". This page reloads by itself until the server is ready.</p></body></html>\n";
  reply.headers["Retry-After"] = std::to_string(Readiness::kRetryAfterSeconds);
  reply.headers["Cache-Control"] = "no-store";
  return reply;
}

void Dispatcher::AddCors(const Request& req, Reply* reply) const {
  if (cors_origins_.empty()) return;
  std::string origin = req.Header("origin");
  bool allowed = !origin.empty() &&
                 (cors_origins_ == ",*," || cors_origins_.find("," + origin + ",") != std::string::npos);
  if (!allowed) return;
  reply->headers["Access-Control-Allow-Origin"] = origin;
  reply->headers["Vary"] = "Origin";
  // Response headers a cross-origin page may read besides the CORS-safelisted ones: the ETag to
  // send back in If-Match, how long to wait after a 429 / 503, and the id to quote in a report.
  reply->headers["Access-Control-Expose-Headers"] = "ETag, Retry-After, X-Request-Id";
  if (req.method == "OPTIONS") {
    reply->headers["Access-Control-Allow-Methods"] = "GET, POST, PUT, DELETE, OPTIONS";
    // Request headers a page may send besides the safelisted ones: the conditional headers
    // (If-Match guards writes; If-None-Match is what a cache revalidates with) and an event
    // stream's resume point (Last-Event-ID).
    reply->headers["Access-Control-Allow-Headers"] =
        "Authorization, Content-Type, X-Request-Id, If-Match, If-None-Match, Last-Event-ID";
    reply->headers["Access-Control-Max-Age"] = "600";
  }
}

std::optional<Reply> Dispatcher::RefuseFromHead(Request& req) const {
  if (!auth_.required || req.method == "OPTIONS") return std::nullopt;
  // What the routes' guard would refuse from the headers alone (service::Auth reads them the same way).
  Status credentials = service::RefusalFromHeaders(auth_, req.Header("authorization"), req.Header("x-forwarded-email"),
                                                   req.remote_addr);
  if (credentials.ok()) return std::nullopt;
  std::string allow;
  const Route* route = Match(&req, &allow);
  if (route == nullptr || !route->handler) return Handle(req);  // 404 / 405 / the web app: no body needed
  if (route->min_role == 0) return std::nullopt;               // public: read as usual
  // The order of the routes' own wrappers (routes.cc): site checks, then authentication.
  Status refused = CheckHost(req, site_);
  if (refused.ok()) refused = CheckCrossSite(req, site_);
  if (refused.ok()) refused = credentials;
  if (metrics_) metrics_->Observe(req.method, route->path, HttpStatusOf(refused.code()), 0);
  Reply reply = ErrorReply(HttpStatusOf(refused.code()), refused, req.request_id);
  AddPageHeaders(reply);
  AddCors(req, &reply);
  return reply;
}

std::optional<Reply> Dispatcher::RefuseBeforeBody(Request& req) const {
  if (req.method == "OPTIONS") return std::nullopt;
  const Route* route = Match(&req, nullptr);
  if (route == nullptr || !route->before_body) return std::nullopt;
  Result<Reply> checked = Status::Internal("request failed");
  try {
    checked = route->before_body(req);
  } catch (const std::exception& e) {
    spdlog::error("request {} {} {} failed: {}", req.request_id, req.method, req.path, e.what());
    checked = Status::Internal(e.what());
  }
  if (checked.ok() && checked->status == 100) return std::nullopt;
  Reply reply = checked.ok() ? std::move(checked).value()
                             : ErrorReply(HttpStatusOf(checked.status().code()), checked.status(), req.request_id);
  if (metrics_) metrics_->Observe(req.method, route->path, reply.status, 0);
  AddPageHeaders(reply);
  AddCors(req, &reply);
  return reply;
}

Reply Dispatcher::Refuse(int http_status, const Status& st, const std::string& method,
                         const std::string& request_id) const {
  if (metrics_) metrics_->Observe(method, "unmatched", http_status, 0);
  Reply reply = ErrorReply(http_status, st, request_id);
  AddPageHeaders(reply);
  return reply;
}

bool Dispatcher::Quick(Request& req) const {
  req.route = Match(&req, nullptr);
  req.on_loop = req.route != nullptr && req.route->quick && req.route->handler &&
                (!req.route->quick_if || req.route->quick_if(req));
  return req.on_loop;
}

Reply Dispatcher::Handle(Request& req) const {
  Reply reply = Answer(req);
  AddPageHeaders(reply);
  return reply;
}

Reply Dispatcher::Answer(Request& req) const {
  Reply reply;
  if (req.method == "OPTIONS") {
    // Any path: 204 with the methods the server speaks; a CORS preflight also gets the allow
    // headers when its origin is allowed.
    reply = Reply::NoContent();
    reply.headers["Allow"] = "GET, POST, PUT, DELETE, OPTIONS";
    if (!cors_origins_.empty()) AddCors(req, &reply);
    return reply;
  }
  if (readiness_ != nullptr && !readiness_->ready() && !web_dir_.empty() &&
      (req.method == "GET" || req.method == "HEAD") && !IsApiPath(req.path) && !LooksLikeFile(req.path)) {
    // A page of the app while the indexes load: the app would load and every call it makes fail.
    // Its files (/assets/…) are served as usual.
    reply = StartingPage();
    if (metrics_) metrics_->Observe(req.method, "web_app", reply.status, 0);
    AddCors(req, &reply);
    return reply;
  }
  if (ServeStatic(req, &reply)) {
    AddCors(req, &reply);
    return reply;
  }
  std::string allow;  // the path's methods when it is served for other methods only (→ 405)
  const Route* route = req.route != nullptr ? req.route : Match(&req, &allow);
  const bool other_method = !allow.empty();
  if (!route || !route->handler) {
    std::string observed = "unmatched";
    if (req.method == "GET" && !web_dir_.empty() && !IsApiPath(req.path) && !other_method &&
        !LooksLikeFile(req.path)) {
      // Single-page app: deep links like /examples/<id> load the app, which routes client-side.
      reply = Reply{};
      if (ReadFile(web_dir_ / "index.html", &reply.raw)) {
        reply.content_type = "text/html; charset=utf-8";
        reply.headers["Cache-Control"] = "no-cache";
        observed = "web_app";
      } else {
        reply = ErrorReply(500, Status::Internal("cannot read index.html"), req.request_id);
      }
    } else if (other_method) {
      reply = ErrorReply(405, Status(Code::kMethodNotAllowed, "method " + req.method + " not allowed on " + req.path +
                                                                  "; it allows " + allow),
                         req.request_id);
      reply.headers["Allow"] = allow;  // RFC 9110 §15.5.6: a 405 lists the methods the resource has
    } else if (!web_dir_.empty() && !IsApiPath(req.path) && LooksLikeFile(req.path)) {
      reply = ErrorReply(404, Status::NotFound("no file " + req.path + " in the web build"), req.request_id);
    } else {
      reply = ErrorReply(404, Status::NotFound("no route for " + req.method + " " + req.path), req.request_id);
    }
    if (metrics_) metrics_->Observe(req.method, observed, reply.status, 0);
    AddCors(req, &reply);
    return reply;
  }

  auto start = std::chrono::steady_clock::now();
  Result<Reply> result = Status::Internal("request failed");
  RequestLogScope log_scope(req.request_id);
  try {
    result = route->handler(req);
  } catch (const std::exception& e) {
    spdlog::error("request {} {} {} failed: {}", req.request_id, req.method, req.path, e.what());
    result = Status::Internal(e.what());
  } catch (...) {
    spdlog::error("request {} {} {} failed: unknown exception", req.request_id, req.method, req.path);
    result = Status::Internal("unknown exception");
  }
  if (result.ok()) {
    reply = std::move(result).value();
  } else {
    if (result.status().code() == Code::kInternal) {
      spdlog::error("request {} {} {}: {}", req.request_id, req.method, req.path, result.status().ToString());
    }
    reply = ErrorReply(HttpStatusOf(result.status().code()), result.status(), req.request_id);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (metrics_) metrics_->Observe(req.method, route->path, reply.status, seconds);
  // The access log: every request at debug, a 5xx at warn, each with the id its reply carries.
  spdlog::log(reply.status >= 500 ? spdlog::level::warn : spdlog::level::debug, "request {} {} {} {} {} {:.2f} ms",
              req.request_id, req.remote_addr.empty() ? "-" : req.remote_addr, req.method, route->path, reply.status,
              seconds * 1000);
  AddCors(req, &reply);
  return reply;
}

}  // namespace exemplar::api
