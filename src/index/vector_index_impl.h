// VectorIndex internals shared by vector_index.cc (search, writes) and vector_snapshot.cc
// (Save/Load). Not part of the public API.
//
// Where a vector lives: every live label is in exactly one of two places.
//  - the HNSW graph (hnswlib keeps the vector in its level-0 block; the exact scan reads it there,
//    so vectors are not stored twice), or
//  - `pending`, a contiguous store of vectors not yet in the graph: new or updated vectors waiting
//    for the background inserter, or any vector the graph refused (e.g. out of memory).
// An updated label's old graph element is marked deleted until the new vector is folded in.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <shared_mutex>  // std::shared_lock
#include <thread>
#include <unordered_map>
#include <vector>

#include "index/hnsw_graph.h"
#include "index/rw_lock.h"
#include "index/top_k.h"
#include "index/vector_index.h"

namespace exemplar::index {

// Vectors by label in one dense array (removal moves the last row into the hole).
class FlatVectors {
 public:
  explicit FlatVectors(size_t dim) : dim_(dim) {}

  size_t size() const { return labels_.size(); }
  uint64_t label_at(size_t slot) const { return labels_[slot]; }
  const float* row(size_t slot) const { return data_.data() + slot * dim_; }
  // nullptr when absent. The pointer is invalidated by the next Put/Erase.
  const float* Find(uint64_t label) const;
  void Put(uint64_t label, const float* vec);
  bool Erase(uint64_t label);
  size_t MemoryBytes() const;

 private:
  size_t dim_;
  std::vector<float> data_;
  std::vector<uint64_t> labels_;
  std::unordered_map<uint64_t, uint32_t> slot_of_;
};

struct VectorIndex::Impl {
  // `graph` may be null here only for Load, which fills it in before use.
  Impl(VectorIndexOptions options, std::unique_ptr<HnswGraph> graph);
  ~Impl();  // stops and joins the background inserter

  // --- REQUIRES: mu held (shared for reads, exclusive for writes) ---
  size_t LiveCount() const { return graph->live() + pending.size(); }
  const float* FindVector(uint64_t label) const;  // pending first, then the graph
  // Stores a normalised vector: into `pending` for the background inserter (REQUIRES:
  // queue_mu not held), or straight into the graph.
  void UpsertLocked(uint64_t label, const float* vec);
  // Inserts into the graph; on failure the vector stays searchable in `pending`.
  void AddToGraphOrKeepPending(uint64_t label, const float* vec);
  void ExactAll(const float* query, TopK* top) const;
  void ExactAllowed(const float* query, const std::vector<uint64_t>& allowed, TopK* top) const;
  void ScorePending(const float* query, const std::vector<uint64_t>* allowed, TopK* top) const;
  // HNSW top-`fetch` re-scored with Dot, keeping only allowed labels when `allowed` is set.
  // false when hnswlib threw (the caller falls back to the exact scan).
  bool GraphSearch(const float* query, size_t fetch, const std::vector<uint64_t>* allowed, TopK* top) const;
  std::vector<Hit> SearchLocked(const float* query, size_t k, const std::vector<uint64_t>* allowed) const;

  // --- Background inserter ---
  void Enqueue(uint64_t label);    // REQUIRES: mu held exclusively (queue order = write order)
  bool FoldNext();                 // folds one queued label on the calling thread; false if none
  void FoldLabel(uint64_t label);  // takes mu
  void WorkerLoop();

  const VectorIndexOptions options;
  mutable RwLock mu;  // writer-preferring: searches cannot starve writes
  std::unique_ptr<HnswGraph> graph;  // GUARDED_BY(mu)
  FlatVectors pending;               // GUARDED_BY(mu)
  size_t graph_failures = 0;         // GUARDED_BY(mu): vectors the graph refused (kept pending)

  std::mutex queue_mu;
  std::condition_variable queue_cv;  // work arrived, or stop
  std::condition_variable idle_cv;   // a fold finished
  std::deque<uint64_t> queue;        // GUARDED_BY(queue_mu): labels to fold (may be stale)
  size_t in_flight = 0;              // GUARDED_BY(queue_mu): folds running now
  bool stop = false;                 // GUARDED_BY(queue_mu)
  bool paused = false;               // GUARDED_BY(queue_mu)
  std::thread worker;                // GUARDED_BY(queue_mu): started by the first Enqueue
};

}  // namespace exemplar::index
