// HnswGraph: the graph's operations over hnswlib (its snapshot is in hnsw_graph_io.cc).
#include "index/hnsw_graph.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#define EXEMPLAR_HNSWLIB_PREFIX exemplar_hnswlib
#include "index/hnsw_graph_rep.h"

#if defined(__SANITIZE_THREAD__)
// hnswlib keeps a mutex per element plus 65,536 update mutexes and takes them in varying orders
// inside addPoint: TSan's deadlock detector drowns in reports (with broken stacks) and slows tests
// 10×. Concurrent inserts (AddNew) do contend on them, in hnswlib's own order — the same as its
// Python bindings' parallel add_items. Data-race detection stays on. Weak: a binary that defines its own TSan options
// replaces these (and should keep detect_deadlocks=0 if it uses VectorIndex).
extern "C" __attribute__((weak)) const char* __tsan_default_options() { return "detect_deadlocks=0"; }
// Concurrent AddNew calls (parallel graph construction) share two things hnswlib 0.6.2 does not
// lock, annotated as benign races (MarkUnlockedSharedStateBenign); every other access of
// concurrent inserts is under hnswlib's locks and stays checked:
// - the level generator (a std::minstd_rand0 advanced in getRandomLevel): a torn update only
//   repeats or skips a random draw; levels stay valid and geometrically distributed;
// - the entry point (enterpoint_node_, 4 aligned bytes): addPoint reads it after releasing its
//   `global` lock, while an insertion that raises the graph's top level holds `global` and writes
//   it once that element is fully linked. The reader gets the old or the new entry point, both
//   valid starts for its descent (which reads link lists under the element locks); maxlevel_
//   itself is only read under `global`. Rare (a new top level), and seen by the TSan stress test
//   once in many runs.
extern "C" void AnnotateBenignRaceSized(const char* file, int line, const volatile void* mem, long size,
                                        const char* description);
#endif

namespace exemplar::index {

void MarkUnlockedSharedStateBenign([[maybe_unused]] Graph& g) {
#if defined(__SANITIZE_THREAD__)
  AnnotateBenignRaceSized(__FILE__, __LINE__, &g.level_generator_, sizeof g.level_generator_,
                          "hnswlib's level generator, drawn by concurrent addPoint calls");
  AnnotateBenignRaceSized(__FILE__, __LINE__, &g.enterpoint_node_, sizeof g.enterpoint_node_,
                          "hnswlib's entry point, read by addPoint after it releases `global`");
#endif
}

namespace {

// Inner-product distance (1 − a·b, as hnswlib defines it) through our Dot kernel. hnswlib picks
// its kernels at compile time, so a build for baseline x86-64 gets its SSE one; Dot dispatches
// at load time to AVX2+FMA where the CPU has it. Distance computations are three quarters of the
// instructions of a graph insertion; with this space an insertion at 100k takes 642k instructions
// instead of 962k (callgrind).
class DotSpace final : public hnswlib::SpaceInterface<float> {
 public:
  explicit DotSpace(size_t dim) : dim_(dim) {}
  size_t get_data_size() override { return dim_ * sizeof(float); }
  hnswlib::DISTFUNC<float> get_dist_func() override { return &Distance; }
  void* get_dist_func_param() override { return &dim_; }

 private:
  static float Distance(const void* a, const void* b, const void* dim) {
    const size_t n = *static_cast<const size_t*>(dim);
    return 1.0f - Dot(static_cast<const float*>(a), static_cast<const float*>(b), n);
  }
  size_t dim_;
};

// Compact spaces (vector_storage f16 / int8): hnswlib stores and compares the codes; queries are
// encoded the same way, so one distance function serves insertions and searches alike.
class F16Space final : public hnswlib::SpaceInterface<float> {
 public:
  explicit F16Space(size_t dim) : dim_(dim) {}
  size_t get_data_size() override { return dim_ * sizeof(uint16_t); }
  hnswlib::DISTFUNC<float> get_dist_func() override { return &Distance; }
  void* get_dist_func_param() override { return &dim_; }

 private:
  static float Distance(const void* a, const void* b, const void* dim) {
    return 1.0f - DotF16(static_cast<const uint16_t*>(a), static_cast<const uint16_t*>(b),
                         *static_cast<const size_t*>(dim));
  }
  size_t dim_;
};

class Int8Space final : public hnswlib::SpaceInterface<float> {
 public:
  explicit Int8Space(size_t dim) : dim_(dim) {}
  size_t get_data_size() override { return Int8CodeBytes(dim_); }
  hnswlib::DISTFUNC<float> get_dist_func() override { return &Distance; }
  void* get_dist_func_param() override { return &dim_; }

