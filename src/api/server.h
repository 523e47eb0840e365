// Server: serves the route table over HTTP (cpp-httplib), the web UI's static files with a
// single-page-app fallback, and renders every error as JSON.
#pragma once

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "api/http.h"
#include "common/config.h"

namespace httplib {
class Server;
}

namespace exemplar::api {

class Server {
 public:
  // `metrics` (optional) receives every request's method, route, status and latency.
  Server(const Config& config, std::vector<Route> routes, class Metrics* metrics = nullptr);
  ~Server();

  // Binds (port 0 = any free port) and starts serving on a background thread.
  Status Start();
  // Serves on the calling thread until Stop(). REQUIRES: not started.
  Status Run();
  void Stop();
  int port() const { return port_; }

 private:
  Status Bind();
  void Install();

  const Config& config_;
  std::vector<Route> routes_;
  Metrics* metrics_ = nullptr;
  std::unique_ptr<httplib::Server> http_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace exemplar::api
