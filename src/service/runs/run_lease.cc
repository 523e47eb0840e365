#include "service/runs/run_lease.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "common/time.h"

namespace exemplar::service {
namespace {

// While renewals fail (the database is lost), the first failure is logged, then a summary at most
// this often, as the store's own outage log does: a renewal every lease / 3 per run would
// otherwise fill the log for as long as the outage lasts.
constexpr int64_t kFailureLogEveryMs = 10 * 1000;

}  // namespace

RunLease::RunLease(storage::Store& store, std::string run_id, std::string owner, int64_t lease_ms)
    : store_(store), run_id_(std::move(run_id)), owner_(std::move(owner)), lease_ms_(lease_ms),
      thread_([this] { Renew(); }) {}

RunLease::~RunLease() { Stop(); }

void RunLease::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void RunLease::Renew() {
  const auto every = std::chrono::milliseconds(std::max<int64_t>(100, lease_ms_ / 3));
  int64_t failures = 0, failing_since_ms = 0, logged_ms = 0;  // the current run of failed renewals
  std::unique_lock lock(mu_);
  while (!cv_.wait_for(lock, every, [&] { return stop_; })) {
    lock.unlock();
    auto renewed = store_.RenewRunLease(run_id_, owner_, lease_ms_);
    lock.lock();
    const int64_t now = NowMillis();
    if (!renewed.ok()) {
      if (failures++ == 0) {
        failing_since_ms = logged_ms = now;
        spdlog::warn("run {}: cannot renew its lease: {}; retrying (repeats are summarised every {} s)", run_id_,
                     renewed.status().ToString(), kFailureLogEveryMs / 1000);
      } else if (now - logged_ms >= kFailureLogEveryMs) {
        logged_ms = now;
        spdlog::warn("run {}: still cannot renew its lease after {} s, {} failed renewals; last: {}", run_id_,
                     (now - failing_since_ms) / 1000, failures, renewed.status().ToString());
      }
      continue;
    }
    if (failures > 0) {
      spdlog::info("run {}: its lease can be renewed again after {} s ({} failed renewals)", run_id_,
                   (now - failing_since_ms) / 1000, failures);
      failures = 0;
    }
    if (!*renewed) {
      lost_ = true;
      return;
    }
  }
}

}  // namespace exemplar::service
