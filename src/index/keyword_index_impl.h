// KeywordIndex internals shared by keyword_index.cc (writes, compaction) and keyword_search.cc
// (BM25 scoring). Not part of the public API.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "index/keyword_index.h"
#include "index/label_map.h"
#include "index/rw_lock.h"

namespace exemplar::index {

// BM25 parameters: the Robertson/Lucene defaults, which work well for short and mid-size fields.
constexpr double kK1 = 1.2;
constexpr double kB = 0.75;

// Postings are most of the index (one per distinct term of each document), so they are packed in
// 6 bytes. Term frequency is capped at kMaxTf: a document holding a term more often scores as if
// it held it kMaxTf times, within 2e-5 of the contribution BM25 saturates to long before.
// Packed fields must not bind to references (std::min, push_back, map keys): copy them first, as in
// uint32_t{p.doc}; UBSan reports a misaligned reference otherwise.
inline constexpr uint32_t kMaxTf = UINT16_MAX;
struct __attribute__((packed)) Posting {
  uint32_t doc;  // internal document id; postings of a term are sorted by it
  uint16_t tf;
};
static_assert(sizeof(Posting) == 6);

class Bm25;

// The (tf, document length) pairs of a term's postings that can give its largest contribution:
// BM25 grows with tf and shrinks with length, so a posting whose tf is no higher and whose
// document is no shorter than another's never scores more. Keeping the non-dominated pairs (the
// Pareto frontier, usually 1–3 points: one per distinct tf whose shortest document is longer
// than that of the next lower tf) gives the term's true maximum contribution for any average
// length, which the max tf with the shortest document of all (its corner) overestimates.
// At most kPoints are kept: beyond that, two neighbours merge into their corner, still a bound.
class TermBound {
 public:
  static constexpr size_t kPoints = 4;
  void Add(uint32_t tf, uint32_t length);
  void Clear() { count_ = 0; }
  // The most the term adds to any document's score it covers, computed exactly as scoring does.
  double MaxScore(const Bm25& bm25, double weight) const;
  // The corner: max tf and shortest length over every pair added (0 and UINT32_MAX when none).
  uint32_t max_tf() const { return count_ ? points_[count_ - 1].tf : 0; }
  uint32_t min_length() const { return count_ ? points_[0].length : UINT32_MAX; }
  size_t size() const { return count_; }

 private:
  struct Point {
    uint32_t tf;
    uint32_t length;
  };
  Point points_[kPoints];  // [0, count_): tf and length both strictly ascending
  uint32_t count_ = 0;
};

struct Term {
  std::vector<Posting> postings;  // may include postings of dead documents until compaction
  uint32_t df = 0;                // live documents containing the term
  // Over every posting ever added (dead ones included, until compaction recomputes it): bounds
  // the term's contribution to any document. Query pruning relies on it.
  TermBound bound;
};

// A document's term ids, ascending and distinct, as LEB128 varints of their gaps (the first id
// itself): about 2 bytes a term instead of 4. Only removal and compaction read them.
inline void EncodeDocTerms(const std::vector<uint32_t>& ascending_ids, std::vector<uint8_t>* out) {
  uint32_t prev = 0;
  for (uint32_t id : ascending_ids) {
    uint32_t v = id - prev;
    prev = id;
    while (v >= 0x80) {
      out->push_back(static_cast<uint8_t>(v | 0x80));
      v >>= 7;
    }
    out->push_back(static_cast<uint8_t>(v));
  }
}

// Calls f(id) for each id encoded in [p, end); false when the bytes are malformed (a varint runs
// past the end or past 32 bits, or an id repeats or overflows).
template <typename F>
bool DecodeDocTerms(const uint8_t* p, const uint8_t* end, F&& f) {
  uint64_t id = 0;
  bool first = true;
  while (p < end) {
    uint64_t v = 0;
    for (int shift = 0;; shift += 7) {
      if (p == end || shift > 28) return false;
      const uint8_t b = *p++;
      v |= uint64_t{b & 0x7Fu} << shift;
      if (!(b & 0x80)) break;
    }
    if (!first && v == 0) return false;
    id += v;
    if (id > UINT32_MAX) return false;
    first = false;
    f(static_cast<uint32_t>(id));
  }
  return true;
}

// What scoring reads of a document: 16 bytes, so the array of 100k stays in a core's L2 cache.
struct Doc {
  uint64_t label;
  uint32_t length;  // tokens
  bool alive;
};

struct QueryTerm {
  const Term* term;
  double weight;  // idf × query term frequency
};

// BM25 for the collection statistics of one search. Every scorer computes a contribution with
// exactly these operations, so they agree bit for bit.
class Bm25 {
 public:
  explicit Bm25(double avgdl) : per_token_(kK1 * kB / avgdl) {}
  // A document's length normalisation: k1·(1 − b + b·length/avgdl).
  double Norm(uint32_t length) const { return kK1 * (1.0 - kB) + per_token_ * length; }
  // One term's contribution; `weight` is idf × query term frequency, `norm` is Norm(length).
  double Score(double weight, uint32_t tf, double norm) const {
    return weight * (tf * (kK1 + 1.0)) / (tf + norm);
  }

 private:
  double per_token_;
};

inline double TermBound::MaxScore(const Bm25& bm25, double weight) const {
  double best = 0.0;
  for (uint32_t i = 0; i < count_; ++i) {
    best = std::max(best, bm25.Score(weight, points_[i].tf, bm25.Norm(points_[i].length)));
  }
  return best;
}

struct KeywordIndex::Impl {
  mutable RwLock mu;  // writer-preferring: searches cannot starve writes
  std::unordered_map<std::string, uint32_t> term_ids;  // GUARDED_BY(mu)
  std::vector<Term> terms;                             // GUARDED_BY(mu)
  std::vector<Doc> docs;  // GUARDED_BY(mu): by internal id, ids grow monotonically
  // GUARDED_BY(mu): the distinct term ids of each document, to update df on removal, encoded
  // (EncodeDocTerms) in one array: document i's are doc_term_bytes[doc_terms_at[i],
  // doc_terms_at[i + 1]) (a dead document's stay until compaction, counted as dead postings).
  // doc_terms_at has docs.size() + 1 entries.
  std::vector<uint8_t> doc_term_bytes;
  std::vector<uint64_t> doc_terms_at{0};
  LabelMap doc_of;  // GUARDED_BY(mu): label → live internal id
  uint64_t total_length = 0;  // tokens over live docs
  size_t live_postings = 0;
  size_t dead_postings = 0;

  // --- REQUIRES: mu held exclusively ---
  // Appends a document's distinct term ids and its entry in `docs`.
  // REQUIRES: term_ids_of_doc ascending and distinct.
  void AddDoc(const Doc& doc, const std::vector<uint32_t>& term_ids_of_doc);
  void RemoveLocked(uint64_t label);
  // Drops postings of dead documents, renumbers documents densely (order preserved, so posting
  // lists stay sorted) and recomputes the term bounds.
  void Compact();
  void CompactIfWorthIt();

  // --- REQUIRES: mu held (shared is enough) ---
  double Idf(uint32_t df) const;
  double AverageLength() const;
  // The query's terms present in the index, in token order: the order every scorer sums in.
  // Very common terms are dropped when rarer ones exist (keyword_search.cc).
  std::vector<QueryTerm> QueryTerms(std::string_view query) const;
};

}  // namespace exemplar::index
