#include "index/vector_index.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <thread>

#include "index/hnsw_graph.h"
#include "index/vector_test_util.h"

namespace exemplar::index {
namespace {

using test::Labels;
using test::LowRank;
using test::Opts;
using test::TempDir;

std::vector<uint64_t> BruteForce(const std::vector<std::vector<float>>& data, const std::vector<float>& q,
                                 size_t k, const std::vector<uint64_t>* allowed = nullptr) {
  std::vector<std::pair<double, uint64_t>> scored;
  for (uint64_t i = 0; i < data.size(); ++i) {
    if (allowed && !std::binary_search(allowed->begin(), allowed->end(), i)) continue;
    double s = 0;
    for (size_t d = 0; d < q.size(); ++d) s += static_cast<double>(q[d]) * data[i][d];
    scored.push_back({-s, i});
  }
  std::sort(scored.begin(), scored.end());
  std::vector<uint64_t> out;
  for (size_t i = 0; i < std::min(k, scored.size()); ++i) out.push_back(scored[i].second);
  return out;
}

double Recall(const std::vector<uint64_t>& truth, const std::vector<Hit>& got) {
  std::set<uint64_t> t(truth.begin(), truth.end());
  size_t hit = 0;
  for (const auto& h : got) hit += t.count(h.label);
  return truth.empty() ? 1.0 : static_cast<double>(hit) / static_cast<double>(truth.size());
}

class VectorIndexModes : public ::testing::TestWithParam<bool> {};
INSTANTIATE_TEST_SUITE_P(Insert, VectorIndexModes, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "background" : "synchronous"; });

TEST_P(VectorIndexModes, ExactSearchMatchesBruteForce) {
  const int dim = 48;
  auto data = LowRank(3000, dim, 1);
  VectorIndex index(Opts(dim, GetParam()));
  for (uint64_t i = 0; i < data.size(); ++i) index.Upsert(i, data[i]);
  EXPECT_EQ(index.size(), data.size());
  auto queries = LowRank(20, dim, 2);
  for (const auto& q : queries) {
    auto hits = index.SearchExact(q, 10);
    EXPECT_EQ(Labels(hits), BruteForce(data, q, 10));
    ASSERT_EQ(hits.size(), 10u);
    for (size_t i = 1; i < hits.size(); ++i) EXPECT_GE(hits[i - 1].score, hits[i].score);
  }
}

TEST_P(VectorIndexModes, HnswRecallOnLowRankData) {
  const int dim = 64;
  auto data = LowRank(5000, dim, 3);
  VectorIndex index(Opts(dim, GetParam()));
  for (uint64_t i = 0; i < data.size(); ++i) index.Upsert(i, data[i]);
  index.Flush();
  EXPECT_EQ(index.pending(), 0u);
  auto queries = LowRank(100, dim, 4);
  double recall = 0;
  for (const auto& q : queries) recall += Recall(BruteForce(data, q, 10), index.Search(q, 10));
  recall /= static_cast<double>(queries.size());
  RecordProperty("recall_at_10", std::to_string(recall));
  EXPECT_GE(recall, 0.9);
  EXPECT_LT(recall, 1.01);
}

TEST(VectorIndex, BackgroundWritesAreSearchableBeforeTheGraphHasThem) {
  const int dim = 32;
  auto data = LowRank(2000, dim, 5);
  VectorIndex index(Opts(dim, true));
  for (uint64_t i = 0; i < data.size(); ++i) {
    index.Upsert(i, data[i]);
    // Read-your-writes: the vector just written is its own nearest neighbour, graph or not.
    auto hits = index.Search(data[i], 1);
    ASSERT_EQ(hits.size(), 1u);
    ASSERT_EQ(hits[0].label, i);
    ASSERT_NEAR(hits[0].score, 1.0f, 1e-4);
  }
  index.Flush();
  EXPECT_EQ(index.pending(), 0u);
  EXPECT_EQ(index.size(), data.size());
}

TEST(VectorIndex, PausedInserterKeepsWritesPendingUntilResumedOrFlushed) {
  const int dim = 16;
  auto data = LowRank(300, dim, 16);
  VectorIndex index(Opts(dim, true));
  index.PauseBackgroundInsert(true);
  for (uint64_t i = 0; i < 200; ++i) index.Upsert(i, data[i]);
  EXPECT_EQ(index.pending(), 200u);
  EXPECT_EQ(index.Search(data[42], 1)[0].label, 42u);
  index.PauseBackgroundInsert(false);
  index.Flush();
  EXPECT_EQ(index.pending(), 0u);
  index.PauseBackgroundInsert(true);
  for (uint64_t i = 200; i < 300; ++i) index.Upsert(i, data[i]);
  EXPECT_EQ(index.pending(), 100u);
  index.Flush();  // folds on the calling thread even while paused
  EXPECT_EQ(index.pending(), 0u);
  EXPECT_EQ(index.size(), 300u);
}

TEST_P(VectorIndexModes, FilteredSearchReturnsFullKFromAllowedOnly) {
  const int dim = 48;
  auto data = LowRank(5000, dim, 6);
  VectorIndex index(Opts(dim, GetParam()));
  for (uint64_t i = 0; i < data.size(); ++i) index.Upsert(i, data[i]);
  index.Flush();
  auto queries = LowRank(20, dim, 7);
  // 1% of the labels (exact path) and 50% (HNSW with oversampling).
  for (size_t step : {100u, 2u}) {
    std::vector<uint64_t> allowed;
    for (uint64_t i = 0; i < data.size(); i += step) allowed.push_back(i);
    double recall = 0;
    for (const auto& q : queries) {
      auto hits = index.Search(q, 10, &allowed);
      ASSERT_EQ(hits.size(), 10u) << "step " << step;
      for (const auto& h : hits) EXPECT_EQ(h.label % step, 0u);
      recall += Recall(BruteForce(data, q, 10, &allowed), hits);
    }
    recall /= static_cast<double>(queries.size());
    RecordProperty("filtered_recall_step_" + std::to_string(step), std::to_string(recall));
    EXPECT_GE(recall, 0.9) << "step " << step;
  }
}

// What a caller is told about the path Search takes (the vector leg adds keyword neighbours only
// where the graph may have missed some): small indexes, a k covering the graph and small filters
// are scanned exactly, with SearchExact's answer; the rest goes through the graph.
TEST(VectorIndex, ScansExactlyTellsWhichPathSearchTakes) {
  const int dim = 32;
  auto data = LowRank(3000, dim, 9);
  VectorIndex index(Opts(dim, false));
  for (uint64_t i = 0; i < 1000; ++i) index.Upsert(i, data[i]);
  index.Flush();
  EXPECT_TRUE(index.ScansExactly(10));  // 1,000 vectors: the exact scan is as cheap as the graph
  for (uint64_t i = 1000; i < data.size(); ++i) index.Upsert(i, data[i]);
  index.Flush();
  EXPECT_FALSE(index.ScansExactly(10));
  EXPECT_TRUE(index.ScansExactly(data.size()));
  std::vector<uint64_t> few, many;
  for (uint64_t i = 0; i < data.size(); ++i) (i % 100 == 0 ? few : many).push_back(i);
  EXPECT_TRUE(index.ScansExactly(10, &few));
  EXPECT_FALSE(index.ScansExactly(10, &many));
  for (uint64_t q = 0; q < 20; ++q) {
    EXPECT_EQ(Labels(index.Search(data[q * 7], 10, &few)), Labels(index.SearchExact(data[q * 7], 10, &few)));
  }
}

TEST(VectorIndex, FilterOfMostlyMissingLabelsFallsBackToExact) {
  const int dim = 32;
  auto data = LowRank(4000, dim, 8);
  VectorIndex index(Opts(dim, false));
  for (uint64_t i = 0; i < data.size(); ++i) index.Upsert(i, data[i]);
  // 3,000 allowed labels, only 4 of which have vectors: too broad for the exact path, too sparse
  // for HNSW to find, so the fallback must produce them.
  std::vector<uint64_t> allowed = {10, 20, 30, 40};
  for (uint64_t i = 0; i < 2996; ++i) allowed.push_back(100000 + i);
  std::sort(allowed.begin(), allowed.end());
  auto hits = index.Search(data[20], 10, &allowed);
  ASSERT_EQ(hits.size(), 4u);
  EXPECT_EQ(hits[0].label, 20u);
  const auto labels = Labels(hits);
  std::set<uint64_t> got(labels.begin(), labels.end());
  EXPECT_EQ(got, (std::set<uint64_t>{10, 20, 30, 40}));
}

TEST_P(VectorIndexModes, UpdateAndRemove) {
  const int dim = 16;
  auto data = LowRank(1500, dim, 9);
  VectorIndex index(Opts(dim, GetParam()));
  for (uint64_t i = 0; i < 1400; ++i) index.Upsert(i, data[i]);
  index.Flush();
  // Update label 7 to a new vector (given unnormalised: the index normalises).
  std::vector<float> v2 = data[1450];
  for (float& x : v2) x *= 3.0f;
  index.Upsert(7, v2);
  EXPECT_EQ(index.size(), 1400u);
  auto hits = index.Search(data[1450], 1);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].label, 7u);
  EXPECT_NEAR(hits[0].score, 1.0f, 1e-5);
  std::vector<float> got;
  ASSERT_TRUE(index.GetVector(7, &got));
  for (int d = 0; d < dim; ++d) EXPECT_NEAR(got[d], data[1450][d], 1e-5);
  // The old vector of 7 is gone: its nearest neighbour is no longer 7.
  for (const auto& h : index.Search(data[7], 5)) EXPECT_NE(h.label, 7u);
  index.Flush();
  EXPECT_EQ(index.Search(data[1450], 1)[0].label, 7u);

  index.Remove(7);
  index.Remove(123456);  // absent: no-op
  EXPECT_FALSE(index.Contains(7));
  EXPECT_FALSE(index.GetVector(7, &got));
  EXPECT_EQ(index.size(), 1399u);
  for (const auto& h : index.Search(data[1450], 20)) EXPECT_NE(h.label, 7u);
  for (const auto& h : index.SearchExact(data[1450], 20)) EXPECT_NE(h.label, 7u);
  // Re-adding a removed label brings it back.
  index.Upsert(7, data[7]);
  index.Flush();
  EXPECT_TRUE(index.Contains(7));
  EXPECT_EQ(index.Search(data[7], 1)[0].label, 7u);
  EXPECT_EQ(index.size(), 1400u);
}

