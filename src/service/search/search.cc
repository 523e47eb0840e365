#include "service/search/search.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iterator>
#include <unordered_map>

#include "index/fusion.h"
#include "index/stop_words.h"
#include "service/search/search_math.h"

namespace exemplar::service {

SearchMode Search::ResolveMode(const SearchRequest& req) {
  if (req.mode != SearchMode::kAuto) return req.mode;
  // A query text, even "" (a query about nothing: it finds nothing, as "???" does), is a text
  // search; without one, a query embedding is a vector search and nothing at all lists by metadata.
  // An agent forwarding an empty user message got the store's top examples in its prompt.
  if (req.query_text) return SearchMode::kHybrid;
  return req.query_embedding ? SearchMode::kVector : SearchMode::kMetadata;
}

namespace {

// How deep a leg looks for candidates tied at its cut, or for keyword matches that clear a
// similarity threshold: it bounds the work of a query over thousands of identical examples (the
// ones left out are then chosen by index label), or of a threshold few matches clear.
constexpr size_t kMaxLegDepth = 4096;

// Keyword matches scored exactly beside the vector graph's candidates (Search::AddKeywordNeighbours).
constexpr size_t kKeywordNeighbours = 16;

// A leg's best `fetch` hits (search(n) returns its best n, best first), plus every further hit
// tied with the last of them. The legs break ties by index label, which is per store (creation
// order): cutting there dropped the tied example with the smaller id, so k=1 and k=2 disagreed
// (SPEC §4.1: ties break by id, and a smaller k's results are a prefix of a larger k's). Costs
// one extra candidate when nothing is tied at the cut.
template <class SearchFn>
std::vector<index::Hit> WithTiesAtTheCut(SearchFn search, size_t fetch) {
  if (fetch == 0) return {};
  std::vector<index::Hit> hits;
  for (size_t n = fetch;; n = std::min(2 * n, kMaxLegDepth)) {
    hits = search(n + 1);  // one more than needed shows whether the tie goes on past n
    if (hits.size() <= n || hits[n].score != hits[fetch - 1].score || n >= kMaxLegDepth) break;
  }
  if (hits.size() <= fetch) return hits;
  const float cut = hits[fetch - 1].score;
  size_t end = fetch;
  while (end < hits.size() && hits[end].score == cut) ++end;
  hits.resize(end);
  return hits;
}

// `hits` (best first) merged with `more`, cut to the best `fetch` and every further hit tied with
// the last of them, as WithTiesAtTheCut cuts (ties by label, as the index orders them).
void MergeAtTheCut(std::vector<index::Hit> more, size_t fetch, std::vector<index::Hit>* hits) {
  hits->insert(hits->end(), more.begin(), more.end());
  std::sort(hits->begin(), hits->end(), [](const index::Hit& a, const index::Hit& b) {
    return a.score != b.score ? a.score > b.score : a.label < b.label;
  });
  if (fetch == 0 || hits->size() <= fetch) return;
  size_t end = fetch;
  while (end < hits->size() && (*hits)[end].score == (*hits)[fetch - 1].score) ++end;
  hits->resize(end);
}

}  // namespace

// HNSW misses nearest neighbours where vectors are nearly orthogonal and the query lies off
// the stored ones — the hash embedder's lexical vectors, a query without the field names its
// examples were embedded with: past 1,024 vectors a store's own input, asked word for word, was
// not among the vector results (review s21; 2,724 examples, 6 of 50). Examples that share the
// query's words are the likeliest neighbours of a lexical query, and cheap to score exactly:
// the keyword index's best kKeywordNeighbours matches, cosine-scored, join the graph's candidates.
void Search::AddKeywordNeighbours(const SearchRequest& req, const VectorSpace& space, const std::vector<float>& qvec,
                                  const std::vector<uint64_t>* allowed, size_t fetch,
                                  std::vector<index::Hit>* hits) const {
  // An exact scan's top `fetch` are the true nearest: nothing to add.
  if (!req.query_text || qvec.empty() || space.index->ScansExactly(fetch + 1, allowed)) return;
  const std::string words = index::ContentWords(*req.query_text);
  if (words.empty()) return;
  // Only the matches the graph did not return are read and scored (most are, for a lexical query).
  std::vector<uint64_t> labels;
  for (const index::Hit& h : index_.keywords().Search(words, kKeywordNeighbours, allowed)) {
    if (std::none_of(hits->begin(), hits->end(), [&](const index::Hit& v) { return v.label == h.label; })) {
      labels.push_back(h.label);
    }
  }
  if (labels.empty()) return;
  std::sort(labels.begin(), labels.end());
  MergeAtTheCut(space.index->Search(qvec, labels.size(), &labels), fetch, hits);
}

void Search::OrderTiesById(std::vector<index::Hit>& ranked) const {
  for (size_t i = 0; i < ranked.size();) {
    size_t j = i + 1;
    while (j < ranked.size() && ranked[j].score == ranked[i].score) ++j;
    if (j - i > 1) {
      std::vector<std::pair<std::string, index::Hit>> group;
      for (size_t x = i; x < j; ++x) {
        group.push_back({index_.catalog().IdOf(static_cast<int64_t>(ranked[x].label)).value_or(""), ranked[x]});
      }
      std::stable_sort(group.begin(), group.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
      for (size_t x = i; x < j; ++x) ranked[x] = group[x - i].second;
    }
    i = j;
  }
}

Result<SearchResponse> Search::Run(const SearchRequest& req) {
  const auto start = std::chrono::steady_clock::now();
  SearchResponse resp;
  if (req.filter.databit_id) {
    // A template id that names nothing (a typo, or not an id at all) matched no example, so a typo
    // silently emptied an agent's prompt. A template without examples still answers empty.
    auto t = store_.GetTemplate(*req.filter.databit_id);
    if (!t.ok() && !t.status().IsNotFound()) return t.status();
    if (!t.ok()) {
      return Status::Invalid({{{"body", "databit_id"}, "template " + *req.filter.databit_id + " does not exist",
                               "value_error.not_found"}});
    }
  }
  const SearchMode mode = ResolveMode(req);
  resp.search_type = ModeName(mode);
  if (mode == SearchMode::kMetadata) {
    EXEMPLAR_RETURN_IF_ERROR(RunMetadata(req, &resp));
  } else {
    EXEMPLAR_ASSIGN_OR_RETURN(Candidates c, CandidateLegs(req, mode, &resp));
    std::vector<index::Hit> ranked = Fuse(req, mode, c);
    Blend(req, mode, c, ranked, &resp);
    OrderTiesById(ranked);  // before any cut to k
    Diversify(req, c, ranked);
    EXEMPLAR_RETURN_IF_ERROR(Hydrate(mode, c, ranked, &resp));
    resp.no_match = resp.results.empty();
  }
  resp.took_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return resp;
}

Status Search::RunMetadata(const SearchRequest& req, SearchResponse* resp) {
  storage::ExampleFilter filter = req.filter;
  if (!filter.content.empty() || filter.pii) {
    // Content and PII filters are resolved by the catalog; the store applies the rows.
    auto rows = index_.catalog().Match(filter);
    filter.row_ids = rows ? std::vector<int64_t>(rows->begin(), rows->end()) : std::vector<int64_t>{};
  }
  EXEMPLAR_ASSIGN_OR_RETURN(auto page, store_.ListExamples(filter, req.sort_by, req.sort_desc, 0, req.k));
  for (auto& e : page.examples) {
    SearchHit h;
    h.scores.effectiveness = e.effectiveness_score();
    h.example = std::move(e);
    h.match_type = "metadata";
    resp->results.push_back(std::move(h));
  }
  resp->total_matches = page.total;
  return Status::Ok();
}

Result<std::vector<float>> Search::QueryVector(const SearchRequest& req, const VectorSpace& space,
                                               SearchResponse* resp) {
  if (req.query_embedding) {
    const int dim = space.index->options().dim;
    if (static_cast<int>(req.query_embedding->size()) != dim) {
      return Status::Invalid({{{"body", "query_embedding"},
                               "must have " + std::to_string(dim) + " dimensions",
                               "value_error.dimension"}});
    }
    std::vector<float> qvec = *req.query_embedding;
    const float norm = std::sqrt(Dot(qvec, qvec));
    if (norm > 0) for (float& x : qvec) x /= norm;
    return qvec;
  }
  if (!space.embedder) {
    // The stored vectors were made by a model this server cannot run; re-embedding is under way.
    return Status::Unavailable("vector search is unavailable until re-embedding finishes (stored vectors are " +
                               space.model + ")");
  }
  auto emb = space.embedder->Embed(*req.query_text);
  if (!emb.ok()) return Status::Unavailable("embedding provider failed: " + emb.status().message());
  resp->query_embedding_generated = true;
  return std::move(emb).value();
}

std::optional<std::vector<uint64_t>> Search::AllowedRows(const SearchRequest& req) const {
  if (req.databit_line.empty()) return index_.catalog().Match(req.filter);
  std::vector<uint64_t> rows;
  storage::ExampleFilter f = req.filter;
  for (const auto& id : req.databit_line) {
    f.databit_id = id;
    auto some = index_.catalog().Match(f);
    if (!some) continue;
    std::vector<uint64_t> merged;
    std::set_union(rows.begin(), rows.end(), some->begin(), some->end(), std::back_inserter(merged));
    rows = std::move(merged);
  }
  return rows;
}

Result<Search::Candidates> Search::CandidateLegs(const SearchRequest& req, SearchMode mode, SearchResponse* resp) {
  Candidates c;
  const size_t k = static_cast<size_t>(req.k);
  std::optional<std::vector<uint64_t>> allowed = AllowedRows(req);
  const std::vector<uint64_t>* allowed_ptr = allowed ? &*allowed : nullptr;
  // Fetch more than k when later stages reorder: MMR picks from fetch_k, fusion and the
  // effectiveness blend can promote candidates ranked below k in one leg.
  size_t fetch = req.mmr ? static_cast<size_t>(req.mmr_fetch_k > 0 ? req.mmr_fetch_k : 4 * req.k) : k;
  if (mode == SearchMode::kHybrid || req.effectiveness_weight > 0) fetch = std::max(fetch, 2 * k + 20);

  // One space for the whole search: the query is embedded by the model of the index it searches.
  auto space = index_.Space();
  // Vectors of a model this server cannot run (re-embedding under way): hybrid is keyword-only.
  const bool no_query_vector = !space->embedder && !req.query_embedding;
  // A text query without a content word (stop words, punctuation, symbols only) is about nothing,
  // and no leg has anything to match: the hash embedder would make it a fixed unit vector whose
  // similarity to each example is arbitrary (0.31 against a floor of 0.13 in one store).
  const bool no_content = req.query_text && !req.query_embedding &&
                          index::ContentWords(req.query_content.value_or(*req.query_text)).empty();
  if (mode == SearchMode::kVector || (mode == SearchMode::kHybrid && !no_query_vector)) {
    c.space = std::move(space);
    resp->embedding_model = c.space->model;
    if (!no_content) {
      EXEMPLAR_ASSIGN_OR_RETURN(c.qvec, QueryVector(req, *c.space, resp));
      c.vec_hits = WithTiesAtTheCut([&](size_t n) { return c.space->index->Search(c.qvec, n, allowed_ptr); }, fetch);
      AddKeywordNeighbours(req, *c.space, c.qvec, allowed_ptr, fetch, &c.vec_hits);
    }
    if (req.similarity_threshold) {
      std::erase_if(c.vec_hits, [&](const index::Hit& h) { return h.score < *req.similarity_threshold; });
    }
    // The relevance floor: a candidate no closer than an unrelated example would be is noise. In
    // hybrid mode keyword matches stay (a shared term is relevance of its own), as in keyword mode.
    const Floors floors = RelevanceFloors(req, c.space->model);
    resp->relevance_floor = floors.store;
    if (floors.store && *floors.store > 0) {
      std::erase_if(c.vec_hits, [&](const index::Hit& h) { return !floors.Clears(index_.catalog(), h); });
    }
  } else if (mode == SearchMode::kKeyword && !no_content &&
             (req.similarity_threshold || (req.mmr && !no_query_vector))) {
    // A similarity threshold and MMR weigh the cosine of the query and each candidate: the query is
    // embedded in the space of the vectors it is compared with, though no vector leg runs. (Without
    // an embedder for that space a threshold is a 503, as in vector mode; MMR falls back to BM25.)
    c.space = std::move(space);
    resp->embedding_model = c.space->model;
    EXEMPLAR_ASSIGN_OR_RETURN(c.qvec, QueryVector(req, *c.space, resp));
  }
  if ((mode == SearchMode::kKeyword || mode == SearchMode::kHybrid) && !no_content) {
    // Stop words ("the", "is", "how") match nearly every example and say nothing of the topic.
    const std::string words = index::ContentWords(*req.query_text);
    // Keyword mode applies a similarity threshold in the leg (hybrid applies it when fusing): its
    // best n matches that clear it, looking deeper while too few do (BM25 order is not cosine order).
    const bool thresholded = mode == SearchMode::kKeyword && req.similarity_threshold && !c.qvec.empty();
    auto keyword_leg = [&](size_t n) {
      std::vector<float> v;
      for (size_t depth = n;; depth = std::min(4 * depth, kMaxLegDepth)) {
        std::vector<index::Hit> hits = index_.keywords().Search(words, depth, allowed_ptr);
        const size_t matched = hits.size();
        if (thresholded) {
          std::erase_if(hits, [&](const index::Hit& h) {
            return !c.space->index->GetVector(h.label, &v) || Dot(v, c.qvec) < *req.similarity_threshold;
          });
        }
        if (hits.size() >= n || matched < depth || depth >= kMaxLegDepth) {
          if (hits.size() > n) hits.resize(n);
          return hits;
        }
      }
    };
    c.kw_hits = WithTiesAtTheCut(keyword_leg, fetch);
  }
  for (const auto& h : c.vec_hits) c.scores[h.label].vector = Clamp01(h.score);
  for (const auto& h : c.kw_hits) c.scores[h.label].keyword = h.score;
  return c;
}

std::vector<index::Hit> Search::Fuse(const SearchRequest& req, SearchMode mode, Candidates& c) const {
  if (mode != SearchMode::kHybrid) return mode == SearchMode::kVector ? c.vec_hits : c.kw_hits;
  std::vector<index::Hit> ranked = index::ReciprocalRankFusion({c.vec_hits, c.kw_hits});
  // A keyword-only match must still clear the similarity threshold when one is set.
  if (req.similarity_threshold && !c.qvec.empty()) {
    std::vector<float> v;
    std::erase_if(ranked, [&](const index::Hit& h) {
      if (c.scores[h.label].vector) return false;
      if (!c.space->index->GetVector(h.label, &v)) return true;
      return Dot(v, c.qvec) < *req.similarity_threshold;
    });
  }
  for (const auto& h : ranked) c.scores[h.label].fused = h.score;
  return ranked;
}

Search::Floors Search::RelevanceFloors(const SearchRequest& req, const std::string& model) const {
  Floors f;
  if (req.relevance_floor) {
    if (*req.relevance_floor > 0) f.store = req.relevance_floor;
    return f;
  }
  const RelevanceCalibration c = index_.Calibration(model);
  f.store = c.floor;
  if (!c.floor || *c.floor <= 0) return f;
  f.unmeasured = *c.UnmeasuredScopeFloor();
  for (const auto& s : c.scopes) {
    if (auto id = index_.catalog().ScopeIdOf(s.key)) f.by_scope[*id] = *c.ScopeFloor(s.key);
  }
  return f;
}

bool Search::Floors::Clears(const Catalog& catalog, const index::Hit& h) const {
  if (!store || h.score >= *store) return true;
  if (by_scope.empty()) return false;  // a store of one scope, or an override
  const auto row = catalog.Row(static_cast<int64_t>(h.label));
  if (!row) return false;
  auto it = by_scope.find(row->scope);
  return h.score >= (it != by_scope.end() ? it->second : unmeasured);
}

void Search::Diversify(const SearchRequest& req, const Candidates& c, std::vector<index::Hit>& ranked) const {
  const size_t k = static_cast<size_t>(req.k);
  if (req.mmr && !ranked.empty()) {
    // LangChain's maximal_marginal_relevance: over the top fetch_k candidates (the mode's ranking:
    // a leg's, the fused one, or the effectiveness blend's), pick by λ·cos(q, d) − (1 − λ)·max cos(d, s)
    // with s the picks so far. Relevance is the cosine itself, not a score over the best one's: with
    // that, a copy of the top hit scored λ − (1 − λ) and beat every relevant distinct candidate, and
    // hybrid's RRF scores sat in 0.8–1.0. Keyword-only searches use the serving vectors too (one
    // space for the whole request); without a query vector (re-embedding under way, stored vectors
    // of a model this server cannot run) keyword relevance is BM25 over the best candidate's.
    const auto space = c.space ? c.space : index_.Space();
    const size_t fetch_k = static_cast<size_t>(req.mmr_fetch_k > 0 ? req.mmr_fetch_k : 4 * req.k);
    if (ranked.size() > fetch_k) ranked.resize(fetch_k);
    std::unordered_map<uint64_t, std::vector<float>> cache;
    auto vec_of = [&](uint64_t label) -> const std::vector<float>& {
      auto it = cache.find(label);
      if (it == cache.end()) {
        std::vector<float> v;
        space->index->GetVector(label, &v);
        it = cache.emplace(label, std::move(v)).first;
      }
      return it->second;
    };
    std::unordered_map<uint64_t, float> leg_cosine;  // the vector leg's scores, as it ranked them
    for (const auto& h : c.vec_hits) leg_cosine.emplace(h.label, h.score);
    float best = 0;
    for (const auto& h : ranked) best = std::max(best, h.score);
    for (auto& h : ranked) {
      if (c.qvec.empty()) {
        h.score = best > 0 ? h.score / best : 0;
      } else {
        auto it = leg_cosine.find(h.label);
        h.score = it != leg_cosine.end() ? it->second : Dot(vec_of(h.label), c.qvec);
      }
    }
    ranked = index::MaximalMarginalRelevance(ranked, k, req.mmr_lambda,
                                             [&](uint64_t a, uint64_t b) { return Dot(vec_of(a), vec_of(b)); });
  }
  if (ranked.size() > k) ranked.resize(k);
}

Status Search::Hydrate(SearchMode mode, Candidates& c, const std::vector<index::Hit>& ranked,
                       SearchResponse* resp) {
  std::vector<int64_t> rows;
  for (const auto& h : ranked) rows.push_back(static_cast<int64_t>(h.label));
  EXEMPLAR_ASSIGN_OR_RETURN(auto examples, store_.GetExamplesByRowIds(rows));
  std::unordered_map<int64_t, Example*> by_row;
  for (auto& e : examples) by_row[e.row_id] = &e;
  std::unordered_map<uint64_t, bool> in_vec;
  for (const auto& h : c.vec_hits) in_vec[h.label] = true;
  std::vector<float> v;
  for (const auto& h : ranked) {
    auto it = by_row.find(static_cast<int64_t>(h.label));
    if (it == by_row.end()) continue;  // deleted between ranking and hydration
    SearchHit hit;
    hit.scores = c.scores[h.label];
    if (!c.qvec.empty() && !hit.scores.vector && c.space->index->GetVector(h.label, &v)) {
      hit.scores.vector = Clamp01(Dot(v, c.qvec));
    }
    hit.similarity_score = hit.scores.vector;
    hit.scores.effectiveness = it->second->effectiveness_score();
    if (mode == SearchMode::kHybrid) {
      const bool in_kw = hit.scores.keyword.has_value();
      hit.match_type = in_vec.count(h.label) && in_kw ? "hybrid" : (in_kw ? "keyword" : "vector");
    } else {
      hit.match_type = ModeName(mode);
    }
    hit.rank_score = h.score;
    hit.example = std::move(*it->second);
    resp->results.push_back(std::move(hit));
  }
  resp->total_matches = static_cast<int64_t>(resp->results.size());
  return Status::Ok();
}

}  // namespace exemplar::service
