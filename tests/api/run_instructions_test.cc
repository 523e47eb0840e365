// Native MIPROv2 runs against an OpenAI-compatible LM on a loopback port that proposes one
// instruction and answers correctly only when the prompt carries it: what progress reports when a
// trial budget stops the run, and what becomes of the proposed instruction (review s18 P2-2, P2-3).
#include <gtest/gtest.h>

#include <httplib.h>

#include <thread>

#include "testing/test_server.h"

namespace exemplar::testing {
namespace {

// What the fake LM proposes: `{q}` names the input field (text to DSPy), and the indented second
// line and trailing blank line are what inspect.cleandoc removes.
const char* kProposal = "Say yes (MARKER) to {q}.\n    Keep it short.\n\n";
const char* kCleaned = "Say yes (MARKER) to {q}.\nKeep it short.";

class ProposingLm {
 public:
  ProposingLm() {
    server_.Post("/v1/chat/completions", [](const httplib::Request& req, httplib::Response& res) {
      const std::string& body = req.body;
      std::string reply;
      if (body.find("proposed_instruction") != std::string::npos) {
        reply = std::string("[[ ## proposed_instruction ## ]]\n") + kProposal + "\n[[ ## completed ## ]]";
      } else {
        const bool marked = body.find("MARKER") != std::string::npos;
        reply = std::string("[[ ## answer ## ]]\n") + (marked ? "yes" : "no") + "\n\n[[ ## completed ## ]]";
      }
      const Json message = {{"role", "assistant"}, {"content", reply}};
      const Json choice = {{"message", message}};
      res.set_content(Json{{"choices", Json::array({choice})}}.dump(), "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~ProposingLm() {
    server_.stop();
    thread_.join();
  }
  Config ServerConfig() const {
    Config c;
    LmProviderConfig p;
    p.base_url = "http://127.0.0.1:" + std::to_string(port_) + "/v1";
    p.model = "test";
    p.timeout_ms = 5000;
    p.max_retries = 0;
    c.lm_providers["proposing"] = p;
    return c;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

class RunInstructions : public ::testing::Test {
 protected:
  RunInstructions() : server_(lm_.ServerConfig()) {}
  void SetUp() override {
    auto t = server_.Post("/api/v1/templates", {{"name", "Yes questions"},
                                                {"input_schema", {{{"name", "q"}, {"type", "string"}}}},
                                                {"output_schema", {{{"name", "answer"}, {"type", "string"}}}},
                                                {"prompt_template", "Answer the question."}});
    ASSERT_EQ(t.status, 201) << t.raw;
    tid_ = t.body["id"];
    const char* things[] = {"boiler", "pump", "valve", "fan", "belt", "motor", "sensor", "relay", "filter", "gauge",
                            "hinge", "switch"};
    for (const char* thing : things) {
      auto e = server_.Post("/api/v1/examples", {{"input", {{"q", std::string("Is the ") + thing + " inspected?"}}},
                                                 {"expected_output", {{"answer", "yes"}}},
                                                 {"databit_id", tid_}});
      ASSERT_EQ(e.status, 201) << e.raw;
    }
  }
  // A MIPROv2 run on the proposing LM; the finished run.
  Json Run(Json params, int max_trials) {
    params["auto"] = nullptr;
    params["max_bootstrapped_demos"] = 0;
    params["max_labeled_demos"] = 0;
    params["data_aware_proposer"] = false;
    params["fewshot_aware_proposer"] = false;
    auto r = server_.Post("/api/v1/dspy-runs", {{"template_id", tid_},
                                                {"optimizer_type", "MIPROv2"},
                                                {"optimizer_params", params},
                                                {"metric", "exact_match"},
                                                {"lm", {{"provider", "proposing"}}},
                                                {"budget", {{"max_trials", max_trials}}},
                                                {"data", {{"split_ratio", 0.5}, {"seed", 1}}}});
    EXPECT_EQ(r.status, 201) << r.raw;
    return WaitForRun(server_, r.body.value("run_id", ""));
  }

  ProposingLm lm_;
  TestServer server_;
  std::string tid_;
};

// num_trials 6 with a budget of 6 trials: the default program's full evaluation (0.0), then five
// minibatch trials (the proposed instruction scores 1.0 on its minibatch), and the budget ends the
// run before a full evaluation of the proposal. As in DSPy, the result is the best fully evaluated
// program; progress said best_score 1.0 beside the run's 0.0. Now it reports the same score as
// the result, and the minibatch score apart.
TEST_F(RunInstructions, MiproProgressReportsTheScoreOfTheResult) {
  const Json run = Run({{"num_candidates", 3}, {"num_trials", 6}}, 6);
  ASSERT_EQ(run["status"], "completed") << run.dump();
  ASSERT_EQ(run["progress"].value("stopped_reason", ""), "budget_trials") << run.dump();
  auto results = server_.Get("/api/v1/dspy-runs/" + run["run_id"].get<std::string>() + "/results").body;
  int minibatch_trials = 0;
  for (const auto& t : results["trials"]) minibatch_trials += t["metrics"].value("minibatch", false) ? 1 : 0;
  ASSERT_EQ(minibatch_trials, 5) << results["trials"].dump();
  EXPECT_EQ(run["progress"]["best_score"], run["best_score"]) << run.dump();
  EXPECT_EQ(results["best_score"], run["best_score"]);
  EXPECT_EQ(results["best_program"]["score"], run["best_score"]);
  EXPECT_EQ(run["progress"]["best_minibatch_score"], 1.0) << run.dump();
}

// The proposed instruction is prompted and kept as DSPy's with_instructions holds it (cleandoc'ed),
// and the accepted version exports it as stored: `{q}` stays text, as in the prompts the run
// scored, rather than being rendered as `q`.
TEST_F(RunInstructions, AProposedInstructionIsCleandocedAndExportedAsStored) {
  const Json run = Run({{"num_candidates", 3}, {"num_trials", 6}, {"minibatch", false}}, 10);
  ASSERT_EQ(run["status"], "completed") << run.dump();
  const std::string run_id = run["run_id"];
  auto results = server_.Get("/api/v1/dspy-runs/" + run_id + "/results").body;
  ASSERT_EQ(results["best_score"], 1.0) << results.dump();
  EXPECT_EQ(results["best_program"]["instructions"], kCleaned) << results["best_program"].dump();
  for (const auto& t : results["trials"]) {
    const std::string instruction = t.value("instruction", "");
    EXPECT_EQ(instruction.find("    Keep"), std::string::npos) << instruction;
  }
  auto accepted = server_.Post("/api/v1/dspy-runs/" + run_id + "/accept", Json::object());
  ASSERT_EQ(accepted.status, 201) << accepted.raw;
  const std::string vid = accepted.body["template"]["id"];
  EXPECT_EQ(accepted.body["template"]["prompt_template"], kCleaned);
  auto exported = server_.Post("/api/v1/templates/" + vid + "/export-dspy", {{"format", "program_state"}});
  ASSERT_EQ(exported.status, 200) << exported.raw;
  const Json state = Json::parse(exported.body["content"].get<std::string>());
  EXPECT_EQ(state["predict"]["signature"]["instructions"], kCleaned) << state.dump();
  EXPECT_EQ(exported.body["findings"].dump().find("placeholders_rendered"), std::string::npos) << exported.raw;
  auto signature = server_.Get("/api/v1/templates/" + vid + "/dspy-signature");
  EXPECT_EQ(signature.body["signature"]["instructions"], kCleaned) << signature.raw;
  // The template's own prompt (no program) still renders {field} placeholders.
  ASSERT_EQ(server_.Put("/api/v1/templates/" + tid_, {{"prompt_template", "Answer {q}."}}).status, 200);
  auto plain = server_.Get("/api/v1/templates/" + tid_ + "/dspy-signature");
  EXPECT_EQ(plain.body["signature"]["instructions"], "Answer `q`.") << plain.raw;
}

}  // namespace
}  // namespace exemplar::testing
