#include "optimize/session.h"

#include <algorithm>
#include <thread>

namespace exemplar::optimize {

class Session::MeteredLm : public lm::Lm {
 public:
  explicit MeteredLm(Session& s) : s_(s) {}

  Result<lm::LmResponse> Complete(const lm::LmRequest& request) override {
    if (s_.CheckStop()) return s_.StoppedStatus();
    const int64_t max_calls = s_.ctx_.budget.max_lm_calls;
    int64_t n = s_.calls_.fetch_add(1) + 1;
    if (max_calls > 0 && n > max_calls) {
      s_.calls_.fetch_sub(1);
      s_.Stop("budget_lm_calls");
      return s_.StoppedStatus();
    }
    lm::LmRequest req = request;
    auto outer = request.cancelled;
    // Aborts the call in flight when the run is cancelled, runs out of time, or another worker
    // stopped it.
    req.cancelled = [this, outer] { return (outer && outer()) || s_.CheckStop(); };
    Result<lm::LmResponse> resp = s_.ctx_.lm.Complete(req);
    if (!resp.ok()) {
      s_.CheckStop();
    } else if (resp->cached) {
      s_.cached_calls_.fetch_add(1);
    } else {
      s_.prompt_tokens_.fetch_add(resp->prompt_tokens);
      s_.completion_tokens_.fetch_add(resp->completion_tokens);
    }
    if (s_.ctx_.on_lm_call) s_.ctx_.on_lm_call(s_.Usage());
    return resp;
  }

  std::string name() const override { return s_.ctx_.lm.name(); }

 private:
  Session& s_;
};

Session::Session(RunContext& ctx, const dspy::SignatureSpec& spec, int max_errors)
    : ctx_(ctx),
      spec_(spec),
      max_errors_(max_errors >= 0 ? max_errors : kDefaultMaxErrors),
      start_(std::chrono::steady_clock::now() -
             std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                 std::chrono::duration<double>(std::max(0.0, ctx.spent_seconds)))),
      lm_(std::make_unique<MeteredLm>(*this)) {
  // A resumed run goes on from what its earlier attempts spent.
  calls_ = std::max<int64_t>(0, ctx.spent.lm_calls);
  cached_calls_ = std::max<int64_t>(0, ctx.spent.cached_calls);
  prompt_tokens_ = std::max<int64_t>(0, ctx.spent.prompt_tokens);
  completion_tokens_ = std::max<int64_t>(0, ctx.spent.completion_tokens);
  trial_start_calls_ = calls_.load();
}

Session::~Session() = default;

lm::Lm& Session::lm() { return *lm_; }

bool Session::CheckStop() {
  if (stopped_.load()) return true;
  if (ctx_.cancelled && ctx_.cancelled()) {
    Stop(ctx_.interrupted && ctx_.interrupted() ? "interrupted" : "cancelled");
  } else if (ctx_.budget.max_minutes > 0) {
    double minutes = std::chrono::duration<double, std::ratio<60>>(std::chrono::steady_clock::now() - start_).count();
    if (minutes >= ctx_.budget.max_minutes) Stop("budget_time");
  }
  return stopped_.load();
}

std::string Session::stop_reason() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stop_reason_;
}

void Session::Stop(const std::string& reason) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stop_reason_.empty()) stop_reason_ = reason;
  stopped_.store(true);
}

Status Session::StoppedStatus() const {
  return Status::Unavailable("run stopped: " + stop_reason());
}

Result<Json> Session::Predict(const Program& program, const DataPoint& point,
                              std::optional<uint64_t> seed, std::optional<double> temperature) {
  PredictOptions opt;
  opt.module = ctx_.module;
  opt.temperature = temperature.value_or(ctx_.temperature);
  opt.max_tokens = ctx_.max_tokens;
  opt.seed = seed;
  return optimize::Predict(program, spec_, point, lm(), opt);
}

Result<double> Session::Score(const DataPoint& point, const Json& prediction) {
  MetricInput in{spec_, point.inputs, point.outputs, prediction, &lm(), ctx_.temperature};
  return ctx_.metric.fn(in);
}

