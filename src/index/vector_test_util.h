// Test helpers shared by the vector index tests (vector_index_test, vector_snapshot_test,
// vector_storage_test): data with neighbourhoods, small index options, a temporary directory and
// file damage. Test-only.
#pragma once

#include <stdlib.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "index/vector_index.h"

namespace exemplar::index::test {

// Low-rank data (a 16-d latent projected to `dim` plus small noise, normalised): a proxy for
// sentence embeddings. Uniform random vectors have no neighbourhoods and make recall meaningless.
inline std::vector<std::vector<float>> LowRank(size_t n, int dim, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> g(0.0f, 1.0f);
  constexpr int kLatent = 16;
  std::vector<float> proj(static_cast<size_t>(dim) * kLatent);
  for (float& x : proj) x = g(rng);
  std::vector<std::vector<float>> out(n, std::vector<float>(dim));
  for (auto& v : out) {
    float z[kLatent];
    for (float& x : z) x = g(rng);
    double norm = 0;
    for (int d = 0; d < dim; ++d) {
      float s = 0;
      for (int j = 0; j < kLatent; ++j) s += proj[d * kLatent + j] * z[j];
      v[d] = s + 0.05f * std::sqrt(static_cast<float>(kLatent)) * g(rng);
      norm += static_cast<double>(v[d]) * v[d];
    }
    for (float& x : v) x = static_cast<float>(x / std::sqrt(norm));
  }
  return out;
}

inline std::vector<uint64_t> Labels(const std::vector<Hit>& hits) {
  std::vector<uint64_t> out;
  for (const auto& h : hits) out.push_back(h.label);
  return out;
}

// Options of a small index: ef 64, and a capacity of 256 that forces several resizes.
inline VectorIndexOptions Opts(int dim, bool background) {
  VectorIndexOptions o;
  o.dim = dim;
  o.m = 16;
  o.ef_construction = 100;
  o.ef_search = 64;
  o.initial_capacity = 256;  // forces several resizes
  o.background_insert = background;
  return o;
}

class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "vector_index_test") {
    std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline void Truncate(const std::string& path, uintmax_t size) { std::filesystem::resize_file(path, size); }

inline void FlipByte(const std::string& path, uintmax_t offset) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(offset));
  char c = 0;
  f.read(&c, 1);
  c = static_cast<char>(c ^ 0x5A);
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(&c, 1);
}

}  // namespace exemplar::index::test
