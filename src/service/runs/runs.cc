#include "service/runs/runs.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/ids.h"
#include "common/time.h"
#include "optimize/optimizer.h"
#include "optimize/program.h"
#include "service/audit/audit.h"
#include "service/lineage/purged_content.h"
#include "service/runs/run_lease.h"
#include "service/search/search.h"
#include "service/templates/dspy/signature.h"
#include "service/templates/program_origin.h"
#include "service/templates/template_family.h"

namespace exemplar::service {
bool RunFinished(const std::string& status) {
  return status == "completed" || status == "failed" || status == "cancelled";
}

Runs::Runs(storage::Store& store, Templates& templates, Lineage& lineage, Effectiveness& effectiveness,
           DspyExport& dspy, RunsOptions options)
    : store_(store), templates_(templates), lineage_(lineage), effectiveness_(effectiveness), dspy_(dspy),
      snapshots_(store), options_(std::move(options)) {
  options_.workers = std::max(1, options_.workers);
}

Runs::~Runs() { Stop(); }

Status Runs::Start() {
  for (const char* status : {"running", "pending"}) {
    EXEMPLAR_ASSIGN_OR_RETURN(auto page, store_.ListRuns(std::nullopt, std::string(status), 0, 100000));
    for (auto& run : page.first) {
      if (run.status == "running") {
        const int64_t now = NowMillis();
        if (!ShouldRecover(run, now)) {
          // Another replica is executing it, or it is resumed once its lease expires.
          if (run.claimed_by == options_.owner) {
            spdlog::warn("run {}: left running by a previous process of this replica ({}); resumed by the first "
                         "idle replica once its lease expires in {} ms",
                         run.id, options_.owner, std::max<int64_t>(0, run.lease_expires_at.value_or(now) - now));
          }
          continue;
        }
        EXEMPLAR_RETURN_IF_ERROR(FailInterrupted(run, "a server restart"));
      } else {
        std::lock_guard lock(mu_);
        queue_.push_back(run.id);
      }
    }
  }
  std::lock_guard lock(mu_);
  stopping_ = false;
  for (int i = 0; i < options_.workers; ++i) workers_.emplace_back([this] { Worker(); });
  return Status::Ok();
}

void Runs::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& w : workers_) w.join();
  workers_.clear();
  // Only now, with no worker of this process left to claim them (review s24), the runs the
  // shutdown interrupted are handed over to the other replicas.
  GiveUpLeases();
  events_.CloseAll();  // event streams end, so the HTTP server can drain
}

void Runs::Worker() {
  bool lookup_failing = false;  // the last look for orphaned runs failed (logged once)
  for (;;) {
    std::string id;
    {
      std::unique_lock lock(mu_);
      // With replicas, an idle worker also looks for runs launched elsewhere and left pending
      // (their replica is busy or gone), so any replica can work a run.
      auto ready = [&] { return stopping_ || !queue_.empty(); };
      if (options_.shared) cv_.wait_for(lock, std::chrono::milliseconds(options_.poll_ms), ready);
      else cv_.wait(lock, ready);
      if (stopping_) return;
      if (!queue_.empty()) {
        id = queue_.front();
        queue_.pop_front();
      }
    }
    if (!id.empty()) {
      Execute(id);
      continue;
    }
    RunRecord run;
    auto claimed = store_.ClaimNextRun(options_.owner, options_.lease_ms, &run);
    if (claimed.ok() && *claimed) {
      ExecuteClaimed(std::move(run));
      continue;
    }
    // A run whose executor stopped renewing its lease (kill -9, lost host) is taken over here.
    auto taken = store_.TakeOverExpiredRun("", options_.owner, options_.lease_ms, &run);
    // Once per failure, not at every poll: a lost database is logged by the store.
    if (!taken.ok() && !lookup_failing) spdlog::warn("cannot look for orphaned runs: {}", taken.status().ToString());
    lookup_failing = !taken.ok();
    if (taken.ok() && *taken) ContinueTakenOver(std::move(run));
  }
}

