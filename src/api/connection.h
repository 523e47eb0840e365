// Connection: one HTTP/1.1 client connection on the event loop (Boost.Beast over Asio). Reading,
// writing and waiting are asynchronous; only the handler itself (and each piece of a streamed
// body) runs on the worker pool. So an idle keep-alive connection, a slow sender or an open event
// stream costs a socket, a timer and a small buffer — never a thread. Internal to src/api.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <memory>
#include <map>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "api/dispatcher.h"
#include "api/worker_pool.h"
#include "common/config.h"

namespace exemplar::api {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

// What connections share with the server: configuration, the dispatcher, the worker pool and the
// counters behind the connection limits. Thread-safe.
class ServerCore {
 public:
  ServerCore(const Config& config, Dispatcher& dispatcher, WorkerPool& workers)
      : config(config), dispatcher(dispatcher), workers(workers) {}

  const Config& config;
  Dispatcher& dispatcher;
  WorkerPool& workers;
  std::atomic<int> connections{0};

  // Counts a connection from `address`; false (nothing counted) when the address is at
  // max_connections_per_ip.
  bool AdmitAddress(const std::string& address);
  void ReleaseAddress(const std::string& address);
  // Counts an event stream of a client at `address`: kFull (nothing counted) when
  // max_event_streams are open, kOverShare when the address already holds three quarters of them
  // (one client cannot take every stream slot).
  enum class StreamAdmission { kAdmitted, kFull, kOverShare };
  StreamAdmission AdmitStream(const std::string& address);
  void ReleaseStream(const std::string& address);
  int OpenStreams();
  // Request bodies held in memory at once, server-wide: a body being read or handled holds its
  // size until its handler has returned. Beyond max_buffered_body_bytes (or max_body_bytes, if
  // larger: one largest body always fits) HoldBodyBytes holds nothing and returns false.
  bool HoldBodyBytes(int64_t bytes);
  void ReleaseBodyBytes(int64_t bytes) { body_bytes_.fetch_sub(bytes); }

  // Posts `fn` to `ex` unless the server is shutting down. Stream wakers call this from any
  // thread at any time, possibly while the event loop is being torn down.
  template <class Executor, class Fn>
  void PostIfOpen(const Executor& ex, Fn&& fn) {
    std::shared_lock lock(gate_);
    if (open_) net::post(ex, std::forward<Fn>(fn));
  }
  void CloseGate() {
    std::unique_lock lock(gate_);
    open_ = false;
  }

 private:
  std::mutex mu_;
  std::unordered_map<std::string, int> per_address_;  // GUARDED_BY(mu_)
  int event_streams_ = 0;                              // GUARDED_BY(mu_)
  std::unordered_map<std::string, int> streams_per_address_;  // GUARDED_BY(mu_)
  std::shared_mutex gate_;
  bool open_ = true;  // GUARDED_BY(gate_)
  std::atomic<int64_t> body_bytes_{0};
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // REQUIRES: the socket's executor is an event loop run by one thread; the connection was counted in core.connections
  // and core.AdmitAddress(address) (released when it is destroyed).
  Connection(tcp::socket socket, ServerCore& core, std::string address);
  ~Connection();

  void Start();

 private:
  // What the connection is doing, and so what its one timer means when it fires.
  enum class Phase {
    kIdle,        // waiting for a request's first byte (keep_alive_timeout_s → close)
    kReading,     // reading head and body (request_timeout_s → 408)
    kHandling,    // a worker runs the handler or produces the next piece of a stream
    kWriting,     // writing a response or a piece (write_timeout_s → close)
    kStreamWait,  // a stream has nothing to send yet (its poll interval → ask again)
    kLingering,   // a refused body is discarded after the reply (kLingerTime → close)
    kClosed,
  };

  // A read buffer or piece buffer above this size is released between uses, so an idle
  // connection keeps little memory.
  static constexpr size_t kIdleBufferBytes = 16 * 1024;
  static std::chrono::seconds Seconds(int s) { return std::chrono::seconds(s); }

