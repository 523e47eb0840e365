// VectorIndex: cosine top-k over L2-normalised vectors keyed by integer labels.
// hnswlib (0.6.2) for approximate search plus an exact SIMD scan. Thread-safe: many concurrent
// searches, writes exclusive (hnswlib 0.6.2 search races with insert, so a shared_mutex guards it).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"

namespace exemplar::index {

struct Hit {
  uint64_t label;
  float score;  // cosine similarity (inner product of normalised vectors)
};

struct VectorIndexOptions {
  int dim = 384;
  int m = 16;                  // HNSW graph degree
  int ef_construction = 200;
  int ef_search = 128;
  size_t initial_capacity = 1024;  // grows automatically
};

class VectorIndex {
 public:
  explicit VectorIndex(VectorIndexOptions options);
  ~VectorIndex();

  const VectorIndexOptions& options() const;
  size_t size() const;  // live (non-deleted) vectors

  // Inserts or replaces the vector of `label`. REQUIRES: vec.size() == dim.
  void Upsert(uint64_t label, std::span<const float> vec);
  void Remove(uint64_t label);  // no-op when absent
  bool Contains(uint64_t label) const;
  // Copies the stored vector of `label` into *out; false when absent.
  bool GetVector(uint64_t label, std::vector<float>* out) const;

  // Top-k by cosine, best first, ties broken by smaller label. When `allowed` is non-null it is a
  // sorted list of the only labels that may be returned: a small list is scanned exactly, a large
  // one uses HNSW with oversampling and falls back to the exact scan, so k results come back
  // whenever ≥ k allowed labels have vectors.
  std::vector<Hit> Search(std::span<const float> query, size_t k,
                          const std::vector<uint64_t>* allowed = nullptr) const;
  // Exact scan over all (or the allowed) vectors: the ground truth.
  std::vector<Hit> SearchExact(std::span<const float> query, size_t k,
                               const std::vector<uint64_t>* allowed = nullptr) const;

  // Writes a snapshot tagged with `change_seq` (the store's change-log position it reflects).
  Status Save(const std::string& path, uint64_t change_seq) const;
  // Loads a snapshot; kFailedPrecondition when its seq differs from `expected_seq` or the file is
  // corrupt / for other options (the caller then rebuilds from the store).
  static Result<std::unique_ptr<VectorIndex>> Load(const std::string& path, VectorIndexOptions options,
                                                   uint64_t expected_seq);

  size_t MemoryBytes() const;  // approximate bytes held

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace exemplar::index