TEST(VectorIndex, TiesBreakBySmallerLabelAndEdgeCases) {
  VectorIndex index(Opts(4, false));
  EXPECT_TRUE(index.Search(std::vector<float>{1, 0, 0, 0}, 5).empty());
  for (uint64_t label : {9u, 3u, 5u}) index.Upsert(label, std::vector<float>{1, 0, 0, 0});
  index.Upsert(1, std::vector<float>{0, 1, 0, 0});
  auto hits = index.Search(std::vector<float>{2, 0, 0, 0}, 10);
  EXPECT_EQ(Labels(hits), (std::vector<uint64_t>{3, 5, 9, 1}));
  EXPECT_TRUE(index.Search(std::vector<float>{1, 0, 0, 0}, 0).empty());
  EXPECT_TRUE(index.Search(std::vector<float>{1, 0, 0}, 3).empty());  // wrong dimension
  index.Upsert(2, std::vector<float>{1, 0});                          // wrong dimension: ignored
  index.Upsert(2, std::vector<float>{1, NAN, 0, 0});                   // not finite: ignored
  EXPECT_FALSE(index.Contains(2));
  EXPECT_TRUE(index.Search(std::vector<float>{INFINITY, 0, 0, 0}, 3).empty());
  // A zero vector is stored as is (cosine 0 with everything) rather than rejected.
  index.Upsert(4, std::vector<float>{0, 0, 0, 0});
  EXPECT_TRUE(index.Contains(4));
  EXPECT_EQ(index.Search(std::vector<float>{0, 1, 0, 0}, 1)[0].label, 1u);
  std::vector<uint64_t> none;
  EXPECT_TRUE(index.Search(std::vector<float>{1, 0, 0, 0}, 3, &none).empty());
}

