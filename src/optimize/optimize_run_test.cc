// End-to-end optimizer runs with the offline stand-in LM on a small synthetic classification task.
#include <gtest/gtest.h>

#include <atomic>
#include <set>

#include "lm/cached_lm.h"
#include "lm/offline_lm.h"
#include "optimize/optimizer.h"
#include "optimize/py_random.h"
#include "optimize/test_tickets.h"

namespace exemplar::optimize {
namespace {

// Counts calls; can raise a cancel flag when the n-th call arrives.
class CountingLm : public lm::Lm {
 public:
  Result<lm::LmResponse> Complete(const lm::LmRequest& request) override {
    int64_t n = ++calls_;
    if (cancel_at_ > 0 && n >= cancel_at_) cancel_ = true;
    if (cancel_.load() && n > cancel_at_) ++after_cancel_;
    return inner_.Complete(request);
  }
  std::string name() const override { return "counting"; }

  lm::OfflineLm inner_;
  std::atomic<int64_t> calls_{0}, after_cancel_{0};
  int64_t cancel_at_ = 0;
  std::atomic<bool> cancel_{false};
};

class OptimizeRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto all = Tickets();
    train_.assign(all.begin(), all.begin() + 28);
    val_.assign(all.begin() + 28, all.end());
  }

  RunContext Context() {
    RunContext ctx{lm_, *MakeMetric("exact_match")};
    ctx.cancelled = [this] { return lm_.cancel_.load(); };
    ctx.on_trial = [this](const Trial& t) { reported_.push_back(t); };
    return ctx;
  }

  Result<OptimizeResult> Run(const std::string& type, const Json& params, RunContext& ctx) {
    return Optimize(type, params, TicketSpec(), train_, val_, ctx);
  }

  CountingLm lm_;
  std::vector<DataPoint> train_, val_;
  std::vector<Trial> reported_;
};

TEST_F(OptimizeRunTest, RandomSearchBeatsZeroShot) {
  RunContext ctx = Context();
  auto r = Run("BootstrapFewShotWithRandomSearch", {{"num_candidate_programs", 4}}, ctx);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->trials.size(), 7u);
  std::vector<std::string> names;
  for (const Trial& t : r->trials) names.push_back(t.candidate);
  EXPECT_EQ(names, (std::vector<std::string>{"zero_shot", "labeled", "bootstrap", "seed:0", "seed:1",
                                             "seed:2", "seed:3"}));
  EXPECT_EQ(r->stopped_reason, "completed");
  EXPECT_DOUBLE_EQ(r->trials[0].score, 0.0);
  EXPECT_TRUE(r->trials[0].demo_ids.empty());
  ASSERT_TRUE(r->best_score.has_value());
  EXPECT_GT(*r->best_score, r->trials[0].score);
  EXPECT_GE(*r->best_score, 0.75);
  EXPECT_FALSE(r->best.demos.empty());
  EXPECT_EQ(r->trials[r->best_trial].score, *r->best_score);
  EXPECT_EQ(reported_.size(), 7u);
  EXPECT_EQ(r->lm_calls, lm_.calls_.load());
  int64_t per_trial = 0;
  for (const Trial& t : r->trials) per_trial += t.lm_calls;
  EXPECT_EQ(per_trial, r->lm_calls);
  EXPECT_GT(r->prompt_tokens, 0);
  EXPECT_EQ(r->trials[1].metrics["example_scores"].size(), val_.size());
  // seed:N bootstraps at most Random(N).randint(1, 4) demos: 4, 2, 1, 2.
  EXPECT_EQ(r->trials[4].metrics["max_bootstrapped_demos"], 2);
  EXPECT_LE(r->trials[4].metrics["augmented_demos"].get<int>(), 2);
}

