// Session: the state of one Optimize() call shared by the optimizers (internal).
// It meters the LM (call/token counts, the LM-call and time budgets, cancellation), evaluates
// programs on a small worker pool, and records trials.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "optimize/optimizer.h"

namespace exemplar::optimize {

// What a runner leaves behind; updated as it goes so that a stopped run keeps its best so far.
struct RunnerResult {
  Program best;
  std::optional<double> best_score;
  int best_trial = -1;
  std::vector<std::string> instruction_candidates;
};

class Session {
 public:
  // Default of DSPy's settings.max_errors.
  static constexpr int kDefaultMaxErrors = 10;

  // max_errors < 0: kDefaultMaxErrors; 0: the first error fails the evaluation.
  Session(RunContext& ctx, const dspy::SignatureSpec& spec, int max_errors);
  ~Session();

  RunContext& ctx() { return ctx_; }
  const dspy::SignatureSpec& spec() const { return spec_; }
  int max_errors() const { return max_errors_; }

  // The run's LM: counts calls and tokens, refuses calls once the run is stopped or a budget is
  // spent, and passes ctx.cancelled down to abort an in-flight call.
  lm::Lm& lm();

  // Re-checks cancellation and the time budget; true when the run must stop.
  bool CheckStop();
  bool stopped() const { return stopped_.load(); }
  std::string stop_reason() const;
  void Stop(const std::string& reason);  // the first reason wins
  Status StoppedStatus() const;

  // One prediction with the run's LM settings; `seed`/`temperature` override them (bootstrap
  // rounds > 0).
  Result<Json> Predict(const Program& program, const DataPoint& point,
                       std::optional<uint64_t> seed = std::nullopt,
                       std::optional<double> temperature = std::nullopt);
  Result<double> Score(const DataPoint& point, const Json& prediction);

  struct Evaluation {
    double score = 0;
    std::vector<double> scores;  // per item, failures = 0
    int errors = 0;
  };
  using ItemFn = std::function<Result<Json>(const DataPoint&)>;
  // Predicts and scores every item on min(ctx.threads, n) workers. Errors: StoppedStatus() when
  // the run stopped midway; the last item error once max_errors items failed.
  Result<Evaluation> Evaluate(const std::vector<DataPoint>& items, const ItemFn& predict);
  Result<Evaluation> Evaluate(const Program& program, const std::vector<DataPoint>& items);
  // Evaluate(program, items) for the trial about to be added, unless ctx.replay holds the same
  // trial (see RunContext::replay): then its stored scores, without LM calls.
  Result<Evaluation> EvaluateTrial(const Trial& trial, const Program& program, const std::vector<DataPoint>& items);

  // Call before each candidate; false (and stop reason budget_trials) when max_trials trials
  // are done, or when the run is stopped.
  bool BeginTrial();
  // Completes `trial` (index, lm_calls since BeginTrial, evaluation metrics), stores it and
  // reports it through ctx.on_trial. Returns its index.
  int AddTrial(Trial trial, const Evaluation& eval, const std::vector<DataPoint>& items);
  const std::vector<Trial>& trials() const { return trials_; }

  void Log(const std::string& line);
  void FillTotals(OptimizeResult* result) const;
  LmUsage Usage() const;

 private:
  class MeteredLm;
  friend class MeteredLm;

  RunContext& ctx_;
  const dspy::SignatureSpec& spec_;
  const int max_errors_;
  const std::chrono::steady_clock::time_point start_;
  std::unique_ptr<MeteredLm> lm_;
  std::atomic<bool> stopped_{false};
  mutable std::mutex mu_;
  std::string stop_reason_;  // GUARDED_BY(mu_)
  std::atomic<int64_t> calls_{0}, cached_calls_{0}, prompt_tokens_{0}, completion_tokens_{0};
  std::optional<Evaluation> Replay(const Trial& trial, const std::vector<DataPoint>& items) const;

  std::vector<Trial> trials_;
  int64_t trial_start_calls_ = 0;
  bool replayed_ = false;  // the trial in progress reuses a previous attempt's scores
};

}  // namespace exemplar::optimize
