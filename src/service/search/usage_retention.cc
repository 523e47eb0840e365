#include "service/search/usage_retention.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/time.h"

namespace exemplar::service {
namespace {

// Between two batches of a pass: long enough for the requests waiting on the write lock (a
// std::mutex is not fair) to take it, short enough that a million rows prune in well under a minute.
constexpr std::chrono::milliseconds kPauseBetweenBatches{10};

}  // namespace

bool UsageRetention::Pause() {
  std::unique_lock lock(mu_);
  return !cv_.wait_for(lock, kPauseBetweenBatches, [this] { return stopping_; });
}

Result<storage::PrunedRows> UsageRetention::PruneNow() {
  std::lock_guard pass(pass_mu_);
  storage::PrunedRows total;
  auto add = [&](const storage::PrunedRows& n) {
    total.retrievals += n.retrievals;
    total.usage_events += n.usage_events;
    retrievals_pruned_ += n.retrievals;
    usage_events_pruned_ += n.usage_events;
  };
  // Batches until one comes back short (nothing older left, or only rows another replica holds).
  auto drain_retrievals = [&](int64_t before, bool with_events) -> Status {
    for (;;) {
      EXEMPLAR_ASSIGN_OR_RETURN(storage::PrunedRows n, store_.PruneRetrievals(before, kRetrievalBatch, with_events));
      add(n);
      if (n.retrievals < kRetrievalBatch || !Pause()) return Status::Ok();
    }
  };
  if (options_.retention_days > 0) {
    const int64_t cutoff = NowMillis() - int64_t{options_.retention_days} * kMillisPerDay;
    // Each row by its own age: a recent outcome of an old retrieval stays in the window's figures.
    EXEMPLAR_RETURN_IF_ERROR(drain_retrievals(cutoff, /*with_events=*/false));
    for (;;) {
      EXEMPLAR_ASSIGN_OR_RETURN(int64_t n, store_.PruneUsageEvents(cutoff, kEventBatch));
      add({0, n});
      if (n < kEventBatch || !Pause()) break;
    }
  }
  EXEMPLAR_ASSIGN_OR_RETURN(int64_t kept, store_.CountRetrievals());
  if (options_.max_retrievals > 0 && kept > options_.max_retrievals) {
    // Everything older than the bound's newest-kept retrieval, fixed once for the pass: retrievals
    // recorded meanwhile only push the bound later, and a replica pruning at the same moment
    // computes the same time, so two passes never take the store below the bound.
    EXEMPLAR_ASSIGN_OR_RETURN(std::optional<int64_t> bound, store_.NthNewestRetrievalTime(options_.max_retrievals));
    if (bound) {
      const int64_t before = total.retrievals;
      EXEMPLAR_RETURN_IF_ERROR(drain_retrievals(*bound, /*with_events=*/true));
      kept -= total.retrievals - before;
    }
  }
  retrievals_kept_ = std::max<int64_t>(kept, 0);
  if (options_.max_usage_events > 0) {
    EXEMPLAR_ASSIGN_OR_RETURN(int64_t events, store_.CountUsageEvents());
    if (events > options_.max_usage_events) {
      // As for retrievals: one time for the pass, and the bound's millisecond stays.
      EXEMPLAR_ASSIGN_OR_RETURN(std::optional<int64_t> bound,
                                store_.NthNewestUsageEventTime(options_.max_usage_events));
      if (bound) {
        for (;;) {
          EXEMPLAR_ASSIGN_OR_RETURN(int64_t n, store_.PruneUsageEvents(*bound, kEventBatch));
          add({0, n});
          events -= n;
          if (n < kEventBatch || !Pause()) break;
        }
      }
    }
    events_kept_ = std::max<int64_t>(events, 0);
  }
  return total;
}

void UsageRetention::Start(std::chrono::milliseconds every) {
  if (!enabled() || thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stopping_ = false;
    due_ = false;
  }
  thread_ = std::thread([this, every] {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      // A pass the count bound asked for is logged at debug: under a loop it runs every 1% of the bound.
      const auto level = due_ ? spdlog::level::debug : spdlog::level::info;
      due_ = false;
      lock.unlock();
      auto n = PruneNow();
      if (!n.ok()) {
        spdlog::warn("usage retention: {}", n.status().ToString());
      } else if (n->retrievals + n->usage_events > 0) {
        spdlog::log(level, "usage retention: removed {} retrievals and {} usage events (kept for {} days, at most {} "
                    "retrievals and {} usage events)",
                    n->retrievals, n->usage_events, options_.retention_days, options_.max_retrievals,
                    options_.max_usage_events);
      }
      lock.lock();
      cv_.wait_for(lock, every, [this] { return stopping_ || due_; });
    }
  });
}

void UsageRetention::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

int64_t UsageRetention::check_every() const { return std::max<int64_t>(1, options_.max_retrievals / 100); }

int64_t UsageRetention::check_every_events() const {
  return std::max<int64_t>(1, options_.max_usage_events / 100);
}

void UsageRetention::MakeDue() {
  {
    std::lock_guard lock(mu_);
    due_ = true;
  }
  cv_.notify_all();
}

void UsageRetention::NoteRetrieval() {
  if (options_.max_retrievals <= 0) return;
  if ((recorded_.fetch_add(1, std::memory_order_relaxed) + 1) % check_every() == 0) MakeDue();
}

void UsageRetention::NoteUsageEvents(int64_t n) {
  if (options_.max_usage_events <= 0 || n <= 0) return;
  const int64_t before = events_recorded_.fetch_add(n, std::memory_order_relaxed);
  if ((before + n) / check_every_events() != before / check_every_events()) MakeDue();
}

UsageRetentionStats UsageRetention::stats() const {
  UsageRetentionStats s;
  s.retrievals_pruned = retrievals_pruned_;
  s.usage_events_pruned = usage_events_pruned_;
  if (const int64_t kept = retrievals_kept_; kept >= 0) s.retrievals_kept = kept;
  if (const int64_t kept = events_kept_; kept >= 0) s.usage_events_kept = kept;
  return s;
}

std::string UsageRetention::NotFoundMessage() const {
  if (!enabled()) return "Retrieval not found";
  std::string kept;
  if (options_.retention_days > 0) kept = "for " + std::to_string(options_.retention_days) + " days";
  if (options_.max_retrievals > 0) {
    kept += (kept.empty() ? "" : ", ") + std::string("at most ") + std::to_string(options_.max_retrievals) +
            " of them";
  }
  return "Retrieval not found: no retrieval has this id, or it was pruned by retention (retrievals are kept " + kept +
         ": usage_retention_days, max_retrievals_kept)";
}

}  // namespace exemplar::service
