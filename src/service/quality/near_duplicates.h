// Near-duplicates and conflicts (issue #20). Two examples are near-duplicates when they share a
// scope (template and domain) and their inputs are identical after normalisation (similarity 1),
// or their input vectors' cosine is at least the threshold and their inputs match field by field
// (input_match.h: a long shared field cannot hide another year, country or number in a short
// one); a near-duplicate whose normalised output differs is a conflict (same question, different
// label). Both use the vector index and the catalog's content hashes, and read the inputs of
// vector candidates from the store: a write costs one k-NN query (and one read of its candidates'
// inputs when some pass the cosine), the whole-store report one k-NN query per example.
#pragma once

#include <string>
#include <vector>

#include "service/quality/content_hash.h"
#include "service/quality/content_rules.h"
#include "service/search/search_index.h"
#include "storage/store.h"

namespace exemplar::service {

// Cosine of input embeddings at or above which two inputs are near-duplicate candidates (the
// field-by-field check decides). With the hash embedder this is "mostly the same words"; with
// neural embedders, paraphrases too, which the field check then keeps only when worded alike.
inline constexpr double kNearDuplicateSimilarity = 0.95;

// The stored examples `e` near-duplicates (warnings of type near_duplicate or conflict, most
// similar first, at most `limit`). `e.embedding` is its input vector (may be empty: identical
// inputs only). `e` itself (by id) is never reported. `fp`, when given, is FingerprintExample(e).
// A failed read of the candidates' inputs is returned.
Result<std::vector<QualityWarning>> FindNearDuplicates(const SearchIndex& index, storage::Store& store,
                                                       const Example& e, double threshold, size_t limit = 10,
                                                       const ExampleFingerprint* fp = nullptr);

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
// k-NN query per example (k = `neighbours`) joining pairs at or above `threshold` whose inputs
// match field by field (union-find). A failed read of the inputs is returned.
Result<DuplicateReport> FindDuplicateClusters(const SearchIndex& index, storage::Store& store, double threshold,
                                              size_t neighbours = 8);

}  // namespace exemplar::service
