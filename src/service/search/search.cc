#include "service/search/search.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iterator>
#include <unordered_map>

#include "common/ids.h"
#include "index/fusion.h"
#include "index/stop_words.h"
#include "service/search/search_math.h"
#include "service/examples/example_json.h"
#include "service/examples/json_text.h"
#include "service/quality/content_hash.h"
#include "service/quality/pii.h"

namespace exemplar::service {
std::string ModeName(SearchMode m) {
  switch (m) {
    case SearchMode::kAuto: return "auto";
    case SearchMode::kVector: return "vector";
    case SearchMode::kKeyword: return "keyword";
    case SearchMode::kHybrid: return "hybrid";
    case SearchMode::kMetadata: return "metadata";
  }
  return "auto";
}

namespace {

// One content filter value: a scalar, a list of scalars, or {"in": [...]} / {"eq": x}.
void ParseContentFilter(JsonReader& r, const std::string& key, storage::ExampleFilter* f) {
  const bool output = key.rfind("output.", 0) == 0;
  storage::ExampleFilter::Content c;
  c.output = output;
  c.key = key.substr(output ? 7 : 6);
  const Json* value = r.Raw(key);
  auto bad = [&](const std::string& msg) { r.validation().Add(r.Loc(key), msg, "type_error.content_filter"); };
  if (c.key.empty()) return bad("name a field: input.<field> or output.<field>");
  if (!value) return bad("must be a string, number or boolean, a list of them, or {\"in\": [...]}");
  const Json* list = value;
  if (value->is_object()) {
    if (value->size() != 1 || !(value->contains("in") || value->contains("eq"))) {
      return bad("an operator object is {\"in\": [values]} or {\"eq\": value}");
    }
    list = value->contains("in") ? &(*value)["in"] : nullptr;
    if (!list) {
      const Json& eq = (*value)["eq"];
      if (!eq.is_primitive() || eq.is_null()) return bad("`eq` takes a string, number or boolean");
      c.values.push_back(CanonicalScalar(eq));
    }
  }
  if (list && list->is_array()) {
    if (list->empty() || list->size() > 100) return bad("`in` takes 1 to 100 values");
    for (const auto& x : *list) {
      if (!x.is_primitive() || x.is_null()) return bad("`in` takes strings, numbers or booleans");
      c.values.push_back(CanonicalScalar(x));
    }
  } else if (list == value) {
    if (!value->is_primitive() || value->is_null()) return bad("must be a string, number or boolean");
    c.values.push_back(CanonicalScalar(*value));
  } else if (list) {
    return bad("`in` takes a list");
  }
  f->content.push_back(std::move(c));
}

}  // namespace

void ParseFilterFields(JsonReader& r, storage::ExampleFilter* f, bool content) {
  if (content) {
    // A filter per content field is read, so their number is capped: 200,000 filters in one
    // 5 MB body took 37 s of a handler's time.
    std::vector<std::string> content_keys;
    for (const auto& key : r.Keys()) {
      if (key.rfind("input.", 0) == 0 || key.rfind("output.", 0) == 0) content_keys.push_back(key);
    }
    if (content_keys.size() > kMaxContentFilters) {
      r.validation().Add(r.Loc(content_keys[kMaxContentFilters]),
                         "at most " + std::to_string(kMaxContentFilters) + " content filters (input.* / output.*); " +
                             std::to_string(content_keys.size()) + " given",
                         "value_error.list.max_items");
      for (const auto& key : content_keys) r.Has(key);  // refused above, not unknown
    } else {
      for (const auto& key : content_keys) ParseContentFilter(r, key, f);
    }
    std::vector<std::string> kinds = kPiiKinds;
    kinds.push_back("any");
    f->pii = r.Enum("pii", kinds);
  }
  f->databit_id = r.String("databit_id", 1024);
  f->domain = r.String("domain", 1024);
  f->function_name = r.String("function_name", 1024);
  f->difficulty = r.Enum("difficulty", kDifficulties);
  f->source = r.Enum("source", kSources);
  if (auto t = r.StringList("capability_tags", 1000, 1024)) f->tags_any = *t;
  if (auto t = r.String("capability_tag", 1024)) f->tags_any.push_back(*t);
  if (auto t = r.StringList("capability_tags_all", 1000, 1024)) f->tags_all = *t;
  f->min_quality_score = r.Number("min_quality_score", 0.0, 1.0);
  f->min_effectiveness_score = r.Number("min_effectiveness_score", 0.0, 1.0);
}

SearchRequest ParseSearchRequest(const Json& body, Validation& v, int k_default) {
  SearchRequest req;
  req.k = k_default;
  if (!body.is_object()) {
    v.Add({"body"}, "must be a JSON object", "type_error.dict");
    return req;
  }
  JsonReader r(body, v);
  req.query_text = r.String("query_text", 64 * 1024);
  if (r.Has("query_embedding") && !r.IsNull("query_embedding")) {
    const Json& q = body["query_embedding"];
    if (!q.is_array() || q.empty() || q.size() > 8192) {
      v.Add(r.Loc("query_embedding"), "must be a non-empty list of numbers", "type_error.list");
    } else {
      std::vector<float> vec;
      for (const auto& x : q) {
        if (!x.is_number()) {
          v.Add(r.Loc("query_embedding"), "must be a list of numbers", "type_error.float");
          break;
        }
        vec.push_back(x.get<float>());
        if (!std::isfinite(vec.back())) {  // e.g. 1e300: inf as a float would match nothing
          v.Add(r.Loc("query_embedding"), "numbers must be within float range", "value_error.number.out_of_range");
          break;
        }
      }
      if (vec.size() == q.size()) req.query_embedding = std::move(vec);
    }
  }
  if (auto m = r.Enum("mode", {"auto", "vector", "keyword", "hybrid", "metadata"})) {
    static const std::unordered_map<std::string, SearchMode> kModes = {
        {"auto", SearchMode::kAuto}, {"vector", SearchMode::kVector},
        {"keyword", SearchMode::kKeyword}, {"hybrid", SearchMode::kHybrid},
        {"metadata", SearchMode::kMetadata}};
    req.mode = kModes.at(*m);
  }
  ParseFilterFields(r, &req.filter, true);
  if (auto ids = r.StringList("example_ids", 1000, 64)) {
    // Ids are UUIDs: a malformed one is a mistake to name, not a filter that quietly matches nothing.
    for (size_t i = 0; i < ids->size(); ++i) {
      if (!IsUuid((*ids)[i])) {
        v.Add({"body", "example_ids", std::to_string(i)}, "must be an example id (UUID), got '" +
                                                              (*ids)[i].substr(0, 64) + "'", "value_error.uuid");
      }
    }
    req.filter.ids = *ids;
  }
  if (auto k = r.Int("k", 1, 100)) req.k = static_cast<int>(*k);
  req.similarity_threshold = r.Number("similarity_threshold", 0.0, 1.0);
  if (auto w = r.Number("effectiveness_weight", 0.0, 1.0)) req.effectiveness_weight = *w;
  if (auto e = r.Enum("exploration", kExplorationNames)) {
    req.exploration = ParseExploration(*e);
    if (req.effectiveness_weight <= 0 && *req.exploration != Exploration::kNone) {
      v.Add(r.Loc("exploration"), "has no effect without an effectiveness_weight above 0", "value_error.no_effect");
    }
  }
  if (auto seed = r.Int("seed", 0, static_cast<int64_t>(kMaxSeed))) req.seed = static_cast<uint64_t>(*seed);
  req.relevance_floor = r.Number("relevance_floor", 0.0, 1.0);
  if (auto mmr = r.Object("mmr")) {
    Validation& vv = v;
    JsonReader mr(*mmr, vv, r.Loc("mmr"));
    req.mmr = true;
    if (auto l = mr.Number("lambda", 0.0, 1.0)) req.mmr_lambda = *l;
    if (auto fk = mr.Int("fetch_k", 1, 1000)) {
      req.mmr_fetch_k = static_cast<int>(*fk);
      // MMR picks k results from fetch_k candidates: fewer candidates than k cut the results
      // (in vector and keyword modes) instead of diversifying them.
      if (req.mmr_fetch_k < req.k) {
        v.Add(mr.Loc("fetch_k"), "must be at least k (" + std::to_string(req.k) + ")", "value_error.number.too_small");
      }
    }
    mr.RejectUnknownKeys();
  } else if (r.Has("mmr") && !r.IsNull("mmr")) {
    if (auto b = r.Bool("mmr")) req.mmr = *b;
  }
  if (auto s = r.Enum("sort_by", {"effectiveness_score", "quality_score", "usage_count",
                                  "created_at", "updated_at"})) {
    static const std::unordered_map<std::string, storage::ExampleSortKey> kSorts = {
        {"effectiveness_score", storage::ExampleSortKey::kEffectiveness},
        {"quality_score", storage::ExampleSortKey::kQuality},
        {"usage_count", storage::ExampleSortKey::kUsage},
        {"created_at", storage::ExampleSortKey::kCreatedAt},
        {"updated_at", storage::ExampleSortKey::kUpdatedAt}};
    req.sort_by = kSorts.at(*s);
  }
  if (auto d = r.Bool("sort_desc")) req.sort_desc = *d;
  r.RejectUnknownKeys();
  bool has_text = req.query_text && !req.query_text->empty();
  if ((req.mode == SearchMode::kKeyword || req.mode == SearchMode::kHybrid) && !has_text) {
    v.Add(r.Loc("query_text"), "required for mode " + ModeName(req.mode), "value_error.missing");
  }
  if (req.mode == SearchMode::kVector && !has_text && !req.query_embedding) {
    v.Add(r.Loc("query_text"), "query_text or query_embedding required for mode vector",
          "value_error.missing");
  }
  return req;
}

std::string SearchResponseJsonText(const SearchResponse& r) {
  JsonTextWriter w;
  w.Reserve(512 + 2048 * r.results.size());  // most hits fit: no regrowing as the text grows
  auto opt = [&](const std::optional<double>& d) {
    if (d) w.Double(*d);
    else w.Null();
  };
  w.BeginObject();  // keys in DumpJson's (sorted) order
  w.PlainKey("metadata");  // how relevance and exploration shaped the answer
  w.BeginObject();
  w.PlainKey("embedding_model");  // the vector space searched (null: no vector leg)
  if (r.embedding_model.empty()) w.Null();
  else w.String(r.embedding_model);
  w.PlainKey("exploration");
  if (r.exploration) w.String(ExplorationName(*r.exploration));
  else w.Null();
  w.PlainKey("no_match");
  w.Bool(r.no_match);
  w.PlainKey("relevance_floor");
  opt(r.relevance_floor);
  w.PlainKey("seed");
  if (r.seed) w.Int(static_cast<int64_t>(*r.seed));
  else w.Null();
  w.EndObject();
  w.PlainKey("query_embedding_generated");
  w.Bool(r.query_embedding_generated);
  w.PlainKey("results");
  w.BeginArray();
  for (const auto& h : r.results) {
    w.BeginObject();
    w.PlainKey("example");
    WriteExampleJson(h.example, w);
    w.PlainKey("match_type");
    w.String(h.match_type);
    w.PlainKey("scores");
    w.BeginObject();
    w.PlainKey("effectiveness");
    opt(h.scores.effectiveness);
    w.PlainKey("effectiveness_used");
    opt(h.scores.effectiveness_used);
    w.PlainKey("fused");
    opt(h.scores.fused);
    w.PlainKey("keyword");
    opt(h.scores.keyword);
    w.PlainKey("relevance");
    opt(h.scores.relevance);
    w.PlainKey("vector");
    opt(h.scores.vector);
    w.EndObject();
    w.PlainKey("similarity_score");
    opt(h.similarity_score);
    w.EndObject();
  }
  w.EndArray();
  w.PlainKey("search_type");
  w.String(r.search_type);
  w.PlainKey("took_ms");
  w.Double(r.took_ms);
  w.PlainKey("total_matches");
  w.Int(r.total_matches);
  w.EndObject();
  return w.Take();
}

Json SearchResponseToJson(const SearchResponse& r) { return Json::parse(SearchResponseJsonText(r)); }

SearchMode Search::ResolveMode(const SearchRequest& req) {
  if (req.mode != SearchMode::kAuto) return req.mode;
  const bool has_text = req.query_text && !req.query_text->empty();
  return has_text ? SearchMode::kHybrid : (req.query_embedding ? SearchMode::kVector : SearchMode::kMetadata);
}

namespace {

// Equal scores rank by example id (SPEC §4.1). The legs break ties by index label, which is per
// store: the same examples imported in another order ranked differently.
void TieBreakById(std::vector<SearchHit>& hits) {
  for (size_t i = 0; i < hits.size();) {
    size_t j = i + 1;
    while (j < hits.size() && hits[j].rank_score == hits[i].rank_score) ++j;
    std::sort(hits.begin() + static_cast<std::ptrdiff_t>(i), hits.begin() + static_cast<std::ptrdiff_t>(j),
              [](const SearchHit& a, const SearchHit& b) { return a.example.id < b.example.id; });
    i = j;
  }
}

}  // namespace

Result<SearchResponse> Search::Run(const SearchRequest& req) {
  const auto start = std::chrono::steady_clock::now();
  SearchResponse resp;
  const SearchMode mode = ResolveMode(req);
  resp.search_type = ModeName(mode);
  if (mode == SearchMode::kMetadata) {
    EXEMPLAR_RETURN_IF_ERROR(RunMetadata(req, &resp));
  } else {
    EXEMPLAR_ASSIGN_OR_RETURN(Candidates c, CandidateLegs(req, mode, &resp));
    std::vector<index::Hit> ranked = Fuse(req, mode, c);
    Blend(req, mode, c, ranked, &resp);
    Diversify(req, c, ranked);
    EXEMPLAR_RETURN_IF_ERROR(Hydrate(mode, c, ranked, &resp));
    TieBreakById(resp.results);
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
  const bool no_content = req.query_text && !req.query_embedding && index::ContentWords(*req.query_text).empty();
  if (mode == SearchMode::kVector || (mode == SearchMode::kHybrid && !no_query_vector)) {
    c.space = std::move(space);
    resp->embedding_model = c.space->model;
    if (!no_content) {
      EXEMPLAR_ASSIGN_OR_RETURN(c.qvec, QueryVector(req, *c.space, resp));
      c.vec_hits = c.space->index->Search(c.qvec, fetch, allowed_ptr);
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
  }
  if (mode == SearchMode::kKeyword || mode == SearchMode::kHybrid) {
    // Stop words ("the", "is", "how") match nearly every example and say nothing of the topic.
    c.kw_hits = index_.keywords().Search(index::ContentWords(*req.query_text), fetch, allowed_ptr);
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
  // Keyword-only searches diversify by the serving vectors too (one space for the whole request).
  const auto space = c.space ? c.space : index_.Space();
  const size_t k = static_cast<size_t>(req.k);
  if (req.mmr && ranked.size() > k) {
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
