#include "index/label_map.h"

#include <gtest/gtest.h>

#include <random>
#include <unordered_map>

namespace exemplar::index {
namespace {

TEST(LabelMap, InsertFindSetErase) {
  LabelMap m;
  EXPECT_TRUE(m.empty());
  EXPECT_EQ(m.Find(7), nullptr);
  EXPECT_FALSE(m.Erase(7));
  EXPECT_TRUE(m.Insert(7, 70));
  EXPECT_FALSE(m.Insert(7, 71));  // present: unchanged
  ASSERT_NE(m.Find(7), nullptr);
  EXPECT_EQ(*m.Find(7), 70u);
  m.Set(7, 72);
  EXPECT_EQ(*m.Find(7), 72u);
  m.Set(8, 80);
  EXPECT_EQ(m.size(), 2u);
  EXPECT_TRUE(m.Erase(7));
  EXPECT_EQ(m.Find(7), nullptr);
  EXPECT_EQ(*m.Find(8), 80u);
  EXPECT_EQ(m.size(), 1u);
}

TEST(LabelMap, TheFreeSlotMarkerIsAnOrdinaryLabel) {
  LabelMap m;
  EXPECT_EQ(m.Find(UINT64_MAX), nullptr);
  EXPECT_TRUE(m.Insert(UINT64_MAX, 1));
  EXPECT_TRUE(m.Insert(0, 2));
  EXPECT_EQ(*m.Find(UINT64_MAX), 1u);
  size_t seen = 0;
  m.ForEach([&](uint64_t label, uint32_t& id) {
    ++seen;
    id += 10;
    EXPECT_TRUE(label == UINT64_MAX || label == 0);
  });
  EXPECT_EQ(seen, 2u);
  EXPECT_EQ(*m.Find(UINT64_MAX), 11u);
  EXPECT_EQ(*m.Find(0), 12u);
  EXPECT_TRUE(m.Erase(UINT64_MAX));
  EXPECT_EQ(m.Find(UINT64_MAX), nullptr);
  EXPECT_EQ(m.size(), 1u);
}

// Random inserts, overwrites and erasures over labels that collide a lot (a small range, and
// multiples of a power of two), checked against std::unordered_map after every step.
TEST(LabelMap, AgreesWithUnorderedMapUnderChurn) {
  std::mt19937_64 rng(42);
  LabelMap m;
  std::unordered_map<uint64_t, uint32_t> ref;
  for (int step = 0; step < 200000; ++step) {
    const uint64_t label = (rng() % 3 == 0) ? (rng() % 512) << 20 : rng() % 4000;
    const auto id = static_cast<uint32_t>(rng());
    switch (rng() % 4) {
      case 0:
        EXPECT_EQ(m.Insert(label, id), ref.emplace(label, id).second);
        break;
      case 1:
        m.Set(label, id);
        ref[label] = id;
        break;
      default:
        EXPECT_EQ(m.Erase(label), ref.erase(label) == 1);
    }
    ASSERT_EQ(m.size(), ref.size());
    if (step % 1000 == 0) {
      for (const auto& [l, v] : ref) {
        ASSERT_NE(m.Find(l), nullptr) << l;
        ASSERT_EQ(*m.Find(l), v);
      }
      size_t n = 0;
      m.ForEach([&](uint64_t l, uint32_t& v) {
        ++n;
        ASSERT_EQ(ref.at(l), v);
      });
      ASSERT_EQ(n, ref.size());
    }
  }
}

TEST(LabelMap, ConsecutiveLabelsTakeAtMostThirtyTwoBytesEach) {
  LabelMap m;
  for (uint32_t i = 0; i < 100000; ++i) m.Insert(1000000 + i, i);
  EXPECT_LE(m.MemoryBytes(), 100000u * 32);
  for (uint32_t i = 0; i < 100000; ++i) ASSERT_EQ(*m.Find(1000000 + i), i);
  m.Clear();
  EXPECT_TRUE(m.empty());
  EXPECT_EQ(m.MemoryBytes(), 0u);
  m.Reserve(1000);
  EXPECT_EQ(m.Find(5), nullptr);
}

}  // namespace
}  // namespace exemplar::index
