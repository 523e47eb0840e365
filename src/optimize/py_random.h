// PyRandom: Python 3.11's random.Random (MT19937 seeded with init_by_array) for the calls DSPy's
// optimizers make, so that demo sampling and shuffling pick the same examples as DSPy given the
// same trainset order: Random(0).sample(trainset, k), Random(seed).shuffle(...),
// randint(a, b), choice(seq), random().
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace exemplar::optimize {

class PyRandom {
 public:
  // random.Random(seed) for an int seed (Python seeds with abs(seed)).
  explicit PyRandom(int64_t seed);

  uint32_t GenRandUint32();
  // getrandbits(k), 0 <= k <= 64.
  uint64_t GetRandBits(int k);
  // _randbelow(n): uniform in [0, n); 0 when n <= 0.
  uint64_t RandBelow(uint64_t n);
  // random(): uniform in [0, 1) with 53 bits.
  double Random();
  // randint(a, b), inclusive.
  int64_t RandInt(int64_t a, int64_t b) { return a + static_cast<int64_t>(RandBelow(b - a + 1)); }

  template <typename T>
  void Shuffle(std::vector<T>& x) {
    for (size_t i = x.size(); i-- > 1;) {
      size_t j = RandBelow(i + 1);
      std::swap(x[i], x[j]);
    }
  }

  // sample(range(n), k): the selected indices in selection order. REQUIRES: k <= n.
  std::vector<size_t> SampleIndices(size_t n, size_t k);

  template <typename T>
  std::vector<T> Sample(const std::vector<T>& population, size_t k) {
    std::vector<T> out;
    for (size_t i : SampleIndices(population.size(), k)) out.push_back(population[i]);
    return out;
  }

  // choice(seq): an index into a sequence of length n.
  size_t ChoiceIndex(size_t n) { return RandBelow(n); }

 private:
  static constexpr int kN = 624;
  void InitGenRand(uint32_t s);
  std::array<uint32_t, kN> mt_{};
  int mti_ = kN + 1;
};

}  // namespace exemplar::optimize
