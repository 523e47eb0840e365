// Vector index alone, on the dataset `exemplar bench --export-dataset DIR` writes (the bench's own
// vectors and queries, with their exact top-10), so a million-vector figure needs no full bench run.
//
//   vector_bench --dataset DIR [--snapshot PATH] [--ef 128,192,256] [--build-ab N] [--rounds R]
//                [--storage f32,f16,int8] [--rerank F] [--rows-dir DIR]
//
// --rerank F: f16 / int8 re-rank F × k candidates exactly (VectorIndexOptions::rerank_factor).
// --rows-dir DIR: f16 / int8 keep the f32 rows in a file there and re-rank with pread, as the
// server does (its data dir); without it they stay in anonymous memory.
//
// 1. Graph build (--build-ab N, default min(n, 20000); 0 skips): the first N vectors upserted into
//    a fresh index with graph insertion paused, then the time until the graph holds them all, with
//    1 inserter thread and with one per core (the caller only waits). Prints both drain rates and
//    their ratio.
// 2. The whole index: loaded from --snapshot PATH when that exists, else built (one inserter per
//    core) and saved there (or to a temp dir). Prints the build time.
// 3. Per ef: the snapshot loaded with that ef_search, one untimed pass over the queries, then
//    R rounds, each a pass over all queries by VectorIndex::Search and one by raw hnswlib on the
//    same graph (VectorIndex::SearchRaw), which pass goes first alternating by round: p50 of both,
//    their ratio, and recall@10 of both against the exact top-10.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <span>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "index/vector_index.h"

