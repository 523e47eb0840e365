// VectorRows: the exact f32 vectors of a compact-storage HNSW graph (vector_storage f16 / int8),
// one row of `dim` floats per graph element, by hnswlib internal id. Internal to the index library.
//
// The rows live in a memory-mapped file: an unlinked temp file in `dir` (like a swap file, gone
// when the process exits), mapped shared, so its pages are file pages the kernel can write back
// and drop — only the rows a search re-ranks or an exact scan reads need to be resident. So rows
// are written, saved and loaded through the file (pwrite / pread), never through the mapping: an
// ingest or a snapshot load leaves the rows in the page cache, outside the process's resident
// set, and the mapping (MADV_RANDOM: no fault-around) holds only what searches read. With `dir`
// empty (tests, or when no file can be created) the rows are anonymous memory instead.
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
  const float* row(size_t i) const { return base_ + i * dim_; }
  // Copies rows in / out at byte `offset` (row i starts at i × dim × 4), through the file when
  // there is one. REQUIRES: the range is within capacity. false on an I/O error (errno set).
  bool Write(size_t offset, const void* data, size_t bytes);
  bool Read(size_t offset, void* data, size_t bytes) const;
  // A snapshot of rows [0, rows) at `path` (written and fsynced), its size and checksum.
  Status SaveTo(const std::string& path, size_t rows, uint64_t* bytes, uint64_t* checksum) const;
  // Copies a snapshot written by SaveTo into rows [0, rows): FailedPrecondition when it is
  // missing, of another size or fails its checksum. The snapshot itself is never mapped: it stays
  // as written until the next SaveTo replaces it.
  Status LoadFrom(const std::string& path, size_t rows, uint64_t checksum);
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