void Runs::Finish(RunRecord& r) {
  r.completed_at = r.updated_at = NowMillis();
  Status st = store_.UpdateRun(r);
  if (!st.ok()) spdlog::error("run {}: cannot store result: {}", r.id, st.ToString());
  events_.Publish(r.id, "status", {{"status", r.status}, {"best_score", r.best_score ? Json(*r.best_score) : Json(nullptr)},
                                   {"error", r.error ? Json(*r.error) : Json(nullptr)}});
  events_.Finish(r.id);
  std::lock_guard lock(mu_);
  cancel_requested_.erase(r.id);
  caller_keys_.erase(r.id);
}

const LmProviders& Runs::providers() const {
  static const Config kNoProviders;
  static const LmProviders kOfflineOnly(kNoProviders);
  return options_.providers ? *options_.providers : kOfflineOnly;
}

Result<RunRecord> Runs::Launch(const Json& body, const std::optional<std::string>& user) {
  EXEMPLAR_ASSIGN_OR_RETURN(RunConfig c, ParseRunConfig(body));
  // A caller without a name is the only user of a server that asks for no tokens: not limited.
  const bool capped = options_.max_per_caller > 0 && user;
  auto at_cap = [&](int64_t unfinished) {
    return Status::FailedPrecondition("'" + *user + "' already has " + std::to_string(unfinished) +
                                      " runs pending or running, the most one caller may have (max_runs_per_caller = " +
                                      std::to_string(options_.max_per_caller) + "): wait for one to finish, or cancel one");
  };
  if (capped) {
    // Refused early, before its data is selected and frozen; the insert below decides exactly.
    EXEMPLAR_ASSIGN_OR_RETURN(int64_t unfinished, CountUnfinished(user));
    if (unfinished >= options_.max_per_caller) return at_cap(unfinished);
  }
  // One source of data: a selection the run would not use is a 422, not silently dropped. (A
  // stored run's config names its selection beside the snapshot frozen from it.)
  if (!c.snapshot_id.empty() && (!c.filters.empty() || !c.example_ids.empty())) {
    return Status::Invalid({{{"body", "data", "snapshot_id"},
                             "a snapshot is the run's whole data: send no filters or example_ids with it",
                             "value_error.conflict"}});
  }
  if (!c.example_ids.empty() && !c.filters.empty()) {
    return Status::Invalid({{{"body", "data", "example_ids"},
                             "example_ids are the run's whole data: send no filters with them", "value_error.conflict"}});
  }
  {
    Validation v;
    providers().Validate(c.lm, v, {"body", "lm"});
    EXEMPLAR_RETURN_IF_ERROR(v.ToStatus());
  }
  // A caller's own key (caller endpoints only) never reaches the store or a response.
  const std::string caller_key = c.lm.value("api_key", "");
  c.lm.erase("api_key");
  if (c.lm.contains("base_url")) {
    // Resolve a caller endpoint now too, so a forbidden address is a 422, not a failed run.
    auto endpoint = providers().Resolve(c.lm, caller_key);
    if (!endpoint.ok()) {
      return Status::Invalid({{{"body", "lm", "base_url"}, endpoint.status().message(), "value_error.url"}});
    }
  }
  auto t = store_.GetTemplate(c.template_id);
  if (t.status().IsNotFound()) {
    return Status::Invalid({{{"body", "template_id"}, "template " + c.template_id + " does not exist", "value_error.not_found"}});
  }
  EXEMPLAR_RETURN_IF_ERROR(t.status());
  // A version made from a program (an import, an accepted run) is optimized as that program's
  // module unless the request names one, as it exports: a ChainOfThought stays one.
  if (!body.contains("module") || body["module"].is_null()) {
    EXEMPLAR_ASSIGN_OR_RETURN(ProgramOrigin origin, FindProgramOrigin(store_, *t));
    if (origin.module) c.module = std::string(dspy::ModuleName(*origin.module));
  }
  std::vector<Example> train, val;
  size_t purged = 0;
  EXEMPLAR_RETURN_IF_ERROR(SelectData(c, &train, &val, &purged));
  EXEMPLAR_RETURN_IF_ERROR(CheckDataFits(*t, train, val));
  // Parameters the data cannot satisfy are a 422 now, not a run that fails later.
  EXEMPLAR_RETURN_IF_ERROR(optimize::ValidateOptimizerData(c.optimizer_type, c.optimizer_params, train.size(),
                                                           val.size(), {"body", "optimizer_params"}));
  RunRecord run;
  run.id = NewUuid();
  audit::Describe("run", {run.id}, {{"template_id", c.template_id}, {"optimizer_type", c.optimizer_type}});
  // Under the per-caller cap the snapshot is stored by the run's insert, which the cap may refuse
  // (another replica's launch won): a refused launch leaves no snapshot behind.
  std::optional<storage::SnapshotToStore> frozen;
  if (c.snapshot_id.empty()) {
    // The run's data is frozen as a snapshot, so "the data that shaped it" stays exact.
    std::vector<Example> pool = train;
    pool.insert(pool.end(), val.begin(), val.end());
    Json selection = c.example_ids.empty() ? Json{{"filter", c.filters}} : Json{{"example_ids", c.example_ids}};
    selection["run_id"] = run.id;
    const std::string name = "run " + run.id.substr(0, 8) + " data (" + t->name + ")";
    if (capped) {
      frozen = snapshots_.Prepare(name, selection, pool, c.template_id, user);
      c.snapshot_id = frozen->record.id;
    } else {
      EXEMPLAR_ASSIGN_OR_RETURN(SnapshotRecord snap, snapshots_.CreateFrom(name, selection, pool, c.template_id, user));
      c.snapshot_id = snap.id;
    }
  }
  run.template_id = c.template_id;
  run.status = "pending";
  Json cfg = RunConfigToJson(c);
  cfg["trainset_ids"] = Json::array();
  cfg["valset_ids"] = Json::array();
  cfg["example_versions"] = Json::object();
  for (const auto& e : train) cfg["trainset_ids"].push_back(e.id);
  for (const auto& e : val) cfg["valset_ids"].push_back(e.id);
  for (const auto* set : {&train, &val}) {
    for (const auto& e : *set) cfg["example_versions"][e.id] = e.version;
  }
  run.config_json = DumpJson(cfg);
  Json progress = {{"trials_done", 0}, {"trials_total", c.max_trials}, {"lm_calls", 0}};
  if (auto planned = optimize::PlannedTrials(c.optimizer_type, c.optimizer_params)) {
    progress["trials_planned"] = c.max_trials > 0 ? std::min(*planned, c.max_trials) : *planned;
  }
  // A snapshot with purged items trains on fewer examples than it holds: the run says so.
  if (purged > 0) AddProgressWarnings(progress, {PurgedLeftOutWarning(purged, train.size() + val.size() + purged, c.snapshot_id)});
  run.progress_json = DumpJson(progress);
  run.created_by = user;
  run.created_at = run.updated_at = NowMillis();
  if (!caller_key.empty()) {
    std::lock_guard lock(mu_);
    caller_keys_[run.id] = caller_key;
  }
  if (capped) {
    // The count and the insert in one transaction, serialised per caller across replicas.
    int64_t unfinished = 0;
    EXEMPLAR_ASSIGN_OR_RETURN(bool inserted, store_.InsertRunUnderCap(run, options_.max_per_caller, &unfinished,
                                                                      frozen ? &*frozen : nullptr));
    if (!inserted) {
      std::lock_guard lock(mu_);
      caller_keys_.erase(run.id);
      return at_cap(unfinished);
    }
  } else {
    EXEMPLAR_RETURN_IF_ERROR(store_.InsertRun(run));
  }
  std::vector<LineageEdge> edges = {{"template", c.template_id, "run", run.id, "optimized_by"},
                                    {"snapshot", c.snapshot_id, "run", run.id, "trained_on"}};
  for (const auto* set : {&train, &val}) {
    for (const auto& e : *set) {
      LineageEdge edge{"example", e.id, "run", run.id, "used_in"};
      edge.example_version = e.version;  // the exact version trained on
      edges.push_back(edge);
    }
  }
  EXEMPLAR_RETURN_IF_ERROR(lineage_.AddEdges(edges));
  events_.Publish(run.id, "status", {{"status", "pending"}});
  {
    std::lock_guard lock(mu_);
    queue_.push_back(run.id);
  }
  cv_.notify_one();
  return run;
}

