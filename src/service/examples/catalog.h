// Catalog: the in-memory metadata of every example, for resolving filters inside searches without
// a database round trip. Strings are interned to small integers so a full scan of 100k entries
// costs well under a millisecond. Thread-safe (shared_mutex).
#pragma once

#include <cstdint>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "service/examples/rows_by_hash.h"
#include "storage/records.h"
#include "storage/store.h"

namespace exemplar::service {

// One catalog row's identity and content fingerprints, copied out for whole-store reports.
struct CatalogRow {
  int64_t row_id = 0;
  uint32_t scope = 0;  // (template, domain) interned: rows compare equal iff in the same scope
  uint64_t input_hash = 0, output_hash = 0;
};

struct ExampleFingerprint;

class Catalog {
 public:
  // `fp`, when given, is FingerprintExample(e) computed by the caller (a write computes it once).
  void Upsert(const Example& e, const ExampleFingerprint* fp = nullptr);
  void Remove(int64_t row_id);
  // Sets a row's evidence (success and failure counts); its effectiveness follows (SPEC §4.3).
  void SetEvidence(int64_t row_id, double successes, double failures);
  size_t size() const;
  // Bytes held: entries, fields, tags, the id and input tables, interned strings (approximate for
  // the standard containers: their nodes and buckets as libstdc++ lays them out).
  size_t MemoryBytes() const;
  // Live examples that have an embedding (what the vector index should hold).
  size_t embedded() const;
  // Row ids of every live example, ascending.
  std::vector<uint64_t> RowIds() const;

  // Sorted row ids of the examples matching `f`; nullopt when `f` restricts nothing.
  std::optional<std::vector<uint64_t>> Match(const storage::ExampleFilter& f) const;
  // Effectiveness of a live row (nullopt without evidence, or when unknown or removed).
  std::optional<double> Effectiveness(int64_t row_id) const;
  // Success and failure counts of a live row ({0, 0} when unknown or removed), for exploration.
  std::pair<double, double> Evidence(int64_t row_id) const;
  std::optional<int64_t> RowIdOf(const std::string& id) const;
  std::optional<std::string> IdOf(int64_t row_id) const;

  // Quality reports: every live row, and the live rows in the same (template, domain) scope as
  // `e` whose normalised input is identical to `e`'s (e itself excluded by id).
  std::vector<CatalogRow> Rows() const;
  std::optional<CatalogRow> Row(int64_t row_id) const;
  // `input_hash`, when given, is Fingerprint(e.input_json).normalized computed by the caller.
  std::vector<CatalogRow> SameInput(const Example& e, std::optional<uint64_t> input_hash = std::nullopt) const;
  // The scope key `e` would have (0 when no example has that scope yet).
  uint32_t ScopeOf(const Example& e) const;
  // Live rows with vectors per scope, largest scope first, each named by its scope key
  // ("<template id>|<domain>"): the relevance floor measures scopes alone.
  std::vector<std::pair<std::string, std::vector<uint64_t>>> VectorRowsByScope() const;
  // The scope (as CatalogRow::scope) of a scope key; nullopt when no example has it.
  std::optional<uint32_t> ScopeIdOf(const std::string& key) const;

  // Writes the live entries to `path` (index/snapshot_file.h framing) tagged with `change_seq`,
  // so a restart loads them instead of re-reading and re-fingerprinting every row
  // (catalog_snapshot.cc).
  Status Save(const std::string& path, uint64_t change_seq) const;
  // Replaces the contents with the snapshot at `path`. kFailedPrecondition when it is missing,
  // corrupt, reflects another change than `expected_seq`, or was written by a build that
  // fingerprints content differently; the catalog is then left empty.
  Status Load(const std::string& path, uint64_t expected_seq);
  void Clear();  // forgets every example

 private:
  // A top-level scalar field of an input or output: interned "i:key"/"o:key", value hash. Packed
  // (12 bytes): copy a member before binding it to a reference.
  struct __attribute__((packed)) Field {
    uint32_t key;
    uint64_t hash;
  };
  // One per example written (dead ones until the next compaction): 120 bytes.
  struct Entry {
    int64_t row_id = 0;
    bool alive = true;
    bool has_vector = false;   // the example has an embedding
    bool uuid_id = false;      // the id is the UUID in id_hi / id_lo, else in other_ids_
    uint8_t pii = 0;           // bit i: kPiiKinds[i] flagged
    uint32_t databit = 0, domain = 0, function = 0, difficulty = 0, source = 0;  // 0 = none
    uint32_t scope = 0;        // interned "databit|domain"
    std::vector<uint32_t> tags;
    float quality = -1;        // -1 = none
    float effectiveness = -1;  // -1 = no evidence
    float successes = 0, failures = 0;
    uint64_t input_hash = 0, output_hash = 0;  // normalised content
    uint64_t id_hi = 0, id_lo = 0;
    uint32_t fields_at = 0;    // its fields are fields_[fields_at, fields_at + fields_n)
    uint32_t fields_n = 0;
  };
  static_assert(sizeof(Entry) == 120);
  uint32_t Intern(const std::string& s);                     // REQUIRES: mu_ held exclusively
  uint32_t Lookup(const std::optional<std::string>& s) const;  // 0 when unknown; UINT32_MAX if absent
  Entry* Find(int64_t row_id);
  const Entry* FindLive(int64_t row_id) const;
  // Example ids (REQUIRES: mu_ held; exclusively to change them).
  void SetId(Entry& entry, const std::string& id);  // and indexes it (entry.row_id set)
  void DropId(const Entry& entry);                  // un-indexes it
  std::string IdOfEntry(const Entry& entry) const;
  bool HasId(const Entry& entry, const std::string& id) const;
  std::optional<int64_t> LiveRowOf(const std::string& id) const;
  // Fields (REQUIRES: mu_ held exclusively to add or drop).
  void AddFields(Entry& entry, const std::vector<Field>& fields);
  void DropFields(const Entry& entry);  // and compacts fields_ when most of it is dropped

  mutable std::shared_mutex mu_;
  std::vector<Entry> entries_;  // sorted by row_id (row ids only grow)
  RowsByHash rows_by_id_;  // hash of the example id → row (live rows)
  std::unordered_map<int64_t, std::string> other_ids_;  // row → an id that is not a canonical UUID
  std::unordered_map<std::string, uint32_t> strings_;
  RowsByHash by_input_;  // input_hash → row (live rows)
  // Every entry's fields in one array (a few per example: one allocation each cost more than
  // the fields); dropped_fields_ of them belong to rewritten or removed entries.
  std::vector<Field> fields_;
  size_t dropped_fields_ = 0;
  size_t alive_ = 0;
  size_t embedded_ = 0;  // live entries with has_vector
};

}  // namespace exemplar::service
