// Search (SPEC §4.1): vector, keyword, hybrid (RRF) and metadata modes with filters applied inside
// the search, MMR, similarity threshold, effectiveness blending and per-result scores.
#pragma once

#include <optional>
#include <unordered_map>
#include <string>
#include <vector>

#include "common/json_util.h"
#include "embed/embedder.h"
#include "service/search/exploration.h"
#include "service/search/search_index.h"
#include "storage/store.h"

namespace exemplar::service {

enum class SearchMode { kAuto, kVector, kKeyword, kHybrid, kMetadata };

struct SearchRequest {
  std::optional<std::string> query_text;
  // The text whose words decide whether the query is about anything: an object query's values
  // without its keys (flattened into query_text, a key such as "text" is in every example of its
  // kind). nullopt: query_text.
  std::optional<std::string> query_content;
  std::optional<std::vector<float>> query_embedding;
  SearchMode mode = SearchMode::kAuto;
  storage::ExampleFilter filter;
  int k = 10;
  std::optional<double> similarity_threshold;
  bool mmr = false;
  double mmr_lambda = 0.5;
  int mmr_fetch_k = 0;                    // 0 = 4k
  double effectiveness_weight = 0;        // 0..1
  // How effectiveness reorders relevant candidates; nullopt: greedy when a weight is set.
  std::optional<Exploration> exploration;
  std::optional<uint64_t> seed;            // Thompson draws; nullopt: 0 (search is repeatable)
  // Vector candidates below this cosine are dropped; nullopt: the index's calibrated floor for
  // the embedder; 0 turns the floor off.
  std::optional<double> relevance_floor;
  // Non-empty: candidates are the examples of any of these templates (a version's line,
  // template_family.h) matching the other filters, instead of filter.databit_id alone.
  std::vector<std::string> databit_line;
  storage::ExampleSortKey sort_by = storage::ExampleSortKey::kEffectiveness;
  bool sort_desc = true;
};

struct SearchScores {
  std::optional<double> vector;
  std::optional<double> keyword;
  std::optional<double> fused;
  std::optional<double> effectiveness;  // the example's score; the 0.5 prior is used for ranking
  std::optional<double> relevance;      // what the blend weighed (Search::BlendRelevance)
  std::optional<double> effectiveness_used;  // what the exploration policy blended
};

struct SearchHit {
  Example example;
  std::optional<double> similarity_score;
  std::string match_type;  // vector | keyword | hybrid | metadata
  SearchScores scores;
  double rank_score = 0;
};

struct SearchResponse {
  std::vector<SearchHit> results;
  int64_t total_matches = 0;
  std::string search_type;
  bool query_embedding_generated = false;
  double took_ms = 0;
  bool no_match = false;                  // a text/vector query found nothing relevant
  std::optional<double> relevance_floor;  // the floor the vector leg applied (null: none)
  std::optional<Exploration> exploration; // the policy that ranked (null: relevance only)
  std::optional<uint64_t> seed;           // its seed (Thompson)
  std::string embedding_model;            // the vector space searched; empty without a vector leg
};

// Parses a search body (422 field errors into v). `k_default` differs for the agent hook.
SearchRequest ParseSearchRequest(const Json& body, Validation& v, int k_default = 10);
// Parses the list/search filter fields shared with GET /examples query parameters. With
// `content`, also `pii` (a kind or "any") and the content filters `input.<field>` /
// `output.<field>`: a scalar (equality), a list of scalars or {"in": [...]} (any of them).
// Content filters one request may hold (a snapshot keeps at most as many).
constexpr size_t kMaxContentFilters = 100;
void ParseFilterFields(JsonReader& r, storage::ExampleFilter* f, bool content = false);
// The response body as text (what the API sends), and as a DOM (same content).
std::string SearchResponseJsonText(const SearchResponse& r);
Json SearchResponseToJson(const SearchResponse& r);
std::string ModeName(SearchMode m);

class Search {
 public:
  // Queries are embedded by the embedder of the vector space they search (SearchIndex::Space).
  Search(storage::Store& store, const SearchIndex& index) : store_(store), index_(index) {}

  // Runs a search as its stages: resolve the mode, gather the candidate legs (vector, keyword),
  // fuse them, blend effectiveness, diversify (MMR) and cut to k, hydrate rows from the store.
  Result<SearchResponse> Run(const SearchRequest& req);

 private:
  // The floors a request's vector leg applies to vectors of `model`: its override (one floor for
  // every candidate), else the index's calibration — the store's floor, lowered for the candidates
  // of scopes whose own calibration is lower (a store that mixes tasks). A scope too small to
  // measure gets the lowest floor measured: the store's figures may be another task's.
  struct Floors {
    std::optional<double> store;
    std::unordered_map<uint32_t, double> by_scope;  // measured catalog scope → min(store, its floor)
    double unmeasured = 0;                          // min(store, every measured scope's floor)
    bool Clears(const Catalog& catalog, const index::Hit& h) const;
  };
  Floors RelevanceFloors(const SearchRequest& req, const std::string& model) const;
  // The catalog rows a request may return (sorted); nullopt when it restricts nothing.
  std::optional<std::vector<uint64_t>> AllowedRows(const SearchRequest& req) const;

  struct Candidates {
    std::shared_ptr<const VectorSpace> space;  // the space the vector leg searched; null: none ran
    std::vector<float> qvec;  // normalised query vector; empty when no vector leg ran
    std::vector<index::Hit> vec_hits, kw_hits;
    std::unordered_map<uint64_t, SearchScores> scores;
  };
  static SearchMode ResolveMode(const SearchRequest& req);
  Status RunMetadata(const SearchRequest& req, SearchResponse* resp);
  Result<std::vector<float>> QueryVector(const SearchRequest& req, const VectorSpace& space, SearchResponse* resp);
  Result<Candidates> CandidateLegs(const SearchRequest& req, SearchMode mode, SearchResponse* resp);
  // Adds the keyword index's best matches of a text query, cosine-scored exactly, to the vector
  // leg's `hits` (best first, cut at `fetch` with ties; see search.cc).
  void AddKeywordNeighbours(const SearchRequest& req, const VectorSpace& space, const std::vector<float>& qvec,
                            const std::vector<uint64_t>* allowed, size_t fetch, std::vector<index::Hit>* hits) const;
  std::vector<index::Hit> Fuse(const SearchRequest& req, SearchMode mode, Candidates& c) const;
  void Blend(const SearchRequest& req, SearchMode mode, Candidates& c, std::vector<index::Hit>& ranked,
             SearchResponse* resp) const;
  // The relevance an effectiveness blend weighs, per ranked candidate, in [0, 1] (1 for the best).
  std::vector<double> BlendRelevance(SearchMode mode, bool blending, Candidates& c,
                                     const std::vector<index::Hit>& ranked) const;
  // Runs of equal score in `ranked` (best first) ordered by example id (SPEC §4.1), before any cut.
  void OrderTiesById(std::vector<index::Hit>& ranked) const;
  void Diversify(const SearchRequest& req, const Candidates& c, std::vector<index::Hit>& ranked) const;
  Status Hydrate(SearchMode mode, Candidates& c, const std::vector<index::Hit>& ranked, SearchResponse* resp);

  storage::Store& store_;
  const SearchIndex& index_;
};

}  // namespace exemplar::service
