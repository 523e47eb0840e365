#include "service/examples/reembedding.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/time.h"
#include "service/examples/example_json.h"

namespace exemplar::service {
namespace {
constexpr size_t kChunk = 256;          // rows embedded per provider call batch and per lock hold
constexpr size_t kStoreChunk = 500;     // vectors per store transaction at the switch
constexpr size_t kFinalUnderLock = 16;  // this few rows written meanwhile: embed them under the lock
constexpr int kMaxRounds = 8;           // then embed what remains under the lock (writes wait briefly)
}  // namespace

Result<ReembedStatus> Reembedding::Start(bool all) {
  std::lock_guard lock(mu_);
  if (status_.state == "running") {
    return Status::FailedPrecondition("a re-embedding is already running (" + std::to_string(status_.done) + " of " +
                                      std::to_string(status_.total) + " examples)");
  }
  if (thread_.joinable()) thread_.join();  // a finished job: its last act was to set its state
  status_ = ReembedStatus{};
  status_.state = "running";
  status_.from_model = index_.Space()->model;
  status_.to_model = index_.configured()->model();
  status_.all = all;
  status_.started_at = NowMillis();
  stop_ = false;
  thread_ = std::thread([this, all] { Run(all); });
  return status_;
}

bool Reembedding::Due() const {
  const std::string target = index_.configured()->model();
  if (index_.Space()->model != target) return true;
  for (const auto& [model, n] : index_.StoredModels()) {
    if (model != target && n > 0) return true;  // another model's vectors, or none ("")
  }
  return false;
}

ReembedStatus Reembedding::Current() const {
  std::lock_guard lock(mu_);
  return status_;
}

void Reembedding::Wait() {
  std::unique_lock lock(mu_);
  if (!thread_.joinable()) return;
  lock.unlock();
  thread_.join();
}

void Reembedding::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void Reembedding::Fail(const std::string& why) {
  spdlog::warn("re-embedding failed: {}", why);
  std::lock_guard lock(mu_);
  status_.state = "failed";
  status_.error = why;
  status_.finished_at = NowMillis();
}

bool Reembedding::PlaceRows(const std::vector<int64_t>& rows, bool all, bool under_lock) {
  auto examples = store_.GetExamplesByRowIds(rows);
  if (!examples.ok()) {
    Fail("reading examples: " + examples.status().message());
    return false;
  }
  const VectorSpace* next = index_.next();
  const std::string model = next->model;
  const int dim = next->index->options().dim;
  std::vector<std::pair<int64_t, std::vector<float>>> placed;
  std::vector<const Example*> to_embed;
  int64_t reused = 0;
  for (const Example& e : *examples) {
    if (!all && e.embedding_model == model) {
      auto full = store_.GetExample(e.id, true);
      if (full.ok() && static_cast<int>(full->embedding.size()) == dim) {
        placed.emplace_back(e.row_id, std::move(full->embedding));
        ++reused;
        continue;
      }
    }
    to_embed.push_back(&e);
  }
  if (!to_embed.empty()) {
    std::vector<std::string> texts;
    for (const Example* e : to_embed) texts.push_back(EmbeddingText(*e));
    embed::Embedder& embedder = all ? next->embedder->uncached() : *next->embedder;
    auto vectors = embedder.EmbedBatch(texts);
    for (size_t i = 0; i < to_embed.size(); ++i) {
      if (!vectors[i].ok() || static_cast<int>(vectors[i]->size()) != dim) {
        {
          std::lock_guard lock(mu_);
          ++status_.errors;
        }
        Fail("embedding example " + to_embed[i]->id + " with " + model + ": " +
             (vectors[i].ok() ? std::string("wrong dimension") : vectors[i].status().message()));
        return false;
      }
      placed.emplace_back(to_embed[i]->row_id, std::move(vectors[i]).value());
    }
  }
  {
    std::unique_lock<std::mutex> write_lock;
    if (!under_lock) write_lock = index_.LockWrites();
    for (const auto& [row, vec] : placed) index_.AddToNext(row, vec);  // skips rows written meanwhile
  }
  std::lock_guard lock(mu_);
  status_.done += static_cast<int64_t>(rows.size());
  status_.reused += reused;
  status_.embedded += static_cast<int64_t>(to_embed.size());
  return true;
}

Status Reembedding::Switch() {
  const VectorSpace* next = index_.next();
  std::vector<std::pair<std::string, std::vector<float>>> items;
  for (uint64_t row : index_.catalog().RowIds()) {
    auto id = index_.catalog().IdOf(static_cast<int64_t>(row));
    std::vector<float> vec;
    if (!id || !next->index->GetVector(row, &vec)) continue;
    items.emplace_back(*id, std::move(vec));
    if (items.size() == kStoreChunk) {
      EXEMPLAR_RETURN_IF_ERROR(store_.SetEmbeddings(items, next->model));
      items.clear();
    }
  }
  if (!items.empty()) EXEMPLAR_RETURN_IF_ERROR(store_.SetEmbeddings(items, next->model));
  index_.FinishMigration();
  return Status::Ok();
}

void Reembedding::Run(bool all) {
  {
    auto lock = index_.LockWrites();
    auto next = index_.NewSpace(index_.configured()->model(), index_.configured()->dim());
    index_.BeginMigration(std::move(next));
  }
  auto abandon = [&](const std::string& why) {  // why: empty when already reported
    {
      auto lock = index_.LockWrites();
      index_.AbortMigration();
    }
    if (!why.empty()) Fail(why);
  };
  std::vector<int64_t> rows;
  for (uint64_t r : index_.catalog().RowIds()) rows.push_back(static_cast<int64_t>(r));
  {
    std::lock_guard lock(mu_);
    status_.total = static_cast<int64_t>(rows.size());
  }
  for (size_t start = 0; start < rows.size(); start += kChunk) {
    if (stop_) return abandon("stopped");
    std::vector<int64_t> chunk(rows.begin() + static_cast<std::ptrdiff_t>(start),
                               rows.begin() + static_cast<std::ptrdiff_t>(std::min(rows.size(), start + kChunk)));
    if (!PlaceRows(chunk, all, false)) return abandon("");
  }
  // Rows written meanwhile, until few remain: those are embedded under the lock, then the switch.
  for (int round = 0;; ++round) {
    if (stop_) return abandon("stopped");
    auto lock = index_.LockWrites();
    std::vector<int64_t> touched = index_.TakeTouched();
    {
      std::lock_guard status_lock(mu_);
      status_.total += static_cast<int64_t>(touched.size());
    }
    if (touched.size() <= kFinalUnderLock || round >= kMaxRounds) {
      if (!touched.empty() && !PlaceRows(touched, all, true)) {
        index_.AbortMigration();
        return;
      }
      Status st = Switch();
      if (!st.ok()) {
        index_.AbortMigration();
        return Fail("storing the new vectors: " + st.message());
      }
      break;
    }
    lock.unlock();
    if (!PlaceRows(touched, all, false)) return abandon("");
  }
  Status saved = index_.SaveSnapshot();
  if (!saved.ok()) spdlog::warn("snapshot after re-embedding: {}", saved.ToString());
  std::lock_guard lock(mu_);
  spdlog::info("re-embedding complete: {} examples now use {} ({} reused, {} embedded)", status_.done,
               status_.to_model, status_.reused, status_.embedded);
  status_.state = "completed";
  status_.finished_at = NowMillis();
}

}  // namespace exemplar::service
