// The exemplar command line, run as a real process: seed (idempotent), export/import, search,
// version and a quick bench.
#include <gtest/gtest.h>

#include <algorithm>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <vector>

#include "common/ids.h"
#include "testing/cli_fixture.h"
#include "common/json_util.h"
#include "storage/store.h"

namespace exemplar {
namespace {

using testing::CliRun;

size_t Lines(const std::string& s) { return static_cast<size_t>(std::count(s.begin(), s.end(), '\n')); }

class Cli : public testing::CliTest {};

// Data files are the owner's alone, whatever the caller's umask.
TEST_F(Cli, DataFilesAreCreatedOwnerOnly) {
  CliRun seeded = Exec("seed --seed-dir " + std::string(EXEMPLAR_SEED_DIR) + D());
  ASSERT_EQ(seeded.code, 0) << seeded.out;
  size_t files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir_ / "data")) {
    const auto perms = entry.status().permissions();
    const auto others = std::filesystem::perms::group_all | std::filesystem::perms::others_all;
    EXPECT_EQ(perms & others, std::filesystem::perms::none) << entry.path();
    ++files;
  }
  EXPECT_GE(files, 1u);
  const auto db = std::filesystem::status(dir_ / "data" / "exemplar.db").permissions();
  EXPECT_EQ(db & std::filesystem::perms::owner_read, std::filesystem::perms::owner_read);
  const auto top = std::filesystem::status(dir_ / "data").permissions();
  EXPECT_EQ(top & (std::filesystem::perms::group_all | std::filesystem::perms::others_all), std::filesystem::perms::none);
}

TEST_F(Cli, SeedTwiceDoesNotDuplicate) {
  std::string seed = "seed --seed-dir " + std::string(EXEMPLAR_SEED_DIR) + D();
  CliRun first = Exec(seed);
  ASSERT_EQ(first.code, 0) << first.out;
  EXPECT_NE(first.out.find("seeded 3 templates"), std::string::npos) << first.out;
  CliRun second = Exec(seed);
  ASSERT_EQ(second.code, 0);
  EXPECT_NE(second.out.find("seeded 0 templates, 0 examples"), std::string::npos) << second.out;
  CliRun exported = Exec("export --format jsonl" + D());
  ASSERT_EQ(exported.code, 0);
  EXPECT_GE(Lines(exported.out), 40u);
  size_t dd = 0, pm = 0;
  for (size_t pos = 0; pos < exported.out.size();) {
    size_t end = exported.out.find('\n', pos);
    Json j = Json::parse(exported.out.substr(pos, end - pos));
    dd += j["domain"] == "defect_detection";
    pm += j["domain"] == "predictive_maintenance";
    pos = end + 1;
  }
  EXPECT_GE(dd, 20u);
  EXPECT_GE(pm, 20u);
  CliRun search = Exec("search \"bias voltage drift\" --json -k 3" + D());
  ASSERT_EQ(search.code, 0);
  Json r = Json::parse(search.out);
  EXPECT_EQ(r["results"].size(), 3u);
  EXPECT_EQ(r["search_type"], "hybrid");
}

TEST_F(Cli, ImportThenExportRoundTrips) {
  std::string file = (dir_ / "in.jsonl").string();
  {
    std::ofstream f(file);
    f << R"({"input": {"q": "one"}, "expected_output": {"a": 1}, "client_id": "x1"})" << "\n";
    f << R"({"input": {"q": "two"}, "expected_output": {"a": 2}, "client_id": "x2"})" << "\n";
  }
  CliRun imported = Exec("import " + file + D());
  ASSERT_EQ(imported.code, 0) << imported.out;
  EXPECT_NE(imported.out.find("imported 2 examples"), std::string::npos);
  CliRun again = Exec("import " + file + D());
  EXPECT_NE(again.out.find("imported 0 examples (2 already present"), std::string::npos) << again.out;
  CliRun csv = Exec("export --format csv" + D());
  EXPECT_EQ(Lines(csv.out), 3u);
  std::string bad = (dir_ / "bad.jsonl").string();
  {
    std::ofstream f(bad);
    f << "{not json\n";
  }
  EXPECT_NE(Exec("import " + bad + D()).code, 0);
  EXPECT_EQ(Exec("version").out.rfind("exemplar ", 0), 0u);
  EXPECT_NE(Exec("nonsense").code, 0);
}

