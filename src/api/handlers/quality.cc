// Quality reports (issue #20): near-duplicate clusters and conflicts over the whole store.
#include <cmath>
#include <cstdlib>

#include "api/routes.h"
#include "service/examples/example_json.h"
#include "service/quality/near_duplicates.h"

namespace exemplar::api {
namespace {

// One page of clusters with their examples (wire form, so a UI can show and act on them).
Result<Reply> ClustersReply(Services& s, const Request& req, bool conflicts_only) {
  Validation v;
  double threshold = service::kNearDuplicateSimilarity;
  if (auto t = req.Query("threshold")) {
    char* end = nullptr;
    double d = std::strtod(t->c_str(), &end);
    if (end != t->c_str() + t->size() || !(d >= 0.5 && d <= 1.0)) {
      v.Add({"query", "threshold"}, "must be a number in [0.5, 1]", "value_error.number.out_of_range");
    } else {
      threshold = d;
    }
  }
  int64_t limit = QueryInt(req, "limit", 1, 500, v).value_or(50);
  int64_t offset = QueryInt(req, "offset", 0, 1000000, v).value_or(0);
  EXEMPLAR_RETURN_IF_ERROR(v.ToStatus());
  EXEMPLAR_ASSIGN_OR_RETURN(service::DuplicateReport report, service::FindDuplicateClusters(s.index, s.store, threshold));
  std::vector<const service::DuplicateCluster*> chosen;
  for (const auto& c : report.clusters) {
    if (!conflicts_only || c.conflict()) chosen.push_back(&c);
  }
  Json clusters = Json::array();
  for (size_t i = static_cast<size_t>(offset); i < chosen.size() && clusters.size() < static_cast<size_t>(limit); ++i) {
    const auto& c = *chosen[i];
    EXEMPLAR_ASSIGN_OR_RETURN(auto examples, s.store.GetExamplesByRowIds(c.rows));
    Json members = Json::array();
    for (const auto& e : examples) members.push_back(service::ExampleToJson(e));
    if (members.size() < 2) continue;  // deleted meanwhile
    clusters.push_back({{"size", members.size()},
                        {"min_similarity", std::round(c.min_similarity * 10000) / 10000},
                        {"conflict", c.conflict()},
                        {"distinct_outputs", c.distinct_outputs},
                        {"examples", std::move(members)}});
  }
  return Reply::Json200({{"clusters", std::move(clusters)},
                         {"total_clusters", chosen.size()},
                         {"examples_scanned", report.examples_scanned},
                         {"threshold", threshold},
                         {"took_ms", report.took_ms}});
}

}  // namespace

void AddQualityRoutes(std::vector<Route>& routes, Services& s) {
  const std::string base = "/api/v1/quality";
  routes.push_back({"GET", base + "/duplicates",
                    "Clusters of near-duplicate examples (same template and domain; threshold, limit, offset)",
                    "quality", [&s](const Request& req) { return ClustersReply(s, req, false); }});
  routes.push_back({"GET", base + "/conflicts",
                    "Clusters of near-duplicate inputs whose expected outputs differ", "quality",
                    [&s](const Request& req) { return ClustersReply(s, req, true); }});
}

}  // namespace exemplar::api
