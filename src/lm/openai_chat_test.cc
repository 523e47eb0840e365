// OpenAiChatLm against a real local HTTP server (cpp-httplib) on a free port.
#include "lm/openai_chat.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <thread>

#include "common/json_util.h"

namespace exemplar::lm {
namespace {

using Clock = std::chrono::steady_clock;

std::string Reply(const std::string& text) {
  return Json({{"id", "x"},
               {"choices", {{{"index", 0}, {"message", {{"role", "assistant"}, {"content", text}}}}}},
               {"usage", {{"prompt_tokens", 11}, {"completion_tokens", 3}}}})
      .dump();
}

class OpenAiChatTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.set_tcp_nodelay(true);
    server_.Post(path_, [this](const httplib::Request& req, httplib::Response& res) {
      int n = ++calls_;
      last_body_ = req.body;
      last_auth_ = req.get_header_value("Authorization");
      handler_(n, req, res);
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }

  void TearDown() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      released_ = true;
    }
    cv_.notify_all();
    server_.stop();
    thread_.join();
  }

  OpenAiChatOptions Options() {
    OpenAiChatOptions o;
    o.base_url = "http://127.0.0.1:" + std::to_string(port_) + base_path_;
    o.model = "test-model";
    o.api_key = "sk-test";
    o.timeout_ms = 5000;
    o.max_retries = 2;
    o.initial_backoff_ms = 10;
    o.max_backoff_ms = 50;
    o.jitter_seed = 42;
    return o;
  }

  // Blocks the handler until the test ends (or `ms` passes).
  void Hold(int ms) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return released_; });
  }

  static LmRequest Hello() {
    LmRequest r;
    r.messages = {{"system", "be brief"}, {"user", "hi"}};
    r.max_tokens = 64;
    return r;
  }

  std::string path_ = "/v1/chat/completions";
  std::string base_path_ = "/v1";
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::atomic<int> calls_{0};
  std::string last_body_, last_auth_;
  std::function<void(int, const httplib::Request&, httplib::Response&)> handler_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool released_ = false;
};

TEST_F(OpenAiChatTest, SuccessWithUsage) {
  handler_ = [](int, const httplib::Request&, httplib::Response& res) {
    res.set_content(Reply("hello there"), "application/json");
  };
  OpenAiChatLm lm(Options());
  auto r = lm.Complete(Hello());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->text, "hello there");
  EXPECT_EQ(r->prompt_tokens, 11);
  EXPECT_EQ(r->completion_tokens, 3);
  EXPECT_FALSE(r->cached);
  EXPECT_EQ(last_auth_, "Bearer sk-test");
  Json body = Json::parse(last_body_);
  EXPECT_EQ(body["model"], "test-model");
  EXPECT_EQ(body["max_tokens"], 64);
  EXPECT_EQ(body["messages"][1]["content"], "hi");
  EXPECT_FALSE(body.contains("n"));
  EXPECT_FALSE(body.contains("seed"));
  EXPECT_EQ(lm.name(), "openai:test-model");
  // The connection is reused for the next call.
  EXPECT_TRUE(lm.Complete(Hello()).ok());
  EXPECT_EQ(calls_.load(), 2);
}

// A short-lived bearer (the Databricks service principal's OAuth token) replaces api_key; a 401
// fetches a new token once and the call succeeds with it.
TEST_F(OpenAiChatTest, RefreshedBearerAfterA401) {
  handler_ = [this](int, const httplib::Request&, httplib::Response& res) {
    if (last_auth_ != "Bearer token-2") {
      res.status = 401;
      res.set_content(R"({"error":{"message":"token expired"}})", "application/json");
      return;
    }
    res.set_content(Reply("fresh"), "application/json");
  };
  int fetched = 0;
  auto o = Options();
  o.bearer = std::make_shared<RefreshingCredentials>(
      "test", [&]() -> Result<Credential> { return Credential{"token-" + std::to_string(++fetched), 0}; }, 0);
  OpenAiChatLm lm(o);
  auto r = lm.Complete(Hello());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->text, "fresh");
  EXPECT_EQ(fetched, 2);
  EXPECT_EQ(calls_.load(), 2);
}

TEST_F(OpenAiChatTest, RetriesAfter429HonouringRetryAfter) {
  handler_ = [](int n, const httplib::Request&, httplib::Response& res) {
    if (n == 1) {
      res.status = 429;
      res.set_header("Retry-After", "1");
      res.set_content(R"({"error":{"message":"slow down"}})", "application/json");
      return;
    }
    res.set_content(Reply("ok"), "application/json");
  };
  OpenAiChatLm lm(Options());
  auto start = Clock::now();
  auto r = lm.Complete(Hello());
  auto elapsed = Clock::now() - start;
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->text, "ok");
  EXPECT_EQ(calls_.load(), 2);
  EXPECT_GE(elapsed, std::chrono::milliseconds(900));
}

TEST_F(OpenAiChatTest, RetryAfterIsCapped) {
  handler_ = [](int n, const httplib::Request&, httplib::Response& res) {
    if (n == 1) {
      res.status = 503;
      res.set_header("Retry-After", "3600");
      return;
    }
    res.set_content(Reply("ok"), "application/json");
  };
  OpenAiChatOptions o = Options();
  o.max_retry_after_ms = 100;
  OpenAiChatLm lm(o);
  auto start = Clock::now();
  EXPECT_TRUE(lm.Complete(Hello()).ok());
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(2));
}

TEST_F(OpenAiChatTest, Persistent500IsUnavailable) {
  handler_ = [](int, const httplib::Request&, httplib::Response& res) {
    res.status = 500;
    res.set_content("boom", "text/plain");
  };
  OpenAiChatLm lm(Options());
  auto r = lm.Complete(Hello());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  EXPECT_NE(r.status().message().find("HTTP 500: boom"), std::string::npos);
  EXPECT_EQ(calls_.load(), 3);  // 1 + max_retries
}

