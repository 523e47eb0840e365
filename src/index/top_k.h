// TopK: bounded selection of the best (score, label) pairs. Internal to the index library.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "index/vector_index.h"  // Hit

namespace exemplar::index {

// Higher score first; equal scores by smaller label, so every ranking is deterministic.
inline bool Better(const Hit& a, const Hit& b) {
  return a.score != b.score ? a.score > b.score : a.label < b.label;
}

// Keeps the k best hits pushed so far in a heap whose top is the worst kept hit.
class TopK {
 public:
  explicit TopK(size_t k) : k_(k) { heap_.reserve(std::min<size_t>(k, 4096)); }

  // The score a new hit must beat to enter (meaningful only when full()).
  bool full() const { return heap_.size() >= k_; }
  size_t k() const { return k_; }
  const Hit& worst() const { return heap_.front(); }

  void Push(uint64_t label, float score) {
    if (k_ == 0) return;
    const Hit h{label, score};
    if (heap_.size() < k_) {
      heap_.push_back(h);
      std::push_heap(heap_.begin(), heap_.end(), Better);
    } else if (Better(h, heap_.front())) {
      std::pop_heap(heap_.begin(), heap_.end(), Better);
      heap_.back() = h;
      std::push_heap(heap_.begin(), heap_.end(), Better);
    }
  }

  // The kept hits, best first. Leaves the collector empty.
  std::vector<Hit> Take() {
    std::sort(heap_.begin(), heap_.end(), Better);
    return std::move(heap_);
  }

 private:
  size_t k_;
  std::vector<Hit> heap_;  // heap ordered by Better: front() is the worst kept hit
};

}  // namespace exemplar::index
