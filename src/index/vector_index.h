// VectorIndex: cosine top-k over L2-normalised vectors keyed by integer labels.
// hnswlib (0.6.2) for approximate search plus an exact SIMD scan. Thread-safe: many concurrent
// searches, writes exclusive (hnswlib 0.6.2 search races with insert, so a reader-writer lock
// guards it; it is writer-preferring, so a stream of searches cannot starve writes).
// Vectors are stored once, in the graph; vectors not yet in the graph (see background_insert) sit
// in a small contiguous side store and are always searched exactly, so a write is searchable as
// soon as Upsert returns.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace exemplar::index {

struct Hit {
  uint64_t label;
  float score;  // cosine similarity (inner product of normalised vectors)
};

// How the HNSW graph stores its vectors. f32: the vectors themselves (~1.7 KB per element at
// 384-d, M 16). f16 / int8: compact codes (2 bytes / 1 byte per dimension, int8 plus a 4-byte
// scale) that graph distances use; the f32 vectors then live in a file (VectorRows) and the 4k
// nearest candidates by code distance are re-ranked exactly from it, so scores stay exact cosines. Snapshots record the mode: one written in another mode does not load.
enum class VectorStorage : uint32_t { kF32 = 0, kF16 = 1, kInt8 = 2 };
const char* VectorStorageName(VectorStorage s);  // "f32", "f16", "int8"
std::optional<VectorStorage> ParseVectorStorage(const std::string& name);

struct VectorIndexOptions {
  int dim = 384;
  int m = 16;                  // HNSW graph degree
  int ef_construction = 200;
  int ef_search = 128;
  size_t initial_capacity = 1024;  // grows automatically
  // true: Upsert stores the vector (exactly searchable at once) and a background thread inserts it
  // into the HNSW graph, so ingest is not bound by graph insertion (~1k/s on one core at 100k);
  // false: Upsert inserts into the graph before returning.
  bool background_insert = true;
  // Threads inserting into the graph in the background (0: one per core). They insert together:
  // a round moves a batch of waiting vectors into the graph on every thread at once.
  int insert_threads = 0;
  VectorStorage storage = VectorStorage::kF32;
  // f16 / int8: the directory of the f32 vector file (an unlinked temp file, see VectorRows);
  // empty: anonymous memory.
  std::string vector_file_dir;
  // f16 / int8: the graph's distances are approximate, so a search takes rerank_factor × k
  // candidates by code distance (from a graph search, or a filter's code scan) and re-ranks them
  // exactly in f32, reading each row from the vector file. 2: at a million int8 vectors, 2k, 3k
  // and 4k gave the same recall@10 (bench/README.md, "re-ranking depth").
  size_t rerank_factor = 2;
};

class VectorIndex {
 public:
  explicit VectorIndex(VectorIndexOptions options);
  ~VectorIndex();

  const VectorIndexOptions& options() const;
  size_t size() const;  // live (non-deleted) vectors

  // Inserts or replaces the vector of `label` (stored L2-normalised). Searchable on return.
  // REQUIRES: vec.size() == dim and finite values (anything else is ignored).
  void Upsert(uint64_t label, std::span<const float> vec);
  // Upsert of many vectors in order under one lock acquisition: a batch write then waits for a
  // running background graph insertion once, not once per vector.
  void UpsertBatch(const std::vector<std::pair<uint64_t, std::span<const float>>>& items);
  void Remove(uint64_t label);  // no-op when absent
  bool Contains(uint64_t label) const;
  // Copies the stored vector of `label` into *out; false when absent.
  bool GetVector(uint64_t label, std::vector<float>* out) const;

  // Top-k by cosine, best first, ties broken by smaller label. When `allowed` is non-null it is a
  // sorted list of the only labels that may be returned: a small list is scanned exactly, a large
  // one uses HNSW with oversampling and falls back to the exact scan, so k results come back
  // whenever ≥ k allowed labels have vectors. The query is normalised here (any length is fine).
  std::vector<Hit> Search(std::span<const float> query, size_t k,
                          const std::vector<uint64_t>* allowed = nullptr) const;
  // Whether Search(…, k, allowed) answers from the exact scan (a small index or filter) rather
  // than the graph: its top k are then the true nearest, nothing for a caller to add.
  bool ScansExactly(size_t k, const std::vector<uint64_t>* allowed = nullptr) const;
  // Exact scan over all (or the allowed) vectors: the ground truth.
  std::vector<Hit> SearchExact(std::span<const float> query, size_t k,
                               const std::vector<uint64_t>* allowed = nullptr) const;

  // Writes a snapshot tagged with `change_seq` (the store's change-log position it reflects):
  // `path` (header, checksums, vectors not yet in the graph) and `path + ".graph"` (hnswlib's
  // saveIndex), plus for f16 / int8 `path + ".f32"` (the graph elements' f32 vectors). Each is written to a temp file, fsynced and renamed over the old one; a crash
  // between the two renames leaves a pair whose checksums disagree, which Load rejects.
  Status Save(const std::string& path, uint64_t change_seq) const;
  // Loads a snapshot; kFailedPrecondition when its seq differs from `expected_seq` or the file is
  // corrupt / for other options (the caller then rebuilds from the store). Sizes and checksums
  // are verified before hnswlib reads the graph file, so a damaged file cannot crash it.
  static Result<std::unique_ptr<VectorIndex>> Load(const std::string& path, VectorIndexOptions options,
                                                   uint64_t expected_seq);

  size_t MemoryBytes() const;  // approximate bytes held (the compact graph, not the f32 vector file)
  // f16 / int8: bytes of the memory-mapped f32 vector file (file pages the kernel may drop); 0 for f32.
  size_t VectorFileBytes() const;

  // hnswlib's searchKnn alone at the same ef (no filter, no pending merge, no re-scoring), under
  // the same read lock: the baseline `exemplar bench` compares Search against.
  std::vector<uint64_t> SearchRaw(std::span<const float> query, size_t k) const;

  // Returns once every vector upserted before the call is in the HNSW graph (the calling thread
  // inserts too, alongside the background threads). For benchmarks, tests and before a snapshot if graph-only is wanted.
  void Flush();
  // Live vectors not (yet) in the graph; they are searched exactly.
  size_t pending() const;
  // The ef the graph is searched with: options().ef_search, grown with the graph's size beyond
  // 100,000 elements (HnswGraph::SearchEf).
  size_t search_ef() const;
  // Holds (true) or resumes (false) the background inserter. Writes stay searchable, exactly,
  // while it is held; Flush still inserts. For bulk loads and deterministic tests.
  void PauseBackgroundInsert(bool paused);

 private:
  struct Impl;
  explicit VectorIndex(std::unique_ptr<Impl> impl);  // for Load
  std::unique_ptr<Impl> impl_;
};

}  // namespace exemplar::index
