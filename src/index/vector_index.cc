#include "index/vector_index.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <thread>

#include "index/vector_index_impl.h"
#include "index/vector_kernels.h"

namespace exemplar::index {
namespace {

// Below this many graph vectors a full exact scan (≈ 0.03 ms at 384-d) is as cheap as an HNSW
// search at ef = 128, and exact.
constexpr size_t kExactScanMaxLive = 1024;
// Filtered search scans the allowed labels exactly when there are at most this many of them, or
// at most 1/kExactFilterFraction of the index: the scan then costs about what an oversampled HNSW
// search would (≈ 0.12 ms for 2,000 random-access 384-d vectors, measured).
constexpr size_t kExactFilterMin = 2000;
constexpr size_t kExactFilterFraction = 20;
// Oversampling cap for broad filters: with ≥ 5% of labels allowed the estimate size/allowed stays
// ≤ 20; the cap only guards odd inputs (e.g. allowed lists full of labels without vectors).
constexpr size_t kMaxOversample = 32;

size_t InsertThreads(const VectorIndexOptions& o) {
  if (o.insert_threads > 0) return static_cast<size_t>(o.insert_threads);
  return std::max(1u, std::thread::hardware_concurrency());
}

// A unit-length copy of `v`; empty when `v` holds a NaN or infinity (which would poison the graph).
std::vector<float> Normalized(std::span<const float> v) {
  std::vector<float> out(v.begin(), v.end());
  if (!std::isfinite(NormalizeInPlace(out.data(), out.size()))) out.clear();
  return out;
}

}  // namespace

const char* VectorStorageName(VectorStorage s) {
  switch (s) {
    case VectorStorage::kF16: return "f16";
    case VectorStorage::kInt8: return "int8";
    case VectorStorage::kF32: break;
  }
  return "f32";
}

std::optional<VectorStorage> ParseVectorStorage(const std::string& name) {
  if (name == "f32") return VectorStorage::kF32;
  if (name == "f16") return VectorStorage::kF16;
  if (name == "int8") return VectorStorage::kInt8;
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Impl

VectorIndex::Impl::Impl(VectorIndexOptions o, std::unique_ptr<HnswGraph> g)
    : options(o), insert_threads(InsertThreads(o)), graph(std::move(g)), pending(static_cast<size_t>(o.dim)) {}

VectorIndex::Impl::~Impl() {
  {
    std::lock_guard lock(queue_mu);
    stop = true;
  }
  queue_cv.notify_all();
  for (std::thread& w : workers) w.join();
  promote_stop = true;
  if (promoter.joinable()) promoter.join();
}

void VectorIndex::Impl::StartPromoting() {
  promoter = std::thread([this] {
    // 2 MB per exclusive hold (~1 ms): searches and writes go on in between.
    constexpr size_t kChunk = size_t{2} << 20;
    while (!promote_stop.load()) {
      size_t left;
      {
        std::unique_lock write(mu);
        left = graph->Promote(kChunk);
      }
      if (left == 0) return;
      std::this_thread::yield();
    }
  });
}

const float* VectorIndex::Impl::FindVector(uint64_t label) const {
  const float* v = pending.Find(label);
  return v != nullptr ? v : graph->Find(label);
}

void VectorIndex::Impl::AddToGraphOrKeepPending(uint64_t label, const float* vec) {
  if (graph->Add(label, vec)) {
    pending.Erase(label);
  } else {
    ++graph_failures;
    if (pending.Find(label) != vec) pending.Put(label, vec);
  }
}

void VectorIndex::Impl::ExactAll(const float* query, TopK* top) const {
  graph->ExactScan(query, top);
  ScorePending(query, nullptr, top);
}

void VectorIndex::Impl::ExactAllowed(const float* query, const std::vector<uint64_t>& allowed,
                                     TopK* top) const {
  const size_t dim = static_cast<size_t>(options.dim);
  if (options.storage == VectorStorage::kF32) {
    for (size_t i = 0; i < allowed.size(); ++i) {
      if (i > 0 && allowed[i] == allowed[i - 1]) continue;
      if (const float* v = FindVector(allowed[i])) top->Push(allowed[i], Dot(query, v, dim));
    }
    return;
  }
  // f16 / int8: the graph's labels are scanned on their codes (in memory), and only the nearest
  // CompactRerank(k) are read from the vector file and scored exactly; pending vectors are exact.
  thread_local std::vector<uint64_t> in_graph;
  in_graph.clear();
  for (size_t i = 0; i < allowed.size(); ++i) {
    if (i > 0 && allowed[i] == allowed[i - 1]) continue;
    if (const float* v = pending.Find(allowed[i])) {
      top->Push(allowed[i], Dot(query, v, dim));
    } else {
      in_graph.push_back(allowed[i]);
    }
  }
  thread_local std::vector<HnswGraph::Candidate> found;
  graph->NearestByCode(query, in_graph, CompactRerank(top->k()), &found);
  RescoreCandidates(query, found, nullptr, top);
}

void VectorIndex::Impl::ScorePending(const float* query, const std::vector<uint64_t>* allowed,
                                     TopK* top) const {
  const size_t dim = static_cast<size_t>(options.dim);
  if (allowed && allowed->size() < pending.size()) {
    for (size_t i = 0; i < allowed->size(); ++i) {
      if (i > 0 && (*allowed)[i] == (*allowed)[i - 1]) continue;
      if (const float* v = pending.Find((*allowed)[i])) top->Push((*allowed)[i], Dot(query, v, dim));
    }
    return;
  }
  for (size_t slot = 0; slot < pending.size(); ++slot) {
    const uint64_t label = pending.label_at(slot);
    if (allowed && !std::binary_search(allowed->begin(), allowed->end(), label)) continue;
    top->Push(label, Dot(query, pending.row(slot), dim));
  }
}

bool VectorIndex::Impl::GraphSearch(const float* query, size_t fetch,
                                    const std::vector<uint64_t>* allowed, TopK* top) const {
  thread_local std::vector<HnswGraph::Candidate> found;
  if (!graph->SearchCandidates(query, fetch, &found)) return false;
  RescoreCandidates(query, found, allowed, top);
  return true;
}

void VectorIndex::Impl::RescoreCandidates(const float* query, const std::vector<HnswGraph::Candidate>& found,
                                          const std::vector<uint64_t>* allowed, TopK* top) const {
  const size_t dim = static_cast<size_t>(options.dim);
  thread_local std::vector<float> row;
  row.resize(dim);
  for (const HnswGraph::Candidate& c : found) {
    if (allowed && !std::binary_search(allowed->begin(), allowed->end(), c.label)) continue;
    top->Push(c.label, Dot(query, c.vec != nullptr ? c.vec : graph->Row(c.id, row.data()), dim));
  }
}

bool VectorIndex::Impl::ScansExactlyLocked(size_t k, const std::vector<uint64_t>* allowed) const {
  const size_t graph_live = graph->live();
  if (graph_live <= kExactScanMaxLive) return true;
  if (allowed == nullptr) return k >= graph_live;
  return allowed->size() <= kExactFilterMin || allowed->size() * kExactFilterFraction <= LiveCount();
}

std::vector<Hit> VectorIndex::Impl::SearchLocked(const float* query, size_t k,
                                                 const std::vector<uint64_t>* allowed) const {
  TopK top(k);
  const size_t graph_live = graph->live();
  if (allowed == nullptr) {
    // f32: the graph's own top k (re-scored with Dot). f16 / int8: a wider candidate list, re-ranked
    // exactly from the f32 vector file by GraphSearch.
    const size_t fetch = options.storage == VectorStorage::kF32 ? k : std::min(graph_live, CompactRerank(k));
    if (!ScansExactlyLocked(k, nullptr) && GraphSearch(query, fetch, nullptr, &top)) {
      ScorePending(query, nullptr, &top);
      std::vector<Hit> hits = top.Take();
      // HNSW can come back short when many graph elements are deleted.
      if (hits.size() >= std::min(k, LiveCount())) return hits;
    }
    TopK exact(k);
    ExactAll(query, &exact);
    return exact.Take();
  }
  const size_t live = LiveCount();
  const size_t n_allowed = allowed->size();
  if (ScansExactlyLocked(k, allowed)) {
    ExactAllowed(query, *allowed, &top);
    return top.Take();
  }
  const size_t oversample = std::min(kMaxOversample, (live + n_allowed - 1) / n_allowed);
  const size_t fetch = std::min(graph_live, std::max(static_cast<size_t>(options.ef_search), k * oversample));
  if (GraphSearch(query, fetch, allowed, &top)) {
    ScorePending(query, allowed, &top);
    std::vector<Hit> hits = top.Take();
    if (hits.size() >= k || hits.size() >= n_allowed) return hits;
  }
  // Too few allowed labels among the graph's candidates: the exact scan is the answer.
  TopK exact(k);
  ExactAllowed(query, *allowed, &exact);
  return exact.Take();
}

// ---------------------------------------------------------------------------------------------
// VectorIndex

VectorIndex::VectorIndex(VectorIndexOptions options)
    : impl_(std::make_unique<Impl>(
          options, std::make_unique<HnswGraph>(options.dim, options.m, options.ef_construction, options.ef_search,
                                               options.initial_capacity, options.storage,
                                               options.vector_file_dir))) {}

VectorIndex::VectorIndex(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

VectorIndex::~VectorIndex() = default;

const VectorIndexOptions& VectorIndex::options() const { return impl_->options; }

size_t VectorIndex::size() const {
  std::shared_lock lock(impl_->mu);
  return impl_->LiveCount();
}

void VectorIndex::Impl::UpsertLocked(uint64_t label, const float* vec) {
  if (options.background_insert) {
    graph->MarkDeleted(label);  // an old vector, if any; the new one is searched from `pending`
    pending.Put(label, vec);
    Enqueue(label);
  } else {
    AddToGraphOrKeepPending(label, vec);
  }
}

void VectorIndex::Upsert(uint64_t label, std::span<const float> vec) {
  if (vec.size() != static_cast<size_t>(impl_->options.dim)) return;
  const std::vector<float> v = Normalized(vec);
  if (v.empty()) return;
  std::unique_lock lock = impl_->LockForWrite();
  impl_->UpsertLocked(label, v.data());
}

void VectorIndex::UpsertBatch(const std::vector<std::pair<uint64_t, std::span<const float>>>& items) {
  const size_t dim = static_cast<size_t>(impl_->options.dim);
  std::vector<uint64_t> labels;
  std::vector<float> vectors;  // normalised before taking the lock
  labels.reserve(items.size());
  vectors.reserve(items.size() * dim);
  for (const auto& [label, vec] : items) {
    if (vec.size() != dim) continue;
    const std::vector<float> v = Normalized(vec);
    if (v.empty()) continue;
    labels.push_back(label);
    vectors.insert(vectors.end(), v.begin(), v.end());
  }
  std::unique_lock lock = impl_->LockForWrite();
  for (size_t i = 0; i < labels.size(); ++i) impl_->UpsertLocked(labels[i], vectors.data() + i * dim);
}

void VectorIndex::Remove(uint64_t label) {
  std::unique_lock lock = impl_->LockForWrite();
  impl_->pending.Erase(label);
  impl_->graph->MarkDeleted(label);
}

bool VectorIndex::Contains(uint64_t label) const {
  std::shared_lock lock(impl_->mu);
  return impl_->FindVector(label) != nullptr;
}

bool VectorIndex::GetVector(uint64_t label, std::vector<float>* out) const {
  std::shared_lock lock(impl_->mu);
  const auto dim = static_cast<size_t>(impl_->options.dim);
  out->resize(dim);
  const float* v = impl_->pending.Find(label);
  if (v == nullptr) v = impl_->graph->Read(label, out->data());  // f16 / int8: pread, not the mapping
  if (v == nullptr) {
    out->clear();
    return false;
  }
  if (v != out->data()) std::copy(v, v + dim, out->data());
  return true;
}

bool VectorIndex::ScansExactly(size_t k, const std::vector<uint64_t>* allowed) const {
  std::shared_lock lock(impl_->mu);
  return impl_->ScansExactlyLocked(k, allowed);
}

std::vector<Hit> VectorIndex::Search(std::span<const float> query, size_t k,
                                     const std::vector<uint64_t>* allowed) const {
  if (k == 0 || query.size() != static_cast<size_t>(impl_->options.dim)) return {};
  if (allowed && allowed->empty()) return {};
  const std::vector<float> q = Normalized(query);
  if (q.empty()) return {};
  std::shared_lock lock(impl_->mu);
  return impl_->SearchLocked(q.data(), k, allowed);
}

std::vector<Hit> VectorIndex::SearchExact(std::span<const float> query, size_t k,
                                          const std::vector<uint64_t>* allowed) const {
  if (k == 0 || query.size() != static_cast<size_t>(impl_->options.dim)) return {};
  const std::vector<float> q = Normalized(query);
  if (q.empty()) return {};
  std::shared_lock lock(impl_->mu);
  TopK top(k);
  if (allowed) {
    impl_->ExactAllowed(q.data(), *allowed, &top);
  } else {
    impl_->ExactAll(q.data(), &top);
  }
  return top.Take();
}

size_t VectorIndex::MemoryBytes() const {
  std::shared_lock lock(impl_->mu);
  return sizeof(Impl) + impl_->graph->MemoryBytes() + impl_->pending.MemoryBytes();
}

size_t VectorIndex::VectorFileBytes() const {
  std::shared_lock lock(impl_->mu);
  return impl_->graph->VectorFileBytes();
}

void VectorIndex::Flush() {
  Impl& m = *impl_;
  std::unique_lock lock(m.queue_mu);
  for (;;) {
    if (m.RoundHasWork()) {
      m.HelpRound(lock);
    } else if (m.CanLead()) {
      m.leading = true;
      lock.unlock();
      m.RunRound();
      lock.lock();
    } else if (m.leading) {
      m.idle_cv.wait(lock);  // a round (perhaps holding labels of this Flush) is finishing
    } else {
      return;  // queue empty, no round running
    }
  }
}

void VectorIndex::PauseBackgroundInsert(bool paused) {
  {
    std::lock_guard lock(impl_->queue_mu);
    impl_->paused = paused;
  }
  impl_->queue_cv.notify_all();
}

size_t VectorIndex::pending() const {
  std::shared_lock lock(impl_->mu);
  return impl_->pending.size();
}

size_t VectorIndex::search_ef() const {
  std::shared_lock lock(impl_->mu);
  return impl_->graph->ef();
}

}  // namespace exemplar::index
