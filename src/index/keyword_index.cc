// KeywordIndex writes: upsert, removal and compaction. Scoring is in keyword_search.cc.
#include "index/keyword_index.h"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <shared_mutex>

#include "index/keyword_index_impl.h"

namespace exemplar::index {
namespace {

// Compaction runs when dead postings outnumber live ones (and there are enough of them to matter):
// the amortised cost stays O(1) per removed posting and memory stays within 2× of live data.
constexpr size_t kMinDeadPostingsToCompact = 4096;

// push_back with at most a quarter of spare room: std::vector doubles, which leaves a posting list
// up to half empty. Still amortised O(1) (each element is moved about four times, not twice).
template <typename T>
void Append(std::vector<T>& v, const T& x) {
  if (v.size() == v.capacity()) v.reserve(v.size() + v.size() / 4 + 4);
  v.push_back(x);
}

}  // namespace

void TermBound::Add(uint32_t tf, uint32_t length) {
  // Dominated by a kept pair (no higher tf, no shorter document): nothing to do.
  for (uint32_t i = 0; i < count_; ++i) {
    if (points_[i].tf >= tf && points_[i].length <= length) return;
  }
  // Drop the pairs the new one dominates, insert it in tf order.
  Point kept[kPoints + 1];
  uint32_t n = 0;
  bool placed = false;
  for (uint32_t i = 0; i < count_; ++i) {
    const Point p = points_[i];
    if (p.tf <= tf && p.length >= length) continue;
    if (!placed && p.tf > tf) {
      kept[n++] = {tf, length};
      placed = true;
    }
    kept[n++] = p;
  }
  if (!placed) kept[n++] = {tf, length};
  if (n > kPoints) {
    // Merge the two neighbours whose tfs are closest in ratio (their contributions differ least
    // once tf saturates) into their corner: the higher tf with the shorter length.
    uint32_t at = 0;
    for (uint32_t i = 1; i + 1 < n; ++i) {
      // kept[i+1].tf / kept[i].tf <= kept[at+1].tf / kept[at].tf, in integers.
      if (uint64_t{kept[i + 1].tf} * kept[at].tf <= uint64_t{kept[at + 1].tf} * kept[i].tf) at = i;
    }
    kept[at] = {kept[at + 1].tf, kept[at].length};
    for (uint32_t i = at + 1; i + 1 < n; ++i) kept[i] = kept[i + 1];
    --n;
  }
  std::copy(kept, kept + n, points_);
  count_ = n;
}

void KeywordIndex::Impl::AddDoc(const Doc& doc, const std::vector<uint32_t>& term_ids_of_doc) {
  if (doc_term_bytes.capacity() - doc_term_bytes.size() < 5 * term_ids_of_doc.size()) {
    doc_term_bytes.reserve(doc_term_bytes.size() + doc_term_bytes.size() / 4 + 5 * term_ids_of_doc.size());
  }
  EncodeDocTerms(term_ids_of_doc, &doc_term_bytes);
  Append(doc_terms_at, static_cast<uint64_t>(doc_term_bytes.size()));
  Append(docs, doc);
}

void KeywordIndex::Impl::RemoveLocked(uint64_t label) {
  const uint32_t* found = doc_of.Find(label);
  if (found == nullptr) return;
  const uint32_t id = *found;
  Doc& d = docs[id];
  size_t n = 0;
  DecodeDocTerms(doc_term_bytes.data() + doc_terms_at[id], doc_term_bytes.data() + doc_terms_at[id + 1],
                 [&](uint32_t t) {
                   --terms[t].df;
                   ++n;
                 });
  live_postings -= n;
  dead_postings += n;
  total_length -= d.length;
  d.alive = false;
  doc_of.Erase(label);
}

void KeywordIndex::Impl::Compact() {
  std::vector<uint32_t> new_id(docs.size(), UINT32_MAX);
  std::vector<Doc> kept;
  std::vector<uint64_t> kept_at;  // the kept documents' old offsets, re-encoded below
  kept.reserve(doc_of.size());
  kept_at.reserve(doc_of.size());
  for (uint32_t i = 0; i < docs.size(); ++i) {
    if (!docs[i].alive) continue;
    new_id[i] = static_cast<uint32_t>(kept.size());
    kept.push_back(docs[i]);
    kept_at.push_back(i);
  }
  docs = std::move(kept);
  doc_of.ForEach([&](uint64_t, uint32_t& id) { id = new_id[id]; });
  for (Term& t : terms) {
    size_t w = 0;
    t.bound.Clear();
    for (const Posting& p : t.postings) {
      const uint32_t id = new_id[p.doc];
      if (id == UINT32_MAX) continue;
      t.postings[w++] = Posting{id, p.tf};
      t.bound.Add(p.tf, docs[id].length);
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
  // The kept documents' terms under their new ids (renumbering keeps their order, so each list stays
  // ascending).
  std::vector<uint8_t> bytes;
  std::vector<uint64_t> at{0};
  bytes.reserve(doc_term_bytes.size());
  at.reserve(docs.size() + 1);
  std::vector<uint32_t> ids;
  for (uint64_t old : kept_at) {
    ids.clear();
    DecodeDocTerms(doc_term_bytes.data() + doc_terms_at[old], doc_term_bytes.data() + doc_terms_at[old + 1],
                   [&](uint32_t t) { ids.push_back(new_term[t]); });
    EncodeDocTerms(ids, &bytes);
    at.push_back(bytes.size());
  }
  doc_term_bytes = std::move(bytes);
  doc_terms_at = std::move(at);
  dead_postings = 0;
}

void KeywordIndex::Impl::CompactIfWorthIt() {
  if (dead_postings > kMinDeadPostingsToCompact && dead_postings > live_postings) Compact();
}

double KeywordIndex::Impl::Idf(uint32_t df) const {
  const double n = static_cast<double>(doc_of.size());
  return std::log(1.0 + (n - df + 0.5) / (df + 0.5));
}

double KeywordIndex::Impl::AverageLength() const {
  return doc_of.empty() ? 0.0 : static_cast<double>(total_length) / static_cast<double>(doc_of.size());
}

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
  const Doc doc{label, static_cast<uint32_t>(tokens.size()), true};
  std::vector<uint32_t> d_terms;
  for (size_t i = 0; i < tokens.size();) {
    size_t j = i;
    while (j < tokens.size() && tokens[j] == tokens[i]) ++j;
    auto [it, inserted] = m.term_ids.try_emplace(tokens[i], static_cast<uint32_t>(m.terms.size()));
    if (inserted) m.terms.emplace_back();
    Term& t = m.terms[it->second];
    const auto tf = static_cast<uint16_t>(std::min<size_t>(j - i, kMaxTf));
    Append(t.postings, Posting{id, tf});
    ++t.df;
    t.bound.Add(tf, doc.length);
    d_terms.push_back(it->second);
    i = j;
  }
  std::sort(d_terms.begin(), d_terms.end());
  m.live_postings += d_terms.size();
  m.total_length += doc.length;
  m.AddDoc(doc, d_terms);
  m.doc_of.Set(label, id);
  m.CompactIfWorthIt();
}

void KeywordIndex::Remove(uint64_t label) {
  std::unique_lock lock(impl_->mu);
  impl_->RemoveLocked(label);
  impl_->CompactIfWorthIt();
}

size_t KeywordIndex::size() const {
  std::shared_lock lock(impl_->mu);
  return impl_->doc_of.size();
}

size_t KeywordIndex::MemoryBytes() const {
  std::shared_lock lock(impl_->mu);
  const Impl& m = *impl_;
  size_t bytes = sizeof(Impl) + m.docs.capacity() * sizeof(Doc) + m.terms.capacity() * sizeof(Term) +
                 m.doc_term_bytes.capacity() + m.doc_terms_at.capacity() * sizeof(uint64_t);
  for (const auto& t : m.terms) bytes += t.postings.capacity() * sizeof(Posting);
  // The term map: one node (key, value, next pointer, cached hash) plus one bucket pointer per entry.
  for (const auto& [term, id] : m.term_ids) bytes += 48 + term.capacity();
  bytes += m.doc_of.MemoryBytes();
  return bytes;
}

}  // namespace exemplar::index
