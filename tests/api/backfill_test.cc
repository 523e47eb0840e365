// The provenance backfill (migration 006 + service/lineage/provenance.cc) on a copy of a seeded
// store whose provenance edges are missing, as a store written before issue 19 has them: opening
// it creates member_of, demo_of (with example versions) and derived_from edges, once, and running
// it again adds nothing. Runs on SQLite and, as the pg: variant, on PostgreSQL.
#include <gtest/gtest.h>

#include <filesystem>

#include "common/ids.h"
#include "testing/db_sql.h"
#include "testing/seed_fixture.h"

namespace exemplar::testing {
namespace {

const char* kDefectTemplate = "7d3e9a52-1c4b-4f8e-8a6d-2b5c9e0f1a01";

TEST(ProvenanceBackfill, SeededStoreWithoutEdgesGetsThemOnceOnOpen) {
  TestServer seeded;
  auto ids = SeedThroughApi(seeded, EXEMPLAR_SEED_DIR);
  const std::string defect = ids[kDefectTemplate];
  // A hand-built template whose inline example repeats a stored example's input.
  auto members = seeded.Get("/api/v1/examples/databit/" + defect + "?page_size=1&sort_by=created_at&sort_desc=false").body;
  ASSERT_EQ(members["total"], 32);
  Json first = members["examples"][0];
  Json source = seeded.Get("/api/v1/templates/" + defect).body;
  auto hand = seeded.Post("/api/v1/templates",
                          {{"name", "Hand built"},
                           {"input_schema", source["input_schema"]},
                           {"output_schema", source["output_schema"]},
                           {"derived_from", {defect}},
                           {"examples", {{{"input", first["input"]}, {"output", first["expected_output"]}}}}});
  ASSERT_EQ(hand.status, 201) << hand.raw;
  const std::string hand_id = hand.body["id"];
  seeded.Stop();

  // The store as it was before provenance: no edges, no backfill record.
  Config copy_config = seeded.config();
  ExecSql(copy_config, "DELETE FROM lineage_edges");
  ExecSql(copy_config, "DELETE FROM backfills");
  std::filesystem::path copy_dir = std::filesystem::path(::testing::TempDir()) / ("backfill_" + NewUuid());
  if (!storage::IsPostgresUrl(copy_config.db)) {
    // A copy of the file, opened by a server of its own.
    std::filesystem::create_directories(copy_dir);
    std::filesystem::copy_file(DbPath(copy_config), copy_dir / "exemplar.db");
    copy_config.db = (copy_dir / "exemplar.db").string();
  }
  ASSERT_EQ(CountSql(copy_config, "SELECT COUNT(*) FROM lineage_edges"), 0);

  Config open_config;
  open_config.db = copy_config.db;
  {
    TestServer server(open_config);
    auto trace = server.Get("/api/v1/templates/" + defect + "/attribution");
    ASSERT_EQ(trace.status, 200);
    int members_traced = 0;
    for (const auto& e : trace.body["examples"]) members_traced += e["relation"] == "member_of";
    EXPECT_EQ(members_traced, 32);
    auto hand_trace = server.Get("/api/v1/templates/" + hand_id + "/attribution").body;
    ASSERT_EQ(hand_trace["inline_examples"].size(), 1u);
    EXPECT_EQ(hand_trace["inline_examples"][0]["example_id"], first["example_id"]);
    EXPECT_EQ(hand_trace["inline_examples"][0]["version"], 1);
    bool derived = false;
    for (const auto& t : hand_trace["templates"]) derived |= t["template_id"] == defect && t["relation"] == "derived_from";
    EXPECT_TRUE(derived) << hand_trace.dump();
  }
  const int64_t edges = CountSql(copy_config, "SELECT COUNT(*) FROM lineage_edges");
  EXPECT_EQ(CountSql(copy_config, "SELECT COUNT(*) FROM lineage_edges WHERE type = 'member_of'"), 70);
  EXPECT_EQ(CountSql(copy_config, "SELECT COUNT(*) FROM backfills"), 1);

  // Idempotent: forced to run again, it adds nothing.
  ExecSql(copy_config, "DELETE FROM backfills");
  { TestServer again(open_config); }
  EXPECT_EQ(CountSql(copy_config, "SELECT COUNT(*) FROM lineage_edges"), edges);
  std::error_code ec;
  std::filesystem::remove_all(copy_dir, ec);
}

}  // namespace
}  // namespace exemplar::testing
