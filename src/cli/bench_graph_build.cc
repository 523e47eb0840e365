#include "cli/bench_graph_build.h"

#include <time.h>

#include <algorithm>
#include <chrono>
#include <span>
#include <thread>
#include <utility>
#include <vector>

#include "cli/bench_corpus.h"
#include "index/text.h"

namespace exemplar::cli {
namespace {

double ProcessCpuSeconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct Drain {
  double wall_s = 0;
  double cpu_s = 0;
};

// Upserts `vectors` (batches of 1,000) with graph insertion paused, then resumes it and waits
// (polling, inserting nothing itself) until the graph holds them all.
Drain TimeDrain(index::VectorIndexOptions o, int threads, const std::vector<std::vector<float>>& vectors) {
  o.insert_threads = threads;
  o.background_insert = true;
  o.vector_file_dir.clear();  // f16 / int8: anonymous memory
  index::VectorIndex vi(o);
  vi.PauseBackgroundInsert(true);
  std::vector<std::pair<uint64_t, std::span<const float>>> batch;
  for (size_t b = 0; b < vectors.size(); b += 1000) {
    batch.clear();
    for (size_t i = b; i < std::min(vectors.size(), b + 1000); ++i) batch.emplace_back(i, vectors[i]);
    vi.UpsertBatch(batch);
  }
  const auto start = std::chrono::steady_clock::now();
  const double cpu0 = ProcessCpuSeconds();
  vi.PauseBackgroundInsert(false);
  while (vi.pending() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return {std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
          ProcessCpuSeconds() - cpu0};
}

}  // namespace

Json MeasureGraphBuild(embed::Embedder& embedder, const index::VectorIndexOptions& shape, int64_t n) {
  BenchCorpus corpus;
  std::vector<std::vector<float>> vectors;
  for (int64_t i = 0; i < n; ++i) {
    auto v = embedder.Embed(index::FlattenJson(corpus.Example(i)["input"]));
    if (v.ok() && static_cast<int>(v->size()) == shape.dim) vectors.push_back(std::move(*v));
  }
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const Drain one = TimeDrain(shape, 1, vectors);
  const Drain all = TimeDrain(shape, cores, vectors);
  const double count = static_cast<double>(vectors.size());
  const double one_rate = count / std::max(1e-9, one.wall_s);
  const double all_rate = count / std::max(1e-9, all.wall_s);
  return {{"graph_build_n", count},
          {"graph_drain_1_thread_per_s", one_rate},
          {"graph_drain_all_threads_per_s", all_rate},
          {"graph_drain_threads", cores},
          {"graph_drain_ratio", all_rate / std::max(1e-9, one_rate)},
          {"graph_drain_cpu_ratio", all.cpu_s / std::max(1e-9, one.cpu_s)}};
}

}  // namespace exemplar::cli