Result<int64_t> Runs::CountUnfinished(const std::optional<std::string>& user) {
  int64_t n = 0;
  for (const char* status : {"pending", "running"}) {
    // Unfinished runs are few (at most max_per_caller per caller): listing them is cheap.
    EXEMPLAR_ASSIGN_OR_RETURN(auto page, store_.ListRuns(std::nullopt, std::string(status), 0, 100000));
    n += std::count_if(page.first.begin(), page.first.end(), [&](const RunRecord& r) { return r.created_by == user; });
  }
  return n;
}

void Runs::Execute(const std::string& id) {
  RunRecord run;
  auto claimed = store_.ClaimRun(id, options_.owner, options_.lease_ms, &run);
  if (!claimed.ok()) spdlog::error("run {}: cannot claim: {}", id, claimed.status().ToString());
  if (!claimed.ok() || !*claimed) return;  // cancelled, or another replica took it
  ExecuteClaimed(std::move(run));
}

void Runs::ExecuteClaimed(RunRecord run) {
  const std::string id = run.id;
  Json cfg_json = Json::parse(run.config_json, nullptr, false);
  auto config = ParseRunConfig(cfg_json, /*stored=*/true);
  auto tmpl = store_.GetTemplate(run.template_id);
  std::vector<Example> train, val;
  // A run trains on its snapshot's versions, whatever was edited since.
  std::map<std::string, Example> frozen;
  std::vector<std::string> data_warnings;  // kept in every progress update
  const Json data = cfg_json.value("data", Json::object());
  if (data.contains("snapshot_id") && data["snapshot_id"].is_string()) {
    auto rows = snapshots_.Materialize(data["snapshot_id"].get<std::string>());
    if (rows.ok()) {
      size_t purged = 0;
      for (auto& f : *rows) {
        if (f.example) frozen.emplace(f.item.example_id, std::move(*f.example));
        else ++purged;  // at launch or since: left out
      }
      if (purged > 0) {
        data_warnings.push_back(PurgedLeftOutWarning(purged, rows->size(), data["snapshot_id"].get<std::string>()));
      }
    }
  }
  auto load = [&](const char* key, std::vector<Example>* out) {
    for (const auto& id : cfg_json.value(key, Json::array())) {
      if (auto it = frozen.find(id.get<std::string>()); it != frozen.end()) {
        out->push_back(it->second);
        continue;
      }
      if (!frozen.empty()) continue;  // purged since: not trained on
      auto e = store_.GetExample(id.get<std::string>());
      if (e.ok()) out->push_back(std::move(e).value());
    }
  };
  load("trainset_ids", &train);
  load("valset_ids", &val);
  if (auto requested = store_.RunCancelRequested(id); requested.ok() && *requested) {
    run.status = "cancelled";  // cancelled through another replica before it started
    Finish(run);
    return;
  }
  if (!data_warnings.empty()) {
    Json progress = Json::parse(run.progress_json, nullptr, false);
    AddProgressWarnings(progress, data_warnings);
    run.progress_json = DumpJson(progress);
  }
  if (!config.ok() || !tmpl.ok() || train.empty() || val.empty()) {
    run.status = "failed";
    run.error = !config.ok() ? config.status().message()
                : !tmpl.ok() ? "template " + run.template_id + " no longer exists"
                             : "the run's examples were deleted";
    Finish(run);
    return;
  }
  events_.Publish(id, "status", {{"status", "running"}});
  for (const auto& w : data_warnings) events_.Publish(id, "log", {{"message", w}});

  RunLease lease(store_, id, options_.owner, options_.lease_ms);
  RunHooks hooks;
  auto next_remote_check = std::chrono::steady_clock::now();
  hooks.cancelled = [&] {
    if (lease.lost()) return true;  // another replica has the run now
    {
      std::lock_guard lock(mu_);
      if (stopping_ || cancel_requested_.count(id) > 0) return true;
    }
    // A cancel sent to another replica arrives as a flag in the store; look twice a second.
    auto now = std::chrono::steady_clock::now();
    if (now < next_remote_check) return false;
    next_remote_check = now + std::chrono::milliseconds(500);
    auto requested = store_.RunCancelRequested(id);
    if (!requested.ok() || !*requested) return false;
    std::lock_guard lock(mu_);
    cancel_requested_.insert(id);
    return true;
  };
  hooks.interrupted = [&] {
    if (lease.lost()) return true;
    std::lock_guard lock(mu_);
    return stopping_ && cancel_requested_.count(id) == 0;
  };
  hooks.on_trial = [&](const TrialRecord& t) {
    if (lease.lost()) return;  // the replica that took the run over stores its trials
    TrialRecord rec = t;
    rec.run_id = id;
    Status st = store_.InsertTrial(rec);
    if (!st.ok()) spdlog::error("run {}: cannot store trial: {}", id, st.ToString());
    events_.Publish(id, "trial", TrialToJson(rec));
  };
  hooks.on_progress = [&](Json progress) {
    if (lease.lost()) return;
    AddProgressWarnings(progress, data_warnings);
    run.progress_json = DumpJson(progress);
    if (progress.contains("best_score") && progress["best_score"].is_number()) run.best_score = progress["best_score"].get<double>();
    run.updated_at = NowMillis();
    (void)store_.UpdateRun(run);
    events_.Publish(id, "progress", progress);
  };
  hooks.on_log = [&](const std::string& line) { events_.Publish(id, "log", {{"message", line}}); };
  std::string caller_key;
  {
    std::lock_guard lock(mu_);
    if (auto it = caller_keys_.find(id); it != caller_keys_.end()) caller_key = it->second;
  }
  auto endpoint = providers().Resolve(config->lm, caller_key);
  if (!endpoint.ok()) {
    lease.Stop();
    run.status = "failed";
    run.error = "LM provider: " + endpoint.status().message();
    Finish(run);
    return;
  }
  // What earlier attempts spent, as their last progress update stored it (a resumed run).
  hooks.spent = Json::parse(run.progress_json, nullptr, false);
  if (auto finished = store_.ListTrials(id); finished.ok()) {
    hooks.finished = std::move(finished).value();
    std::sort(hooks.finished.begin(), hooks.finished.end(),
              [](const TrialRecord& a, const TrialRecord& b) { return a.trial_index < b.trial_index; });
    if (!hooks.finished.empty()) {
      hooks.on_log("resuming: " + std::to_string(hooks.finished.size()) +
                   " trials of an earlier attempt are reused where the candidate is unchanged");
    }
  }
  // A version made from a program (a run, an import) is optimized from its instructions as stored.
  auto origin = FindProgramOrigin(store_, *tmpl);
  if (!origin.ok()) spdlog::warn("run {}: program origin: {}", id, origin.status().ToString());
  RunOutcome out = ExecuteRun(run, *config, *endpoint, *tmpl, origin.ok() && origin->literal_instructions, train, val,
                              hooks);
  lease.Stop();
  if (lease.lost()) {
    // Taken over while this replica could not renew the lease (stalled, cut off from the
    // database): the replica that has it now writes its state.
    spdlog::warn("run {}: lease lost to another replica; stopped here", id);
    return;
  }
  bool stopped_by_shutdown;
  {
    std::lock_guard lock(mu_);
    stopped_by_shutdown = stopping_ && !cancel_requested_.count(id);
  }
  if (stopped_by_shutdown) {
    if (!out.progress.is_null()) {
      AddProgressWarnings(out.progress, data_warnings);  // as every progress update keeps them
      run.progress_json = DumpJson(out.progress);        // what it spent until now
    }
    InterruptForShutdown(run);
    return;
  }
  run.status = out.status;
  run.error = out.error;
  run.best_score = out.best_score;
  // An example purged while the run executed was read before: its demo must not bring it back.
  // (Purging the example again scrubs the run if this check cannot be made.)
  if (Status st = PurgedContent(store_).ScrubProgram(out.best_program); !st.ok()) {
    spdlog::error("run {}: cannot check its demos for purged examples: {}", id, st.ToString());
  }
  if (!out.best_program.is_null()) run.best_program_json = DumpJson(out.best_program);
  if (!out.contributions.is_null()) run.contributions_json = DumpJson(out.contributions);
  if (!out.progress.is_null()) {
    AddProgressWarnings(out.progress, data_warnings);
    run.progress_json = DumpJson(out.progress);
  }
  Finish(run);
}

