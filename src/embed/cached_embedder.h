// CachedEmbedder: an Embedder that remembers what another one computed, so identical texts are
// embedded once (re-imports, duplicates, an unchanged example re-embedded by a migration).
//
// Keyed by a 128-bit content hash of the text (two independent 64-bit hashes); one cache per
// wrapped embedder, hence per model identity. Bounded: least recently used entries are dropped
// once the vectors and keys held exceed `capacity_bytes` (0 disables the cache). Thread-safe.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "embed/embedder.h"

namespace exemplar::embed {

struct EmbedCacheStats {
  uint64_t hits = 0;
  uint64_t misses = 0;   // texts handed to the wrapped embedder
  size_t entries = 0;
  size_t bytes = 0;
  size_t capacity_bytes = 0;
};

class CachedEmbedder : public Embedder {
 public:
  CachedEmbedder(std::shared_ptr<Embedder> inner, size_t capacity_bytes);

  std::string model() const override { return inner_->model(); }
  int dim() const override { return inner_->dim(); }
  // A cached vector when the text was embedded before; else the wrapped embedder's (cached when ok).
  Result<std::vector<float>> Embed(std::string_view text) override;
  // Looks every text up; the misses (each distinct text once) go to the wrapped embedder in one call.
  std::vector<Result<std::vector<float>>> EmbedBatch(const std::vector<std::string>& texts) override;
  // The wrapped embedder: computes afresh (regenerate-embeddings asks for that).
  Embedder& uncached() override { return *inner_; }

  EmbedCacheStats stats() const;

 private:
  struct Key {
    uint64_t a, b;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const { return static_cast<size_t>(k.a ^ (k.b * 0x9e3779b97f4a7c15ULL)); }
  };
  struct Entry {
    Key key;
    std::vector<float> vec;
  };
  static Key KeyOf(std::string_view text);
  static size_t BytesOf(const std::vector<float>& v) { return v.size() * sizeof(float) + kEntryOverhead; }
  // Copies the vector of `key` into *out and marks it recently used. REQUIRES: mu_ held.
  bool Find(const Key& key, std::vector<float>* out);
  void Insert(const Key& key, const std::vector<float>& vec);  // REQUIRES: mu_ held

  // List node, map node and key: what an entry costs besides its floats (approximate).
  static constexpr size_t kEntryOverhead = 96;

  std::shared_ptr<Embedder> inner_;
  const size_t capacity_bytes_;
  mutable std::mutex mu_;
  std::list<Entry> lru_;  // most recently used first; GUARDED_BY(mu_)
  std::unordered_map<Key, std::list<Entry>::iterator, KeyHash> map_;  // GUARDED_BY(mu_)
  size_t bytes_ = 0;
  uint64_t hits_ = 0, misses_ = 0;
};

}  // namespace exemplar::embed
