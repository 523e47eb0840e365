// Runs whose executor stopped: recovery at start (a previous process of this replica) and
// takeover of runs whose lease expired (another replica died) or was given up (it stopped cleanly).
#include <spdlog/spdlog.h>

#include "common/time.h"
#include "service/runs/runs.h"

namespace exemplar::service {
namespace {

// Runs claimed before leases existed have none: their claimer's silence for this long is the
// sign that it is gone.
constexpr int64_t kLegacySilenceMs = 10 * 60 * 1000;

// A lease "renewed" to end before now is given up: the run can be taken over at once.
constexpr int64_t kReleasedLeaseMs = -1;

}  // namespace

bool Runs::ShouldRecover(const RunRecord& run, int64_t now) const {
  if (!options_.shared) return true;
  // A run with a lease, this replica's own included (a previous process of it stopped or died:
  // a rolling restart), is resumed once the lease expires by an idle worker of any replica, this
  // one too (Worker, ContinueTakenOver), keeping its finished trials and what it spent.
  if (run.lease_expires_at) return false;
  if (!run.claimed_by || *run.claimed_by == options_.owner) return true;
  return run.updated_at < now - kLegacySilenceMs;
}

Status Runs::FailInterrupted(RunRecord& run, const std::string& why) {
  EXEMPLAR_ASSIGN_OR_RETURN(auto trials, store_.ListTrials(run.id));
  run.status = "failed";
  run.error = "interrupted by " + why + "; " + std::to_string(trials.size()) +
              " finished trials were kept. Launch the run again to continue.";
  Finish(run);
  return Status::Ok();
}

void Runs::InterruptForShutdown(RunRecord& run) {
  if (options_.shared) {
    // What it spent until now, for the replica that resumes it (the run's budget is one).
    run.updated_at = NowMillis();
    if (Status st = store_.UpdateRun(run); !st.ok()) {
      spdlog::warn("run {}: cannot store its progress at shutdown: {}", run.id, st.ToString());
    }
    // Its lease is given up once every worker of this process has stopped (Stop), so that another
    // replica, or this one restarted, resumes it at its next look (poll_ms) rather than after
    // run_lease_s, and an idle worker of this process stopping too cannot take it back first.
    {
      std::lock_guard lock(mu_);
      leases_to_give_up_.push_back(run.id);
    }
    events_.Publish(run.id, "log", {{"level", "warn"},
                                    {"message", "The server is shutting down: the run is interrupted here; another "
                                                "replica (or this one, restarted) resumes it, keeping its finished trials"}});
    return;  // still running: the stream ends without a final status, as the run has none yet
  }
  events_.Publish(run.id, "log", {{"level", "warn"}, {"message", "The server is shutting down: the run is interrupted"}});
  Status st = FailInterrupted(run, "the server shutting down");
  // Left running in the store, it is failed as interrupted at the next start instead.
  if (!st.ok()) spdlog::error("run {}: cannot mark interrupted: {}", run.id, st.ToString());
}

void Runs::GiveUpLeases() {
  std::vector<std::string> ids;
  {
    std::lock_guard lock(mu_);
    ids.swap(leases_to_give_up_);
  }
  for (const auto& id : ids) {
    // Should this fail, the lease runs out by itself, as after a kill -9.
    auto released = store_.RenewRunLease(id, options_.owner, kReleasedLeaseMs);
    if (!released.ok()) {
      spdlog::warn("run {}: cannot give up its lease at shutdown (resumed once it expires): {}", id,
                   released.status().ToString());
    }
  }
}

void Runs::ContinueTakenOver(RunRecord run) {
  spdlog::warn("run {}: taken over by {} (execution {}; after a lost replica {} times)", run.id, options_.owner,
               run.attempts + 1, run.takeovers);
  if (auto requested = store_.RunCancelRequested(run.id); requested.ok() && *requested) {
    run.status = "cancelled";  // cancelled while orphaned
    Finish(run);
    return;
  }
  auto trials = store_.ListTrials(run.id);
  Json progress = Json::parse(run.progress_json, nullptr, false);
  int64_t total = !progress.is_object()              ? 0
                  : progress.contains("trials_planned") ? progress.value("trials_planned", int64_t{0})
                                                        : progress.value("trials_total", int64_t{0});
  bool trials_left = !trials.ok() || total <= 0 || static_cast<int64_t>(trials->size()) < total;
  // Only takeovers after a lease expired count toward the limit: a run handed over by a replica
  // stopping cleanly (its lease given up: a rolling restart) has lost nothing, so deploys do not
  // use the limit up, which is there for runs that bring down every replica they land on.
  if (run.takeovers <= options_.max_takeovers && trials_left) {
    events_.Publish(run.id, "log", {{"message", "resumed by " + options_.owner +
                                                    " after the replica executing it stopped (or stopped renewing "
                                                    "its lease)"}});
    ExecuteClaimed(std::move(run));
    return;
  }
  Status st = FailInterrupted(run, "the loss of the replica executing it (lease expired)");
  if (!st.ok()) spdlog::error("run {}: cannot mark interrupted: {}", run.id, st.ToString());
}

}  // namespace exemplar::service
