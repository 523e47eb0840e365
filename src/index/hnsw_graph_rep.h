// HnswGraph's representation, shared by the two files that include hnswlib: hnsw_graph.cc (the
// graph's operations) and hnsw_graph_io.cc (its snapshot). Private to them.
//
// hnswlib 0.6.2's headers define functions and function-pointer variables at namespace scope
// without `inline` or `static`. Each including file renames its copies with its own prefix
// (EXEMPLAR_HNSWLIB_PREFIX, defined before the include), so the two files link together, and
// with a binary that includes hnswlib itself (a benchmark comparing against raw hnswlib, say).
#pragma once

#ifndef EXEMPLAR_HNSWLIB_PREFIX
#error "define EXEMPLAR_HNSWLIB_PREFIX (unique to the including file) before including hnsw_graph_rep.h"
#endif

#include <sys/mman.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#define EXEMPLAR_HNSWLIB_CAT2(a, b) a##_##b
#define EXEMPLAR_HNSWLIB_CAT(a, b) EXEMPLAR_HNSWLIB_CAT2(a, b)
#define cpuid EXEMPLAR_HNSWLIB_CAT(EXEMPLAR_HNSWLIB_PREFIX, cpuid)
#define xgetbv EXEMPLAR_HNSWLIB_CAT(EXEMPLAR_HNSWLIB_PREFIX, xgetbv)
#define AVXCapable EXEMPLAR_HNSWLIB_CAT(EXEMPLAR_HNSWLIB_PREFIX, AVXCapable)
#define AVX512Capable EXEMPLAR_HNSWLIB_CAT(EXEMPLAR_HNSWLIB_PREFIX, AVX512Capable)
#define InnerProductSIMD16Ext EXEMPLAR_HNSWLIB_CAT(EXEMPLAR_HNSWLIB_PREFIX, InnerProductSIMD16Ext)
#define InnerProductSIMD4Ext EXEMPLAR_HNSWLIB_CAT(EXEMPLAR_HNSWLIB_PREFIX, InnerProductSIMD4Ext)
#define InnerProductDistanceSIMD16Ext EXEMPLAR_HNSWLIB_CAT(EXEMPLAR_HNSWLIB_PREFIX, InnerProductDistanceSIMD16Ext)
#define InnerProductDistanceSIMD4Ext EXEMPLAR_HNSWLIB_CAT(EXEMPLAR_HNSWLIB_PREFIX, InnerProductDistanceSIMD4Ext)
#define L2SqrSIMD16Ext EXEMPLAR_HNSWLIB_CAT(EXEMPLAR_HNSWLIB_PREFIX, L2SqrSIMD16Ext)
#include <hnswlib/hnswlib.h>
#undef cpuid
#undef xgetbv
#undef AVXCapable
#undef AVX512Capable
#undef InnerProductSIMD16Ext
#undef InnerProductSIMD4Ext
#undef InnerProductDistanceSIMD16Ext
#undef InnerProductDistanceSIMD4Ext
#undef L2SqrSIMD16Ext

#include "index/hnsw_graph.h"
#include "index/snapshot_file.h"
#include "index/vector_kernels.h"
#include "index/vector_rows.h"

