// Retries with exponential backoff for the outbound HTTP clients (embeddings, chat): which replies
// are worth another try, how long to wait (the provider's Retry-After when it sends one, else
// exponential backoff with "equal jitter"), and the loop that ties them together.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string_view>

namespace exemplar {

struct RetryPolicy {
  int max_retries = 3;                 // attempts = 1 + max_retries
  int64_t initial_backoff_ms = 500;    // the first retry waits between half of this and this
  int64_t max_backoff_ms = 20000;      // cap of one exponential wait
  int64_t max_retry_after_ms = 60000;  // cap of a provider-requested wait
};

// HTTP statuses a client should retry: 408, 409 (OpenAI's lock timeouts), 425, 429 and 5xx.
// Everything else is the caller's or the provider's configuration and will not change on retry.
bool RetryableHttpStatus(long status);

// Milliseconds requested by a `retry-after-ms` header (digits) or, when that is absent, a
// `Retry-After` header (delta seconds or an HTTP date, anchored at `now_epoch_s`); -1 when
// neither can be read.
int64_t RetryAfterMs(std::string_view retry_after_ms, std::string_view retry_after,
                     int64_t now_epoch_s);

// Waits between attempts. Thread-safe: one jitter stream shared by all callers.
class Backoff {
 public:
  // `jitter_seed` 0 seeds the jitter from the clock (tests pass a fixed seed).
  explicit Backoff(RetryPolicy policy, uint64_t jitter_seed = 0);

  // The wait before retry number `retry` (1-based): the provider's `retry_after_ms` when it is
  // >= 0 (capped at max_retry_after_ms), else uniform in [cap/2, cap] with
  // cap = min(max_backoff_ms, initial_backoff_ms * 2^(retry-1)), so synchronised clients spread
  // out but never retry at once.
  int64_t DelayMs(int retry, int64_t retry_after_ms);
  // The same without randomness: `unit` in [0, 1] picks the point in [cap/2, cap].
  static int64_t DelayMs(const RetryPolicy& policy, int retry, int64_t retry_after_ms, double unit);

  const RetryPolicy& policy() const { return policy_; }

 private:
  double NextUnit();

  RetryPolicy policy_;
  std::mutex mu_;
  uint64_t state_;  // GUARDED_BY(mu_): splitmix64 state
};

// What one attempt asks for: stop (it succeeded or failed for good), or another try after at
// least `retry_after_ms` (-1: the backoff decides).
struct AttemptVerdict {
  bool retry = false;
  int64_t retry_after_ms = -1;
};

enum class RetryEnd { kDone, kExhausted, kStopped };

// Calls attempt(1), attempt(2), ... until one returns retry = false (kDone), 1 + max_retries
// attempts asked for a retry (kExhausted), or `sleep` returns false during a wait (kStopped, e.g.
// cancellation). `sleep(ms)` defaults to a plain sleep.
RetryEnd RetryLoop(Backoff& backoff, const std::function<AttemptVerdict(int attempt)>& attempt,
                   const std::function<bool(int64_t ms)>& sleep = {});

}  // namespace exemplar
