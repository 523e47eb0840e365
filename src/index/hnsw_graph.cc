#include "index/hnsw_graph.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

// hnswlib 0.6.2's headers define these functions and function-pointer variables at namespace
// scope without `inline` or `static`. Renaming our copies keeps this library linkable into a
// binary that includes hnswlib itself (a benchmark comparing against raw hnswlib, say).
#define cpuid exemplar_hnswlib_cpuid
#define xgetbv exemplar_hnswlib_xgetbv
#define AVXCapable exemplar_hnswlib_AVXCapable
#define AVX512Capable exemplar_hnswlib_AVX512Capable
#define InnerProductSIMD16Ext exemplar_hnswlib_InnerProductSIMD16Ext
#define InnerProductSIMD4Ext exemplar_hnswlib_InnerProductSIMD4Ext
#define InnerProductDistanceSIMD16Ext exemplar_hnswlib_InnerProductDistanceSIMD16Ext
#define InnerProductDistanceSIMD4Ext exemplar_hnswlib_InnerProductDistanceSIMD4Ext
#define L2SqrSIMD16Ext exemplar_hnswlib_L2SqrSIMD16Ext
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

#include "index/snapshot_file.h"
#include "index/vector_kernels.h"
#include "index/vector_rows.h"

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
namespace {

using Graph = hnswlib::HierarchicalNSW<float>;

void MarkUnlockedSharedStateBenign([[maybe_unused]] Graph& g) {
#if defined(__SANITIZE_THREAD__)
  AnnotateBenignRaceSized(__FILE__, __LINE__, &g.level_generator_, sizeof g.level_generator_,
                          "hnswlib's level generator, drawn by concurrent addPoint calls");
  AnnotateBenignRaceSized(__FILE__, __LINE__, &g.enterpoint_node_, sizeof g.enterpoint_node_,
                          "hnswlib's entry point, read by addPoint after it releases `global`");
#endif
}

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

// Bytes of one element's vector inside the graph.
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

// hnswlib's level generator seed: fixed so a graph built in the same order is the same graph.
constexpr size_t kSeed = 100;
// saveIndex header: offsetLevel0_, max_elements_, cur_element_count, size_data_per_element_,
// label_offset_, offsetData_ (size_t); maxlevel_ (int); enterpoint_node_ (uint32); maxM_, maxM0_,
// M_ (size_t); mult_ (double); ef_construction_ (size_t).
constexpr size_t kHeaderBytes = 6 * 8 + 4 + 4 + 3 * 8 + 8 + 8;
constexpr int kMaxLevel = 64;  // levels are ~log_M(N); anything larger is corruption

template <typename T>
T ReadPod(const char* bytes, size_t* offset) {
  T v;
  std::memcpy(&v, bytes + *offset, sizeof(T));
  *offset += sizeof(T);
  return v;
}

bool HeaderMatches(const char* head, int dim, int m, uint64_t elements, VectorStorage storage) {
  size_t off = 0;
  const auto offset_level0 = ReadPod<size_t>(head, &off);
  ReadPod<size_t>(head, &off);  // max_elements_: the loader picks its own capacity
  const auto count = ReadPod<size_t>(head, &off);
  const auto per_element = ReadPod<size_t>(head, &off);
  const auto label_offset = ReadPod<size_t>(head, &off);
  const auto data_offset = ReadPod<size_t>(head, &off);
  const auto max_level = ReadPod<int>(head, &off);
  const auto entry = ReadPod<uint32_t>(head, &off);
  const auto max_m = ReadPod<size_t>(head, &off);
  const auto max_m0 = ReadPod<size_t>(head, &off);
  const auto mm = ReadPod<size_t>(head, &off);
  const size_t links0 = 2 * static_cast<size_t>(m) * sizeof(hnswlib::tableint) + sizeof(hnswlib::linklistsizeint);
  const size_t data = CodeBytes(storage, static_cast<size_t>(dim));
  return offset_level0 == 0 && count == elements && data_offset == links0 && label_offset == links0 + data &&
         per_element == links0 + data + sizeof(hnswlib::labeltype) && max_m == static_cast<size_t>(m) &&
         mm == max_m && max_m0 == 2 * max_m && max_level < kMaxLevel &&
         (count == 0 || (entry < count && max_level >= 0));
}

// hnswlib keeps every element's vector and level-0 links in one block (~1.6 KB per element at
// 384-d), read at random by every search and insertion: on 4 KB pages nearly each of those reads
// also misses the TLB. Transparent huge pages (Debian's THP mode is "madvise") cut vector search
// CPU by ~20% at 100k. The advice covers memory faulted in later; `collapse_filled` also moves
// the elements already there (a loaded snapshot, or data realloc copied on growth) onto huge
// pages now: ~2 ms per MB, once per load or doubling. Best effort: failures leave normal pages.
void AdviseHugePages(const Graph& g, bool collapse_filled) {
  constexpr uintptr_t kHugePage = uintptr_t{2} << 20;  // NOLINT: the same as the constant below
  const auto start = reinterpret_cast<uintptr_t>(g.data_level0_memory_);
  const uintptr_t begin = (start + kHugePage - 1) & ~(kHugePage - 1);
  const uintptr_t end = (start + g.max_elements_ * g.size_data_per_element_) & ~(kHugePage - 1);
  if (end <= begin || ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE) != 0) return;
#ifndef MADV_COLLAPSE
  constexpr int MADV_COLLAPSE = 25;  // Linux 6.1; older kernels refuse it (EINVAL), harmlessly
#endif
  const uintptr_t filled = (start + g.cur_element_count * g.size_data_per_element_) & ~(kHugePage - 1);
  if (collapse_filled && filled > begin) ::madvise(reinterpret_cast<void*>(begin), filled - begin, MADV_COLLAPSE);
}