TEST_P(VectorIndexModes, ConcurrentSearchesDuringInserts) {
  const int dim = 32;
  auto data = LowRank(3000, dim, 14);
  VectorIndex index(Opts(dim, GetParam()));
  for (uint64_t i = 0; i < 1000; ++i) index.Upsert(i, data[i]);
  std::atomic<bool> done{false};
  std::atomic<size_t> searches{0}, bad{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t) {
    readers.emplace_back([&, t] {
      std::vector<uint64_t> allowed;
      for (uint64_t i = 0; i < 3000; i += 7) allowed.push_back(i);
      for (size_t n = 0; !done.load() || n < 50; ++n) {
        const auto& q = data[(n * 31 + static_cast<size_t>(t)) % 1000];
        auto hits = (n % 3 == 0) ? index.Search(q, 10, &allowed) : index.Search(q, 10);
        if (hits.size() != 10) ++bad;
        for (size_t i = 0; i < hits.size(); ++i) {
          if (hits[i].label >= 3000 || (i > 0 && hits[i - 1].score < hits[i].score)) ++bad;
        }
        ++searches;
      }
    });
  }
  for (uint64_t i = 1000; i < 3000; ++i) {
    index.Upsert(i, data[i]);
    if (i % 10 == 0) index.Remove(i - 500);
  }
  done = true;
  for (auto& r : readers) r.join();
  EXPECT_EQ(bad.load(), 0u);
  EXPECT_GE(searches.load(), 100u);
  index.Flush();
  EXPECT_EQ(index.size(), 3000u - 200u);
}

