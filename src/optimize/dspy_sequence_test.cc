// Golden test: the native BootstrapFewShotWithRandomSearch sends the prompts DSPy sends, in DSPy's
// order. The reference is tests/optimize/dspy_random_search.py: DSPy 3.3's candidate construction
// (reference/dspy.md §5) written with Python's own `random`, so the sampling and shuffling of
// every candidate come from the real Mersenne Twister, not from our port of it.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <map>
#include <set>
#include <mutex>

#include "optimize/optimizer.h"
#include "optimize/test_tickets.h"

namespace exemplar::optimize {
namespace {

// Answers every prompt with the right category and records which examples each prompt shows: its
// demos, then its input, found by the ticket texts of its user messages.
class OracleLm : public lm::Lm {
 public:
  explicit OracleLm(const std::vector<DataPoint>& points) {
    for (const DataPoint& p : points) by_text_[p.inputs["ticket"].get<std::string>()] = &p;
  }

  Result<lm::LmResponse> Complete(const lm::LmRequest& request) override {
    std::vector<std::string> shown;
    const DataPoint* input = nullptr;
    for (const lm::ChatMessage& m : request.messages) {
      if (m.role != "user") continue;
      for (const auto& [text, point] : by_text_) {
        // The field's value ends its line, or the message (a demo's user message).
        const std::string field = "[[ ## ticket ## ]]\n" + text;
        size_t at = m.content.find(field);
        if (at == std::string::npos) continue;
        size_t end = at + field.size();
        if (end < m.content.size() && m.content[end] != '\n') continue;
        shown.push_back(point->example_id);
        input = point;
      }
    }
    if (!input) return Status::InvalidArgument("prompt shows no known ticket");
    {
      std::lock_guard lock(mu_);
      calls_.push_back(shown);
    }
    lm::LmResponse r;
    r.text = "[[ ## category ## ]]\n" + input->outputs["category"].get<std::string>() + "\n\n[[ ## completed ## ]]";
    r.choices = {r.text};
    return r;
  }
  std::string name() const override { return "oracle"; }

  std::vector<std::vector<std::string>> calls() const {
    std::lock_guard lock(mu_);
    return calls_;
  }

 private:
  std::map<std::string, const DataPoint*> by_text_;
  mutable std::mutex mu_;
  std::vector<std::vector<std::string>> calls_;
};

Json RunPython(const std::string& args) {
  std::string cmd = std::string(EXEMPLAR_PYTHON) + " " + EXEMPLAR_DSPY_REFERENCE + " " + args;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) return nullptr;
  std::string out;
  std::array<char, 4096> buf;
  while (size_t n = fread(buf.data(), 1, buf.size(), pipe)) out.append(buf.data(), n);
  if (pclose(pipe) != 0) return nullptr;
  return Json::parse(out, nullptr, false);
}

class DspySequenceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    points_ = Tickets();
    std::set<std::string> texts;
    for (const DataPoint& p : points_) texts.insert(p.inputs["ticket"].get<std::string>());
    ASSERT_EQ(texts.size(), points_.size()) << "ticket texts must be unique to identify prompts";
    train_.assign(points_.begin(), points_.begin() + 28);
    val_.assign(points_.begin() + 28, points_.end());
  }

  // The native run's LM calls and each candidate's demo ids.
  void Run(const Json& params, std::vector<std::vector<std::string>>* calls,
           std::vector<std::vector<std::string>>* candidates) {
    OracleLm lm(points_);
    RunContext ctx{lm, *MakeMetric("exact_match")};
    ctx.threads = 1;  // evaluation in valset order, as dspy.Evaluate with one thread
    auto r = Optimize("BootstrapFewShotWithRandomSearch", params, TicketSpec(), train_, val_, ctx);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    *calls = lm.calls();
    for (const Trial& t : r->trials) candidates->push_back(t.demo_ids);
  }

  std::vector<DataPoint> points_, train_, val_;
};

TEST_F(DspySequenceTest, RandomSearchSendsDspysPromptsInDspysOrder) {
  Json expected = RunPython("28 12 4 16 3");
  ASSERT_TRUE(expected.is_object()) << "the python reference failed";
  std::vector<std::vector<std::string>> calls, candidates;
  Run({{"num_candidate_programs", 3}, {"max_bootstrapped_demos", 4}, {"max_labeled_demos", 16}}, &calls,
      &candidates);
  auto want_candidates = expected["candidates"].get<std::vector<std::vector<std::string>>>();
  auto want_calls = expected["calls"].get<std::vector<std::vector<std::string>>>();
  ASSERT_EQ(candidates.size(), 6u);  // seeds -3..2
  EXPECT_EQ(candidates, want_candidates);
  ASSERT_EQ(calls.size(), want_calls.size());
  for (size_t i = 0; i < calls.size(); ++i) {
    ASSERT_EQ(calls[i], want_calls[i]) << "LM call " << i << " differs from DSPy's";
  }
}

TEST_F(DspySequenceTest, AnOptimizerSeedDepartsFromDspysDefault) {
  Json expected = RunPython("28 12 4 16 2");
  ASSERT_TRUE(expected.is_object());
  std::vector<std::vector<std::string>> calls, candidates;
  Run({{"num_candidate_programs", 2}, {"seed", 5}}, &calls, &candidates);
  auto want = expected["candidates"].get<std::vector<std::vector<std::string>>>();
  ASSERT_EQ(candidates.size(), want.size());
  EXPECT_EQ(candidates[0], want[0]);  // zero-shot has no demos whatever the seed
  EXPECT_NE(candidates[1], want[1]);  // the labeled sample follows the seed
  EXPECT_NE(candidates[3], want[3]);
}

}  // namespace
}  // namespace exemplar::optimize
