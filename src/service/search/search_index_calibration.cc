// SearchIndex::Calibration: the relevance floor's calibration, measured by one caller at a time
// outside the lock that guards it, so searches are not held up while the off-topic probes are
// embedded (a remote provider may take seconds, or time out when it is down).
#include <spdlog/spdlog.h>

#include "common/time.h"
#include "service/search/search_index.h"

namespace exemplar::service {

bool SearchIndex::CalibrationFresh(const std::string& embedder) const {
  const size_t n = Space()->index->size();
  std::lock_guard lock(calibration_mu_);
  const bool usable =
      calibration_ && calibration_->embedder == embedder && calibration_->version == kCalibrationVersion;
  return usable && (calibrating_ || !CalibrationStale(*calibration_, n, embedder, NowMillis()));
}

RelevanceCalibration SearchIndex::Calibration(const std::string& embedder) const {
  const std::shared_ptr<const VectorSpace> space = Space();
  const size_t n = space->index->size();
  std::unique_lock lock(calibration_mu_);
  for (;;) {
    // A calibration of this embedder by this build: right for the store's vectors, if perhaps
    // measured at a different size or without its probes (a provider that was down).
    const bool usable =
        calibration_ && calibration_->embedder == embedder && calibration_->version == kCalibrationVersion;
    if (usable && !CalibrationStale(*calibration_, n, embedder, NowMillis())) return *calibration_;
    if (!calibrating_) break;          // nobody is measuring: this caller does
    if (usable) return *calibration_;  // the last one serves while another caller measures
    calibration_done_.wait(lock);      // none to serve: wait for that measurement, then look again
  }
  calibrating_ = true;
  lock.unlock();
  // The probes are embedded once per calibration (a remote provider is called here, not per
  // request); when that fails the floor is the background one until a retry (kProbeRetryMs).
  ProbeEmbedder embed_probes;
  if (space->embedder && space->model == embedder) {
    embed_probes = [&](const std::vector<std::string>& texts) -> Result<std::vector<std::vector<float>>> {
      std::vector<std::vector<float>> out;
      for (auto& r : space->embedder->EmbedBatch(texts)) {
        if (!r.ok()) return r.status();
        out.push_back(std::move(r).value());
      }
      return out;
    };
  }
  std::optional<RelevanceCalibration> measured;
  try {
    // A store of one scope is measured once, as a whole.
    std::vector<CalibrationScope> scopes;
    auto by_scope = catalog_.VectorRowsByScope();
    if (by_scope.size() > 1) {
      for (auto& [key, rows] : by_scope) scopes.push_back({key, std::move(rows)});
    }
    measured = Calibrate(*space->index, catalog_.RowIds(), embedder, embed_probes, scopes);
  } catch (...) {
    lock.lock();
    calibrating_ = false;
    calibration_done_.notify_all();
    throw;
  }
  if (!measured->probe_error.empty() && measured->floor) {
    spdlog::warn("relevance floor: off-topic probes not measured ({}); using the background floor {:.3f}",
                 measured->probe_error, *measured->floor);
  }
  lock.lock();
  calibration_ = std::move(measured);
  calibrating_ = false;
  calibration_done_.notify_all();
  return *calibration_;
}

}  // namespace exemplar::service
