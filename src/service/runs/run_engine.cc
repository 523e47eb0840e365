// Runs one optimization with the native optimizers (optimize/), on the configured LM, and turns
// the result into what the runs service stores.
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "lm/cached_lm.h"
#include "lm/offline_lm.h"
#include "lm/openai_chat.h"
#include "optimize/contribution.h"
#include "optimize/metrics.h"
#include "optimize/optimizer.h"
#include "optimize/program.h"
#include "service/templates/dspy/signature.h"
#include "service/runs/runs.h"

namespace exemplar::service {
namespace {

// Adds a fixed latency to every call of an LM: the offline LM answers in microseconds, and demos
// (and tests of cancellation) want runs that take observable time. Cancellation cuts the wait.
class DelayedLm : public lm::Lm {
 public:
  DelayedLm(lm::Lm& inner, int latency_ms) : inner_(inner), latency_ms_(latency_ms) {}
  Result<lm::LmResponse> Complete(const lm::LmRequest& request) override {
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(latency_ms_);
    while (std::chrono::steady_clock::now() < until) {
      if (request.cancelled && request.cancelled()) return Status::Unavailable(lm::kCancelledMessage);
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min(5, latency_ms_)));
    }
    return inner_.Complete(request);
  }
  std::string name() const override { return inner_.name(); }

 private:
  lm::Lm& inner_;
  int latency_ms_;
};

// Counts the calls that reached the LM (below the cache) and those that failed, keeping the last
// failure: a run in which every call failed measured nothing and must not pass for a poor score.
class CallTally : public lm::Lm {
 public:
  explicit CallTally(lm::Lm& inner) : inner_(inner) {}
  Result<lm::LmResponse> Complete(const lm::LmRequest& request) override {
    Result<lm::LmResponse> r = inner_.Complete(request);
    if (!r.ok() && r.status().message() == lm::kCancelledMessage) return r;  // not the LM's failure
    std::lock_guard lock(mu_);
    ++calls_;
    if (!r.ok()) {
      ++failed_;
      last_failure_ = r.status().message();
    }
    return r;
  }
  std::string name() const override { return inner_.name(); }
  int64_t calls() const {
    std::lock_guard lock(mu_);
    return calls_;
  }
  int64_t failed() const {
    std::lock_guard lock(mu_);
    return failed_;
  }
  std::string last_failure() const {
    std::lock_guard lock(mu_);
    return last_failure_;
  }

 private:
  lm::Lm& inner_;
  mutable std::mutex mu_;
  int64_t calls_ = 0;         // GUARDED_BY(mu_)
  int64_t failed_ = 0;        // GUARDED_BY(mu_)
  std::string last_failure_;  // GUARDED_BY(mu_)
};

// How often progress is published between trials, as LM calls return: often enough for a bar
// that moves, rarely enough that a fast LM does not write the run's row for every call.
constexpr std::chrono::milliseconds kLiveProgressEvery{500};

// Raises `total` to `value` when larger (totals only grow; late snapshots must not lower them).
void StoreMax(std::atomic<int64_t>& total, int64_t value) {
  int64_t seen = total.load();
  while (seen < value && !total.compare_exchange_weak(seen, value)) {
  }
}

// How a run names its LM in messages: the provider's name, never its URL (operator configuration).
std::string ProviderLabel(const Json& lm) {
  if (lm.contains("base_url")) return "the caller's LM endpoint";
  return "provider '" + lm.value("provider", std::string("offline")) + "'";
}

Json NormalizedContribution(const optimize::Contribution& c) {
  Json j = optimize::ContributionToJson(c);
  // The names the API documents (and the UI reads), besides the library's own.
  j["trials_with"] = c.with_trials;
  j["trials_without"] = c.without_trials;
  return j;
}

}  // namespace

