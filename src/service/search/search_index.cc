#include "service/search/search_index.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>
#include <utility>

#include "service/examples/example_json.h"

namespace exemplar::service {

SearchIndex::SearchIndex(storage::Store& store, index::VectorIndexOptions options,
                         std::string snapshot_path)
    : store_(store),
      options_(options),
      snapshot_path_(std::move(snapshot_path)),
      vectors_(std::make_unique<index::VectorIndex>(options)) {}

void SearchIndex::Apply(const Example& e) { ApplyBatch({&e}, {}); }

void SearchIndex::ApplyBatch(const std::vector<const Example*>& examples,
                             std::vector<std::string> keyword_texts) {
  std::vector<std::pair<uint64_t, std::span<const float>>> vectors;
  vectors.reserve(examples.size());
  for (size_t i = 0; i < examples.size(); ++i) {
    const Example& e = *examples[i];
    const auto label = static_cast<uint64_t>(e.row_id);
    catalog_.Upsert(e);
    keywords_.Upsert(label, keyword_texts.empty() ? KeywordText(e) : std::move(keyword_texts[i]));
    if (e.has_embedding() && static_cast<int>(e.embedding.size()) == options_.dim) {
      vectors.emplace_back(label, e.embedding);
    } else {
      vectors_->Remove(label);
    }
  }
  vectors_->UpsertBatch(vectors);
}

void SearchIndex::Remove(int64_t row_id) {
  catalog_.Remove(row_id);
  keywords_.Remove(static_cast<uint64_t>(row_id));
  vectors_->Remove(static_cast<uint64_t>(row_id));
}

Status SearchIndex::Rebuild() {
  std::lock_guard lock(apply_mu_);
  EXEMPLAR_ASSIGN_OR_RETURN(int64_t seq, store_.LatestChangeSeq());
  vectors_ = std::make_unique<index::VectorIndex>(options_);
  catalog_.Clear();
  keywords_.Clear();
  catalog_load_ = "rebuild";
  EXEMPLAR_RETURN_IF_ERROR(store_.ScanExamples(true, [&](Example&& e) { Apply(e); }));
  applied_seq_ = seq;
  load_mode_ = "rebuild";
  return Status::Ok();
}

namespace {

// The sidecar holds the change-log position of the vector snapshot, written after the snapshot.
std::optional<int64_t> ReadSnapshotSeq(const std::string& meta_path) {
  std::ifstream in(meta_path);
  int64_t seq = -1;
  if (!(in >> seq) || seq < 0) return std::nullopt;
  return seq;
}

// Hands batches of scanned rows from the scanning thread to the keyword thread (bounded, so a
// slow consumer holds the scan back instead of buffering the whole table).
class RowPipe {
 public:
  void Push(std::vector<Example> batch) {
    std::unique_lock lock(mu_);
    room_.wait(lock, [this] { return batches_.size() < kMaxBatches; });
    batches_.push_back(std::move(batch));
    ready_.notify_one();
  }
  void Close() {
    std::lock_guard lock(mu_);
    closed_ = true;
    ready_.notify_one();
  }
  // Empty once closed and drained.
  std::vector<Example> Pop() {
    std::unique_lock lock(mu_);
    ready_.wait(lock, [this] { return closed_ || !batches_.empty(); });
    if (batches_.empty()) return {};
    std::vector<Example> batch = std::move(batches_.front());
    batches_.pop_front();
    room_.notify_one();
    return batch;
  }