 private:
  static float Distance(const void* a, const void* b, const void* dim) {
    return 1.0f - DotInt8(static_cast<const char*>(a), static_cast<const char*>(b), *static_cast<const size_t*>(dim));
  }
  size_t dim_;
};

}  // namespace

size_t CodeBytes(VectorStorage storage, size_t dim) {
  switch (storage) {
    case VectorStorage::kF16: return dim * sizeof(uint16_t);
    case VectorStorage::kInt8: return Int8CodeBytes(dim);
    case VectorStorage::kF32: break;
  }
  return dim * sizeof(float);
}

std::unique_ptr<hnswlib::SpaceInterface<float>> MakeSpace(VectorStorage storage, size_t dim) {
  switch (storage) {
    case VectorStorage::kF16: return std::make_unique<F16Space>(dim);
    case VectorStorage::kInt8: return std::make_unique<Int8Space>(dim);
    case VectorStorage::kF32: break;
  }
  return std::make_unique<DotSpace>(dim);
}


// hnswlib keeps every element's vector and level-0 links in one block (~1.6 KB per element at
// 384-d), read at random by every search and insertion: on 4 KB pages nearly each of those reads
// also misses the TLB. Transparent huge pages (Debian's THP mode is "madvise") cut vector search
// CPU by ~20% at 100k. The advice covers memory faulted in later; `collapse_filled` also moves
// the elements already there (a loaded snapshot, or data realloc copied on growth) onto huge
// pages now: ~2 ms per MB, once per load or doubling. Best effort: failures leave normal pages.
void AdviseHugePages(const Graph& g, bool collapse_filled) {
  constexpr uintptr_t kHuge = kHugePage;
  const auto start = reinterpret_cast<uintptr_t>(g.data_level0_memory_);
  const uintptr_t begin = (start + kHuge - 1) & ~(kHuge - 1);
  const uintptr_t end = (start + g.max_elements_ * g.size_data_per_element_) & ~(kHuge - 1);
  if (end <= begin || ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE) != 0) return;
#ifndef MADV_COLLAPSE
  constexpr int MADV_COLLAPSE = 25;  // Linux 6.1; older kernels refuse it (EINVAL), harmlessly
#endif
  const uintptr_t filled = (start + g.cur_element_count * g.size_data_per_element_) & ~(kHuge - 1);
  if (collapse_filled && filled > begin) ::madvise(reinterpret_cast<void*>(begin), filled - begin, MADV_COLLAPSE);
}

