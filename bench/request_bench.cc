// What one hybrid search or GET by id costs in CPU, stage by stage (issue 24, item 6):
//
// - BM_Bm25BenchCorpus: the BM25 leg as `exemplar bench` drives it: the bench's own synthetic
//   corpus (BenchCorpus: detector × symptom × component topics) and queries, k = 40 (a hybrid
//   search of k = 10 fetches 2k + 20 per leg). Compare builds (A/B) for the search algorithm;
//   the counter `docs` is the index size.
// - BM_ExampleJson/dom vs /text: one example as the GET reply body, built as an nlohmann DOM and
//   dumped (before) vs written as text (now); the bodies are byte-identical (tested).
// - BM_SearchHitsJson: ten hits written as the search response writes them.
//
//   ./build/bench/request_bench --benchmark_filter=Bm25 --docs 100000
//   ./build/bench/request_bench --docs 100000 --bm25-queries 200   # fixed workload, see main()
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "cli/bench_corpus.h"
#include "common/json_util.h"
#include "index/keyword_index.h"
#include "index/text.h"
#include "service/examples/example_json.h"
#include "service/examples/json_text.h"

namespace exemplar {
namespace {

int64_t g_docs = 100000;  // --docs N

struct Bm25Fixture {
  Bm25Fixture() {
    cli::BenchCorpus corpus;
    for (int64_t i = 0; i < g_docs; ++i) {
      // The text the store indexes for a bench example: its flattened input (no explanation or
      // search keys in the bench corpus).
      index.Upsert(static_cast<uint64_t>(i + 1), index::FlattenJson(corpus.Example(i)["input"]));
    }
    for (int q = 0; q < 500; ++q) queries.push_back(corpus.Query());
  }
  index::KeywordIndex index;
  std::vector<std::string> queries;
};

void BM_Bm25BenchCorpus(benchmark::State& state) {
  static Bm25Fixture f;
  size_t q = 0;
  for (auto _ : state) {
    auto hits = f.index.Search(f.queries[q++ % f.queries.size()], 40);
    benchmark::DoNotOptimize(hits.data());
  }
  state.counters["docs"] = static_cast<double>(f.index.size());
}
BENCHMARK(BM_Bm25BenchCorpus);

Example SampleExample(int64_t i) {
  cli::BenchCorpus corpus;
  Json body = corpus.Example(i);
  Example e;
  e.id = "5b0c3a1e-0000-4000-8000-00000000" + std::to_string(1000 + i % 9000);
  e.row_id = i + 1;
  e.input_json = DumpJson(body["input"]);
  e.expected_output_json = DumpJson(body["expected_output"]);
  e.domain = body["domain"];
  e.function_name = body["function_name"].get<std::string>();
  e.difficulty = body["difficulty"];
  e.client_id = body["client_id"].get<std::string>();
  e.source = "synthetic";
  e.embedding_model = "hash-384";
  e.created_by = "bench";
  e.created_at = 1'795'000'000'123 + i * 1000;
  e.updated_at = e.created_at + 17;
  e.usage_count = 3;
  e.success_count = 2;
  return e;
}

void BM_ExampleJson(benchmark::State& state) {
  const Example e = SampleExample(7);
  const bool text = state.range(0) != 0;
  if (service::ExampleJsonText(e) != DumpJson(service::ExampleToJson(e))) {
    state.SkipWithError("text and DOM bodies differ");
    return;
  }
  for (auto _ : state) {
    std::string body = text ? service::ExampleJsonText(e) : DumpJson(service::ExampleToJson(e));
    benchmark::DoNotOptimize(body.data());
  }
}
BENCHMARK(BM_ExampleJson)->Arg(0)->Arg(1)->ArgName("text");

void BM_SearchHitsJson(benchmark::State& state) {
  std::vector<Example> hits;
  for (int i = 0; i < 10; ++i) hits.push_back(SampleExample(i));
  for (auto _ : state) {
    service::JsonTextWriter w;
    w.BeginArray();
    for (const auto& e : hits) service::WriteExampleJson(e, w);
    w.EndArray();
    benchmark::DoNotOptimize(w.text().data());
  }
}
BENCHMARK(BM_SearchHitsJson);

}  // namespace
}  // namespace exemplar

int main(int argc, char** argv) {
  // --docs N: the BM25 corpus size (default 100,000, the size of the figures).
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--docs=", 7) == 0 || (std::strcmp(argv[i], "--docs") == 0 && i + 1 < argc)) {
      const char* v = argv[i][6] == '=' ? argv[i] + 7 : argv[i + 1];
      exemplar::g_docs = std::atoll(v);
      const int drop = argv[i][6] == '=' ? 1 : 2;
      for (int j = i; j + drop < argc; ++j) argv[j] = argv[j + drop];
      argc -= drop;
      --i;
    }
  }
  // --bm25-queries N: answer the first N bench queries once each (k = 40) and print a digest of
  // the hits, outside Google Benchmark: a fixed workload for callgrind A/B runs
  // (--toggle-collect='exemplar::index::KeywordIndex::Search*', instructions ÷ N), and a check
  // that two builds return the same hits and scores.
  if (argc == 3 && std::strcmp(argv[1], "--bm25-queries") == 0) {
    exemplar::Bm25Fixture f;
    const auto n = static_cast<size_t>(std::atoll(argv[2]));
    uint64_t digest = 1469598103934665603ULL;
    for (size_t q = 0; q < n; ++q) {
      for (const auto& h : f.index.Search(f.queries[q % f.queries.size()], 40)) {
        uint32_t bits;
        std::memcpy(&bits, &h.score, sizeof bits);
        digest = (digest ^ h.label) * 1099511628211ULL;
        digest = (digest ^ bits) * 1099511628211ULL;
      }
    }
    std::printf("queries=%zu docs=%lld hits_digest=%016llx\n", n, static_cast<long long>(exemplar::g_docs),
                static_cast<unsigned long long>(digest));
    return 0;
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
