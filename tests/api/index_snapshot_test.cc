// The catalog and keyword snapshots (issue 24): a restart over a current snapshot loads the
// catalog and keyword index from it instead of reading every row, and answers exactly as before;
// a corrupt or stale snapshot falls back to reading the rows, with the same answers; changes
// committed after the snapshot are replayed into all three indexes.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "testing/test_server.h"

namespace exemplar::testing {
namespace {

namespace fs = std::filesystem;

// Fills `server` as every test here starts: 30 examples of `texts`, one deleted, one updated, one
// with evidence (so a snapshot holds dead keyword postings and counts). Their ids.
std::vector<std::string> Fill(TestServer& server, const std::vector<std::string>& texts) {
  Json items = Json::array();
  for (int i = 0; i < 30; ++i) {
    Json e = MakeExample(texts[i % texts.size()] + " case " + std::to_string(i), i % 3 ? "defect_detection" : "calibration");
    e["input"]["bay"] = i % 4;
    e["capability_tags"] = {i % 2 ? "vision" : "timeseries"};
    if (i % 7 == 0) e["explanation"] = "reported by ops" + std::to_string(i) + "@example.com";
    items.push_back(e);
  }
  std::vector<std::string> ids;
  auto r = server.Post("/api/v1/examples/batch", {{"examples", items}});
  EXPECT_EQ(r.status, 201) << r.raw;
  for (const auto& id : r.body["created_ids"]) ids.push_back(id);
  EXPECT_EQ(ids.size(), 30u);
  if (ids.size() != 30u) return ids;
  EXPECT_EQ(server.Delete("/api/v1/examples/" + ids[4]).status, 204);
  EXPECT_EQ(server.Put("/api/v1/examples/" + ids[5], {{"domain", "moved"}, {"capability_tags", {"gamma"}}}).status, 200);
  EXPECT_EQ(server.PostRaw("/api/v1/examples/" + ids[6] + "/track?outcome=success", "", "application/json").status, 204);
  return ids;
}

class IndexSnapshot : public ::testing::Test {
 protected:
  void SetUp() override {
    ids_ = Fill(server_, {"hairline crack along the scintillator crystal edge", "solder void under the preamplifier",
                          "yellowing of the NaI scintillator", "corrosion on the detector window flange",
                          "bias voltage drifting upward", "cooling fan rpm dropping", "dark current increase",
                          "count rate spikes during vibration", "cryocooler failing to reach temperature",
                          "calibration peak shifted for cesium 662 keV"});
    ASSERT_EQ(ids_.size(), 30u);
  }

  // What the indexes answer: ranked ids (and scores) of keyword, vector, hybrid and filtered
  // searches, filters resolved by the catalog, and the example count.
  Json Answers() {
    Json out = Json::array();
    const Json queries[] = {
        {{"query_text", "scintillator crack"}, {"mode", "keyword"}},
        {{"query_text", "cesium calibration peak"}, {"mode", "keyword"}, {"domain", "calibration"}},
        {{"query_text", "voltage drift"}, {"mode", "vector"}, {"relevance_floor", 0}},
        {{"query_text", "fan temperature"}, {"mode", "hybrid"}, {"relevance_floor", 0}, {"k", 8}},
        {{"query_text", "detector"}, {"mode", "hybrid"}, {"capability_tags", {"gamma"}}, {"relevance_floor", 0}},
        {{"mode", "metadata"}, {"input.bay", 2}, {"k", 100}},
        {{"mode", "metadata"}, {"pii", "email"}, {"k", 100}},
        {{"mode", "metadata"}, {"domain", "moved"}, {"k", 100}},
        {{"mode", "metadata"}, {"min_effectiveness_score", 0.6}, {"k", 100}},
    };
    for (const Json& q : queries) {
      auto r = server_.Post("/api/v1/examples/search", q);
      EXPECT_EQ(r.status, 200) << q.dump() << r.raw;
      Json hits = Json::array();
      for (const auto& h : r.body["results"]) {
        hits.push_back({h["example"]["example_id"], h["scores"].value("keyword", Json())});
      }
      out.push_back(hits);
    }
    out.push_back(server_.Get("/api/v1/examples?limit=1").body["total"]);
    return out;
  }

  std::string CatalogLoad() { return server_.runtime().index().Stats().catalog_load; }
  fs::path File(const std::string& suffix) { return server_.data_dir() / ("vectors.hnsw" + suffix); }