// Parallel graph construction: four inserter threads fold batches into the graph while writers
// keep adding (and re-adding) vectors and readers search. Every acknowledged vector must be found
// by a search for itself at once — from the graph or from the exactly-searched backlog — results
// must be ordered, free of duplicates and of labels not yet written, and afterwards the graph
// must hold everything with good recall and save and load with consistent links.
TEST(VectorIndex, ParallelGraphInsertionKeepsSearchesCorrect) {
  const int dim = 32;
  const uint64_t n = 4000;
  auto data = LowRank(n, dim, 16);
  VectorIndexOptions o = Opts(dim, true);
  o.insert_threads = 4;
  VectorIndex index(o);
  for (uint64_t i = 0; i < 500; ++i) index.Upsert(i, data[i]);
  index.Flush();
  std::atomic<uint64_t> acked{500}, written{500};  // labels below: searchable / possibly visible
  std::atomic<bool> done{false};
  std::atomic<size_t> searches{0}, misses{0}, bad{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t) {
    readers.emplace_back([&, t] {
      std::mt19937 rng(static_cast<uint32_t>(t));
      std::vector<uint64_t> allowed;
      for (uint64_t i = 0; i < n; i += 3) allowed.push_back(i);
      for (size_t s = 0; !done.load() || s < 100; ++s) {
        const uint64_t before = acked.load();
        const uint64_t j = (s % 4 == 3) ? (rng() % (before / 3)) * 3 : rng() % before;
        auto hits = (s % 4 == 3) ? index.Search(data[j], 10, &allowed) : index.Search(data[j], 10);
        const uint64_t after = written.load();
        if (hits.size() != 10) ++bad;
        std::set<uint64_t> seen;
        for (size_t i = 0; i < hits.size(); ++i) {
          if (hits[i].label >= after || !seen.insert(hits[i].label).second) ++bad;
          if (i > 0 && hits[i - 1].score < hits[i].score) ++bad;
          if (s % 4 == 3 && hits[i].label % 3 != 0) ++bad;
        }
        if (hits.empty() || hits[0].label != j || hits[0].score < 0.999f) ++misses;
        ++searches;
      }
    });
  }
  std::mt19937 rng(99);
  for (uint64_t i = 500; i < n; i += 50) {
    std::vector<std::pair<uint64_t, std::span<const float>>> batch;
    for (uint64_t j = i; j < i + 50; ++j) batch.emplace_back(j, data[j]);
    for (int u = 0; u < 3; ++u) {  // updates (same vector): hnswlib's update path, between rounds
      const uint64_t j = rng() % i;
      batch.emplace_back(j, data[j]);
    }
    written = i + 50;
    index.UpsertBatch(batch);
    acked = i + 50;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  done = true;
  for (auto& r : readers) r.join();
  EXPECT_EQ(bad.load(), 0u);
  // A vector searched for itself comes back first: exactly while pending, and from the graph
  // (HNSW at ef 64 on 4,000 points) all but very rarely.
  EXPECT_LE(misses.load() * 200, searches.load()) << misses.load() << " of " << searches.load();
  EXPECT_GE(searches.load(), 200u);
  index.Flush();
  EXPECT_EQ(index.pending(), 0u);
  EXPECT_EQ(index.size(), n);
  double recall = 0;
  for (uint64_t q = 0; q < 50; ++q) recall += Recall(BruteForce(data, data[q * 79], 10), index.Search(data[q * 79], 10));
  EXPECT_GE(recall / 50, 0.95);
  TempDir dir;
  ASSERT_TRUE(index.Save(dir.File("v.snap"), 7).ok());
  auto loaded = VectorIndex::Load(dir.File("v.snap"), o, 7);  // checks every link of the graph
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ((*loaded)->size(), n);
}

// Search reads the graph's candidates by internal id (HnswGraph::SearchCandidates): its hits must
// be exactly hnswlib's own top k (searchKnn, through SearchRaw) at the same ef, with deleted
// elements in the graph too, scored by the exact inner product of the stored vector.
TEST(VectorIndex, GraphSearchReturnsHnswlibsTopKWithExactScores) {
  const int dim = 32;
  auto data = LowRank(3000, dim, 21);  // past the exact-scan limit of small indexes
  VectorIndex index(Opts(dim, false));
  for (uint64_t i = 0; i < data.size(); ++i) index.Upsert(i, data[i]);
  for (int pass = 0; pass < 2; ++pass) {
    auto queries = LowRank(40, dim, 22 + pass);
    for (const auto& q : queries) {
      const auto hits = index.Search(q, 10);
      std::vector<uint64_t> ours = Labels(hits), raw = index.SearchRaw(q, 10);
      std::sort(ours.begin(), ours.end());
      std::sort(raw.begin(), raw.end());
      ASSERT_EQ(ours, raw);
      double norm = 0;
      for (float x : q) norm += static_cast<double>(x) * x;
      for (size_t i = 0; i < hits.size(); ++i) {
        std::vector<float> v;
        ASSERT_TRUE(index.GetVector(hits[i].label, &v));
        double dot = 0;
        for (int d = 0; d < dim; ++d) dot += static_cast<double>(q[d]) * v[d];
        EXPECT_NEAR(hits[i].score, dot / std::sqrt(norm), 1e-5);
        if (i > 0) {
          EXPECT_GE(hits[i - 1].score, hits[i].score);
        }
      }
    }
    for (uint64_t i = 0; i < data.size(); i += 3) index.Remove(i);  // second pass: deletions in the graph
  }
  for (const auto& h : index.Search(data[4], 10)) EXPECT_NE(h.label % 3, 0u) << h.label;
}

TEST(VectorIndex, MemoryIsAboutOneCopyOfTheVectors) {
  const int dim = 384;
  auto data = LowRank(1000, dim, 15);
  VectorIndex index(Opts(dim, false));
  for (uint64_t i = 0; i < data.size(); ++i) index.Upsert(i, data[i]);
  const double per_vector = static_cast<double>(index.MemoryBytes()) / static_cast<double>(data.size());
  // 1,536 bytes of floats + ~200 bytes of links and bookkeeping, plus hnswlib's fixed 2.6 MB of
  // update locks spread over only 1,000 vectors here.
  EXPECT_GT(per_vector, 1536.0);
  EXPECT_LT(per_vector, 1536.0 + 400.0 + 65536.0 * 40 / 1000);
}

// Recall at a fixed ef falls as the graph grows, so the search breadth grows with it past 100k
// elements: by two thirds per tenfold, from the configured ef.
TEST(SearchEf, ConfiguredUpTo100kThenGrowsByTwoThirdsPerTenfold) {
  EXPECT_EQ(HnswGraph::SearchEf(128, 0), 128u);
  EXPECT_EQ(HnswGraph::SearchEf(128, 100000), 128u);
  EXPECT_EQ(HnswGraph::SearchEf(128, 1000000), 213u);
  EXPECT_EQ(HnswGraph::SearchEf(128, 10000000), 299u);
  EXPECT_EQ(HnswGraph::SearchEf(64, 1000000), 107u);
  EXPECT_EQ(HnswGraph::SearchEf(128, 316228), 171u);
  VectorIndexOptions o;
  o.dim = 8;
  o.ef_search = 40;
  VectorIndex index(o);
  for (uint64_t i = 0; i < 100; ++i) index.Upsert(i, std::vector<float>(8, static_cast<float>(i + 1)));
  index.Flush();
  EXPECT_EQ(index.search_ef(), 40u);
}

}  // namespace
}  // namespace exemplar::index
