// VectorIndex internals shared by vector_index.cc (search, writes), vector_snapshot.cc
// (Save/Load) and flat_vectors.cc (the pending store). Not part of the public API.
//
// Where a vector lives: every live label is in exactly one of two places.
//  - the HNSW graph (hnswlib keeps the vector in its level-0 block; the exact scan reads it there,
//    so vectors are not stored twice; with f16 / int8 storage the block holds compact codes and
//    the f32 vector sits in the graph's memory-mapped vector file, by internal id), or
//  - `pending`, a contiguous store of vectors not yet in the graph: new or updated vectors waiting
//    for the background inserter, or any vector the graph refused (e.g. out of memory).
// An updated label's old graph element is marked deleted until the new vector is folded in.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <shared_mutex>  // std::shared_lock
#include <thread>
#include <unordered_map>
#include <unordered_set>
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
  // Inserts into the graph (one thread); on failure the vector stays searchable in `pending`.
  void AddToGraphOrKeepPending(uint64_t label, const float* vec);
  // f16 / int8: how many candidates by code distance a search re-ranks exactly (options.rerank_factor × k).
  size_t CompactRerank(size_t k) const { return k * std::max<size_t>(1, options.rerank_factor); }
  void ExactAll(const float* query, TopK* top) const;
  void ExactAllowed(const float* query, const std::vector<uint64_t>& allowed, TopK* top) const;
  void ScorePending(const float* query, const std::vector<uint64_t>* allowed, TopK* top) const;
  // HNSW top-`fetch` re-scored with Dot on the f32 vectors (the exact re-ranking of f16 / int8), keeping only allowed labels when `allowed` is set.
  // false when hnswlib threw (the caller falls back to the exact scan).
  bool GraphSearch(const float* query, size_t fetch, const std::vector<uint64_t>* allowed, TopK* top) const;
  // Exact scores of graph candidates (allowed ones only, when `allowed` is set) pushed into `top`.
  void RescoreCandidates(const float* query, const std::vector<HnswGraph::Candidate>& found,
                         const std::vector<uint64_t>* allowed, TopK* top) const;
  std::vector<Hit> SearchLocked(const float* query, size_t k, const std::vector<uint64_t>* allowed) const;
  // Whether SearchLocked(…, k, allowed) answers from the exact scan without trying the graph.
  bool ScansExactlyLocked(size_t k, const std::vector<uint64_t>* allowed) const;

  // --- Graph insertion: background threads, and Flush's caller ---
  // Work comes in rounds. One thread (the leader) takes `mu` exclusively, makes room in the graph
  // and opens a round; then every inserter thread (the leader too) takes labels off the queue
  // and inserts them into the graph at once (hnswlib's addPoint locks per element), until the
  // queue is empty or the round's time is up. Labels the graph already holds (updates) are set
  // aside and re-added by the leader alone afterwards (hnswlib updates are not safe to run
  // together); then the inserted labels leave `pending` and `mu` is released. Searches wait for a
  // round (≤ kRoundBudget plus one insertion; a waiting write ends it early) and never see a
  // half-built graph; vectors still queued are searched exactly from `pending` meanwhile. A round
  // is long enough that helper threads woken late (a busy machine) still do their share.
  using Clock = std::chrono::steady_clock;
  struct Round {
    bool open = false;
    size_t room = 0;     // new labels the graph has room for
    Clock::time_point deadline;
    size_t running = 0;  // insertions under way
    std::vector<std::pair<uint64_t, char>> added;  // new labels taken, and whether the graph took them
    std::vector<uint64_t> updates;                 // labels the graph already holds, for the leader
    std::unordered_set<uint64_t> taken;            // a label queued twice is inserted once
  };
  // REQUIRES: queue_mu held.
  bool RoundHasWork() const;
  bool CanLead() const { return !leading && !queue.empty(); }
  // Runs one round as leader. REQUIRES: neither lock held; the caller set `leading` (it is cleared).
  void RunRound();
  // Inserts queued labels while the open round has work. REQUIRES: `lk` holds queue_mu.
  void HelpRound(std::unique_lock<std::mutex>& lk);
  void WorkerLoop();

  void Enqueue(uint64_t label);  // REQUIRES: mu held exclusively (queue order = write order)
  // `mu` exclusively for a write (Upsert, Remove): a round stops taking labels while a write
  // waits, and no round starts until it has the lock.
  std::unique_lock<RwLock> LockForWrite();

  const VectorIndexOptions options;
  const size_t insert_threads;
  mutable RwLock mu;  // writer-preferring: searches cannot starve writes
  std::unique_ptr<HnswGraph> graph;  // GUARDED_BY(mu), but a round's inserters write it together
  FlatVectors pending;               // GUARDED_BY(mu)
  size_t graph_failures = 0;         // GUARDED_BY(mu): vectors the graph refused (kept pending)

  std::atomic<int> writers_waiting{0};  // writes waiting for `mu`

  std::mutex queue_mu;
  std::condition_variable queue_cv;  // work arrived, a round opened, or stop
  std::condition_variable idle_cv;   // a round's items finished, or a round ended
  std::deque<uint64_t> queue;        // GUARDED_BY(queue_mu): labels to fold (may be stale)
  Round round;                       // GUARDED_BY(queue_mu)
  bool leading = false;              // GUARDED_BY(queue_mu): a round's leader is at work
  bool stop = false;                 // GUARDED_BY(queue_mu)
  bool paused = false;               // GUARDED_BY(queue_mu)
  std::vector<std::thread> workers;  // GUARDED_BY(queue_mu): started by the first Enqueue

  // --- A loaded graph moves onto huge pages in the background (HnswGraph::Promote) ---
  void StartPromoting();  // once, after Load
  std::atomic<bool> promote_stop{false};
  std::thread promoter;
};

}  // namespace exemplar::index
