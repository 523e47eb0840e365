// OpenAiEmbedder against a real HTTP server on a free loopback port (cpp-httplib), playing the
// provider: success, batching, Retry-After, persistent 5xx, timeouts, malformed replies, 4xx.
#include "embed/openai_embedder.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

namespace exemplar::embed {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

struct Reply {
  int status = 200;
  std::string body;
  std::string retry_after;
};

// The vector the fake provider returns for input `text`: [len, 1, 2, 3] (dimension 4).
std::vector<float> ExpectedVector(const std::string& text) {
  std::vector<float> v = {static_cast<float>(text.size()), 1, 2, 3};
  float n = 0;
  for (float x : v) n += x * x;
  for (float& x : v) x /= std::sqrt(n);
  return v;
}

// A reply in OpenAI's shape, with `data` deliberately in reverse order (clients sort by index).
std::string EmbeddingsBody(const json& request) {
  json data = json::array();
  const auto& input = request["input"];
  for (size_t i = input.size(); i-- > 0;) {
    const std::string text = input[i].get<std::string>();
    data.push_back({{"object", "embedding"},
                    {"index", i},
                    {"embedding", {static_cast<double>(text.size()), 1.0, 2.0, 3.0}}});
  }
  return json{{"object", "list"}, {"data", data}, {"model", request["model"]}}.dump();
}

class FakeProvider {
 public:
  FakeProvider() {
    server_.set_tcp_nodelay(true);
    server_.set_keep_alive_timeout(1);
    server_.Post("/v1/embeddings", [this](const httplib::Request& req, httplib::Response& res) {
      const json request = json::parse(req.body, nullptr, false);
      int call;
      {
        std::lock_guard lock(mu_);
        call = static_cast<int>(requests_.size());
        requests_.push_back(request);
        authorization_ = req.get_header_value("Authorization");
      }
      Reply r = behaviour ? behaviour(call, request) : Reply{200, EmbeddingsBody(request), ""};
      res.status = r.status;
      if (!r.retry_after.empty()) res.set_header("Retry-After", r.retry_after);
      res.set_content(r.body, "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::yield();
  }

  ~FakeProvider() {
    OpenGate();
    server_.stop();
    thread_.join();
  }

  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
  int calls() {
    std::lock_guard lock(mu_);
    return static_cast<int>(requests_.size());
  }
  json request(int i) {
    std::lock_guard lock(mu_);
    return requests_.at(static_cast<size_t>(i));
  }
  std::string authorization() {
    std::lock_guard lock(mu_);
    return authorization_;
  }

  // Handlers that call WaitForGate() block until the test ends (or 10 s pass).
  void WaitForGate() {
    std::unique_lock lock(gate_mu_);
    gate_cv_.wait_for(lock, std::chrono::seconds(10), [this] { return gate_open_; });
  }
  void OpenGate() {
    {
      std::lock_guard lock(gate_mu_);
      gate_open_ = true;
    }
    gate_cv_.notify_all();
  }

  std::function<Reply(int call, const json& request)> behaviour;  // set before the first request

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::vector<json> requests_;
  std::string authorization_;
  std::mutex gate_mu_;
  std::condition_variable gate_cv_;
  bool gate_open_ = false;
};

OpenAiEmbedderOptions Options(const FakeProvider& p) {
  OpenAiEmbedderOptions o;
  o.base_url = p.base_url() + "/";  // a trailing slash is tolerated
  o.model = "test-embed";
  o.api_key = "sk-test";
  o.batch_size = 8;
  o.timeout_ms = 5000;
  o.max_retries = 2;
  o.initial_backoff_ms = 1;
  o.max_backoff_ms = 5;
  return o;
}

void ExpectVector(const Result<std::vector<float>>& got, const std::string& text) {
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  const auto want = ExpectedVector(text);
  ASSERT_EQ(got->size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR((*got)[i], want[i], 1e-6) << text;
}

TEST(OpenAiEmbedder, EmbedsOneTextAndLearnsTheDimension) {
  FakeProvider provider;
  OpenAiEmbedder embedder(Options(provider));
  EXPECT_EQ(embedder.model(), "test-embed");
  EXPECT_EQ(embedder.dim(), 0);  // unknown until the first reply
  ExpectVector(embedder.Embed("hello"), "hello");
  EXPECT_EQ(embedder.dim(), 4);
  ASSERT_EQ(provider.calls(), 1);
  const json req = provider.request(0);
  EXPECT_EQ(req["model"], "test-embed");
  EXPECT_EQ(req["input"], json::array({"hello"}));
  EXPECT_FALSE(req.contains("dimensions"));
  EXPECT_EQ(provider.authorization(), "Bearer sk-test");
  EXPECT_TRUE(embedder.Probe().ok());
}

TEST(OpenAiEmbedder, SendsDimensionsAndRejectsRepliesOfAnotherSize) {
  FakeProvider provider;
  auto o = Options(provider);
  o.dimensions = 8;
  OpenAiEmbedder embedder(o);
  EXPECT_EQ(embedder.dim(), 8);
  auto r = embedder.Embed("x");
  EXPECT_EQ(r.status().code(), Code::kInternal);
  EXPECT_NE(r.status().message().find("malformed provider reply: embedding has 4 dimensions, expected 8"),
            std::string::npos)
      << r.status().message();
  EXPECT_EQ(provider.request(0)["dimensions"], 8);
}

TEST(OpenAiEmbedder, BatchesRequestsAndKeepsInputOrder) {
  FakeProvider provider;
  auto o = Options(provider);
  o.batch_size = 2;
  OpenAiEmbedder embedder(o);
  std::vector<std::string> texts = {"a", "bb", "ccc", "dddd", "eeeee"};
  auto out = embedder.EmbedBatch(texts);
  ASSERT_EQ(out.size(), texts.size());
  for (size_t i = 0; i < texts.size(); ++i) ExpectVector(out[i], texts[i]);
  EXPECT_EQ(provider.calls(), 3);
  EXPECT_EQ(provider.request(2)["input"], json::array({"eeeee"}));
  EXPECT_TRUE(embedder.EmbedBatch({}).empty());
}

TEST(OpenAiEmbedder, HonoursRetryAfterOn429ThenSucceeds) {
  FakeProvider provider;
  provider.behaviour = [](int call, const json& req) {
    if (call == 0) return Reply{429, R"({"error":{"message":"slow down"}})", "1"};
    return Reply{200, EmbeddingsBody(req), ""};
  };
  OpenAiEmbedder embedder(Options(provider));
  const auto start = Clock::now();
  ExpectVector(embedder.Embed("retry me"), "retry me");
  const auto waited = Clock::now() - start;
  EXPECT_EQ(provider.calls(), 2);
  EXPECT_GE(waited, std::chrono::milliseconds(950));  // Retry-After: 1 s, although backoff is 1 ms
  EXPECT_LT(waited, std::chrono::seconds(5));
}

TEST(OpenAiEmbedder, PersistentServerErrorBecomesUnavailableAfterRetries) {
  FakeProvider provider;
  provider.behaviour = [](int, const json&) { return Reply{500, R"({"error":{"message":"boom"}})", ""}; };
  OpenAiEmbedder embedder(Options(provider));
  auto r = embedder.Embed("x");
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  EXPECT_NE(r.status().message().find("500"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("boom"), std::string::npos) << r.status().message();
  EXPECT_EQ(provider.calls(), 3);  // 1 + max_retries
}

// Callers read embedding errors (any read token, through search): a provider or gateway echoing
// the key it was sent, its upstream's host or address is shown scrubbed, as LM errors are
// (review s22: "Authorization: Bearer embed-Pass-77" came back in a 503).
TEST(OpenAiEmbedder, ErrorsHideTheKeyHostsAndAddressesTheProviderEchoes) {
  FakeProvider provider;
  provider.behaviour = [&provider](int call, const json&) {
    const std::string echo = "upstream gpu7.corp.internal:8443 (10.1.2.3) failed; key " +
                             provider.authorization().substr(7) + "; Authorization: " + provider.authorization();
    return Reply{call < 3 ? 500 : 401, json{{"error", {{"message", echo}}}}.dump(), ""};
  };
  auto o = Options(provider);
  o.api_key = "embed-Pass-77";  // not random-looking: only knowing the key hides it
  OpenAiEmbedder embedder(o);
  for (int i = 0; i < 2; ++i) {  // 500s until retries run out, then a 401
    auto r = embedder.Embed("x");
    ASSERT_FALSE(r.ok());
    const std::string m = r.status().message();
    EXPECT_EQ(m.find("embed-Pass-77"), std::string::npos) << m;
    EXPECT_EQ(m.find("gpu7.corp"), std::string::npos) << m;
    EXPECT_EQ(m.find("10.1.2.3"), std::string::npos) << m;
    EXPECT_NE(m.find("failed; key <secret>"), std::string::npos) << m;
  }
}

TEST(OpenAiEmbedder, TimeoutBecomesUnavailable) {
  FakeProvider provider;
  provider.behaviour = [&provider](int, const json& req) {
    provider.WaitForGate();  // longer than the client's timeout
    return Reply{200, EmbeddingsBody(req), ""};
  };
  auto o = Options(provider);
  o.timeout_ms = 200;
  o.max_retries = 1;
  OpenAiEmbedder embedder(o);
  const auto start = Clock::now();
  auto r = embedder.Embed("slow");
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  EXPECT_NE(r.status().message().find("timed out"), std::string::npos) << r.status().message();
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(3));
  EXPECT_EQ(provider.calls(), 2);
}

TEST(OpenAiEmbedder, ConnectionRefusedBecomesUnavailable) {
  OpenAiEmbedderOptions o;
  o.base_url = "http://127.0.0.1:1/v1";  // nothing listens on port 1
  o.model = "m";
  o.max_retries = 1;
  o.initial_backoff_ms = 1;
  OpenAiEmbedder embedder(o);
  auto r = embedder.Embed("x");
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  EXPECT_NE(r.status().message().find("after 2 attempt"), std::string::npos) << r.status().message();
}

TEST(OpenAiEmbedder, MalformedRepliesAreInternalErrors) {
  FakeProvider provider;
  provider.behaviour = [](int call, const json& req) {
    switch (call) {
      case 0: return Reply{200, "<html>gateway</html>", ""};
      case 1: return Reply{200, R"({"data":[]})", ""};
      case 2: return Reply{200, R"({"data":[{"index":0,"embedding":[1,"x"]}]})", ""};
      case 3: return Reply{200, R"({"data":[{"index":0,"embedding":[0,0]}]})", ""};
      default: return Reply{200, R"({"object":"list"})", ""};
    }
  };
  OpenAiEmbedder embedder(Options(provider));
  for (const char* why : {"not JSON: <html>gateway</html>", "0 embeddings for 1 inputs", "non-number", "zero vector",
                          "no \"data\" array"}) {
    auto r = embedder.Embed("x");
    EXPECT_EQ(r.status().code(), Code::kInternal);
    EXPECT_EQ(r.status().message().rfind("malformed provider reply: ", 0), 0u) << r.status().message();
    EXPECT_NE(r.status().message().find(why), std::string::npos) << r.status().message();
  }
  EXPECT_EQ(provider.calls(), 5);  // never retried
}

TEST(OpenAiEmbedder, ClientErrorsAreInvalidArgumentWithTheProvidersMessage) {
  FakeProvider provider;
  provider.behaviour = [](int, const json&) {
    return Reply{400, R"({"error_code":"BAD_REQUEST","message":"Input is too long for this model"})", ""};
  };
  OpenAiEmbedder embedder(Options(provider));
  auto r = embedder.Embed("x");
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("Input is too long for this model"), std::string::npos);
  EXPECT_EQ(provider.calls(), 1);  // not retried
}

TEST(OpenAiEmbedder, BadCredentialsAreUnavailableNotRetried) {
  FakeProvider provider;
  provider.behaviour = [](int, const json&) { return Reply{401, R"({"error":"invalid token"})", ""}; };
  OpenAiEmbedder embedder(Options(provider));
  auto r = embedder.Embed("x");
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  EXPECT_NE(r.status().message().find("invalid token"), std::string::npos);
  EXPECT_EQ(provider.calls(), 1);
}

TEST(OpenAiEmbedder, ARejectedInputFailsAloneInItsBatch) {
  FakeProvider provider;
  provider.behaviour = [](int, const json& req) {
    for (const auto& t : req["input"]) {
      if (t == "BAD") return Reply{400, R"({"error":{"message":"cannot embed BAD"}})", ""};
    }
    return Reply{200, EmbeddingsBody(req), ""};
  };
  OpenAiEmbedder embedder(Options(provider));
  std::vector<std::string> texts = {"one", "two", "BAD", "four", "five", "six"};
  auto out = embedder.EmbedBatch(texts);
  for (size_t i = 0; i < texts.size(); ++i) {
    if (texts[i] == "BAD") {
      EXPECT_EQ(out[i].status().code(), Code::kInvalidArgument);
      EXPECT_NE(out[i].status().message().find("cannot embed BAD"), std::string::npos);
    } else {
      ExpectVector(out[i], texts[i]);
    }
  }
  EXPECT_LE(provider.calls(), 1 + 2 * 3);  // the batch, then two requests per bisection level
}

TEST(OpenAiEmbedder, ConcurrentCallersShareTheClient) {
  FakeProvider provider;
  OpenAiEmbedder embedder(Options(provider));
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        const std::string text(static_cast<size_t>(t * 10 + i + 1), 'x');
        auto r = embedder.Embed(text);
        if (r.ok() && std::abs((*r)[0] - ExpectedVector(text)[0]) < 1e-6) ++ok;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 40);
  EXPECT_EQ(provider.calls(), 40);
}

// A short-lived bearer (a Databricks OAuth token): sent instead of api_key, and fetched anew once
// when the provider answers 401 (expired or revoked early).
TEST(OpenAiEmbedder, RefreshedBearerAfterA401) {
  FakeProvider provider;
  provider.behaviour = [&](int, const json& request) {
    return provider.authorization() == "Bearer token-2" ? Reply{200, EmbeddingsBody(request), ""}
                                                         : Reply{401, R"({"error":"expired"})", ""};
  };
  int fetched = 0;
  auto options = Options(provider);
  options.bearer = std::make_shared<RefreshingCredentials>(
      "test", [&]() -> Result<Credential> { return Credential{"token-" + std::to_string(++fetched), 0}; }, 0);
  OpenAiEmbedder embedder(options);
  ExpectVector(embedder.Embed("hello"), "hello");
  EXPECT_EQ(fetched, 2);
  EXPECT_EQ(provider.calls(), 2);

  // A token that is refused again is a configuration problem: no endless refreshing.
  provider.behaviour = [](int, const json&) { return Reply{401, R"({"error":"no access"})", ""}; };
  auto r = embedder.Embed("again");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  EXPECT_EQ(fetched, 3);
}

}  // namespace
}  // namespace exemplar::embed
