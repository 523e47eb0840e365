// PlainLm: an OpenAI-compatible LM on a loopback port that counts the calls it receives (a test
// sees exactly what a run spent on it).
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "common/config.h"
#include "common/json_util.h"

namespace exemplar::testing {

// An OpenAI-compatible LM on a loopback port that answers every call with `content` (by default
// a plain sentence, no fields), reporting 7 prompt and 3 completion tokens, after `latency`.
class PlainLm {
 public:
  explicit PlainLm(std::chrono::milliseconds latency, const std::string& content = "the unit looks fine") {
    const std::string reply =
        Json{{"choices", {{{"message", {{"role", "assistant"}, {"content", content}}}}}},
             {"usage", {{"prompt_tokens", 7}, {"completion_tokens", 3}}}}
            .dump();
    server_.Post("/v1/chat/completions", [this, latency, reply](const httplib::Request&, httplib::Response& res) {
      std::this_thread::sleep_for(latency);
      calls_.fetch_add(1);
      res.set_content(reply, "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~PlainLm() {
    server_.stop();
    thread_.join();
  }
  LmProviderConfig Provider() const {
    LmProviderConfig p;
    p.base_url = "http://127.0.0.1:" + std::to_string(port_) + "/v1";
    p.model = "test";
    p.timeout_ms = 5000;
    p.max_retries = 0;
    return p;
  }
  int calls() const { return calls_.load(); }

 private:
  httplib::Server server_;
  std::atomic<int> calls_{0};
  int port_ = 0;
  std::thread thread_;
};

}  // namespace exemplar::testing