Result<Session::Evaluation> Session::Evaluate(const std::vector<DataPoint>& items, const ItemFn& predict) {
  Evaluation eval;
  eval.scores.assign(items.size(), 0.0);
  std::atomic<size_t> next{0};
  std::atomic<int> errors{0};
  std::atomic<bool> abort{false};
  std::mutex err_mu;
  Status last_error;
  auto work = [&] {
    for (size_t i = next.fetch_add(1); i < items.size(); i = next.fetch_add(1)) {
      if (abort.load() || CheckStop()) return;
      Result<Json> pred = predict(items[i]);
      Result<double> score = pred.ok() ? Score(items[i], *pred) : Result<double>(pred.status());
      if (score.ok()) {
        eval.scores[i] = *score;
        continue;
      }
      if (stopped()) return;
      {
        std::lock_guard<std::mutex> lock(err_mu);
        last_error = score.status();
      }
      if (errors.fetch_add(1) + 1 >= max_errors_) abort.store(true);
    }
  };
  size_t workers = std::min<size_t>(std::max(1, ctx_.threads), items.size());
  if (workers <= 1) {
    work();
  } else {
    std::vector<std::thread> pool;
    for (size_t w = 0; w < workers; ++w) pool.emplace_back(work);
    for (std::thread& t : pool) t.join();
  }
  if (stopped()) return StoppedStatus();
  eval.errors = errors.load();
  if (abort.load()) {
    return Status(last_error.code(), "evaluation stopped after " + std::to_string(eval.errors) +
                                         " errors; last: " + last_error.message());
  }
  double sum = 0;
  for (double s : eval.scores) sum += s;
  eval.score = items.empty() ? 0 : sum / items.size();
  return eval;
}

Result<Session::Evaluation> Session::Evaluate(const Program& program, const std::vector<DataPoint>& items) {
  return Evaluate(items, [&](const DataPoint& p) { return Predict(program, p); });
}

std::optional<Session::Evaluation> Session::Replay(const Trial& trial, const std::vector<DataPoint>& items) const {
  const size_t index = trials_.size();
  if (index >= ctx_.replay.size()) return std::nullopt;
  const Trial& done = ctx_.replay[index];
  const Json digest = trial.metrics.value("program_digest", Json());
  if (done.candidate != trial.candidate || !digest.is_string() || done.metrics.value("program_digest", Json()) != digest) {
    return std::nullopt;
  }
  const Json scores = done.metrics.value("example_scores", Json());
  if (!scores.is_object() || scores.size() != items.size()) return std::nullopt;
  Evaluation eval;
  double sum = 0;
  for (const DataPoint& item : items) {
    auto it = scores.find(item.example_id);
    if (it == scores.end() || !it->is_number()) return std::nullopt;
    eval.scores.push_back(it->get<double>());
    sum += eval.scores.back();
  }
  eval.score = items.empty() ? 0 : sum / items.size();
  eval.errors = done.metrics.value("errors", 0);
  return eval;
}

Result<Session::Evaluation> Session::EvaluateTrial(const Trial& trial, const Program& program,
                                                   const std::vector<DataPoint>& items) {
  if (auto replayed = Replay(trial, items)) {
    replayed_ = true;
    return *replayed;
  }
  return Evaluate(program, items);
}

bool Session::BeginTrial() {
  if (CheckStop()) return false;
  if (ctx_.budget.max_trials > 0 && static_cast<int>(trials_.size()) >= ctx_.budget.max_trials) {
    Stop("budget_trials");
    return false;
  }
  trial_start_calls_ = calls_.load();
  replayed_ = false;
  return true;
}

int Session::AddTrial(Trial trial, const Evaluation& eval, const std::vector<DataPoint>& items) {
  trial.index = static_cast<int>(trials_.size());
  trial.score = eval.score;
  trial.lm_calls = calls_.load() - trial_start_calls_;
  trial_start_calls_ = calls_.load();
  Json scores = Json::object();
  for (size_t i = 0; i < items.size() && i < eval.scores.size(); ++i) scores[items[i].example_id] = eval.scores[i];
  trial.metrics["evaluated"] = items.size();
  trial.metrics["errors"] = eval.errors;
  trial.metrics["example_scores"] = std::move(scores);
  if (!trial.metrics.contains("minibatch")) trial.metrics["minibatch"] = false;
  if (replayed_) trial.metrics["resumed"] = true;
  replayed_ = false;
  trial.metrics["metric"] = ctx_.metric.name;
  trials_.push_back(std::move(trial));
  if (ctx_.on_trial) ctx_.on_trial(trials_.back());
  return trials_.back().index;
}

void Session::Log(const std::string& line) {
  if (ctx_.on_log) ctx_.on_log(line);
}

void Session::FillTotals(OptimizeResult* result) const {
  const LmUsage u = Usage();
  result->lm_calls = u.lm_calls;
  result->cached_calls = u.cached_calls;
  result->prompt_tokens = u.prompt_tokens;
  result->completion_tokens = u.completion_tokens;
}

LmUsage Session::Usage() const {
  return {calls_.load(), cached_calls_.load(), prompt_tokens_.load(), completion_tokens_.load()};
}

}  // namespace exemplar::optimize
