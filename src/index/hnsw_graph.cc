#include "index/hnsw_graph.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
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

#include "index/vector_kernels.h"

#if defined(__SANITIZE_THREAD__)
// hnswlib keeps a mutex per element plus 65,536 update mutexes and takes them in varying orders
// inside addPoint: TSan's deadlock detector drowns in reports (with broken stacks) and slows tests
// 10×. Every graph write runs under VectorIndex's exclusive lock, so those locks never contend and
// cannot deadlock. Data-race detection stays on. Weak: a binary that defines its own TSan options
// replaces these (and should keep detect_deadlocks=0 if it uses VectorIndex).
extern "C" __attribute__((weak)) const char* __tsan_default_options() { return "detect_deadlocks=0"; }
#endif

namespace exemplar::index {
namespace {

using Graph = hnswlib::HierarchicalNSW<float>;

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

bool HeaderMatches(const char* head, int dim, int m, uint64_t elements) {
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
  const size_t data = static_cast<size_t>(dim) * sizeof(float);
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
  constexpr uintptr_t kHugePage = uintptr_t{2} << 20;
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
  explicit Rep(int dim) : space(static_cast<size_t>(dim)), dim(static_cast<size_t>(dim)) {}
  DotSpace space;  // before `graph`: the graph keeps a pointer into it
  std::unique_ptr<Graph> graph;
  size_t dim;

  // The internal id of a live (non-deleted) element.
  bool LiveId(uint64_t label, hnswlib::tableint* id) const {
    auto it = graph->label_lookup_.find(label);
    if (it == graph->label_lookup_.end() || graph->isMarkedDeleted(it->second)) return false;
    *id = it->second;
    return true;
  }
};

HnswGraph::HnswGraph(int dim, int m, int ef_construction, int ef_search, size_t capacity)
    : rep_(std::make_unique<Rep>(dim)) {
  rep_->graph = std::make_unique<Graph>(&rep_->space, std::max<size_t>(capacity, 16), static_cast<size_t>(m),
                                        static_cast<size_t>(ef_construction), kSeed);
  rep_->graph->setEf(static_cast<size_t>(ef_search));
  AdviseHugePages(*rep_->graph, false);
}

HnswGraph::HnswGraph(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}
HnswGraph::~HnswGraph() = default;

size_t HnswGraph::elements() const { return rep_->graph->cur_element_count; }
size_t HnswGraph::live() const { return rep_->graph->cur_element_count - rep_->graph->num_deleted_; }

const float* HnswGraph::Find(uint64_t label) const {
  hnswlib::tableint id;
  if (!rep_->LiveId(label, &id)) return nullptr;
  return reinterpret_cast<const float*>(rep_->graph->getDataByInternalId(id));
}

bool HnswGraph::Add(uint64_t label, const float* vec) {
  Graph& g = *rep_->graph;
  try {
    if (g.cur_element_count >= g.max_elements_ && g.label_lookup_.find(label) == g.label_lookup_.end()) {
      g.resizeIndex(std::max<size_t>(g.max_elements_ * 2, 1024));
      AdviseHugePages(g, true);
    }
    g.addPoint(vec, label);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

void HnswGraph::MarkDeleted(uint64_t label) {
  hnswlib::tableint id;
  if (rep_->LiveId(label, &id)) rep_->graph->markDeletedInternal(id);
}

void HnswGraph::ExactScan(const float* query, TopK* top) const {
  const Graph& g = *rep_->graph;
  const size_t n = g.cur_element_count;
  for (hnswlib::tableint i = 0; i < n; ++i) {
    if (g.isMarkedDeleted(i)) continue;
    top->Push(g.getExternalLabel(i), Dot(query, reinterpret_cast<const float*>(g.getDataByInternalId(i)), rep_->dim));
  }
}

bool HnswGraph::Search(const float* query, size_t fetch, std::vector<uint64_t>* labels) const {
  labels->clear();
  try {
    // searchKnn runs with ef = max(ef_, fetch): a larger fetch is a larger ef without writing the
    // shared ef_ member (setEf would race with concurrent searches).
    auto found = rep_->graph->searchKnn(query, fetch);
    labels->reserve(found.size());
    for (; !found.empty(); found.pop()) labels->push_back(found.top().second);
    return true;
  } catch (const std::exception&) {
    return false;
  }
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
                                                   int ef_search, uint64_t elements, size_t capacity) {
  char head[kHeaderBytes];
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::FailedPrecondition("cannot open " + path);
  const ssize_t got = ::pread(fd, head, kHeaderBytes, 0);
  ::close(fd);
  if (got != static_cast<ssize_t>(kHeaderBytes)) return Status::FailedPrecondition("graph header truncated");
  if (!HeaderMatches(head, dim, m, elements)) {
    return Status::FailedPrecondition("graph header does not match the index options");
  }
  auto rep = std::make_unique<Rep>(dim);
  try {
    rep->graph = std::make_unique<Graph>(&rep->space, path, false,
                                         std::max<size_t>(capacity, elements + elements / 4 + 16));
  } catch (const std::exception& e) {
    return Status::FailedPrecondition(std::string("hnswlib could not load the graph: ") + e.what());
  }
  Graph& g = *rep->graph;
  // The loading constructor leaves these uninitialised (loadIndex only adds to num_deleted_).
  g.metric_distance_computations = 0;
  g.metric_hops = 0;
  g.num_deleted_ = 0;
  for (hnswlib::tableint i = 0; i < g.cur_element_count; ++i) {
    if (g.isMarkedDeleted(i)) ++g.num_deleted_;
  }
  if (!LinksAreConsistent(g)) return Status::FailedPrecondition("graph links are inconsistent");
  AdviseHugePages(g, true);
  g.setEf(static_cast<size_t>(ef_search));
  g.ef_construction_ = std::max<size_t>(static_cast<size_t>(ef_construction), g.M_);
  return std::unique_ptr<HnswGraph>(new HnswGraph(std::move(rep)));
}

}  // namespace exemplar::index
