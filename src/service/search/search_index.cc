#include "service/search/search_index.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>
#include <utility>

#include "common/time.h"
#include "index/snapshot_file.h"
#include "service/examples/example_json.h"
#include "service/search/row_pipe.h"

namespace exemplar::service {

SearchIndex::SearchIndex(storage::Store& store, index::VectorIndexOptions options, std::string snapshot_path,
                         std::shared_ptr<embed::Embedder> configured, EmbedderResolver resolve)
    : store_(store),
      options_(options),
      snapshot_path_(std::move(snapshot_path)),
      configured_(std::move(configured)),
      resolve_(std::move(resolve)),
      space_(NewSpace(configured_->model(), configured_->dim())) {}

std::shared_ptr<VectorSpace> SearchIndex::NewSpace(const std::string& model, int dim) const {
  auto space = std::make_shared<VectorSpace>();
  space->model = model;
  if (model == configured_->model()) space->embedder = configured_;
  else if (resolve_) space->embedder = resolve_(model);
  if (dim <= 0 && space->embedder) dim = space->embedder->dim();
  index::VectorIndexOptions o = options_;
  if (dim > 0) o.dim = dim;
  space->index = std::make_shared<index::VectorIndex>(o);
  return space;
}

std::shared_ptr<const VectorSpace> SearchIndex::Space() const {
  std::lock_guard lock(space_mu_);
  return space_;
}

void SearchIndex::SetSpace(std::shared_ptr<VectorSpace> space) {
  std::lock_guard lock(space_mu_);
  space_ = std::move(space);
}

std::shared_ptr<embed::Embedder> SearchIndex::WriteEmbedder() const {
  auto space = Space();
  return space->embedder ? space->embedder : configured_;
}

std::map<std::string, size_t> SearchIndex::StoredModels() const {
  std::lock_guard lock(space_mu_);
  return stored_models_;
}

bool SearchIndex::Fits(const Example& e, const VectorSpace& space) {
  return e.has_embedding() && *e.embedding_model == space.model &&
         static_cast<int>(e.embedding.size()) == space.index->options().dim;
}

void SearchIndex::Apply(const Example& e) { ApplyBatch({&e}, {}); }

void SearchIndex::ApplyBatch(const std::vector<const Example*>& examples,
                             std::vector<std::string> keyword_texts,
                             const std::vector<const ExampleFingerprint*>& fingerprints) {
  auto space = Space();
  std::vector<std::pair<uint64_t, std::span<const float>>> vectors, next_vectors;
  vectors.reserve(examples.size());
  for (size_t i = 0; i < examples.size(); ++i) {
    const Example& e = *examples[i];
    const auto label = static_cast<uint64_t>(e.row_id);
    catalog_.Upsert(e, fingerprints.empty() ? nullptr : fingerprints[i]);
    keywords_.Upsert(label, keyword_texts.empty() ? KeywordText(e) : std::move(keyword_texts[i]));
    // A vector of another model never enters the serving index: a search stays in one space.
    if (Fits(e, *space)) {
      vectors.emplace_back(label, e.embedding);
    } else {
      space->index->Remove(label);
    }
    if (next_) {
      // Either way the row is placed again before the switch (a chunk of the re-embedding read
      // before this write must not overwrite it).
      if (Fits(e, *next_)) next_vectors.emplace_back(label, e.embedding);
      else next_->index->Remove(label);
      touched_.insert(e.row_id);
    }
  }
  space->index->UpsertBatch(vectors);
  if (next_) next_->index->UpsertBatch(next_vectors);
}

void SearchIndex::Remove(int64_t row_id) {
  catalog_.Remove(row_id);
  keywords_.Remove(static_cast<uint64_t>(row_id));
  Space()->index->Remove(static_cast<uint64_t>(row_id));
  if (next_) {
    next_->index->Remove(static_cast<uint64_t>(row_id));
    touched_.insert(row_id);
  }
}

void SearchIndex::BeginMigration(std::shared_ptr<VectorSpace> next) {
  next_ = std::move(next);
  touched_.clear();
}

std::vector<int64_t> SearchIndex::TakeTouched() {
  std::vector<int64_t> out(touched_.begin(), touched_.end());
  touched_.clear();
  std::sort(out.begin(), out.end());
  return out;
}

void SearchIndex::AddToNext(int64_t row_id, std::span<const float> vec) {
  if (next_ && !Touched(row_id)) next_->index->Upsert(static_cast<uint64_t>(row_id), vec);
}

void SearchIndex::FinishMigration() {
  if (!next_) return;
  {
    std::lock_guard lock(space_mu_);
    stored_models_.clear();
    stored_models_[next_->model] = next_->index->size();
  }
  SetSpace(std::move(next_));
  next_.reset();
  touched_.clear();
}

void SearchIndex::AbortMigration() {
  next_.reset();
  touched_.clear();
}

Status SearchIndex::Rebuild() {
  std::lock_guard lock(apply_mu_);
  EXEMPLAR_ASSIGN_OR_RETURN(int64_t seq, store_.LatestChangeSeq());
  std::map<std::string, size_t> models;
  std::map<std::string, std::string> sample;  // model → an example id holding one of its vectors
  EXEMPLAR_RETURN_IF_ERROR(store_.ScanExamples(false, [&](Example&& e) {
    if (!e.has_embedding()) ++models[""];  // rows without a vector
    else if (models[*e.embedding_model]++ == 0) sample[*e.embedding_model] = e.id;
  }));
  const std::string model = ServingModel(models, configured_->model());
  int dim = model == configured_->model() ? configured_->dim() : 0;
  if (dim <= 0 && sample.count(model)) {
    auto e = store_.GetExample(sample[model], true);
    if (e.ok()) dim = static_cast<int>(e->embedding.size());
  }
  {
    std::lock_guard space_lock(space_mu_);
    stored_models_ = models;
  }
  SetSpace(NewSpace(model, dim));
  catalog_.Clear();
  keywords_.Clear();
  catalog_load_ = "rebuild";
  load_done_ = 0;  // a row scan before the fallback counted too
  EXEMPLAR_RETURN_IF_ERROR(store_.ScanExamples(true, [&](Example&& e) {
    if (cancel_load_.load(std::memory_order_relaxed)) return;  // the rest of the rows are only read
    Apply(e);
    load_done_.fetch_add(1, std::memory_order_relaxed);
  }));
  EXEMPLAR_RETURN_IF_ERROR(CheckNotCancelled());
  applied_seq_ = seq;
  load_mode_ = "rebuild";
  return Status::Ok();
}

std::string SearchIndex::ServingModel(const std::map<std::string, size_t>& models, const std::string& configured) {
  std::string best = configured;
  size_t best_n = models.count(configured) ? models.at(configured) : 0;
  for (const auto& [model, n] : models) {
    if (!model.empty() && n > best_n) best = model, best_n = n;
  }
  return best;
}

namespace {

// The sidecar holds the change-log position of the vector snapshot, written after the snapshot,
// on its second line the model and dimension of its vectors (absent in older sidecars: the
// configured model's), and on its third the id of the entity the change at that position names:
// which database the snapshots were made from (a data directory kept while --db pointed elsewhere
// would otherwise be read as this store's, its examples found by searches of another store).
struct SnapshotMeta {
  int64_t seq = -1;
  std::string model;
  int dim = 0;
  std::string change_entity;  // empty: an older sidecar, or seq 0
};
std::optional<SnapshotMeta> ReadSnapshotMeta(const std::string& meta_path) {
  std::ifstream in(meta_path);
  SnapshotMeta m;
  if (!(in >> m.seq) || m.seq < 0) return std::nullopt;
  if (!(in >> m.model >> m.dim)) m.model.clear();
  std::string key;
  if (in >> key >> m.change_entity && key != "change") m.change_entity.clear();
  return m;
}

// The entity id of the change at `seq` in `store`'s log ("" at seq 0, or when there is none).
Result<std::string> ChangeEntityAt(storage::Store& store, int64_t seq) {
  if (seq <= 0) return std::string();
  EXEMPLAR_ASSIGN_OR_RETURN(auto changes, store.ChangesSince(seq - 1, 1, ""));
  if (changes.empty() || changes[0].seq != seq) return std::string();
  return changes[0].entity_id;
}

}  // namespace

Status SearchIndex::CheckNotCancelled() const {
  return cancel_load_ ? Status::Unavailable("index loading cancelled") : Status::Ok();
}

Status SearchIndex::Load() {
  if (auto rows = store_.CountExamples(); rows.ok()) {
    load_total_ = static_cast<size_t>(*rows);
    load_counted_ = true;
  }
  Status st = LoadIndexes();
  if (st.ok()) load_done_ = load_total_.load();
  return st;
}

Status SearchIndex::LoadIndexes() {
  {
    std::ifstream in(snapshot_path_ + ".calibration");
    if (in) {
      Json j = Json::parse(in, nullptr, false);
      std::lock_guard lock(calibration_mu_);
      calibration_ = CalibrationFromJson(j);
    }
  }
  const auto start = std::chrono::steady_clock::now();
  auto seconds_since = [](std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
  };
  EXEMPLAR_ASSIGN_OR_RETURN(int64_t latest, store_.LatestChangeSeq());
  std::optional<SnapshotMeta> meta = ReadSnapshotMeta(snapshot_path_ + ".seq");
  if (!meta || meta->seq > latest) return Rebuild();
  if (meta->seq > 0) {
    EXEMPLAR_ASSIGN_OR_RETURN(std::string entity, ChangeEntityAt(store_, meta->seq));
    if (entity.empty() || entity != meta->change_entity) {
      spdlog::warn("index snapshots in {} were not made from this database (change {} names {}, the snapshot "
                   "says {}); rebuilding", snapshot_path_, meta->seq, entity.empty() ? "nothing" : entity,
                   meta->change_entity.empty() ? "nothing" : meta->change_entity);
      return Rebuild();
    }
  }
  std::optional<int64_t> snap_seq = meta->seq;
  if (meta->model.empty()) meta->model = configured_->model(), meta->dim = configured_->dim();
  index::VectorIndexOptions snap_options = options_;
  snap_options.dim = meta->dim;

  // The vector snapshot loads on its own thread while this one loads the catalog and keyword
  // snapshots (or, when they do not fit, rebuilds both from the rows).
  std::optional<Result<std::unique_ptr<index::VectorIndex>>> loaded;
  double vectors_s = 0;
  std::thread vector_loader([&] {
    loaded = index::VectorIndex::Load(snapshot_path_, snap_options, static_cast<uint64_t>(*snap_seq));
    vectors_s = seconds_since(start);
  });
  std::unique_lock lock(apply_mu_);
  std::map<std::string, size_t> models;  // embedded rows per model ("": rows without a vector)
  const bool from_snapshots = LoadCatalogAndKeywords(*snap_seq);
  Status scanned = from_snapshots ? Status::Ok() : ScanRows(&models);
  const double rows_s = seconds_since(start);
  vector_loader.join();
  EXEMPLAR_RETURN_IF_ERROR(scanned);
  // The snapshots carry no per-model counts: the vector snapshot holds its model's vectors, and the
  // size check below falls back to the rows when the store holds any other.
  auto counts_from_catalog = [&] {
    models = {{meta->model, catalog_.embedded()}, {"", catalog_.size() - catalog_.embedded()}};
  };
  if (from_snapshots) counts_from_catalog();
  const std::string serving = ServingModel(models, configured_->model());
  if (!loaded->ok() || serving != meta->model) {
    if (!loaded->ok()) spdlog::warn("vector snapshot not usable ({}); rebuilding", loaded->status().ToString());
    else spdlog::info("vector snapshot holds {} vectors, the store mostly {}; rebuilding", meta->model, serving);
    lock.unlock();
    return Rebuild();
  }
  auto space = NewSpace(serving, meta->dim);
  space->index = std::move(*loaded).value();
  SetSpace(space);
  // Replay changes made after the snapshot: to the vectors only when the catalog and keywords
  // were read from the rows (they reflect the rows already).
  EXEMPLAR_ASSIGN_OR_RETURN(int64_t seq, Replay(*snap_seq, latest, !from_snapshots, false));
  spdlog::debug("indexes loaded in {:.3f} s: vector snapshot {:.3f} s, alongside catalog and keywords ({}) of {} "
                "examples {:.3f} s", seconds_since(start), vectors_s, from_snapshots ? "snapshot" : "rows",
                catalog_.size(), rows_s);
  load_mode_ = seq == *snap_seq ? "snapshot" : "snapshot+replay";
  catalog_load_ = from_snapshots ? "snapshot" : "rows";
  if (from_snapshots) {
    // The snapshots were written together with the vectors at the same change; counts that
    // disagree with the store (rows changed outside the change log, or vectors of another model
    // than the snapshot's) send everything back to the rows.
    EXEMPLAR_ASSIGN_OR_RETURN(int64_t rows, store_.CountExamples());
    if (catalog_.size() != static_cast<size_t>(rows) || keywords_.size() != static_cast<size_t>(rows) ||
        space->index->size() != catalog_.embedded()) {
      spdlog::warn("snapshots hold {} examples, {} keyword documents, {} vectors; store has {} rows, {} with "
                   "vectors; rebuilding", catalog_.size(), keywords_.size(), space->index->size(), rows,
                   catalog_.embedded());
      lock.unlock();
      return Rebuild();
    }
    counts_from_catalog();  // as replayed
  }
  {
    std::lock_guard space_lock(space_mu_);
    stored_models_ = models;
  }
  const size_t embedded = models[serving];
  if (space->index->size() != embedded) {
    spdlog::warn("vector snapshot holds {} vectors, store has {}; rebuilding", space->index->size(),
                 embedded);
    auto fresh = NewSpace(serving, meta->dim);
    EXEMPLAR_RETURN_IF_ERROR(store_.ScanExamples(true, [&](Example&& e) {
      if (!cancel_load_.load(std::memory_order_relaxed) && Fits(e, *fresh)) {
        fresh->index->Upsert(static_cast<uint64_t>(e.row_id), e.embedding);
      }
    }));
    EXEMPLAR_RETURN_IF_ERROR(CheckNotCancelled());
    SetSpace(fresh);
    load_mode_ = "rebuild";
  }
  applied_seq_ = latest;
  return Status::Ok();
}

bool SearchIndex::LoadCatalogAndKeywords(int64_t seq) {
  Status catalog_st;
  std::thread catalog_loader(
      [&] { catalog_st = catalog_.Load(snapshot_path_ + ".catalog", static_cast<uint64_t>(seq)); });
  Status keywords_st = keywords_.Load(snapshot_path_ + ".keywords", static_cast<uint64_t>(seq));
  catalog_loader.join();
  if (catalog_st.ok() && keywords_st.ok()) return true;
  spdlog::info("catalog/keyword snapshot not usable ({}); reading the rows",
               (catalog_st.ok() ? keywords_st : catalog_st).ToString());
  catalog_.Clear();
  keywords_.Clear();
  return false;
}

Status SearchIndex::ScanRows(std::map<std::string, size_t>* models) {
  // This thread fills the catalog from the rows while a helper turns the same rows into the
  // keyword index (text flattening and tokenising are most of a row's cost).
  RowPipe pipe;
  std::thread keyword_builder([&] {
    for (std::vector<Example> batch = pipe.Pop(); !batch.empty(); batch = pipe.Pop()) {
      for (const Example& e : batch) keywords_.Upsert(static_cast<uint64_t>(e.row_id), KeywordText(e));
    }
  });
  constexpr size_t kBatch = 256;
  std::vector<Example> batch;
  Status scanned = store_.ScanExamples(false, [&](Example&& e) {
    if (cancel_load_.load(std::memory_order_relaxed)) return;  // the rest of the rows are only read
    load_done_.fetch_add(1, std::memory_order_relaxed);
    catalog_.Upsert(e);
    ++(*models)[e.has_embedding() ? *e.embedding_model : std::string()];
    batch.push_back(std::move(e));
    if (batch.size() == kBatch) pipe.Push(std::exchange(batch, {}));
  });
  if (!batch.empty()) pipe.Push(std::move(batch));
  pipe.Close();
  keyword_builder.join();
  EXEMPLAR_RETURN_IF_ERROR(scanned);
  return CheckNotCancelled();
}

Status SearchIndex::SaveSnapshot() {
  // One writer of the set at a time, in this process or another (`exemplar import` beside
  // `serve`): taken before apply_mu_, so this process's writes go on while it waits. Temp files
  // a writer that died left are removed under it.
  EXEMPLAR_ASSIGN_OR_RETURN(auto write_lock, index::SnapshotWriteLock::Acquire(snapshot_path_));
  index::RemoveStaleTemps(snapshot_path_);
  std::lock_guard lock(apply_mu_);
  // Writers of this process hold apply_mu_ from commit to apply, so after catching up with other
  // processes' changes the indexes reflect exactly the applied sequence.
  EXEMPLAR_RETURN_IF_ERROR(CatchUpLocked());
  int64_t seq = applied_seq_.load();
  auto space = Space();
  EXEMPLAR_RETURN_IF_ERROR(space->index->Save(snapshot_path_, static_cast<uint64_t>(seq)));
  // The catalog and keyword snapshots carry the same seq; each is checked on its own at load,
  // so a crash between these writes costs a rebuild of those two, nothing more.
  EXEMPLAR_RETURN_IF_ERROR(catalog_.Save(snapshot_path_ + ".catalog", static_cast<uint64_t>(seq)));
  EXEMPLAR_RETURN_IF_ERROR(keywords_.Save(snapshot_path_ + ".keywords", static_cast<uint64_t>(seq)));
  EXEMPLAR_ASSIGN_OR_RETURN(const std::string entity, ChangeEntityAt(store_, seq));
  std::string tmp = index::TempPathFor(snapshot_path_ + ".seq");
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << seq << "\n" << space->model << " " << space->index->options().dim << "\n";
    if (!entity.empty()) out << "change " << entity << "\n";
    if (!out.flush()) return Status::Internal("cannot write " + tmp);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, snapshot_path_ + ".seq", ec);
  if (ec) return Status::Internal("cannot write snapshot seq: " + ec.message());
  std::optional<RelevanceCalibration> calibration;
  {
    std::lock_guard calibration_lock(calibration_mu_);
    calibration = calibration_;
  }
  if (calibration) {
    const std::string ctmp = index::TempPathFor(snapshot_path_ + ".calibration");
    {
      std::ofstream out(ctmp, std::ios::trunc);
      out << CalibrationToJson(*calibration).dump() << "\n";
      if (!out.flush()) return Status::Internal("cannot write " + ctmp);
    }
    std::filesystem::rename(ctmp, snapshot_path_ + ".calibration", ec);
    if (ec) return Status::Internal("cannot write calibration: " + ec.message());
  }
  return Status::Ok();
}

