// Embeddings of the store (issue 21): re-embed chosen examples, start or watch the background
// re-embedding to the configured model, and the embedding cache's figures.
#include <algorithm>

#include "api/routes.h"
#include "common/ids.h"
#include "common/time.h"

namespace exemplar::api {
namespace {

Json ReembedStatusToJson(Services& s, const service::ReembedStatus& r) {
  auto opt = [](const std::optional<int64_t>& ms) { return ms ? Json(FormatRfc3339(*ms)) : Json(nullptr); };
  Json out = {{"serving_model", s.index.Space()->model},
              {"configured_model", s.index.configured()->model()},
              {"state", r.state},
              {"from_model", r.from_model.empty() ? Json(nullptr) : Json(r.from_model)},
              {"to_model", r.to_model.empty() ? Json(nullptr) : Json(r.to_model)},
              {"all", r.all},
              {"total", r.total},
              {"done", r.done},
              {"reused", r.reused},
              {"embedded", r.embedded},
              {"errors", r.errors},
              {"progress", r.total > 0 ? static_cast<double>(r.done) / static_cast<double>(r.total)
                                       : (r.state == "completed" ? 1.0 : 0.0)},
              {"started_at", opt(r.started_at)},
              {"finished_at", opt(r.finished_at)},
              {"error", r.error.empty() ? Json(nullptr) : Json(r.error)}};
  if (auto c = s.examples.CacheStats()) {
    out["cache"] = {{"entries", c->entries}, {"bytes", c->bytes}, {"capacity_bytes", c->capacity_bytes},
                    {"hits", c->hits}, {"misses", c->misses}};
  } else {
    out["cache"] = nullptr;
  }
  return out;
}

}  // namespace

void AddEmbeddingRoutes(std::vector<Route>& routes, Services& s) {
  const std::string base = "/api/v1/examples";
  routes.push_back({"POST", base + "/regenerate-embeddings",
                    "Re-embed exactly the given example_ids (200), or build the configured embedder's index in "
                    "the background while the current one serves (202; all with force=true)", "examples",
                    [&s](const Request& req) -> Result<Reply> {
                      Validation v;
                      const std::optional<bool> query_force = QueryBool(req, "force", v);
                      EXEMPLAR_RETURN_IF_ERROR(v.ToStatus());
                      // The body is optional, but when given it is an object ("force", [] or null
                      // used to pass as "no options").
                      EXEMPLAR_ASSIGN_OR_RETURN(Json body, ParseOptionalJsonObject(req));
                      JsonReader r(body, v);
                      const std::optional<bool> body_force = r.Bool("force");
                      if (query_force && r.Has("force")) {
                        v.Add({"query", "force"}, "given in both the query string and the body; give it once",
                              "value_error.conflict");
                      }
                      bool all = query_force.value_or(false) || body_force.value_or(false) || r.Bool("all").value_or(false);
                      std::optional<std::vector<std::string>> ids =
                          r.StringList("example_ids", service::kMaxRegenerateIds, 64);
                      r.RejectUnknownKeys();
                      if (ids && ids->empty()) {
                        v.Add({"body", "example_ids"}, "must name at least one example", "value_error.list.min_items");
                      }
                      if (ids && all) {
                        v.Add({"body", "example_ids"}, "give example_ids or force, not both", "value_error.conflict");
                      }
                      if (ids) {
                        for (size_t i = 0; i < ids->size(); ++i) {
                          if (!IsUuid((*ids)[i])) {
                            v.Add({"body", "example_ids", std::to_string(i)}, "must be an example id (UUID)",
                                  "value_error.uuid");
                          }
                        }
                      }
                      EXEMPLAR_RETURN_IF_ERROR(v.ToStatus());
                      if (ids) {
                        std::vector<std::string> unique;
                        for (const auto& id : *ids) {
                          std::string n = NormalizeUuid(id);
                          if (std::find(unique.begin(), unique.end(), n) == unique.end()) unique.push_back(n);
                        }
                        EXEMPLAR_ASSIGN_OR_RETURN(auto done, s.examples.RegenerateEmbeddings(unique));
                        return Reply::Json200({{"processed", done.processed},
                                               {"skipped", done.skipped},
                                               {"errors", done.errors},
                                               {"model", done.model},
                                               {"example_ids", done.ids}});
                      }
                      if (!all && !s.examples.ReembeddingDue()) {
                        return Reply::Json200(ReembedStatusToJson(s, s.examples.ReembeddingStatus()));
                      }
                      EXEMPLAR_ASSIGN_OR_RETURN(auto started, s.examples.StartReembedding(all));
                      return Reply{202, ReembedStatusToJson(s, started)};
                    }});
  routes.push_back({"GET", base + "/regenerate-embeddings",
                    "Embedding status: the serving model, the configured one, the background re-embedding's "
                    "progress and the embedding cache", "examples",
                    [&s](const Request&) -> Result<Reply> {
                      return Reply::Json200(ReembedStatusToJson(s, s.examples.ReembeddingStatus()));
                    }});
}

}  // namespace exemplar::api
