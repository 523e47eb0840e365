#include "embed/cached_embedder.h"

#include <functional>
#include <string>

namespace exemplar::embed {

CachedEmbedder::CachedEmbedder(std::shared_ptr<Embedder> inner, size_t capacity_bytes)
    : inner_(std::move(inner)), capacity_bytes_(capacity_bytes) {}

CachedEmbedder::Key CachedEmbedder::KeyOf(std::string_view text) {
  // libstdc++'s string hash (murmur) and FNV-1a over the bytes and the length: independent, so an
  // accidental collision needs both to collide (~2^-128).
  uint64_t fnv = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) fnv = (fnv ^ c) * 0x100000001b3ULL;
  fnv = (fnv ^ text.size()) * 0x100000001b3ULL;
  return Key{static_cast<uint64_t>(std::hash<std::string_view>{}(text)), fnv};
}

bool CachedEmbedder::Find(const Key& key, std::vector<float>* out) {
  auto it = map_.find(key);
  if (it == map_.end()) return false;
  lru_.splice(lru_.begin(), lru_, it->second);
  *out = it->second->vec;
  return true;
}

void CachedEmbedder::Insert(const Key& key, const std::vector<float>& vec) {
  if (BytesOf(vec) > capacity_bytes_ || map_.count(key)) return;
  lru_.push_front(Entry{key, vec});
  map_.emplace(key, lru_.begin());
  bytes_ += BytesOf(vec);
  while (bytes_ > capacity_bytes_ && !lru_.empty()) {
    bytes_ -= BytesOf(lru_.back().vec);
    map_.erase(lru_.back().key);
    lru_.pop_back();
  }
}

Result<std::vector<float>> CachedEmbedder::Embed(std::string_view text) {
  const Key key = KeyOf(text);
  {
    std::lock_guard lock(mu_);
    std::vector<float> v;
    if (Find(key, &v)) {
      ++hits_;
      return v;
    }
    ++misses_;
  }
  auto r = inner_->Embed(text);
  if (r.ok() && capacity_bytes_ > 0) {
    std::lock_guard lock(mu_);
    Insert(key, *r);
  }
  return r;
}

std::vector<Result<std::vector<float>>> CachedEmbedder::EmbedBatch(const std::vector<std::string>& texts) {
  std::vector<Result<std::vector<float>>> out(texts.size(), Status::Internal("not embedded"));
  std::vector<Key> keys;
  keys.reserve(texts.size());
  for (const auto& t : texts) keys.push_back(KeyOf(t));
  // Distinct missing texts, and for each the positions waiting for it.
  std::vector<std::string> missing;
  std::vector<std::vector<size_t>> waiting;
  {
    std::unordered_map<Key, size_t, KeyHash> pending;
    std::lock_guard lock(mu_);
    for (size_t i = 0; i < texts.size(); ++i) {
      std::vector<float> v;
      if (Find(keys[i], &v)) {
        ++hits_;
        out[i] = std::move(v);
        continue;
      }
      auto [it, fresh] = pending.emplace(keys[i], missing.size());
      if (fresh) {
        ++misses_;
        missing.push_back(texts[i]);
        waiting.emplace_back();
      } else {
        ++hits_;  // a repeat inside this batch: embedded once
      }
      waiting[it->second].push_back(i);
    }
  }
  if (missing.empty()) return out;
  auto computed = inner_->EmbedBatch(missing);
  std::lock_guard lock(mu_);
  for (size_t m = 0; m < missing.size(); ++m) {
    const auto& positions = waiting[m];
    if (computed[m].ok() && capacity_bytes_ > 0) Insert(keys[positions.front()], *computed[m]);
    for (size_t p : positions) out[p] = computed[m];
  }
  return out;
}

EmbedCacheStats CachedEmbedder::stats() const {
  std::lock_guard lock(mu_);
  return EmbedCacheStats{hits_, misses_, map_.size(), bytes_, capacity_bytes_};
}

}  // namespace exemplar::embed
