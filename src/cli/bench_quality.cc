#include "cli/bench_quality.h"

#include <algorithm>
#include <chrono>

#include "service/quality/near_duplicates.h"
#include "service/quality/pii.h"

namespace exemplar::cli {
namespace {

using Clock = std::chrono::steady_clock;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

Json MeasureQuality(Runtime& rt, const std::vector<std::vector<float>>& queries,
                    const std::vector<std::string>& texts) {
  Json out = Json::object();
  // What one write pays under on_duplicate = warn: a k-NN query plus the identical-input lookup.
  std::vector<double> check;
  for (size_t i = 0; i < queries.size(); ++i) {
    Example e;
    e.id = "bench-probe";
    e.domain = i % 2 ? "defect_detection" : "predictive_maintenance";
    e.input_json = Json{{"text", texts[i % texts.size()]}}.dump();
    e.expected_output_json = R"({"action":"none"})";
    e.embedding = queries[i];
    auto t0 = Clock::now();
    auto found = service::FindNearDuplicates(rt.index(), rt.store(), e, service::kNearDuplicateSimilarity);
    check.push_back(Ms(Clock::now() - t0));
  }
  out["near_dup_check_p50_ms"] = Median(check);

  // The whole-store report behind GET /quality/duplicates: one k-NN query per example.
  auto t0 = Clock::now();
  auto found_clusters = service::FindDuplicateClusters(rt.index(), rt.store(), service::kNearDuplicateSimilarity);
  out["duplicates_report_s"] = Ms(Clock::now() - t0) / 1000;
  service::DuplicateReport report = found_clusters.ok() ? std::move(found_clusters).value() : service::DuplicateReport{};
  out["duplicates_report_examples"] = report.examples_scanned;
  out["duplicate_clusters"] = report.clusters.size();

  // A content filter (input.site: 1 of 50 values, 2% of examples) inside a vector search.
  std::vector<double> filtered;
  int full = 0;
  for (size_t i = 0; i < queries.size(); ++i) {
    service::SearchRequest req;
    req.mode = service::SearchMode::kVector;
    req.query_embedding = queries[i];
    req.k = 10;
    req.filter.content.push_back({false, "site", {"site-" + std::to_string(i % 50)}});
    auto s0 = Clock::now();
    auto r = rt.search().Run(req);
    filtered.push_back(Ms(Clock::now() - s0));
    if (r.ok() && r->results.size() == 10) ++full;
  }
  out["content_filter_p50_ms"] = Median(filtered);
  out["content_filter_full_k"] = queries.empty() ? 0.0 : static_cast<double>(full) / queries.size();

  // PII scanning speed (every write scans input, output and explanation).
  size_t bytes = 0;
  auto p0 = Clock::now();
  size_t found = 0;
  for (int round = 0; round < 20; ++round) {
    for (const auto& t : texts) {
      bytes += t.size();
      found += service::FindPii(t).size();
    }
  }
  double us = Ms(Clock::now() - p0) * 1000;
  out["pii_scan_us_per_kb"] = bytes ? us / (bytes / 1024.0) : 0.0;
  out["pii_matches"] = found;
  return out;
}

}  // namespace exemplar::cli