std::vector<UsageEvent> EvidenceFromContributions(const std::string& run_id, const Json& contributions) {
  std::vector<optimize::Contribution> items;
  if (contributions.is_array()) {
    for (const auto& j : contributions) {
      if (!j.is_object() || !j.contains("example_id")) continue;
      optimize::Contribution c;
      c.example_id = j["example_id"].get<std::string>();
      c.with_mean = j.value("with_mean", 0.0);
      c.with_trials = j.value("with_trials", 0);
      if (j.contains("without_mean") && j["without_mean"].is_number()) c.without_mean = j["without_mean"].get<double>();
      c.without_trials = j.value("without_trials", 0);
      // null: the run could not tell this example apart (not enough variation) — no evidence.
      if (!j.contains("contribution") || !j["contribution"].is_number()) continue;
      c.contribution = j["contribution"].get<double>();
      items.push_back(std::move(c));
    }
  }
  std::vector<UsageEvent> events;
  for (const auto& e : optimize::EvidenceFromContribution(items)) {
    if (e.success <= 0 && e.failure <= 0) continue;
    UsageEvent ev;
    ev.example_id = e.example_id;
    ev.kind = "optimization";
    ev.outcome = e.success >= e.failure ? "success" : "failure";
    ev.success_delta = e.success;
    ev.failure_delta = e.failure;
    ev.run_id = run_id;
    events.push_back(std::move(ev));
  }
  return events;
}

