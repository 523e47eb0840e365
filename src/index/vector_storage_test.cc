// vector_storage f16 / int8 (issue 24, item 2): compact codes in the HNSW graph, f32 vectors in a
// memory-mapped file, exact re-ranking. Compared against an f32 index fed the same vectors.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <random>
#include <set>
#include <thread>

#include "index/vector_index.h"
#include "index/vector_kernels.h"
#include "index/vector_test_util.h"

namespace exemplar::index {
namespace {

using test::FlipByte;
using test::TempDir;

// Gaussian vectors, normalised: uniformly random directions.
std::vector<std::vector<float>> Random(size_t n, int dim, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> g(0.0f, 1.0f);
  std::vector<std::vector<float>> out(n, std::vector<float>(static_cast<size_t>(dim)));
  for (auto& v : out) {
    double norm = 0;
    for (float& x : v) {
      x = g(rng);
      norm += static_cast<double>(x) * x;
    }
    for (float& x : v) x = static_cast<float>(x / std::sqrt(norm));
  }
  return out;
}

// Low-rank data (a 12-d latent projected to `dim` plus noise): neighbourhoods like embeddings have.
std::vector<std::vector<float>> LowRank(size_t n, int dim, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> g(0.0f, 1.0f);
  constexpr int kLatent = 12;
  std::vector<float> proj(static_cast<size_t>(dim) * kLatent);
  for (float& x : proj) x = g(rng);
  std::vector<std::vector<float>> out(n, std::vector<float>(static_cast<size_t>(dim)));
  for (auto& v : out) {
    float z[kLatent];
    for (float& x : z) x = g(rng);
    for (int d = 0; d < dim; ++d) {
      float s = 0;
      for (int j = 0; j < kLatent; ++j) s += proj[static_cast<size_t>(d * kLatent + j)] * z[j];
      v[static_cast<size_t>(d)] = s + 0.2f * g(rng);
    }
  }
  return out;
}

double Cosine(const std::vector<float>& a, const std::vector<float>& b) {
  double ab = 0, aa = 0, bb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    ab += static_cast<double>(a[i]) * b[i];
    aa += static_cast<double>(a[i]) * a[i];
    bb += static_cast<double>(b[i]) * b[i];
  }
  return ab / std::sqrt(aa * bb);
}

double Recall(const std::vector<Hit>& truth, const std::vector<Hit>& got) {
  std::set<uint64_t> t;
  for (const Hit& h : truth) t.insert(h.label);
  size_t hit = 0;
  for (const Hit& h : got) hit += t.count(h.label);
  return truth.empty() ? 1.0 : static_cast<double>(hit) / static_cast<double>(truth.size());
}

VectorIndexOptions Opts(int dim, VectorStorage storage, const std::string& dir, bool background = true) {
  VectorIndexOptions o;
  o.dim = dim;
  o.m = 16;
  o.ef_construction = 100;
  o.ef_search = 64;
  o.initial_capacity = 256;  // forces several resizes of the graph and the vector file
  o.background_insert = background;
  o.insert_threads = 2;
  o.storage = storage;
  o.vector_file_dir = dir;
  return o;
}

class CompactStorage : public ::testing::TestWithParam<VectorStorage> {};
INSTANTIATE_TEST_SUITE_P(Storage, CompactStorage, ::testing::Values(VectorStorage::kF16, VectorStorage::kInt8),
                         [](const auto& info) { return std::string(VectorStorageName(info.param)); });

// Recall@10 against the exact scan, on random and on low-rank vectors, and every returned score is
// the exact f32 cosine: with the compact codes' own distances (no re-ranking) scores would be off
// by ~1e-4 (f16) to ~1e-3 (int8) and the check below fails.
TEST_P(CompactStorage, RecallAndScoresAreExactAfterReRanking) {
  TempDir dir;
  const int dim = 128;
  for (bool low_rank : {false, true}) {
    auto data = low_rank ? LowRank(3000, dim, 1) : Random(3000, dim, 1);
    auto queries = low_rank ? LowRank(40, dim, 2) : Random(40, dim, 2);
    // The served default ef (random directions have no neighbourhoods: the hardest case for HNSW).
    auto options = Opts(dim, GetParam(), dir.path());
    options.ef_search = 128;
    auto f32_options = options;
    f32_options.storage = VectorStorage::kF32;
    VectorIndex index(options), f32(f32_options);
    for (uint64_t i = 0; i < data.size(); ++i) {
      index.Upsert(i, data[i]);
      f32.Upsert(i, data[i]);
    }
    index.Flush();
    f32.Flush();
    ASSERT_EQ(index.pending(), 0u);
    double recall = 0, f32_recall = 0;
    for (const auto& q : queries) {
      const auto got = index.Search(q, 10);
      ASSERT_EQ(got.size(), 10u);
      const auto truth = index.SearchExact(q, 10);
      recall += Recall(truth, got);
      f32_recall += Recall(truth, f32.Search(q, 10));
      for (const Hit& h : got) EXPECT_NEAR(h.score, Cosine(q, data[h.label]), 1e-5) << h.label;
    }
    const auto n = static_cast<double>(queries.size());
    EXPECT_GE(recall / n, 0.95) << (low_rank ? "low-rank" : "random") << "; f32 graph: " << f32_recall / n;
  }
}

// The f32 vectors come back as stored (the same floats an f32 index keeps), exact search agrees
// with an f32 index, and the graph itself is smaller by about the codes' saving.
TEST_P(CompactStorage, KeepsTheF32VectorsAndUsesLessMemory) {
  TempDir dir;
  const int dim = 96;
  auto data = Random(2000, dim, 3);
  VectorIndex compact(Opts(dim, GetParam(), dir.path(), false));
  VectorIndex f32(Opts(dim, VectorStorage::kF32, "", false));
  for (uint64_t i = 0; i < data.size(); ++i) {
    compact.Upsert(i, data[i]);
    f32.Upsert(i, data[i]);
  }
  std::vector<float> a, b;
  for (uint64_t label : {0u, 777u, 1999u}) {
    ASSERT_TRUE(compact.GetVector(label, &a));
    ASSERT_TRUE(f32.GetVector(label, &b));
    EXPECT_EQ(a, b);
  }
  for (const auto& q : Random(10, dim, 4)) {
    const auto x = compact.SearchExact(q, 10), y = f32.SearchExact(q, 10);
    ASSERT_EQ(x.size(), y.size());
    for (size_t i = 0; i < x.size(); ++i) {
      EXPECT_EQ(x[i].label, y[i].label);
      EXPECT_EQ(x[i].score, y[i].score);
    }
  }
  const size_t code = GetParam() == VectorStorage::kF16 ? 2 * dim : dim + 4;
  const size_t saved = data.size() * (dim * sizeof(float) - code);
  EXPECT_LE(compact.MemoryBytes() + saved * 9 / 10, f32.MemoryBytes());
  EXPECT_GE(compact.VectorFileBytes(), data.size() * dim * sizeof(float));
  EXPECT_EQ(f32.VectorFileBytes(), 0u);
}

TEST_P(CompactStorage, UpdatesRemovesAndFilteredSearch) {
  TempDir dir;
  const int dim = 32;
  auto data = LowRank(5000, dim, 5);
  for (bool background : {false, true}) {
    VectorIndex index(Opts(dim, GetParam(), dir.path(), background));
    for (uint64_t i = 0; i < 4000; ++i) index.Upsert(i, data[i]);
    index.Flush();
    // Updates (the graph re-adds an element under the same id) and removes.
    for (uint64_t i = 0; i < 200; ++i) index.Upsert(i, data[4000 + i]);
    for (uint64_t i = 200; i < 300; ++i) index.Remove(i);
    index.Flush();
    EXPECT_EQ(index.size(), 3900u);
    std::vector<float> v;
    EXPECT_FALSE(index.GetVector(250, &v));
    ASSERT_TRUE(index.GetVector(7, &v));
    EXPECT_NEAR(Cosine(v, data[4007]), 1.0, 1e-6);
    const auto top = index.Search(data[4007], 1);
    ASSERT_EQ(top.size(), 1u);
    EXPECT_EQ(top[0].label, 7u);
    EXPECT_NEAR(top[0].score, 1.0, 1e-5);
    for (const auto& q : LowRank(20, dim, 6)) {
      for (const Hit& h : index.Search(q, 10)) {
        EXPECT_FALSE(h.label >= 200 && h.label < 300) << "removed label " << h.label;
      }
    }
    // A broad filter (the graph path with oversampling): allowed labels only, full k, exact scores.
    std::vector<uint64_t> allowed;
    for (uint64_t i = 0; i < 4000; i += 2) allowed.push_back(i);
    for (uint64_t i = 1; i < 1000; i += 2) allowed.push_back(i);
    std::sort(allowed.begin(), allowed.end());
    double recall = 0;
    const auto queries = LowRank(20, dim, 7);
    for (const auto& q : queries) {
      const auto got = index.Search(q, 10, &allowed);
      ASSERT_EQ(got.size(), 10u);
      for (const Hit& h : got) {
        EXPECT_TRUE(std::binary_search(allowed.begin(), allowed.end(), h.label));
        std::vector<float> stored;
        ASSERT_TRUE(index.GetVector(h.label, &stored));
        EXPECT_NEAR(h.score, Cosine(q, stored), 1e-5);
      }
      recall += Recall(index.SearchExact(q, 10, &allowed), got);
    }
    EXPECT_GE(recall / static_cast<double>(queries.size()), 0.95);
  }
}

TEST_P(CompactStorage, ConcurrentSearchesDuringParallelInsertion) {
  TempDir dir;
  const int dim = 48;
  auto data = LowRank(4000, dim, 8);
  VectorIndex index(Opts(dim, GetParam(), dir.path()));
  std::atomic<bool> done{false};
  std::atomic<int> bad{0};
  std::thread searcher([&] {
    const auto queries = LowRank(10, dim, 9);
    while (!done.load()) {
      for (const auto& q : queries) {
        for (const Hit& h : index.Search(q, 5)) {
          std::vector<float> v;
          if (!index.GetVector(h.label, &v) || std::fabs(h.score - Cosine(q, v)) > 1e-5) ++bad;
        }
      }
    }
  });
  for (uint64_t i = 0; i < data.size(); i += 100) {
    std::vector<std::pair<uint64_t, std::span<const float>>> batch;
    for (uint64_t j = i; j < i + 100; ++j) batch.emplace_back(j, data[j]);
    index.UpsertBatch(batch);
  }
  index.Flush();
  done = true;
  searcher.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(index.size(), data.size());
  for (uint64_t i = 0; i < data.size(); i += 397) EXPECT_EQ(index.Search(data[i], 1)[0].label, i);
}

TEST_P(CompactStorage, SnapshotRoundTripAndOtherModesRefused) {
  TempDir dir;
  const int dim = 40;
  auto data = LowRank(3000, dim, 10);
  VectorIndex index(Opts(dim, GetParam(), dir.path()));
  for (uint64_t i = 0; i < 2500; ++i) index.Upsert(i, data[i]);
  index.Flush();
  index.PauseBackgroundInsert(true);
  index.Remove(17);
  index.Upsert(18, data[2999]);                                     // an update (pending)
  for (uint64_t i = 2500; i < 2600; ++i) index.Upsert(i, data[i]);  // new (pending)
  const std::string path = dir.File("vectors.hnsw");
  ASSERT_TRUE(index.Save(path, 42).ok());
  ASSERT_TRUE(std::filesystem::exists(path + ".f32"));
  EXPECT_EQ(std::filesystem::file_size(path + ".f32"), 2500u * dim * sizeof(float));

  auto loaded = VectorIndex::Load(path, Opts(dim, GetParam(), dir.path()), 42);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  VectorIndex& copy = **loaded;
  EXPECT_EQ(copy.size(), index.size());
  EXPECT_FALSE(copy.Contains(17));
  std::vector<float> a, b;
  for (uint64_t label : {0u, 18u, 1234u, 2599u}) {
    ASSERT_TRUE(index.GetVector(label, &a));
    ASSERT_TRUE(copy.GetVector(label, &b));
    EXPECT_EQ(a, b) << label;
  }
  for (const auto& q : LowRank(10, dim, 11)) {
    const auto x = index.Search(q, 10), y = copy.Search(q, 10);
    ASSERT_EQ(x.size(), y.size());
    for (size_t i = 0; i < x.size(); ++i) {
      EXPECT_EQ(x[i].label, y[i].label);
      EXPECT_EQ(x[i].score, y[i].score);
    }
  }
  copy.Flush();
  EXPECT_EQ(copy.Search(data[2999], 1)[0].label, 18u);
  // A loaded index keeps growing (the graph and the vector file beyond the snapshot's capacity).
  for (uint64_t i = 0; i < 3000; ++i) copy.Upsert(10000 + i, data[i]);
  copy.Flush();
  EXPECT_EQ(copy.Search(data[2700], 1)[0].score, copy.SearchExact(data[2700], 1)[0].score);
  ASSERT_TRUE(copy.GetVector(10000 + 1234, &b));
  ASSERT_TRUE(index.GetVector(1234, &a));
  EXPECT_EQ(a, b);

  // Another storage mode does not load the snapshot (the caller rebuilds from the store).
  for (VectorStorage other : {VectorStorage::kF32, VectorStorage::kF16, VectorStorage::kInt8}) {
    if (other == GetParam()) continue;
    auto refused = VectorIndex::Load(path, Opts(dim, other, dir.path()), 42);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.status().code(), Code::kFailedPrecondition);
    EXPECT_NE(refused.status().message().find("vector_storage"), std::string::npos) << refused.status().message();
  }
  // And an f32 snapshot is refused in this mode.
  VectorIndex plain(Opts(dim, VectorStorage::kF32, ""));
  for (uint64_t i = 0; i < 100; ++i) plain.Upsert(i, data[i]);
  ASSERT_TRUE(plain.Save(dir.File("plain.hnsw"), 1).ok());
  EXPECT_FALSE(std::filesystem::exists(dir.File("plain.hnsw.f32")));
  EXPECT_EQ(VectorIndex::Load(dir.File("plain.hnsw"), Opts(dim, GetParam(), dir.path()), 1).status().code(),
            Code::kFailedPrecondition);
  EXPECT_TRUE(VectorIndex::Load(dir.File("plain.hnsw"), Opts(dim, VectorStorage::kF32, ""), 1).ok());
  // An f32 snapshot written over a compact one removes the compact one's vector file.
  ASSERT_TRUE(index.Save(dir.File("switched.hnsw"), 42).ok());
  ASSERT_TRUE(std::filesystem::exists(dir.File("switched.hnsw.f32")));
  ASSERT_TRUE(plain.Save(dir.File("switched.hnsw"), 43).ok());
  EXPECT_FALSE(std::filesystem::exists(dir.File("switched.hnsw.f32")));

