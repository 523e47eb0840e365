// Operations: liveness and readiness.
#include "api/routes.h"
#include "common/memory.h"

namespace exemplar::api {
namespace {

int64_t Int(size_t v) { return static_cast<int64_t>(v); }

// The families a scrape reads besides the HTTP layer's: index sizes, memory, re-embedding, the
// embedding cache and runs by status.
std::vector<MetricFamily> ScrapeFamilies(Services& s) {
  const auto stats = s.index.Stats();
  std::vector<MetricFamily> f = {
      Gauge("exemplar_index_examples", "Examples in the search index.", Int(stats.examples)),
      Gauge("exemplar_index_vectors", "Vectors in the vector index.", Int(stats.vectors)),
      Gauge("exemplar_index_keyword_documents", "Documents in the keyword index.", Int(stats.keyword_docs)),
      Gauge("exemplar_index_vector_bytes", "Memory of the vector index in bytes.", Int(stats.vector_bytes)),
      Gauge("exemplar_index_keyword_bytes", "Memory of the keyword index in bytes.", Int(stats.keyword_bytes)),
      Gauge("exemplar_index_catalog_bytes", "Memory of the filter catalog in bytes.", Int(stats.catalog_bytes)),
      Gauge("exemplar_index_applied_change_seq", "Last change-log entry the indexes applied.", stats.applied_seq),
  };
  // Where resident memory goes (bench/README.md, "Memory at 100k"): malloc's heap and SQLite's
  // share of it (page caches, statements).
  const MallocStats heap = ReadMallocStats();
  f.push_back(Gauge("exemplar_memory_malloc_arena_bytes", "Bytes malloc holds in its arenas.", Int(heap.arena_bytes)));
  f.push_back(Gauge("exemplar_memory_malloc_mmap_bytes", "Bytes of malloc's large blocks, each its own mmap.",
                    Int(heap.mmap_bytes)));
  f.push_back(Gauge("exemplar_memory_malloc_in_use_bytes", "Bytes allocated and not freed, in the arenas.",
                    Int(heap.in_use_bytes)));
  f.push_back(Gauge("exemplar_memory_malloc_free_bytes", "Bytes freed but kept by malloc.", Int(heap.free_bytes)));
  f.push_back(Gauge("exemplar_memory_malloc_arenas", "Malloc arenas.", int64_t{heap.arenas}));
  f.push_back(Gauge("exemplar_memory_sqlite_bytes", "Bytes SQLite has allocated.", storage::SqliteMemoryBytes()));
  // Re-embedding progress (issue #21): the figures of the current or last job.
  const auto re = s.examples.ReembeddingStatus();
  f.push_back(Gauge("exemplar_reembed_running", "1 while a re-embedding runs.", int64_t{re.state == "running"}));
  f.push_back(Gauge("exemplar_reembed_total", "Examples the current or last re-embedding places.", re.total));
  f.push_back(Gauge("exemplar_reembed_done", "Examples the current or last re-embedding has placed.", re.done));
  f.push_back(Gauge("exemplar_reembed_errors", "Errors of the current or last re-embedding.", re.errors));
  f.push_back(Gauge("exemplar_reembed_due", "1 when stored vectors are of another model than the embedder's.",
                    int64_t{s.examples.ReembeddingDue()}));
  if (auto c = s.examples.CacheStats()) {
    f.push_back(Counter("exemplar_embed_cache_hits_total", "Texts the embedding cache answered.",
                        static_cast<int64_t>(c->hits)));
    f.push_back(Counter("exemplar_embed_cache_misses_total", "Texts the embedding cache passed to the embedder.",
                        static_cast<int64_t>(c->misses)));
    f.push_back(Gauge("exemplar_embed_cache_entries", "Entries in the embedding cache.", Int(c->entries)));
    f.push_back(Gauge("exemplar_embed_cache_bytes", "Bytes of the embedding cache.", Int(c->bytes)));
  }
  // Usage retention: what this process pruned, and the retrievals its last pass left.
  const auto kept = s.usage_retention.stats();
  f.push_back({"exemplar_usage_pruned_total", "counter",
               "Usage evidence rows this process deleted by retention (usage_retention_days, max_retrievals_kept, "
               "max_usage_events_kept).",
               {{"table=\"retrievals\"", kept.retrievals_pruned}, {"table=\"usage_events\"", kept.usage_events_pruned}}});
  if (kept.retrievals_kept) {
    f.push_back(Gauge("exemplar_retrievals_kept", "Retrievals in the store after the last retention pass.",
                      *kept.retrievals_kept));
  }
  if (kept.usage_events_kept) {
    f.push_back(Gauge("exemplar_usage_events_kept", "Usage events in the store after the last retention pass.",
                      *kept.usage_events_kept));
  }
  MetricFamily runs{"exemplar_runs", "gauge", "Optimization runs by status.", {}};
  for (const char* st : {"pending", "running", "completed", "failed", "cancelled"}) {
    auto page = s.store.ListRuns(std::nullopt, std::string(st), 0, 1);
    runs.samples.push_back({std::string("status=\"") + st + "\"", page.ok() ? static_cast<int64_t>(page->second) : 0});
  }
  f.push_back(std::move(runs));
  return f;
}

Reply Loading(Services& s, const Request& req) {
  const bool counts = !s.auth.options().required;
  Reply r{503, ErrorBody(Status::Unavailable(s.readiness.Describe(counts) + "; retry shortly"), req.request_id)};
  r.body["status"] = "loading";
  if (const auto p = s.readiness.progress(); counts && p.counted) {
    r.body["indexed"] = p.done;
    r.body["examples"] = p.total;
  }
  r.headers["Retry-After"] = std::to_string(Readiness::kRetryAfterSeconds);
  return r;
}

}  // namespace

void AddHealthRoutes(std::vector<Route>& routes, Services& s) {
  routes.push_back({"GET", "/healthz", "Liveness: the process serves requests", "operations",
                    [](const Request&) -> Result<Reply> { return Reply::Json200({{"status", "ok"}}); }});
  routes.push_back({"GET", "/readyz", "Readiness: storage answers and indexes are loaded", "operations",
                    [&s](const Request& req) -> Result<Reply> {
                      // While `serve` loads the indexes: alive, not ready (how far, when the
                      // caller may learn the store's size).
                      if (!s.readiness.ready()) return Loading(s, req);
                      auto n = s.store.CountExamples();
                      // Not ready, without internals (hosts, ports, database text): they are logged.
                      if (!n.ok()) return Status::Unavailable("not ready: storage unavailable");
                      // The probe needs only the status; with tokens required, anyone may ask, so
                      // the store's size and model are for /metrics (a token) alone.
                      if (s.auth.options().required) return Reply::Json200({{"status", "ready"}});
                      auto stats = s.index.Stats();
                      return Reply::Json200({{"status", "ready"},
                                             {"examples", *n},
                                             {"indexed", stats.examples},
                                             {"vectors", stats.vectors},
                                             {"vector_model", stats.vector_model},
                                             {"index_load", stats.load_mode}});
                    }});
  routes.push_back({"GET", "/metrics", "Prometheus metrics: requests, latency, index sizes, runs", "operations",
                    [&s](const Request&) -> Result<Reply> {
                      Reply r;
                      r.content_type = "text/plain; version=0.0.4";
                      r.raw = s.metrics.Render(ScrapeFamilies(s));
                      return r;
                    }});
}

}  // namespace exemplar::api
