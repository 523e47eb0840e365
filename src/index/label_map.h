// LabelMap: label (uint64) → internal id (uint32), an open-addressing hash table with linear
// probing. 12 bytes a slot, the table between 3/8 and 3/4 full (16–32 bytes a label), against
// about 56 for std::unordered_map's separately allocated nodes and buckets: the map from label to document
// is one of the few per-example structures an index holds. Erasing shifts the following entries
// back (no tombstones), so lookups never slow down with churn. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace exemplar::index {

class LabelMap {
 public:
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // The id of `label`, or nullptr when absent. Valid until the next insertion or erasure.
  const uint32_t* Find(uint64_t label) const;
  uint32_t* Find(uint64_t label);
  // Inserts label → id; false (and the map unchanged) when label is present.
  bool Insert(uint64_t label, uint32_t id);
  void Set(uint64_t label, uint32_t id);  // inserts or overwrites
  bool Erase(uint64_t label);             // false when absent
  void Reserve(size_t labels);            // room for this many without growing
  void Clear();
  // f(label, id&) for every entry, in no particular order; f may change ids, not labels.
  template <typename F>
  void ForEach(F&& f) {
    for (size_t i = 0; i < keys_.size(); ++i) {
      if (keys_[i] != kEmpty) f(keys_[i], ids_[i]);
    }
    if (has_empty_key_) f(kEmpty, empty_key_id_);
  }
  size_t MemoryBytes() const { return keys_.capacity() * sizeof(uint64_t) + ids_.capacity() * sizeof(uint32_t); }

 private:
  // The key that marks a free slot; a label equal to it is kept aside.
  static constexpr uint64_t kEmpty = UINT64_MAX;
  size_t SlotOf(uint64_t label) const;  // home slot; REQUIRES: table not empty
  size_t FindSlot(uint64_t label) const;  // its slot, or keys_.size() when absent
  void Grow(size_t slots);                // rehashes into `slots` (a power of two)

  std::vector<uint64_t> keys_;  // kEmpty: free
  std::vector<uint32_t> ids_;
  size_t size_ = 0;  // labels held, the kept-aside one included
  int shift_ = 64;   // 64 − log2(slots): Fibonacci hashing keeps the top bits
  bool has_empty_key_ = false;
  uint32_t empty_key_id_ = 0;
};

}  // namespace exemplar::index
