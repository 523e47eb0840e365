// OpenAiEmbedder: any OpenAI-compatible embeddings endpoint over HTTP(S).
//
// Request:  POST {base_url}/embeddings  {"model": M, "input": [texts...], "dimensions": N?}
//           with "Authorization: Bearer <api_key>" when a key is set.
// Reply:    {"data": [{"index": i, "embedding": [floats...]}, ...]}  (sorted here by index).
//
// base_url for the providers it is meant to work with, unchanged:
//   OpenAI              https://api.openai.com/v1
//   Databricks serving  https://<workspace-host>/serving-endpoints   (model = the endpoint name,
//                       e.g. "databricks-gte-large-en"; this is the OpenAI-client path
//                       <workspace>/serving-endpoints/embeddings, not .../<name>/invocations;
//                       api_key = a Databricks token; gte-large-en has 1,024 fixed dimensions, so
//                       leave `dimensions` at 0)
//   vLLM                http://<host>:8000/v1
//   Ollama              http://localhost:11434/v1
//   HF TEI              http://<host>:8080/v1
//
// Dimension: options.dimensions when > 0 (also sent to the provider, which must support it);
// otherwise learned from the first successful reply: dim() is 0 until then, so a caller that needs
// it up front calls Probe(). Every later reply must have that dimension.
//
// Failures: the statuses of common/retry.h (408, 409, 425, 429, 5xx) and transport errors
// (refused, DNS, TLS, timeout) are retried up to max_retries times with exponential backoff and
// jitter, or after the provider's Retry-After (seconds or HTTP date, capped at
// max_retry_after_ms); when retries run out → kUnavailable.
// 401/403/404 (bad key, unknown model or URL: our configuration, not the caller's input) →
// kUnavailable without retrying. Other 4xx → kInvalidArgument with the provider's message; in a
// batch the failing request is bisected so only the inputs the provider rejects fail. A reply that
// is not JSON or has the wrong count or dimension → kInternal("malformed provider reply: …").
// Returned vectors are L2-normalised.
//
// Thread-safe; connections are kept alive and reused between calls.
#pragma once

#include <atomic>
#include <memory>

#include "common/credentials.h"
#include "common/retry.h"
#include "common/status.h"
#include "embed/embedder.h"

namespace exemplar::embed {

class HttpClient;

struct OpenAiEmbedderOptions {
  std::string base_url;             // "/embeddings" is appended (a trailing '/' is ignored)
  std::string model;
  std::string api_key;              // sent as "Authorization: Bearer <key>" when non-empty
  // When set, its current secret is the bearer instead of api_key (a short-lived OAuth token,
  // e.g. a Databricks service principal's); a 401 fetches a new one and tries once more.
  std::shared_ptr<Credentials> bearer;
  int dimensions = 0;               // 0 = provider default (not sent)
  int batch_size = 64;              // inputs per request
  int timeout_ms = 30000;           // per attempt
  int max_retries = 3;              // retries after the first attempt
  int initial_backoff_ms = 500;     // doubled per retry, with jitter
  int max_backoff_ms = 8000;
  int max_retry_after_ms = 30000;   // cap on an honoured Retry-After
};

class OpenAiEmbedder : public Embedder {
 public:
  explicit OpenAiEmbedder(OpenAiEmbedderOptions options);
  ~OpenAiEmbedder() override;

  std::string model() const override { return options_.model; }
  int dim() const override;
  Result<std::vector<float>> Embed(std::string_view text) override;
  std::vector<Result<std::vector<float>>> EmbedBatch(const std::vector<std::string>& texts) override;

  // Embeds a short text to learn the dimension (and check the provider answers).
  Status Probe();

 private:
  // One request for texts[begin, end), with retries.
  Result<std::vector<std::vector<float>>> Request(const std::vector<std::string>& texts, size_t begin, size_t end);
  // Fills out[begin, end) from one request; bisects a rejected batch to isolate bad inputs.
  void Resolve(const std::vector<std::string>& texts, size_t begin, size_t end,
               std::vector<Result<std::vector<float>>>* out);
  // texts[begin, end) (2+ inputs) were rejected together: asks for each half. When both halves
  // are rejected too, the problem is the request rather than one input and bisection stops.
  void Bisect(const std::vector<std::string>& texts, size_t begin, size_t end,
              std::vector<Result<std::vector<float>>>* out);
  Result<std::vector<std::vector<float>>> ParseReply(const std::string& body, size_t count);

  OpenAiEmbedderOptions options_;
  std::string url_;
  std::unique_ptr<HttpClient> http_;
  std::unique_ptr<Backoff> backoff_;
  std::atomic<int> learned_dim_{0};
};

}  // namespace exemplar::embed
