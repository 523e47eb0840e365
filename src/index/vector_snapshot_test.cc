// Vector index snapshots: a save/load round trip with graph and pending vectors, options and
// sequence checks, damaged files rejected without crashing, and a loaded graph that answers the
// same while it moves off the mapped file.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "index/hnsw_graph.h"
#include "index/vector_index.h"
#include "index/vector_test_util.h"

namespace exemplar::index {
namespace {

using test::FlipByte;
using test::Labels;
using test::LowRank;
using test::Opts;
using test::TempDir;
using test::Truncate;

TEST(VectorIndex, SaveLoadRoundTripWithGraphAndPendingVectors) {
  TempDir dir;
  const int dim = 32;
  auto data = LowRank(3000, dim, 10);
  VectorIndex index(Opts(dim, true));
  for (uint64_t i = 0; i < 2500; ++i) index.Upsert(i, data[i]);
  index.Flush();
  index.PauseBackgroundInsert(true);
  index.Remove(17);
  index.Upsert(18, data[2999]);                                     // an update (pending)
  for (uint64_t i = 2500; i < 2600; ++i) index.Upsert(i, data[i]);  // new (pending)
  ASSERT_EQ(index.pending(), 101u);
  const std::string path = dir.File("vectors.hnsw");
  ASSERT_TRUE(index.Save(path, 42).ok());
  // Saving again over an existing snapshot works (atomic replace).
  ASSERT_TRUE(index.Save(path, 42).ok());

  for (bool background : {true, false}) {
    auto loaded = VectorIndex::Load(path, Opts(dim, background), 42);
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    VectorIndex& copy = **loaded;
    EXPECT_EQ(copy.size(), index.size());
    EXPECT_FALSE(copy.Contains(17));
    std::vector<float> a, b;
    for (uint64_t label : {0u, 18u, 2599u}) {
      ASSERT_TRUE(index.GetVector(label, &a));
      ASSERT_TRUE(copy.GetVector(label, &b));
      EXPECT_EQ(a, b) << label;
    }
    for (const auto& q : LowRank(10, dim, 11)) {
      EXPECT_EQ(Labels(copy.SearchExact(q, 10)), Labels(index.SearchExact(q, 10)));
    }
    copy.Flush();
    EXPECT_EQ(copy.pending(), 0u);
    EXPECT_EQ(copy.Search(data[2999], 1)[0].label, 18u);
    copy.Upsert(5000, data[2700]);  // a loaded index keeps working
    EXPECT_EQ(copy.Search(data[2700], 1)[0].label, 5000u);
  }
}

TEST(VectorIndex, LoadRejectsWrongSeqOptionsAndMissingFiles) {
  TempDir dir;
  VectorIndex index(Opts(8, false));
  auto data = LowRank(50, 8, 12);
  for (uint64_t i = 0; i < data.size(); ++i) index.Upsert(i, data[i]);
  const std::string path = dir.File("v.hnsw");
  ASSERT_TRUE(index.Save(path, 7).ok());
  EXPECT_TRUE(VectorIndex::Load(path, Opts(8, false), 7).ok());
  EXPECT_EQ(VectorIndex::Load(path, Opts(8, false), 8).status().code(), Code::kFailedPrecondition);
  EXPECT_EQ(VectorIndex::Load(path, Opts(16, false), 7).status().code(), Code::kFailedPrecondition);
  auto other_m = Opts(8, false);
  other_m.m = 8;
  EXPECT_EQ(VectorIndex::Load(path, other_m, 7).status().code(), Code::kFailedPrecondition);
  EXPECT_EQ(VectorIndex::Load(dir.File("absent"), Opts(8, false), 7).status().code(), Code::kFailedPrecondition);
  std::filesystem::remove(path + ".graph");
  EXPECT_EQ(VectorIndex::Load(path, Opts(8, false), 7).status().code(), Code::kFailedPrecondition);
}

TEST(VectorIndex, CorruptOrTruncatedSnapshotIsRejectedWithoutCrashing) {
  TempDir dir;
  const int dim = 16;
  auto data = LowRank(1200, dim, 13);
  VectorIndex index(Opts(dim, true));
  for (uint64_t i = 0; i < 1100; ++i) index.Upsert(i, data[i]);
  index.Flush();
  index.PauseBackgroundInsert(true);  // keeps a pending section in every snapshot below
  for (uint64_t i = 1100; i < 1200; ++i) index.Upsert(i, data[i]);
  ASSERT_EQ(index.pending(), 100u);
  const std::string path = dir.File("v.hnsw");
  const std::string graph = path + ".graph";
  auto fresh = [&] { ASSERT_TRUE(index.Save(path, 1).ok()); };
  auto expect_rejected = [&](const std::string& what) {
    auto r = VectorIndex::Load(path, Opts(dim, true), 1);
    EXPECT_EQ(r.status().code(), Code::kFailedPrecondition) << what;
  };
  fresh();
  ASSERT_TRUE(VectorIndex::Load(path, Opts(dim, true), 1).ok());
  const auto main_size = std::filesystem::file_size(path);
  const auto graph_size = std::filesystem::file_size(graph);
  for (uintmax_t cut : {uintmax_t{0}, uintmax_t{10}, main_size / 2, main_size - 1}) {
    fresh();
    Truncate(path, cut);
    expect_rejected("main truncated to " + std::to_string(cut));
  }
  for (uintmax_t cut : {uintmax_t{0}, uintmax_t{40}, graph_size / 3, graph_size - 1}) {
    fresh();
    Truncate(graph, cut);
    expect_rejected("graph truncated to " + std::to_string(cut));
  }
  for (uintmax_t at : {uintmax_t{0}, uintmax_t{24}, uintmax_t{100}, graph_size / 2, graph_size - 3}) {
    fresh();
    FlipByte(graph, at);
    expect_rejected("graph byte flipped at " + std::to_string(at));
  }
  for (uintmax_t at : {uintmax_t{3}, uintmax_t{20}, uintmax_t{100}, main_size - 5}) {
    fresh();
    FlipByte(path, at);
    expect_rejected("main byte flipped at " + std::to_string(at));
  }
  // A graph file from a different snapshot (valid on its own) does not pass either.
  fresh();
  VectorIndex other(Opts(dim, false));
  other.Upsert(1, data[1]);
  ASSERT_TRUE(other.Save(dir.File("other.hnsw"), 1).ok());
  std::filesystem::copy_file(dir.File("other.hnsw.graph"), graph, std::filesystem::copy_options::overwrite_existing);
  expect_rejected("foreign graph file");
  // Garbage of a plausible size.
  fresh();
  {
    std::ofstream f(graph, std::ios::binary | std::ios::trunc);
    std::mt19937 rng(1);
    for (uintmax_t i = 0; i < graph_size; ++i) f.put(static_cast<char>(rng()));
  }
  expect_rejected("garbage graph");
}

// A loaded graph starts on the snapshot file mapped copy-on-write, moves onto anonymous memory
// chunk by chunk, and grows (leaving the mapping) — answering the same throughout.
TEST(HnswGraph, LoadedGraphAnswersTheSameWhileMovingOffTheFile) {
  const int dim = 384;  // ~1.7 KB per element: 3,000 elements span two 2 MB chunks
  auto data = LowRank(3500, dim, 17);
  HnswGraph built(dim, 16, 64, 64, 256);
  for (uint64_t i = 0; i < 3000; ++i) ASSERT_TRUE(built.Add(i, data[i].data()));
  built.MarkDeleted(7);
  TempDir dir;
  uint64_t bytes = 0;
  ASSERT_TRUE(built.Save(dir.File("g"), &bytes).ok());
  ASSERT_EQ(std::filesystem::file_size(dir.File("g")), bytes);
  auto answers = [&](const HnswGraph& g) {
    std::vector<std::vector<uint64_t>> out;
    for (uint64_t q = 0; q < 40; ++q) {
      std::vector<uint64_t> labels;
      EXPECT_TRUE(g.Search(data[q * 71].data(), 10, &labels));
      out.push_back(labels);
    }
    return out;
  };
  const auto expected = answers(built);
  auto loaded = HnswGraph::Load(dir.File("g"), dim, 16, 64, 64, built.elements(), 0);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  HnswGraph& g = **loaded;
  EXPECT_EQ(g.live(), 2999u);
  EXPECT_EQ(g.Find(7), nullptr);
  ASSERT_NE(g.Find(8), nullptr);
  EXPECT_EQ(std::vector<float>(g.Find(8), g.Find(8) + dim), data[8]);
  EXPECT_EQ(answers(g), expected);  // served from the mapped file
  const size_t left = g.Promote(size_t{2} << 20);
  EXPECT_GT(left, 0u);  // one chunk moved, more to go
  EXPECT_EQ(answers(g), expected);
  EXPECT_EQ(g.Promote(SIZE_MAX), 0u);
  EXPECT_EQ(answers(g), expected);
  // Writes after loading: into the copy-on-write pages, then past the capacity (the block moves
  // to hnswlib's own memory).
  ASSERT_TRUE(g.Add(3000, data[3000].data()));
  ASSERT_TRUE(g.Reserve(5000));
  for (uint64_t i = 3001; i < 3500; ++i) ASSERT_TRUE(g.AddNew(i, data[i].data()));
  EXPECT_EQ(g.live(), 3499u);
  std::vector<uint64_t> labels;
  ASSERT_TRUE(g.Search(data[3400].data(), 1, &labels));
  EXPECT_EQ(labels, std::vector<uint64_t>{3400});
  EXPECT_EQ(std::vector<float>(g.Find(8), g.Find(8) + dim), data[8]);
  // The saved file was not written through the mapping.
  auto again = HnswGraph::Load(dir.File("g"), dim, 16, 64, 64, built.elements(), 0);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)->live(), 2999u);
  EXPECT_EQ(answers(**again), expected);
}

}  // namespace
}  // namespace exemplar::index