  TestServer server_;
  std::vector<std::string> ids_;
};

TEST_F(IndexSnapshot, CurrentSnapshotIsLoadedAndAnswersAsBefore) {
  const Json before = Answers();
  ASSERT_GT(before[0].size(), 0u);
  ASSERT_EQ(before[5].size(), 7u);  // bay 2 of 29 live examples
  ASSERT_EQ(before[7].size(), 1u);
  ASSERT_EQ(before[8].size(), 1u);
  server_.Restart();
  EXPECT_EQ(CatalogLoad(), "snapshot");
  EXPECT_EQ(server_.runtime().index().Stats().load_mode, "snapshot");
  EXPECT_EQ(Answers(), before);
  // The loaded indexes take writes like built ones.
  auto created = server_.Post("/api/v1/examples", MakeExample("zirconium housing fracture", "calibration"));
  ASSERT_EQ(created.status, 201);
  auto found = server_.Post("/api/v1/examples/search", {{"query_text", "zirconium"}, {"mode", "keyword"}});
  ASSERT_EQ(found.body["results"].size(), 1u);
  EXPECT_EQ(found.body["results"][0]["example"]["example_id"], created.body["example_id"]);
  ASSERT_EQ(server_.Delete("/api/v1/examples/" + ids_[0]).status, 204);
  auto gone = server_.Post("/api/v1/examples/search", {{"query_text", "case 0"}, {"mode", "keyword"}, {"k", 100}});
  for (const auto& h : gone.body["results"]) EXPECT_NE(h["example"]["example_id"], ids_[0]);
}

TEST_F(IndexSnapshot, CorruptSnapshotFallsBackToTheRowsWithTheSameAnswers) {
  server_.Restart();  // answers of an index loaded from snapshots, to compare with
  const Json before = Answers();
  for (const char* which : {".catalog", ".keywords"}) {
    server_.Stop();
    const auto size = fs::file_size(File(which));
    {
      std::fstream f(File(which), std::ios::in | std::ios::out | std::ios::binary);
      f.seekp(static_cast<std::streamoff>(size / 2));
      f.put('\x7f');
      f.put('\x00');
    }
    server_.Start();
    EXPECT_EQ(CatalogLoad(), "rows") << which;
    EXPECT_EQ(Answers(), before) << which;
  }
  server_.Stop();
  fs::resize_file(File(".keywords"), 10);
  server_.Start();
  EXPECT_EQ(CatalogLoad(), "rows");
  EXPECT_EQ(Answers(), before);
  server_.Restart();  // the stop wrote good snapshots again
  EXPECT_EQ(CatalogLoad(), "snapshot");
}

TEST_F(IndexSnapshot, StaleSnapshotFallsBackToTheRows) {
  server_.Restart();
  const fs::path old_catalog = server_.data_dir() / "old.catalog";
  fs::copy_file(File(".catalog"), old_catalog);
  auto created = server_.Post("/api/v1/examples", MakeExample("zirconium housing fracture", "calibration"));
  ASSERT_EQ(created.status, 201);
  ASSERT_EQ(server_.Delete("/api/v1/examples/" + ids_[1]).status, 204);
  const Json before = Answers();
  server_.Stop();
  // A catalog snapshot of an earlier change beside current vector and keyword snapshots.
  fs::copy_file(old_catalog, File(".catalog"), fs::copy_options::overwrite_existing);
  server_.Start();
  EXPECT_EQ(CatalogLoad(), "rows");
  EXPECT_EQ(Answers(), before);
  auto found = server_.Post("/api/v1/examples/search", {{"mode", "metadata"}, {"domain", "calibration"}, {"k", 100}});
  bool has_new = false;
  for (const auto& h : found.body["results"]) has_new = has_new || h["example"]["example_id"] == created.body["example_id"];
  EXPECT_TRUE(has_new);
}

TEST_F(IndexSnapshot, ChangesAfterTheSnapshotAreReplayedIntoEveryIndex) {
  server_.Stop();  // snapshots at the current change
  std::string added;
  {
    // Another process writes while the server is down, and saves no snapshot.
    auto rt = cli::Runtime::Open(server_.config());
    ASSERT_TRUE(rt.ok()) << rt.status().ToString();
    Example e;
    e.input_json = R"({"text": "zirconium housing fracture", "bay": 9})";
    e.expected_output_json = R"({"label": "ok"})";
    e.domain = "replayed";
    auto made = (*rt)->examples().Create(e);
    ASSERT_TRUE(made.ok()) << made.status().ToString();
    added = made->id;
    ASSERT_TRUE((*rt)->examples().Delete(ids_[2]).ok());
  }
  server_.Start();
  EXPECT_EQ(CatalogLoad(), "snapshot");
  EXPECT_EQ(server_.runtime().index().Stats().load_mode, "snapshot+replay");
  auto kw = server_.Post("/api/v1/examples/search", {{"query_text", "zirconium"}, {"mode", "keyword"}});
  ASSERT_EQ(kw.body["results"].size(), 1u);
  EXPECT_EQ(kw.body["results"][0]["example"]["example_id"], added);
  auto meta = server_.Post("/api/v1/examples/search", {{"mode", "metadata"}, {"input.bay", 9}});
  ASSERT_EQ(meta.body["results"].size(), 1u);
  EXPECT_EQ(meta.body["results"][0]["example"]["domain"], "replayed");
  auto vec = server_.Post("/api/v1/examples/search",
                          {{"query_text", "zirconium housing fracture"}, {"mode", "vector"}, {"k", 1}});
  ASSERT_EQ(vec.body["results"].size(), 1u);
  EXPECT_EQ(vec.body["results"][0]["example"]["example_id"], added);
  auto deleted = server_.Post("/api/v1/examples/search", {{"query_text", "preamplifier"}, {"mode", "keyword"}, {"k", 50}});
  for (const auto& h : deleted.body["results"]) EXPECT_NE(h["example"]["example_id"], ids_[2]);
  EXPECT_EQ(server_.runtime().index().catalog().size(), 29u);  // 30 − 1 (SetUp) + 1 − 1
}

// A data directory kept while the database changed (another --db, SQLite to PostgreSQL, staging
// to production): its snapshots were read as the new store's. With the same history shape the
// counts agreed after replay, and keyword searches returned rows of the new store under another
// store's postings. The snapshots name the change they were made at; another store's change
// there sends the load back to the rows.
TEST_F(IndexSnapshot, SnapshotsOfAnotherDatabaseAreNotLoaded) {
  server_.Stop();  // writes this store's snapshots
  TestServer other;
  Fill(other, {"printer jam in tray seventeen", "badge reader offline at gate", "coffee machine leaking water"});
  auto own = other.Post("/api/v1/examples/search", {{"query_text", "scintillator crack"}, {"mode", "keyword"}});
  ASSERT_EQ(own.status, 200);
  ASSERT_TRUE(own.body["results"].empty()) << own.raw;
  other.Stop();
  for (const auto& entry : fs::directory_iterator(server_.data_dir())) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("vectors.hnsw", 0) == 0) {
      fs::copy_file(entry.path(), other.data_dir() / name, fs::copy_options::overwrite_existing);
    }
  }
  other.Start();
  EXPECT_EQ(other.runtime().index().Stats().load_mode, "rebuild");
  auto r = other.Post("/api/v1/examples/search", {{"query_text", "scintillator crack"}, {"mode", "keyword"}});
  ASSERT_EQ(r.status, 200);
  EXPECT_TRUE(r.body["results"].empty()) << r.raw;
  auto printer = other.Post("/api/v1/examples/search", {{"query_text", "printer jam"}, {"mode", "keyword"}});
  EXPECT_FALSE(printer.body["results"].empty()) << printer.raw;
  // Its own snapshots, written at the next stop, load again.
  other.Restart();
  EXPECT_EQ(other.runtime().index().Stats().load_mode, "snapshot");
}

