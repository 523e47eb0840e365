#include "service/runs/run_lease.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

namespace exemplar::service {

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
  std::unique_lock lock(mu_);
  while (!cv_.wait_for(lock, every, [&] { return stop_; })) {
    lock.unlock();
    auto renewed = store_.RenewRunLease(run_id_, owner_, lease_ms_);
    lock.lock();
    if (!renewed.ok()) {
      spdlog::warn("run {}: cannot renew its lease: {}", run_id_, renewed.status().ToString());
    } else if (!*renewed) {
      lost_ = true;
      return;
    }
  }
}

}  // namespace exemplar::service
