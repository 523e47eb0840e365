// Memory accounting and release (common/memory.h): freeing bulk temporaries and then releasing
// gives their pages back without touching live data; the releaser acts only after growth that
// has stopped.
#include "common/memory.h"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
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
