// Placeholder until the optimize library lands (replaced in the same session).
#include "service/runs.h"

namespace exemplar::service {

RunOutcome ExecuteRun(const RunRecord&, const RunConfig&, const Template&, const std::vector<Example>&,
                      const std::vector<Example>&, const RunHooks&) {
  RunOutcome out;
  out.status = "failed";
  out.error = "optimizer engine not available";
  return out;
}

std::vector<UsageEvent> EvidenceFromContributions(const std::string&, const Json&) { return {}; }

}  // namespace exemplar::service
