// Dataset snapshots (issue 19): an immutable set of (example id, version, content hash) rows.
// A snapshot is frozen from a filter or a list of ids; its examples can be read back exactly at
// their frozen versions (from history when the example changed since, from its tombstone when
// deleted; purged content is gone and reported as such), exported byte-identically every time, and
// diffed against another snapshot (both streamed: snapshot_export.h). Optimization runs train on
// one (service/runs).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/json_util.h"
#include "storage/store.h"

namespace exemplar::service {

// One example of a snapshot at its frozen version.
struct FrozenExample {
  SnapshotItem item;
  std::optional<Example> example;  // content and metadata at that version; none when purged
};

class Snapshots {
 public:
  explicit Snapshots(storage::Store& store) : store_(store) {}

  // At most this many examples per snapshot.
  static constexpr int64_t kMaxItems = 100000;

  // Freezes the examples matching `filter` (or exactly `ids`, each must exist: 422 otherwise).
  // `selection` is stored as the request described it.
  Result<SnapshotRecord> Create(const std::string& name, const Json& selection, const storage::ExampleFilter& filter,
                                const std::vector<std::string>& ids, const std::optional<std::string>& template_id,
                                const std::optional<std::string>& user);
  // Freezes exactly these examples at their current versions.
  Result<SnapshotRecord> CreateFrom(const std::string& name, const Json& selection, const std::vector<Example>& examples,
                                    const std::optional<std::string>& template_id,
                                    const std::optional<std::string>& user);
  // The snapshot CreateFrom would store, not stored: for a write that stores it in its own
  // transaction, so that it exists only if that write happens (a run launched under the per-caller
  // cap, Store::InsertRunUnderCap). It names itself in the request's audit entry and, when that
  // entry describes another entity, carries an entry of its own, as CreateFrom writes.
  storage::SnapshotToStore Prepare(const std::string& name, const Json& selection, const std::vector<Example>& examples,
                                   const std::optional<std::string>& template_id,
                                   const std::optional<std::string>& user);
  Result<SnapshotRecord> Get(const std::string& id) { return store_.GetSnapshot(id); }
  Result<storage::KeyedPage<SnapshotRecord>> List(int64_t offset, int64_t limit) {
    return store_.ListSnapshots(offset, limit);
  }
  Result<std::vector<SnapshotItem>> Items(const std::string& id);
  // Every item with its example at the frozen version, ordered by example id.
  Result<std::vector<FrozenExample>> Materialize(const std::string& id);
  // Exports (jsonl, hf_jsonl, hf_info) and diffs are written a page at a time: SnapshotExport and
  // SnapshotDiff (snapshot_export.h).

 private:
  storage::Store& store_;
};

Json SnapshotToJson(const SnapshotRecord& s);

}  // namespace exemplar::service