  // A damaged or missing vector file is refused, not loaded with wrong vectors.
  FlipByte(path + ".f32", 4 * dim * 100 + 3);
  EXPECT_EQ(VectorIndex::Load(path, Opts(dim, GetParam(), dir.path()), 42).status().code(),
            Code::kFailedPrecondition);
  std::filesystem::resize_file(path + ".f32", 100);
  EXPECT_EQ(VectorIndex::Load(path, Opts(dim, GetParam(), dir.path()), 42).status().code(),
            Code::kFailedPrecondition);
  std::filesystem::remove(path + ".f32");
  EXPECT_EQ(VectorIndex::Load(path, Opts(dim, GetParam(), dir.path()), 42).status().code(),
            Code::kFailedPrecondition);
}

// Resident file-backed memory of this process (RssFile + RssShmem of /proc/self/status), bytes.
size_t ResidentFileBytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  size_t kb = 0;
  while (std::getline(status, line)) {
    if (line.rfind("RssFile:", 0) == 0 || line.rfind("RssShmem:", 0) == 0) kb += std::stoul(line.substr(9));
  }
  return kb * 1024;
}

// The f32 rows are written, saved and loaded through the file, not its mapping: 15 MB of them
// stay in the page cache, outside the process's resident set, until searches read some. (Written
// through the mapping, every page of the file was resident after an ingest and after a load.)
TEST_P(CompactStorage, IngestAndLoadLeaveTheF32RowsOutOfTheResidentSet) {
  TempDir dir;
  const int dim = 384;
  const size_t n = 10000;  // 15.4 MB of f32 rows
  const size_t rows_bytes = n * dim * sizeof(float);
  auto data = Random(n, dim, 21);
  size_t before = ResidentFileBytes();
  VectorIndex index(Opts(dim, GetParam(), dir.path(), false));
  for (uint64_t i = 0; i < n; ++i) index.Upsert(i, data[i]);
  EXPECT_LT(ResidentFileBytes(), before + rows_bytes / 4) << "after the ingest";
  const std::string path = dir.File("vectors.hnsw");
  ASSERT_TRUE(index.Save(path, 7).ok());
  EXPECT_LT(ResidentFileBytes(), before + rows_bytes / 4) << "after the save";

  before = ResidentFileBytes();
  auto loaded = VectorIndex::Load(path, Opts(dim, GetParam(), dir.path(), false), 7);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  // The loaded graph (codes and links) is file-backed until promoted: it may be resident.
  EXPECT_LT(ResidentFileBytes(), before + (*loaded)->MemoryBytes() + rows_bytes / 4) << "after the load";
  // Rows read through the mapping are the ones written through the file.
  for (uint64_t label : {0u, 4999u, 9999u}) {
    const auto hit = (*loaded)->Search(data[label], 1);
    ASSERT_EQ(hit.size(), 1u);
    EXPECT_EQ(hit[0].label, label);
    EXPECT_EQ(hit[0].score, (*loaded)->SearchExact(data[label], 1)[0].score);
  }
}

