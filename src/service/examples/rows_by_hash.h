// RowsByHash: row ids under a 64-bit hash of something each row holds (its example id, its
// normalised input), several rows to a hash allowed: an open-addressing table of (hash, row)
// slots with linear probing, 16 bytes a slot and between 3/8 and 3/4 full. The catalog keeps one
// entry per example, so what it spends per entry is what it costs at a million examples:
// std::unordered_map's nodes took 40–120 bytes a row here. Erasing shifts the following slots back
// (no tombstones). Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace exemplar::service {

class RowsByHash {
 public:
  // REQUIRES: row != INT64_MIN. Inserting a (hash, row) pair twice keeps both.
  void Insert(uint64_t hash, int64_t row);
  bool Erase(uint64_t hash, int64_t row);  // one (hash, row) pair; false when absent
  // f(row) for every row inserted under `hash`, in no particular order. f must not modify the table.
  template <typename F>
  void ForEach(uint64_t hash, F&& f) const {
    if (slots_.empty()) return;
    const size_t mask = slots_.size() - 1;
    for (size_t i = Home(hash); slots_[i].row != kEmpty; i = (i + 1) & mask) {
      if (slots_[i].hash == hash) f(slots_[i].row);
    }
  }
  void Reserve(size_t rows);
  void Clear();
  size_t size() const { return size_; }
  size_t MemoryBytes() const { return slots_.capacity() * sizeof(Slot); }

 private:
  static constexpr int64_t kEmpty = INT64_MIN;
  struct Slot {
    uint64_t hash = 0;
    int64_t row = kEmpty;
  };
  size_t Home(uint64_t hash) const { return static_cast<size_t>((hash * 0x9E3779B97F4A7C15ULL) >> shift_); }
  void Grow(size_t slots);  // rehashes into `slots` (a power of two)

  std::vector<Slot> slots_;
  size_t size_ = 0;
  int shift_ = 64;  // 64 − log2(slots)
};

}  // namespace exemplar::service
