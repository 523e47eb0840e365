// Connection, continued: streamed bodies (server-sent events, exports) written as chunks, one
// piece at a time, with no thread held between pieces.
#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include "api/connection.h"

namespace exemplar::api {
void Connection::StartStream(Reply reply) {
  // HEAD: the streamed reply's status line and headers, and no body. Nothing is produced, so the
  // stream is dropped at once (an export's expensive slot with it) and no event-stream slot is taken.
  const bool head_only = method_ == "HEAD";
  if (head_only) reply.stream.reset();
  if (reply.content_type.rfind("text/event-stream", 0) == 0 && !head_only) {
    const auto admission = core_.AdmitStream(address_);
    if (admission != ServerCore::StreamAdmission::kAdmitted) {
      const bool full = admission == ServerCore::StreamAdmission::kFull;
      Reply busy = core_.dispatcher.Refuse(
          full ? 503 : 429,
          full ? Status::Unavailable(std::to_string(core_.config.max_event_streams) +
                                     " event streams are open (max_event_streams); retry later")
               : Status::ResourceExhausted("this client address already holds three quarters of the " +
                                           std::to_string(core_.config.max_event_streams) +
                                           " event streams the server keeps open (max_event_streams); close some"),
          method_, request_id_);
      busy.headers["Retry-After"] = "5";
      return Send(std::move(busy));
    }
    counts_event_stream_ = true;
  }
  stream_ = std::move(reply.stream);
  // The read side watches for the client leaving while the body streams, so the connection ends
  // with the body rather than returning to keep-alive.
  keep_alive_ = false;
  stream_head_.emplace();
  stream_head_->version(version_);
  stream_head_->result(static_cast<unsigned>(reply.status));
  stream_head_->set("X-Request-Id", request_id_);
  stream_head_->set(http::field::content_type, reply.content_type);
  for (const auto& [k, v] : reply.headers) stream_head_->set(k, v);
  stream_head_->keep_alive(false);
  stream_head_->chunked(true);
  stream_head_writer_.emplace(*stream_head_);
  Arm(Seconds(core_.config.write_timeout_s), Phase::kWriting);
  http::async_write_header(socket_, *stream_head_writer_, [self = shared_from_this()](beast::error_code ec, size_t) {
    if (self->phase_ == Phase::kClosed) return;
    if (ec) return self->Close();
    self->Disarm();
    if (!self->stream_) return self->Close();  // HEAD: the head was the whole reply
    self->WatchDisconnect();
    if (self->stream_->on_start) {
      std::weak_ptr<Connection> weak = self;
      ServerCore* core = &self->core_;
      auto ex = self->socket_.get_executor();
      self->stream_->on_start([weak, core, ex] {
        core->PostIfOpen(ex, [weak] {
          if (auto s = weak.lock()) s->Wake();
        });
      });
    }
    self->PullNext();
  });
}

void Connection::PullNext() {
  if (phase_ == Phase::kClosed || !stream_) return;
  phase_ = Phase::kHandling;
  wake_pending_ = false;
  core_.workers.Submit([self = shared_from_this(), stream = stream_] {
    std::string piece;
    BodyStream::Step step = BodyStream::Step::kFailed;
    try {
      step = stream->next(&piece);
    } catch (const std::exception& e) {
      spdlog::error("request {}: streamed body failed: {}", self->request_id_, e.what());
    }
    auto shared_piece = std::make_shared<std::string>(std::move(piece));
    net::post(self->socket_.get_executor(),
              [self, step, shared_piece] { self->OnStep(step, std::move(*shared_piece)); });
  });
}

void Connection::OnStep(BodyStream::Step step, std::string piece) {
  if (phase_ == Phase::kClosed) return;
  switch (step) {
    case BodyStream::Step::kData:
      if (piece.empty()) return PullNext();
      piece_ = std::move(piece);
      Arm(Seconds(core_.config.write_timeout_s), Phase::kWriting);
      net::async_write(socket_, http::make_chunk(net::buffer(piece_)),
                       [self = shared_from_this()](beast::error_code ec, size_t) {
                         if (self->phase_ == Phase::kClosed) return;
                         if (ec) return self->Close();
                         self->Disarm();
                         self->piece_.clear();
                         if (self->piece_.capacity() > kIdleBufferBytes) self->piece_.shrink_to_fit();
                         self->PullNext();
                       });
      return;
    case BodyStream::Step::kWait:
      if (wake_pending_) return PullNext();
      Arm(stream_->poll, Phase::kStreamWait);
      return;
    case BodyStream::Step::kDone:
      Arm(Seconds(core_.config.write_timeout_s), Phase::kWriting);
      net::async_write(socket_, http::make_chunk_last(),
                       [self = shared_from_this()](beast::error_code, size_t) { self->Close(); });
      return;
    case BodyStream::Step::kFailed:
      Close();
      return;
  }
}

void Connection::Wake() {
  if (phase_ == Phase::kStreamWait) {
    Disarm();
    PullNext();
  } else if (phase_ != Phase::kClosed) {
    wake_pending_ = true;  // the piece being produced may have missed the event
  }
}

void Connection::WatchDisconnect() {
  socket_.async_read_some(net::buffer(watch_buffer_), [self = shared_from_this()](beast::error_code ec, size_t) {
    if (self->phase_ == Phase::kClosed) return;
    if (ec) return self->Close();  // the client left: stop producing the body
    self->WatchDisconnect();       // bytes sent during a stream are ignored
  });
}

}  // namespace exemplar::api
