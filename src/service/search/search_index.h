// SearchIndex: the in-memory indexes of one server — vector (HNSW + exact), keyword (BM25) and
// the metadata catalog — kept consistent with the store. On start it loads the snapshots saved
// beside the database (vectors, catalog, keywords), checks them against the store's change
// sequence, replays newer changes, and rebuilds from the store what is missing or does not fit.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <unordered_set>
#include <string>
#include <thread>
#include <vector>

#include "embed/embedder.h"
#include "index/keyword_index.h"
#include "index/vector_index.h"
#include "service/examples/catalog.h"
#include "service/search/relevance_floor.h"
#include "storage/store.h"

namespace exemplar::service {

// The vectors of one embedding model and the embedder that puts a query into their space. A
// search takes one VectorSpace and uses it throughout, so it never mixes vector spaces, and a
// switch to a new space (re-embedding, service/examples/reembedding.h) never pulls the index from
// under a search in flight.
struct VectorSpace {
  std::string model;                          // identity of the embedder that made every vector here
  std::shared_ptr<embed::Embedder> embedder;  // embeds queries; null when it cannot be re-created here
  std::shared_ptr<index::VectorIndex> index;
};

// The embedder of a model identity (e.g. "hash-384"), or null when this process cannot build it.
using EmbedderResolver = std::function<std::shared_ptr<embed::Embedder>(const std::string& model)>;

struct IndexStats {
  size_t examples = 0;
  size_t vectors = 0;
  size_t keyword_docs = 0;
  size_t vector_bytes = 0;       // the vector index in memory (with f16 / int8: the compact graph)
  size_t vector_file_bytes = 0;  // f16 / int8: the memory-mapped f32 vector file (else 0)
  size_t keyword_bytes = 0;
  size_t catalog_bytes = 0;      // the in-memory metadata filters resolve against
  int64_t applied_seq = 0;
  std::string load_mode;  // of the vectors: snapshot | snapshot+replay | rebuild
  std::string catalog_load;  // of the catalog and keyword index: snapshot | rows | rebuild
  std::string vector_model;  // the model of the serving vectors
};

class SearchIndex {
 public:
  // `configured` is the embedder new vectors should come from; `resolve` re-creates the embedder
  // of vectors stored by another model, so they keep serving while a re-embedding runs.
  SearchIndex(storage::Store& store, index::VectorIndexOptions options, std::string snapshot_path,
              std::shared_ptr<embed::Embedder> configured, EmbedderResolver resolve = {});

  // Loads or rebuilds so the indexes reflect the store. Call once before serving. The serving
  // vectors are those of the model most stored vectors were made with (the configured one when
  // none are stored); vectors of other models stay out of it. The snapshot is used only when it
  // was saved for that model (`<snapshot>.model`).
  Status Load();
  // How far Load has come: examples read into the indexes of the store's count when it started
  // (`done` jumps to `total` when they come from snapshots); `counted` is false until that count
  // is known. Any thread; atomic reads.
  struct LoadProgress {
    size_t done = 0;
    size_t total = 0;
    bool counted = false;
  };
  LoadProgress Progress() const {
    return {load_done_.load(std::memory_order_relaxed), load_total_.load(), load_counted_.load()};
  }
  // Makes a Load running on another thread stop reading rows and return kUnavailable; the indexes
  // are then partial, to be neither served nor saved. For a stop signal during start-up.
  void CancelLoad() { cancel_load_ = true; }
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
  // holds KeywordText of each example, already computed; `fingerprints` is empty or holds
  // FingerprintExample of each example. REQUIRES: as Apply.
  void ApplyBatch(const std::vector<const Example*>& examples, std::vector<std::string> keyword_texts,
                  const std::vector<const ExampleFingerprint*>& fingerprints = {});
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
  void WaitUntilIndexed() { Space()->index->Flush(); }

  const Catalog& catalog() const { return catalog_; }
  Catalog& catalog() { return catalog_; }
  // The serving vector space (model, query embedder, index); held by the caller, it stays valid
  // across a switch.
  std::shared_ptr<const VectorSpace> Space() const;
  std::shared_ptr<const index::VectorIndex> vectors() const { return Space()->index; }
  // The embedder writes use: the serving space's, or the configured one when that cannot be
  // re-created (its vectors then wait for the re-embedding to serve).
  std::shared_ptr<embed::Embedder> WriteEmbedder() const;
  const std::shared_ptr<embed::Embedder>& configured() const { return configured_; }
  // Examples per model of their vector ("" : without one), counted by the last Load or re-embedding,
  // for deciding whether a re-embedding is due.
  std::map<std::string, size_t> StoredModels() const;