RunOutcome ExecuteRun(const RunRecord& run, const RunConfig& config, const LmEndpoint& endpoint,
                      const Template& tmpl, bool literal_instructions, const std::vector<Example>& trainset,
                      const std::vector<Example>& valset, const RunHooks& hooks) {
  RunOutcome out;
  auto fail = [&](const std::string& why) {
    out.status = "failed";
    out.error = why;
    return out;
  };
  auto start = std::chrono::steady_clock::now();
  dspy::SignatureSpec spec = dspy::BuildSignature(tmpl, {}, literal_instructions);
  if (spec.HasErrors()) return fail("the template's signature is invalid: " + dspy::FindingsToStatus(spec.findings).message());

  std::vector<std::string> skipped;
  std::vector<optimize::DataPoint> train = optimize::MakeDataPoints(trainset, spec, &skipped);
  std::vector<optimize::DataPoint> val = optimize::MakeDataPoints(valset, spec, &skipped);
  for (const auto& why : skipped) hooks.on_log("skipping " + why);
  if (train.empty() || val.empty()) return fail("no usable examples in the trainset or valset after matching the signature");

  std::unique_ptr<lm::Lm> base;
  if (!endpoint.offline) {
    lm::OpenAiChatOptions o;
    o.base_url = endpoint.base_url;
    o.model = endpoint.model;
    o.api_key = endpoint.api_key;
    o.bearer = endpoint.bearer;
    o.timeout_ms = endpoint.timeout_ms;
    o.max_retries = endpoint.max_retries;
    o.pinned_addresses = endpoint.pinned_addresses;
    o.no_proxy = endpoint.direct;
    base = std::make_unique<lm::OpenAiChatLm>(o);
  } else {
    base = std::make_unique<lm::OfflineLm>();
  }
  std::unique_ptr<lm::Lm> delayed;
  lm::Lm* chain = base.get();
  int latency = config.lm.value("latency_ms", 0);
  if (latency > 0) {
    delayed = std::make_unique<DelayedLm>(*chain, std::min(latency, 1000));
    chain = delayed.get();
  }
  CallTally tally(*chain);
  lm::CachedLm cached(tally);

  auto metric = optimize::MakeMetric(config.metric, config.metric_params);
  if (!metric.ok()) return fail(metric.status().message());

  // The best score of a fully evaluated candidate, as the run's result: MIPROv2 keeps its best
  // program from full evaluations only (DSPy 3.3 _optimize_prompt_parameters), so a minibatch
  // score, on a few valset items, is reported apart (a trial budget may stop the run before the
  // full evaluation of a candidate that did well on its minibatch).
  // Progress is published after each trial and, between trials, as LM calls return (evaluation
  // workers, concurrently): publish_mu orders the publications and guards the trial figures.
  std::mutex publish_mu;
  double best = -1, best_minibatch = -1;  // GUARDED_BY(publish_mu)
  int done = 0;                           // GUARDED_BY(publish_mu)
  auto last_published = start - kLiveProgressEvery;  // GUARDED_BY(publish_mu)
  // What earlier attempts spent (a resumed run): the starting point of every total and budget.
  auto spent_count = [&](const char* key) -> int64_t {
    const Json& v = hooks.spent.is_object() ? hooks.spent.value(key, Json()) : Json();
    return v.is_number() ? std::max<int64_t>(0, v.get<int64_t>()) : 0;
  };
  const optimize::LmUsage spent = {spent_count("lm_calls"), spent_count("cached_calls"),
                                   spent_count("prompt_tokens"), spent_count("completion_tokens")};
  const int64_t spent_failed = spent_count("lm_calls_failed");
  const Json spent_elapsed = hooks.spent.is_object() ? hooks.spent.value("elapsed_s", Json()) : Json();
  const double spent_seconds = spent_elapsed.is_number() ? std::max(0.0, spent_elapsed.get<double>()) : 0.0;
  // The LM spending so far: each field the largest total reported (snapshots arrive out of order).
  std::atomic<int64_t> calls{spent.lm_calls}, cached_calls{spent.cached_calls}, prompt_tokens{spent.prompt_tokens},
      completion_tokens{spent.completion_tokens};
  auto record_usage = [&](const optimize::LmUsage& u) {
    StoreMax(calls, u.lm_calls);
    StoreMax(cached_calls, u.cached_calls);
    StoreMax(prompt_tokens, u.prompt_tokens);
    StoreMax(completion_tokens, u.completion_tokens);
  };
  // What the progress bar counts to: the optimizer's own number of candidates within the budget.
  std::optional<int> planned = optimize::PlannedTrials(config.optimizer_type, config.optimizer_params);
  if (planned && config.max_trials > 0) planned = std::min(*planned, config.max_trials);
  auto progress = [&](const std::string& stopped) {  // REQUIRES(publish_mu)
    const double attempt = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double elapsed = spent_seconds + attempt;
    Json p = {{"trials_done", done}, {"trials_completed", done}, {"trials_total", config.max_trials},
              {"lm_calls", calls.load()}, {"elapsed_s", elapsed},
              {"best_score", best >= 0 ? Json(best) : Json(nullptr)}};
    const int target = planned ? *planned : config.max_trials;
    if (done > 0 && target > done) p["eta_s"] = attempt / done * (target - done);
    if (planned) p["trials_planned"] = *planned;
    if (best_minibatch >= 0) p["best_minibatch_score"] = best_minibatch;
    if (!stopped.empty()) p["stopped_reason"] = stopped;
    p["cached_calls"] = cached_calls.load();
    p["lm_calls_failed"] = spent_failed + tally.failed();
    p["prompt_tokens"] = prompt_tokens.load();
    p["completion_tokens"] = completion_tokens.load();
    return p;
  };
  optimize::RunContext ctx{cached, *metric};
  ctx.budget = {config.max_trials, config.max_lm_calls, config.max_minutes};
  ctx.spent = spent;
  ctx.spent_seconds = spent_seconds;
  ctx.cancelled = hooks.cancelled;
  ctx.interrupted = hooks.interrupted;
  // The optimizer samples as DSPy does by default (Random(0), MIPROv2's own `seed` param), so a
  // run's prompts match DSPy's; data.seed only shuffles the train/val split.
  ctx.seed = 0;
  ctx.module = config.module == "ChainOfThought" ? optimize::ModuleKind::kChainOfThought
                                                 : optimize::ModuleKind::kPredict;
  ctx.temperature = config.lm.value("temperature", tmpl.temperature);
  ctx.max_tokens = config.lm.value("max_tokens", static_cast<int>(tmpl.max_tokens));
  ctx.on_lm_call = [&](const optimize::LmUsage& u) {
    record_usage(u);
    // A worker that finds another publishing leaves it to them: the figures are shared.
    std::unique_lock lock(publish_mu, std::try_to_lock);
    auto now = std::chrono::steady_clock::now();
    if (!lock.owns_lock() || now - last_published < kLiveProgressEvery) return;
    last_published = now;
    hooks.on_progress(progress(""));
  };
  ctx.on_log = hooks.on_log;
  for (const TrialRecord& rec : hooks.finished) {
    if (rec.trial_index != static_cast<int64_t>(ctx.replay.size())) break;  // contiguous from 0 only
    optimize::Trial t;
    t.index = static_cast<int>(rec.trial_index);
    t.candidate = rec.candidate;
    t.instruction = rec.instruction.value_or("");
    t.demo_ids = rec.demo_ids;
    t.score = rec.score;
    t.metrics = Json::parse(rec.metrics_json, nullptr, false);
    if (!t.metrics.is_object()) break;
    ctx.replay.push_back(std::move(t));
  }
  ctx.on_trial = [&](const optimize::Trial& t) {
    TrialRecord rec;
    rec.run_id = run.id;
    rec.trial_index = t.index;
    rec.candidate = t.candidate;
    if (!t.instruction.empty()) rec.instruction = t.instruction;
    rec.demo_ids = t.demo_ids;
    rec.score = t.score;
    rec.metrics_json = DumpJson(t.metrics);
    rec.lm_calls = t.lm_calls;
    std::lock_guard lock(publish_mu);
    ++done;
    const bool minibatch = t.metrics.is_object() && t.metrics.value("minibatch", false);
    double& best_of_kind = minibatch ? best_minibatch : best;
    if (t.score > best_of_kind) best_of_kind = t.score;
    hooks.on_trial(rec);
    last_published = std::chrono::steady_clock::now();
    hooks.on_progress(progress(""));
  };
  auto result = optimize::Optimize(config.optimizer_type, config.optimizer_params, spec, train, val, ctx);
  // Optimize has joined its workers: nothing publishes progress from here on but this thread.
  std::lock_guard lock(publish_mu);
  // Every call failing (an unreachable or refusing provider) means nothing was measured: the
  // trials' zeros are not scores, so the run fails naming the cause, whatever the optimizer made
  // of it. Partial failures leave a completed run that says how many calls failed.
  const int64_t failed_calls = tally.failed();
  const bool all_failed = failed_calls > 0 && failed_calls == tally.calls();
  auto lm_failure = [&](const std::string& what) {
    return what + " (" + std::to_string(failed_calls) + " of " + std::to_string(tally.calls()) + ") for " +
           ProviderLabel(config.lm) + ": " + tally.last_failure();
  };
  auto stopped_by_hooks = [&](const std::string& reason) { return reason == "cancelled" || reason == "interrupted"; };
  if (!result.ok()) {
    if (hooks.cancelled()) {
      out.status = hooks.interrupted && hooks.interrupted() ? "interrupted" : "cancelled";
      out.progress = progress(out.status);
      return out;
    }
    // A failed run still says what it spent: the calls (failed ones too), tokens and time.
    out.progress = progress("");
    if (all_failed) return fail(lm_failure("every LM call failed"));
    return fail(result.status().message());
  }
  // The optimizer's own totals, exact whatever the order the live snapshots came in.
  record_usage({result->lm_calls, result->cached_calls, result->prompt_tokens, result->completion_tokens});
  if (all_failed && !stopped_by_hooks(result->stopped_reason)) {
    hooks.on_log(lm_failure("every LM call failed"));
    out.progress = progress(result->stopped_reason);
    return fail(lm_failure("every LM call failed"));
  }
  if (failed_calls > 0) hooks.on_log(lm_failure("some LM calls failed"));
  out.status = stopped_by_hooks(result->stopped_reason) ? result->stopped_reason : "completed";
  out.best_score = result->best_score;
  if (result->best_score) {
    out.best_program = optimize::ProgramToJson(result->best);
    out.best_program["score"] = *result->best_score;
  }
  out.contributions = Json::array();
  for (const auto& c : optimize::ComputeContributions(result->trials)) out.contributions.push_back(NormalizedContribution(c));
  out.progress = progress(result->stopped_reason);
  if (failed_calls > 0) out.progress["warnings"] = Json::array({lm_failure("some LM calls failed")});
  if (!result->instruction_candidates.empty()) out.progress["instruction_candidates"] = result->instruction_candidates;
  return out;
}

}  // namespace exemplar::service
