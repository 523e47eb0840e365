// KeywordIndex scoring: BM25 top-k, pruned with MaxScore (Turtle & Flood, 1995), plus the
// exhaustive term-at-a-time scorer it must agree with.
//
// Each term's bound is its true maximum contribution over its postings (TermBound: the
// undominated (tf, length) pairs), and a seed pass first scores the documents holding every
// query term, so the k-th score is high before the long lists are walked.
//
// Why pruning: on a small vocabulary every query term occurs in 5–30% of the documents, and
// scoring every posting costs O(documents) per query. MaxScore orders the query terms by the
// most each can add to a document's score. Once the k-th best score exceeds what the weakest
// terms together can add, documents containing only those terms cannot enter the top k: they
// are never visited, and the weak lists are only probed (by galloping search) for documents
// found through the strong ones. Scores are summed in the same order and precision as the
// exhaustive scorer, and a document is skipped only when its bound is below the k-th score by a
// margin, so both return the same hits with the same scores.
#include <algorithm>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>

#include "index/keyword_index.h"
#include "index/keyword_index_impl.h"
#include "index/top_k.h"

namespace exemplar::index {
namespace {

// A query term is "very common" when it occurs in more than this fraction of the documents.
constexpr double kCommonDfFraction = 0.5;
// Bounds are computed in double, scores summed in float: a bound must fall below the k-th score
// by a relative margin before a document is skipped. A float sum of n terms is off by at most
// n·2⁻²⁴ (≈ 6e-8·n) relative, so kBoundMargin + kBoundMarginPerTerm·n covers it and pruning
// never drops a hit the exhaustive scorer keeps.
constexpr double kBoundMargin = 1e-4;
constexpr double kBoundMarginPerTerm = 1e-7;
// The seed pass scores at most this many documents per result wanted (plus 64).
constexpr size_t kSeedPerK = 16;

bool Allowed(const std::vector<uint64_t>* allowed, uint64_t label) {
  return !allowed || std::binary_search(allowed->begin(), allowed->end(), label);
}

// Scores each allowed document by binary search in every posting list: cheap for short lists.
std::vector<Hit> ScoreAllowed(const std::vector<Doc>& docs,
                              const LabelMap& doc_of,
                              const std::vector<QueryTerm>& qterms, const Bm25& bm25, size_t k,
                              const std::vector<uint64_t>& allowed) {
  TopK top(k);
  for (uint64_t label : allowed) {
    const uint32_t* found = doc_of.Find(label);
    if (found == nullptr) continue;
    const uint32_t id = *found;
    float score = 0;  // accumulated in float, term by term, exactly like the posting scan
    for (const auto& q : qterms) {
      const auto& ps = q.term->postings;
      auto p = std::lower_bound(ps.begin(), ps.end(), id,
                                [](const Posting& a, uint32_t d) { return a.doc < d; });
      if (p != ps.end() && p->doc == id) {
        score += static_cast<float>(bm25.Score(q.weight, p->tf, bm25.Norm(docs[id].length)));
      }
    }
    if (score > 0) top.Push(label, score);
  }
  return top.Take();
}

// Term-at-a-time over every posting: a dense accumulator when the postings touch a good share
// of the documents, a hash map when they are few.
std::vector<Hit> ScoreAllPostings(const std::vector<Doc>& docs, const std::vector<QueryTerm>& qterms,
                                  const Bm25& bm25, size_t k, const std::vector<uint64_t>* allowed) {
  TopK top(k);
  size_t total_postings = 0;
  for (const auto& q : qterms) total_postings += q.term->postings.size();
  auto emit = [&](uint32_t id, float score) {
    if (Allowed(allowed, docs[id].label)) top.Push(docs[id].label, score);
  };
  auto accumulate = [&](auto& acc) {
    for (const auto& q : qterms) {
      for (const Posting& p : q.term->postings) {
        const Doc& d = docs[p.doc];
        if (d.alive) {
          acc[uint32_t{p.doc}] += static_cast<float>(bm25.Score(q.weight, p.tf, bm25.Norm(d.length)));
        }
      }
    }
  };
  if (total_postings * 8 >= docs.size()) {
    std::vector<float> acc(docs.size(), 0.0f);
    accumulate(acc);
    for (uint32_t id = 0; id < acc.size(); ++id) {
      if (acc[id] > 0.0f) emit(id, acc[id]);
    }
  } else {
    std::unordered_map<uint32_t, float> acc;
    acc.reserve(total_postings);
    accumulate(acc);
    for (const auto& [id, score] : acc) emit(id, score);
  }
  return top.Take();
}

// The first posting at or after `p` whose document is ≥ doc (galloping, then binary search).
const Posting* SkipTo(const Posting* p, const Posting* end, uint32_t doc) {
  // Leapfrogging moves most cursors by a few postings: look at the next ones before galloping.
  for (int i = 0; i < 4; ++i, ++p) {
    if (p == end || p->doc >= doc) return p;
  }
  --p;
  const Posting* lo = p;  // lo->doc < doc
  const Posting* hi = p + 1;
  size_t step = 1;
  while (hi < end && hi->doc < doc) {
    lo = hi;
    step *= 2;
    hi = static_cast<size_t>(end - lo) > step ? lo + step : end;
  }
  return std::lower_bound(lo + 1, hi, doc, [](const Posting& a, uint32_t d) { return a.doc < d; });
}

// Document-at-a-time MaxScore over posting-list cursors sorted by bound, ascending.
class MaxScore {
 public:
  MaxScore(const std::vector<Doc>& docs, const std::vector<QueryTerm>& qterms, const Bm25& bm25,
           size_t k, const std::vector<uint64_t>* allowed)
      : docs_(docs),
        bm25_(bm25),
        allowed_(allowed),
        margin_(1.0 + kBoundMargin + kBoundMarginPerTerm * static_cast<double>(qterms.size())),
        top_(k),
        contribution_(qterms.size(), 0.0f) {
    for (size_t i = 0; i < qterms.size(); ++i) {
      const Term& t = *qterms[i].term;
      cursors_.push_back({t.postings.data(), t.postings.data() + t.postings.size(), qterms[i].weight,
                          t.bound.MaxScore(bm25, qterms[i].weight), i});
    }
    std::sort(cursors_.begin(), cursors_.end(), [](const Cursor& a, const Cursor& b) { return a.bound < b.bound; });
    for (size_t i = 0; i < cursors_.size(); ++i) {
      prefix_bound_.push_back(cursors_[i].bound + (i ? prefix_bound_[i - 1] : 0.0));
    }
  }

