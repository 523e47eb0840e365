#include "service/search/relevance_floor.h"

#include <algorithm>
#include <cmath>

#include "common/time.h"

namespace exemplar::service {
namespace {

// Where between the highest off-topic probe (0) and the nearest-neighbour median (1) the cap
// sits: just above the probes. With the hash embedder an off-topic sentence reaches about what
// the probe sentences reach (function words shared with the store: "the", "of the"), and short
// keyword queries of a homogeneous store sit only a little above that, so the margin is small
// (bench/README.md, "Relevance floor").
constexpr double kProbeMargin = 0.05;

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double Dot(const std::vector<float>& a, const std::vector<float>& b) {
  double s = 0;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) s += static_cast<double>(a[i]) * b[i];
  return s;
}

// Embeds the probes and searches each one's best match: fills the probe figures of `c`.
void MeasureProbes(const index::VectorIndex& vectors, const ProbeEmbedder& embed_probes, RelevanceCalibration* c) {
  if (!embed_probes) {
    c->probe_error = "no embedder for the probes";
    return;
  }
  auto embedded = embed_probes(ProbeTexts());
  if (!embedded.ok()) {
    c->probe_error = embedded.status().message();
    return;
  }
  if (embedded->size() != ProbeTexts().size()) {
    c->probe_error = "the embedder returned " + std::to_string(embedded->size()) + " vectors for " +
                     std::to_string(ProbeTexts().size()) + " probes";
    return;
  }
  const size_t dim = static_cast<size_t>(vectors.options().dim);
  for (const auto& v : *embedded) {
    if (v.size() != dim) {
      c->probe_error = "probe vector of dimension " + std::to_string(v.size()) + ", index " + std::to_string(dim);
      return;
    }
  }
  for (const auto& v : *embedded) {
    const auto hits = vectors.Search(v, 1);
    const double top = hits.empty() ? 0.0 : hits[0].score;
    ++c->probes;
    c->probe_tops.push_back(top);
    // A probe as close to an example as examples are to their nearest neighbours is on-topic for
    // this store (a cooking store and the cooking probe): it says nothing about noise, skip it.
    if (top >= c->neighbour_median) {
      ++c->probes_on_topic;
      continue;
    }
    c->probe_max = std::max(c->probe_max.value_or(top), top);
  }
  if (c->probe_max) c->probe_cap = *c->probe_max + kProbeMargin * (c->neighbour_median - *c->probe_max);
}

}  // namespace

const std::vector<std::string>& ProbeTexts() {
  // Punctuation only, symbols, random letters, digits, and sentences of domains few example
  // stores hold. Any store on one of these domains finds its probe on-topic, and it is skipped.
  static const std::vector<std::string> texts = {
      "?!.,;:",
      "#*&^%$@ ~|",
      "xq zvbk wpmj tfyl",
      "0 17 4096 31337",
      "3.14159 2.71828 1.41421",
      "lorem ipsum dolor sit amet consectetur",
      "The orbit of the comet crosses the asteroid belt every seventy years.",
      "Whisk the egg whites until stiff peaks form, then fold in the flour.",
      "The appellate court remanded the case for a new sentencing hearing.",
      "The goalkeeper saved a penalty in the last minute of the match.",
      "Photosynthesis converts light energy into chemical energy in chloroplasts.",
      "The treaty ended the war between the two kingdoms in 1648.",
      "Knit two, purl two, and repeat until the scarf is long enough.",
      "Migratory geese fly south in a V formation each autumn.",
      "tectonic plates subduction volcano magma",
      "sonnet iambic pentameter rhyme stanza",
  };
  return texts;
}

