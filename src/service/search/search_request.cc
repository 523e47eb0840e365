// Search requests and responses on the wire: the body parser (filters, modes, k, MMR, thresholds)
// and the response JSON. The search itself is search.cc.
#include <cmath>
#include <unordered_map>

#include "common/ids.h"
#include "service/examples/example_json.h"
#include "service/examples/json_text.h"
#include "service/quality/content_hash.h"
#include "service/quality/pii.h"
#include "service/search/search.h"
#include "service/search/search_math.h"

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
      std::vector<std::string> at = r.Loc(content_keys.front());
      at.pop_back();  // the filter object itself, as a snapshot's own cap names it
      r.validation().Add(at,
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
  // Stored ids are lower case; a template id in capitals names the same template.
  if (f->databit_id && IsUuid(*f->databit_id)) f->databit_id = NormalizeUuid(*f->databit_id);
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
  // `mmr` is a boolean (true: the defaults) or {lambda, fetch_k}, as the OpenAPI document says;
  // reading it as an object first made `true` a 422 "must be a JSON object".
  const Json* mmr_value = r.Raw("mmr");
  if (mmr_value && mmr_value->is_boolean()) {
    req.mmr = mmr_value->get<bool>();
  } else if (mmr_value && !mmr_value->is_object()) {
    v.Add(r.Loc("mmr"), "must be a boolean or an object {lambda, fetch_k}", "type_error.mmr");
  } else if (auto mmr = r.Object("mmr")) {
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
  }
  const bool sorted = r.Raw("sort_by") || r.Raw("sort_desc");
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
  // A query's results come in relevance order: a sort would be silently ignored there.
  const bool metadata =
      req.mode == SearchMode::kMetadata || (req.mode == SearchMode::kAuto && !req.query_text && !req.query_embedding);
  if (sorted && !metadata) {
    v.Add(r.Loc(r.Raw("sort_by") ? "sort_by" : "sort_desc"),
          "applies to metadata searches only (no query_text or query_embedding, or mode metadata); a query's "
          "results come in relevance order",
          "value_error.no_effect");
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

}  // namespace exemplar::service