TEST_F(OptimizeRunTest, LabeledFewShotBeatsZeroShotWithDspySampling) {
  RunContext ctx = Context();
  auto labeled = Run("LabeledFewShot", {{"k", 16}}, ctx);
  ASSERT_TRUE(labeled.ok()) << labeled.status().ToString();
  ASSERT_EQ(labeled->trials.size(), 1u);
  EXPECT_EQ(labeled->trials[0].candidate, "labeled");
  // Random(0).sample(trainset, 16), as DSPy's LabeledFewShot.
  std::vector<std::string> expected;
  for (size_t i : PyRandom(0).SampleIndices(train_.size(), 16)) expected.push_back(train_[i].example_id);
  EXPECT_EQ(labeled->trials[0].demo_ids, expected);
  auto zero = Run("BootstrapFewShotWithRandomSearch", {{"num_candidate_programs", 1}}, ctx);
  ASSERT_TRUE(zero.ok());
  EXPECT_GT(labeled->trials[0].score, zero->trials[0].score + 0.5);
}

TEST_F(OptimizeRunTest, BootstrapAugmentedDemosFirst) {
  RunContext ctx = Context();
  ctx.module = ModuleKind::kChainOfThought;
  auto r = Run("BootstrapFewShot", {{"max_bootstrapped_demos", 3}, {"max_labeled_demos", 5}}, ctx);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->best.demos.size(), 5u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(r->best.demos[i].augmented);
    EXPECT_TRUE(r->best.demos[i].fields.contains("reasoning"));
  }
  EXPECT_FALSE(r->best.demos[3].augmented);
  EXPECT_GT(*r->best_score, 0.5);
}

// DSPy's bootstrap rule as the exported metric applies it: under a trace the metric passes only
// when score >= its pass threshold. A metric that scores every prediction 0.5 bootstraps nothing
// at a pass threshold of 1.0 (exact_match's), and keeps demos at 0.5 (f1's).
TEST_F(OptimizeRunTest, BootstrapKeepsOnlyTracesThatPassTheMetric) {
  for (double threshold : {1.0, 0.5}) {
    RunContext ctx = Context();
    ctx.metric.fn = [](const MetricInput&) -> Result<double> { return 0.5; };
    ctx.metric.pass_threshold = threshold;
    auto r = Run("BootstrapFewShot", {{"max_bootstrapped_demos", 3}, {"max_labeled_demos", 3}}, ctx);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    int augmented = 0;
    for (const auto& d : r->best.demos) augmented += d.augmented ? 1 : 0;
    EXPECT_EQ(augmented, threshold == 1.0 ? 0 : 3) << "pass threshold " << threshold;
  }
  // metric_threshold compares the passed bool, as DSPy does: a threshold above 1 keeps nothing.
  RunContext ctx = Context();
  auto r = Run("BootstrapFewShot", {{"max_bootstrapped_demos", 3}, {"max_labeled_demos", 0}, {"metric_threshold", 1.5}}, ctx);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->best.demos.empty());
  EXPECT_EQ(MakeMetric("f1")->pass_threshold, 0.5);
  EXPECT_EQ(MakeMetric("exact_match")->pass_threshold, 1.0);
}

TEST_F(OptimizeRunTest, KnnFewShot) {
  RunContext ctx = Context();
  auto r = Run("KNNFewShot", {{"k", 3}}, ctx);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->trials.size(), 1u);
  EXPECT_EQ(r->trials[0].candidate, "knn");
  EXPECT_GT(r->trials[0].score, 0.75);
  EXPECT_FALSE(r->trials[0].demo_ids.empty());
  EXPECT_TRUE(r->best.demos.empty());
}

TEST_F(OptimizeRunTest, MiproRunsOfflineWithDistinctInstructions) {
  RunContext ctx = Context();
  auto r = Run("MIPROv2", {{"auto", "light"}}, ctx);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  std::set<std::string> candidates(r->instruction_candidates.begin(), r->instruction_candidates.end());
  EXPECT_GE(candidates.size(), 2u);
  EXPECT_EQ(r->instruction_candidates[0], TicketSpec().instructions);
  EXPECT_EQ(r->trials.size(), 11u);  // default + int(max(2*2*log2(6), 9)) = 10 trials
  EXPECT_EQ(r->trials[0].candidate, "mipro:i0-d0");
  std::set<std::string> used;
  for (const Trial& t : r->trials) used.insert(t.instruction);
  EXPECT_GE(used.size(), 2u);
  EXPECT_GT(*r->best_score, r->trials[0].score);
  EXPECT_EQ(r->stopped_reason, "completed");
}