  // An empty space for `model` (its embedder resolved); its dimension from `dim` (0: the embedder's).
  std::shared_ptr<VectorSpace> NewSpace(const std::string& model, int dim = 0) const;

  // ---- Re-embedding (service/examples/reembedding.h). REQUIRES: LockWrites() held for each. ----
  // From now on writes also update `next` when they carry its model's vector, and every written or
  // removed row is recorded as touched: the re-embedding places it again before switching.
  void BeginMigration(std::shared_ptr<VectorSpace> next);
  bool Migrating() const { return next_ != nullptr; }
  // Rows written or removed since the last call (and since BeginMigration).
  std::vector<int64_t> TakeTouched();
  bool Touched(int64_t row_id) const { return touched_.count(row_id) > 0; }
  void AddToNext(int64_t row_id, std::span<const float> vec);
  const VectorSpace* next() const { return next_.get(); }
  // Makes the next space the serving one (searches started before keep theirs) / drops it.
  void FinishMigration();
  void AbortMigration();
  const index::KeywordIndex& keywords() const { return keywords_; }
  IndexStats Stats() const;

  // The relevance floor calibration of this index for vectors made by `embedder`: the stored one
  // while it still fits (same embedder, vector count within a tenth), else measured again now.
  // One caller measures (embedding the off-topic probes may call a remote provider); while it does,
  // other callers get the previous calibration of the same embedder, and wait only when there is
  // none. Saved beside the vector snapshot (`<snapshot>.calibration`) and read back by Load.
  // (search_index_calibration.cc)
  RelevanceCalibration Calibration(const std::string& embedder) const;
  // Whether Calibration(embedder) answers at once, without measuring (so without embedding probes
  // and scanning the vectors: up to a second at 100,000 examples).
  bool CalibrationFresh(const std::string& embedder) const;

 private:
  Status LoadIndexes();  // Load without the progress counts
  Status Rebuild();
  // kUnavailable once CancelLoad was called.
  Status CheckNotCancelled() const;
  // Loads the catalog and keyword snapshots reflecting change `seq` (on two threads); false, with
  // both left empty, when either is missing, stale or corrupt. REQUIRES: apply_mu_ held.
  bool LoadCatalogAndKeywords(int64_t seq);
  // Fills the catalog and keyword index from every row (the fallback). REQUIRES: apply_mu_ held.
  Status ScanRows(std::map<std::string, size_t>* models);  // counts embedded rows per model
  // Applies change-log entries in (seq, latest]: to the vectors only (after a snapshot load, when
  // catalog and keywords come from a full scan) or to every index; with skip_own, entries this
  // store instance wrote are skipped. Returns the last seq seen. REQUIRES: apply_mu_ held.
  Result<int64_t> Replay(int64_t seq, int64_t latest, bool vectors_only, bool skip_own);
  Status CatchUpLocked();

  // The model most stored vectors were made with; the configured one wins ties and an empty store.
  static std::string ServingModel(const std::map<std::string, size_t>& models, const std::string& configured);
  void SetSpace(std::shared_ptr<VectorSpace> space);
  // True when `e` carries a vector of `space`'s model and dimension.
  static bool Fits(const Example& e, const VectorSpace& space);

  storage::Store& store_;
  index::VectorIndexOptions options_;
  std::string snapshot_path_;
  std::shared_ptr<embed::Embedder> configured_;
  EmbedderResolver resolve_;
  mutable std::mutex space_mu_;  // guards the pointer space_ (not the index it points to)
  std::shared_ptr<VectorSpace> space_;
  std::shared_ptr<VectorSpace> next_;       // GUARDED_BY(apply_mu_): the space being built
  std::unordered_set<int64_t> touched_;     // GUARDED_BY(apply_mu_)
  std::map<std::string, size_t> stored_models_;
  index::KeywordIndex keywords_;
  Catalog catalog_;
  std::mutex apply_mu_;  // orders index updates of concurrent writers
  std::atomic<int64_t> applied_seq_{0};
  std::string load_mode_;
  std::atomic<size_t> load_done_{0}, load_total_{0};
  std::atomic<bool> load_counted_{false};  // load_total_ holds the store's count
  std::atomic<bool> cancel_load_{false};
  std::string catalog_load_;
  mutable std::mutex calibration_mu_;
  mutable std::optional<RelevanceCalibration> calibration_;  // GUARDED_BY(calibration_mu_)
  mutable bool calibrating_ = false;                          // GUARDED_BY(calibration_mu_)
  mutable std::condition_variable calibration_done_;
  std::thread follower_;
  std::atomic<bool> following_{false};
};

}  // namespace exemplar::service
