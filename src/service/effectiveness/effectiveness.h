// Effectiveness (SPEC §4.3): one formula for every source of evidence. Tracking events, per-example
// statistics with a 90% interval and trend, top examples and the dashboard.
#pragma once

#include <optional>
#include <functional>
#include <string>
#include <vector>

#include "common/json_util.h"
#include "service/search/search_index.h"
#include "storage/store.h"

namespace exemplar::service {

class UsageRetention;

// Evidence one outcome adds: success (1, 0), failure (0, 1), partial (0.5, 0.5), else (0, 0).
std::pair<double, double> OutcomeEvidence(const std::string& outcome);
inline const std::vector<std::string> kOutcomes = {"success", "failure", "partial", "unknown"};

struct EffectivenessStats {
  std::string example_id;
  int64_t total_uses = 0;
  double success_count = 0;
  double failure_count = 0;
  std::optional<double> success_rate;        // s / (s + f)
  std::optional<double> effectiveness_score;  // (s + 1) / (s + f + 2)
  double interval_low = 0, interval_high = 1; // 90% Beta(s+1, f+1) interval
  std::optional<std::string> trend;           // improving | declining | stable (null without data)
  std::optional<double> recent_success_rate;  // last 30 days
  std::optional<double> prior_success_rate;   // the 30 days before
  std::optional<int64_t> last_used_at;
};

struct DashboardQuery {
  int period_days = 30;
  std::optional<std::string> domain;
  std::optional<std::string> function_name;
  int64_t now = 0;  // 0 = current time
};

class Effectiveness {
 public:
  // `retention`, when given, is told of the events Record writes (max_usage_events_kept).
  Effectiveness(storage::Store& store, SearchIndex& index, UsageRetention* retention = nullptr)
      : store_(store), index_(index), retention_(retention) {}

  // Records a usage event for one example (kind "tracked"): a use, plus evidence when the outcome
  // is success/failure/partial.
  Status Track(const std::string& example_id, const UsageEvent& event);
  // Records events and refreshes the catalog's effectiveness of the examples they touch.
  Status Record(const std::vector<UsageEvent>& events);
  // Runs `write`, a store call committing evidence for `example_ids`, then refreshes their
  // catalog effectiveness, both under the index's write lock (SearchIndex::LockWrites): a catalog
  // snapshot, taken under that lock, then never claims a change whose effect it lacks.
  Status Commit(const std::function<Status()>& write, const std::vector<std::string>& example_ids);

  Result<EffectivenessStats> Stats(const std::string& example_id, int64_t now = 0);
  Result<Json> Dashboard(const DashboardQuery& q);

 private:
  storage::Store& store_;
  SearchIndex& index_;
  UsageRetention* retention_;
};

Json StatsToJson(const EffectivenessStats& s);
// One usage event as GET /examples/{id}/usage lists it (actor: who sent it; null for a run's sync
// and for events recorded before migration 013).
Json UsageEventToJson(const UsageEvent& e);

}  // namespace exemplar::service