TEST_F(OpenAiChatTest, SlowReplyTimesOut) {
  handler_ = [this](int, const httplib::Request&, httplib::Response& res) {
    Hold(5000);
    res.set_content(Reply("late"), "application/json");
  };
  OpenAiChatOptions o = Options();
  o.timeout_ms = 300;
  o.max_retries = 0;
  OpenAiChatLm lm(o);
  auto start = Clock::now();
  auto r = lm.Complete(Hello());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  EXPECT_NE(r.status().message().find("timed out"), std::string::npos);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(2));
}

TEST_F(OpenAiChatTest, MalformedReplyIsInternal) {
  handler_ = [](int, const httplib::Request&, httplib::Response& res) {
    res.set_content("{not json", "application/json");
  };
  OpenAiChatLm lm(Options());
  auto r = lm.Complete(Hello());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInternal);
  EXPECT_EQ(r.status().message().rfind("malformed provider reply:", 0), 0u);
  EXPECT_EQ(calls_.load(), 1);
}

TEST_F(OpenAiChatTest, BadRequestIsInvalidArgumentWithoutRetry) {
  handler_ = [](int, const httplib::Request&, httplib::Response& res) {
    res.status = 400;
    res.set_content(R"({"error":{"message":"model not found","type":"invalid_request_error"}})",
                    "application/json");
  };
  OpenAiChatLm lm(Options());
  auto r = lm.Complete(Hello());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("model not found"), std::string::npos);
  EXPECT_EQ(calls_.load(), 1);
}

// A provider echoing the key it was sent has it replaced, even a key that looks like a word
// (review s22: "Invalid API key provided: letmein-Ops2026" was kept in the run record).
TEST_F(OpenAiChatTest, ErrorsNeverShowTheKeyTheRequestWasSentWith) {
  handler_ = [](int, const httplib::Request& req, httplib::Response& res) {
    res.status = 401;
    res.set_content(Json{{"error", {{"message", "Invalid API key provided: " + req.get_header_value("Authorization").substr(7)}}}}.dump(),
                    "application/json");
  };
  auto o = Options();
  o.api_key = "letmein-Ops2026";
  OpenAiChatLm lm(o);
  auto r = lm.Complete(Hello());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message().find("letmein"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("Invalid API key provided: <secret>"), std::string::npos) << r.status().message();
}

TEST_F(OpenAiChatTest, CancellationAbortsInFlightCall) {
  handler_ = [this](int, const httplib::Request&, httplib::Response& res) {
    Hold(5000);
    res.set_content(Reply("late"), "application/json");
  };
  OpenAiChatLm lm(Options());
  std::atomic<bool> cancel{false};
  LmRequest req = Hello();
  req.cancelled = [&] { return cancel.load(); };
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    cancel = true;
  });
  auto start = Clock::now();
  auto r = lm.Complete(req);
  auto elapsed = Clock::now() - start;
  canceller.join();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  EXPECT_EQ(r.status().message(), kCancelledMessage);
  EXPECT_LT(elapsed, std::chrono::milliseconds(1000));
}

TEST_F(OpenAiChatTest, CancellationStopsBackoffWait) {
  handler_ = [](int, const httplib::Request&, httplib::Response& res) {
    res.status = 429;
    res.set_header("Retry-After", "30");
  };
  OpenAiChatLm lm(Options());
  std::atomic<bool> cancel{false};
  LmRequest req = Hello();
  req.cancelled = [&] { return cancel.load(); };
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    cancel = true;
  });
  auto start = Clock::now();
  auto r = lm.Complete(req);
  canceller.join();
  EXPECT_EQ(r.status().message(), kCancelledMessage);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(2));
  EXPECT_EQ(calls_.load(), 1);
}

class DatabricksPathTest : public OpenAiChatTest {
 protected:
  void SetUp() override {
    path_ = "/serving-endpoints/chat/completions";
    base_path_ = "/serving-endpoints/";
    OpenAiChatTest::SetUp();
  }
};

TEST_F(DatabricksPathTest, ServingEndpointsBaseUrl) {
  handler_ = [](int, const httplib::Request&, httplib::Response& res) {
    // Databricks returns content parts for some models.
    res.set_content(R"({"choices":[{"message":{"role":"assistant","content":[{"type":"text","text":"a"},)"
                    R"({"type":"text","text":"b"}]}}]})",
                    "application/json");
  };
  OpenAiChatLm lm(Options());
  LmRequest req = Hello();
  req.model = "databricks-meta-llama-3-3-70b-instruct";
  req.n = 2;
  auto r = lm.Complete(req);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->text, "ab");
  Json body = Json::parse(last_body_);
  EXPECT_EQ(body["model"], "databricks-meta-llama-3-3-70b-instruct");
  EXPECT_EQ(body["n"], 2);
}

TEST(OpenAiChatNoServerTest, ConnectionRefusedIsUnavailable) {
  // A port that was free a moment ago: bound (never listened on) and closed again.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  int port = ntohs(addr.sin_port);
  ::close(fd);
  OpenAiChatOptions o;
  o.base_url = "http://127.0.0.1:" + std::to_string(port) + "/v1";
  o.model = "m";
  o.max_retries = 1;
  o.initial_backoff_ms = 5;
  o.timeout_ms = 2000;
  OpenAiChatLm lm(o);
  auto r = lm.Complete(LmRequest{{{"user", "hi"}}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  EXPECT_NE(r.status().message().find("2 attempt(s)"), std::string::npos);
}

}  // namespace
}  // namespace exemplar::lm
