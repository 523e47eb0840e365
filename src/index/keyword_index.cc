#include "index/keyword_index.h"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>

#include "index/rw_lock.h"
#include "index/top_k.h"

namespace exemplar::index {
namespace {

// BM25 parameters: the Robertson/Lucene defaults, which work well for short and mid-size fields.
constexpr double kK1 = 1.2;
constexpr double kB = 0.75;
// A query term is "very common" when it occurs in more than this fraction of the documents.
constexpr double kCommonDfFraction = 0.5;
// Compaction runs when dead postings outnumber live ones (and there are enough of them to matter):
// the amortised cost stays O(1) per removed posting and memory stays within 2× of live data.
constexpr size_t kMinDeadPostingsToCompact = 4096;

struct Posting {
  uint32_t doc;  // internal document id; postings of a term are sorted by it
  uint32_t tf;
};

struct Term {
  std::vector<Posting> postings;  // may include postings of dead documents until compaction
  uint32_t df = 0;                // live documents containing the term
};

struct Doc {
  uint64_t label;
  uint32_t length;  // tokens
  bool alive;
  std::vector<uint32_t> terms;  // distinct term ids, to update df on removal (empty once dead)
};

}  // namespace

struct KeywordIndex::Impl {
  mutable RwLock mu;  // writer-preferring: searches cannot starve writes
  std::unordered_map<std::string, uint32_t> term_ids;  // GUARDED_BY(mu)
  std::vector<Term> terms;                             // GUARDED_BY(mu)
  std::vector<Doc> docs;  // GUARDED_BY(mu): by internal id, ids grow monotonically
  std::unordered_map<uint64_t, uint32_t> doc_of;  // GUARDED_BY(mu): label → live internal id
  uint64_t total_length = 0;  // tokens over live docs
  size_t live_postings = 0;
  size_t dead_postings = 0;

  void RemoveLocked(uint64_t label) {
    auto it = doc_of.find(label);
    if (it == doc_of.end()) return;
    Doc& d = docs[it->second];
    for (uint32_t t : d.terms) --terms[t].df;
    live_postings -= d.terms.size();
    dead_postings += d.terms.size();
    total_length -= d.length;
    d.alive = false;
    std::vector<uint32_t>().swap(d.terms);
    doc_of.erase(it);
  }

  // Drops postings of dead documents and renumbers documents densely (order preserved, so
  // posting lists stay sorted).
  void Compact() {
    std::vector<uint32_t> new_id(docs.size(), UINT32_MAX);
    std::vector<Doc> kept;
    kept.reserve(doc_of.size());
    for (uint32_t i = 0; i < docs.size(); ++i) {
      if (!docs[i].alive) continue;
      new_id[i] = static_cast<uint32_t>(kept.size());
      kept.push_back(std::move(docs[i]));
    }
    docs = std::move(kept);
    for (auto& [label, id] : doc_of) id = new_id[id];
    for (Term& t : terms) {
      size_t w = 0;
      for (const Posting& p : t.postings) {
        if (new_id[p.doc] != UINT32_MAX) t.postings[w++] = {new_id[p.doc], p.tf};
      }
      t.postings.resize(w);
      if (t.postings.capacity() > 2 * w + 4) t.postings.shrink_to_fit();
    }
    // Forget terms no live document uses (ids, numbers of deleted docs) and renumber the rest.
    std::vector<uint32_t> new_term(terms.size(), UINT32_MAX);
    std::vector<Term> kept_terms;
    for (uint32_t i = 0; i < terms.size(); ++i) {
      if (terms[i].postings.empty()) continue;
      new_term[i] = static_cast<uint32_t>(kept_terms.size());
      kept_terms.push_back(std::move(terms[i]));
    }
    terms = std::move(kept_terms);
    for (auto it = term_ids.begin(); it != term_ids.end();) {
      if (new_term[it->second] == UINT32_MAX) {
        it = term_ids.erase(it);
      } else {
        it->second = new_term[it->second];
        ++it;
      }
    }
    for (Doc& d : docs) {
      for (uint32_t& t : d.terms) t = new_term[t];
    }
    dead_postings = 0;
  }

