#include "service/search/relevance_floor.h"

#include <algorithm>
#include <cmath>

#include "common/time.h"
#include "index/stop_words.h"

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

// Embeds the probes once per calibration (a remote provider is called here); the vectors, or
// why there are none.
Result<std::vector<std::vector<float>>> EmbedProbes(const index::VectorIndex& vectors, const ProbeEmbedder& embed_probes) {
  if (!embed_probes) return Status::Unavailable("no embedder for the probes");
  EXEMPLAR_ASSIGN_OR_RETURN(auto embedded, embed_probes(ProbeTexts()));
  if (embedded.size() != ProbeTexts().size()) {
    return Status::Unavailable("the embedder returned " + std::to_string(embedded.size()) + " vectors for " +
                               std::to_string(ProbeTexts().size()) + " probes");
  }
  const size_t dim = static_cast<size_t>(vectors.options().dim);
  for (const auto& v : embedded) {
    if (v.size() != dim) {
      return Status::Unavailable("probe vector of dimension " + std::to_string(v.size()) + ", index " + std::to_string(dim));
    }
  }
  return embedded;
}

// The figures of one measurement: of the whole index (`allowed` null) or of one scope's rows.
struct Measured {
  size_t samples = 0;
  double neighbour_median = 0, background_median = 0;
  std::vector<double> probe_tops;
  size_t probes_on_topic = 0;
  std::optional<double> probe_max, probe_cap;
  std::optional<double> floor;  // nullopt: too few vectors
};

// Samples up to kCalibrationSamples of `rows` (evenly spaced: deterministic, and spread over the
// store's history), measures their nearest neighbours and pairs among `allowed` (all vectors when
// null), and searches each probe's best match there.
Measured Measure(const index::VectorIndex& vectors, const std::vector<uint64_t>& rows, const std::vector<uint64_t>* allowed,
                 const std::vector<std::vector<float>>* probes) {
  Measured m;
  std::vector<uint64_t> labels;
  std::vector<std::vector<float>> vecs;
  const size_t step = std::max<size_t>(1, rows.size() / kCalibrationSamples);
  std::vector<float> v;
  for (size_t i = 0; i < rows.size() && labels.size() < kCalibrationSamples; i += step) {
    if (!vectors.GetVector(rows[i], &v)) continue;
    labels.push_back(rows[i]);
    vecs.push_back(v);
  }
  m.samples = labels.size();
  if (m.samples < kMinCalibrationVectors) return m;
  std::vector<double> neighbour, background;
  for (size_t i = 0; i < vecs.size(); ++i) {
    for (const auto& h : vectors.Search(vecs[i], 2, allowed)) {
      if (h.label == labels[i]) continue;
      neighbour.push_back(h.score);
      break;
    }
    for (size_t j = i + 1; j < vecs.size(); ++j) background.push_back(Dot(vecs[i], vecs[j]));
  }
  m.neighbour_median = Median(neighbour);
  m.background_median = Median(background);
  // Without probes: a relevant candidate is more like the query than two unrelated examples of
  // this store are like each other (the background median: most sampled pairs are unrelated),
  // never above the neighbour median.
  m.floor = std::max(0.0, std::min(m.background_median, m.neighbour_median));
  if (!probes) return m;
  std::vector<double> off_topic;
  for (size_t i = 0; i < probes->size(); ++i) {
    const auto hits = vectors.Search((*probes)[i], 1, allowed);
    const double top = hits.empty() ? 0.0 : hits[0].score;
    m.probe_tops.push_back(top);
    // A query without a content word (the punctuation probes) is never searched: it finds
    // nothing whatever its vector (Search::CandidateLegs), so what that vector reaches says
    // nothing about the floor. (The hash embedder makes every such text one fixed vector, which
    // counted twice and set the floor of one store.)
    if (index::ContentWords(ProbeTexts()[i]).empty()) continue;
    // A probe as close to an example as examples are to their nearest neighbours is on-topic for
    // this store (a cooking store and the cooking probe): it says nothing about noise, skip it.
    if (top >= m.neighbour_median) {
      ++m.probes_on_topic;
      continue;
    }
    off_topic.push_back(top);
  }
  // The second highest: one probe that is half on-topic (the cooking probe in a store of recipes
  // written differently) must not lift the floor over the store's own queries.
  std::sort(off_topic.rbegin(), off_topic.rend());
  if (!off_topic.empty()) m.probe_max = off_topic[std::min<size_t>(1, off_topic.size() - 1)];
  // With probes, the floor sits just above what an off-topic text finds here: that is what an
  // irrelevant query reaches in this store. The background median is no measure of it — a typical
  // pair, not the best of many: in a homogeneous store shared field names and house style lift it
  // above what a relevant query reaches, and in a store of several tasks unrelated pairs sink it
  // below what an off-topic sentence finds (0.06 against 0.19 in review s21).
  if (m.probe_max) {
    m.probe_cap = *m.probe_max + kProbeMargin * (m.neighbour_median - *m.probe_max);
    m.floor = std::max(0.0, std::min(*m.probe_cap, m.neighbour_median));
  }
  return m;
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
                               const std::string& embedder, const ProbeEmbedder& embed_probes,
                               const std::vector<CalibrationScope>& scopes) {
  RelevanceCalibration c;
  c.version = kCalibrationVersion;
  c.embedder = embedder;
  c.vectors = vectors.size();
  c.measured_at_ms = NowMillis();
  if (c.vectors < kMinCalibrationVectors) return c;
  std::optional<std::vector<std::vector<float>>> probes;
  if (auto embedded = EmbedProbes(vectors, embed_probes); embedded.ok()) {
    probes = std::move(embedded).value();
  } else {
    c.probe_error = embedded.status().message();
  }
  Measured all = Measure(vectors, rows, nullptr, probes ? &*probes : nullptr);
  c.samples = all.samples;
  if (!all.floor) return c;
  c.neighbour_median = all.neighbour_median;
  c.background_median = all.background_median;
  c.probes = all.probe_tops.size();
  c.probe_tops = std::move(all.probe_tops);
  c.probes_on_topic = all.probes_on_topic;
  c.probe_max = all.probe_max;
  c.probe_cap = all.probe_cap;
  c.floor = all.floor;
  // Each scope measured alone: in a store that mixes tasks, one large or tight group (a thousand
  // near-identical tickets that share digits with a probe) sets the whole-store figures, and the
  // floor it gives is above what a relevant query of another task reaches.
  for (const CalibrationScope& scope : scopes) {
    if (c.scopes.size() == kMaxCalibratedScopes) break;
    if (scope.rows.size() < kMinCalibrationVectors) continue;
    const Measured m = Measure(vectors, scope.rows, &scope.rows, probes ? &*probes : nullptr);
    if (!m.floor) continue;
    c.scopes.push_back({scope.key, m.samples, m.neighbour_median, m.background_median, m.probe_max, *m.floor});
  }
  return c;
}

