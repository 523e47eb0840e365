// The connection limits fit under the descriptor limit (common/fd_limit.h): lowered with a warning
// when they do not, left alone when they do, refused when the limit leaves almost nothing.
#include "common/fd_limit.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

namespace exemplar {
namespace {

TEST(FdLimit, ReserveCountsWorkersRunsAndThePostgresPool) {
  Config c;  // 64 threads, 2 run workers, SQLite
  EXPECT_EQ(DescriptorReserve(c), 64 + 64 + 2 * 4);
  c.db = "postgres://exemplar@db:5432/exemplar";  // 16 pooled connections
  EXPECT_EQ(DescriptorReserve(c), 64 + 64 + 2 * 4 + 16);
  c.db = "/var/lib/exemplar/other.db";  // a SQLite file: no pool
  c.threads = 8;
  c.run_workers = 1;
  EXPECT_EQ(DescriptorReserve(c), 64 + 8 + 4);
}

TEST(FdLimit, DefaultsUnderSystemdsSoftLimitAreLoweredWithAWarning) {
  Config c;  // max_connections 10000, max_connections_per_ip 1000
  auto fit = FitConnectionLimits(1024, c);
  ASSERT_TRUE(fit.ok()) << fit.status().ToString();
  EXPECT_TRUE(fit->lowered);
  EXPECT_EQ(fit->reserve, 136);
  EXPECT_EQ(fit->max_connections, 1024 - 136);                // 888
  EXPECT_EQ(fit->max_connections_per_ip, 888 - 888 / 4);      // 666: another address still gets in
  EXPECT_NE(fit->warning.find("max_connections lowered from 10000 to 888"), std::string::npos) << fit->warning;
  EXPECT_NE(fit->warning.find("max_connections_per_ip from 1000 to 666"), std::string::npos) << fit->warning;
  EXPECT_NE(fit->warning.find("RLIMIT_NOFILE"), std::string::npos) << fit->warning;
}

TEST(FdLimit, LimitsThatFitAreLeftAlone) {
  Config c;
  auto fit = FitConnectionLimits(1 << 20, c);  // a raised limit (Debian's hard limit is 1048576)
  ASSERT_TRUE(fit.ok());
  EXPECT_FALSE(fit->lowered);
  EXPECT_EQ(fit->max_connections, 10000);
  EXPECT_EQ(fit->max_connections_per_ip, 1000);
  EXPECT_EQ(fit->warning, "");
  // Exactly at the edge: 10000 connections plus the reserve.
  fit = FitConnectionLimits(10000 + 136, c);
  ASSERT_TRUE(fit.ok());
  EXPECT_FALSE(fit->lowered);
  fit = FitConnectionLimits(RLIM_INFINITY, c);
  ASSERT_TRUE(fit.ok());
  EXPECT_FALSE(fit->lowered);
}

TEST(FdLimit, NoPerAddressLimitStaysOffAndASmallOneStays) {
  Config c;
  c.max_connections_per_ip = 0;  // behind a proxy: every client shares its address
  auto fit = FitConnectionLimits(1024, c);
  ASSERT_TRUE(fit.ok());
  EXPECT_EQ(fit->max_connections, 888);
  EXPECT_EQ(fit->max_connections_per_ip, 0);
  EXPECT_EQ(fit->warning.find("max_connections_per_ip"), std::string::npos) << fit->warning;
  c.max_connections_per_ip = 50;
  fit = FitConnectionLimits(1024, c);
  ASSERT_TRUE(fit.ok());
  EXPECT_EQ(fit->max_connections_per_ip, 50);
}

TEST(FdLimit, ALimitLeavingAlmostNoConnectionsIsRefused) {
  Config c;
  auto fit = FitConnectionLimits(136 + kMinConnections - 1, c);
  ASSERT_FALSE(fit.ok());
  EXPECT_EQ(fit.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(fit.status().message().find("ulimit -n"), std::string::npos) << fit.status().message();
  fit = FitConnectionLimits(136 + kMinConnections, c);
  ASSERT_TRUE(fit.ok());
  EXPECT_EQ(fit->max_connections, kMinConnections);
}

TEST(FdLimit, RaiseLiftsTheSoftLimitToTheHardOne) {
  rlimit original{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &original), 0);
  if (original.rlim_max < 256) GTEST_SKIP() << "hard limit " << original.rlim_max;
  rlimit low = original;
  low.rlim_cur = 128;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  const DescriptorLimit raised = RaiseDescriptorLimit();
  EXPECT_EQ(raised.before, 128u);
  EXPECT_EQ(raised.hard, original.rlim_max);
  rlimit now{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &now), 0);
  EXPECT_EQ(raised.soft, now.rlim_cur);
  if (original.rlim_max != RLIM_INFINITY) {
    EXPECT_EQ(now.rlim_cur, original.rlim_max);
  }
  setrlimit(RLIMIT_NOFILE, &original);
}

}  // namespace
}  // namespace exemplar
