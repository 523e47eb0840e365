// `exemplar bench --export-dataset DIR`: writes the synthetic corpus and queries `exemplar bench`
// measures (same BenchCorpus seed, same hash embedder), L2-normalised vectors and the exact
// cosine top-10 of every query, so peers (bench/peers/) search the same data. Format: bench/README.md.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "cli/bench_corpus.h"
#include "cli/commands.h"
#include "cli/runtime.h"
#include "index/text.h"

namespace exemplar::cli {
namespace {

void Normalise(std::vector<float>& v) {
  double s = 0;
  for (float x : v) s += double{x} * x;
  if (s <= 0) return;
  const float inv = static_cast<float>(1.0 / std::sqrt(s));
  for (float& x : v) x *= inv;
}

bool WriteRaw(const std::filesystem::path& p, const void* data, size_t bytes) {
  std::ofstream f(p, std::ios::binary);
  f.write(static_cast<const char*>(data), static_cast<std::streamsize>(bytes));
  return static_cast<bool>(f);
}

}  // namespace

int ExportBenchDataset(const Config& base, const BenchOptions& opt, const std::string& out_dir) {
  Config config = base;
  config.embedder = "hash";  // what `exemplar bench` measures
  auto emb_or = MakeEmbedder(config);
  if (!emb_or.ok()) {
    std::cerr << "bench: " << emb_or.status().message() << "\n";
    return 1;
  }
  auto embedder = std::move(emb_or).value();
  const int dim = embedder->dim();
  const int64_t n = opt.n;
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec) {
    std::cerr << "bench: cannot create " << out_dir << ": " << ec.message() << "\n";
    return 1;
  }
  const fs::path dir(out_dir);
  BenchCorpus corpus;
  std::cerr << "bench: exporting " << n << " examples and " << opt.queries << " queries to " << out_dir << "\n";

  std::vector<float> vectors(static_cast<size_t>(n) * dim);
  {
    std::ofstream ex(dir / "examples.jsonl");
    for (int64_t i = 0; i < n; ++i) {
      Json body = corpus.Example(i);
      auto v = embedder->Embed(index::FlattenJson(body["input"]));
      if (!v.ok() || static_cast<int>(v->size()) != dim) {
        std::cerr << "bench: embedding failed\n";
        return 1;
      }
      Normalise(*v);
      std::copy(v->begin(), v->end(), vectors.begin() + i * dim);
      ex << body.dump() << "\n";
    }
    if (!ex) return 1;
  }
  // Queries: the same sequence `exemplar bench` draws (Example() does not touch the query stream).
  std::vector<float> queries(static_cast<size_t>(opt.queries) * dim);
  {
    std::ofstream qt(dir / "queries.jsonl");
    for (int q = 0; q < opt.queries; ++q) {
      std::string text = corpus.Query();
      auto v = embedder->Embed(text);
      if (!v.ok()) return 1;
      Normalise(*v);
      std::copy(v->begin(), v->end(), queries.begin() + static_cast<size_t>(q) * dim);
      qt << Json(text).dump() << "\n";
    }
  }
  // Exact top-10 by inner product (cosine: all vectors are unit length), ties by lower row.
  constexpr int kK = 10;
  std::vector<int32_t> truth(static_cast<size_t>(opt.queries) * kK, -1);
  auto worker = [&](int part, int parts) {
    std::vector<std::pair<float, int32_t>> top;
    for (int q = part; q < opt.queries; q += parts) {
      const float* qv = &queries[static_cast<size_t>(q) * dim];
      top.clear();
      for (int64_t i = 0; i < n; ++i) {
        const float* v = &vectors[static_cast<size_t>(i) * dim];
        float s = 0;
        for (int d = 0; d < dim; ++d) s += qv[d] * v[d];
        if (top.size() < kK || s > top.front().first) {
          auto cmp = [](const auto& a, const auto& b) { return a.first > b.first; };  // min-heap
          top.emplace_back(s, static_cast<int32_t>(i));
          std::push_heap(top.begin(), top.end(), cmp);
          if (top.size() > kK) {
            std::pop_heap(top.begin(), top.end(), cmp);
            top.pop_back();
          }
        }
      }
      std::sort(top.begin(), top.end(), [](const auto& a, const auto& b) {
        return a.first != b.first ? a.first > b.first : a.second < b.second;
      });
      for (size_t j = 0; j < top.size(); ++j) truth[static_cast<size_t>(q) * kK + j] = top[j].second;
    }
  };
  const int parts = std::max(1u, std::min(4u, std::thread::hardware_concurrency()));
  std::vector<std::thread> threads;
  for (int p = 0; p < parts; ++p) threads.emplace_back(worker, p, parts);
  for (auto& t : threads) t.join();

  bool ok = WriteRaw(dir / "vectors.f32", vectors.data(), vectors.size() * sizeof(float)) &&
            WriteRaw(dir / "queries.f32", queries.data(), queries.size() * sizeof(float)) &&
            WriteRaw(dir / "groundtruth.i32", truth.data(), truth.size() * sizeof(int32_t));
  Json meta = {{"format", "exemplar-bench-dataset/1"},
               {"n", n},
               {"dim", dim},
               {"queries", opt.queries},
               {"k", kK},
               {"metric", "cosine (vectors L2-normalised: inner product)"},
               {"embedder", "hash"},
               {"files",
                {{"vectors.f32", "n x dim little-endian float32, row i = line i of examples.jsonl"},
                 {"examples.jsonl", "one example create body per line (POST /api/v1/examples/batch)"},
                 {"queries.f32", "queries x dim little-endian float32"},
                 {"queries.jsonl", "one JSON string per line: the query text"},
                 {"groundtruth.i32", "queries x k little-endian int32 row indices, exact top-k, best first"}}}};
  std::ofstream(dir / "meta.json") << meta.dump(2) << "\n";
  if (!ok) {
    std::cerr << "bench: writing " << out_dir << " failed\n";
    return 1;
  }
  std::cout << "exported " << n << " x " << dim << " vectors and " << opt.queries << " queries to " << out_dir
            << "\n";
  return 0;
}

}  // namespace exemplar::cli
