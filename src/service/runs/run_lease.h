// RunLease: the executing replica's heartbeat on a run (SPEC replicas; docs/ARCHITECTURE.md,
// Optimization runs). While it lives, a thread renews the run's lease every lease / 3, so two
// renewals may fail (a slow database) before the lease expires and another replica takes over.
// Failed renewals are logged once, then summarised every 10 s, and their end once.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "storage/store.h"

namespace exemplar::service {

class RunLease {
 public:
  // Starts renewing the lease `owner` holds on `run_id` (claimed with the same lease_ms).
  RunLease(storage::Store& store, std::string run_id, std::string owner, int64_t lease_ms);
  ~RunLease();  // Stop()
  // Stops renewing; the lease then runs out by itself unless the run finished.
  void Stop();
  // True once a renewal found the run no longer running under `owner` (taken over after the
  // lease expired, or finished elsewhere): the caller must stop working on it and write nothing.
  bool lost() const { return lost_.load(); }

 private:
  void Renew();

  storage::Store& store_;
  const std::string run_id_, owner_;
  const int64_t lease_ms_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;  // GUARDED_BY(mu_)
  std::atomic<bool> lost_{false};
  std::thread thread_;  // last: starts once the fields above exist
};

}  // namespace exemplar::service