Result<RunRecord> Runs::Get(const std::string& id) { return store_.GetRun(id); }

Result<storage::KeyedPage<RunRecord>> Runs::List(const storage::RunListQuery& query) {
  return store_.ListRuns(query);
}

Result<RunRecord> Runs::Cancel(const std::string& id) {
  EXEMPLAR_ASSIGN_OR_RETURN(RunRecord run, store_.GetRun(id));
  if (RunFinished(run.status)) return Status::FailedPrecondition("run is already " + run.status);
  EXEMPLAR_RETURN_IF_ERROR(store_.RequestRunCancel(id));  // seen by the replica executing it
  if (run.status == "running") {
    // Orphaned (its executor stopped renewing the lease): nobody would see the flag, so the
    // cancel is completed here, once this replica holds the run.
    RunRecord orphan;
    auto taken = store_.TakeOverExpiredRun(id, options_.owner, options_.lease_ms, &orphan);
    if (taken.ok() && *taken) {
      orphan.status = "cancelled";
      Finish(orphan);
      return orphan;
    }
  }
  bool was_queued = false;
  {
    std::lock_guard lock(mu_);
    auto it = std::find(queue_.begin(), queue_.end(), id);
    if (it != queue_.end()) {
      queue_.erase(it);
      was_queued = true;
    } else {
      cancel_requested_.insert(id);
    }
  }
  if (was_queued || run.status == "pending") {
    auto fresh = store_.GetRun(id);
    if (fresh.ok() && fresh->status == "pending") {
      fresh->status = "cancelled";
      fresh->completed_at = fresh->updated_at = NowMillis();
      EXEMPLAR_RETURN_IF_ERROR(store_.UpdateRun(*fresh));
      events_.Publish(id, "status", {{"status", "cancelled"}});
      events_.Finish(id);
      return *fresh;
    }
  }
  return store_.GetRun(id);
}

Result<RunRecord> Runs::Wait(const std::string& id, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int64_t cursor = 0;
  for (;;) {
    EXEMPLAR_ASSIGN_OR_RETURN(RunRecord r, store_.GetRun(id));
    if (RunFinished(r.status) || std::chrono::steady_clock::now() >= deadline) return r;
    bool finished = false;
    auto events = events_.Read(id, cursor, std::chrono::milliseconds(200), &finished);
    if (!events.empty()) cursor = events.back().id;
  }
}

}  // namespace exemplar::service