 private:
  static constexpr size_t kMaxBatches = 8;
  std::mutex mu_;
  std::condition_variable ready_, room_;
  std::deque<std::vector<Example>> batches_;
  bool closed_ = false;
};

}  // namespace

Status SearchIndex::Load() {
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
  std::optional<int64_t> snap_seq = ReadSnapshotSeq(snapshot_path_ + ".seq");
  if (!snap_seq || *snap_seq > latest) return Rebuild();

  // The vector snapshot loads on its own thread while this one loads the catalog and keyword
  // snapshots (or, when they do not fit, rebuilds both from the rows).
  std::optional<Result<std::unique_ptr<index::VectorIndex>>> loaded;
  double vectors_s = 0;
  std::thread vector_loader([&] {
    loaded = index::VectorIndex::Load(snapshot_path_, options_, static_cast<uint64_t>(*snap_seq));
    vectors_s = seconds_since(start);
  });
  std::unique_lock lock(apply_mu_);
  const bool from_snapshots = LoadCatalogAndKeywords(*snap_seq);
  Status scanned = from_snapshots ? Status::Ok() : ScanRows();
  const double rows_s = seconds_since(start);
  vector_loader.join();
  EXEMPLAR_RETURN_IF_ERROR(scanned);
  if (!loaded->ok()) {
    spdlog::warn("vector snapshot not usable ({}); rebuilding", loaded->status().ToString());
    lock.unlock();
    return Rebuild();
  }
  vectors_ = std::move(*loaded).value();
  // Replay changes made after the snapshot: to the vectors only when the catalog and keywords
  // were read from the rows (they reflect the rows already).
  EXEMPLAR_ASSIGN_OR_RETURN(int64_t seq, Replay(*snap_seq, latest, !from_snapshots, false));
  spdlog::debug("indexes loaded in {:.3f} s: vector snapshot {:.3f} s, alongside catalog and keywords ({}) of {} "
                "examples {:.3f} s", seconds_since(start), vectors_s, from_snapshots ? "snapshot" : "rows",
                catalog_.size(), rows_s);
  load_mode_ = seq == *snap_seq ? "snapshot" : "snapshot+replay";
  catalog_load_ = from_snapshots ? "snapshot" : "rows";
  if (from_snapshots) {
    // The snapshots were written together with the vectors at the same change; a count that
    // disagrees with the store means something changed it outside the change log.
    EXEMPLAR_ASSIGN_OR_RETURN(int64_t rows, store_.CountExamples());
    if (catalog_.size() != static_cast<size_t>(rows) || keywords_.size() != static_cast<size_t>(rows)) {
      spdlog::warn("catalog snapshot holds {} examples, keyword snapshot {}, store has {}; rebuilding",
                   catalog_.size(), keywords_.size(), rows);
      lock.unlock();
      return Rebuild();
    }
  }
  if (vectors_->size() != catalog_.embedded()) {
    spdlog::warn("vector snapshot holds {} vectors, store has {}; rebuilding", vectors_->size(),
                 catalog_.embedded());
    vectors_ = std::make_unique<index::VectorIndex>(options_);
    EXEMPLAR_RETURN_IF_ERROR(store_.ScanExamples(true, [&](Example&& e) {
      if (e.has_embedding() && static_cast<int>(e.embedding.size()) == options_.dim)
        vectors_->Upsert(static_cast<uint64_t>(e.row_id), e.embedding);
    }));
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

Status SearchIndex::ScanRows() {
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
    catalog_.Upsert(e);
    batch.push_back(std::move(e));
    if (batch.size() == kBatch) pipe.Push(std::exchange(batch, {}));
  });
  if (!batch.empty()) pipe.Push(std::move(batch));
  pipe.Close();
  keyword_builder.join();
  return scanned;
}

Status SearchIndex::SaveSnapshot() {
  std::lock_guard lock(apply_mu_);
  // Writers of this process hold apply_mu_ from commit to apply, so after catching up with other
  // processes' changes the indexes reflect exactly the applied sequence.
  EXEMPLAR_RETURN_IF_ERROR(CatchUpLocked());
  int64_t seq = applied_seq_.load();
  EXEMPLAR_RETURN_IF_ERROR(vectors_->Save(snapshot_path_, static_cast<uint64_t>(seq)));
  // The catalog and keyword snapshots carry the same seq; each is checked on its own at load,
  // so a crash between these writes costs a rebuild of those two, nothing more.
  EXEMPLAR_RETURN_IF_ERROR(catalog_.Save(snapshot_path_ + ".catalog", static_cast<uint64_t>(seq)));
  EXEMPLAR_RETURN_IF_ERROR(keywords_.Save(snapshot_path_ + ".keywords", static_cast<uint64_t>(seq)));
  std::string tmp = snapshot_path_ + ".seq.tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << seq << "\n";
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
    const std::string ctmp = snapshot_path_ + ".calibration.tmp";
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

RelevanceCalibration SearchIndex::Calibration(const std::string& embedder) const {
  std::lock_guard lock(calibration_mu_);
  const size_t n = vectors_->size();
  if (!calibration_ || CalibrationStale(*calibration_, n, embedder)) {
    calibration_ = Calibrate(*vectors_, catalog_.RowIds(), embedder);
  }
  return *calibration_;
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
        if (vectors_only) vectors_->Remove(static_cast<uint64_t>(c.row_id));
        else Remove(c.row_id);
        continue;
      }
      auto e = store_.GetExample(c.entity_id, true);
      if (!e.ok()) continue;  // deleted later in the log
      if (!vectors_only) {
        Apply(*e);
      } else if (e->has_embedding() && static_cast<int>(e->embedding.size()) == options_.dim) {
        vectors_->Upsert(static_cast<uint64_t>(e->row_id), e->embedding);
      } else {
        vectors_->Remove(static_cast<uint64_t>(e->row_id));
      }
    }
    if (static_cast<int64_t>(changes.size()) < kPage) break;
  }
  return std::max(seq, latest);
}

IndexStats SearchIndex::Stats() const {
  IndexStats s;
  s.examples = catalog_.size();
  s.vectors = vectors_->size();
  s.keyword_docs = keywords_.size();
  s.vector_bytes = vectors_->MemoryBytes();
  s.keyword_bytes = keywords_.MemoryBytes();
  s.applied_seq = applied_seq_.load();
  s.load_mode = load_mode_;
  s.catalog_load = catalog_load_;
  return s;
}

}  // namespace exemplar::service
