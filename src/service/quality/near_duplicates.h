// Near-duplicates and conflicts (issue #20). Two examples are near-duplicates when they share a
// scope (template and domain) and their inputs are identical after normalisation (similarity 1)
// or their input vectors' cosine is at least the threshold; a near-duplicate whose normalised
// output differs is a conflict (same question, different label). Both use the vector index and the
// catalog's content hashes: a write costs one k-NN query, the whole-store report one per example.
#pragma once

#include <string>
#include <vector>

#include "service/quality/content_hash.h"
#include "service/quality/content_rules.h"
#include "service/search/search_index.h"

namespace exemplar::service {

// Cosine of input embeddings at or above which two inputs count as near-duplicates. With the hash
// embedder this is "the same words, a few characters apart"; with neural embedders, paraphrases.
inline constexpr double kNearDuplicateSimilarity = 0.95;

// The stored examples `e` near-duplicates (warnings of type near_duplicate or conflict, most
// similar first, at most `limit`). `e.embedding` is its input vector (may be empty: identical
// inputs only). `e` itself (by id) is never reported. `fp`, when given, is FingerprintExample(e).
std::vector<QualityWarning> FindNearDuplicates(const SearchIndex& index, const Example& e, double threshold,
                                               size_t limit = 10, const ExampleFingerprint* fp = nullptr);

struct DuplicateCluster {
  std::vector<int64_t> rows;  // ascending
  double min_similarity = 1;  // the weakest link that joined the cluster
  size_t distinct_outputs = 1;
  bool conflict() const { return distinct_outputs > 1; }
};

struct DuplicateReport {
  std::vector<DuplicateCluster> clusters;  // largest first, then by first row
  int64_t examples_scanned = 0;
  double took_ms = 0;
};

// Clusters of near-duplicates over the whole store: identical inputs grouped by hash, plus one
// k-NN query per example (k = `neighbours`) joining pairs at or above `threshold` (union-find).
DuplicateReport FindDuplicateClusters(const SearchIndex& index, double threshold, size_t neighbours = 8);

}  // namespace exemplar::service