  // Three passes, so the k-th score is high before the long lists are walked at all: first a
  // seed, the documents holding every query term (found by leapfrogging, usually the best ones);
  // then the documents of the strongest term (its list is the only essential one, the others
  // are probed; with the seed's k-th score the lists a document must hold are "required" from
  // the start, so the leapfrog skips most of it); then, over the other lists, the documents
  // without it — usually none can reach the k-th score by then, and the pass ends at once.
  std::vector<Hit> Run() {
    const size_t n = cursors_.size();
    if (n == 0) return {};
    const std::vector<Cursor> start = cursors_;
    if (n > 1) {
      Seed();
      cursors_ = start;
    }
    Pass(n, n - 1, nullptr);
    cursors_ = start;  // the second pass walks the lists from their beginning again
    Pass(n - 1, 0, &start[n - 1]);
    return top_.Take();
  }

 private:
  struct Cursor {
    const Posting* pos;
    const Posting* end;
    double weight;
    double bound;  // the most this term adds to any document's score
    size_t slot;   // position in qterms: the summation order
  };

  // Scores the documents of cursors [0, lists) whose bound may reach the top k, skipping those in
  // `exclude` (already scored). Cursors [0, first_essential) are "non-essential": together they
  // cannot lift a document into the top k, so only the others yield candidates.
  //
  // A list is "required" once the other lists of the pass together cannot reach the k-th score:
  // every document that can still enter the top k holds its term. With required lists the next
  // candidate is the next document they all hold (their intersection, computed once per change
  // of the required set), so the documents of the essential lists that miss a required term are
  // never scored or probed.
  void Pass(size_t lists, size_t first_essential, const Cursor* exclude) {
    if (lists == 0) return;
    Cursor skip = exclude ? *exclude : Cursor{};
    auto seed_pos = seeded_.begin();
    const double total = prefix_bound_[lists - 1];
    size_t first_required = lists;  // cursors [first_required, lists) are required
    std::vector<uint32_t> common;   // documents all required lists hold, once some are
    size_t common_of = lists;       // the first_required `common` was computed for
    size_t next_common = 0;
    for (;;) {
      while (first_essential < lists && prefix_bound_[first_essential] < threshold_) ++first_essential;
      while (first_required > 0 && total - cursors_[first_required - 1].bound < threshold_) --first_required;
      uint32_t doc = UINT32_MAX;
      for (size_t i = first_essential; i < lists; ++i) {
        if (cursors_[i].pos != cursors_[i].end) doc = std::min(doc, uint32_t{cursors_[i].pos->doc});
      }
      if (doc == UINT32_MAX) return;  // also when every list became non-essential
      if (first_required < lists) {
        if (common_of != first_required) {  // more lists became required: intersect them again
          common = Intersect(first_required, lists);
          common_of = first_required;
          next_common = 0;
        }
        while (next_common < common.size() && common[next_common] < doc) ++next_common;
        if (next_common == common.size()) return;  // no document left holds every required term
        doc = common[next_common];
        // Essential lists skip the documents in between: each lacks a required term.
        for (size_t i = first_essential; i < lists; ++i) {
          cursors_[i].pos = SkipTo(cursors_[i].pos, cursors_[i].end, doc);
        }
      }
      const Doc& d = docs_[doc];
      const double norm = bm25_.Norm(d.length);
      double bound = first_essential ? prefix_bound_[first_essential - 1] : 0.0;
      for (size_t i = first_essential; i < lists; ++i) {
        Cursor& c = cursors_[i];
        if (c.pos == c.end || c.pos->doc != doc) continue;
        contribution_[c.slot] = static_cast<float>(bm25_.Score(c.weight, c.pos->tf, norm));
        bound += contribution_[c.slot];
        ++c.pos;
      }
      bool eligible = d.alive && Allowed(allowed_, d.label);
      if (eligible && !seeded_.empty()) {  // scored by the seed already?
        while (seed_pos != seeded_.end() && *seed_pos < doc) ++seed_pos;
        eligible = seed_pos == seeded_.end() || *seed_pos != doc;
      }
      if (eligible && exclude) {
        skip.pos = SkipTo(skip.pos, skip.end, doc);
        eligible = skip.pos == skip.end || skip.pos->doc != doc;
      }
      // Probe the non-essential lists, strongest first, while the document can still make it.
      size_t i = first_essential;
      for (; eligible && i > 0 && bound >= threshold_; --i) {
        Cursor& c = cursors_[i - 1];
        bound -= c.bound;
        c.pos = SkipTo(c.pos, c.end, doc);
        if (c.pos != c.end && c.pos->doc == doc) {
          contribution_[c.slot] = static_cast<float>(bm25_.Score(c.weight, c.pos->tf, norm));
          bound += contribution_[c.slot];
        }
      }
      if (eligible && i == 0 && bound >= threshold_) Keep(d.label);
      std::fill(contribution_.begin(), contribution_.end(), 0.0f);
    }
  }