std::optional<double> RelevanceCalibration::ScopeFloor(const std::string& key) const {
  if (!floor) return std::nullopt;
  for (const auto& s : scopes) {
    if (s.key == key) return std::min(*floor, s.floor);
  }
  return UnmeasuredScopeFloor();
}

std::optional<double> RelevanceCalibration::UnmeasuredScopeFloor() const {
  if (!floor) return std::nullopt;
  double lowest = *floor;
  for (const auto& s : scopes) lowest = std::min(lowest, s.floor);
  return lowest;
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
  Json scopes = Json::array();
  for (const auto& s : c.scopes) {
    scopes.push_back({{"key", s.key},
                      {"samples", s.samples},
                      {"neighbour_median", s.neighbour_median},
                      {"background_median", s.background_median},
                      {"probe_max", opt(s.probe_max)},
                      {"floor", s.floor}});
  }
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
          {"floor", opt(c.floor)},
          {"scopes", scopes}};
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
    for (const Json& s : j.value("scopes", Json::array())) {
      ScopeCalibration sc;
      sc.key = s.at("key").get<std::string>();
      sc.samples = s.value("samples", size_t{0});
      sc.neighbour_median = s.value("neighbour_median", 0.0);
      sc.background_median = s.value("background_median", 0.0);
      if (s.contains("probe_max") && s["probe_max"].is_number()) sc.probe_max = s["probe_max"].get<double>();
      sc.floor = s.at("floor").get<double>();
      c.scopes.push_back(std::move(sc));
    }
  } catch (const Json::exception&) {
    return std::nullopt;  // a field of the wrong type: measure again
  }
  return c;
}

}  // namespace exemplar::service
