// Optimization runs (SPEC §4.5, §4.6): launch, a bounded worker pool, progress persisted as trials
// finish, events for SSE, cancel at any moment, recovery after restart, and the feedback loop:
// sync (evidence into effectiveness, once) and accept (a new template version with lineage).
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/json_util.h"
#include "service/templates/dspy_export.h"
#include "service/effectiveness/effectiveness.h"
#include "service/lineage/lineage.h"
#include "service/lineage/snapshots.h"
#include "service/runs/lm_providers.h"
#include "service/runs/run_events.h"
#include "service/templates/templates.h"
#include "storage/store.h"

namespace exemplar::service {

// The validated configuration of a run, as stored in dspy_runs.config.
struct RunConfig {
  std::string template_id;
  std::string optimizer_type;   // DSPy class name, e.g. BootstrapFewShotWithRandomSearch
  Json optimizer_params = Json::object();
  std::string metric = "exact_match";
  Json metric_params = Json::object();
  std::string module = "Predict";
  Json lm = {{"provider", "offline"}};
  int max_trials = 32;
  int64_t max_lm_calls = 20000;
  double max_minutes = 30;
  std::vector<std::string> example_ids;  // explicit data, else the template's examples
  std::string snapshot_id;               // train on this frozen snapshot (else one is made)
  Json filters = Json::object();
  double split_ratio = 0.5;             // fraction used as trainset; the rest is the valset
  uint64_t seed = 0;
  int max_examples = 200;
};

// Parses a run request (strict: unknown keys are 422), checking optimizer and metric parameters.
// `stored`: a config as Launch stored it (with trainset_ids / valset_ids).
Result<RunConfig> ParseRunConfig(const Json& body, bool stored = false);
Json RunConfigToJson(const RunConfig& c);
// `replicas`: the database is shared (RunsOptions::shared), so claimed_by and lease_expires_at
// name the executing replica and its lease; null on a private database.
Json RunToJson(const RunRecord& r, bool replicas);
Json TrialToJson(const TrialRecord& t);
// Whether a run status is final: completed, failed or cancelled.
bool RunFinished(const std::string& status);

// The launch's check that the data fits the template's signature: a trainset or valset none of
// whose examples fit is a 422 naming why (run_data.cc).
Status CheckDataFits(const Template& t, const std::vector<Example>& train, const std::vector<Example>& val);
// The progress warning of a run whose snapshot has `purged` of its `items` purged (left out).
std::string PurgedLeftOutWarning(size_t purged, size_t items, const std::string& snapshot_id);
// Appends `warnings` to progress.warnings (each once), making progress an object if needed.
void AddProgressWarnings(Json& progress, const std::vector<std::string>& warnings);

// Executes one run (implemented in run_engine.cc over the optimize library). Reports trials and
// progress through the callbacks; returns the final record fields to store.
struct RunOutcome {
  std::string status;  // completed | failed | cancelled | interrupted (RunHooks::interrupted)
  std::optional<std::string> error;
  std::optional<double> best_score;
  Json best_program;   // {instructions, demos:[{example_id, fields}], score}
  Json contributions;  // [{example_id, contribution, with_trials, without_trials, ...}]
  Json progress;
};
struct RunHooks {
  std::function<bool()> cancelled;
  // Whether a stop cancelled() asked for is an interruption (the server is shutting down, another
  // replica has the run now) rather than a cancel.
  std::function<bool()> interrupted;
  std::function<void(const TrialRecord&)> on_trial;
  std::function<void(const Json& progress)> on_progress;
  std::function<void(const std::string&)> on_log;
  // Trials a previous attempt of the run stored (a run resumed after its replica died): the
  // optimizer reuses those it would evaluate again unchanged (optimize::RunContext::replay).
  std::vector<TrialRecord> finished;
  // The run's stored progress when this attempt starts: what earlier attempts spent (lm_calls,
  // cached_calls, prompt_tokens, completion_tokens, lm_calls_failed, elapsed_s). The budget is the
  // run's, so a resumed run spends only what is left, and its totals include what was spent.
  Json spent = Json::object();
};
// literal_instructions: the template's prompt is a program's instructions (program_origin.h).
RunOutcome ExecuteRun(const RunRecord& run, const RunConfig& config, const LmEndpoint& endpoint,
                      const Template& tmpl, bool literal_instructions, const std::vector<Example>& trainset,
                      const std::vector<Example>& valset, const RunHooks& hooks);

// Evidence for the effectiveness formula from a run's contributions (SPEC §4.6).
std::vector<UsageEvent> EvidenceFromContributions(const std::string& run_id, const Json& contributions);

// An accepted run: the new draft version, and what it should know about its demos (a `pii`
// warning when some carry personal data).
struct AcceptedRun {
  Template version;
  Json warnings = Json::array();
};

// How this process takes part in running optimizations.
struct RunsOptions {
  int workers = 2;
  // The claim name of this replica (stable across restarts, distinct per replica).
  std::string owner = "local";
  // Replicas share the database (PostgreSQL): a running run, executing elsewhere or left by a
  // previous process of this replica (a restart), is taken over and resumed when its lease
  // expires; none is failed at start. With a private database every running run at start was
  // left by a previous process of this one and is failed as interrupted.
  bool shared = false;
  // The executor's lease on a run, renewed every lease_ms / 3 (config run_lease_s). Shared: once
  // it expires, an idle worker of any replica takes the run over.
  int64_t lease_ms = 30 * 1000;
  // A run is resumed after at most this many takeovers after its lease expired, then failed as
  // interrupted (a run that brings down every replica it lands on must not go round forever).
  // Handovers (a replica stopping cleanly gives its lease up) do not count: RunRecord::takeovers.
  int max_takeovers = 3;
  // Shared: how often an idle worker looks for pending runs launched on other replicas and for
  // runs whose lease expired.
  int poll_ms = 1000;
  // Runs one named caller (Launch's `user`; nullopt, a server without tokens, is not limited) may
  // have pending or running at once; a launch beyond it is kFailedPrecondition (409) naming the
  // limit. 0 = no limit.
  int max_per_caller = 0;
  // The LM endpoints runs may use (the operator's configuration); null = only "offline".
  const LmProviders* providers = nullptr;
};

class Runs {
 public:
  Runs(storage::Store& store, Templates& templates, Lineage& lineage, Effectiveness& effectiveness,
       DspyExport& dspy, RunsOptions options);
  ~Runs();

