// SearchIndex: the in-memory indexes of one server — vector (HNSW + exact), keyword (BM25) and
// the metadata catalog — kept consistent with the store. On start it loads the snapshots saved
// beside the database (vectors, catalog, keywords), checks them against the store's change
// sequence, replays newer changes, and rebuilds from the store what is missing or does not fit.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "index/keyword_index.h"
#include "index/vector_index.h"
#include "service/examples/catalog.h"
#include "service/search/relevance_floor.h"
#include "storage/store.h"

namespace exemplar::service {

struct IndexStats {
  size_t examples = 0;
  size_t vectors = 0;
  size_t keyword_docs = 0;
  size_t vector_bytes = 0;
  size_t keyword_bytes = 0;
  int64_t applied_seq = 0;
  std::string load_mode;  // of the vectors: snapshot | snapshot+replay | rebuild
  std::string catalog_load;  // of the catalog and keyword index: snapshot | rows | rebuild
};

class SearchIndex {
 public:
  SearchIndex(storage::Store& store, index::VectorIndexOptions options, std::string snapshot_path);

  // Loads or rebuilds so the indexes reflect the store. Call once before serving.
  Status Load();
  // Writes the vector, catalog and keyword snapshots tagged with the applied change sequence.
  Status SaveSnapshot();

  // Writers hold this lock across "commit to the store, then apply to the indexes", so index
  // updates happen in commit order and a snapshot never claims a change it has not applied.
  std::unique_lock<std::mutex> LockWrites() { return std::unique_lock(apply_mu_); }
  // Applies a committed example. REQUIRES: LockWrites() held; e.embedding filled when
  // e.has_embedding().
  void Apply(const Example& e);
  // Applies committed examples in order, like Apply one by one, but hands the vectors to the
  // vector index in one call (one lock acquisition for the batch). `keyword_texts` is empty or
  // holds KeywordText of each example, already computed. REQUIRES: as Apply.
  void ApplyBatch(const std::vector<const Example*>& examples, std::vector<std::string> keyword_texts);
  // REQUIRES: LockWrites() held.
  void Remove(int64_t row_id);
  // Applies changes committed by other processes since the applied sequence (this process's
  // own changes were applied as they committed). Used by the follower and before snapshots.
  Status CatchUp();

  // Follows the change log on a background thread: waits for a change (NOTIFY on PostgreSQL,
  // else `poll` elapses) and catches up, so writes through other replicas or processes become
  // searchable here. StopFollowing (or the destructor) ends it.
  void StartFollowing(std::chrono::milliseconds poll);
  void StopFollowing();
  ~SearchIndex();

  // Returns once every vector applied so far is in the HNSW graph (benchmarks, tests).
  void WaitUntilIndexed() { vectors_->Flush(); }

  const Catalog& catalog() const { return catalog_; }
  Catalog& catalog() { return catalog_; }
  const index::VectorIndex& vectors() const { return *vectors_; }
  const index::KeywordIndex& keywords() const { return keywords_; }
  IndexStats Stats() const;

  // The relevance floor calibration of this index for vectors made by `embedder`: the stored one
  // while it still fits (same embedder, vector count within a tenth), else measured again now.
  // Saved beside the vector snapshot (`<snapshot>.calibration`) and read back by Load.
  RelevanceCalibration Calibration(const std::string& embedder) const;

 private:
  Status Rebuild();
  // Loads the catalog and keyword snapshots reflecting change `seq` (on two threads); false, with
  // both left empty, when either is missing, stale or corrupt. REQUIRES: apply_mu_ held.
  bool LoadCatalogAndKeywords(int64_t seq);
  // Fills the catalog and keyword index from every row (the fallback). REQUIRES: apply_mu_ held.
  Status ScanRows();
  // Applies change-log entries in (seq, latest]: to the vectors only (after a snapshot load, when
  // catalog and keywords come from a full scan) or to every index; with skip_own, entries this
  // store instance wrote are skipped. Returns the last seq seen. REQUIRES: apply_mu_ held.
  Result<int64_t> Replay(int64_t seq, int64_t latest, bool vectors_only, bool skip_own);
  Status CatchUpLocked();

  storage::Store& store_;
  index::VectorIndexOptions options_;
  std::string snapshot_path_;
  std::unique_ptr<index::VectorIndex> vectors_;
  index::KeywordIndex keywords_;
  Catalog catalog_;
  std::mutex apply_mu_;  // orders index updates of concurrent writers
  std::atomic<int64_t> applied_seq_{0};
  std::string load_mode_;
  std::string catalog_load_;
  mutable std::mutex calibration_mu_;
  mutable std::optional<RelevanceCalibration> calibration_;  // GUARDED_BY(calibration_mu_)
  std::thread follower_;
  std::atomic<bool> following_{false};
};

}  // namespace exemplar::service
