// Data-quality measurements of `exemplar bench` (issue #20): the cost of the near-duplicate
// check one write pays, of the whole-store duplicate report, of a content filter inside the
// search, and of PII scanning.
#pragma once

#include <string>
#include <vector>

#include "cli/runtime.h"
#include "common/json_util.h"

namespace exemplar::cli {

// Runs over the store `rt` holds (after the bench's ingest). `queries` are query vectors, `texts`
// example-like texts to scan for PII. Returns {near_dup_check_p50_ms, duplicates_report_s,
// duplicate_clusters, content_filter_p50_ms, content_filter_full_k, pii_scan_us_per_kb}.
Json MeasureQuality(Runtime& rt, const std::vector<std::vector<float>>& queries,
                    const std::vector<std::string>& texts);

}  // namespace exemplar::cli
