// CachedLm: a bounded LRU cache in front of another Lm. The key is the whole request as the
// model sees it (inner name, model, messages, temperature, max_tokens, n, seed), digested to 128
// bits; `cancelled` is not part of it. Only successful replies are cached; a hit returns the
// stored reply with cached = true. Two threads missing on the same key at once both call the
// inner Lm (the second result overwrites the first). Thread-safe.
#pragma once

#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

#include "lm/lm.h"

namespace exemplar::lm {

class CachedLm : public Lm {
 public:
  // ~10k replies of a few KB: tens of MB at most, enough for every candidate of a large run.
  static constexpr size_t kDefaultCapacity = 10000;

  // `inner` must outlive this object.
  explicit CachedLm(Lm& inner, size_t capacity = kDefaultCapacity);

  Result<LmResponse> Complete(const LmRequest& request) override;
  std::string name() const override { return inner_.name(); }

  int64_t hits() const;
  int64_t misses() const;
  size_t size() const;

  // A 128-bit digest as 32 hex characters: FNV-1a 64 and an independent multiply-xorshift hash.
  // Collisions are negligible for an in-process cache of ~10k entries (or a run's trials).
  static std::string Digest(const std::string& s);

  // The cache key of a request (exposed for tests).
  static std::string Key(const std::string& lm_name, const LmRequest& request);

 private:
  using Entry = std::pair<std::string, LmResponse>;
  Lm& inner_;
  const size_t capacity_;
  mutable std::mutex mu_;
  std::list<Entry> lru_;                                                // GUARDED_BY(mu_), front = newest
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;  // GUARDED_BY(mu_)
  int64_t hits_ = 0;                                                    // GUARDED_BY(mu_)
  int64_t misses_ = 0;                                                  // GUARDED_BY(mu_)
};

}  // namespace exemplar::lm
