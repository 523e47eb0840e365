// HnswGraph's snapshot: hnswlib's saveIndex format, loaded with the level-0 block mapped in place
// and the header and every link list checked before use; the f32 rows of compact storage beside it.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#define EXEMPLAR_HNSWLIB_PREFIX exemplar_hnswlib_io
#include "index/hnsw_graph_rep.h"

namespace exemplar::index {
namespace {

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


Status HnswGraph::SaveRows(const std::string& path, uint64_t* bytes, uint64_t* checksum) const {
  return rep_->rows.SaveTo(path, rep_->graph->cur_element_count, bytes, checksum);
}

Status HnswGraph::LoadRows(const std::string& path, uint64_t checksum) {
  return rep_->rows.LoadFrom(path, rep_->graph->cur_element_count, checksum);
}

}  // namespace exemplar::index
