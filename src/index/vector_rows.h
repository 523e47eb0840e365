// VectorRows: the exact f32 vectors of a compact-storage HNSW graph (vector_storage f16 / int8),
// one row of `dim` floats per graph element, by hnswlib internal id. Internal to the index library.
//
// The rows live in a memory-mapped file: an unlinked temp file in `dir` (like a swap file, gone
// when the process exits), mapped shared, so its pages are file pages the kernel can write back
// and drop. Rows are written, saved, loaded and read by searches through the file (pwrite /
// pread: Write, Read), not through the mapping, so they stay in the page cache, outside the
// process's resident set: a page touched through a mapping stays mapped, and one fault maps more
// than its page (neighbours, or a whole large folio: ~1 MB per touched row on ext4, Linux 6.18),
// so reading re-ranked rows through it made the whole file resident within a few hundred
// searches. Exact scans read a block of rows per pread. The mapping is left for what Read cannot
// serve: the fallback when a read fails, and rows written over a loaded snapshot (see below).
// With `dir` empty (tests, or when no file can be created) the rows are anonymous memory instead.
// A snapshot load does not copy the rows: the snapshot file itself is mapped privately over the
// start of the region (copy-on-write, like the graph's level-0 block), so a restart reads only the
// checksum's worth of the file. Its pages are file pages as well; a row written there (an update of
// a loaded element) becomes a private page of this process, and such pages are tracked so that
// Read (and so the next snapshot) sees them. The loaded file stays open (its disk space held) until
// the process exits, even after a newer snapshot is renamed over it.
// Grows by extending the file and remapping (addresses change: callers re-read row pointers
// after Reserve). Not thread-safe, except that distinct rows may be written at once.
#pragma once

#include <cstddef>
#include <atomic>
#include <cstdint>
#include <memory>
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
  // Makes a snapshot written by SaveTo rows [0, rows): FailedPrecondition when it is missing, of
  // another size or fails its checksum. With a vector file, the snapshot's whole pages are mapped
  // privately over the region's start (never written: it stays as written until SaveTo's caller
  // renames a new one over it); without one, or for the last partial page, they are copied.
  // REQUIRES: nothing loaded or written yet.
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
  // Byte ranges of [0, overlay_bytes_) go to the snapshot mapping (Write: memcpy, marking pages
  // dirty; Read: the file for clean pages, the mapping for dirty ones), the rest to fd_.
  bool WriteOverlay(size_t offset, const char* data, size_t bytes);
  bool ReadOverlay(size_t offset, char* data, size_t bytes) const;
  bool Dirty(size_t page) const;

  float* base_ = nullptr;
  size_t capacity_ = 0;
  int overlay_fd_ = -1;      // the loaded snapshot, mapped privately over [0, overlay_bytes_)
  size_t overlay_bytes_ = 0;
  std::unique_ptr<std::atomic<uint64_t>[]> dirty_;  // a bit per overlay page written since the load
};

}  // namespace exemplar::index