// Writes made from the command line are audited like API writes: who ("cli:<login>"), which
// command, and what it created; a seed that finds everything present adds nothing.
TEST_F(Cli, SeedAndImportWritesAreAudited) {
  std::string seed = "seed --seed-dir " + std::string(EXEMPLAR_SEED_DIR) + D();
  ::setenv("USER", "operator", 1);  // the child's login
  ASSERT_EQ(Exec(seed).code, 0);
  std::string file = (dir_ / "in.jsonl").string();
  {
    std::ofstream f(file);
    f << R"({"input": {"q": "audited"}, "expected_output": {"a": 1}, "client_id": "audit-1"})" << "\n";
  }
  ASSERT_EQ(Exec("import " + file + D()).code, 0);
  auto entries = [&] {
    auto store = storage::OpenSqliteStore((dir_ / "data" / "exemplar.db").string());
    EXPECT_TRUE(store.ok()) << store.status().message();
    storage::AuditQuery q;
    q.limit = 1000;
    auto list = (*store)->ListAudit(q);
    EXPECT_TRUE(list.ok());
    return *list;
  };
  auto first = entries();
  size_t templates = 0, example_batches = 0, imports = 0, seeded_ids = 0;
  for (const auto& e : first) {
    EXPECT_EQ(e.actor.rfind("cli:", 0), 0u) << e.actor;
    if (e.action == "exemplar seed" && e.entity == "template") ++templates;
    if (e.action == "exemplar seed" && e.entity == "example") {
      ++example_batches;
      seeded_ids += e.entity_ids.size();
      EXPECT_EQ(e.actor, "cli:operator");
    }
    if (e.action == "exemplar import" && e.entity == "example") ++imports;
  }
  EXPECT_EQ(templates, 3u);
  EXPECT_EQ(example_batches, 1u);
  EXPECT_GE(seeded_ids, 40u);
  EXPECT_EQ(imports, 1u);
  ASSERT_EQ(Exec(seed).code, 0);  // everything present: nothing written, nothing audited
  EXPECT_EQ(entries().size(), first.size());
}

TEST_F(Cli, QuickBenchReportsEveryFigure) {
  std::string json = (dir_ / "bench.json").string();
  CliRun r = Exec("bench --quick --n 1500 --queries 50 --json " + json);
  ASSERT_EQ(r.code, 0) << r.out;
  std::ifstream f(json);
  Json b = Json::parse(f);
  for (const char* k : {"n", "dim", "vector_p50_ms", "vector_p99_ms", "recall_at_10", "raw_hnswlib_p50_ms",
                        "exact_p50_ms", "filtered_p50_ms", "filtered_full_k", "http_hybrid_p50_ms",
                        "http_hybrid_qps", "get_by_id_rps", "ingest_per_s", "restart_ready_s",
                        "cold_start_first_answer_s", "index_bytes_per_example"}) {
    ASSERT_TRUE(b.contains(k)) << k;
    EXPECT_GT(b[k].get<double>(), 0) << k;
  }
  EXPECT_EQ(b["n"], 1500);
  EXPECT_EQ(b["dim"], 384);
  EXPECT_GE(b["recall_at_10"].get<double>(), 0.9);
  EXPECT_DOUBLE_EQ(b["filtered_full_k"].get<double>(), 1.0);  // 15 matches per filter ≥ k = 10
  EXPECT_EQ(b["restart_load_mode"], "snapshot");
  EXPECT_GE(b["cold_start_first_answer_s"].get<double>(), b["restart_ready_s"].get<double>());
  EXPECT_TRUE(b.contains("ingest_graph_drain_per_s"));
}

