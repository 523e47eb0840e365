// Memory accounting and release (common/memory.h): freeing bulk temporaries and then releasing
// gives their pages back without touching live data; the releaser acts only after growth that
// has stopped.
#include "common/memory.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

namespace exemplar {
namespace {

TEST(Memory, ReleaseReturnsFreedPagesAndKeepsLiveData) {
  // 64 MiB of 4 KiB blocks (below the mmap threshold: they live in the arena), every 16th kept
  // live, so the freed ones are holes malloc cannot give back by trimming the heap's top.
  constexpr size_t kBlock = 4096, kBlocks = 16384;
  std::vector<std::unique_ptr<char[]>> blocks(kBlocks);
  for (size_t i = 0; i < kBlocks; ++i) {
    blocks[i].reset(new char[kBlock]);
    std::memset(blocks[i].get(), static_cast<int>(i % 251), kBlock);
  }
  for (size_t i = 0; i < kBlocks; ++i) {
    if (i % 16 != 0) blocks[i].reset();
  }
  const MallocStats before = ReadMallocStats();
  EXPECT_GE(before.free_bytes, size_t{32} << 20);
  EXPECT_GE(before.arenas, 1);
  const size_t resident = ResidentAnonBytes();
  ASSERT_GT(resident, 0u);
  const size_t released = ReleaseFreeMemory();
  EXPECT_GE(released, size_t{32} << 20) << "resident anon before: " << resident;
  EXPECT_LE(ResidentAnonBytes() + (size_t{32} << 20), resident);
  for (size_t i = 0; i < kBlocks; i += 16) {
    const char* b = blocks[i].get();
    ASSERT_EQ(b[0], static_cast<char>(i % 251));
    ASSERT_EQ(b[kBlock - 1], static_cast<char>(i % 251));
  }
}

// Each thread that first allocates while another holds its arena gets an arena of its own, up to
// glibc's cap (8 per core): eight threads allocating at once would make about nine. (Each test of
// this file runs in its own process, so no earlier test has made arenas.)
TEST(Memory, ArenaCapHoldsWhileManyThreadsAllocate) {
  ::unsetenv("MALLOC_ARENA_MAX");
  ASSERT_EQ(LimitMallocArenas(2), 2);
  if (ReadMallocStats().arenas == 0) GTEST_SKIP() << "not glibc malloc";
  constexpr int kThreads = 8;
  std::atomic<int> allocated{0};
  std::atomic<bool> done{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      std::vector<std::unique_ptr<char[]>> blocks;
      for (int i = 0; i < 64; ++i) blocks.emplace_back(new char[1 << 14]);  // past the thread cache
      allocated.fetch_add(1);
      while (!done.load()) {  // keep allocating until every thread has: they contend
        blocks.back().reset(new char[1 << 14]);
        std::this_thread::yield();
      }
    });
  }
  while (allocated.load() < kThreads) std::this_thread::yield();
  const int arenas = ReadMallocStats().arenas;
  done.store(true);
  for (auto& t : threads) t.join();
  EXPECT_LE(arenas, 2);
}

TEST(Memory, OperatorsMallocArenaMaxWins) {
  ::setenv("MALLOC_ARENA_MAX", "8", 1);
  EXPECT_EQ(LimitMallocArenas(2), 0);
  ::unsetenv("MALLOC_ARENA_MAX");
}

TEST(MemoryReleaser, ReleasesOnlyAfterGrowthThatHasStopped) {
  size_t resident = 100 << 20;
  int released = 0;
  MemoryReleaser::Options o;
  o.min_growth = 32 << 20;
  o.start_thread = false;
  o.resident = [&] { return resident; };
  o.release = [&] {
    ++released;
    resident -= 40 << 20;  // what the release gave back
    return size_t{40} << 20;
  };
  MemoryReleaser r(o);
  EXPECT_FALSE(r.Tick());  // no growth
  resident += 20 << 20;
  EXPECT_FALSE(r.Tick());  // growing, below the threshold
  resident += 30 << 20;
  EXPECT_FALSE(r.Tick());  // above it, but still growing (bulk work under way)
  EXPECT_TRUE(r.Tick());   // held still: released
  EXPECT_EQ(released, 1);
  EXPECT_EQ(r.releases(), 1u);
  EXPECT_FALSE(r.Tick());  // back near the level after the release: nothing to do
  resident += 1 << 20;
  EXPECT_FALSE(r.Tick());  // steady load: small changes never release
  EXPECT_FALSE(r.Tick());
  EXPECT_EQ(released, 1);
}

TEST(MemoryReleaser, ThreadStopsOnDestruction) {
  int ticks = 0;
  {
    MemoryReleaser::Options o;
    o.interval = std::chrono::milliseconds(5);
    o.resident = [&] {
      ++ticks;
      return size_t{1} << 20;
    };
    MemoryReleaser r(o);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const int after = ticks;
  EXPECT_GT(after, 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(ticks, after);
}

}  // namespace
}  // namespace exemplar
