// KeywordIndex scoring: BM25 top-k, pruned with MaxScore (Turtle & Flood, 1995), plus the
// exhaustive term-at-a-time scorer it must agree with.
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

bool Allowed(const std::vector<uint64_t>* allowed, uint64_t label) {
  return !allowed || std::binary_search(allowed->begin(), allowed->end(), label);
}

// Scores each allowed document by binary search in every posting list: cheap for short lists.
std::vector<Hit> ScoreAllowed(const std::vector<Doc>& docs,
                              const std::unordered_map<uint64_t, uint32_t>& doc_of,
                              const std::vector<QueryTerm>& qterms, const Bm25& bm25, size_t k,
                              const std::vector<uint64_t>& allowed) {
  TopK top(k);
  for (uint64_t label : allowed) {
    auto it = doc_of.find(label);
    if (it == doc_of.end()) continue;
    const uint32_t id = it->second;
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
          acc[p.doc] += static_cast<float>(bm25.Score(q.weight, p.tf, bm25.Norm(d.length)));
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
  if (p == end || p->doc >= doc) return p;
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
                          bm25.Score(qterms[i].weight, t.max_tf, bm25.Norm(t.min_length)), i});
    }
    std::sort(cursors_.begin(), cursors_.end(), [](const Cursor& a, const Cursor& b) { return a.bound < b.bound; });
    for (size_t i = 0; i < cursors_.size(); ++i) {
      prefix_bound_.push_back(cursors_[i].bound + (i ? prefix_bound_[i - 1] : 0.0));
    }
  }

  // Two passes, so the k-th score is high before the weaker lists are walked at all: first the
  // documents of the strongest term (its list is the only essential one, the others are probed),
  // then, over the other lists, the documents without it — usually none can reach the k-th score
  // by then, and the second pass ends at once.
  std::vector<Hit> Run() {
    const size_t n = cursors_.size();
    if (n == 0) return {};
    const std::vector<Cursor> start = cursors_;
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
  // candidate is found by leapfrogging over them (each skips to the other's document), so the
  // documents of the essential lists that miss a required term are never scored or probed.
  void Pass(size_t lists, size_t first_essential, const Cursor* exclude) {
    if (lists == 0) return;
    Cursor skip = exclude ? *exclude : Cursor{};
    const double total = prefix_bound_[lists - 1];
    size_t first_required = lists;  // cursors [first_required, lists) are required
    for (;;) {
      while (first_essential < lists && prefix_bound_[first_essential] < threshold_) ++first_essential;
      while (first_required > 0 && total - cursors_[first_required - 1].bound < threshold_) --first_required;
      uint32_t doc = UINT32_MAX;
      for (size_t i = first_essential; i < lists; ++i) {
        if (cursors_[i].pos != cursors_[i].end) doc = std::min(doc, cursors_[i].pos->doc);
      }
      if (doc == UINT32_MAX) return;  // also when every list became non-essential
      if (first_required < lists) {
        if (!AlignRequired(first_required, lists, &doc)) return;  // a required list is exhausted
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

  // Moves the required cursors [first, lists) to the first document at or after *doc that all of
  // them hold, strongest (usually shortest) list first; false when one of them runs out.
  bool AlignRequired(size_t first, size_t lists, uint32_t* doc) {
    const size_t count = lists - first;
    size_t agreed = 0;
    for (size_t i = lists - 1;; i = i == first ? lists - 1 : i - 1) {
      Cursor& c = cursors_[i];
      c.pos = SkipTo(c.pos, c.end, *doc);
      if (c.pos == c.end) return false;
      if (c.pos->doc == *doc) {
        if (++agreed == count) return true;
      } else {
        *doc = c.pos->doc;
        agreed = 1;
      }
    }
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
