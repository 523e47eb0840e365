// Operations: liveness and readiness.
#include "api/routes.h"
#include "common/memory.h"

namespace exemplar::api {

void AddHealthRoutes(std::vector<Route>& routes, Services& s) {
  routes.push_back({"GET", "/healthz", "Liveness: the process serves requests", "operations",
                    [](const Request&) -> Result<Reply> { return Reply::Json200({{"status", "ok"}}); }});
  routes.push_back({"GET", "/readyz", "Readiness: storage answers and indexes are loaded", "operations",
                    [&s](const Request&) -> Result<Reply> {
                      auto n = s.store.CountExamples();
                      // Not ready, without internals (hosts, ports, database text): they are logged.
                      if (!n.ok()) return Status::Unavailable("not ready: storage unavailable");
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
                      auto stats = s.index.Stats();
                      std::vector<std::pair<std::string, double>> gauges = {
                          {"exemplar_index_examples", static_cast<double>(stats.examples)},
                          {"exemplar_index_vectors", static_cast<double>(stats.vectors)},
                          {"exemplar_index_keyword_documents", static_cast<double>(stats.keyword_docs)},
                          {"exemplar_index_vector_bytes", static_cast<double>(stats.vector_bytes)},
                          {"exemplar_index_keyword_bytes", static_cast<double>(stats.keyword_bytes)},
                          {"exemplar_index_catalog_bytes", static_cast<double>(stats.catalog_bytes)},
                          {"exemplar_index_applied_change_seq", static_cast<double>(stats.applied_seq)},
                      };
                      // Where resident memory goes (bench/README.md, "Memory at 100k"): malloc's heap
                      // and SQLite's share of it (page caches, statements).
                      const MallocStats heap = ReadMallocStats();
                      gauges.push_back({"exemplar_memory_malloc_arena_bytes", static_cast<double>(heap.arena_bytes)});
                      gauges.push_back({"exemplar_memory_malloc_mmap_bytes", static_cast<double>(heap.mmap_bytes)});
                      gauges.push_back({"exemplar_memory_malloc_in_use_bytes", static_cast<double>(heap.in_use_bytes)});
                      gauges.push_back({"exemplar_memory_malloc_free_bytes", static_cast<double>(heap.free_bytes)});
                      gauges.push_back({"exemplar_memory_malloc_arenas", static_cast<double>(heap.arenas)});
                      gauges.push_back({"exemplar_memory_sqlite_bytes", static_cast<double>(storage::SqliteMemoryBytes())});
                      // Re-embedding progress (issue #21) and the embedding cache.
                      const auto re = s.examples.ReembeddingStatus();
                      gauges.push_back({"exemplar_reembed_running", re.state == "running" ? 1.0 : 0.0});
                      gauges.push_back({"exemplar_reembed_total", static_cast<double>(re.total)});
                      gauges.push_back({"exemplar_reembed_done", static_cast<double>(re.done)});
                      gauges.push_back({"exemplar_reembed_errors", static_cast<double>(re.errors)});
                      gauges.push_back({"exemplar_reembed_due", s.examples.ReembeddingDue() ? 1.0 : 0.0});
                      if (auto c = s.examples.CacheStats()) {
                        gauges.push_back({"exemplar_embed_cache_hits_total", static_cast<double>(c->hits)});
                        gauges.push_back({"exemplar_embed_cache_misses_total", static_cast<double>(c->misses)});
                        gauges.push_back({"exemplar_embed_cache_entries", static_cast<double>(c->entries)});
                        gauges.push_back({"exemplar_embed_cache_bytes", static_cast<double>(c->bytes)});
                      }
                      for (const char* st : {"pending", "running", "completed", "failed", "cancelled"}) {
                        auto runs = s.store.ListRuns(std::nullopt, std::string(st), 0, 1);
                        gauges.push_back({std::string("exemplar_runs{status=\"") + st + "\"}",
                                          runs.ok() ? static_cast<double>(runs->second) : 0});
                      }
                      Reply r;
                      r.content_type = "text/plain; version=0.0.4";
                      r.raw = s.metrics.Render(gauges);
                      return r;
                    }});
}

}  // namespace exemplar::api
