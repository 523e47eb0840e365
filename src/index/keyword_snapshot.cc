// KeywordIndex::Save / Load: the inverted index written as it is in memory (terms with their
// posting lists and the corners of their bounds, documents, each document's terms), so loading
// is copying arrays and rebuilding two hash maps, not tokenising every row again.
#include <algorithm>
#include <mutex>
#include <utility>
#include <vector>
#include <shared_mutex>

#include "index/keyword_index.h"
#include "index/keyword_index_impl.h"
#include "index/snapshot_file.h"

namespace exemplar::index {
namespace {

constexpr uint32_t kVersion = 2;  // 2: 6-byte postings, documents' terms in one array

// A fingerprint of how text becomes terms and scores: tokens of a text that exercises case and
// accent folding, CJK, digits and punctuation, plus the BM25 constants. A build that changes any
// of these writes a different probe, so its snapshots and ours are not mixed.
uint64_t Probe() {
  Checksum sum;
  for (const std::string& t : Tokenize("Ünïcode Straße ŒUVRE naïve café-crème 東京タワー x86_64 it's 3.14 ÇA—va?")) {
    sum.Update(t.data(), t.size());
    sum.Update("\n", 1);
  }
  const double params[2] = {kK1, kB};
  sum.Update(reinterpret_cast<const char*>(params), sizeof params);
  return sum.Digest();
}

SnapshotTag Tag(uint64_t change_seq) {
  SnapshotTag tag{{'E', 'X', 'K', 'W', 'I', 'D', 'X', '1'}, kVersion, change_seq, Probe()};
  return tag;
}

}  // namespace

void KeywordIndex::Clear() {
  std::unique_lock lock(impl_->mu);
  Impl& m = *impl_;
  m.term_ids.clear();
  m.terms.clear();
  m.docs.clear();
  m.doc_term_bytes.clear();
  m.doc_terms_at.assign(1, 0);
  m.doc_of.Clear();
  m.total_length = 0;
  m.live_postings = 0;
  m.dead_postings = 0;
}

Status KeywordIndex::Save(const std::string& path, uint64_t change_seq) const {
  BodyWriter w;
  {
    std::shared_lock lock(impl_->mu);
    const Impl& m = *impl_;
    w.Put<uint64_t>(m.total_length);
    w.Put<uint64_t>(m.live_postings);
    w.Put<uint64_t>(m.dead_postings);
    // Terms in id order: the map is rebuilt from the order.
    std::vector<const std::string*> names(m.terms.size());
    for (const auto& [name, id] : m.term_ids) names[id] = &name;
    w.Put<uint64_t>(m.terms.size());
    for (size_t i = 0; i < m.terms.size(); ++i) {
      const Term& t = m.terms[i];
      w.PutString(names[i] ? std::string_view(*names[i]) : std::string_view());
      w.Put(t.df);
      w.Put(t.bound.max_tf());  // the bound's corner; Load recomputes the bound from the postings
      w.Put(t.bound.min_length());
      w.PutArray(t.postings.data(), t.postings.size());
    }
    w.Put<uint64_t>(m.docs.size());
    for (const Doc& d : m.docs) {
      w.Put(d.label);
      w.Put(d.length);
      w.Put<uint8_t>(d.alive ? 1 : 0);
    }
    w.PutArray(m.doc_term_bytes.data(), m.doc_term_bytes.size());
    w.PutArray(m.doc_terms_at.data(), m.doc_terms_at.size());
  }
  return WriteSnapshotFile(path, Tag(change_seq), w.body());
}

Status KeywordIndex::Load(const std::string& path, uint64_t expected_seq) {
  Clear();
  EXEMPLAR_ASSIGN_OR_RETURN(std::string body, ReadSnapshotFile(path, Tag(expected_seq)));
  auto fail = [&](const char* why) { return Status::FailedPrecondition(path + ": " + why); };
  Impl loaded;
  std::vector<std::pair<uint32_t, uint32_t>> corners;  // each term's stored (max tf, min length)
  BodyReader r(body);
  loaded.total_length = r.Get<uint64_t>();
  loaded.live_postings = r.Get<uint64_t>();
  loaded.dead_postings = r.Get<uint64_t>();
  const auto term_count = r.Get<uint64_t>();
  if (!r.Fits(term_count, 4 + 12 + 8)) return fail("term count exceeds the file");
  loaded.terms.resize(term_count);
  loaded.term_ids.reserve(term_count);
  for (uint32_t i = 0; i < term_count; ++i) {
    const std::string_view name = r.GetString();
    Term& t = loaded.terms[i];
    t.df = r.Get<uint32_t>();
    const auto max_tf = r.Get<uint32_t>();
    const auto min_length = r.Get<uint32_t>();
    corners.emplace_back(max_tf, min_length);
    r.GetArray(&t.postings);
    if (!r.ok()) return fail("truncated terms");
    // A term without live postings may have lost its name to compaction bookkeeping; only named
    // terms are reachable by queries.
    if (!name.empty() && !loaded.term_ids.emplace(std::string(name), i).second) return fail("term stored twice");
  }
  const auto doc_count = r.Get<uint64_t>();
  if (!r.Fits(doc_count, 8 + 4 + 1) || doc_count >= UINT32_MAX) return fail("document count exceeds the file");
  loaded.docs.resize(doc_count);
  loaded.doc_of.Reserve(doc_count);
  for (uint32_t i = 0; i < doc_count; ++i) {
    Doc& d = loaded.docs[i];
    d.label = r.Get<uint64_t>();
    d.length = r.Get<uint32_t>();
    d.alive = r.Get<uint8_t>() != 0;
    if (!r.ok()) return fail("truncated documents");
    if (d.alive && !loaded.doc_of.Insert(d.label, i)) return fail("label stored twice");
  }
  r.GetArray(&loaded.doc_term_bytes);
  r.GetArray(&loaded.doc_terms_at);
  if (!r.ok()) return fail("truncated documents' terms");
  if (!r.done()) return fail("trailing bytes");
  const auto& at = loaded.doc_terms_at;
  if (at.size() != doc_count + 1 || at.front() != 0 || at.back() != loaded.doc_term_bytes.size() ||
      !std::is_sorted(at.begin(), at.end())) {
    return fail("documents' term offsets are inconsistent");
  }
  for (size_t i = 0; i < doc_count; ++i) {
    bool known = true;
    const uint8_t* bytes = loaded.doc_term_bytes.data();
    if (!DecodeDocTerms(bytes + at[i], bytes + at[i + 1], [&](uint32_t t) { known = known && t < term_count; })) {
      return fail("documents' terms are malformed");
    }
    if (!known) return fail("document names an unknown term");
  }
  // The term bounds, from the postings in the order they were added (so exactly as the saved
  // index held them); their corners must be what was saved.
  for (size_t i = 0; i < loaded.terms.size(); ++i) {
    Term& t = loaded.terms[i];
    for (const Posting& p : t.postings) {
      if (p.doc >= doc_count) return fail("posting names an unknown document");
      t.bound.Add(p.tf, loaded.docs[p.doc].length);
    }
    if (corners[i] != std::make_pair(t.bound.max_tf(), t.bound.min_length())) {
      return fail("term bounds disagree with the postings");
    }
  }
  std::unique_lock lock(impl_->mu);
  Impl& m = *impl_;
  m.term_ids = std::move(loaded.term_ids);
  m.terms = std::move(loaded.terms);
  m.docs = std::move(loaded.docs);
  m.doc_term_bytes = std::move(loaded.doc_term_bytes);
  m.doc_terms_at = std::move(loaded.doc_terms_at);
  m.doc_of = std::move(loaded.doc_of);
  m.total_length = loaded.total_length;
  m.live_postings = loaded.live_postings;
  m.dead_postings = loaded.dead_postings;
  return Status::Ok();
}

}  // namespace exemplar::index