Status SearchIndex::CatchUp() {
  std::lock_guard lock(apply_mu_);
  return CatchUpLocked();
}

Status SearchIndex::CatchUpLocked() {
  EXEMPLAR_ASSIGN_OR_RETURN(int64_t latest, store_.LatestChangeSeq());
  EXEMPLAR_ASSIGN_OR_RETURN(int64_t seq, Replay(applied_seq_.load(), latest, false, true));
  applied_seq_ = seq;
  return Status::Ok();
}

void SearchIndex::StartFollowing(std::chrono::milliseconds poll) {
  if (following_.exchange(true)) return;
  follower_ = std::thread([this, poll] {
    while (following_) {
      store_.WaitForChange(poll);
      if (!following_) break;
      Status st = CatchUp();
      if (!st.ok()) spdlog::warn("index follower: {}", st.ToString());
    }
  });
}

void SearchIndex::StopFollowing() {
  if (!following_.exchange(false)) return;
  follower_.join();  // WaitForChange returns within `poll`
}

SearchIndex::~SearchIndex() { StopFollowing(); }

Result<int64_t> SearchIndex::Replay(int64_t seq, int64_t latest, bool vectors_only, bool skip_own) {
  constexpr int64_t kPage = 10000;  // change-log rows read per query
  // Own changes are filtered out by the store, so a busy writer costs the follower nothing.
  const std::string exclude = skip_own ? store_.origin() : std::string();
  while (seq < latest) {
    EXEMPLAR_ASSIGN_OR_RETURN(auto changes, store_.ChangesSince(seq, kPage, exclude));
    for (const auto& c : changes) {
      if (c.seq > latest) return latest;  // the next catch-up takes it
      seq = c.seq;
      if (c.entity != "example") continue;
      if (c.op == "delete") {
        if (vectors_only) Space()->index->Remove(static_cast<uint64_t>(c.row_id));
        else Remove(c.row_id);
        continue;
      }
      auto e = store_.GetExample(c.entity_id, true);
      if (!e.ok()) continue;  // deleted later in the log
      if (!vectors_only) {
        Apply(*e);
      } else if (auto space = Space(); Fits(*e, *space)) {
        space->index->Upsert(static_cast<uint64_t>(e->row_id), e->embedding);
      } else {
        space->index->Remove(static_cast<uint64_t>(e->row_id));
      }
    }
    if (static_cast<int64_t>(changes.size()) < kPage) break;
  }
  return std::max(seq, latest);
}

IndexStats SearchIndex::Stats() const {
  IndexStats s;
  s.examples = catalog_.size();
  auto space = Space();
  s.vectors = space->index->size();
  s.vector_model = space->model;
  s.keyword_docs = keywords_.size();
  s.vector_bytes = space->index->MemoryBytes();
  s.vector_file_bytes = space->index->VectorFileBytes();
  s.keyword_bytes = keywords_.MemoryBytes();
  s.catalog_bytes = catalog_.MemoryBytes();
  s.applied_seq = applied_seq_.load();
  s.load_mode = load_mode_;
  s.catalog_load = catalog_load_;
  return s;
}

}  // namespace exemplar::service
