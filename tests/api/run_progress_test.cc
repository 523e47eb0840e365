// What a run reports about itself while it runs and when it stops: LM calls, tokens and time as
// they are spent (bootstrapping included), a failed run's spending, the LM-call budget kept
// exactly, and a server shutdown told as an interruption, not a cancel.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "testing/plain_lm.h"
#include "testing/seed_fixture.h"

namespace exemplar::testing {
namespace {

const char* kDefectTemplate = "7d3e9a52-1c4b-4f8e-8a6d-2b5c9e0f1a01";
const char* kTelemetryTemplate = "b1f4c8e2-6a3d-4e9b-8c57-0d2a7f3e9b02";  // integer output field

struct SseEvent {
  std::string type;
  Json data;
};

// The events of a Server-Sent Events body, in order.
std::vector<SseEvent> ParseEvents(const std::string& body) {
  std::vector<SseEvent> out;
  size_t at = 0;
  while (at < body.size()) {
    size_t end = body.find("\n\n", at);
    if (end == std::string::npos) end = body.size();
    SseEvent e;
    std::string data;
    size_t line_start = at;
    while (line_start < end) {
      size_t line_end = std::min(body.find('\n', line_start), end);
      const std::string line = body.substr(line_start, line_end - line_start);
      if (line.rfind("event: ", 0) == 0) e.type = line.substr(7);
      if (line.rfind("data: ", 0) == 0) data += line.substr(6);
      line_start = line_end + 1;
    }
    if (!e.type.empty()) {
      e.data = Json::parse(data, nullptr, false);
      out.push_back(std::move(e));
    }
    at = end + 2;
  }
  return out;
}

// Reads a run's event stream on a thread until the server ends it.
class StreamReader {
 public:
  StreamReader(int port, const std::string& run_id)
      : thread_([this, port, run_id] {
          httplib::Client c("127.0.0.1", port);
          c.set_read_timeout(120, 0);
          c.Get(("/api/v1/dspy-runs/" + run_id + "/events").c_str(), [this](const char* d, size_t n) {
            std::lock_guard lock(mu_);
            body_.append(d, n);
            started_ = true;
            return true;
          });
        }) {}
  ~StreamReader() { Join(); }
  void Join() {
    if (thread_.joinable()) thread_.join();
  }
  // Waits for the stream's first bytes (the run's state): the stream is attached.
  bool WaitStarted() {
    for (int i = 0; i < 1000; ++i) {
      {
        std::lock_guard lock(mu_);
        if (started_) return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }
  std::string body() {
    std::lock_guard lock(mu_);
    return body_;
  }

 private:
  std::mutex mu_;
  std::string body_;  // GUARDED_BY(mu_)
  bool started_ = false;  // GUARDED_BY(mu_)
  std::thread thread_;
};

// The reviewer's case: plain answers cannot fill an integer output field, so bootstrapping stops
// after max_errors (10) and the run fails. It still reports every call it made (the LM answered
// each one), their tokens and the time spent.
TEST(RunProgress, AFailedRunReportsTheCallsTokensAndTimeItSpent) {
  PlainLm lm(std::chrono::milliseconds(30));
  Config c;
  c.lm_providers["plain"] = lm.Provider();
  TestServer server(c);
  auto ids = SeedThroughApi(server, EXEMPLAR_SEED_DIR);
  auto launched = server.Post("/api/v1/dspy-runs", {{"template_id", ids[kTelemetryTemplate]},
                                                    {"optimizer_type", "BootstrapFewShot"},
                                                    {"lm", {{"provider", "plain"}}}});
  ASSERT_EQ(launched.status, 201) << launched.raw;
  const Json done = WaitForRun(server, launched.body["run_id"], 120);
  ASSERT_EQ(done["status"], "failed") << done.dump();
  EXPECT_NE(done["error"].get<std::string>().find("bootstrapping stopped after 10 errors"), std::string::npos)
      << done.dump();
  const Json& progress = done["progress"];
  const int64_t cached = progress.value("cached_calls", int64_t{-1});
  ASSERT_GE(lm.calls(), 10);
  EXPECT_GE(cached, 0) << done.dump();
  EXPECT_EQ(done["lm_calls"].get<int64_t>(), lm.calls() + cached) << done.dump();
  EXPECT_EQ(done["tokens"].get<int64_t>(), 10 * lm.calls()) << done.dump();
  EXPECT_GE(done["elapsed_s"].get<double>(), 0.03 * lm.calls()) << done.dump();
  ASSERT_TRUE(progress.contains("lm_calls_failed")) << done.dump();
  EXPECT_EQ(progress["lm_calls_failed"], 0) << done.dump();  // answered, just not usable
}

// Bootstrapping makes LM calls before the first trial: the run's record and its event stream
// show them (and the tokens and time) while they happen, not only when the trial ends.
TEST(RunProgress, CallsTokensAndTimeMoveWhileBootstrapping) {
  TestServer server;
  auto ids = SeedThroughApi(server, EXEMPLAR_SEED_DIR);
  auto launched = server.Post("/api/v1/dspy-runs", {{"template_id", ids[kDefectTemplate]},
                                                    {"optimizer_type", "BootstrapFewShot"},
                                                    {"lm", {{"provider", "offline"}, {"latency_ms", 100}}}});
  ASSERT_EQ(launched.status, 201) << launched.raw;
  const std::string id = launched.body["run_id"];
  StreamReader stream(server.port(), id);
  Json before_first_trial;  // the record seen with calls made and no trial finished yet
  for (int i = 0; i < 3000; ++i) {
    Json run = server.Get("/api/v1/dspy-runs/" + id).body;
    if (run["trials_completed"].get<int>() > 0 || (run["status"] != "running" && run["status"] != "pending")) break;
    if (run["lm_calls"].get<int64_t>() > 0) {
      before_first_trial = run;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(before_first_trial.is_object()) << "no LM calls reported before the first trial";
  EXPECT_EQ(before_first_trial["trials_completed"], 0);
  EXPECT_GT(before_first_trial["tokens"].get<int64_t>(), 0) << before_first_trial.dump();
  EXPECT_GT(before_first_trial["elapsed_s"].get<double>(), 0.0) << before_first_trial.dump();

  const Json done = WaitForRun(server, id, 120);
  ASSERT_EQ(done["status"], "completed") << done.dump();
  stream.Join();
  // The stream: progress with calls before the first trial event, never going back, ending at
  // the run's total.
  int64_t last_calls = 0;
  bool live_before_trial = false, trial_seen = false;
  for (const SseEvent& e : ParseEvents(stream.body())) {
    if (e.type == "trial") trial_seen = true;
    if (e.type != "progress") continue;
    const int64_t calls = e.data["lm_calls"].get<int64_t>();
    EXPECT_GE(calls, last_calls) << e.data.dump();
    last_calls = calls;
    if (!trial_seen && calls > 0 && e.data["trials_done"] == 0) live_before_trial = true;
  }
  EXPECT_TRUE(live_before_trial) << stream.body();
  EXPECT_TRUE(trial_seen) << stream.body();
  EXPECT_EQ(last_calls, done["lm_calls"].get<int64_t>()) << stream.body();
}

// Live progress does not loosen the budget: a run allowed 7 LM calls makes exactly 7.
TEST(RunProgress, TheLmCallBudgetStaysExact) {
  TestServer server;
  auto ids = SeedThroughApi(server, EXEMPLAR_SEED_DIR);
  auto launched = server.Post("/api/v1/dspy-runs", {{"template_id", ids[kDefectTemplate]},
                                                    {"optimizer_type", "BootstrapFewShotWithRandomSearch"},
                                                    {"lm", {{"provider", "offline"}, {"latency_ms", 5}}},
                                                    {"budget", {{"max_lm_calls", 7}}}});
  ASSERT_EQ(launched.status, 201) << launched.raw;
  const Json done = WaitForRun(server, launched.body["run_id"], 120);
  EXPECT_EQ(done["lm_calls"], 7) << done.dump();
  EXPECT_EQ(done["progress"]["stopped_reason"], "budget_lm_calls") << done.dump();
}

// SIGTERM stops the runs service before the HTTP server: a run in flight is interrupted, not
// cancelled. Its stream says so and ends with the run's final state, the one the record keeps.
TEST(RunProgress, ShutdownEndsTheStreamWithTheRunInterrupted) {
  TestServer server;
  auto ids = SeedThroughApi(server, EXEMPLAR_SEED_DIR);
  auto launched = server.Post("/api/v1/dspy-runs", SlowMiproRun(ids[kDefectTemplate], 15));
  ASSERT_EQ(launched.status, 201) << launched.raw;
  const std::string id = launched.body["run_id"];
  for (int i = 0; i < 1200; ++i) {
    if (server.Get("/api/v1/dspy-runs/" + id).body["trials_completed"].get<int>() >= 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  StreamReader stream(server.port(), id);
  ASSERT_TRUE(stream.WaitStarted());
  server.Stop();
  stream.Join();
  const std::string body = stream.body();
  const std::vector<SseEvent> events = ParseEvents(body);
  ASSERT_FALSE(events.empty()) << body;
  if (events.back().data.value("status", "") == "completed") GTEST_SKIP() << "run finished before the shutdown";
  EXPECT_EQ(body.find("cancelled"), std::string::npos) << body;
  EXPECT_NE(body.find("The server is shutting down: the run is interrupted"), std::string::npos) << body;
  EXPECT_NE(body.find("Interrupted after"), std::string::npos) << body;
  const SseEvent& last = events.back();
  ASSERT_EQ(last.type, "status") << body;
  EXPECT_EQ(last.data["status"], "failed") << body;
  const std::string error = last.data.value("error", "");
  EXPECT_NE(error.find("interrupted by the server shutting down"), std::string::npos) << body;

  server.Start();
  const Json after = server.Get("/api/v1/dspy-runs/" + id).body;
  EXPECT_EQ(after["status"], "failed") << after.dump();
  EXPECT_EQ(after["error"], error) << after.dump();
  const size_t kept = server.Get("/api/v1/dspy-runs/" + id + "/results").body["trials"].size();
  EXPECT_GE(kept, 1u);
  EXPECT_NE(error.find(std::to_string(kept) + " finished trials were kept"), std::string::npos) << error;
  EXPECT_EQ(after["progress"]["stopped_reason"], "interrupted") << after.dump();
  EXPECT_GT(after["lm_calls"].get<int64_t>(), 0) << after.dump();
}

}  // namespace
}  // namespace exemplar::testing
