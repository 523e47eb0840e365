// Examples: create, read, update (with history and re-embedding), delete, list, batch ingest and
// embedding regeneration. Every acknowledged write is committed and already visible to search.
#pragma once

#include <string>
#include <vector>

#include "common/config.h"
#include "common/json_util.h"
#include "embed/cached_embedder.h"
#include "embed/embedder.h"
#include "service/examples/reembedding.h"
#include "service/quality/content_rules.h"
#include "service/search/search_index.h"
#include "storage/store.h"

namespace exemplar::service {

struct BatchItemError {
  size_t index;
  std::string error;
  std::vector<std::string> loc;  // when the error is about one field (content rules)
  std::string type;
};

struct BatchItemWarning {
  size_t index;
  QualityWarning warning;
  std::string item_id;  // the example the item created (or was already stored as); "" if none
};

// How a write checks quality (issue #20). Errors of item i are reported under `loc` (+ i when
// `indexed`), so the same problem reads the same on every path.
struct WriteOptions {
  DuplicatePolicy on_duplicate = DuplicatePolicy::kWarn;
  bool reject_secrets = false;  // a secret (API key, token, password) in the content is a 422
  double duplicate_threshold = 0.95;
  std::vector<std::string> loc = {"body"};
  bool indexed = false;
  // Update only: the versions an If-Match header names (empty: none); another current version is
  // a 412. A body's own `version` is checked the same way (409).
  std::vector<int64_t> if_match;
};

// The quality policies of a write that names none: the deployment's config (on_duplicate,
// reject_secrets). The API's ?on_duplicate= / ?on_secret= and `exemplar import`'s
// --on-duplicate / --on-secret start from these, so one config sets every path's policy.
inline WriteOptions DefaultWriteOptions(const Config& config) {
  WriteOptions o;
  o.on_duplicate = ParseDuplicatePolicy(config.on_duplicate).value_or(DuplicatePolicy::kWarn);
  o.reject_secrets = config.reject_secrets;
  return o;
}

// A stored example and what its write should tell the caller.
struct WriteResult {
  Example example;
  std::vector<QualityWarning> warnings;
  bool existing = false;  // a create that named an example already stored (a retry): nothing written
};

// Bulk edits (POST /examples/bulk-update): what to change on every selected example.
struct BulkSet {
  std::vector<std::string> tags_add, tags_remove;
  std::optional<std::string> domain, difficulty;
  std::optional<std::optional<double>> quality_score;         // nullopt: unchanged; {nullopt}: clear
  std::optional<std::optional<std::string>> databit_id;       // likewise
};

struct BulkResult {
  int64_t matched = 0;   // examples selected
  int64_t affected = 0;  // examples updated or deleted (0 on a dry run)
  bool dry_run = false;
  std::vector<std::string> ids;  // the selected ids (at most the cap)
};

// Writes of at most this many items compare each input with stored ones through the vector index
// (one k-NN query each); larger batches (bulk loads, imports) check identical normalised inputs
// only, so ingest is not bound by k-NN queries — GET /quality/duplicates finds the rest.
inline constexpr size_t kVectorDuplicateCheckMaxItems = 100;

// Bulk edits touch at most this many examples per request: bounds one transaction's size and the
// time the index write lock is held.
inline constexpr int64_t kMaxBulkExamples = 10000;

struct BatchResult {
  int64_t created_count = 0;
  int64_t failed_count = 0;
  int64_t existing_count = 0;          // skipped: same client_id already stored
  std::vector<std::string> created_ids;
  std::vector<std::string> existing_ids;
  std::vector<BatchItemError> errors;
  std::vector<BatchItemWarning> warnings;
};

struct RegenerateResult {
  int64_t processed = 0;
  int64_t skipped = 0;
  int64_t errors = 0;
  std::string model;
  std::vector<std::string> ids;  // the examples re-embedded
};

// POST /examples/regenerate-embeddings takes at most this many example ids.
inline constexpr size_t kMaxRegenerateIds = 1000;

class Examples {
 public:
  // `embedder` is the configured one (index.configured()); writes embed with the serving space's
  // embedder (SearchIndex::WriteEmbedder), so the store and the serving index stay in one space.
  Examples(storage::Store& store, embed::Embedder& embedder, SearchIndex& index)
      : store_(store), embedder_(embedder), index_(index), reembedding_(store, index) {}