  // Scores the documents holding every list's term, in document order, up to kSeedPerK·k + 64 of
  // them (the rest are left to the passes), and records them in seeded_ so no pass scores them
  // again.
  void Seed() {
    const size_t limit = kSeedPerK * top_.k() + 64;
    for (const uint32_t doc : Intersect(0, cursors_.size())) {
      if (seeded_.size() == limit) break;
      seeded_.push_back(doc);
      const Doc& d = docs_[doc];
      if (!d.alive || !Allowed(allowed_, d.label)) continue;
      const double norm = bm25_.Norm(d.length);
      for (Cursor& c : cursors_) {
        c.pos = SkipTo(c.pos, c.end, doc);  // holds doc: it is in every list
        contribution_[c.slot] = static_cast<float>(bm25_.Score(c.weight, c.pos->tf, norm));
      }
      Keep(d.label);
    }
    std::fill(contribution_.begin(), contribution_.end(), 0.0f);
  }

  // The documents every cursor of [first, lists) holds from its position on, ascending: the
  // shortest list's documents, filtered by each longer list in turn (walked along when it is
  // dense compared with the survivors, galloped through when it is much longer). Leapfrogging
  // cursors costs more when the lists are dense, as a topic's words are.
  std::vector<uint32_t> Intersect(size_t first, size_t lists) const {
    std::vector<size_t> order;
    for (size_t i = first; i < lists; ++i) order.push_back(i);
    auto remaining = [&](size_t i) { return static_cast<size_t>(cursors_[i].end - cursors_[i].pos); };
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return remaining(a) < remaining(b); });
    std::vector<uint32_t> common;
    const Cursor& shortest = cursors_[order[0]];
    common.reserve(remaining(order[0]));
    for (const Posting* p = shortest.pos; p != shortest.end; ++p) common.push_back(uint32_t{p->doc});
    for (size_t o = 1; o < order.size() && !common.empty(); ++o) {
      const Cursor& c = cursors_[order[o]];
      const bool gallop = common.size() * 8 < remaining(order[o]);
      const Posting* p = c.pos;
      size_t kept = 0;
      for (const uint32_t doc : common) {
        if (gallop) {
          p = SkipTo(p, c.end, doc);
        } else {
          while (p != c.end && p->doc < doc) ++p;
        }
        if (p == c.end) break;
        if (p->doc == doc) common[kept++] = doc;
      }
      common.resize(kept);
    }
    return common;
  }

