// KeywordIndex: in-memory BM25 inverted index (k1 = 1.2, b = 0.75, the Robertson/Lucene defaults).
// UTF-8 aware tokenising with case folding and Latin accent folding. Thread-safe: concurrent
// searches, exclusive writes (a writer-preferring reader-writer lock).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "index/vector_index.h"  // Hit

namespace exemplar::index {

// Lowercased, accent-folded word tokens of `text` (letters/digits runs, UTF-8 aware).
// Details: Latin-1 and Latin Extended-A letters fold to ASCII (é→e, ß→ss, Œ→oe), combining
// accents are dropped, Greek/Cyrillic are lowercased; punctuation, symbols and emoji separate
// words; each Han ideograph or kana is a word of its own; other scripts count as letters; lone
// letters ("a", the "s" of "it's") are dropped, lone digits kept; malformed UTF-8 separates words.
// Idempotent: every token tokenises to itself.
std::vector<std::string> Tokenize(std::string_view text);

class KeywordIndex {
 public:
  KeywordIndex();
  ~KeywordIndex();

  void Upsert(uint64_t label, std::string_view text);  // replaces any previous text of label
  void Remove(uint64_t label);
  size_t size() const;

  // BM25 top-k, best first, ties by smaller label. Query terms present in more than half of the
  // documents are dropped when rarer terms exist (they carry almost no signal). Documents that
  // cannot reach the top k are skipped (MaxScore pruning), so very common terms cost little;
  // the result is the same as SearchExhaustive's.
  // `allowed`: optional sorted list of labels that may be returned.
  std::vector<Hit> Search(std::string_view query, size_t k,
                          const std::vector<uint64_t>* allowed = nullptr) const;
  // The same ranking by scoring every posting of every query term: the ground truth for tests.
  std::vector<Hit> SearchExhaustive(std::string_view query, size_t k,
                                    const std::vector<uint64_t>* allowed = nullptr) const;

  // How many postings Search reads at most for `query` (those of the query terms it keeps): a
  // bound on its work, cheap to ask (one hash lookup per word).
  size_t Postings(std::string_view query) const;

  size_t MemoryBytes() const;

  // Writes the whole index to `path` (snapshot_file.h framing) tagged with `change_seq`, the
  // store's change-log position it reflects, so a restart loads it instead of re-tokenising
  // every row (keyword_snapshot.cc).
  Status Save(const std::string& path, uint64_t change_seq) const;
  // Replaces this index's contents with the snapshot at `path`. kFailedPrecondition when the file
  // is missing, corrupt, reflects another change than `expected_seq`, or was written by a build
  // that tokenises differently; the index is then left empty.
  Status Load(const std::string& path, uint64_t expected_seq);
  void Clear();  // removes every document

 private:
  struct Impl;  // keyword_index_impl.h
  std::unique_ptr<Impl> impl_;
};

}  // namespace exemplar::index
