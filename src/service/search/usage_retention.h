// Retention of usage evidence (review s22): every retrieve writes a `retrievals` row (its
// candidates, why each was chosen, the seed, the request: about 10 KB at k = 20) and a usage event
// per example, and an agent in a loop grew a SQLite store by a megabyte a second. Rows older than
// usage_retention_days go, beyond max_retrievals_kept the oldest retrievals go with their events,
// and beyond max_usage_events_kept the oldest events go (tracked uses are not tied to a retrieval,
// so the retrieval bound alone left them to the age window). Effectiveness counters live on the example rows, so a prune never changes a score; what
// is read from these tables (a retrieval, an example's usage events, the dashboard's usage figures,
// the effectiveness trend) covers what is kept.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "storage/store.h"

namespace exemplar::service {

struct UsageRetentionOptions {
  int retention_days = 90;             // <= 0: kept for ever
  int64_t max_retrievals = 1'000'000;  // <= 0: no bound
  int64_t max_usage_events = 10'000'000;  // <= 0: no bound
};

// What this process has pruned, and how many retrievals the store held after its last pass.
struct UsageRetentionStats {
  int64_t retrievals_pruned = 0;
  int64_t usage_events_pruned = 0;
  std::optional<int64_t> retrievals_kept;    // nullopt before the first pass
  std::optional<int64_t> usage_events_kept;  // nullopt before the first pass that counted them
};

class UsageRetention {
 public:
  // Rows per prune transaction, so a request waiting for the SQLite write lock waits about as long
  // as one batch. Measured on a 320 MB store of 10 KB retrievals with 20 events each (2 busy
  // cores): 100 retrievals take ~10 ms, ~60 ms with their 2,000 events; 1,000 events ~35 ms
  // (500 retrievals with their events held the lock for 300 ms).
  static constexpr int64_t kRetrievalBatch = 100;
  static constexpr int64_t kEventBatch = 1000;

  UsageRetention(storage::Store& store, UsageRetentionOptions options) : store_(store), options_(options) {}
  ~UsageRetention() { Stop(); }
  UsageRetention(const UsageRetention&) = delete;
  UsageRetention& operator=(const UsageRetention&) = delete;

  // One pass: retrievals and usage events created before the window (each by its own age), then,
  // when more than max_retrievals are kept, the oldest retrievals with their events, down to the
  // bound (retrievals of the bound's millisecond stay), then, when more than max_usage_events are
  // kept, the oldest usage events down to that bound (those of its millisecond stay; a retrieval
  // keeps what it credited on its own row). Each batch is its own transaction with a
  // pause between batches; passes of this process run one at a time, and passes of other replicas
  // at the same moment are harmless (Store::PruneRetrievals). Returns what the pass deleted.
  Result<storage::PrunedRows> PruneNow();
  // Runs a pass now and then every `every`, and also after each check_every() retrievals and each
  // check_every_events() usage events this process records (NoteRetrieval, NoteUsageEvents),
  // until Stop. No-op when no bound is set.
  void Start(std::chrono::milliseconds every);
  void Stop();
  // Counts a retrieval this process recorded (an atomic add); every check_every()-th wakes the
  // pass, which checks the count bound.
  void NoteRetrieval();
  // Counts `n` usage events this process recorded; crossing a multiple of check_every_events()
  // wakes the pass, which checks the event bound.
  void NoteUsageEvents(int64_t n);
  // Retrievals recorded between two checks of the count bound: 1% of it. The check is a COUNT
  // over the retrievals index (about max_retrievals entries), so it costs about 100 index entries
  // per retrieval, and the store holds at most about 1% more than the bound (per replica) before
  // the check prunes it back.
  int64_t check_every() const;
  // The same for usage events: 1% of max_usage_events.
  int64_t check_every_events() const;
  UsageRetentionStats stats() const;
  // The message of a 404 for a retrieval the store does not hold: ids are random, so the store
  // cannot tell a pruned retrieval from one that never existed, and the message names both.
  std::string NotFoundMessage() const;
  const UsageRetentionOptions& options() const { return options_; }

 private:
  bool enabled() const {
    return options_.retention_days > 0 || options_.max_retrievals > 0 || options_.max_usage_events > 0;
  }
  // Wakes the pass thread for a bound check.
  void MakeDue();
  // Waits between batches (so waiting writers take the write lock); false once stopping.
  bool Pause();

  storage::Store& store_;
  const UsageRetentionOptions options_;
  std::mutex pass_mu_;  // one pass at a time
  std::atomic<int64_t> recorded_{0};
  std::atomic<int64_t> events_recorded_{0};
  std::atomic<int64_t> retrievals_pruned_{0};
  std::atomic<int64_t> usage_events_pruned_{0};
  std::atomic<int64_t> retrievals_kept_{-1};  // -1: no pass yet
  std::atomic<int64_t> events_kept_{-1};      // -1: not counted yet
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // GUARDED_BY(mu_)
  bool due_ = false;       // GUARDED_BY(mu_): the count bound asks for a pass
  std::thread thread_;
};

}  // namespace exemplar::service
