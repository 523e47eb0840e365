#include "api/server.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <thread>

#include "api/connection.h"
#include "api/dispatcher.h"
#include "api/worker_pool.h"

namespace exemplar::api {
namespace {

// How long Stop() lets ended event streams write their last events: they need one wake and a
// write each, so a second is plenty; a stream still open then belongs to a client not reading.
constexpr std::chrono::seconds kStreamDrain{1};

}  // namespace

struct Server::Impl {
  Impl(const Config& config, std::vector<Route> routes, const service::AuthOptions& auth, Metrics* metrics,
       const Readiness* readiness)
      : config(config), dispatcher(config, std::move(routes), metrics, auth, readiness), workers(config.threads),
        core(config, dispatcher, workers) {
    int n = config.io_threads > 0 ? config.io_threads
                                  : static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 4u));
    // Concurrency hint 1: each loop is run by exactly one thread (others only post to it).
    for (int i = 0; i < n; ++i) loops.push_back(std::make_unique<net::io_context>(1));
  }

  void Accept();
  void OnAccept(beast::error_code ec, tcp::socket socket);
  // Answers a connection over a limit with a 503 and closes it, without reading its request.
  void Reject(tcp::socket& socket, const std::string& why);

  const Config& config;
  Dispatcher dispatcher;
  WorkerPool workers;
  ServerCore core;
  // One event loop per I/O thread, each run by its own thread. A connection lives on one loop for
  // its whole life, so its handlers never run concurrently and need no strand; the loops share no
  // scheduler, so a request wakes no other thread. The acceptor lives on the first loop.
  std::vector<std::unique_ptr<net::io_context>> loops;
  std::vector<net::executor_work_guard<net::io_context::executor_type>> guards;
  size_t next_loop = 0;
  std::optional<tcp::acceptor> acceptor;
  std::optional<net::steady_timer> backoff;
  std::vector<std::thread> io_threads;
};

void Server::Impl::Accept() {
  // Connections are dealt to the loops in turn.
  net::io_context& loop = *loops[next_loop++ % loops.size()];
  acceptor->async_accept(loop, [this](beast::error_code ec, tcp::socket socket) {
    OnAccept(ec, std::move(socket));
  });
}

void Server::Impl::OnAccept(beast::error_code ec, tcp::socket socket) {
  if (ec == net::error::operation_aborted || !acceptor->is_open()) return;
  if (ec) {
    // Out of file descriptors (or similar): pause accepting briefly instead of spinning; pending
    // connections wait in the backlog.
    spdlog::warn("accept failed: {}", ec.message());
    backoff->expires_after(std::chrono::milliseconds(50));
    backoff->async_wait([this](beast::error_code wait_ec) {
      if (!wait_ec) Accept();
    });
    return;
  }
  beast::error_code opt_ec;
  // Without TCP_NODELAY a small response waits ~40 ms for the delayed ACK (reference/stack.md §1.3).
  socket.set_option(tcp::no_delay(true), opt_ec);
  auto endpoint = socket.remote_endpoint(opt_ec);
  if (opt_ec) {
    Accept();  // the client already left
    return;
  }
  std::string address = endpoint.address().to_string();
  if (core.connections.load() >= config.max_connections) {
    Reject(socket, std::to_string(config.max_connections) + " connections are open (max_connections)");
  } else if (!core.AdmitAddress(address)) {
    Reject(socket, std::to_string(config.max_connections_per_ip) + " connections from " + address +
                       " are open (max_connections_per_ip)");
  } else {
    core.connections.fetch_add(1);
    std::make_shared<Connection>(std::move(socket), core, std::move(address))->Start();
  }
  Accept();
}

void Server::Impl::Reject(tcp::socket& socket, const std::string& why) {
  Reply reply = dispatcher.Refuse(503, Status::Unavailable("server busy: " + why + "; retry later"), "UNKNOWN", "");
  std::string body = DumpJson(reply.body);
  std::string response = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\n"
                         "Connection: close\r\nContent-Length: " +
                         std::to_string(body.size()) + "\r\n\r\n" + body;
  beast::error_code ec;
  socket.non_blocking(true, ec);
  // A fresh socket's send buffer is empty, so this small write completes or fails at once.
  socket.send(net::buffer(response), 0, ec);
  socket.shutdown(tcp::socket::shutdown_send, ec);
  socket.close(ec);
}

Server::Server(const Config& config, std::vector<Route> routes, const service::AuthOptions& auth, Metrics* metrics,
               const Readiness* readiness)
    : config_(config), impl_(std::make_unique<Impl>(config, std::move(routes), auth, metrics, readiness)) {}

Server::~Server() { Stop(); }

Status Server::Start() {
  Impl& s = *impl_;
  try {
    beast::error_code parse_ec;
    tcp::endpoint endpoint(net::ip::make_address(config_.host, parse_ec), static_cast<unsigned short>(config_.port));
    if (parse_ec) {  // a host name: its first address
      tcp::resolver resolver(*s.loops.front());
      endpoint = resolver.resolve(config_.host, std::to_string(config_.port))->endpoint();
    }
    s.acceptor.emplace(*s.loops.front());
    s.acceptor->open(endpoint.protocol());
    // Plain SO_REUSEADDR (restart while old connections sit in TIME_WAIT); no SO_REUSEPORT, so a
    // second server cannot silently share the port.
    s.acceptor->set_option(tcp::acceptor::reuse_address(true));
    s.acceptor->bind(endpoint);
    s.acceptor->listen(config_.listen_backlog);
    port_ = s.acceptor->local_endpoint().port();
  } catch (const std::exception& e) {
    s.acceptor.reset();
    return Status::Unavailable("cannot bind " + config_.host + ":" + std::to_string(config_.port) + " (" +
                               e.what() + ")");
  }
  s.backoff.emplace(*s.loops.front());
  for (auto& loop : s.loops) s.guards.push_back(net::make_work_guard(*loop));
  s.Accept();
  for (auto& loop : s.loops) s.io_threads.emplace_back([l = loop.get()] { l->run(); });
  return Status::Ok();
}

void Server::Stop() {
  if (!impl_) return;
  Impl& s = *impl_;
  // Event streams whose source has ended them (Runs::Stop at shutdown publishes why each run
  // stops, then closes every stream) write their last events before the loops stop, so a client
  // learns why its stream ends. A stream still open past the wait is cut as before.
  const auto drain_until = std::chrono::steady_clock::now() + kStreamDrain;
  while (s.core.OpenStreams() > 0 && std::chrono::steady_clock::now() < drain_until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  s.guards.clear();
  for (auto& loop : s.loops) loop->stop();
  for (auto& t : s.io_threads) t.join();
  s.io_threads.clear();
  // Handlers in flight finish; their replies are queued on the stopped loop and dropped below.
  s.workers.Stop();
  s.core.CloseGate();
  beast::error_code ec;
  if (s.acceptor) s.acceptor->close(ec);
  s.acceptor.reset();
  s.backoff.reset();
  // Destroying the loop's queued handlers releases every connection, closing its socket.
  impl_.reset();
}

}  // namespace exemplar::api