TEST_F(OptimizeRunTest, MiproMinibatchFullEvaluations) {
  RunContext ctx = Context();
  auto r = Run("MIPROv2", {{"auto", nullptr}, {"num_candidates", 4}, {"num_trials", 6},
                           {"minibatch_size", 5}, {"minibatch_full_eval_steps", 2}}, ctx);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  int minibatch = 0, full = 0;
  for (const Trial& t : r->trials) (t.metrics["minibatch"].get<bool>() ? minibatch : full)++;
  EXPECT_EQ(minibatch, 6);
  EXPECT_GE(full, 2);  // the default program + at least one promoted combination
  EXPECT_FALSE(r->trials[r->best_trial].metrics["minibatch"].get<bool>());
  // The default minibatch_size (35) is fitted to the 12 valset items; a size set explicitly that
  // large is refused, as DSPy refuses it.
  auto fitted = Run("MIPROv2", {{"auto", nullptr}, {"num_candidates", 3}, {"num_trials", 2}}, ctx);
  ASSERT_TRUE(fitted.ok()) << fitted.status().ToString();
  int fitted_minibatches = 0;
  for (const Trial& t : fitted->trials) {
    if (!t.metrics["minibatch"].get<bool>()) continue;
    ++fitted_minibatches;
    EXPECT_EQ(t.metrics["evaluated"], 12);
  }
  EXPECT_GT(fitted_minibatches, 0);
  auto too_big = Run("MIPROv2", {{"auto", nullptr}, {"num_candidates", 3}, {"num_trials", 2}, {"minibatch_size", 35}}, ctx);
  EXPECT_EQ(too_big.status().code(), Code::kInvalidArgument);
  EXPECT_TRUE(ValidateOptimizerData("MIPROv2", {{"auto", nullptr}, {"num_candidates", 3}, {"num_trials", 2}}, 12, 12,
                                    {"body", "optimizer_params"}).ok());
  Status refused = ValidateOptimizerData("MIPROv2", {{"auto", nullptr}, {"num_candidates", 3}, {"num_trials", 2},
                                                     {"minibatch_size", 35}}, 12, 12, {"body", "optimizer_params"});
  ASSERT_EQ(refused.code(), Code::kInvalidArgument);
  ASSERT_EQ(refused.field_errors().size(), 1u);
  EXPECT_EQ(refused.field_errors()[0].loc, (std::vector<std::string>{"body", "optimizer_params", "minibatch_size"}));
}

TEST_F(OptimizeRunTest, CancellationKeepsFinishedTrialsAndStopsCalls) {
  lm_.cancel_at_ = 25;  // zero_shot (12 calls) and labeled (12) finish; bootstrapping is cut short
  RunContext ctx = Context();
  auto r = Run("BootstrapFewShotWithRandomSearch", Json::object(), ctx);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->stopped_reason, "cancelled");
  ASSERT_EQ(r->trials.size(), 2u);
  EXPECT_EQ(reported_.size(), 2u);
  EXPECT_EQ(r->trials[1].candidate, "labeled");
  EXPECT_EQ(lm_.calls_.load(), 25);
  EXPECT_EQ(lm_.after_cancel_.load(), 0);
  EXPECT_EQ(r->best_trial, 1);
}

TEST_F(OptimizeRunTest, CancellationDuringParallelEvaluation) {
  lm_.cancel_at_ = 5;
  RunContext ctx = Context();
  ctx.threads = 2;
  auto r = Run("LabeledFewShot", Json::object(), ctx);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->stopped_reason, "cancelled");
  EXPECT_TRUE(r->trials.empty());
  EXPECT_FALSE(r->best_score.has_value());
  EXPECT_LE(lm_.after_cancel_.load(), 1);  // at most the other worker's call already under way
}

