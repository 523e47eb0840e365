// Server: serves the route table over HTTP/1.1 on an event loop (Boost.Beast over Asio): a few
// I/O threads own every socket, and request handlers run on a separate bounded worker pool
// (`threads`), so idle keep-alive connections, slow senders and open event streams cost a socket
// and a small buffer each, not a thread. Limits (each a config key): total connections,
// connections per client address, a deadline for the whole request head and body (408), an idle
// keep-alive timeout, the listen backlog, the number of open event streams (503 beyond) and the
// request bodies held in memory at once (503 beyond). A body a caller without credentials sends
// to a route that needs them is not read at all (401 from the head). Routing, static files, CORS
// and error rendering live in Dispatcher.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "api/http.h"
#include "common/config.h"
#include "service/auth/auth.h"

namespace exemplar::api {

class Server {
 public:
  // `auth`: how the routes authenticate (service::Auth::options()), so that a request without
  // credentials is refused before its body is read. `metrics` (optional) receives every request's
  // method, route, status and latency.
  // `readiness` (optional) shows the web UI a "starting" page until it is ready (Dispatcher).
  Server(const Config& config, std::vector<Route> routes, const service::AuthOptions& auth,
         class Metrics* metrics = nullptr, const class Readiness* readiness = nullptr);
  ~Server();  // Stop()

  // Binds (port 0 = any free port; SO_REUSEADDR only, never SO_REUSEPORT) and serves on
  // background threads. The port accepts connections when Start returns.
  Status Start();
  // Waits up to a second for open event streams to end (once their source closed them they
  // write their last events), then stops accepting, closes every connection (streams still open
  // are cut) and joins all threads.
  void Stop();
  int port() const { return port_; }

 private:
  struct Impl;
  const Config& config_;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

}  // namespace exemplar::api