RelevanceCalibration Calibrate(const index::VectorIndex& vectors, const std::vector<uint64_t>& rows,
                               const std::string& embedder, const ProbeEmbedder& embed_probes) {
  RelevanceCalibration c;
  c.version = kCalibrationVersion;
  c.embedder = embedder;
  c.vectors = vectors.size();
  c.measured_at_ms = NowMillis();
  if (c.vectors < kMinCalibrationVectors) return c;
  // Evenly spaced rows with vectors: deterministic, and spread over the whole store's history.
  std::vector<uint64_t> labels;
  std::vector<std::vector<float>> vecs;
  const size_t step = std::max<size_t>(1, rows.size() / kCalibrationSamples);
  std::vector<float> v;
  for (size_t i = 0; i < rows.size() && labels.size() < kCalibrationSamples; i += step) {
    if (!vectors.GetVector(rows[i], &v)) continue;
    labels.push_back(rows[i]);
    vecs.push_back(v);
  }
  c.samples = labels.size();
  if (c.samples < kMinCalibrationVectors) return c;
  std::vector<double> neighbour, background;
  for (size_t i = 0; i < vecs.size(); ++i) {
    for (const auto& h : vectors.Search(vecs[i], 2)) {
      if (h.label == labels[i]) continue;
      neighbour.push_back(h.score);
      break;
    }
    for (size_t j = i + 1; j < vecs.size(); ++j) background.push_back(Dot(vecs[i], vecs[j]));
  }
  c.neighbour_median = Median(neighbour);
  c.background_median = Median(background);
  // A relevant candidate is more like the query than two unrelated examples of this store are
  // like each other: the background median (most sampled pairs are unrelated), never above the
  // neighbour median. In a homogeneous store that is too high (shared field names and house style
  // lift it above what a relevant query reaches), so the probes cap it: just above the best match
  // an off-topic text finds. min(): a probe can lower the floor, never raise it.
  c.floor = std::max(0.0, std::min(c.background_median, c.neighbour_median));
  MeasureProbes(vectors, embed_probes, &c);
  if (c.probe_cap) c.floor = std::max(0.0, std::min(*c.floor, *c.probe_cap));
  return c;
}

bool CalibrationStale(const RelevanceCalibration& c, size_t vectors, const std::string& embedder, int64_t now_ms) {
  if (c.version != kCalibrationVersion || c.embedder != embedder) return true;
  if (!c.probe_error.empty() && c.floor && now_ms - c.measured_at_ms >= kProbeRetryMs) return true;
  const double base = static_cast<double>(std::max<size_t>(c.vectors, 1));
  return std::abs(static_cast<double>(vectors) - static_cast<double>(c.vectors)) >= 0.1 * base &&
         vectors != c.vectors;
}

Json CalibrationToJson(const RelevanceCalibration& c) {
  auto opt = [](const std::optional<double>& x) { return x ? Json(*x) : Json(nullptr); };
  return {{"version", c.version},
          {"embedder", c.embedder},
          {"vectors", c.vectors},
          {"samples", c.samples},
          {"neighbour_median", c.neighbour_median},
          {"background_median", c.background_median},
          {"probes", c.probes},
          {"probes_on_topic", c.probes_on_topic},
          {"probe_tops", c.probe_tops},
          {"probe_max", opt(c.probe_max)},
          {"probe_cap", opt(c.probe_cap)},
          {"probe_error", c.probe_error},
          {"measured_at_ms", c.measured_at_ms},
          {"floor", opt(c.floor)}};
}

std::optional<RelevanceCalibration> CalibrationFromJson(const Json& j) {
  if (!j.is_object() || !j.contains("embedder") || !j["embedder"].is_string()) return std::nullopt;
  // A calibration of an older build (no probe figures) is measured again, not trusted.
  if (!j.contains("version") || !j["version"].is_number_integer() || j["version"].get<int>() != kCalibrationVersion) {
    return std::nullopt;
  }
  RelevanceCalibration c;
  auto opt = [&](const char* key) {
    return j.contains(key) && j[key].is_number() ? std::optional<double>(j[key].get<double>()) : std::nullopt;
  };
  try {
    c.version = j["version"].get<int>();
    c.embedder = j["embedder"].get<std::string>();
    c.vectors = j.value("vectors", size_t{0});
    c.samples = j.value("samples", size_t{0});
    c.neighbour_median = j.value("neighbour_median", 0.0);
    c.background_median = j.value("background_median", 0.0);
    c.probes = j.value("probes", size_t{0});
    c.probes_on_topic = j.value("probes_on_topic", size_t{0});
    c.probe_tops = j.value("probe_tops", std::vector<double>{});
    c.probe_max = opt("probe_max");
    c.probe_cap = opt("probe_cap");
    c.probe_error = j.value("probe_error", std::string());
    c.measured_at_ms = j.value("measured_at_ms", int64_t{0});
    c.floor = opt("floor");
  } catch (const Json::exception&) {
    return std::nullopt;  // a field of the wrong type: measure again
  }
  return c;
}

}  // namespace exemplar::service
