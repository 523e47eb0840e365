// A snapshot's export and the diff of two snapshots, written a page at a time: the item rows are
// read a page at a time by example id (Store::ListSnapshotItemsAfter) and their examples
// materialised and rendered per page, so a request holds one page of items and examples and one
// piece of the file, whatever the snapshot's size (built whole, an export of 100,000 examples
// held them all and its whole file: hundreds of MB per request). Joined, the pieces are byte for
// byte what the whole file was.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "service/lineage/snapshots.h"

namespace exemplar::service {

// The items [begin, end) (a page of a snapshot's) with their examples at the frozen versions
// (from history when the example changed since, the tombstone when deleted, none when purged),
// in order: Snapshots::Materialize's rows.
Result<std::vector<FrozenExample>> MaterializeItems(storage::Store& store, std::vector<SnapshotItem>::const_iterator begin,
                                                    std::vector<SnapshotItem>::const_iterator end);

// GET /snapshots/{id}/export: jsonl (every item, purged ones as {example_id, version,
// content_hash, purged}), hf_jsonl (Hugging Face `datasets` JSON lines, purged items left out)
// or hf_info (dataset_info.json for hf_jsonl). The same snapshot always gives the same bytes.
class SnapshotExport {
 public:
  // Items per piece: ~0.5 MB of JSONL for typical examples (as GET /examples/export).
  static constexpr int64_t kPage = 500;

  // NotFound for an unknown snapshot, Invalid for another format. hf_jsonl reads the examples
  // once here to type their fields (a column has one type over all rows); hf_info reads them
  // twice (types, then the bytes and checksum of hf_jsonl, dropped page by page) and holds only
  // the small document.
  static Result<std::unique_ptr<SnapshotExport>> Open(storage::Store& store, const std::string& id,
                                                      const std::string& format);

  // Appends the next piece of the file to *out; false once the file is complete (nothing
  // appended). A store error is returned as such: the file so far is then incomplete.
  Result<bool> Next(std::string* out);

 private:
  // One pass over the snapshot's items in example id order.
  struct Pass {
    std::string after;  // the last example id read
    bool ended = false;
  };
  SnapshotExport(storage::Store& store, SnapshotRecord snapshot, std::string format);
  // The rows of the next page of items of `pass`; empty at its end.
  Result<std::vector<FrozenExample>> Page(Pass* pass);
  // The field types of hf_jsonl (one pass over the examples).
  Status TypeFields();
  // The hf_jsonl lines of `rows` (purged ones left out), counted in *examples.
  std::string HfLines(const std::vector<FrozenExample>& rows, int64_t* examples) const;
  // dataset_info.json for hf_jsonl (one more pass, hashing the lines and dropping them).
  Result<std::string> HfInfo();

  storage::Store& store_;
  SnapshotRecord snapshot_;
  std::string format_;
  Pass body_;  // the pass that writes the file
  std::map<std::string, std::string> input_types_, output_types_;
  std::string info_;  // hf_info: the whole document, given as one piece
  bool done_ = false;
};

// GET /snapshots/{from}/diff/{to}: the JSON object {added: [{example_id, version, content_hash}],
// changed: [{example_id, from_version, to_version, from_hash, to_hash, content_changed}], from,
// removed: [as added], to, unchanged_count} (keys in the order a JSON object of them serialises),
// written in three merge passes over the two snapshots' items (added, changed, removed), a page
// of entries at a time.
class SnapshotDiff {
 public:
  // Merge steps (items of either snapshot) per piece.
  static constexpr int64_t kPage = 1000;

  // NotFound when either snapshot is unknown (`from` checked first).
  static Result<std::unique_ptr<SnapshotDiff>> Open(storage::Store& store, const std::string& from,
                                                    const std::string& to);
  // Appends the next piece to *out; false once the document is complete (nothing appended). A
  // store error is returned as such: the document so far is then incomplete.
  Result<bool> Next(std::string* out);

 private:
  enum class Phase { kAdded, kChanged, kRemoved, kDone };
  // One snapshot's items in example id order, a page in memory at a time.
  class Side {
   public:
    Side(storage::Store& store, std::string id) : store_(store), id_(std::move(id)) {}
    // The current item, or nullptr at the end.
    Result<const SnapshotItem*> Peek();
    void Advance() { ++at_; }

   private:
    storage::Store& store_;
    std::string id_;
    std::vector<SnapshotItem> page_;
    size_t at_ = 0;
    bool last_page_ = false;  // page_ is the last one
  };
  SnapshotDiff(storage::Store& store, std::string from, std::string to);
  // The merge passes start again from the first items of both snapshots.
  void Rewind();
  void Emit(const Json& entry, std::string* out);

  storage::Store& store_;
  std::string from_, to_;
  std::unique_ptr<Side> a_, b_;
  Phase phase_ = Phase::kAdded;
  bool started_ = false;      // the document's opening is written
  bool first_entry_ = true;   // of the current list
  int64_t unchanged_ = 0;
};

}  // namespace exemplar::service
