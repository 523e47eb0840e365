// The relevance floor (issue #18): the cosine similarity below which a vector candidate is noise.
// Embedders have very different cosine ranges — the hash embedder puts unrelated texts near 0, a
// neural model may put them at 0.3 or 0.7 — so no fixed number works. The floor is calibrated
// from the index itself: the similarity of sampled pairs of examples (what "unrelated" looks like
// in this store, for this embedder) and of each sample to its nearest neighbour (what "related"
// looks like); the floor is the median pair similarity. It is kept with the index, per embedder
// model, and recomputed when the number of vectors has changed by a tenth or the embedder changed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/json_util.h"
#include "index/vector_index.h"
#include "service/examples/catalog.h"

namespace exemplar::service {

struct RelevanceCalibration {
  std::string embedder;             // the model whose vectors were measured, e.g. "hash-384"
  size_t vectors = 0;               // vectors in the index when measured
  size_t samples = 0;               // examples sampled
  double neighbour_median = 0;      // median similarity of a sample to its nearest neighbour
  double background_median = 0;     // median similarity of two sampled examples
  std::optional<double> floor;      // nullopt: too few vectors to tell related from unrelated
};

inline constexpr size_t kMinCalibrationVectors = 10;  // fewer: no floor (nothing to compare)
inline constexpr size_t kCalibrationSamples = 128;    // 8,128 pairs: stable medians, < 10 ms

// Measures `vectors` (whose live labels are `rows`, ascending). Deterministic.
RelevanceCalibration Calibrate(const index::VectorIndex& vectors, const std::vector<uint64_t>& rows,
                               const std::string& embedder);
// True when `c` no longer describes an index of `vectors` vectors made by `embedder`.
bool CalibrationStale(const RelevanceCalibration& c, size_t vectors, const std::string& embedder);

Json CalibrationToJson(const RelevanceCalibration& c);
std::optional<RelevanceCalibration> CalibrationFromJson(const Json& j);

}  // namespace exemplar::service
