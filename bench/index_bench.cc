// Retrieval-core micro benchmarks. The headline ratio is BM_VectorIndexSearch against
// BM_RawHnswlibSearch: the same graph (loaded from VectorIndex's own snapshot), the same ef and k,
// in the same process; the recall counters compare against the exact scan.
#include <benchmark/benchmark.h>
#include <hnswlib/hnswlib.h>
#include <stdlib.h>

#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <memory>
#include <random>
#include <set>
#include <span>
#include <thread>
#include <chrono>

#include "common/time.h"
#include "embed/hash_embedder.h"
#include "index/keyword_index.h"
#include "index/vector_index.h"

namespace exemplar {
namespace {

constexpr int kDim = 384;
constexpr size_t kVectors = 20000;
constexpr size_t kQueries = 256;
constexpr size_t kK = 10;
constexpr int kEf = 128;

// Low-rank data: a 32-d latent projected to 384-d plus noise 0.05, normalised (a proxy for
// sentence embeddings; see reference/stack.md §4).
std::vector<std::vector<float>> LowRank(size_t n, uint32_t seed) {
  static const std::vector<float> proj = [] {
    std::mt19937 rng(7);
    std::normal_distribution<float> g;
    std::vector<float> p(kDim * 32);
    for (float& x : p) x = g(rng) / std::sqrt(32.0f);
    return p;
  }();
  std::mt19937 rng(seed);
  std::normal_distribution<float> g;
  std::vector<std::vector<float>> out(n, std::vector<float>(kDim));
  for (auto& v : out) {
    float z[32];
    for (float& x : z) x = g(rng);
    double norm = 0;
    for (int d = 0; d < kDim; ++d) {
      float s = 0;
      for (int j = 0; j < 32; ++j) s += proj[d * 32 + j] * z[j];
      v[d] = s + 0.05f * g(rng);
      norm += static_cast<double>(v[d]) * v[d];
    }
    for (float& x : v) x = static_cast<float>(x / std::sqrt(norm));
  }
  return out;
}

struct VectorFixture {
  VectorFixture() : queries(LowRank(kQueries, 2)) {
    auto data = LowRank(kVectors, 1);
    index::VectorIndexOptions o;
    o.dim = kDim;
    o.ef_search = kEf;
    o.background_insert = false;
    index = std::make_unique<index::VectorIndex>(o);
    for (uint64_t i = 0; i < data.size(); ++i) index->Upsert(i, data[i]);
    // The raw baseline loads the very graph VectorIndex built, from its snapshot.
    std::string dir_template = (std::filesystem::temp_directory_path() / "index_bench-XXXXXX").string();
    const std::string dir = mkdtemp(dir_template.data());
    const std::string path = dir + "/vectors";
    if (!index->Save(path, 0).ok()) std::abort();
    raw = std::make_unique<hnswlib::HierarchicalNSW<float>>(&space, path + ".graph", false, kVectors);
    raw->setEf(kEf);
    raw->num_deleted_ = 0;  // hnswlib's loading constructor leaves it uninitialised
    raw->metric_hops = 0;
    raw->metric_distance_computations = 0;
    std::filesystem::remove_all(dir);
    for (const auto& q : queries) truth.push_back(index->SearchExact(q, kK));
    for (uint64_t i = 0; i < kVectors; i += 100) allowed_1pct.push_back(i);
    for (uint64_t i = 0; i < kVectors; i += 4) allowed_25pct.push_back(i);
  }
  double Recall(const std::vector<std::vector<uint64_t>>& got) const {
    double sum = 0;
    for (size_t q = 0; q < got.size(); ++q) {
      std::set<uint64_t> t;
      for (const auto& h : truth[q]) t.insert(h.label);
      size_t hit = 0;
      for (uint64_t l : got[q]) hit += t.count(l);
      sum += static_cast<double>(hit) / static_cast<double>(t.size());
    }
    return sum / static_cast<double>(got.size());
  }

