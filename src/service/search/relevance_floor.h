// The relevance floor (issue #18): the cosine similarity below which a vector candidate is noise.
// Embedders have very different cosine ranges — the hash embedder puts unrelated texts near 0, a
// neural model may put them at 0.3 or 0.7 — so no fixed number works. The floor is calibrated
// from the index itself: off-topic probe texts (punctuation, noise, sentences of unrelated
// domains), embedded with the store's embedder and searched in the index, show what an irrelevant
// query reaches in this store, and the floor sits just above the best of them (the probe cap),
// never above what an example's nearest neighbour typically reaches. Without probes (the embedder
// failed on them) the floor is the similarity of sampled pairs of examples (the background
// median: most pairs are unrelated), a weaker stand-in — in a homogeneous store it sits above what
// a relevant query reaches, in a store of several tasks below what an off-topic sentence finds.
// It is kept with the index, per embedder model, and recomputed when the number of vectors has
// changed by a tenth or the embedder changed.
// A store that mixes tasks is also measured per scope (template and domain, up to
// kMaxCalibratedScopes of the largest): a candidate must clear the lower of the store's floor and
// its scope's (a scope too small to measure: the lowest floor measured), so one large or tight
// group cannot raise the floor above another task's queries.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/json_util.h"
#include "common/status.h"
#include "index/vector_index.h"
#include "service/examples/catalog.h"

namespace exemplar::service {

// One scope's own figures: its examples measured among themselves, probes searched among them.
struct ScopeCalibration {
  std::string key;                  // the catalog's scope key: "<template id>|<domain>"
  size_t samples = 0;
  double neighbour_median = 0;
  double background_median = 0;
  std::optional<double> probe_max;
  double floor = 0;
};

struct RelevanceCalibration {
  int version = 0;                  // kCalibrationVersion when measured by this build
  std::string embedder;             // the model whose vectors were measured, e.g. "hash-384"
  size_t vectors = 0;               // vectors in the index when measured
  size_t samples = 0;               // examples sampled
  double neighbour_median = 0;      // median similarity of a sample to its nearest neighbour
  double background_median = 0;     // median similarity of two sampled examples
  // The off-topic probes: how many were embedded and searched, how many were ignored as on-topic
  // for this store (as close to an example as a typical nearest neighbour), the second highest
  // best-match similarity of the others (the highest when only one), and the cap it gives
  // (probe_max plus a margin): the floor.
  size_t probes = 0;
  std::vector<double> probe_tops;   // each probe's best similarity, in ProbeTexts() order
  size_t probes_on_topic = 0;
  std::optional<double> probe_max;
  std::optional<double> probe_cap;
  std::string probe_error;          // why the probes could not be embedded ("" : they were)
  int64_t measured_at_ms = 0;
  std::optional<double> floor;      // nullopt: too few vectors to tell related from unrelated
  std::vector<ScopeCalibration> scopes;  // measured alone (none when the store is one scope)

  // The floor a candidate of scope `key` must clear: min(floor, the scope's own); for a scope
  // not measured (under 10 examples, or beyond the 32 largest), the lowest floor measured — the
  // store's figures may be another task's. nullopt without a floor.
  std::optional<double> ScopeFloor(const std::string& key) const;
  std::optional<double> UnmeasuredScopeFloor() const;
};

// A scope to measure on its own: its key and its live rows with vectors, ascending.
struct CalibrationScope {
  std::string key;
  std::vector<uint64_t> rows;
};

inline constexpr int kCalibrationVersion = 4;  // 2: off-topic probes; 3: per scope; 4: the probes set the floor
inline constexpr size_t kMinCalibrationVectors = 10;  // fewer: no floor (nothing to compare)
inline constexpr size_t kCalibrationSamples = 128;    // 8,128 pairs: stable medians, < 10 ms
inline constexpr size_t kMaxCalibratedScopes = 32;    // the largest scopes; the others use the store floor
inline constexpr int64_t kProbeRetryMs = 10 * 60 * 1000;  // a failed probe embedding is retried after

// The probe texts (fixed: the same for every store and embedder).
const std::vector<std::string>& ProbeTexts();

// Embeds texts with the store's embedder, one vector per text, or the error.
using ProbeEmbedder = std::function<Result<std::vector<std::vector<float>>>(const std::vector<std::string>&)>;

// Measures `vectors` (whose live labels are `rows`, ascending). Deterministic for a deterministic
// embedder. `embed_probes` may be empty (no probes: the floor is the background one). `scopes`
// (largest first; the caller passes none for a store of one scope) are measured alone as well.
RelevanceCalibration Calibrate(const index::VectorIndex& vectors, const std::vector<uint64_t>& rows,
                               const std::string& embedder, const ProbeEmbedder& embed_probes,
                               const std::vector<CalibrationScope>& scopes = {});
// True when `c` no longer describes an index of `vectors` vectors made by `embedder`, or was
// measured by an older build, or its probes failed more than kProbeRetryMs before `now_ms`.
bool CalibrationStale(const RelevanceCalibration& c, size_t vectors, const std::string& embedder, int64_t now_ms);

Json CalibrationToJson(const RelevanceCalibration& c);
std::optional<RelevanceCalibration> CalibrationFromJson(const Json& j);

}  // namespace exemplar::service