namespace {

using Clock = std::chrono::steady_clock;
using exemplar::index::VectorIndex;
using exemplar::index::VectorIndexOptions;
using exemplar::index::VectorStorage;
using exemplar::index::VectorStorageName;

struct Dataset {
  size_t n = 0, dim = 0, queries = 0, k = 0;
  const float* vectors = nullptr;  // mapped vectors.f32
  std::vector<float> query_vectors;
  std::vector<int32_t> truth;
  std::span<const float> Vector(size_t i) const { return {vectors + i * dim, dim}; }
  std::span<const float> Query(size_t q) const { return {query_vectors.data() + q * dim, dim}; }
};

template <typename T>
std::vector<T> ReadAll(const std::string& path) {
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  if (!f) {
    std::cerr << "cannot read " << path << "\n";
    std::exit(1);
  }
  std::vector<T> out(static_cast<size_t>(f.tellg()) / sizeof(T));
  f.seekg(0);
  f.read(reinterpret_cast<char*>(out.data()), static_cast<std::streamsize>(out.size() * sizeof(T)));
  return out;
}

Dataset LoadDataset(const std::string& dir) {
  Dataset d;
  std::ifstream meta_file(dir + "/meta.json");
  const auto meta = nlohmann::json::parse(meta_file);
  d.n = meta["n"];
  d.dim = meta["dim"];
  d.queries = meta["queries"];
  d.k = meta["k"];
  const int fd = ::open((dir + "/vectors.f32").c_str(), O_RDONLY);
  struct stat st {};
  if (fd < 0 || ::fstat(fd, &st) != 0 || static_cast<size_t>(st.st_size) != d.n * d.dim * sizeof(float)) {
    std::cerr << "bad " << dir << "/vectors.f32\n";
    std::exit(1);
  }
  void* p = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (p == MAP_FAILED) std::exit(1);
  d.vectors = static_cast<const float*>(p);
  d.query_vectors = ReadAll<float>(dir + "/queries.f32");
  d.truth = ReadAll<int32_t>(dir + "/groundtruth.i32");
  return d;
}

double ProcessCpuSeconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// --rerank and --rows-dir: the search options the whole run shares.
size_t g_rerank_factor = VectorIndexOptions{}.rerank_factor;
std::string g_rows_dir;

VectorIndexOptions Options(const Dataset& d, int ef, int insert_threads,
                           VectorStorage storage = VectorStorage::kF32) {
  VectorIndexOptions o;
  o.storage = storage;
  o.rerank_factor = g_rerank_factor;
  o.vector_file_dir = g_rows_dir;
  o.dim = static_cast<int>(d.dim);
  o.m = 16;
  o.ef_construction = 100;  // the server's default (hnsw_ef_construction)
  o.ef_search = ef;
  o.insert_threads = insert_threads;
  o.initial_capacity = 1024;
  return o;
}

// Upserts rows [0, n) (batches of 1,000, as the batch API writes) with graph insertion paused,
// then resumes it and returns the seconds until the graph holds every vector. The caller only
// waits (polling), so `threads` is the number of threads inserting. *cpu_s: the process's CPU
// seconds meanwhile (on a busy machine the wall-clock ratio also reflects the CPU share each got).
double BuildSeconds(VectorIndex& vi, const Dataset& d, size_t n, double* cpu_s = nullptr) {
  vi.PauseBackgroundInsert(true);
  std::vector<std::pair<uint64_t, std::span<const float>>> batch;
  for (size_t b = 0; b < n; b += 1000) {
    batch.clear();
    for (size_t i = b; i < std::min(n, b + 1000); ++i) batch.emplace_back(i, d.Vector(i));
    vi.UpsertBatch(batch);
  }
  const auto start = Clock::now();
  const double cpu0 = ProcessCpuSeconds();
  vi.PauseBackgroundInsert(false);
  while (vi.pending() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  if (cpu_s) *cpu_s = ProcessCpuSeconds() - cpu0;
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double RecallOf(const Dataset& d, size_t q, const std::vector<uint64_t>& got) {
  std::set<uint64_t> truth(d.truth.begin() + static_cast<std::ptrdiff_t>(q * d.k),
                           d.truth.begin() + static_cast<std::ptrdiff_t>((q + 1) * d.k));
  size_t hit = 0;
  for (uint64_t l : got) hit += truth.count(l);
  return static_cast<double>(hit) / static_cast<double>(d.k);
}

std::vector<int> ParseInts(const std::string& s) {
  std::vector<int> out;
  std::stringstream in(s);
  for (std::string part; std::getline(in, part, ',');) out.push_back(std::stoi(part));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dataset_dir, snapshot;
  std::vector<int> efs = {128};
  long build_ab = -1;
  int rounds = 4;
  std::vector<VectorStorage> storages = {VectorStorage::kF32};
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--dataset") dataset_dir = value;
    else if (flag == "--snapshot") snapshot = value;
    else if (flag == "--ef") efs = ParseInts(value);
    else if (flag == "--build-ab") build_ab = std::stol(value);
    else if (flag == "--rounds") rounds = std::stoi(value);
    else if (flag == "--rerank") g_rerank_factor = static_cast<size_t>(std::stoul(value));
    else if (flag == "--rows-dir") g_rows_dir = value;
    else if (flag == "--storage") {
      storages.clear();
      std::stringstream in(value);
      for (std::string part; std::getline(in, part, ',');) {
        const auto s = exemplar::index::ParseVectorStorage(part);
        if (!s) {
          std::cerr << "unknown storage " << part << " (f32, f16, int8)\n";
          return 2;
        }
        storages.push_back(*s);
      }
    } else {
      std::cerr << "unknown flag " << flag << "\n";
      return 2;
    }
  }
  if (dataset_dir.empty()) {
    std::cerr << "usage: vector_bench --dataset DIR [--snapshot PATH] [--ef 128,256] [--build-ab N] [--rounds R] [--storage f32,f16,int8]"
                 " [--rerank F] [--rows-dir DIR]\n";
    return 2;
  }
  const Dataset d = LoadDataset(dataset_dir);
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::printf("dataset %s: n %zu, dim %zu, queries %zu, cores %d\n", dataset_dir.c_str(), d.n, d.dim, d.queries, cores);

  // ---- 1. Graph build: one inserter thread vs one per core ----
  const size_t ab_n = build_ab < 0 ? std::min<size_t>(d.n, 20000) : static_cast<size_t>(build_ab);
  if (ab_n > 0) {
    double rate[2], cpu[2];
    const int threads[2] = {1, cores};
    for (int t = 0; t < 2; ++t) {
      VectorIndex vi(Options(d, 128, threads[t]));
      const double wall = BuildSeconds(vi, d, ab_n, &cpu[t]);
      rate[t] = static_cast<double>(ab_n) / wall;
      std::printf("graph_drain_per_s threads=%d  %.0f  (%zu vectors, %.2f s wall, %.2f CPU-s, %.1f ms CPU per 100)\n",
                  threads[t], rate[t], ab_n, wall, cpu[t], cpu[t] * 1e5 / static_cast<double>(ab_n));
    }
    std::printf("graph_drain_ratio (%d threads / 1)  %.2f   CPU per vector ratio %.2f\n", cores, rate[1] / rate[0],
                cpu[1] / cpu[0]);
  }

  // ---- 2. The whole index ----
  std::filesystem::path tmp;
  if (snapshot.empty()) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "vector_bench-XXXXXX").string();
    tmp = ::mkdtemp(tmpl.data());
    snapshot = (tmp / "vectors").string();
  }
  for (const VectorStorage storage : storages) {
    // f32 keeps the given path (snapshots of earlier runs stay usable); compact modes get a suffix.
    const std::string snap = storage == VectorStorage::kF32 ? snapshot : snapshot + "." + VectorStorageName(storage);
    if (!std::filesystem::exists(snap)) {
      std::filesystem::create_directories(std::filesystem::path(snap).parent_path());
      VectorIndex vi(Options(d, 128, cores, storage));
      const auto t0 = Clock::now();
      const double drain = BuildSeconds(vi, d, d.n);
      std::printf("build %zu vectors (%s): %.1f s (graph drain %.1f s, %.0f/s, %d threads)\n", d.n,
                  VectorStorageName(storage),
                  std::chrono::duration<double>(Clock::now() - t0).count(), drain, static_cast<double>(d.n) / drain,
                  cores);
      if (auto st = vi.Save(snap, 0); !st.ok()) {
        std::cerr << "save: " << st.message() << "\n";
        return 1;
      }
    }

    // ---- 3. Search per ef: ours vs raw hnswlib, alternating per query ----
    for (int ef : efs) {
      const auto t0 = Clock::now();
      auto loaded = VectorIndex::Load(snap, Options(d, ef, cores, storage), 0);
      if (!loaded.ok()) {
        std::cerr << "load: " << loaded.status().message() << "\n";
        return 1;
      }
      const double load_s = std::chrono::duration<double>(Clock::now() - t0).count();
      const VectorIndex& vi = **loaded;
      for (size_t q = 0; q < d.queries; ++q) vi.Search(d.Query(q), d.k);  // warm-up, untimed
      std::this_thread::sleep_for(std::chrono::milliseconds(500 + static_cast<int>(d.n / 1000)));  // huge-page move
      std::vector<double> ours, raw;
      double recall_ours = 0, recall_raw = 0;
      for (int r = 0; r < rounds; ++r) {
        for (int pass = 0; pass < 2; ++pass) {
          const bool ours_pass = (pass == 0) == (r % 2 == 0);  // ours first in even rounds, raw first in odd
          for (size_t q = 0; q < d.queries; ++q) {
            std::vector<uint64_t> got;
            const auto s = Clock::now();
            if (ours_pass) {
              for (const auto& h : vi.Search(d.Query(q), d.k)) got.push_back(h.label);
            } else {
              got = vi.SearchRaw(d.Query(q), d.k);
            }
            (ours_pass ? ours : raw).push_back(Ms(Clock::now() - s));
            if (r == 0) (ours_pass ? recall_ours : recall_raw) += RecallOf(d, q, got);
          }
        }
      }
      const double p50 = Percentile(ours, 0.5), raw_p50 = Percentile(raw, 0.5);
      std::printf(
          "%s ef %4d (searched at %zu, re-rank %zu x k): vector_p50_ms %.4f  raw_hnswlib_p50_ms %.4f  ratio %.3f  p99 %.3f / %.3f  recall@10 %.4f (raw %.4f)"
          "  [load %.2f s, %zu searches each]\n",
          VectorStorageName(storage), ef, vi.search_ef(), g_rerank_factor, p50, raw_p50, p50 / raw_p50, Percentile(ours, 0.99), Percentile(raw, 0.99),
          recall_ours / static_cast<double>(d.queries), recall_raw / static_cast<double>(d.queries), load_s,
          ours.size());
      std::fflush(stdout);
    }
  }
  if (!tmp.empty()) std::filesystem::remove_all(tmp);
  return 0;
}
