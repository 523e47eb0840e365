// Reembedding: builds the vector index of the configured embedder in the background while the
// serving index (another model, or the same one for a forced re-embed) keeps answering searches,
// then switches atomically (issue #21).
//
// The job walks the live examples in row order, reusing a stored vector that already has the
// target model (unless forced) and embedding the rest, into a new VectorSpace registered with the
// SearchIndex. Writes meanwhile keep going to the serving space (and to the store); each one is
// marked touched and embedded again for the new space before the switch, so an example written
// during the migration is in both indexes. The switch happens under the index write lock: the new
// vectors are written to the store (embedding + embedding_model per example), the new space
// becomes the serving one, and a snapshot is saved. A failure (embedding provider down) drops the
// new space; the serving one is untouched.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "common/status.h"
#include "embed/embedder.h"
#include "service/search/search_index.h"
#include "storage/store.h"

namespace exemplar::service {

struct ReembedStatus {
  std::string state = "idle";  // idle | running | completed | failed
  std::string from_model, to_model;
  bool all = false;            // every example re-embedded (forced), not only other models' vectors
  int64_t total = 0;           // examples to place in the new index
  int64_t done = 0;            // placed so far (reused + embedded)
  int64_t reused = 0;          // stored vectors of the target model taken as they are
  int64_t embedded = 0;        // texts embedded by the job (written meanwhile included)
  int64_t errors = 0;
  std::optional<int64_t> started_at, finished_at;  // ms since the epoch
  std::string error;
};

class Reembedding {
 public:
  Reembedding(storage::Store& store, SearchIndex& index) : store_(store), index_(index) {}
  ~Reembedding() { Stop(); }

  // Starts a background re-embedding into the configured embedder's space. `all`: every example
  // afresh (bypassing the embedding cache); else only vectors of another model (or missing).
  // kFailedPrecondition when one is running. Returns the status at start.
  Result<ReembedStatus> Start(bool all);
  // True when the stored vectors are not all of the configured model (a re-embedding is due).
  bool Due() const;
  ReembedStatus Current() const;
  // Waits for a running job (tests, shutdown); Stop abandons it (the serving space stays).
  void Wait();
  void Stop();

 private:
  void Run(bool all);
  // Embeds and places rows (by row id) in the next space. `under_lock`: the caller holds the index
  // write lock (the last few rows before the switch). Returns false on an embedding failure.
  bool PlaceRows(const std::vector<int64_t>& rows, bool all, bool under_lock);
  // Writes the next space's vectors to the store and makes it the serving one. REQUIRES: write lock.
  Status Switch();
  void Fail(const std::string& why);

  storage::Store& store_;
  SearchIndex& index_;
  std::shared_ptr<embed::Embedder> target_;  // configured embedder (cache bypassed when forced)
  mutable std::mutex mu_;
  ReembedStatus status_;  // GUARDED_BY(mu_)
  std::thread thread_;
  std::atomic<bool> stop_{false};
};

}  // namespace exemplar::service
