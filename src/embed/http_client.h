// HttpClient: blocking HTTP POST over libcurl with a pool of reusable handles, so consecutive
// calls reuse kept-alive connections (≈ 0.5 ms per HTTPS request instead of a new TLS handshake).
// Thread-safe: each call borrows its own handle. Internal to the embed library (the LM client can
// move it to a shared place when it needs one). Every URL it calls is the operator's (embedding
// provider, Databricks credentials), so libcurl's proxy variables (http_proxy, https_proxy,
// ALL_PROXY, NO_PROXY) apply; no caller-supplied endpoint goes through it.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "common/status.h"

namespace exemplar::embed {

struct HttpResponse {
  long status = 0;          // HTTP status code
  std::string body;
  std::string retry_after;  // value of the Retry-After header, if any
};

class HttpClient {
 public:
  HttpClient();  // initialises libcurl once per process
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // POSTs `body` to `url` with the given header lines ("Name: value"). Any HTTP status is a
  // successful result; transport failures (refused, DNS, TLS, timeout after `timeout_ms`) are
  // kUnavailable with curl's explanation.
  Result<HttpResponse> Post(const std::string& url, const std::vector<std::string>& headers,
                            const std::string& body, long timeout_ms);

 private:
  void* Acquire();
  void Release(void* handle);

  std::mutex mu_;
  std::vector<void*> idle_;  // GUARDED_BY(mu_): CURL* easy handles with warm connections
};

}  // namespace exemplar::embed