  // Recovers runs left by a previous process (pending → queued again; running → failed with the
  // reason, finished trials kept, or with replicas resumed once its lease expires) and starts the
  // workers. A queued run is executed by whichever replica claims it first (Store::ClaimRun).
  Status Start();
  void Stop();

  // Validates and stores a run (pending) and queues it. kFailedPrecondition when `user` already
  // has RunsOptions::max_per_caller runs pending or running, exactly, whatever the replicas the
  // launches go through (Store::InsertRunUnderCap).
  Result<RunRecord> Launch(const Json& body, const std::optional<std::string>& user);
  Result<RunRecord> Get(const std::string& id);
  // One page, newest first (offset or keyset cursor, storage::RunListQuery).
  Result<storage::KeyedPage<RunRecord>> List(const storage::RunListQuery& query);
  // Cancels a run wherever it executes: locally at once, on another replica at its next check.
  Result<RunRecord> Cancel(const std::string& id);
  // Trials, best program, contributions and `warnings` ({code, message}: nothing_to_accept for a
  // KNNFewShot run, pii when demos of the best program carry personal data) of a run.
  Result<Json> Results(const std::string& id);
  Result<Json> Sync(const std::string& id);
  // Accept creates the run's new template version; reject records that it was not wanted. Each
  // run gets one decision, claimed atomically in the store (Store::DecideRun): of concurrent
  // decisions through any replica exactly one succeeds, the others are kAlreadyExists (409).
  // A KNNFewShot run is kFailedPrecondition (409): its score comes from demos chosen per query,
  // so it has no program to keep (Results says so in a `nothing_to_accept` warning).
  Result<AcceptedRun> Accept(const std::string& id, const std::optional<std::string>& user);
  Result<RunRecord> Reject(const std::string& id);
  RunEvents& events() { return events_; }
  // Whether runs are shared with other replicas (RunsOptions::shared): RunToJson's `replicas`.
  bool replicas() const { return options_.shared; }
  // The LM providers runs may name (GET /api/v1/lm-providers).
  const LmProviders& providers() const;
  // Blocks until the run leaves pending/running or `timeout` passes (tests, CLI).
  Result<RunRecord> Wait(const std::string& id, std::chrono::milliseconds timeout);

 private:
  void Worker();
  // How many runs `user` launched are pending or running.
  Result<int64_t> CountUnfinished(const std::optional<std::string>& user);
  void Execute(const std::string& id);  // claims, then executes
  void ExecuteClaimed(RunRecord run);
  // A run this replica took over after its lease expired or was given up: cancelled when a cancel
  // was requested, resumed (executed again; trials are stored by index, so re-done trials replace
  // their first versions) while it has trials to do and takeovers left (max_takeovers, counting
  // only expired leases), else failed as interrupted.
  void ContinueTakenOver(RunRecord run);
  // Stores a final state and tells event subscribers.
  void Finish(RunRecord& run);
  // The run's pool (a snapshot's examples at their frozen versions, ids, or the filter), split;
  // `purged`: how many items of the snapshot were purged and left out (0 without a snapshot).
  Status SelectData(const RunConfig& c, std::vector<Example>* train, std::vector<Example>* val, size_t* purged);
  // Whether a running run left in the store should be marked interrupted by this process at start.
  bool ShouldRecover(const RunRecord& run, int64_t now) const;
  // The error for a decision (accept, reject) that lost to another one or to a status change:
  // kAlreadyExists naming the decision made, else kFailedPrecondition.
  Status DecisionConflict(const std::string& id);
  // Stores `run` as failed because its executor stopped (restart or expired lease).
  Status FailInterrupted(RunRecord& run, const std::string& why);
  // A run this process stopped executing because it is shutting down: says so on its event
  // stream and, with a private database, fails it as interrupted now (what the next start would
  // do); with replicas it stays running, with what it spent stored, for another replica (or
  // this one restarted) to resume once Stop gave its lease up (GiveUpLeases).
  void InterruptForShutdown(RunRecord& run);
  // Stop, once the workers have ended: gives up the leases of the runs InterruptForShutdown left
  // running, so that they are taken over at once, and only by another process.
  void GiveUpLeases();

  storage::Store& store_;
  Templates& templates_;
  Lineage& lineage_;
  Effectiveness& effectiveness_;
  DspyExport& dspy_;
  Snapshots snapshots_;  // every run trains on a snapshot (made from its selection when not given)
  RunEvents events_;
  RunsOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  std::set<std::string> cancel_requested_;
  // Keys callers sent with their own endpoints (allow_caller_lm_endpoints), by run id: kept in
  // memory only, never stored, so such a run executes only on the replica that launched it.
  std::map<std::string, std::string> caller_keys_;
  bool stopping_ = false;
  // Runs interrupted by the shutdown whose leases Stop gives up after the workers ended.
  std::vector<std::string> leases_to_give_up_;
  std::vector<std::thread> workers_;
};

}  // namespace exemplar::service