  // Stores a validated new example (embedding computed here). kUnavailable when the embedding
  // provider fails: nothing is stored half-embedded.
  // The content rules (service/quality/content_rules.h), PII flags and the duplicate policy apply:
  // 422 for a rule broken, 409 for a duplicate under on_duplicate = reject.
  Result<Example> Create(Example e);
  Result<WriteResult> Create(Example e, const WriteOptions& o);
  Result<Example> Get(const std::string& id);
  // Applies a partial update body (validated here; 422 field errors), bumps the version, keeps
  // the prior version in history and re-embeds when `input` changed. Content rules as Create.
  Result<WriteResult> Update(const std::string& id, const Json& patch, const WriteOptions& o = {});
  // Tombstones the example (issue 19): hidden from lists, search and retrieval (the indexes drop
  // it as they did on erasure) while its versions, events and lineage stay. `user` is recorded.
  Status Delete(const std::string& id, const std::optional<std::string>& user = std::nullopt);
  // Removes examples this request created for a write that then failed (an import's version):
  // rows, history, lineage and index entries, as if never stored. Not a tombstone: nothing links
  // them yet. Every write of it carries no audit entry of its own (the request's failed).
  Status Discard(const std::vector<Example>& created);
  // Brings a tombstoned example back into lists and indexes (same row, embedding kept).
  // kNotFound when not deleted; kFailedPrecondition when purged.
  Result<Example> Restore(const std::string& id);
  // Legal removal: erases the content of the example and of every version (live or deleted),
  // keeping content hashes, lineage and the audit record, and scrubs the copies in template
  // versions' inline examples and runs' best programs (lineage/purged_content.h), all in one
  // transaction. Purging again scrubs again (copies written since, or before this existed).
  Status Purge(const std::string& id, const std::optional<std::string>& user = std::nullopt);
  // A live or deleted example (deleted_at set), for lineage and history views.
  Result<Example> GetIncludingDeleted(const std::string& id) { return store_.GetExampleIncludingDeleted(id); }
  // The trash: deleted examples, most recently deleted first, and their total.
  Result<std::pair<std::vector<Example>, int64_t>> ListDeleted(int64_t offset, int64_t limit) {
    return store_.ListDeletedExamples(offset, limit);
  }

  // Bulk edits of the given examples, atomic: every example is updated (each versioned like a
  // single edit) or deleted (through the single delete's store path) in one transaction, or none
  // is. More than `cap` ids → 422; an id that does not exist → 404; a dry run only counts.
  Result<BulkResult> BulkUpdate(const std::vector<std::string>& ids, const BulkSet& set, bool dry_run,
                                int64_t cap = kMaxBulkExamples);
  Result<BulkResult> BulkDelete(const std::vector<std::string>& ids, bool dry_run, int64_t cap = kMaxBulkExamples);
  // Ids of the examples matching a filter (content and PII filters included), by the catalog.
  std::vector<std::string> SelectIds(const storage::ExampleFilter& f) const;
  // Resolves a list filter's in-memory parts (content, PII) into row ids the store can apply.
  void ResolveFilter(storage::ExampleFilter* f) const;
  // History of a live or deleted example.
  Result<std::vector<ExampleVersion>> Versions(const std::string& id);

  // Ingests validated examples. `invalid` lists items that failed validation (index, message).
  // atomic: all-or-nothing (any invalid item or failure → error, nothing stored).
  // non-atomic: valid items are stored, failures reported per item.
  Result<BatchResult> Batch(std::vector<Example> items, std::vector<BatchItemError> invalid,
                            bool atomic, const WriteOptions& o = {});

  // Re-embeds exactly the given examples (afresh, bypassing the embedding cache) with the writing
  // embedder, in place. An unknown id → kNotFound naming it, and nothing is re-embedded.
  Result<RegenerateResult> RegenerateEmbeddings(const std::vector<std::string>& ids);
  // Starts building the configured embedder's index in the background (reembedding.h): every
  // example (`all`), else those whose vector is missing or of another model.
  Result<ReembedStatus> StartReembedding(bool all) { return reembedding_.Start(all); }
  // Starts one when the stored vectors are not all the configured model's (serve, on start).
  void StartReembeddingIfDue() {
    if (reembedding_.Due()) (void)reembedding_.Start(false);
  }
  bool ReembeddingDue() const { return reembedding_.Due(); }
  ReembedStatus ReembeddingStatus() const { return reembedding_.Current(); }
  void WaitForReembedding() { reembedding_.Wait(); }
  // The configured embedder's cache, when it has one.
  std::optional<embed::EmbedCacheStats> CacheStats() const;

  embed::Embedder& embedder() { return embedder_; }

 private:
  // Embeds the items (a failed item's pointer becomes null). *texts holds their EmbeddingText, or
  // is filled with it when it does not hold one text per item.
  Status EmbedAll(std::vector<Example*>& items, std::vector<BatchItemError>* per_item,
                  const std::vector<size_t>& positions, std::vector<std::string>* texts);
  // After the index write lock is taken: items embedded by a model that no longer writes (a
  // re-embedding switched meanwhile) are embedded again with the current one. REQUIRES: lock held.
  Status KeepWriteModel(const std::vector<Example*>& items);
  // Content rules and PII policy for one item: field errors into v, warnings appended; sets the
  // item's pii_flags. A store failure is returned.
  // `pii_flags`, when given, are PiiFlags(e) computed by the caller.
  Status CheckContent(Example& e, ContentRules& rules, const std::vector<std::string>& loc, const WriteOptions& o,
                      Validation& v, std::vector<QualityWarning>* warnings,
                      std::optional<std::vector<std::string>> pii_flags = std::nullopt);
  // Near-duplicates of an embedded item under the policy: warnings appended, or (reject) the
  // refusal message returned; a failed read of the candidates' inputs is the error.
  // `fp`, when given, is FingerprintExample(e).
  Result<std::optional<std::string>> CheckDuplicates(const Example& e, const WriteOptions& o,
                                                     std::vector<QualityWarning>* warnings, bool use_vectors = true,
                                                     const ExampleFingerprint* fp = nullptr);

  storage::Store& store_;
  embed::Embedder& embedder_;
  SearchIndex& index_;
  service::Reembedding reembedding_;
};

}  // namespace exemplar::service