// Searches read the f32 rows they re-rank with pread, not through the mapping: a touched page of a
// mapping stays resident, and a fault maps more than the page (16 neighbours, or a whole large folio
// of the page cache: 1 MB per touched row was measured on ext4, Linux 6.18), so mapped reads made
// the whole file resident after a few hundred searches. Unfiltered, narrow-filter (the exact path
// over codes) and broad-filter (the graph path) searches all stay off the mapping, and their
// scores are still the exact f32 ones. GetVector (a hybrid search's keyword-only hits) and the
// exact scan read the same way.
TEST_P(CompactStorage, SearchesLeaveTheF32RowsOutOfTheResidentSet) {
  TempDir dir;
  const int dim = 384;
  const size_t n = 20000;  // 30.7 MB of f32 rows
  const size_t rows_bytes = n * dim * sizeof(float);
  auto data = LowRank(n, dim, 31);
  VectorIndex index(Opts(dim, GetParam(), dir.path(), false));
  for (uint64_t i = 0; i < n; ++i) index.Upsert(i, data[i]);
  std::vector<uint64_t> narrow, broad;
  for (uint64_t i = 0; i < n; i += 20) narrow.push_back(i);  // 1,000 labels: scanned exactly
  for (uint64_t i = 0; i < n; i += 2) broad.push_back(i);    // half: the graph, oversampled
  const size_t before = ResidentFileBytes();
  const auto queries = LowRank(300, dim, 32);
  std::vector<float> v;
  for (size_t i = 0; i < queries.size(); ++i) {
    ASSERT_EQ(index.Search(queries[i], 10).size(), 10u);
    ASSERT_EQ(index.Search(queries[i], 10, &narrow).size(), 10u);
    ASSERT_EQ(index.Search(queries[i], 10, &broad).size(), 10u);
    for (uint64_t j = 0; j < 10; ++j) {  // as a hybrid search's keyword-only hits are scored
      const uint64_t label = (i * 10 + j) * 6007 % n;
      ASSERT_TRUE(index.GetVector(label, &v));
      ASSERT_NEAR(Cosine(v, data[label]), 1.0, 1e-6);
    }
  }
  for (size_t i = 0; i < 5; ++i) ASSERT_EQ(index.SearchExact(queries[i], 10).size(), 10u);  // a full scan
  EXPECT_LT(ResidentFileBytes(), before + rows_bytes / 10) << "searches mapped the rows in";
  for (size_t i = 0; i < 20; ++i) {
    const auto& q = queries[i];
    const std::vector<uint64_t>* filters[] = {nullptr, &narrow, &broad};
    for (const auto* allowed : filters) {
      const auto got = index.Search(q, 10, allowed);
      const auto exact = index.SearchExact(q, 10, allowed);
      ASSERT_EQ(got.size(), 10u);
      EXPECT_GE(Recall(exact, got), 0.8);
      for (const Hit& h : got) EXPECT_NEAR(h.score, Cosine(q, data[h.label]), 1e-5);
    }
  }
}

