// VectorIndex::SearchRaw: the raw-hnswlib baseline for benchmarks.
#include "index/vector_index.h"
#include "index/vector_index_impl.h"

namespace exemplar::index {

std::vector<uint64_t> VectorIndex::SearchRaw(std::span<const float> query, size_t k) const {
  std::shared_lock lock(impl_->mu);
  std::vector<uint64_t> labels;
  impl_->graph->Search(query.data(), k, &labels);
  return labels;
}

}  // namespace exemplar::index