TEST_F(Cli, BenchExportsTheDatasetItMeasures) {
  const std::filesystem::path out = dir_ / "dataset";
  CliRun r = Exec("bench --export-dataset " + out.string() + " --n 300 --queries 20");
  ASSERT_EQ(r.code, 0) << r.out;
  std::ifstream mf(out / "meta.json");
  Json meta = Json::parse(mf);
  EXPECT_EQ(meta["n"], 300);
  EXPECT_EQ(meta["queries"], 20);
  EXPECT_EQ(meta["k"], 10);
  const size_t dim = meta["dim"].get<size_t>();
  EXPECT_EQ(dim, 384u);
  EXPECT_EQ(std::filesystem::file_size(out / "vectors.f32"), 300 * dim * 4);
  EXPECT_EQ(std::filesystem::file_size(out / "queries.f32"), 20 * dim * 4);
  EXPECT_EQ(std::filesystem::file_size(out / "groundtruth.i32"), 20u * 10 * 4);
  std::ifstream ex(out / "examples.jsonl"), qt(out / "queries.jsonl");
  std::string all((std::istreambuf_iterator<char>(ex)), {}), queries((std::istreambuf_iterator<char>(qt)), {});
  EXPECT_EQ(Lines(all), 300u);
  EXPECT_EQ(Lines(queries), 20u);
  // Ground truth: valid distinct rows per query, best first (scores non-increasing), and exact.
  std::vector<float> v(300 * dim), q(20 * dim);
  std::vector<int32_t> gt(200);
  std::ifstream(out / "vectors.f32", std::ios::binary).read(reinterpret_cast<char*>(v.data()), v.size() * 4);
  std::ifstream(out / "queries.f32", std::ios::binary).read(reinterpret_cast<char*>(q.data()), q.size() * 4);
  std::ifstream(out / "groundtruth.i32", std::ios::binary).read(reinterpret_cast<char*>(gt.data()), gt.size() * 4);
  auto dot = [&](int qi, int row) {
    float s = 0;
    for (size_t d = 0; d < dim; ++d) s += q[qi * dim + d] * v[row * dim + d];
    return s;
  };
  for (int qi = 0; qi < 20; ++qi) {
    std::set<int32_t> rows;
    float worst_in = 2;
    for (int j = 0; j < 10; ++j) {
      int32_t row = gt[qi * 10 + j];
      ASSERT_GE(row, 0);
      ASSERT_LT(row, 300);
      rows.insert(row);
      if (j > 0) {
        EXPECT_LE(dot(qi, row), dot(qi, gt[qi * 10 + j - 1]) + 1e-6f);
      }
      worst_in = std::min(worst_in, dot(qi, row));
    }
    EXPECT_EQ(rows.size(), 10u);
    for (int row = 0; row < 300; ++row) {
      if (!rows.count(row)) {
        EXPECT_LE(dot(qi, row), worst_in + 1e-6f);
      }
    }
  }
}

TEST_F(Cli, AgentSimBenchComparesEveryPolicyInJson) {
  std::string json = (dir_ / "agent.json").string();
  CliRun r = Exec("bench --agent-sim --quick --json " + json);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("thompson"), std::string::npos) << r.out;
  std::ifstream f(json);
  Json b = Json::parse(f)["agent_sim"];
  EXPECT_EQ(b["rounds"], 1000);
  std::set<std::string> policies;
  for (const auto& run : b["runs"]) {
    policies.insert(run["policy"].get<std::string>());
    EXPECT_EQ(run["per_seed"].size(), 5u);
    EXPECT_GT(run["pct_of_oracle"].get<double>(), 0.5);
    EXPECT_LE(run["pct_of_oracle"].get<double>(), 1.0);
    EXPECT_TRUE(run.contains("buried_back_after_median"));
    EXPECT_TRUE(run.contains("new_found_after_median"));
  }
  EXPECT_EQ(policies, (std::set<std::string>{"none", "greedy", "ucb", "thompson"}));
}


