// Readiness: whether the server's indexes are loaded, so that requests that read them may run.
// `exemplar serve` listens before it loads them (a rebuild from the rows takes minutes at a million
// examples), so liveness probes are answered meanwhile. Until MarkReady, every route but /healthz,
// /readyz and the OpenAPI document answers 503 with Retry-After (routes.cc, Guard: after
// authentication, before the rate limit), and a page of the web UI is a small "starting" page (dispatcher.cc).
#pragma once

#include <atomic>
#include <string>

#include "service/search/search_index.h"

namespace exemplar::api {

class Readiness {
 public:
  // Seconds a refused client is asked to wait (Retry-After): a load takes seconds to minutes.
  static constexpr int kRetryAfterSeconds = 5;

  // Ready from the start: a runtime whose indexes were loaded before anything serves.
  Readiness() = default;
  // Not ready until MarkReady; `loading` tells how far its load has come. REQUIRES: it outlives this.
  explicit Readiness(const service::SearchIndex& loading) : ready_(false), loading_(&loading) {}

  // Thread-safe. Once true, stays true; everything the loader did before MarkReady is visible
  // to a caller that saw it true.
  bool ready() const { return ready_.load(std::memory_order_acquire); }
  void MarkReady() { ready_.store(true, std::memory_order_release); }

  service::SearchIndex::LoadProgress progress() const {
    return loading_ != nullptr ? loading_->Progress() : service::SearchIndex::LoadProgress{};
  }
  // "loading indexes: 1200 of 50000 examples", or "loading indexes" without the counts (for a
  // caller who may not learn the store's size, or before the store's examples are counted).
  std::string Describe(bool with_counts) const {
    const auto p = progress();
    if (!with_counts || !p.counted) return "loading indexes";
    return "loading indexes: " + std::to_string(p.done) + " of " + std::to_string(p.total) + " examples";
  }

 private:
  std::atomic<bool> ready_{true};
  const service::SearchIndex* loading_ = nullptr;
};

}  // namespace exemplar::api
