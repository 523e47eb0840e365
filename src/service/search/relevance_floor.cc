#include "service/search/relevance_floor.h"

#include <algorithm>

namespace exemplar::service {
namespace {

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

}  // namespace

RelevanceCalibration Calibrate(const index::VectorIndex& vectors, const std::vector<uint64_t>& rows,
                               const std::string& embedder) {
  RelevanceCalibration c;
  c.embedder = embedder;
  c.vectors = vectors.size();
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
  // like each other: the background median (most sampled pairs are unrelated). Stored examples
  // share structure a query lacks (field names, a house style), which lifts the background above
  // what an unrelated query reaches, so the floor errs toward keeping relevant results; the
  // midpoint towards the neighbour median cut short relevant queries under a neural model.
  c.floor = std::max(0.0, std::min(c.background_median, c.neighbour_median));
  return c;
}

bool CalibrationStale(const RelevanceCalibration& c, size_t vectors, const std::string& embedder) {
  if (c.embedder != embedder) return true;
  const double base = static_cast<double>(std::max<size_t>(c.vectors, 1));
  return std::abs(static_cast<double>(vectors) - static_cast<double>(c.vectors)) >= 0.1 * base &&
         vectors != c.vectors;
}

Json CalibrationToJson(const RelevanceCalibration& c) {
  return {{"embedder", c.embedder},
          {"vectors", c.vectors},
          {"samples", c.samples},
          {"neighbour_median", c.neighbour_median},
          {"background_median", c.background_median},
          {"floor", c.floor ? Json(*c.floor) : Json(nullptr)}};
}

std::optional<RelevanceCalibration> CalibrationFromJson(const Json& j) {
  if (!j.is_object() || !j.contains("embedder") || !j["embedder"].is_string()) return std::nullopt;
  RelevanceCalibration c;
  c.embedder = j["embedder"].get<std::string>();
  c.vectors = j.value("vectors", size_t{0});
  c.samples = j.value("samples", size_t{0});
  c.neighbour_median = j.value("neighbour_median", 0.0);
  c.background_median = j.value("background_median", 0.0);
  if (j.contains("floor") && j["floor"].is_number()) c.floor = j["floor"].get<double>();
  return c;
}

}  // namespace exemplar::service
