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
  struct Entry {
    int64_t row_id = 0;
    bool alive = true;
    uint32_t databit = 0, domain = 0, function = 0, difficulty = 0, source = 0;  // 0 = none
    std::vector<uint32_t> tags;
    float quality = -1;        // -1 = none
    float effectiveness = -1;  // -1 = no evidence
    float successes = 0, failures = 0;
    uint32_t scope = 0;        // interned "databit|domain"
    uint64_t input_hash = 0, output_hash = 0;  // normalised content
    // Top-level scalar fields of input and output: interned "i:key"/"o:key", value hash.
    std::vector<std::pair<uint32_t, uint64_t>> fields;
    uint8_t pii = 0;           // bit i: kPiiKinds[i] flagged
    bool has_vector = false;   // the example has an embedding
  };
  uint32_t Intern(const std::string& s);                     // REQUIRES: mu_ held exclusively
  uint32_t Lookup(const std::optional<std::string>& s) const;  // 0 when unknown; UINT32_MAX if absent
  Entry* Find(int64_t row_id);

  mutable std::shared_mutex mu_;
  std::vector<Entry> entries_;  // sorted by row_id (row ids only grow)
  std::unordered_map<std::string, int64_t> id_to_row_;
  std::unordered_map<int64_t, std::string> row_to_id_;
  std::unordered_map<std::string, uint32_t> strings_;
  std::unordered_multimap<uint64_t, int64_t> by_input_;  // input_hash → row (live rows)
  size_t alive_ = 0;
  size_t embedded_ = 0;  // live entries with has_vector
};

}  // namespace exemplar::service
