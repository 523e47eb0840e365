// Lineage traversal on a real SQLite store: chains, diamonds, deep graphs, depth caps, both
// directions and cycle refusal (SPEC §4.7).
#include "service/lineage/lineage.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "common/ids.h"

namespace exemplar::service {
namespace {

class LineageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) / ("lineage_" + NewUuid());
    store_ = std::move(storage::OpenSqliteStore((dir_ / "db.sqlite").string()).value());
    lineage_ = std::make_unique<Lineage>(*store_);
  }
  void TearDown() override {
    lineage_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  Status Edge(const std::string& a, const std::string& b, const std::string& type = "derived_from") {
    return lineage_->AddEdges({{"template", a, "template", b, type}});
  }
  std::set<std::string> Ids(const Subgraph& g) {
    std::set<std::string> out;
    for (const auto& n : g.nodes) out.insert(n.id);
    return out;
  }
  std::filesystem::path dir_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<Lineage> lineage_;
};

TEST_F(LineageTest, ChainBothDirectionsAndDepthCap) {
  ASSERT_TRUE(Edge("a", "b").ok());
  ASSERT_TRUE(Edge("b", "c").ok());
  ASSERT_TRUE(Edge("c", "d").ok());
  auto up = lineage_->Traverse({"template", "d"}, Direction::kUpstream, 10);
  EXPECT_EQ(Ids(*up), (std::set<std::string>{"a", "b", "c", "d"}));
  EXPECT_EQ(up->edges.size(), 3u);
  auto capped = lineage_->Traverse({"template", "d"}, Direction::kUpstream, 2);
  EXPECT_EQ(Ids(*capped), (std::set<std::string>{"b", "c", "d"}));
  EXPECT_EQ(capped->edges.size(), 2u);  // no edge to a node outside the cap
  auto down = lineage_->Traverse({"template", "b"}, Direction::kDownstream, 10);
  EXPECT_EQ(Ids(*down), (std::set<std::string>{"b", "c", "d"}));
  auto both = lineage_->Traverse({"template", "b"}, Direction::kBoth, 10);
  EXPECT_EQ(Ids(*both), (std::set<std::string>{"a", "b", "c", "d"}));
}

TEST_F(LineageTest, DiamondVisitsEachNodeOnceAndStoresEdgesOnce) {
  ASSERT_TRUE(Edge("top", "left").ok());
  ASSERT_TRUE(Edge("top", "right").ok());
  ASSERT_TRUE(Edge("left", "bottom").ok());
  ASSERT_TRUE(Edge("right", "bottom").ok());
  ASSERT_TRUE(Edge("left", "bottom").ok());  // the same edge again is ignored
  auto up = lineage_->Traverse({"template", "bottom"}, Direction::kUpstream, 10);
  EXPECT_EQ(up->nodes.size(), 4u);
  EXPECT_EQ(up->edges.size(), 4u);
  for (const auto& e : up->edges) EXPECT_NE(e.target_id, "top");  // directed upstream → downstream
}

TEST_F(LineageTest, CyclesAreRefused) {
  ASSERT_TRUE(Edge("a", "b").ok());
  ASSERT_TRUE(Edge("b", "c").ok());
  Status st = Edge("c", "a");
  EXPECT_EQ(st.code(), Code::kFailedPrecondition);
  EXPECT_EQ(Edge("a", "a").code(), Code::kFailedPrecondition);
  auto down = lineage_->Traverse({"template", "a"}, Direction::kDownstream, 10);
  EXPECT_EQ(down->edges.size(), 2u);  // the refused edge was not stored
}

TEST_F(LineageTest, DeepAndWideGraphsTraverseLevelByLevel) {
  // A 300-deep chain plus 500 examples feeding one run.
  for (int i = 0; i < 300; ++i) ASSERT_TRUE(Edge("t" + std::to_string(i), "t" + std::to_string(i + 1), "version_of").ok());
  std::vector<LineageEdge> fan;
  for (int i = 0; i < 500; ++i) fan.push_back({"example", "e" + std::to_string(i), "run", "r", "used_in"});
  fan.push_back({"run", "r", "template", "t300", "produced"});
  ASSERT_TRUE(lineage_->AddEdges(fan).ok());
  auto up = lineage_->Traverse({"template", "t300"}, Direction::kUpstream, 1000);
  EXPECT_EQ(up->nodes.size(), 301u + 501u);
  auto near = lineage_->Traverse({"template", "t300"}, Direction::kUpstream, 2);
  EXPECT_EQ(near->nodes.size(), 1u + 2u + 501u);  // t299, r at depth 1; t298 and the 500 examples at 2
  EXPECT_TRUE(*lineage_->Reaches({"example", "e7"}, {"template", "t300"}));
  EXPECT_FALSE(*lineage_->Reaches({"template", "t300"}, {"example", "e7"}));
}

}  // namespace
}  // namespace exemplar::service
