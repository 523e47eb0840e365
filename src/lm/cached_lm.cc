#include "lm/cached_lm.h"

#include <cstdio>

namespace exemplar::lm {
namespace {

void Append(std::string* out, const std::string& field) {
  *out += std::to_string(field.size());
  *out += ':';
  *out += field;
}

}  // namespace

std::string CachedLm::Digest(const std::string& s) {
  uint64_t a = 0xcbf29ce484222325ULL, b = 0x243F6A8885A308D3ULL ^ s.size();
  for (unsigned char c : s) {
    a = (a ^ c) * 0x100000001b3ULL;
    b = (b + c + 1) * 0x9E3779B97F4A7C15ULL;
    b ^= b >> 29;
  }
  char buf[33];
  std::snprintf(buf, sizeof(buf), "%016llx%016llx", static_cast<unsigned long long>(a),
                static_cast<unsigned long long>(b));
  return buf;
}

CachedLm::CachedLm(Lm& inner, size_t capacity) : inner_(inner), capacity_(capacity ? capacity : 1) {}

std::string CachedLm::Key(const std::string& lm_name, const LmRequest& request) {
  std::string raw;
  Append(&raw, lm_name);
  Append(&raw, request.model);
  char num[64];
  std::snprintf(num, sizeof(num), "%.17g", request.temperature);
  Append(&raw, num);
  Append(&raw, std::to_string(request.max_tokens));
  Append(&raw, std::to_string(request.n));
  Append(&raw, request.seed ? std::to_string(*request.seed) : "-");
  for (const ChatMessage& m : request.messages) {
    Append(&raw, m.role);
    Append(&raw, m.content);
  }
  return Digest(raw);
}

Result<LmResponse> CachedLm::Complete(const LmRequest& request) {
  const std::string key = Key(inner_.name(), request);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = index_.find(key);
    if (it != index_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second);
      ++hits_;
      LmResponse resp = it->second->second;
      resp.cached = true;
      return resp;
    }
    ++misses_;
  }
  Result<LmResponse> result = inner_.Complete(request);
  if (!result.ok()) return result;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = index_.find(key);
  if (it != index_.end()) {
    it->second->second = *result;
    lru_.splice(lru_.begin(), lru_, it->second);
  } else {
    lru_.emplace_front(key, *result);
    index_[key] = lru_.begin();
    while (lru_.size() > capacity_) {
      index_.erase(lru_.back().first);
      lru_.pop_back();
    }
  }
  return result;
}

int64_t CachedLm::hits() const {
  std::lock_guard<std::mutex> lock(mu_);
  return hits_;
}

int64_t CachedLm::misses() const {
  std::lock_guard<std::mutex> lock(mu_);
  return misses_;
}

size_t CachedLm::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return lru_.size();
}

}  // namespace exemplar::lm