TEST_F(OptimizeRunTest, Budgets) {
  {
    RunContext ctx = Context();
    ctx.budget.max_trials = 3;
    auto r = Run("BootstrapFewShotWithRandomSearch", Json::object(), ctx);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->stopped_reason, "budget_trials");
    EXPECT_EQ(r->trials.size(), 3u);
  }
  {
    lm_.calls_ = 0;
    RunContext ctx = Context();
    ctx.budget.max_lm_calls = 30;
    auto r = Run("BootstrapFewShotWithRandomSearch", Json::object(), ctx);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->stopped_reason, "budget_lm_calls");
    EXPECT_EQ(r->lm_calls, 30);
    EXPECT_EQ(lm_.calls_.load(), 30);
    EXPECT_EQ(r->trials.size(), 2u);
  }
  {
    RunContext ctx = Context();
    ctx.budget.max_minutes = 1e-9;
    auto r = Run("BootstrapFewShotWithRandomSearch", Json::object(), ctx);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->stopped_reason, "budget_time");
    EXPECT_TRUE(r->trials.empty());
  }
  {
    RunContext ctx = Context();
    ctx.budget.max_trials = 1;  // exactly the trials LabeledFewShot needs: completed
    auto r = Run("LabeledFewShot", Json::object(), ctx);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->stopped_reason, "completed");
  }
}

// A resumed run (its replica stopped) goes on from what earlier attempts spent: the budget is the
// run's, so the LM gets only what is left, and the totals include the earlier spending.
TEST_F(OptimizeRunTest, AResumedRunSpendsOnlyWhatIsLeftOfItsBudget) {
  {
    lm_.calls_ = 0;
    RunContext ctx = Context();
    ctx.budget.max_lm_calls = 30;
    ctx.spent = {22, 2, 700, 300};
    auto r = Run("BootstrapFewShotWithRandomSearch", Json::object(), ctx);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->stopped_reason, "budget_lm_calls");
    EXPECT_EQ(r->lm_calls, 30);
    EXPECT_EQ(lm_.calls_.load(), 8);
    EXPECT_GE(r->cached_calls, 2);
    EXPECT_GE(r->prompt_tokens, 700);
    EXPECT_GE(r->completion_tokens, 300);
  }
  {
    lm_.calls_ = 0;
    RunContext ctx = Context();
    ctx.budget.max_lm_calls = 30;
    ctx.spent.lm_calls = 30;  // all spent before the takeover
    auto r = Run("BootstrapFewShotWithRandomSearch", Json::object(), ctx);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->stopped_reason, "budget_lm_calls");
    EXPECT_EQ(r->lm_calls, 30);
    EXPECT_EQ(lm_.calls_.load(), 0);
  }
  {
    RunContext ctx = Context();
    ctx.budget.max_minutes = 1;
    ctx.spent_seconds = 61;  // the time budget too
    auto r = Run("BootstrapFewShotWithRandomSearch", Json::object(), ctx);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->stopped_reason, "budget_time");
    EXPECT_TRUE(r->trials.empty());
  }
}

TEST_F(OptimizeRunTest, CachedLmServesRepeatedCandidates) {
  lm::OfflineLm offline;
  lm::CachedLm cached(offline);
  RunContext ctx{cached, *MakeMetric("exact_match")};
  auto first = Optimize("BootstrapFewShotWithRandomSearch", {{"num_candidate_programs", 2}}, TicketSpec(),
                        train_, val_, ctx);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->cached_calls, 0);
  int64_t offline_calls = offline.calls();
  auto again = Optimize("BootstrapFewShotWithRandomSearch", {{"num_candidate_programs", 2}}, TicketSpec(),
                        train_, val_, ctx);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->cached_calls, again->lm_calls);  // an identical run is served from the cache
  EXPECT_EQ(offline.calls(), offline_calls);
  EXPECT_EQ(again->prompt_tokens, 0);
  EXPECT_EQ(again->best_score, first->best_score);
}