constexpr size_t kHugePage = size_t{2} << 20;

size_t RoundUp(size_t n, size_t to) { return (n + to - 1) / to * to; }

// `bytes` (a multiple of kHugePage) of anonymous memory starting on a huge-page boundary, advised
// for huge pages; nullptr when the kernel refused.
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

// Every link list of a loaded graph: counts within bounds, neighbours in range, unique labels.
bool LinksAreConsistent(const Graph& g) {
  const size_t n = g.cur_element_count;
  if (g.label_lookup_.size() != n) return false;
  for (hnswlib::tableint i = 0; i < n; ++i) {
    const int levels = g.element_levels_[i];
    if (levels < 0 || levels > g.maxlevel_) return false;
    for (int level = 0; level <= levels; ++level) {
      unsigned int* list = level == 0 ? g.get_linklist0(i) : g.get_linklist(i, level);
      const size_t count = g.getListCount(list);
      if (count > (level == 0 ? g.maxM0_ : g.maxM_)) return false;
      const auto* ids = reinterpret_cast<const hnswlib::tableint*>(list + 1);
      for (size_t j = 0; j < count; ++j) {
        if (ids[j] >= n) return false;
      }
    }
  }
  return true;
}

}  // namespace

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

Status HnswGraph::Save(const std::string& path, uint64_t* expected_bytes) const {
  const Graph& g = *rep_->graph;
  uint64_t expected = kHeaderBytes + g.cur_element_count * g.size_data_per_element_;
  for (size_t i = 0; i < g.cur_element_count; ++i) {
    expected += sizeof(unsigned int) + static_cast<size_t>(std::max(g.element_levels_[i], 0)) * g.size_links_per_element_;
  }
  *expected_bytes = expected;
  try {
    const_cast<Graph&>(g).saveIndex(path);  // not const in 0.6.2, but only reads the graph
  } catch (const std::exception& e) {
    return Status::Unavailable("cannot write " + path + ": " + e.what());
  }
  return Status::Ok();
}