std::string FileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A load maps the snapshot's f32 rows instead of copying them (a restart reads the file once, for
// its checksum); a row updated after the load lives in this process's private copy of its page,
// never in the snapshot file, and the next snapshot holds it.
TEST_P(CompactStorage, LoadedRowsAreMappedNotCopiedAndUpdatesReachTheNextSnapshot) {
  TempDir dir;
  const int dim = 384;
  auto data = Random(3001, dim, 31);  // 3,001 rows: whole pages mapped, the last partial one copied
  auto fresh = Random(3, dim, 32);
  const std::string path = dir.File("vectors.hnsw");
  {
    VectorIndex index(Opts(dim, GetParam(), dir.path(), false));
    for (uint64_t i = 0; i < data.size(); ++i) index.Upsert(i, data[i]);
    ASSERT_TRUE(index.Save(path, 3).ok());
  }
  const std::string saved = FileBytes(path + ".f32");
  auto loaded = VectorIndex::Load(path, Opts(dim, GetParam(), dir.path(), false), 3);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  VectorIndex& index = **loaded;
  EXPECT_NE(FileBytes("/proc/self/maps").find(path + ".f32"), std::string::npos) << "the rows are not mapped";
  std::vector<float> got;
  for (uint64_t label : {0u, 1500u, 3000u}) {
    ASSERT_TRUE(index.GetVector(label, &got));
    EXPECT_EQ(got, data[label]) << label;
  }
  // Updates of loaded rows (one in the copied last page), and the index grows past its capacity.
  const uint64_t updated[3] = {5, 1500, 3000};
  for (int i = 0; i < 3; ++i) index.Upsert(updated[i], fresh[i]);
  for (uint64_t i = 0; i < 3000; ++i) index.Upsert(100000 + i, data[i]);
  index.Flush();
  EXPECT_EQ(FileBytes(path + ".f32"), saved) << "the snapshot file was written";
  for (int i = 0; i < 3; ++i) {
    const auto hit = index.Search(fresh[i], 1);
    ASSERT_EQ(hit.size(), 1u);
    EXPECT_EQ(hit[0].label, updated[i]);
    EXPECT_EQ(hit[0].score, index.SearchExact(fresh[i], 1)[0].score);
  }
  const std::string next = dir.File("next.hnsw");
  ASSERT_TRUE(index.Save(next, 4).ok());
  auto again = VectorIndex::Load(next, Opts(dim, GetParam(), dir.path(), false), 4);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE((*again)->GetVector(updated[i], &got));
    EXPECT_EQ(got, fresh[i]) << updated[i];
  }
  for (uint64_t label : {6u, 2999u, 100000u + 1499u}) {
    ASSERT_TRUE((*again)->GetVector(label, &got));
    EXPECT_EQ(got, data[label % 100000]) << label;
  }
}

// The f32 vector file is an unlinked temp file in the given directory: nothing is left behind.
TEST_P(CompactStorage, VectorFileLeavesNothingInTheDirectory) {
  TempDir dir;
  {
    VectorIndex index(Opts(16, GetParam(), dir.path(), false));
    auto data = Random(500, 16, 12);
    for (uint64_t i = 0; i < data.size(); ++i) index.Upsert(i, data[i]);
    EXPECT_GT(index.VectorFileBytes(), 0u);
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

}  // namespace
}  // namespace exemplar::index
