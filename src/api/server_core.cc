// ServerCore: the counters behind the server's limits (connections per address, event streams,
// request bodies held at once), shared by every connection. Declared in connection.h.
#include "api/connection.h"

#include <algorithm>

namespace exemplar::api {

bool ServerCore::AdmitAddress(const std::string& address) {
  std::lock_guard lock(mu_);
  int& n = per_address_[address];
  if (config.max_connections_per_ip > 0 && n >= config.max_connections_per_ip) {
    if (n == 0) per_address_.erase(address);
    return false;
  }
  ++n;
  return true;
}

void ServerCore::ReleaseAddress(const std::string& address) {
  std::lock_guard lock(mu_);
  auto it = per_address_.find(address);
  if (it != per_address_.end() && --it->second <= 0) per_address_.erase(it);
}

ServerCore::StreamAdmission ServerCore::AdmitStream(const std::string& address) {
  std::lock_guard lock(mu_);
  const int limit = config.max_event_streams;
  if (event_streams_ >= limit) return StreamAdmission::kFull;
  int& mine = streams_per_address_[address];
  if (mine >= std::max(1, limit - limit / 4)) return StreamAdmission::kOverShare;
  ++mine;
  ++event_streams_;
  return StreamAdmission::kAdmitted;
}

void ServerCore::ReleaseStream(const std::string& address) {
  std::lock_guard lock(mu_);
  --event_streams_;
  auto it = streams_per_address_.find(address);
  if (it != streams_per_address_.end() && --it->second <= 0) streams_per_address_.erase(it);
}

int ServerCore::OpenStreams() {
  std::lock_guard lock(mu_);
  return event_streams_;
}

bool ServerCore::HoldBodyBytes(int64_t bytes) {
  const int64_t cap = std::max(config.max_buffered_body_bytes, config.max_body_bytes);
  int64_t held = body_bytes_.load();
  do {
    if (held + bytes > cap) return false;
  } while (!body_bytes_.compare_exchange_weak(held, held + bytes));
  return true;
}

}  // namespace exemplar::api
