#include "api/connection.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>

#include <errno.h>
#include <sys/socket.h>

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>

#include "common/ids.h"

namespace exemplar::api {
namespace {

// A request head larger than this is refused (431): far above any real client's.
constexpr uint32_t kHeaderLimit = 64 * 1024;
// After a 413 the body the client may still be sending is read and discarded for up to this long
// and this much before the connection closes: closing on unread bytes sends a reset, which can
// destroy the 413 before the client reads it.
constexpr std::chrono::seconds kLingerTime{5};
constexpr uint64_t kMaxDrainBytes = 64ull * 1024 * 1024;
// A body up to this size is not counted against max_buffered_body_bytes: every connection may
// hold that much of a request head anyway, and small requests then never wait behind large ones.
constexpr uint64_t kUncountedBodyBytes = kHeaderLimit;

const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

// Whether the request's Transfer-Encoding is exactly one "chunked" (case and spaces aside).
bool LoneChunked(const http::request_parser<http::string_body>::value_type& head) {
  if (head.count(http::field::transfer_encoding) != 1) return false;
  beast::string_view v = head[http::field::transfer_encoding];
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return beast::iequals(v, "chunked");
}

}  // namespace

Connection::Connection(tcp::socket socket, ServerCore& core, std::string address)
    : core_(core), address_(std::move(address)), socket_(std::move(socket)), timer_(socket_.get_executor()) {}

Connection::~Connection() {
  ReleaseBody();
  if (counts_event_stream_) core_.ReleaseStream(address_);
  core_.ReleaseAddress(address_);
  core_.connections.fetch_sub(1);
}

void Connection::Start() {
  net::post(socket_.get_executor(), [self = shared_from_this()] { self->AwaitRequest(); });
}

// ---- Timer: one per connection; its meaning follows the phase ----

void Connection::Arm(std::chrono::steady_clock::duration d, Phase phase) {
  phase_ = phase;
  timer_.expires_after(d);
  timer_.async_wait([self = shared_from_this(), generation = ++timer_generation_](beast::error_code ec) {
    if (!ec && generation == self->timer_generation_) self->OnTimer();
  });
}

void Connection::Disarm() {
  ++timer_generation_;
  timer_.cancel();
}

void Connection::OnTimer() {
  switch (phase_) {
    case Phase::kReading: {
      // The request deadline passed: stop reading and answer 408 from the read's completion.
      timed_out_ = true;
      beast::error_code ec;
      socket_.cancel(ec);
      break;
    }
    case Phase::kStreamWait:
      PullNext();
      break;
    case Phase::kIdle:       // keep-alive timeout
    case Phase::kWriting:    // the client stopped reading
    case Phase::kLingering:  // enough of a refused body discarded
      Close();
      break;
    case Phase::kHandling:
    case Phase::kClosed:
      break;
  }
}

void Connection::Close() {
  if (phase_ == Phase::kClosed) return;
  phase_ = Phase::kClosed;
  Disarm();
  if (counts_event_stream_) {  // before the client can see the close, so its slot is free by then
    counts_event_stream_ = false;
    core_.ReleaseStream(address_);
  }
  beast::error_code ec;
  socket_.shutdown(tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  stream_.reset();  // stops an export or event stream at once
}

// ---- Reading a request ----

void Connection::AwaitRequest() {
  timed_out_ = false;
  rate_charged_ = false;
  parser_.reset();
  ReleaseBody();
  if (buffer_.size() > 0) {  // a pipelined request is already here
    ReadHeader();
    return;
  }
  if (buffer_.capacity() > kIdleBufferBytes) buffer_.shrink_to_fit();
  // Wait for the first byte without a read buffer: the request deadline starts when it arrives.
  Arm(Seconds(core_.config.keep_alive_timeout_s), Phase::kIdle);
  socket_.async_wait(tcp::socket::wait_read, [self = shared_from_this()](beast::error_code ec) {
    if (self->phase_ == Phase::kClosed) return;
    if (ec) return self->Close();
    self->ReadHeader();
  });
}

void Connection::ReadHeader() {
  parser_.emplace();
  parser_->header_limit(kHeaderLimit);
  // Checked against max_body_bytes once the head is read (Beast treats "no limit" as 0 here).
  parser_->body_limit(std::numeric_limits<uint64_t>::max());
  Arm(Seconds(core_.config.request_timeout_s), Phase::kReading);
  http::async_read_header(socket_, buffer_, *parser_,
                          [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
}

void Connection::OnHeader(beast::error_code ec) {
  if (phase_ == Phase::kClosed) return;
  if (timed_out_) {
    return Refuse(408, Status(Code::kDeadlineExceeded,
                              "request not received within " + std::to_string(core_.config.request_timeout_s) +
                                  " s (request_timeout_s)"));
  }
  if (ec == http::error::end_of_stream || ec == net::error::eof || ec == net::error::connection_reset) {
    return Close();
  }
  if (ec == http::error::header_limit) {
    return Refuse(431, Status::Malformed("request head larger than " + std::to_string(kHeaderLimit) + " bytes"));
  }
  if (ec == http::error::partial_message || ec == net::error::operation_aborted) return Close();
  if (ec) {
    // A request that does not parse gets a 400; a failing socket just ends.
    if (ec.category() == http::make_error_code(http::error::bad_target).category()) {
      return Refuse(400, Status::Malformed("malformed request: " + ec.message()));
    }
    return Close();
  }
  const auto& head = parser_->get();
  method_ = std::string(head.method_string());
  version_ = head.version();
  keep_alive_ = head.keep_alive();
  std::string id(head["X-Request-Id"]);
  // Request ids need uniqueness, not secrecy: NewUuid's per-thread PRNG, not OS entropy.
  // A caller's id goes into the access log: printable ASCII only, so it cannot forge log lines.
  const bool printable = std::all_of(id.begin(), id.end(), [](char ch) { return ch > ' ' && ch < 0x7f; });
  request_id_ = id.empty() || id.size() > 128 || !printable ? NewUuid() : id;
  // RFC 9112 §3.2: an HTTP/1.1 request has exactly one Host (HTTP/1.0 may have none); two are
  // ambiguous in any version, and the Host check would see only one of them.
  const size_t hosts = head.count(http::field::host);
  if (hosts > 1) return Refuse(400, Status::Malformed("request has " + std::to_string(hosts) + " Host headers; send one"));
  if (hosts == 0 && version_ >= 11) return Refuse(400, Status::Malformed("an HTTP/1.1 request needs a Host header"));
  // Who the caller is must not depend on which copy of a header is read: two are refused.
  for (const char* identity : {"Authorization", "X-Forwarded-Email", "Cookie"}) {
    if (head.count(identity) > 1) {
      return Refuse(400, Status::Malformed(std::string("request has more than one ") + identity + " header"));
    }
  }
  // Only origin-form targets ("/path?query"): an absolute-form one names a host of its own that
  // the Host check would not see (this is no proxy). The asterisk form is OPTIONS's alone
  // (RFC 9112 §3.2.4); "GET *" would otherwise reach the web app's fallback.
  const bool asterisk = head.target() == "*" && head.method() == http::verb::options;
  if (head.target().empty() || (head.target().front() != '/' && !asterisk)) {
    return Refuse(400, Status::Malformed("request target must be a path starting with /"));
  }
  // RFC 9112 §6.1, §6.3: the only transfer coding taken is a lone "chunked". Any other (gzip,
  // "xchunked", a list) would leave the body's end unknown — read as no body, its bytes would
  // run as the next request — so the request is refused and the connection closed.
  if (head.count(http::field::transfer_encoding) > 0 && (version_ < 11 || !LoneChunked(head))) {
    return Refuse(400, Status::Malformed("unsupported Transfer-Encoding; send a Content-Length or \"chunked\" alone"));
  }

  head_fields_.clear();
  for (const auto& field : head) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    head_fields_[name] = std::string(field.value());
  }

  auto length = parser_->content_length();
  if (length && *length > static_cast<uint64_t>(core_.config.max_body_bytes)) {
    // Refused from the head alone, at once: waiting for the body kept a client that declared
    // 20 MB and sent nothing (or sent Expect: 100-continue and waits) until request_timeout_s.
    return RefuseBody(core_.dispatcher.Refuse(
        413,
        Status(Code::kTooLarge, "request body of " + std::to_string(*length) +
                                    " bytes (Content-Length) is larger than max_body_bytes (" +
                                    std::to_string(core_.config.max_body_bytes) + " bytes)"),
        method_, request_id_));
  }
  parser_->body_limit(static_cast<uint64_t>(core_.config.max_body_bytes));
  // RFC 9112: a request without Content-Length or chunked encoding has an empty body.
  if (parser_->is_done()) {
    Disarm();
    return Dispatch();
  }
  // A body is coming. It is not read when the answer cannot depend on it: a target that does not
  // parse, or a caller without credentials on a server that requires them (else anyone could
  // make the server hold max_body_bytes per connection before its 401).
  Request head_req;
  if (Status target = HeadRequest(&head_req); !target.ok()) {
    return RefuseBody(core_.dispatcher.Refuse(HttpStatusOf(target.code()), target, method_, request_id_));
  }
  if (auto reply = core_.dispatcher.RefuseFromHead(head_req)) return RefuseBody(std::move(*reply));
  // Nor when the bodies held server-wide would pass max_buffered_body_bytes (a chunked body is
  // counted as it arrives, in ReadBody).
  if (length && !HoldBody(*length)) {
    return RefuseBody(BodiesBusy());
  }
  // RFC 9110 §10.1.1: an HTTP/1.0 client's 100-continue is ignored.
  if (version_ >= 11 && beast::iequals(head[http::field::expect], "100-continue")) {
    return CheckBeforeContinue(std::move(head_req));
  }
  ReadBody();
}

// RFC 9110 §10.1.1 lets a server answer a final status instead of 100 Continue: a request its
// route refuses from the head (a wrong token, a role, the rate limit, a foreign Host, the load)
// gets that refusal, and its body is never sent (review s23: a 100 came before the token was
// looked up). The request deadline keeps running meanwhile.
void Connection::CheckBeforeContinue(Request head) {
  auto req = std::make_shared<Request>(std::move(head));
  core_.workers.Submit([self = shared_from_this(), req] {
    auto refused = std::make_shared<std::optional<Reply>>(self->core_.dispatcher.RefuseBeforeBody(*req));
    net::post(self->socket_.get_executor(), [self, refused] { self->ContinueOrRefuse(std::move(*refused)); });
  });
}

void Connection::ContinueOrRefuse(std::optional<Reply> refused) {
  if (phase_ == Phase::kClosed) return;
  if (timed_out_) {
    return Refuse(408, Status(Code::kDeadlineExceeded,
                              "request body not received within " + std::to_string(core_.config.request_timeout_s) +
                                  " s (request_timeout_s)"));
  }
  if (refused) return RefuseBody(std::move(*refused));
  rate_charged_ = true;
  net::async_write(socket_, net::buffer(kContinue), [self = shared_from_this()](beast::error_code ec, size_t) {
    if (self->phase_ == Phase::kClosed) return;
    if (ec || self->timed_out_) return self->OnBody(ec);
    self->ReadBody();
  });
}

void Connection::ReadBody() {
  if (parser_->content_length()) {  // held whole already (OnHeader)
    http::async_read(socket_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) { self->OnBody(ec); });
    return;
  }
  // A chunked body's size is known only as it arrives: it is held piece by piece.
  http::async_read_some(socket_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, size_t) {
    if (self->phase_ == Phase::kClosed) return;
    if (ec || self->timed_out_) return self->OnBody(ec);
    if (!self->HoldBody(self->parser_->get().body().capacity())) {
      return self->RefuseBody(self->BodiesBusy());
    }
    if (self->parser_->is_done()) return self->OnBody(ec);
    self->ReadBody();
  });
}

bool Connection::HoldBody(uint64_t total) {
  if (total <= kUncountedBodyBytes || total <= static_cast<uint64_t>(held_body_bytes_)) return true;
  const int64_t more = static_cast<int64_t>(total) - held_body_bytes_;
  if (!core_.HoldBodyBytes(more)) return false;
  held_body_bytes_ += more;
  return true;
}

void Connection::ReleaseBody() {
  if (held_body_bytes_ > 0) core_.ReleaseBodyBytes(held_body_bytes_);
  held_body_bytes_ = 0;
}

void Connection::OnBody(beast::error_code ec) {
  if (phase_ == Phase::kClosed) return;
  if (timed_out_) {
    return Refuse(408, Status(Code::kDeadlineExceeded,
                              "request body not received within " + std::to_string(core_.config.request_timeout_s) +
                                  " s (request_timeout_s)"));
  }
  if (ec == http::error::body_limit) {
    return Refuse(413, Status(Code::kTooLarge, "request body larger than " +
                                                   std::to_string(core_.config.max_body_bytes) + " bytes"));
  }
  if (ec == http::error::end_of_stream || ec == http::error::partial_message || ec == net::error::eof ||
      ec == net::error::connection_reset || ec == net::error::operation_aborted) {
    return Close();
  }
  if (ec && ec.category() != http::make_error_code(http::error::bad_target).category()) return Close();
  if (ec) return Refuse(400, Status::Malformed("malformed request: " + ec.message()));
  Disarm();
  Dispatch();
}

void Connection::Linger() {
  phase_ = Phase::kLingering;
  beast::error_code ec;
  socket_.shutdown(tcp::socket::shutdown_send, ec);  // the client sees the end of the reply at once
  if (ec) return Close();
  Arm(kLingerTime, Phase::kLingering);
  Discard(kMaxDrainBytes);
}

void Connection::Discard(uint64_t remaining) {
  if (remaining == 0) return Close();
  buffer_.consume(buffer_.size());
  auto space = buffer_.prepare(static_cast<size_t>(std::min<uint64_t>(remaining, 64 * 1024)));
  socket_.async_read_some(space, [self = shared_from_this(), remaining](beast::error_code ec, size_t n) {
    if (self->phase_ == Phase::kClosed) return;
    if (ec) return self->Close();  // the client closed too (or the linger time is over)
    self->Discard(remaining - std::min<uint64_t>(n, remaining));
  });
}

void Connection::Refuse(int http_status, const Status& st) {
  if (request_id_.empty()) request_id_ = NewUuid();
  keep_alive_ = false;
  Send(core_.dispatcher.Refuse(http_status, st, method_.empty() ? "UNKNOWN" : method_, request_id_));
}

Reply Connection::BodiesBusy() const {
  Reply busy = core_.dispatcher.Refuse(503,
                                       Status::Unavailable("server busy: too many request bodies are being received "
                                                           "at once (max_buffered_body_bytes); retry later"),
                                       method_, request_id_);
  busy.headers["Retry-After"] = "1";
  return busy;
}

void Connection::RefuseBody(Reply reply) {
  buffer_.consume(buffer_.size());
  parser_.reset();
  ReleaseBody();
  linger_ = true;
  keep_alive_ = false;
  Send(std::move(reply));
}

// ---- Handling: on a worker ----

Status Connection::HeadRequest(Request* req) const {
  const auto& head = parser_->get();
  req->method = method_;
  EXEMPLAR_RETURN_IF_ERROR(
      Dispatcher::ParseTarget(std::string_view(head.target().data(), head.target().size()), req));
  req->headers = head_fields_;  // never the trailers a chunked body may end with
  req->headers["x-request-id"] = request_id_;
  req->request_id = request_id_;
  req->remote_addr = address_;  // for trusted-proxy checks
  return Status::Ok();
}

void Connection::Dispatch() {
  phase_ = Phase::kHandling;
  Request req;
  const Status target = HeadRequest(&req);
  if (!target.ok()) {
    // Before any route or handler sees the text; the body (if any) was read whole, so the
    // connection stays.
    parser_.reset();
    ReleaseBody();
    return Send(core_.dispatcher.Refuse(HttpStatusOf(target.code()), target, method_, request_id_));
  }
  req.body = std::move(parser_->get().body());
  req.rate_charged = rate_charged_;
  parser_.reset();
  auto shared_req = std::make_shared<Request>(std::move(req));
  if (core_.dispatcher.Quick(*shared_req)) return Respond(*shared_req);  // on this event-loop thread
  core_.workers.Submit([self = shared_from_this(), shared_req] { self->Respond(*shared_req); });
}

// Runs the handler and sends its reply: on a worker, or on the event loop for a quick route.
void Connection::Respond(Request& req) {
  Reply reply = core_.dispatcher.Handle(req);
  // The body is no longer needed: its bytes stop counting against max_buffered_body_bytes.
  std::string().swap(req.body);
  ReleaseBody();
  if (reply.stream) {
    auto shared = std::make_shared<Reply>(std::move(reply));
    net::post(socket_.get_executor(), [self = shared_from_this(), shared] { self->Send(std::move(*shared)); });
    return;
  }
  // The reply goes out from here when the socket takes it at once (the common case: a small
  // reply, an empty send buffer), saving the client a wake-up of the event loop on its critical
  // path. Safe because while a request is handled nothing else uses the socket: no read is
  // pending and the timer is disarmed.
  auto bytes = std::make_shared<std::string>(Serialize(reply));
  size_t sent = 0;
  bool failed = false;
  while (sent < bytes->size()) {
    ssize_t n = ::send(socket_.native_handle(), bytes->data() + sent, bytes->size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      sent += static_cast<size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      failed = n < 0 && errno != EAGAIN && errno != EWOULDBLOCK;
      break;
    }
  }
  if (!failed && sent == bytes->size() && keep_alive_ && buffer_.size() == 0) {
    // The whole reply is out: wait for the next request from here, sparing the event loop a
    // wake-up per request. Safe for the same reason: no read or timer wait is pending, and the
    // handlers started here run on the connection's own loop.
    AwaitRequest();
    return;
  }
  net::post(socket_.get_executor(), [self = shared_from_this(), bytes, sent, failed] {
    if (self->phase_ == Phase::kClosed) return;
    if (failed) return self->Close();
    if (sent == bytes->size()) return self->OnWritten({});
    self->WriteBytes(bytes, sent);  // the rest when the client reads
  });
}

// ---- Writing a response ----

std::string Connection::Serialize(const Reply& reply) const {
  std::string body;
  if (reply.status != 204) body = !reply.raw.empty() || reply.body.is_null() ? reply.raw : DumpJson(reply.body);
  std::string out;
  out.reserve(body.size() + 256);
  out += version_ == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  out += std::to_string(reply.status);
  out += ' ';
  auto reason = http::obsolete_reason(http::int_to_status(static_cast<unsigned>(reply.status)));
  out.append(reason.data(), reason.size());
  out += "\r\nX-Request-Id: " + request_id_ + "\r\n";
  if (reply.status != 204) out += "Content-Type: " + reply.content_type + "\r\n";
  for (const auto& [k, v] : reply.headers) out += k + ": " + v + "\r\n";
  if (version_ >= 11 && !keep_alive_) out += "Connection: close\r\n";
  if (version_ < 11 && keep_alive_) out += "Connection: keep-alive\r\n";
  if (reply.status != 204 && reply.status != 304) out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  out += "\r\n";
  if (method_ != "HEAD") out += body;
  return out;
}

void Connection::Send(Reply reply) {
  if (phase_ == Phase::kClosed) return;
  if (reply.stream) return StartStream(std::move(reply));
  WriteBytes(std::make_shared<std::string>(Serialize(reply)), 0);
}

void Connection::WriteBytes(std::shared_ptr<std::string> bytes, size_t offset) {
  out_ = std::move(bytes);
  Arm(Seconds(core_.config.write_timeout_s), Phase::kWriting);
  net::async_write(socket_, net::buffer(out_->data() + offset, out_->size() - offset),
                   [self = shared_from_this()](beast::error_code ec, size_t) { self->OnWritten(ec); });
}

void Connection::OnWritten(beast::error_code ec) {
  if (phase_ == Phase::kClosed) return;
  out_.reset();
  if (!ec && linger_) return Linger();
  if (ec || !keep_alive_) return Close();
  Disarm();
  AwaitRequest();
}

}  // namespace exemplar::api
