#include "common/retry.h"

#include <gtest/gtest.h>

#include <set>
#include <vector>

namespace exemplar {
namespace {

TEST(RetryTest, WhichStatusesRetry) {
  for (long s : {408L, 409L, 425L, 429L, 500L, 502L, 503L, 504L}) EXPECT_TRUE(RetryableHttpStatus(s)) << s;
  for (long s : {200L, 400L, 401L, 403L, 404L, 413L, 422L}) EXPECT_FALSE(RetryableHttpStatus(s)) << s;
}

TEST(RetryTest, RetryAfterForms) {
  EXPECT_EQ(RetryAfterMs("", "7", 0), 7000);
  EXPECT_EQ(RetryAfterMs("", " 0 ", 0), 0);
  EXPECT_EQ(RetryAfterMs("", "soon", 0), -1);
  EXPECT_EQ(RetryAfterMs("", "", 0), -1);
  EXPECT_EQ(RetryAfterMs("", "9999999999", 0), -1);  // absurd: ignored, the backoff decides
  // An HTTP date counts from now; one in the past means "now".
  EXPECT_EQ(RetryAfterMs("", "Wed, 21 Oct 2015 07:28:00 GMT", 1445412470), 10000);
  EXPECT_EQ(RetryAfterMs("", "Wed, 21 Oct 2015 07:28:00 GMT", 1445412490), 0);
  // retry-after-ms wins over Retry-After.
  EXPECT_EQ(RetryAfterMs("250", "7", 0), 250);
  EXPECT_EQ(RetryAfterMs("x", "7", 0), 7000);
}

TEST(RetryTest, ExponentialBackoffWithEqualJitterAndCap) {
  RetryPolicy p;
  p.initial_backoff_ms = 100;
  p.max_backoff_ms = 1000;
  p.max_retry_after_ms = 5000;
  EXPECT_EQ(Backoff::DelayMs(p, 1, -1, 0.0), 50);
  EXPECT_EQ(Backoff::DelayMs(p, 1, -1, 1.0), 100);
  EXPECT_EQ(Backoff::DelayMs(p, 3, -1, 0.5), 300);  // cap 400: [200, 400]
  EXPECT_EQ(Backoff::DelayMs(p, 10, -1, 1.0), 1000);
  EXPECT_EQ(Backoff::DelayMs(p, 10, -1, 0.0), 500);
  // The provider's wait replaces the backoff, capped.
  EXPECT_EQ(Backoff::DelayMs(p, 1, 2000, 0.3), 2000);
  EXPECT_EQ(Backoff::DelayMs(p, 1, 60000, 0.3), 5000);
  EXPECT_EQ(Backoff::DelayMs(p, 1, 0, 0.3), 0);
}

TEST(RetryTest, JitterSpreadsDelaysWithinBounds) {
  RetryPolicy p;
  p.initial_backoff_ms = 1000;
  p.max_backoff_ms = 1000;
  Backoff b(p, 42);
  std::set<int64_t> seen;
  for (int i = 0; i < 200; ++i) {
    const int64_t d = b.DelayMs(1, -1);
    EXPECT_GE(d, 500);
    EXPECT_LE(d, 1000);
    seen.insert(d);
  }
  EXPECT_GT(seen.size(), 100u);  // not one fixed value: clients spread out
  Backoff same(p, 42);
  Backoff again(p, 42);
  EXPECT_EQ(same.DelayMs(2, -1), again.DelayMs(2, -1));  // a fixed seed repeats
}

TEST(RetryTest, LoopStopsOnSuccessRetriesUpToTheLimitAndHonoursRetryAfter) {
  RetryPolicy p;
  p.max_retries = 3;
  p.initial_backoff_ms = 10;
  p.max_backoff_ms = 10;
  Backoff b(p, 1);
  std::vector<int64_t> waits;
  auto record = [&](int64_t ms) { waits.push_back(ms); return true; };

  int calls = 0;
  EXPECT_EQ(RetryLoop(b, [&](int n) { ++calls; return AttemptVerdict{n < 2, -1}; }, record), RetryEnd::kDone);
  EXPECT_EQ(calls, 2);
  ASSERT_EQ(waits.size(), 1u);
  EXPECT_GE(waits[0], 5);
  EXPECT_LE(waits[0], 10);

  calls = 0;
  waits.clear();
  EXPECT_EQ(RetryLoop(b, [&](int) { ++calls; return AttemptVerdict{true, 777}; }, record), RetryEnd::kExhausted);
  EXPECT_EQ(calls, 4);  // 1 + max_retries
  EXPECT_EQ(waits, (std::vector<int64_t>{777, 777, 777}));

  calls = 0;
  EXPECT_EQ(RetryLoop(b, [&](int) { ++calls; return AttemptVerdict{true, -1}; }, [](int64_t) { return false; }),
            RetryEnd::kStopped);
  EXPECT_EQ(calls, 1);
}

TEST(RetryTest, NoRetriesMeansOneAttempt) {
  RetryPolicy p;
  p.max_retries = 0;
  Backoff b(p, 1);
  int calls = 0;
  EXPECT_EQ(RetryLoop(b, [&](int) { ++calls; return AttemptVerdict{true, -1}; }), RetryEnd::kExhausted);
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace exemplar
