// VectorIndex's background graph insertion (vector_index_impl.h): writes are stored and searchable
// at once (exactly, as pending vectors); inserter threads fold them into the HNSW graph in short
// rounds under the write lock, and writers waiting for the lock go first.
#include <thread>

#include "index/vector_index_impl.h"

namespace exemplar::index {
namespace {

// A graph-insertion round holds searches off for at most this long (plus the insertions under
// way): long enough that inserter threads woken late on a busy machine still get work, short next
// to a search during a bulk load (which also scans the backlog exactly).
constexpr auto kRoundBudget = std::chrono::milliseconds(10);
// At most this many new labels per round (the room made in the graph up front) and this many
// updates, which the leader re-adds alone after the round.
constexpr size_t kRoundMaxNew = 4096;
constexpr size_t kRoundMaxUpdates = 32;

}  // namespace

void VectorIndex::Impl::Enqueue(uint64_t label) {
  {
    std::lock_guard lock(queue_mu);
    queue.push_back(label);
    if (workers.empty()) {
      for (size_t t = 0; t < insert_threads; ++t) workers.emplace_back([this] { WorkerLoop(); });
    }
  }
  queue_cv.notify_one();
}

bool VectorIndex::Impl::RoundHasWork() const {
  return round.open && !queue.empty() && round.room > 0 && round.updates.size() < kRoundMaxUpdates &&
         writers_waiting.load() == 0 && Clock::now() < round.deadline;
}

std::unique_lock<RwLock> VectorIndex::Impl::LockForWrite() {
  ++writers_waiting;
  std::unique_lock lock(mu);
  --writers_waiting;
  return lock;
}

void VectorIndex::Impl::RunRound() {
  // Writes go first: the lock does not queue writers fairly, and inserter threads releasing and
  // taking it back to back could otherwise keep a commit waiting for as long as a backlog lasts.
  while (writers_waiting.load() > 0) std::this_thread::sleep_for(std::chrono::microseconds(50));
  std::unique_lock write(mu);
  size_t want;
  {
    std::lock_guard lock(queue_mu);
    want = std::min(queue.size(), kRoundMaxNew);
  }
  if (want > 0 && !graph->Reserve(want)) {
    // No room for more: insert one at a time (each insertion grows the graph or keeps the vector
    // pending, searchable).
    std::vector<uint64_t> labels;
    {
      std::lock_guard lock(queue_mu);
      for (size_t i = 0; i < want && !queue.empty(); ++i, queue.pop_front()) labels.push_back(queue.front());
    }
    for (uint64_t label : labels) {
      if (const float* v = pending.Find(label)) AddToGraphOrKeepPending(label, v);
    }
    want = 0;
  }
  std::vector<std::pair<uint64_t, char>> added;
  std::vector<uint64_t> updates;
  if (want > 0) {
    std::unique_lock lock(queue_mu);
    round.open = true;
    round.room = want;
    round.deadline = Clock::now() + kRoundBudget;
    round.running = 0;
    queue_cv.notify_all();
    HelpRound(lock);
    idle_cv.wait(lock, [this] { return round.running == 0; });
    round.open = false;
    added.swap(round.added);
    updates.swap(round.updates);
    round.taken.clear();
  }
  // `pending` changes only now that no insertion runs (its rows were the insertions' input).
  for (const auto& [label, ok] : added) {
    if (ok) {
      pending.Erase(label);
    } else {
      ++graph_failures;  // the vector stays searchable in `pending`
    }
  }
  for (uint64_t label : updates) {
    if (const float* v = pending.Find(label)) AddToGraphOrKeepPending(label, v);
  }
  write.unlock();
  {
    std::lock_guard lock(queue_mu);
    leading = false;
  }
  idle_cv.notify_all();
  queue_cv.notify_all();
}

void VectorIndex::Impl::HelpRound(std::unique_lock<std::mutex>& lk) {
  // The round's leader holds `mu` exclusively: `pending` is read-only meanwhile, and the graph
  // is written only by AddNew calls (and read through HasConcurrent).
  while (RoundHasWork()) {
    const uint64_t label = queue.front();
    queue.pop_front();
    if (!round.taken.insert(label).second) continue;  // queued twice
    const float* vec = pending.Find(label);
    if (vec == nullptr) continue;  // removed, or folded through an earlier queue entry
    if (graph->HasConcurrent(label)) {
      round.updates.push_back(label);
      continue;
    }
    --round.room;
    const size_t slot = round.added.size();
    round.added.emplace_back(label, 0);
    ++round.running;
    lk.unlock();
    const bool ok = graph->AddNew(label, vec);
    lk.lock();
    round.added[slot].second = ok ? 1 : 0;
    if (--round.running == 0) idle_cv.notify_all();
  }
}

void VectorIndex::Impl::WorkerLoop() {
  std::unique_lock lock(queue_mu);
  for (;;) {
    queue_cv.wait(lock, [this] { return stop || RoundHasWork() || (!paused && CanLead()); });
    if (stop) return;
    if (RoundHasWork()) {
      HelpRound(lock);
      continue;
    }
    leading = true;
    lock.unlock();
    RunRound();
    lock.lock();
  }
}

}  // namespace exemplar::index