  double Idf(uint32_t df) const {
    const double n = static_cast<double>(doc_of.size());
    return std::log(1.0 + (n - df + 0.5) / (df + 0.5));
  }
};

KeywordIndex::KeywordIndex() : impl_(std::make_unique<Impl>()) {}
KeywordIndex::~KeywordIndex() = default;

void KeywordIndex::Upsert(uint64_t label, std::string_view text) {
  std::vector<std::string> tokens = Tokenize(text);
  // Count term frequencies before taking the lock.
  std::sort(tokens.begin(), tokens.end());
  std::unique_lock lock(impl_->mu);
  Impl& m = *impl_;
  m.RemoveLocked(label);
  if (m.docs.size() >= UINT32_MAX - 1) m.Compact();
  const auto id = static_cast<uint32_t>(m.docs.size());
  Doc doc{label, static_cast<uint32_t>(tokens.size()), true, {}};
  for (size_t i = 0; i < tokens.size();) {
    size_t j = i;
    while (j < tokens.size() && tokens[j] == tokens[i]) ++j;
    auto [it, inserted] = m.term_ids.try_emplace(tokens[i], static_cast<uint32_t>(m.terms.size()));
    if (inserted) m.terms.emplace_back();
    Term& t = m.terms[it->second];
    t.postings.push_back({id, static_cast<uint32_t>(j - i)});
    ++t.df;
    doc.terms.push_back(it->second);
    i = j;
  }
  doc.terms.shrink_to_fit();
  m.live_postings += doc.terms.size();
  m.total_length += doc.length;
  m.docs.push_back(std::move(doc));
  m.doc_of[label] = id;
  if (m.dead_postings > kMinDeadPostingsToCompact && m.dead_postings > m.live_postings) m.Compact();
}

void KeywordIndex::Remove(uint64_t label) {
  std::unique_lock lock(impl_->mu);
  impl_->RemoveLocked(label);
  if (impl_->dead_postings > kMinDeadPostingsToCompact && impl_->dead_postings > impl_->live_postings) {
    impl_->Compact();
  }
}

size_t KeywordIndex::size() const {
  std::shared_lock lock(impl_->mu);
  return impl_->doc_of.size();
}

std::vector<Hit> KeywordIndex::Search(std::string_view query, size_t k,
                                      const std::vector<uint64_t>* allowed) const {
  std::vector<std::string> tokens = Tokenize(query);
  std::sort(tokens.begin(), tokens.end());
  std::shared_lock lock(impl_->mu);
  const Impl& m = *impl_;
  const size_t n_docs = m.doc_of.size();
  if (k == 0 || n_docs == 0 || tokens.empty() || (allowed && allowed->empty())) return {};

  struct QueryTerm {
    const Term* term;
    double weight;  // idf × query term frequency
  };
  std::vector<QueryTerm> qterms;
  for (size_t i = 0; i < tokens.size();) {
    size_t j = i;
    while (j < tokens.size() && tokens[j] == tokens[i]) ++j;
    auto it = m.term_ids.find(tokens[i]);
    if (it != m.term_ids.end() && m.terms[it->second].df > 0) {
      const Term& t = m.terms[it->second];
      qterms.push_back({&t, m.Idf(t.df) * static_cast<double>(j - i)});
    }
    i = j;
  }
  const auto common_df = static_cast<uint32_t>(kCommonDfFraction * static_cast<double>(n_docs));
  if (std::any_of(qterms.begin(), qterms.end(), [&](const QueryTerm& q) { return q.term->df <= common_df; })) {
    std::erase_if(qterms, [&](const QueryTerm& q) { return q.term->df > common_df; });
  }
  if (qterms.empty()) return {};

  const double avgdl = static_cast<double>(m.total_length) / static_cast<double>(n_docs);
  auto term_score = [&](double weight, uint32_t tf, uint32_t length) {
    const double norm = kK1 * (1.0 - kB + kB * static_cast<double>(length) / avgdl);
    return weight * (tf * (kK1 + 1.0)) / (tf + norm);
  };
  TopK top(k);

  size_t total_postings = 0;
  for (const auto& q : qterms) total_postings += q.term->postings.size();
  // A small allowed list is scored document by document (binary search in each posting list);
  // otherwise the posting lists are scanned with a score accumulator.
  const size_t direct_cost = allowed ? allowed->size() * qterms.size() * 16 : SIZE_MAX;
  if (direct_cost < total_postings) {
    for (uint64_t label : *allowed) {
      auto it = m.doc_of.find(label);
      if (it == m.doc_of.end()) continue;
      const uint32_t id = it->second;
      float score = 0;  // accumulated in float, term by term, exactly like the posting scan
      for (const auto& q : qterms) {
        const auto& ps = q.term->postings;
        auto p = std::lower_bound(ps.begin(), ps.end(), id,
                                  [](const Posting& a, uint32_t d) { return a.doc < d; });
        if (p != ps.end() && p->doc == id) {
          score += static_cast<float>(term_score(q.weight, p->tf, m.docs[id].length));
        }
      }
      if (score > 0) top.Push(label, score);
    }
    return top.Take();
  }

  // Term-at-a-time accumulation: a dense array when the postings touch a good share of the
  // documents, a hash map when they are few (so a rare-term query does not pay O(documents)).
  auto emit = [&](uint32_t id, float score) {
    const uint64_t label = m.docs[id].label;
    if (!allowed || std::binary_search(allowed->begin(), allowed->end(), label)) {
      top.Push(label, score);
    }
  };
  if (total_postings * 8 >= m.docs.size()) {
    std::vector<float> acc(m.docs.size(), 0.0f);
    for (const auto& q : qterms) {
      for (const Posting& p : q.term->postings) {
        const Doc& d = m.docs[p.doc];
        if (d.alive) acc[p.doc] += static_cast<float>(term_score(q.weight, p.tf, d.length));
      }
    }
    for (uint32_t id = 0; id < acc.size(); ++id) {
      if (acc[id] > 0.0f) emit(id, acc[id]);
    }
  } else {
    std::unordered_map<uint32_t, float> acc;
    acc.reserve(total_postings);
    for (const auto& q : qterms) {
      for (const Posting& p : q.term->postings) {
        const Doc& d = m.docs[p.doc];
        if (d.alive) acc[p.doc] += static_cast<float>(term_score(q.weight, p.tf, d.length));
      }
    }
    for (const auto& [id, score] : acc) emit(id, score);
  }
  return top.Take();
}

size_t KeywordIndex::MemoryBytes() const {
  std::shared_lock lock(impl_->mu);
  const Impl& m = *impl_;
  size_t bytes = sizeof(Impl) + m.docs.capacity() * sizeof(Doc) + m.terms.capacity() * sizeof(Term);
  for (const auto& d : m.docs) bytes += d.terms.capacity() * sizeof(uint32_t);
  for (const auto& t : m.terms) bytes += t.postings.capacity() * sizeof(Posting);
  // Hash maps: one node (key, value, next pointer, cached hash) plus one bucket pointer per entry.
  for (const auto& [term, id] : m.term_ids) bytes += 48 + term.capacity();
  bytes += m.doc_of.size() * 40;
  return bytes;
}

}  // namespace exemplar::index