Result<std::unique_ptr<HnswGraph>> HnswGraph::Load(const std::string& path, int dim, int m, int ef_construction,
                                                   int ef_search, uint64_t elements, size_t capacity,
                                                   VectorStorage storage, const std::string& rows_dir) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::FailedPrecondition("cannot open " + path);
  struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0 || st.st_size < static_cast<off_t>(kHeaderBytes)) {
    return Status::FailedPrecondition("graph header truncated");
  }
  const auto file_size = static_cast<size_t>(st.st_size);
  char head[kHeaderBytes];
  if (::pread(fd, head, kHeaderBytes, 0) != static_cast<ssize_t>(kHeaderBytes)) {
    return Status::FailedPrecondition("graph header truncated");
  }
  if (!HeaderMatches(head, dim, m, elements, storage)) {
    return Status::FailedPrecondition("graph header does not match the index options");
  }
  size_t off = 6 * sizeof(size_t);
  const auto max_level = ReadPod<int>(head, &off);
  const auto entry = ReadPod<uint32_t>(head, &off);

  // An empty graph of the right shape and capacity (its per-capacity arrays), whose level-0
  // block is then replaced by the file mapped in place (hnswlib's loadIndex would read it into
  // fresh memory, and moving that onto huge pages cost another 0.35 s at 100k).
  const size_t cap = std::max<size_t>(capacity, elements + elements / 4 + 16);
  auto rep = std::make_unique<Rep>(dim, storage, rows_dir);
  try {
    rep->graph = std::make_unique<Graph>(rep->space.get(), cap, static_cast<size_t>(m),
                                         std::max<size_t>(static_cast<size_t>(ef_construction), static_cast<size_t>(m)),
                                         kSeed);
  } catch (const std::exception& e) {
    return Status::FailedPrecondition(std::string("hnswlib could not allocate the graph: ") + e.what());
  }
  Graph& g = *rep->graph;
  MarkUnlockedSharedStateBenign(g);
  const size_t per = g.size_data_per_element_;
  const size_t level0_end = kHeaderBytes + elements * per;
  if (level0_end > file_size) return Status::FailedPrecondition("graph file truncated");
  std::free(g.data_level0_memory_);
  g.data_level0_memory_ = nullptr;
  rep->region_bytes = RoundUp(kHeaderBytes + cap * per, kHugePage);
  rep->region = MapAlignedAnon(rep->region_bytes);
  if (rep->region == nullptr) return Status::FailedPrecondition("cannot reserve memory for the graph");
  rep->file_bytes = RoundUp(level0_end, static_cast<size_t>(::sysconf(_SC_PAGESIZE)));
  if (::mmap(rep->region, rep->file_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd, 0) == MAP_FAILED) {
    return Status::FailedPrecondition("cannot map " + path);
  }
  g.data_level0_memory_ = rep->region + kHeaderBytes;

  // Upper-level link lists follow the level-0 block: per element a byte count, then its lists.
  std::vector<char> upper(file_size - level0_end);
  if (!upper.empty() && ::pread(fd, upper.data(), upper.size(), static_cast<off_t>(level0_end)) !=
                            static_cast<ssize_t>(upper.size())) {
    return Status::FailedPrecondition("cannot read " + path);
  }
  size_t pos = 0;
  g.cur_element_count = elements;
  g.maxlevel_ = max_level;
  g.enterpoint_node_ = entry;
  g.num_deleted_ = 0;
  g.label_lookup_.reserve(elements);
  for (hnswlib::tableint i = 0; i < elements; ++i) {
    uint32_t bytes;
    if (pos + sizeof bytes > upper.size()) return Status::FailedPrecondition("graph links truncated");
    std::memcpy(&bytes, upper.data() + pos, sizeof bytes);
    pos += sizeof bytes;
    if (bytes % g.size_links_per_element_ != 0 || bytes / g.size_links_per_element_ > kMaxLevel ||
        bytes > upper.size() - pos) {
      return Status::FailedPrecondition("graph links are inconsistent");
    }
    g.element_levels_[i] = static_cast<int>(bytes / g.size_links_per_element_);
    g.linkLists_[i] = nullptr;
    if (bytes > 0) {
      g.linkLists_[i] = static_cast<char*>(std::malloc(bytes));
      if (g.linkLists_[i] == nullptr) return Status::FailedPrecondition("out of memory loading the graph");
      std::memcpy(g.linkLists_[i], upper.data() + pos, bytes);
      pos += bytes;
    }
    g.label_lookup_[g.getExternalLabel(i)] = i;
    if (g.isMarkedDeleted(i)) ++g.num_deleted_;
  }
  if (pos != upper.size()) return Status::FailedPrecondition("graph file has trailing bytes");
  if (!LinksAreConsistent(g)) return Status::FailedPrecondition("graph links are inconsistent");
  rep->ef_base = static_cast<size_t>(ef_search);
  rep->UpdateEf();
  if (!rep->ReserveRows()) return Status::FailedPrecondition("cannot map the vector file");
  return std::unique_ptr<HnswGraph>(new HnswGraph(std::move(rep)));
}

}  // namespace exemplar::index

namespace exemplar::index {

Status HnswGraph::SaveRows(const std::string& path, uint64_t* bytes, uint64_t* checksum) const {
  return rep_->rows.SaveTo(path, rep_->graph->cur_element_count, bytes, checksum);
}

Status HnswGraph::LoadRows(const std::string& path, uint64_t checksum) {
  return rep_->rows.LoadFrom(path, rep_->graph->cur_element_count, checksum);
}

}  // namespace exemplar::index