char* MapAlignedAnon(size_t bytes) {
  void* raw = ::mmap(nullptr, bytes + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                     -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  char* start = static_cast<char*>(raw);
  char* aligned = reinterpret_cast<char*>(RoundUp(reinterpret_cast<uintptr_t>(start), kHugePage));
  if (aligned > start) ::munmap(start, static_cast<size_t>(aligned - start));
  if (aligned + bytes < start + bytes + kHugePage) {
    ::munmap(aligned + bytes, static_cast<size_t>(start + bytes + kHugePage - (aligned + bytes)));
  }
  ::madvise(aligned, bytes, MADV_HUGEPAGE);
  return aligned;
}

HnswGraph::HnswGraph(int dim, int m, int ef_construction, int ef_search, size_t capacity, VectorStorage storage,
                     const std::string& rows_dir)
    : rep_(std::make_unique<Rep>(dim, storage, rows_dir)) {
  rep_->graph = std::make_unique<Graph>(rep_->space.get(), std::max<size_t>(capacity, 16), static_cast<size_t>(m),
                                        static_cast<size_t>(ef_construction), kSeed);
  rep_->ef_base = static_cast<size_t>(ef_search);
  rep_->UpdateEf();
  MarkUnlockedSharedStateBenign(*rep_->graph);
  AdviseHugePages(*rep_->graph, false);
  rep_->ReserveRows();  // on failure Add and Reserve try again (and fail cleanly)
}

HnswGraph::HnswGraph(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}
HnswGraph::~HnswGraph() = default;

size_t HnswGraph::SearchEf(size_t base, size_t elements) {
  constexpr double kFrom = 100000;
  if (static_cast<double>(elements) <= kFrom) return base;
  return static_cast<size_t>(std::lround(static_cast<double>(base) * (1 + (2.0 / 3.0) * std::log10(static_cast<double>(elements) / kFrom))));
}

size_t HnswGraph::ef() const { return rep_->graph->ef_; }
size_t HnswGraph::elements() const { return rep_->graph->cur_element_count; }
size_t HnswGraph::live() const { return rep_->graph->cur_element_count - rep_->graph->num_deleted_; }
VectorStorage HnswGraph::storage() const { return rep_->storage; }

const float* HnswGraph::Find(uint64_t label) const {
  hnswlib::tableint id;
  if (!rep_->LiveId(label, &id)) return nullptr;
  return rep_->Vector(id);
}

const float* HnswGraph::Read(uint64_t label, float* buf) const {
  hnswlib::tableint id;
  return rep_->LiveId(label, &id) ? Row(id, buf) : nullptr;
}

bool HnswGraph::Add(uint64_t label, const float* vec) {
  Graph& g = *rep_->graph;
  try {
    if (g.cur_element_count >= g.max_elements_ && g.label_lookup_.find(label) == g.label_lookup_.end()) {
      if (!rep_->Detach()) return false;
      g.resizeIndex(std::max<size_t>(g.max_elements_ * 2, 1024));
      AdviseHugePages(g, true);
    }
    if (!rep_->ReserveRows()) return false;
    rep_->AddPoint(vec, label);
    rep_->UpdateEf();
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

bool HnswGraph::Has(uint64_t label) const {
  return rep_->graph->label_lookup_.count(label) != 0;
}

bool HnswGraph::HasConcurrent(uint64_t label) const {
  std::lock_guard lock(rep_->graph->cur_element_count_guard_);  // addPoint writes the map under it
  return rep_->graph->label_lookup_.count(label) != 0;
}

bool HnswGraph::Reserve(size_t extra) {
  Graph& g = *rep_->graph;
  rep_->UpdateEf();  // for the elements AddNew inserted since
  if (g.cur_element_count + extra <= g.max_elements_) return rep_->ReserveRows();
  if (!rep_->Detach()) return false;
  try {
    g.resizeIndex(std::max({g.max_elements_ * 2, g.cur_element_count + extra, size_t{1024}}));
  } catch (const std::exception&) {
    return false;
  }
  AdviseHugePages(g, true);
  return rep_->ReserveRows();
}

bool HnswGraph::AddNew(uint64_t label, const float* vec) {
  try {
    rep_->AddPoint(vec, label);  // distinct new labels: distinct ids, so distinct f32 rows
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

size_t HnswGraph::Promote(size_t max_bytes) {
  Rep& r = *rep_;
  while (r.region != nullptr && r.promoted < r.file_bytes && max_bytes > 0) {
    // Fill fresh huge-page memory with the chunk, then move it over the chunk in one mremap: the
    // data never changes address, and a failure leaves the file-backed pages in place.
    const size_t len = std::min(kHugePage, r.region_bytes - r.promoted);
    char* fresh = MapAlignedAnon(kHugePage);
    if (fresh == nullptr) break;
    std::memcpy(fresh, r.region + r.promoted, len);
    if (::mremap(fresh, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, r.region + r.promoted) == MAP_FAILED) {
      ::munmap(fresh, kHugePage);
      break;
    }
    if (len < kHugePage) ::munmap(fresh + len, kHugePage - len);
    r.promoted += len;
    max_bytes = max_bytes > len ? max_bytes - len : 0;
  }
  if (r.region == nullptr || r.promoted >= r.file_bytes) return 0;
  return r.file_bytes - r.promoted;
}

void HnswGraph::MarkDeleted(uint64_t label) {
  hnswlib::tableint id;
  if (rep_->LiveId(label, &id)) rep_->graph->markDeletedInternal(id);
}

void HnswGraph::ExactScan(const float* query, TopK* top) const {
  const Graph& g = *rep_->graph;
  const size_t n = g.cur_element_count, dim = rep_->dim;
  // f16 / int8: the rows are read from the vector file a block at a time (see Row).
  constexpr size_t kBlockRows = 256;
  thread_local std::vector<float> block;
  if (rep_->compact()) block.resize(kBlockRows * dim);
  for (size_t start = 0; start < n; start += kBlockRows) {
    const size_t end = std::min(n, start + kBlockRows);
    const float* rows = nullptr;
    if (rep_->compact()) {
      const size_t row_bytes = dim * sizeof(float);
      rows = rep_->rows.Read(start * row_bytes, block.data(), (end - start) * row_bytes) ? block.data()
                                                                                        : rep_->rows.row(start);
    }
    for (size_t i = start; i < end; ++i) {
      if (g.isMarkedDeleted(static_cast<hnswlib::tableint>(i))) continue;
      const float* v = rows ? rows + (i - start) * dim : rep_->Vector(static_cast<hnswlib::tableint>(i));
      top->Push(g.getExternalLabel(static_cast<hnswlib::tableint>(i)), Dot(query, v, dim));
    }
  }
}

bool HnswGraph::Search(const float* query, size_t fetch, std::vector<uint64_t>* labels) const {
  labels->clear();
  try {
    // searchKnn runs with ef = max(ef_, fetch): a larger fetch is a larger ef without writing the
    // shared ef_ member (setEf would race with concurrent searches).
    thread_local std::vector<char> code;
    auto found = rep_->graph->searchKnn(rep_->Encode(query, &code), fetch);
    labels->reserve(found.size());
    for (; !found.empty(); found.pop()) labels->push_back(found.top().second);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

bool HnswGraph::SearchCandidates(const float* query, size_t fetch, std::vector<Candidate>* out) const {
  out->clear();
  const Graph& g = *rep_->graph;
  if (g.cur_element_count == 0) return true;
  try {
    thread_local std::vector<char> code;
    const void* q = rep_->Encode(query, &code);
    // Greedy descent through the upper levels to the level-0 entry point, as searchKnn does it.
    hnswlib::tableint ep = g.enterpoint_node_;
    float best = g.fstdistfunc_(q, g.getDataByInternalId(ep), g.dist_func_param_);
    for (int level = g.maxlevel_; level > 0; --level) {
      for (bool moved = true; moved;) {
        moved = false;
        hnswlib::linklistsizeint* links = g.get_linklist(ep, level);
        const int count = g.getListCount(links);
        const auto* ids = reinterpret_cast<const hnswlib::tableint*>(links + 1);
        for (int i = 0; i < count; ++i) {
          const float d = g.fstdistfunc_(q, g.getDataByInternalId(ids[i]), g.dist_func_param_);
          if (d < best) {
            best = d;
            ep = ids[i];
            moved = true;
          }
        }
      }
    }
    const size_t ef = std::max(g.ef_, fetch);
    auto top = g.num_deleted_ ? g.searchBaseLayerST<true>(ep, q, ef) : g.searchBaseLayerST<false>(ep, q, ef);
    while (top.size() > fetch) top.pop();
    out->reserve(top.size());
    for (; !top.empty(); top.pop()) {
      const hnswlib::tableint id = top.top().second;
      out->push_back({g.getExternalLabel(id), id, rep_->compact() ? nullptr : rep_->Vector(id)});
    }
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

void HnswGraph::NearestByCode(const float* query, const std::vector<uint64_t>& labels, size_t fetch,
                              std::vector<Candidate>* out) const {
  out->clear();
  const Graph& g = *rep_->graph;
  thread_local std::vector<char> code;
  const void* q = rep_->Encode(query, &code);
  thread_local std::vector<std::pair<float, hnswlib::tableint>> scored;
  scored.clear();
  for (const uint64_t label : labels) {
    hnswlib::tableint id;
    if (rep_->LiveId(label, &id)) scored.emplace_back(0.0f, id);
  }
  // Codes are scattered over the level-0 block: each is a cache miss, so the next ones are
  // fetched while this one is scored.
  constexpr size_t kAhead = 4;
  const size_t code_bytes = rep_->code_bytes;
  for (size_t i = 0; i < scored.size(); ++i) {
    if (i + kAhead < scored.size()) {
      const char* next = g.getDataByInternalId(scored[i + kAhead].second);
      for (size_t line = 0; line < code_bytes; line += 64) __builtin_prefetch(next + line);
    }
    scored[i].first = g.fstdistfunc_(q, g.getDataByInternalId(scored[i].second), g.dist_func_param_);
  }
  if (scored.size() > fetch) {
    std::nth_element(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(fetch), scored.end());
    scored.resize(fetch);
  }
  out->reserve(scored.size());
  for (const auto& [distance, id] : scored) {
    out->push_back({g.getExternalLabel(id), id, rep_->compact() ? nullptr : rep_->Vector(id)});
  }
}

const float* HnswGraph::Row(uint32_t id, float* buf) const {
  if (!rep_->compact()) return rep_->Vector(id);
  const size_t bytes = rep_->dim * sizeof(float);
  // On an I/O error the mapping still holds the row.
  return rep_->rows.Read(size_t{id} * bytes, buf, bytes) ? buf : rep_->rows.row(id);
}

size_t HnswGraph::MemoryBytes() const {
  const Graph& g = *rep_->graph;
  // Level-0 block of used elements; per-capacity arrays (element mutexes, levels, link-list
  // pointers, visited marks); upper-level link lists; the label map; the fixed 65,536 update locks.
  size_t upper = 0;
  for (size_t i = 0; i < g.cur_element_count; ++i) {
    upper += static_cast<size_t>(std::max(g.element_levels_[i], 0)) * g.size_links_per_element_;
  }
  return g.cur_element_count * g.size_data_per_element_ +
         g.max_elements_ * (sizeof(std::mutex) + sizeof(int) + sizeof(char*) + sizeof(hnswlib::vl_type)) + upper +
         g.label_lookup_.size() * 32 + g.label_lookup_.bucket_count() * sizeof(void*) +
         Graph::max_update_element_locks * sizeof(std::mutex);
}

size_t HnswGraph::VectorFileBytes() const { return rep_->compact() ? rep_->rows.MappedBytes() : 0; }

}  // namespace exemplar::index
