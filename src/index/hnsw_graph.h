// HnswGraph: the HNSW graph of a VectorIndex, over hnswlib 0.6.2. Internal to the index library.
// Only hnsw_graph.cc and hnsw_graph_io.cc include hnswlib, through hnsw_graph_rep.h: 0.6.2's
// header defines non-inline functions, which each of them renames with its own prefix.
// Not thread-safe, except AddNew: the owner serialises writes against reads (VectorIndex's
// reader-writer lock); AddNew may run on several threads at once while nothing else touches the graph.
// Vectors are `dim` floats, expected L2-normalised (inner-product space). With storage f16 / int8
// the graph holds compact codes of them (its distances are approximate) and the f32 vectors are
// kept by internal id in VectorRows, a memory-mapped file: Find, ExactScan and Row read those, so
// every score computed outside hnswlib is exact.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "index/top_k.h"
#include "index/vector_index.h"

namespace exemplar::index {

class HnswGraph {
 public:
  // An empty graph with room for `capacity` elements (grows by doubling).
  // `rows_dir`: where the f32 vector file of a compact graph goes (see VectorRows).
  HnswGraph(int dim, int m, int ef_construction, int ef_search, size_t capacity,
            VectorStorage storage = VectorStorage::kF32, const std::string& rows_dir = "");
  ~HnswGraph();
  HnswGraph(const HnswGraph&) = delete;
  HnswGraph& operator=(const HnswGraph&) = delete;

  size_t elements() const;  // graph elements, deleted ones included
  // The breadth searches use: the configured ef_search up to 100,000 elements, growing by two
  // thirds per tenfold beyond (213 at a million for 128). At a fixed ef recall falls as the graph
  // grows: at ef 128 the bench's data gave recall@10 0.9999 at 100k and 0.926 at 1M; at 1M, 0.957
  // at ef 192 and 0.964 at 213 (int8), and the whole bench 0.949 at 192 and 0.954 at 213.
  static size_t SearchEf(size_t base, size_t elements);
  size_t ef() const;  // SearchEf(ef_search, elements()), updated as the graph grows
  size_t live() const;      // elements not marked deleted

  VectorStorage storage() const;

  // The (f32) vector of a live element, else nullptr. Valid until the next write. With f16 / int8
  // it points into the vector file's mapping: for presence checks; Read is what reads the floats.
  const float* Find(uint64_t label) const;
  // The f32 vector of a live element (Row: f16 / int8 copy it into `buf`), else nullptr.
  const float* Read(uint64_t label, float* buf) const;
  // Inserts `label`, or replaces its vector (reviving it when deleted). false when hnswlib
  // failed (e.g. out of memory); the graph is then unchanged for that label.
  bool Add(uint64_t label, const float* vec);
  // True when `label` has an element, live or marked deleted (adding it again is an update).
  bool Has(uint64_t label) const;
  // Has, safe to call while AddNew calls run (it takes hnswlib's lock of the label map).
  bool HasConcurrent(uint64_t label) const;
  // Makes room for `extra` more elements (growing by doubling). false when hnswlib failed.
  bool Reserve(size_t extra);
  // Inserts a label the graph does not hold yet. REQUIRES: !Has(label), room reserved (Reserve).
  // Safe to call from several threads at once — hnswlib's addPoint locks per element for
  // concurrent inserts of distinct new labels — while no other method runs. false on failure.
  bool AddNew(uint64_t label, const float* vec);
  // Marks a live element deleted (excluded from results); no-op otherwise.
  void MarkDeleted(uint64_t label);

  // Exact inner products of `query` with every live element, pushed into `top`.
  void ExactScan(const float* query, TopK* top) const;
  // Labels of the approximate top-`fetch` by inner product, searched with ef = max(ef_search,
  // fetch). false when hnswlib threw (the caller falls back to an exact scan).
  bool Search(const float* query, size_t fetch, std::vector<uint64_t>* labels) const;
  // What VectorIndex re-scores: a live element's label, internal id and, with f32 storage, its
  // vector in the graph (valid until the next write). f16 / int8: `vec` is null; Row reads it.
  struct Candidate {
    uint64_t label;
    uint32_t id;
    const float* vec;
  };
  // The same search as Search (same ef, same candidates), returning each candidate by internal id:
  // no label-map lookup per hit, no result queue of labels, and none of hnswlib's shared hop
  // counters (atomics every concurrent search would write). Any order.
  bool SearchCandidates(const float* query, size_t fetch, std::vector<Candidate>* out) const;
  // f16 / int8: the (at most) `fetch` live elements among `labels` nearest to `query` by the
  // graph's own (code) distance, in any order — the first pass of an exact scan of a filter,
  // which Row then re-ranks. Labels without a live element are skipped.
  void NearestByCode(const float* query, const std::vector<uint64_t>& labels, size_t fetch,
                     std::vector<Candidate>* out) const;
  // The f32 vector of element `id`: f32 storage, the graph's copy; f16 / int8, the row copied
  // into `buf` (dim floats) from the vector file with pread. Searches read rows this way rather
  // than through the file's mapping, whose touched pages stay resident (see VectorRows).
  const float* Row(uint32_t id, float* buf) const;

  // A loaded graph's level-0 block starts out as the snapshot file mapped copy-on-write (no copy,
  // so loading is fast, but file pages are not huge pages). Promote moves up to `max_bytes` more
  // of it onto anonymous huge pages (same addresses) and returns how many bytes are left; 0 once
  // done, or for a graph that was built in memory.
  size_t Promote(size_t max_bytes);

  size_t MemoryBytes() const;  // the graph (compact codes in f16 / int8), not the f32 vector file
  size_t VectorFileBytes() const;  // the mapped f32 vector file; 0 for f32 storage

  // Writes hnswlib's saveIndex file to `path`; *expected_bytes is the size the file must have
  // (saveIndex itself does not report write errors, so the caller checks).
  Status Save(const std::string& path, uint64_t* expected_bytes) const;
  // Loads a file written by Save, mapping its level-0 block (see Promote) and reading the upper
  // levels. The header is checked against dim/m and `elements`, and every link is checked. The caller must already have
  // verified the file's checksum: hnswlib trusts its input. kFailedPrecondition on any problem.
  static Result<std::unique_ptr<HnswGraph>> Load(const std::string& path, int dim, int m, int ef_construction,
                                                 int ef_search, uint64_t elements, size_t capacity,
                                                 VectorStorage storage = VectorStorage::kF32,
                                                 const std::string& rows_dir = "");

  // f16 / int8: writes the f32 vectors of all elements (deleted ones too), by internal id, to
  // `path` and fsyncs it; *bytes and *checksum describe what was written.
  Status SaveRows(const std::string& path, uint64_t* bytes, uint64_t* checksum) const;
  // f16 / int8, after Load: reads a file written by SaveRows into the vector file, checking its
  // size against the graph and its checksum. kFailedPrecondition on any mismatch.
  Status LoadRows(const std::string& path, uint64_t checksum);

 private:
  struct Rep;
  explicit HnswGraph(std::unique_ptr<Rep> rep);
  std::unique_ptr<Rep> rep_;
};

}  // namespace exemplar::index
