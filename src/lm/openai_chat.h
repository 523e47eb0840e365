// OpenAiChatLm: POST {base_url}/chat/completions on any OpenAI-compatible server, via libcurl.
// Known to match: OpenAI (https://api.openai.com/v1), Databricks model serving
// (https://<workspace>/serving-endpoints, model = endpoint name), vLLM and llama.cpp server
// (http://host:port/v1), Ollama (http://host:11434/v1).
//
// Retries (common/retry.h): 408, 409, 425, 429, 5xx, timeouts and connection failures are
// retried up to max_retries times with exponential backoff and jitter, capped at max_backoff_ms. A
// Retry-After (seconds or HTTP date) or retry-after-ms header replaces the backoff, capped at
// max_retry_after_ms. Waits and transfers are cancellable (LmRequest::cancelled, polled every
// ~kPollIntervalMs).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/credentials.h"
#include "common/retry.h"
#include "lm/lm.h"

namespace exemplar::lm {

struct OpenAiChatOptions {
  std::string base_url;  // without the trailing "/chat/completions"
  std::string model;     // used when LmRequest::model is empty
  std::string api_key;   // sent as "Authorization: Bearer <key>" when not empty
  // When set, its current secret is the bearer instead of api_key (a short-lived OAuth token);
  // a 401 fetches a new one and tries once more.
  std::shared_ptr<Credentials> bearer;
  int64_t timeout_ms = 60000;          // whole transfer, per attempt
  int64_t connect_timeout_ms = 10000;
  int max_retries = 3;                 // attempts = 1 + max_retries
  int64_t initial_backoff_ms = 500;    // first retry waits half of this to this
  int64_t max_backoff_ms = 20000;      // cap of one exponential wait
  int64_t max_retry_after_ms = 60000;  // cap of a provider-requested wait
  bool send_seed = false;              // send LmRequest::seed as "seed" (OpenAI, vLLM accept it)
  uint64_t jitter_seed = 0;            // 0 = seeded from the clock
  // curl RESOLVE entries ("host:port:addr[,addr]") that pin the host to checked addresses.
  std::vector<std::string> pinned_addresses;
  // Connect directly, ignoring http_proxy / https_proxy / ALL_PROXY in the environment: for an
  // endpoint checked (and pinned) here, which a proxy would reach by name, from elsewhere, with
  // the prompts and key in hand. Otherwise libcurl honours those variables (NO_PROXY included).
  bool no_proxy = false;
};

class OpenAiChatLm : public Lm {
 public:
  // REQUIRES: options.base_url is an http(s) URL.
  explicit OpenAiChatLm(OpenAiChatOptions options);
  ~OpenAiChatLm() override;
  OpenAiChatLm(const OpenAiChatLm&) = delete;
  OpenAiChatLm& operator=(const OpenAiChatLm&) = delete;

  Result<LmResponse> Complete(const LmRequest& request) override;
  std::string name() const override { return "openai:" + options_.model; }

  // How often an in-flight transfer or a backoff wait checks `cancelled`.
  static constexpr int kPollIntervalMs = 50;  // cancellation within ~50 ms, negligible CPU

 private:
  struct Connection;  // a curl multi + easy handle pair; keeps its keep-alive connections
  std::unique_ptr<Connection> Acquire();
  void Release(std::unique_ptr<Connection> conn);

  OpenAiChatOptions options_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Connection>> idle_;  // GUARDED_BY(mu_)
  Backoff backoff_;
};

}  // namespace exemplar::lm
