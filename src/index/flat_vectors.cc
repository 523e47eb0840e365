// FlatVectors: the vector index's contiguous store of vectors not (yet) in the graph (see
// vector_index_impl.h).
#include <algorithm>

#include "index/vector_index_impl.h"

namespace exemplar::index {

const float* FlatVectors::Find(uint64_t label) const {
  auto it = slot_of_.find(label);
  return it == slot_of_.end() ? nullptr : row(it->second);
}

void FlatVectors::Put(uint64_t label, const float* vec) {
  auto [it, inserted] = slot_of_.try_emplace(label, static_cast<uint32_t>(labels_.size()));
  if (inserted) {
    labels_.push_back(label);
    data_.insert(data_.end(), vec, vec + dim_);
  } else {
    std::copy(vec, vec + dim_, data_.begin() + static_cast<std::ptrdiff_t>(it->second * dim_));
  }
}

bool FlatVectors::Erase(uint64_t label) {
  auto it = slot_of_.find(label);
  if (it == slot_of_.end()) return false;
  const uint32_t slot = it->second;
  const auto last = static_cast<uint32_t>(labels_.size() - 1);
  if (slot != last) {
    std::copy(data_.begin() + static_cast<std::ptrdiff_t>(last * dim_), data_.end(),
              data_.begin() + static_cast<std::ptrdiff_t>(slot * dim_));
    labels_[slot] = labels_[last];
    slot_of_[labels_[slot]] = slot;
  }
  labels_.pop_back();
  data_.resize(data_.size() - dim_);
  slot_of_.erase(it);
  if (labels_.empty()) {  // a drained backlog gives its memory back
    std::vector<float>().swap(data_);
    std::vector<uint64_t>().swap(labels_);
  }
  return true;
}

size_t FlatVectors::MemoryBytes() const {
  return data_.capacity() * sizeof(float) + labels_.capacity() * sizeof(uint64_t) +
         slot_of_.size() * 32 + slot_of_.bucket_count() * sizeof(void*);
}

}  // namespace exemplar::index