// `exemplar search` takes the API's tag filters, MMR and similarity threshold (before, only the
// domain, function and template filters).
TEST_F(Cli, SearchTakesTagsMmrAndASimilarityThreshold) {
  std::string lines;
  for (int i = 0; i < 4; ++i) {  // four near-copies tagged a, then two others
    lines += Json{{"input", {{"q", "detector bias voltage drift report " + std::to_string(i)}}},
                  {"expected_output", {{"a", "x"}}}, {"capability_tags", Json::array({"a"})}}.dump() + "\n";
  }
  lines += Json{{"input", {{"q", "detector bias voltage drift cooling failure"}}}, {"expected_output", {{"a", "y"}}},
                {"capability_tags", Json::array({"a", "b"})}}.dump() + "\n";
  lines += Json{{"input", {{"q", "detector bias voltage noise spikes"}}}, {"expected_output", {{"a", "z"}}},
                {"capability_tags", Json::array({"b"})}}.dump() + "\n";
  CliRun imported = Exec("import " + Write("tags.jsonl", lines) + D());
  ASSERT_EQ(imported.code, 0) << imported.err;
  ASSERT_NE(imported.out.find("imported 6 examples"), std::string::npos) << imported.out << imported.err;
  auto ids = [&](const std::string& args) {
    CliRun r = Exec("search \"detector bias voltage drift\" --json " + args + D());
    EXPECT_EQ(r.code, 0) << r.err;
    const Json answer = Json::parse(r.out);
    std::vector<std::string> qs;
    for (const auto& hit : answer["results"]) qs.push_back(hit["example"]["input"]["q"]);
    return qs;
  };
  EXPECT_EQ(ids("-k 10").size(), 6u);
  EXPECT_EQ(ids("-k 10 --tag b").size(), 2u);
  EXPECT_EQ(ids("-k 10 --tag a --tag b").size(), 6u);
  EXPECT_EQ(ids("-k 10 --tag a --tag b --all-tags"), std::vector<std::string>{"detector bias voltage drift cooling failure"});
  // One value per --tag: the query may follow it (it used to be taken as a second tag).
  CliRun after = Exec("search --tag b \"detector bias voltage drift\" --json -k 10" + D());
  ASSERT_EQ(after.code, 0) << after.err;
  EXPECT_EQ(Json::parse(after.out)["results"].size(), 2u);
  // MMR: the plain top 3 are near-copies; a diversified top 3 reaches the other kinds.
  auto has_other = [](const std::vector<std::string>& qs) {
    return std::any_of(qs.begin(), qs.end(), [](const std::string& q) { return q.find("report") == std::string::npos; });
  };
  EXPECT_FALSE(has_other(ids("-k 3 --mode vector")));
  EXPECT_TRUE(has_other(ids("-k 3 --mode vector --mmr --lambda 0.1")));
  EXPECT_TRUE(has_other(ids("-k 3 --mode vector --mmr")));
  EXPECT_TRUE(ids("-k 10 --min-similarity 0.99").size() < 6u);
  CliRun bad = Exec("search x --all-tags" + D());
  EXPECT_NE(bad.code, 0);
  EXPECT_NE(bad.err.find("--tag"), std::string::npos) << bad.err;
  EXPECT_NE(Exec("search x --lambda 2" + D()).code, 0);
}

// seed without --seed-dir finds the demo data of the source tree the binary was built from, also
// when the binary has been copied away from it (it used to look only beside the binary and in the
// working directory).
TEST_F(Cli, SeedFindsTheSourceTreesSeedData) {
  std::filesystem::create_directories(dir_ / "bin");
  std::filesystem::copy_file(testing::CliBinary(), dir_ / "bin" / "exemplar");
  int code = -1;
  const std::string out = testing::Shell(
      "cd " + dir_.string() + " && ./bin/exemplar seed" + D() + " 2>" + (dir_ / "stderr.txt").string(), &code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("seeded 3 templates"), std::string::npos) << out;
}

// optimize's progress bar counts to the trials the optimizer plans (s22 loops P2: it counted to
// the budget, so LabeledFewShot, one trial, ended at "1/16").
TEST_F(Cli, OptimizeProgressCountsToThePlannedTrials) {
  ASSERT_EQ(Exec("seed --seed-dir " + std::string(EXEMPLAR_SEED_DIR) + D()).code, 0);
  CliRun run = Exec("optimize --template 7d3e9a52-1c4b-4f8e-8a6d-2b5c9e0f1a01 --optimizer LabeledFewShot --max-trials 16" + D());
  ASSERT_EQ(run.code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("completed"), std::string::npos) << run.out;
  EXPECT_NE(run.err.find("] 1/1 "), std::string::npos) << run.err;
  EXPECT_EQ(run.err.find("/16"), std::string::npos) << run.err;
}

}  // namespace
}  // namespace exemplar
