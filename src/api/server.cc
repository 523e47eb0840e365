#include "api/server.h"

#include <httplib.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <chrono>
#include <filesystem>
#include <regex>
#include <fstream>
#include <sstream>

#include "api/metrics.h"
#include "api/routes.h"
#include "common/ids.h"

namespace exemplar::api {
namespace {

// "/api/v1/examples/{id}" → "/api/v1/examples/([^/]+)".
std::string PatternOf(const std::string& path) {
  std::string out;
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '{') {
      out += "([^/]+)";
      i = path.find('}', i);
    } else if (std::string(".+*?()[]^$|\\").find(path[i]) != std::string::npos) {
      out += '\\';
      out += path[i];
    } else {
      out += path[i];
    }
  }
  return out;
}

Request ToRequest(const httplib::Request& hr) {
  Request r;
  r.method = hr.method;
  r.path = hr.path;
  for (size_t i = 1; i < hr.matches.size(); ++i) r.path_params.push_back(hr.matches[i].str());
  for (const auto& [k, v] : hr.params) r.query.emplace(k, v);
  for (const auto& [k, v] : hr.headers) {
    std::string lower = k;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.headers[lower] = v;
  }
  r.body = hr.body;
  r.request_id = hr.get_header_value("X-Request-Id");
  r.remote_addr = hr.remote_addr;
  return r;
}

void WriteError(httplib::Response& res, const Status& st, const std::string& request_id) {
  res.status = HttpStatusOf(st.code());
  res.set_content(DumpJson(ErrorBody(st, request_id)), "application/json");
}

void WriteReply(httplib::Response& res, Reply& reply) {
  res.status = reply.status;
  for (const auto& [k, v] : reply.headers) res.set_header(k, v);
  if (reply.stream) {
    StreamFn stream = std::move(reply.stream);
    res.set_chunked_content_provider(reply.content_type,
                                     [stream](size_t, httplib::DataSink& sink) {
                                       stream([&](std::string_view chunk) {
                                         return sink.write(chunk.data(), chunk.size());
                                       });
                                       sink.done();
                                       return true;
                                     });
  } else if (reply.status == 204) {
    // No body.
  } else if (!reply.raw.empty() || reply.body.is_null()) {
    res.set_content(reply.raw, reply.content_type);
  } else {
    res.set_content(DumpJson(reply.body), reply.content_type);
  }
}

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

Server::Server(const Config& config, std::vector<Route> routes, Metrics* metrics)
    : config_(config), routes_(std::move(routes)), metrics_(metrics), http_(std::make_unique<httplib::Server>()) {
  Install();
}

Server::~Server() { Stop(); }