namespace exemplar::index {

using Graph = hnswlib::HierarchicalNSW<float>;

// hnswlib's level generator seed: fixed so a graph built in the same order is the same graph.
constexpr size_t kSeed = 100;
constexpr size_t kHugePage = size_t{2} << 20;

inline size_t RoundUp(size_t n, size_t to) { return (n + to - 1) / to * to; }

// Bytes of one element's vector inside the graph.
size_t CodeBytes(VectorStorage storage, size_t dim);
// The hnswlib space of a storage mode (its distances go through our kernels).
std::unique_ptr<hnswlib::SpaceInterface<float>> MakeSpace(VectorStorage storage, size_t dim);
// Transparent huge pages for the level-0 block; `collapse_filled` also moves the elements
// already there onto huge pages now (hnsw_graph.cc).
void AdviseHugePages(const Graph& g, bool collapse_filled);
// `bytes` (a multiple of kHugePage) of anonymous memory starting on a huge-page boundary, advised
// for huge pages; nullptr when the kernel refused.
char* MapAlignedAnon(size_t bytes);
// ThreadSanitizer: the state concurrent AddNew calls share outside hnswlib's locks (hnsw_graph.cc).
void MarkUnlockedSharedStateBenign(Graph& g);

struct HnswGraph::Rep {
  Rep(int d, VectorStorage s, const std::string& rows_dir)
      : space(MakeSpace(s, static_cast<size_t>(d))),
        dim(static_cast<size_t>(d)),
        storage(s),
        code_bytes(CodeBytes(s, dim)),
        rows(dim, rows_dir) {}
  ~Rep() {
    if (region == nullptr) return;
    if (graph) graph->data_level0_memory_ = nullptr;  // not hnswlib's to free
    ::munmap(region, region_bytes);
  }
  std::unique_ptr<hnswlib::SpaceInterface<float>> space;  // before `graph`: the graph points into it
  std::unique_ptr<Graph> graph;
  size_t dim;
  VectorStorage storage;
  size_t code_bytes;
  // f16 / int8: the f32 vectors by internal id (capacity kept ≥ the graph's max_elements_).
  VectorRows rows;

  bool compact() const { return storage != VectorStorage::kF32; }

  size_t ef_base = 0;  // the configured ef_search
  void UpdateEf() { graph->setEf(SearchEf(ef_base, graph->cur_element_count)); }

  // What hnswlib is given for `vec`: the vector itself, or its code written into `buf`.
  const void* Encode(const float* vec, std::vector<char>* buf) const {
    if (!compact()) return vec;
    buf->resize(code_bytes);
    if (storage == VectorStorage::kF16) {
      EncodeF16(vec, dim, reinterpret_cast<uint16_t*>(buf->data()));
    } else {
      EncodeInt8(vec, dim, buf->data());
    }
    return buf->data();
  }

  // Keeps the f32 rows' capacity up with the graph's.
  bool ReserveRows() { return !compact() || rows.Reserve(graph->max_elements_); }

  // hnswlib's addPoint (insert, or update of an existing label), then the f32 row of the element.
  void AddPoint(const float* vec, uint64_t label) {
    std::vector<char> code;
    const hnswlib::tableint id = graph->addPoint(Encode(vec, &code), label, -1);
    if (compact() && !rows.Write(size_t{id} * dim * sizeof(float), vec, dim * sizeof(float))) {
      // The graph holds the point but its exact row is missing: refuse it, as a full disk would.
      throw std::runtime_error("cannot write the f32 vector file: " + ErrnoText());
    }
  }

  const float* Vector(hnswlib::tableint id) const {
    return compact() ? rows.row(id) : reinterpret_cast<const float*>(graph->getDataByInternalId(id));
  }
  // A loaded snapshot's level-0 block is not copied: `region` (huge-page aligned) starts with the
  // snapshot file mapped privately (copy-on-write) up to `file_bytes`, followed by anonymous
  // memory for growth, and data_level0_memory_ points just past the file header. Promote moves
  // the file-backed part onto anonymous huge pages, a chunk at a time. nullptr: hnswlib's malloc.
  char* region = nullptr;
  size_t region_bytes = 0;
  size_t file_bytes = 0;  // page-rounded
  size_t promoted = 0;    // bytes of the region, from its start, already anonymous

  // Hands the level-0 block over to hnswlib's malloc (before hnswlib reallocs it to grow).
  bool Detach() {
    if (region == nullptr) return true;
    Graph& g = *graph;
    void* p = std::malloc(g.max_elements_ * g.size_data_per_element_);
    if (p == nullptr) return false;
    std::memcpy(p, g.data_level0_memory_, g.cur_element_count * g.size_data_per_element_);
    ::munmap(region, region_bytes);
    region = nullptr;
    g.data_level0_memory_ = static_cast<char*>(p);
    AdviseHugePages(g, true);
    return true;
  }

  // The internal id of a live (non-deleted) element.
  bool LiveId(uint64_t label, hnswlib::tableint* id) const {
    auto it = graph->label_lookup_.find(label);
    if (it == graph->label_lookup_.end() || graph->isMarkedDeleted(it->second)) return false;
    *id = it->second;
    return true;
  }
};

}  // namespace exemplar::index