// Two processes writing the snapshot set in one data directory at once (`exemplar import` beside
// `serve`, review s24 attack3 P2-6: both wrote vectors.hnsw*.tmp, and the server's install failed
// with "No such file or directory"): each write succeeds, the two take turns, and the set left
// loads as one. Temp files of a writer that died are removed by the next writer. (Two runtimes on
// one data directory stand for the two processes: the lock is per open file, not per process.)
TEST_F(IndexSnapshot, TwoWritersInOneDirectoryBothSucceedAndLeaveOneSet) {
  const pid_t dead = ::fork();
  if (dead == 0) ::_exit(0);
  ASSERT_GT(dead, 0);
  ASSERT_EQ(::waitpid(dead, nullptr, 0), dead);
  const std::string dead_temp = "vectors.hnsw.graph.tmp." + std::to_string(dead);
  std::ofstream(server_.data_dir() / dead_temp) << "left by a writer that died";
  std::ofstream(server_.data_dir() / "vectors.hnsw.tmp") << "left by an older build";

  auto other = cli::Runtime::Open(server_.config());
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  for (int round = 0; round < 12; ++round) {
    ASSERT_EQ(server_.Post("/api/v1/examples", MakeExample("round " + std::to_string(round), "calibration")).status, 201);
    Status mine, theirs;
    std::thread a([&] { mine = server_.runtime().index().SaveSnapshot(); });
    std::thread b([&] { theirs = (*other)->index().SaveSnapshot(); });
    a.join();
    b.join();
    ASSERT_TRUE(mine.ok()) << "round " << round << ": " << mine.ToString();
    ASSERT_TRUE(theirs.ok()) << "round " << round << ": " << theirs.ToString();
  }
  other->reset();
  for (const auto& entry : fs::directory_iterator(server_.data_dir())) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos) << entry.path();
  }
  // The set the last writer left loads as one: vectors, catalog and keywords all from it.
  auto check = cli::Runtime::Open(server_.config());
  ASSERT_TRUE(check.ok()) << check.status().ToString();
  EXPECT_EQ((*check)->index().Stats().load_mode, "snapshot");
  EXPECT_EQ((*check)->index().Stats().catalog_load, "snapshot");
}

}  // namespace
}  // namespace exemplar::testing