  void Keep(uint64_t label) {
    float score = 0.0f;  // in qterms order; adding 0 for absent terms leaves the sum unchanged
    for (float x : contribution_) score += x;
    if (score <= 0.0f) return;
    top_.Push(label, score);
    if (top_.full()) threshold_ = static_cast<double>(top_.worst().score) / margin_;
  }

  const std::vector<Doc>& docs_;
  const Bm25& bm25_;
  const std::vector<uint64_t>* allowed_;
  const double margin_;  // 1 + the relative rounding margin for this many terms
  std::vector<Cursor> cursors_;
  std::vector<double> prefix_bound_;  // bound of cursors [0, i]
  TopK top_;
  // A document whose score bound is below this cannot enter the top k: the k-th score less the
  // rounding margin; -1 (nothing is excluded) until k documents are kept.
  double threshold_ = -1.0;
  std::vector<float> contribution_;  // by qterms slot, for the document being scored
  std::vector<uint32_t> seeded_;     // documents the seed visited, ascending
};

}  // namespace

std::vector<QueryTerm> KeywordIndex::Impl::QueryTerms(std::string_view query) const {
  std::vector<std::string> tokens = Tokenize(query);
  std::sort(tokens.begin(), tokens.end());
  std::vector<QueryTerm> qterms;
  for (size_t i = 0; i < tokens.size();) {
    size_t j = i;
    while (j < tokens.size() && tokens[j] == tokens[i]) ++j;
    auto it = term_ids.find(tokens[i]);
    if (it != term_ids.end() && terms[it->second].df > 0) {
      const Term& t = terms[it->second];
      qterms.push_back({&t, Idf(t.df) * static_cast<double>(j - i)});
    }
    i = j;
  }
  const auto common_df = static_cast<uint32_t>(kCommonDfFraction * static_cast<double>(doc_of.size()));
  if (std::any_of(qterms.begin(), qterms.end(), [&](const QueryTerm& q) { return q.term->df <= common_df; })) {
    std::erase_if(qterms, [&](const QueryTerm& q) { return q.term->df > common_df; });
  }
  return qterms;
}

std::vector<Hit> KeywordIndex::Search(std::string_view query, size_t k,
                                      const std::vector<uint64_t>* allowed) const {
  std::shared_lock lock(impl_->mu);
  const Impl& m = *impl_;
  if (k == 0 || m.doc_of.empty() || (allowed && allowed->empty())) return {};
  const std::vector<QueryTerm> qterms = m.QueryTerms(query);
  if (qterms.empty()) return {};
  const Bm25 bm25(m.AverageLength());
  if (allowed) {
    size_t total_postings = 0;
    for (const auto& q : qterms) total_postings += q.term->postings.size();
    // ~16 steps of binary search per allowed document and term vs one step per posting.
    if (allowed->size() * qterms.size() * 16 < total_postings) {
      return ScoreAllowed(m.docs, m.doc_of, qterms, bm25, k, *allowed);
    }
  }
  return MaxScore(m.docs, qterms, bm25, k, allowed).Run();
}

size_t KeywordIndex::Postings(std::string_view query) const {
  std::shared_lock lock(impl_->mu);
  size_t total = 0;
  for (const QueryTerm& q : impl_->QueryTerms(query)) total += q.term->postings.size();
  return total;
}

std::vector<Hit> KeywordIndex::SearchExhaustive(std::string_view query, size_t k,
                                                const std::vector<uint64_t>* allowed) const {
  std::shared_lock lock(impl_->mu);
  const Impl& m = *impl_;
  if (k == 0 || m.doc_of.empty() || (allowed && allowed->empty())) return {};
  const std::vector<QueryTerm> qterms = m.QueryTerms(query);
  if (qterms.empty()) return {};
  const Bm25 bm25(m.AverageLength());
  return ScoreAllPostings(m.docs, qterms, bm25, k, allowed);
}

}  // namespace exemplar::index