  void AwaitRequest();
  void ReadHeader();
  void OnHeader(beast::error_code ec);
  // A client that sent "Expect: 100-continue" waits for the 100 before its body: the route's
  // checks that need no body (Dispatcher::RefuseBeforeBody) run first, on a worker, then
  // ContinueOrRefuse sends the 100 and reads the body, or the final refusal without reading it.
  void CheckBeforeContinue(Request head);
  void ContinueOrRefuse(std::optional<Reply> refused);
  void ReadBody();
  void OnBody(beast::error_code ec);
  // After a refusal whose body may still be arriving: stops writing, discards what comes (up to a
  // bound in bytes and time), then closes.
  void Linger();
  void Discard(uint64_t remaining);
  void Refuse(int http_status, const Status& st);
  // Answers from the head a request whose body is not read (its reply does not depend on it, or
  // the server will not hold it): drops what arrived of it, replies, then lingers and closes.
  void RefuseBody(Reply reply);
  // The 503 (Retry-After: 1) of a body the cap on buffered bodies refuses.
  Reply BodiesBusy() const;
  // Counts the body read so far (`total` bytes) against the server's cap on buffered bodies;
  // false when the cap refuses it. A body no larger than a request head may be is not counted.
  bool HoldBody(uint64_t total);
  // Gives the held bytes back, once the body is no longer held.
  void ReleaseBody();
  // The request as handlers see it, from the parsed head (the body is the caller's to add):
  // the target's parse error (400 / 422) when it has one.
  Status HeadRequest(Request* req) const;
  void Dispatch();
  void Respond(Request& req);
  // The response as bytes on the wire (status line, headers, Content-Length, body).
  std::string Serialize(const Reply& reply) const;
  void Send(Reply reply);
  void WriteBytes(std::shared_ptr<std::string> bytes, size_t offset);
  void OnWritten(beast::error_code ec);
  void StartStream(Reply reply);
  void PullNext();
  void OnStep(BodyStream::Step step, std::string piece);
  void WatchDisconnect();
  void Wake();
  void Arm(std::chrono::steady_clock::duration d, Phase phase);
  void Disarm();
  void OnTimer();
  void Close();

  ServerCore& core_;
  std::string address_;
  tcp::socket socket_;
  net::steady_timer timer_;
  // Atomic: a timer handler that fired just before Disarm may read it on its loop while a worker
  // re-arms the timer after sending a reply (Dispatch).
  std::atomic<uint64_t> timer_generation_{0};
  Phase phase_ = Phase::kIdle;
  bool timed_out_ = false;
  bool linger_ = false;  // linger after the reply being written (it refuses a body)
  bool rate_charged_ = false;  // the current request's rate limit was charged before its body
  int64_t held_body_bytes_ = 0;  // what HoldBody counted in core_ for the current request
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  // The request being answered.
  std::string method_;
  unsigned version_ = 11;
  bool keep_alive_ = false;
  std::string request_id_;
  // The current request's header fields as its head sent them (lowercase names), taken when the
  // head is read: a chunked body's trailer fields, which the parser adds to the same list, never
  // reach the request (RFC 9110 §6.5.1), so they cannot replace Authorization, the forwarded
  // identity, Host, Origin or Content-Type after the head's checks (review s24, P0).
  std::map<std::string, std::string> head_fields_;
  // The response being written.
  std::shared_ptr<std::string> out_;
  std::optional<http::response<http::empty_body>> stream_head_;
  std::optional<http::response_serializer<http::empty_body>> stream_head_writer_;
  std::shared_ptr<BodyStream> stream_;
  std::string piece_;
  bool wake_pending_ = false;
  bool counts_event_stream_ = false;
  std::array<char, 256> watch_buffer_{};
};

}  // namespace exemplar::api
