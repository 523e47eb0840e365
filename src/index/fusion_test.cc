#include "index/fusion.h"

#include <gtest/gtest.h>

#include <cmath>

namespace exemplar::index {
namespace {

std::vector<uint64_t> Labels(const std::vector<Hit>& hits) {
  std::vector<uint64_t> out;
  for (const auto& h : hits) out.push_back(h.label);
  return out;
}

TEST(ReciprocalRankFusion, SumsReciprocalRanks) {
  std::vector<Hit> a = {{1, 0.9f}, {2, 0.8f}, {3, 0.7f}};
  std::vector<Hit> b = {{3, 10.f}, {4, 9.f}, {1, 8.f}};
  auto fused = ReciprocalRankFusion({a, b});
  ASSERT_EQ(fused.size(), 4u);
  // 1: 1/61 + 1/63; 3: 1/63 + 1/61 (tie, smaller label first); 2: 1/62; 4: 1/62.
  EXPECT_EQ(Labels(fused), (std::vector<uint64_t>{1, 3, 2, 4}));
  EXPECT_NEAR(fused[0].score, 1.0 / 61 + 1.0 / 63, 1e-7);
  EXPECT_NEAR(fused[2].score, 1.0 / 62, 1e-7);
  EXPECT_EQ(fused[0].score, fused[1].score);
}

TEST(ReciprocalRankFusion, KDampsTheHeadAndDuplicatesCountOnce) {
  std::vector<Hit> a = {{1, 2.f}, {2, 1.f}};
  std::vector<Hit> b = {{2, 2.f}, {2, 2.f}, {1, 1.f}};  // the repeated 2 counts at rank 1 only
  auto fused = ReciprocalRankFusion({a, b}, 1.0);
  ASSERT_EQ(fused.size(), 2u);
  EXPECT_NEAR(fused[0].score, 1.0 / 2 + 1.0 / 3, 1e-7);  // both labels: ranks 1 and 2
  EXPECT_EQ(fused[0].score, fused[1].score);
  EXPECT_EQ(Labels(fused), (std::vector<uint64_t>{1, 2}));
  EXPECT_TRUE(ReciprocalRankFusion({}).empty());
  EXPECT_EQ(ReciprocalRankFusion({{}, {{5, 1.f}}}).size(), 1u);
}

// Identical documents score alike in every leg, but each leg lists them in label order: ranked
// 1, 2, 3 they fused to different scores, and hybrid search ordered equals by label.
TEST(ReciprocalRankFusion, EqualScoresInALegShareARank) {
  std::vector<Hit> a = {{7, 0.9f}, {3, 0.9f}, {5, 0.9f}, {1, 0.2f}};
  std::vector<Hit> b = {{3, 4.f}, {5, 4.f}, {7, 4.f}};
  auto fused = ReciprocalRankFusion({a, b});
  ASSERT_EQ(fused.size(), 4u);
  EXPECT_EQ(Labels(fused), (std::vector<uint64_t>{3, 5, 7, 1}));  // equal: smaller label first
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(fused[i].score, 2.0 / 61, 1e-7) << i;
  EXPECT_NEAR(fused[3].score, 1.0 / 64, 1e-7);  // after three ranked 1: rank 4
}

TEST(MaximalMarginalRelevance, TradesRelevanceForDiversity) {
  // 1 and 2 are near-duplicates; 3 is different but a little less relevant.
  std::vector<Hit> cands = {{1, 0.95f}, {2, 0.94f}, {3, 0.80f}};
  auto sim = [](uint64_t a, uint64_t b) -> float {
    if (a == b) return 1.0f;
    if ((a == 1 && b == 2) || (a == 2 && b == 1)) return 0.99f;
    return 0.1f;
  };
  auto diverse = MaximalMarginalRelevance(cands, 2, 0.5, sim);
  EXPECT_EQ(Labels(diverse), (std::vector<uint64_t>{1, 3}));
  EXPECT_FLOAT_EQ(diverse[1].score, 0.80f);  // relevance is kept as the score
  auto relevant = MaximalMarginalRelevance(cands, 2, 1.0, sim);
  EXPECT_EQ(Labels(relevant), (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(MaximalMarginalRelevance(cands, 10, 0.5, sim).size(), 3u);
  EXPECT_TRUE(MaximalMarginalRelevance(cands, 0, 0.5, sim).empty());
  EXPECT_TRUE(MaximalMarginalRelevance({}, 3, 0.5, sim).empty());
}

// Equal relevance goes to the candidate listed first: the search lists ties by example id, and
// sorting them by label again undid that (labels follow creation order).
TEST(MaximalMarginalRelevance, EqualRelevanceKeepsTheCallersOrder) {
  std::vector<Hit> cands = {{9, 0.5f}, {4, 0.8f}, {7, 0.8f}, {2, 0.5f}, {4, 0.1f}};
  auto none = [](uint64_t, uint64_t) { return 0.0f; };
  EXPECT_EQ(Labels(MaximalMarginalRelevance(cands, 10, 1.0, none)), (std::vector<uint64_t>{4, 7, 9, 2}));
}

TEST(MaximalMarginalRelevance, CallsSimilarityOnlyAgainstSelectedItems) {
  std::vector<Hit> cands;
  for (uint64_t i = 0; i < 50; ++i) cands.push_back({i, 1.0f - 0.01f * static_cast<float>(i)});
  size_t calls = 0;
  auto picked = MaximalMarginalRelevance(cands, 5, 0.7, [&](uint64_t, uint64_t) {
    ++calls;
    return 0.0f;
  });
  EXPECT_EQ(Labels(picked), (std::vector<uint64_t>{0, 1, 2, 3, 4}));
  EXPECT_LE(calls, 5u * 50u);
}

}  // namespace
}  // namespace exemplar::index