void Server::Install() {
  httplib::Server& svr = *http_;
  // Settings from reference/stack.md §1.3: without TCP_NODELAY every response stalls ~40 ms;
  // the pool must cover keep-alive clients plus open SSE streams.
  svr.set_tcp_nodelay(true);
  svr.set_keep_alive_max_count(100000);
  svr.set_keep_alive_timeout(2);
  // A slow-loris body is cut off (400) after read_timeout_s of silence; a client that stops
  // reading its response is dropped after write_timeout_s.
  svr.set_read_timeout(config_.read_timeout_s, 0);
  svr.set_write_timeout(config_.write_timeout_s, 0);
  svr.set_payload_max_length(static_cast<size_t>(config_.max_body_bytes));
  int threads = config_.threads;
  svr.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  // Plain SO_REUSEADDR: httplib's default SO_REUSEPORT lets a stale server share the port.
  svr.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, reinterpret_cast<const void*>(&yes), sizeof(yes));
  });

  svr.set_pre_routing_handler([](const httplib::Request& req, httplib::Response& res) {
    std::string id = req.get_header_value("X-Request-Id");
    // Request ids need uniqueness, not secrecy: NewUuid's per-thread PRNG, not RandomHex's OS
    // entropy (std::random_device measured ~40 µs per id here, a tenth of a search's budget).
    if (id.empty() || id.size() > 128) id = NewUuid();
    const_cast<httplib::Request&>(req).set_header("X-Request-Id", id);
    res.set_header("X-Request-Id", id);
    return httplib::Server::HandlerResponse::Unhandled;
  });

  std::filesystem::path web_dir = config_.web_dir;
  if (!web_dir.empty() && std::filesystem::exists(web_dir / "index.html")) {
    svr.set_mount_point("/", web_dir.string());
  }
  auto patterns = std::make_shared<std::vector<std::regex>>();
  for (const auto& r : routes_) patterns->emplace_back(PatternOf(r.path));
  if (!config_.cors_origins.empty()) {
    std::string origins = "," + config_.cors_origins + ",";
    auto allowed = [origins](const std::string& origin) {
      return !origin.empty() && (origins == ",*," || origins.find("," + origin + ",") != std::string::npos);
    };
    svr.set_post_routing_handler([allowed](const httplib::Request& req, httplib::Response& res) {
      std::string origin = req.get_header_value("Origin");
      if (allowed(origin)) {
        res.set_header("Access-Control-Allow-Origin", origin);
        res.set_header("Vary", "Origin");
      }
    });
    svr.Options(R"(/.*)", [allowed](const httplib::Request& req, httplib::Response& res) {
      std::string origin = req.get_header_value("Origin");
      res.status = 204;
      if (!allowed(origin)) return;
      res.set_header("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS");
      res.set_header("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Request-Id");
      res.set_header("Access-Control-Max-Age", "600");
    });
  }
  svr.set_error_handler([this, web_dir, patterns](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty() || res.is_chunked_content_provider_) return;
    // Requests that reached no route are counted here, with the status they finally get.
    struct Observe {
      Metrics* m;
      const httplib::Request& req;
      httplib::Response& res;
      std::string route = "unmatched";
      ~Observe() {
        if (m) m->Observe(req.method, route, res.status, 0);
      }
    } observe{metrics_, req, res};
    std::string rid = req.get_header_value("X-Request-Id");
    bool api = req.path.rfind("/api/", 0) == 0 || req.path == "/healthz" || req.path == "/readyz" ||
               req.path == "/metrics";
    if (res.status == 404 && req.method == "GET" && !api && !web_dir.empty() &&
        std::filesystem::exists(web_dir / "index.html")) {
      // Single-page app: deep links like /examples/<id> load the app, which routes client-side.
      res.status = 200;
      res.set_content(ReadFile(web_dir / "index.html"), "text/html; charset=utf-8");
      observe.route = "web_app";
      return;
    }
    if (res.status == 404) {
      bool other_method = false;
      for (const auto& re : *patterns) {
        if (std::regex_match(req.path, re)) other_method = true;
      }
      if (other_method) {
        res.status = 405;
        WriteError(res, Status(Code::kFailedPrecondition, "method " + req.method + " not allowed on " + req.path), rid);
        res.status = 405;
        return;
      }
      WriteError(res, Status::NotFound("no route for " + req.method + " " + req.path), rid);
      return;
    }
    if (res.status == 413) {
      WriteError(res, Status(Code::kTooLarge, "request body larger than " +
                                                  std::to_string(config_.max_body_bytes) + " bytes"),
                 rid);
      res.status = 413;
      return;
    }
    Status st = res.status == 400
                    ? Status::Malformed("malformed request, or its body stalled for " +
                                        std::to_string(config_.read_timeout_s) + " s (read_timeout_s)")
                    : Status(Code::kInternal, "request failed");
    int status = res.status;
    WriteError(res, st, rid);
    res.status = status;
  });
  svr.set_exception_handler([](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    std::string rid = req.get_header_value("X-Request-Id");
    spdlog::error("request {} {} {} failed: {}", rid, req.method, req.path, what);
    WriteError(res, Status::Internal(what), rid);
  });

  Json openapi = OpenApiDocument(routes_);
  for (auto& route : routes_) {
    if (!route.handler && route.path == "/api/v1/openapi.json") {
      std::string doc = DumpJson(openapi);
      route.handler = [doc](const Request&) -> Result<Reply> {
        Reply r;
        r.raw = doc;
        return r;
      };
    }
    Handler handler = route.handler;
    Metrics* metrics = metrics_;
    std::string route_path = route.path;
    auto fn = [handler, metrics, route_path](const httplib::Request& hreq, httplib::Response& res) {
      auto start = std::chrono::steady_clock::now();
      Request req = ToRequest(hreq);
      Result<Reply> reply = handler(req);
      struct Observe {
        Metrics* m;
        const std::string& method;
        const std::string& route;
        httplib::Response& res;
        std::chrono::steady_clock::time_point start;
        ~Observe() {
          if (m) m->Observe(method, route, res.status, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
        }
      } observe{metrics, hreq.method, route_path, res, start};
      if (!reply.ok()) {
        if (reply.status().code() == Code::kInternal) {
          spdlog::error("request {} {} {}: {}", req.request_id, req.method, req.path,
                        reply.status().ToString());
        }
        WriteError(res, reply.status(), req.request_id);
        return;
      }
      WriteReply(res, *reply);
    };
    std::string pattern = PatternOf(route.path);
    if (route.method == "GET") svr.Get(pattern, fn);
    else if (route.method == "POST") svr.Post(pattern, fn);
    else if (route.method == "PUT") svr.Put(pattern, fn);
    else if (route.method == "DELETE") svr.Delete(pattern, fn);
  }
}

Status Server::Bind() {
  if (config_.port == 0) {
    port_ = http_->bind_to_any_port(config_.host);
    if (port_ <= 0) return Status::Unavailable("cannot bind " + config_.host);
  } else {
    if (!http_->bind_to_port(config_.host, config_.port)) {
      return Status::Unavailable("cannot bind " + config_.host + ":" + std::to_string(config_.port) +
                                 " (in use?)");
    }
    port_ = config_.port;
  }
  return Status::Ok();
}

Status Server::Start() {
  EXEMPLAR_RETURN_IF_ERROR(Bind());
  thread_ = std::thread([this] { http_->listen_after_bind(); });
  return Status::Ok();
}

Status Server::Run() {
  EXEMPLAR_RETURN_IF_ERROR(Bind());
  spdlog::info("listening on http://{}:{}", config_.host, port_);
  http_->listen_after_bind();
  return Status::Ok();
}

void Server::Stop() {
  if (http_) http_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace exemplar::api
