// exemplar bench: builds a synthetic store with topical structure behind a real server on a free
// loopback port, then measures ingest, in-process vector search against raw hnswlib and exact
// search (same run, same ef), filtered search, hybrid search and GET by id over HTTP, restart time
// and index memory. Prints a table; --json FILE writes the figures.
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <limits>
#include <thread>
#include <unordered_set>

#include "api/routes.h"
#include "api/server.h"
#include "cli/bench_connections.h"
#include "cli/bench_corpus.h"
#include "cli/bench_graph_build.h"
#include "cli/bench_http_load.h"
#include "cli/bench_lists.h"
#include "cli/bench_quality.h"
#include "cli/commands.h"
#include "cli/runtime.h"
#include "common/ids.h"
#include "common/time.h"

namespace exemplar::cli {
namespace {

using Clock = std::chrono::steady_clock;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

}  // namespace

int RunBench(const Config& base, const BenchOptions& opt) {
  Config config = base;
  std::string dir = (std::filesystem::temp_directory_path() / ("exemplar_bench_" + NewUuid())).string();
  config.data_dir = dir;
  config.port = 0;
  config.host = "127.0.0.1";
  // No worker per client any more: connections live on the event loop, `threads` runs handlers.
  config.embedder = "hash";
  // conn_flood holds thousands of connections from this one address.
  config.max_connections_per_ip = 0;
  FloodOptions flood;
  if (opt.quick) flood = {200, 50, 20, 400};
  config.max_event_streams = std::max(config.max_event_streams, flood.sse + 16);
  Json out = {{"n", opt.n}};
  auto fail = [&](const std::string& what) {
    std::cerr << "bench: " << what << "\n";
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    return 1;
  };

  auto rt_or = Runtime::Open(config);
  if (!rt_or.ok()) return fail(rt_or.status().message());
  std::unique_ptr<Runtime> rt = std::move(rt_or).value();
  auto server = std::make_unique<api::Server>(rt->config(), api::BuildRoutes(rt->services()), rt->auth().options(),
                                               &rt->metrics());
  if (Status st = server->Start(); !st.ok()) return fail(st.message());
  int port = server->port();
  out["dim"] = rt->embedder().dim();
  BenchCorpus corpus;

  // ---- Ingest through the batch API (1000 per request, 2 clients) ----
  std::cerr << "bench: ingesting " << opt.n << " examples...\n";
  constexpr int kBatch = 1000;
  int batches = static_cast<int>((opt.n + kBatch - 1) / kBatch);
  std::vector<std::string> bodies(batches);
  for (int b = 0; b < batches; ++b) {
    Json items = Json::array();
    for (int64_t i = int64_t{b} * kBatch; i < std::min<int64_t>(opt.n, int64_t{b + 1} * kBatch); ++i)
      items.push_back(corpus.Example(i));
    bodies[b] = Json{{"examples", items}}.dump();
  }
  auto ingest_start = Clock::now();
  HttpLoad ingest = RunLoad(port, 2, batches, [&](httplib::Client& c, int i) {
    auto r = c.Post("/api/v1/examples/batch", bodies[i], "application/json");
    if (r && r->status == 201) r->status = 200;
    return r;
  });
  double ingest_s = std::chrono::duration<double>(Clock::now() - ingest_start).count();
  if (ingest.errors) return fail("ingest failed");
  out["ingest_per_s"] = opt.n / ingest_s;
  // Acknowledged vectors the HNSW graph has not taken in yet (searched exactly meanwhile), and the
  // rate counted until the graph holds every vector: what ingest costs in full.
  const size_t backlog = rt->index().vectors()->pending();
  out["ingest_graph_backlog"] = backlog;
  bodies.clear();
  const auto drain_start = Clock::now();
  rt->index().WaitUntilIndexed();
  const double drain_s = std::chrono::duration<double>(Clock::now() - drain_start).count();
  out["ingest_indexed_per_s"] =
      opt.n / std::chrono::duration<double>(Clock::now() - ingest_start).count();
  // How fast the graph took in that backlog once ingest stopped (all inserter threads).
  out["ingest_graph_drain_per_s"] = backlog > 0 ? static_cast<double>(backlog) / std::max(1e-9, drain_s) : 0.0;
  out["rss_after_ingest_mb"] = ResidentMb();
  out["rss_after_ingest_anon_mb"] = ResidentPartMb("RssAnon");

  // ---- In-process vector search: ours vs raw hnswlib (same graph, same ef) vs exact ----
  std::vector<std::vector<float>> queries;
  std::vector<std::string> query_texts;
  for (int i = 0; i < opt.queries; ++i) {
    query_texts.push_back(corpus.Query());
    queries.push_back(*rt->embedder().Embed(query_texts.back()));
  }
  const auto vectors = rt->index().vectors();  // held: stays valid across a re-embedding switch
  const index::VectorIndex& vi = *vectors;
  // Separate passes over the same queries, so no path runs on caches the other just warmed; ours,
  // raw, raw, ours, so neither gains from going first or last.
  std::vector<double> ours, raw, exact;
  std::vector<std::vector<index::Hit>> found;
  for (int pass = 0; pass < 4; ++pass) {
    const bool ours_pass = pass == 0 || pass == 3;
    for (const auto& q : queries) {
      auto t0 = Clock::now();
      if (ours_pass) {
        auto hits = vi.Search(q, 10);
        ours.push_back(Ms(Clock::now() - t0));
        if (pass == 0) found.push_back(std::move(hits));
      } else {
        auto raw_hits = vi.SearchRaw(q, 10);
        raw.push_back(Ms(Clock::now() - t0));
      }
    }
  }
  double recall_hits = 0;
  for (size_t i = 0; i < queries.size(); ++i) {
    auto t0 = Clock::now();
    auto truth = vi.SearchExact(queries[i], 10);
    exact.push_back(Ms(Clock::now() - t0));
    std::unordered_set<uint64_t> t;
    for (const auto& h : truth) t.insert(h.label);
    for (const auto& h : found[i]) recall_hits += t.count(h.label);
  }
  out["vector_p50_ms"] = Percentile(ours, 0.5);
  out["vector_p99_ms"] = Percentile(ours, 0.99);
  out["raw_hnswlib_p50_ms"] = Percentile(raw, 0.5);
  out["exact_p50_ms"] = Percentile(exact, 0.5);
  out["recall_at_10"] = recall_hits / (10.0 * queries.size());
  out["ef_search"] = vi.options().ef_search;
  out["ef_search_effective"] = vi.search_ef();  // grown with the index past 100k (HnswGraph::SearchEf)
  out["vector_storage"] = index::VectorStorageName(vi.options().storage);
  // Graph build: one inserter thread vs one per core on the first 10,000 examples (issue 24, item 1).
  const Json build = MeasureGraphBuild(rt->embedder(), vi.options(), std::min<int64_t>(opt.n, 10000));
  for (const auto& [k, v] : build.items()) out[k] = v;

  // ---- Filtered search (a function filter matching 1% of examples), through the service ----
  std::vector<double> filtered;
  int full = 0;
  for (size_t i = 0; i < queries.size(); ++i) {
    service::SearchRequest req;
    req.mode = service::SearchMode::kVector;
    req.query_embedding = queries[i];
    req.k = 10;
    req.filter.function_name = "fn_" + std::to_string(i % BenchCorpus::kFunctions);
    // Filter mechanics (k results from a 1% filter), not relevance: the 1% rarely share the
    // query's topic, so the relevance floor would rightly leave fewer than k.
    req.relevance_floor = 0;
    auto t0 = Clock::now();
    auto r = rt->search().Run(req);
    filtered.push_back(Ms(Clock::now() - t0));
    if (r.ok() && r->results.size() == 10) ++full;
  }
  out["filtered_p50_ms"] = Percentile(filtered, 0.5);
  out["filtered_full_k"] = static_cast<double>(full) / queries.size();
  out["quality"] = MeasureQuality(*rt, queries, query_texts);  // bench_quality.cc (issue #20)

  // ---- HTTP: hybrid search and GET by id with concurrent keep-alive clients ----
  HttpLoad hybrid = RunLoad(port, opt.clients, opt.queries * 2, [&](httplib::Client& c, int i) {
    Json body = {{"query_text", query_texts[i % query_texts.size()]}, {"mode", "hybrid"}, {"k", 10}};
    return c.Post("/api/v1/examples/search", body.dump(), "application/json");
  });
  out["http_hybrid_p50_ms"] = hybrid.p50_ms;
  out["http_hybrid_qps"] = hybrid.qps;
  std::vector<std::string> ids;
  {
    auto page = rt->store().ListExamples({}, storage::ExampleSortKey::kCreatedAt, true, 0, 1000);
    for (const auto& e : page->examples) ids.push_back("/api/v1/examples/" + e.id);
  }
  HttpLoad get = RunLoad(port, opt.clients, opt.queries * 20, [&](httplib::Client& c, int i) {
    return c.Get(ids[i % ids.size()].c_str());
  });
  out["get_by_id_rps"] = get.qps;
  if (hybrid.errors || get.errors) return fail("HTTP requests failed");
  // The same two loads from the lean client (prepared bytes over a plain socket): the client's
  // own CPU shares the 2 cores with the server, and httplib's is a large part of a GET's.
  {
    std::vector<std::string> hybrid_requests, get_requests;
    for (const auto& q : query_texts) {
      const Json body = {{"query_text", q}, {"mode", "hybrid"}, {"k", 10}};
      hybrid_requests.push_back(RawRequest("/api/v1/examples/search", body.dump()));
    }
    for (const auto& target : ids) get_requests.push_back(RawRequest(target));
    // About a second of each at full speed (the default 500 queries give 3,000 searches and 40,000
    // GETs): windows of a few hundred ms swung by ±30% between runs on a shared 2-core machine.
    HttpLoad lean_hybrid = RunLeanLoad(port, opt.clients, opt.queries * 6, [&](int i) -> const std::string& {
      return hybrid_requests[static_cast<size_t>(i) % hybrid_requests.size()];
    });
    HttpLoad lean_get = RunLeanLoad(port, opt.clients, opt.queries * 80, [&](int i) -> const std::string& {
      return get_requests[static_cast<size_t>(i) % get_requests.size()];
    });
    if (lean_hybrid.errors || lean_get.errors) return fail("HTTP requests (lean client) failed");
    out["http_hybrid_lean_p50_ms"] = lean_hybrid.p50_ms;
    out["http_hybrid_lean_qps"] = lean_hybrid.qps;
    out["get_by_id_lean_p50_ms"] = lean_get.p50_ms;
    out["get_by_id_lean_rps"] = lean_get.qps;
  }

  // ---- Memory under sustained search load (issue 16: RSS must not keep growing) ----
  double load_s = opt.quick ? 2 : 30;
  std::cerr << "bench: " << load_s << " s of hybrid search load...\n";
  HttpLoad sustained = RunLoad(port, opt.clients, std::numeric_limits<int>::max(), [&](httplib::Client& c, int i) {
    Json body = {{"query_text", query_texts[i % query_texts.size()]}, {"mode", "hybrid"}, {"k", 10}};
    return c.Post("/api/v1/examples/search", body.dump(), "application/json");
  }, load_s);
  if (sustained.errors) return fail("search load failed");
  out["rss_after_search_load_mb"] = ResidentMb();
  out["rss_after_search_load_anon_mb"] = ResidentPartMb("RssAnon");
  out["rss_search_load_ratio"] = out["rss_after_search_load_mb"].get<double>() / out["rss_after_ingest_mb"].get<double>();

  // ---- Held connections: idle + slowloris + event streams, then cheap requests ----
  {
    httplib::Client c("127.0.0.1", port);
    auto tmpl = c.Post("/api/v1/templates", R"({"name": "bench", "prompt_template": "Classify the fault.",
        "input_schema": [{"name": "text", "type": "string"}], "output_schema": [{"name": "label", "type": "string"}]})",
                       "application/json");
    if (!tmpl || tmpl->status != 201) return fail("template for conn_flood");
    // A run "executing on another replica": its event streams stay open, following the store.
    RunRecord run;
    run.id = NewUuid();
    run.template_id = Json::parse(tmpl->body)["id"];
    run.status = "running";
    run.claimed_by = "bench-other-replica";
    run.created_at = run.updated_at = NowMillis();
    if (Status st = rt->store().InsertRun(run); !st.ok()) return fail(st.message());
    std::cerr << "bench: conn_flood (" << flood.idle << " idle, " << flood.slowloris << " slowloris, "
              << flood.sse << " event streams)...\n";
    Json f = MeasureConnFlood(port, "/api/v1/dspy-runs/" + run.id + "/events", ids, flood);
    out["conn_flood"] = f;
    out["conn_flood_p99_ms"] = f["p99_ms"];
    if (f["errors"].get<int64_t>() > 0) std::cerr << "bench: conn_flood: " << f["errors"] << " failed requests\n";
    Json b = MeasureBurst(port, 200, "/api/v1/examples", corpus.Example(opt.n + 1).dump());
    out["burst"] = b;
    out["burst_resets"] = b["resets"];
  }

  // ---- Lists (first page and deep by cursor), the whole-store streamed export, a snapshot's ----
  {
    Json lists = MeasureLists(port, opt.quick ? 50 : 200);
    if (lists.contains("error")) return fail(lists["error"].get<std::string>());
    out["lists"] = lists;
    out["list_first_page_p99_ms"] = lists["first_page_p99_ms"];
    out["list_deep_page_p99_ms"] = lists["deep_page_p99_ms"];
    out["list_p99_ms"] = std::max(lists["first_page_p99_ms"].get<double>(), lists["deep_page_p99_ms"].get<double>());
    Json exp = MeasureExport(port);
    if (exp.contains("error")) return fail(exp["error"].get<std::string>());
    out["export"] = exp;
    out["export_s"] = exp["seconds"];
    out["export_peak_rss_mb"] = exp["rss_peak_mb"];
    out["export_rss_growth_mb"] = exp["rss_peak_mb"].get<double>() - exp["rss_before_mb"].get<double>();
    Json snap = MeasureSnapshotExport(port, opt.n);
    if (snap.contains("error")) return fail(snap["error"].get<std::string>());
    out["snapshot_export"] = snap;
    out["snapshot_export_s"] = snap["seconds"];
    out["snapshot_export_rss_growth_mb"] = snap["rss_peak_mb"].get<double>() - snap["rss_before_mb"].get<double>();
  }

  // ---- Memory and restart ----
  auto stats = rt->index().Stats();
  const auto per_example = [&](size_t bytes) { return static_cast<double>(bytes) / std::max<int64_t>(1, opt.n); };
  out["index_bytes_per_example"] = per_example(stats.vector_bytes + stats.keyword_bytes);
  // The parts: the vector index in memory (graph; compact with f16 / int8), the keyword index,
  // and with f16 / int8 the memory-mapped f32 vector file (mapped capacity; file pages).
  out["vector_bytes_per_example"] = per_example(stats.vector_bytes);
  out["keyword_bytes_per_example"] = per_example(stats.keyword_bytes);
  out["vector_file_bytes_per_example"] = per_example(stats.vector_file_bytes);
  // Not in index_bytes_per_example (kept comparable with earlier runs): the catalog of metadata
  // that filters resolve against, one entry per example.
  out["catalog_bytes_per_example"] = per_example(stats.catalog_bytes);
  server->Stop();
  server.reset();
  if (Status st = rt->index().SaveSnapshot(); !st.ok()) return fail(st.message());
  rt.reset();
  auto restart_start = Clock::now();
  auto reopened = Runtime::Open(config);
  if (!reopened.ok()) return fail(reopened.status().message());
  out["restart_ready_s"] = std::chrono::duration<double>(Clock::now() - restart_start).count();
  out["restart_load_mode"] = (*reopened)->index().Stats().load_mode;
  {
    // Cold start to the first answer: opening the store and indexes, then one hybrid search.
    service::SearchRequest first;
    first.query_text = query_texts.front();
    first.mode = service::SearchMode::kHybrid;
    auto answer = (*reopened)->search().Run(first);
    if (!answer.ok() || answer->results.empty()) return fail("no answer after restart");
    out["cold_start_first_answer_s"] = std::chrono::duration<double>(Clock::now() - restart_start).count();
  }
  reopened->reset();

  std::cout << "exemplar bench (n=" << opt.n << ", dim=" << out["dim"] << ", ef=" << out["ef_search"]
            << ", vector_storage=" << out["vector_storage"].get<std::string>() << ")\n";
  std::cout << std::left << std::setw(36) << "metric" << "value\n";
  for (const char* k : {"ingest_per_s", "ingest_indexed_per_s", "ingest_graph_backlog", "ingest_graph_drain_per_s",
                        "graph_drain_1_thread_per_s", "graph_drain_all_threads_per_s", "graph_drain_ratio",
                        "graph_drain_cpu_ratio",
                        "vector_p50_ms", "vector_p99_ms", "raw_hnswlib_p50_ms", "exact_p50_ms",
                        "recall_at_10", "filtered_p50_ms", "filtered_full_k", "http_hybrid_p50_ms",
                        "http_hybrid_qps", "get_by_id_rps", "http_hybrid_lean_qps", "get_by_id_lean_rps",
                        "rss_after_ingest_mb",
                        "rss_after_search_load_mb", "rss_search_load_ratio", "conn_flood_p99_ms",
                        "burst_resets", "list_first_page_p99_ms", "list_deep_page_p99_ms",
                        "export_s", "export_peak_rss_mb", "export_rss_growth_mb", "snapshot_export_s",
                        "snapshot_export_rss_growth_mb", "restart_ready_s",
                        "cold_start_first_answer_s", "index_bytes_per_example", "vector_bytes_per_example",
                        "keyword_bytes_per_example", "vector_file_bytes_per_example", "catalog_bytes_per_example"}) {
    std::cout << std::left << std::setw(36) << k << std::fixed << std::setprecision(3)
              << out[k].get<double>() << "\n";
  }
  for (const auto& [k, v] : out["quality"].items()) {
    std::cout << std::left << std::setw(36) << "quality." + k << v.get<double>() << "\n";
  }
  double ratio = out["vector_p50_ms"].get<double>() / std::max(1e-9, out["raw_hnswlib_p50_ms"].get<double>());
  out["vector_vs_raw_ratio"] = ratio;
  std::cout << std::left << std::setw(36) << "vector_vs_raw_ratio" << ratio << "\n";
  if (!opt.json_file.empty()) {
    std::ofstream f(opt.json_file);
    f << out.dump(2) << "\n";
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return 0;
}

}  // namespace exemplar::cli
