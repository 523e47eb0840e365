#include "common/retry.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <string>
#include <thread>

namespace exemplar {
namespace {

std::string_view Trim(std::string_view v) {
  while (!v.empty() && std::isspace(static_cast<unsigned char>(v.front()))) v.remove_prefix(1);
  while (!v.empty() && std::isspace(static_cast<unsigned char>(v.back()))) v.remove_suffix(1);
  return v;
}

bool AllDigits(std::string_view v) {
  return !v.empty() &&
         std::all_of(v.begin(), v.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; });
}

// An IMF-fixdate ("Wed, 21 Oct 2015 07:28:00 GMT") as epoch seconds, or -1.
int64_t ParseHttpDate(std::string_view v) {
  std::tm tm{};
  const std::string s(v);
  const char* end = strptime(s.c_str(), "%a, %d %b %Y %H:%M:%S", &tm);
  if (end == nullptr) return -1;
  return static_cast<int64_t>(timegm(&tm));
}

}  // namespace

bool RetryableHttpStatus(long status) {
  return status == 408 || status == 409 || status == 425 || status == 429 || status >= 500;
}

int64_t RetryAfterMs(std::string_view retry_after_ms, std::string_view retry_after, int64_t now_epoch_s) {
  retry_after_ms = Trim(retry_after_ms);
  if (AllDigits(retry_after_ms) && retry_after_ms.size() < 10) return std::stoll(std::string(retry_after_ms));
  std::string_view v = Trim(retry_after);
  if (v.empty()) return -1;
  if (AllDigits(v)) return v.size() > 9 ? -1 : std::stoll(std::string(v)) * 1000;
  const int64_t when = ParseHttpDate(v);
  if (when < 0) return -1;
  return std::max<int64_t>(0, (when - now_epoch_s) * 1000);
}

Backoff::Backoff(RetryPolicy policy, uint64_t jitter_seed)
    : policy_(policy),
      state_(jitter_seed != 0 ? jitter_seed
                              : static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count())) {}

double Backoff::NextUnit() {
  std::lock_guard lock(mu_);
  // splitmix64: a well-mixed stream for jitter; no need for cryptographic quality.
  uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) / 9007199254740992.0;
}

int64_t Backoff::DelayMs(int retry, int64_t retry_after_ms) {
  if (retry_after_ms >= 0) return std::min(retry_after_ms, policy_.max_retry_after_ms);
  return DelayMs(policy_, retry, -1, NextUnit());
}

int64_t Backoff::DelayMs(const RetryPolicy& policy, int retry, int64_t retry_after_ms, double unit) {
  if (retry_after_ms >= 0) return std::min(retry_after_ms, policy.max_retry_after_ms);
  double cap = static_cast<double>(policy.initial_backoff_ms) * std::pow(2.0, std::max(0, retry - 1));
  cap = std::min(cap, static_cast<double>(policy.max_backoff_ms));
  return static_cast<int64_t>(cap / 2 + cap / 2 * std::clamp(unit, 0.0, 1.0));
}

RetryEnd RetryLoop(Backoff& backoff, const std::function<AttemptVerdict(int attempt)>& attempt,
                   const std::function<bool(int64_t ms)>& sleep) {
  const int attempts = 1 + std::max(0, backoff.policy().max_retries);
  for (int n = 1;; ++n) {
    const AttemptVerdict verdict = attempt(n);
    if (!verdict.retry) return RetryEnd::kDone;
    if (n == attempts) return RetryEnd::kExhausted;
    const int64_t ms = backoff.DelayMs(n, verdict.retry_after_ms);
    if (sleep) {
      if (!sleep(ms)) return RetryEnd::kStopped;
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    }
  }
}

}  // namespace exemplar
