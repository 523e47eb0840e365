// Examples: create, read, update (with history and re-embedding), delete, list, batch ingest and
// embedding regeneration. Every acknowledged write is committed and already visible to search.
#pragma once

#include <string>
#include <vector>

#include "common/json_util.h"
#include "embed/embedder.h"
#include "service/lineage/provenance.h"
#include "service/search/search_index.h"
#include "storage/store.h"

namespace exemplar::service {

struct BatchItemError {
  size_t index;
  std::string error;
};

struct BatchResult {
  int64_t created_count = 0;
  int64_t failed_count = 0;
  int64_t existing_count = 0;          // skipped: same client_id already stored
  std::vector<std::string> created_ids;
  std::vector<std::string> existing_ids;
  std::vector<BatchItemError> errors;
};

struct RegenerateResult {
  int64_t processed = 0;
  int64_t skipped = 0;
  int64_t errors = 0;
  std::string model;
};

class Examples {
 public:
  Examples(storage::Store& store, embed::Embedder& embedder, SearchIndex& index)
      : store_(store), embedder_(embedder), index_(index), provenance_(store) {}

  // Stores a validated new example (embedding computed here). kUnavailable when the embedding
  // provider fails: nothing is stored half-embedded.
  Result<Example> Create(Example e);
  Result<Example> Get(const std::string& id);
  // Applies a partial update body (validated here; 422 field errors), bumps the version, keeps
  // the prior version in history and re-embeds when `input` changed.
  Result<Example> Update(const std::string& id, const Json& patch);
  // Tombstones the example (issue 19): hidden from lists, search and retrieval (the indexes drop
  // it as they did on erasure) while its versions, events and lineage stay. `user` is recorded.
  Status Delete(const std::string& id, const std::optional<std::string>& user = std::nullopt);
  // Brings a tombstoned example back into lists and indexes (same row, embedding kept).
  // kNotFound when not deleted; kFailedPrecondition when purged.
  Result<Example> Restore(const std::string& id);
  // Legal removal: erases the content of the example and of every version (live or deleted),
  // keeping content hashes, lineage and the audit record.
  Status Purge(const std::string& id, const std::optional<std::string>& user = std::nullopt);
  // A live or deleted example (deleted_at set), for lineage and history views.
  Result<Example> GetIncludingDeleted(const std::string& id) { return store_.GetExampleIncludingDeleted(id); }
  // History of a live or deleted example.
  Result<std::vector<ExampleVersion>> Versions(const std::string& id);

  // Ingests validated examples. `invalid` lists items that failed validation (index, message).
  // atomic: all-or-nothing (any invalid item or failure → error, nothing stored).
  // non-atomic: valid items are stored, failures reported per item.
  Result<BatchResult> Batch(std::vector<Example> items, std::vector<BatchItemError> invalid,
                            bool atomic);

  // Re-embeds examples without an embedding, or all of them (all = true, e.g. after a model
  // change), in batches.
  Result<RegenerateResult> RegenerateEmbeddings(bool all);

  embed::Embedder& embedder() { return embedder_; }

 private:
  // Embeds the items (a failed item's pointer becomes null); *texts gets their EmbeddingText.
  Status EmbedAll(std::vector<Example*>& items, std::vector<BatchItemError>* per_item,
                  const std::vector<size_t>& positions, std::vector<std::string>* texts);

  storage::Store& store_;
  embed::Embedder& embedder_;
  SearchIndex& index_;
  Provenance provenance_;
};

}  // namespace exemplar::service
