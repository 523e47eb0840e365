// VectorRows: the exact f32 vectors of a compact-storage HNSW graph (vector_storage f16 / int8),
// one row of `dim` floats per graph element, by hnswlib internal id. Internal to the index library.
//
// The rows live in a memory-mapped file: an unlinked temp file in `dir` (like a swap file, gone
// when the process exits), mapped shared, so its pages are file pages the kernel can write back
// and drop — only the rows a search re-ranks or an exact scan reads need to be resident. With
// `dir` empty (tests, or when no file can be created) the rows are anonymous memory instead.
// Grows by extending the file and remapping (addresses change: callers re-read row pointers
// after Reserve). Not thread-safe, except that distinct rows may be written at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/status.h"

namespace exemplar::index {

class VectorRows {
 public:
  VectorRows(size_t dim, std::string dir);
  ~VectorRows();
  VectorRows(const VectorRows&) = delete;
  VectorRows& operator=(const VectorRows&) = delete;

  // Makes room for rows [0, rows). false when the file or the mapping could not grow.
  bool Reserve(size_t rows);
  size_t capacity() const { return capacity_; }
  float* row(size_t i) { return base_ + i * dim_; }
  const float* row(size_t i) const { return base_ + i * dim_; }
  // Bytes mapped (capacity × dim × 4).
  size_t MappedBytes() const { return capacity_ * dim_ * sizeof(float); }
  // True when the rows are a file mapping (pages the kernel may drop), false for anonymous memory.
  bool file_backed() const { return fd_ >= 0; }

 private:
  size_t dim_;
  std::string dir_;
  int fd_ = -1;
  bool tried_file_ = false;
  float* base_ = nullptr;
  size_t capacity_ = 0;
};

}  // namespace exemplar::index