TEST_F(OptimizeRunTest, AResumedRunReusesTheTrialsItWouldRepeat) {
  const Json params = {{"num_candidate_programs", 3}};
  RunContext ctx = Context();
  ctx.threads = 1;
  auto first = Run("BootstrapFewShotWithRandomSearch", params, ctx);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_EQ(first->trials.size(), 6u);
  const int64_t all_calls = lm_.calls_.exchange(0);
  const int64_t per_evaluation = static_cast<int64_t>(val_.size());  // one call per item, no cache here

  // A resumed attempt: the first four trials are reused, with no evaluation calls.
  RunContext resumed = Context();
  resumed.threads = 1;
  resumed.replay.assign(first->trials.begin(), first->trials.begin() + 4);
  reported_.clear();
  auto again = Run("BootstrapFewShotWithRandomSearch", params, resumed);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(lm_.calls_.exchange(0), all_calls - 4 * per_evaluation);
  ASSERT_EQ(again->trials.size(), first->trials.size());
  for (size_t i = 0; i < again->trials.size(); ++i) {
    EXPECT_EQ(again->trials[i].demo_ids, first->trials[i].demo_ids) << i;
    EXPECT_DOUBLE_EQ(again->trials[i].score, first->trials[i].score) << i;
    EXPECT_EQ(again->trials[i].metrics.value("resumed", false), i < 4) << i;
  }
  EXPECT_EQ(again->best_score, first->best_score);
  EXPECT_EQ(again->best_trial, first->best_trial);

  // A stored trial whose program differs from the new attempt's candidate is evaluated again.
  RunContext changed = Context();
  changed.threads = 1;
  changed.replay.assign(first->trials.begin(), first->trials.begin() + 4);
  changed.replay[2].metrics["program_digest"] = "another program";
  auto third = Run("BootstrapFewShotWithRandomSearch", params, changed);
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(lm_.calls_.load(), all_calls - 3 * per_evaluation);
  EXPECT_FALSE(third->trials[2].metrics.value("resumed", false));
  EXPECT_DOUBLE_EQ(third->trials[2].score, first->trials[2].score);
}

TEST_F(OptimizeRunTest, ValidatesParameters) {
  RunContext ctx = Context();
  EXPECT_EQ(Run("COPRO", Json::object(), ctx).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(Run("LabeledFewShot", {{"k", 0}}, ctx).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(Run("LabeledFewShot", {{"kk", 3}}, ctx).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(Run("MIPROv2", {{"num_trials", 3}}, ctx).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(Run("LabeledFewShot", Json::array(), ctx).status().code(), Code::kInvalidArgument);
  EXPECT_TRUE(ValidateOptimizer("MIPRO", {{"auto", "medium"}}).ok());
  EXPECT_EQ(Optimize("LabeledFewShot", Json::object(), TicketSpec(), {}, val_, ctx).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(lm_.calls_.load(), 0);
}

TEST_F(OptimizeRunTest, FailsAfterMaxErrors) {
  class DownLm : public lm::Lm {
   public:
    Result<lm::LmResponse> Complete(const lm::LmRequest&) override { return Status::Unavailable("provider down"); }
    std::string name() const override { return "down"; }
  } down;
  RunContext ctx{down, *MakeMetric("exact_match")};
  auto r = Optimize("LabeledFewShot", {{"max_errors", 3}}, TicketSpec(), train_, val_, ctx);
  EXPECT_FALSE(r.ok());
  auto r2 = Optimize("LabeledFewShot", Json::object(), TicketSpec(), train_, val_, ctx);
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.status().code(), Code::kUnavailable);
  EXPECT_NE(r2.status().message().find("provider down"), std::string::npos);
}

}  // namespace
}  // namespace exemplar::optimize