  hnswlib::InnerProductSpace space{kDim};
  std::vector<std::vector<float>> queries;
  std::unique_ptr<index::VectorIndex> index;
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> raw;
  std::vector<std::vector<index::Hit>> truth;
  std::vector<uint64_t> allowed_1pct;   // exact scan of the allowed labels
  std::vector<uint64_t> allowed_25pct;  // HNSW with oversampling
};

VectorFixture& Vectors() {
  static VectorFixture f;
  return f;
}

void BM_VectorIndexSearch(benchmark::State& state) {
  auto& f = Vectors();
  size_t q = 0;
  for (auto _ : state) {
    auto hits = f.index->Search(f.queries[q++ % kQueries], kK);
    benchmark::DoNotOptimize(hits.data());
  }
  std::vector<std::vector<uint64_t>> got;
  for (const auto& query : f.queries) {
    got.emplace_back();
    for (const auto& h : f.index->Search(query, kK)) got.back().push_back(h.label);
  }
  state.counters["recall@10"] = f.Recall(got);
  state.counters["bytes/vector"] = static_cast<double>(f.index->MemoryBytes()) / static_cast<double>(kVectors);
}
BENCHMARK(BM_VectorIndexSearch);

void BM_RawHnswlibSearch(benchmark::State& state) {
  auto& f = Vectors();
  size_t q = 0;
  std::vector<std::pair<float, size_t>> hits;
  for (auto _ : state) {
    auto found = f.raw->searchKnn(f.queries[q++ % kQueries].data(), kK);
    hits.clear();
    for (; !found.empty(); found.pop()) hits.push_back({1.0f - found.top().first, found.top().second});
    benchmark::DoNotOptimize(hits.data());
  }
  std::vector<std::vector<uint64_t>> got;
  for (const auto& query : f.queries) {
    got.emplace_back();
    for (auto found = f.raw->searchKnn(query.data(), kK); !found.empty(); found.pop()) {
      got.back().push_back(found.top().second);
    }
  }
  state.counters["recall@10"] = f.Recall(got);
}
BENCHMARK(BM_RawHnswlibSearch);

void BM_VectorIndexSearchExact(benchmark::State& state) {
  auto& f = Vectors();
  size_t q = 0;
  for (auto _ : state) {
    auto hits = f.index->SearchExact(f.queries[q++ % kQueries], kK);
    benchmark::DoNotOptimize(hits.data());
  }
}
BENCHMARK(BM_VectorIndexSearchExact)->Unit(benchmark::kMillisecond);

void FilteredSearch(benchmark::State& state, const std::vector<uint64_t>& allowed) {
  auto& f = Vectors();
  size_t q = 0;
  for (auto _ : state) {
    auto hits = f.index->Search(f.queries[q++ % kQueries], kK, &allowed);
    if (hits.size() != kK) state.SkipWithError("filtered search came back short");
    benchmark::DoNotOptimize(hits.data());
  }
  double recall = 0;
  for (const auto& query : f.queries) {
    std::set<uint64_t> truth;
    for (const auto& h : f.index->SearchExact(query, kK, &allowed)) truth.insert(h.label);
    size_t hit = 0;
    for (const auto& h : f.index->Search(query, kK, &allowed)) hit += truth.count(h.label);
    recall += static_cast<double>(hit) / static_cast<double>(truth.size());
  }
  state.counters["recall@10"] = recall / static_cast<double>(kQueries);
}

void BM_VectorIndexSearchFiltered1Pct(benchmark::State& state) { FilteredSearch(state, Vectors().allowed_1pct); }
BENCHMARK(BM_VectorIndexSearchFiltered1Pct);

void BM_VectorIndexSearchFiltered25Pct(benchmark::State& state) { FilteredSearch(state, Vectors().allowed_25pct); }
BENCHMARK(BM_VectorIndexSearchFiltered25Pct);

// Graph construction: 10,000 vectors written in batches of 1,000 (as the batch API does) into an
// index with graph insertion paused, then timed from resuming it until the graph holds them all.
// Arg = inserter threads (VectorIndexOptions::insert_threads); the benchmark thread only waits
// (polling), so /1 is one thread inserting and /2 two at once. (Flush would insert on the caller
// too, which made /1 two inserters.) items_per_second is the drain rate.
void BM_VectorIndexBuild(benchmark::State& state) {
  static const auto data = LowRank(10000, 5);
  for (auto _ : state) {
    state.PauseTiming();
    index::VectorIndexOptions o;
    o.dim = kDim;
    o.ef_construction = 100;  // the server's default
    o.insert_threads = static_cast<int>(state.range(0));
    auto vi = std::make_unique<index::VectorIndex>(o);
    vi->PauseBackgroundInsert(true);
    for (size_t b = 0; b < data.size(); b += 1000) {
      std::vector<std::pair<uint64_t, std::span<const float>>> batch;
      for (size_t i = b; i < b + 1000; ++i) batch.emplace_back(i, data[i]);
      vi->UpsertBatch(batch);
    }
    state.ResumeTiming();
    vi->PauseBackgroundInsert(false);
    while (vi->pending() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    state.PauseTiming();
    vi.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(data.size()));
}
BENCHMARK(BM_VectorIndexBuild)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(2);

// Timestamp formatting of search hits: FormatRfc3339 against the gmtime_r + snprintf it replaced.
std::string FormatWithSnprintf(int64_t millis) {
  std::time_t secs = static_cast<std::time_t>(millis / 1000);
  int ms = static_cast<int>(millis % 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
  return buf;
}

void BM_FormatRfc3339(benchmark::State& state) {
  int64_t t = 1'795'000'000'123;
  for (auto _ : state) {
    auto s = state.range(0) ? FormatRfc3339(t) : FormatWithSnprintf(t);
    benchmark::DoNotOptimize(s.data());
    t += 86'399'937;
  }
}
BENCHMARK(BM_FormatRfc3339)->Arg(0)->Arg(1)->ArgName("digits");

void BM_HashEmbedderShortText(benchmark::State& state) {
  embed::HashEmbedder embedder(kDim);
  const std::vector<std::string> texts = {
      "How do I reset my password after the account was locked?",
      "Summarise the customer's complaint about a late delivery in one sentence.",
      "Translate 'good morning' into French and Spanish.",
      "Classify the sentiment of: the product broke after two days."};
  size_t i = 0;
  for (auto _ : state) {
    auto v = embedder.Compute(texts[i++ % texts.size()]);
    benchmark::DoNotOptimize(v.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HashEmbedderShortText);

// 20k documents of ~60 Zipf-distributed words from a 20k-word vocabulary.
struct KeywordFixture {
  KeywordFixture() {
    std::mt19937 rng(3);
    std::vector<double> weights(20000);
    for (size_t i = 0; i < weights.size(); ++i) weights[i] = 1.0 / static_cast<double>(i + 1);
    std::discrete_distribution<size_t> zipf(weights.begin(), weights.end());
    for (uint64_t d = 0; d < 20000; ++d) {
      std::string text;
      for (int w = 0; w < 60; ++w) {
        text += 'w';
        text += std::to_string(zipf(rng));
        text += ' ';
      }
      index.Upsert(d, text);
    }
    queries = {"w5000 w120", "w40 w900 w7000", "w2 w3000", "w15000", "w1 w2 w77"};
  }
  index::KeywordIndex index;
  std::vector<std::string> queries;
};

void BM_KeywordIndexBm25Query(benchmark::State& state) {
  static KeywordFixture f;
  size_t q = 0;
  for (auto _ : state) {
    auto hits = f.index.Search(f.queries[q++ % f.queries.size()], kK);
    benchmark::DoNotOptimize(hits.data());
  }
}
BENCHMARK(BM_KeywordIndexBm25Query);

}  // namespace
}  // namespace exemplar

BENCHMARK_MAIN();
