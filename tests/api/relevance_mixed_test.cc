// The relevance floor in a store that mixes tasks (issue #18, found by the SPEC review of session
// 16): the floor was calibrated over the whole index, so importing 1,000 near-identical tickets of
// another task (short, sharing digits with an off-topic probe) raised it from 0.17 to 0.26, and
// on-topic vector queries of the demo found nothing. Each scope (template and domain) is now
// measured alone too, and a candidate clears the lower of the store's floor and its scope's: the
// demo's queries find what they found before the import, and off-topic queries still nothing.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <cstdio>
#include <cstdlib>

#include "service/search/relevance_floor.h"
#include "testing/seed_fixture.h"
#include "testing/test_server.h"

namespace exemplar::testing {
namespace {

// 1,000 helpdesk tickets of one shape: "printer jam on floor F tray T".
Json PrinterTickets() {
  Json out = Json::array();
  for (int i = 0; i < 1000; ++i) {
    out.push_back({{"input", {{"ticket", "printer jam on floor " + std::to_string(i % 7) + " tray " + std::to_string(i)}}},
                   {"expected_output", {{"team", "facilities"}}},
                   {"domain", "helpdesk"}});
  }
  return out;
}

// The demo store's three tasks, and queries a user of each would send.
const std::vector<std::string> kDemoQueries = {
    "NaI detector resolution out of spec at 662 keV",
    "high temperature drift on telemetry",
    "peak shifted during calibration check with Cs-137",
    "energy calibration offset on the reference source",
    "gain drift after many operating hours",
};

class MixedFloor : public ::testing::Test {
 protected:
  void SetUp() override { tids_ = SeedThroughApi(server_, EXEMPLAR_SEED_DIR); }
  Json Search(const std::string& q) {
    auto r = server_.Post("/api/v1/examples/search", {{"query_text", q}, {"mode", "vector"}, {"k", 5}});
    EXPECT_EQ(r.status, 200) << r.raw;
    return r.body;
  }
  // The ids each demo query finds, in order.
  std::vector<std::vector<std::string>> DemoResults() {
    std::vector<std::vector<std::string>> out;
    for (const auto& q : kDemoQueries) {
      std::vector<std::string> ids;
      const Json found = Search(q);
      for (const auto& hit : found["results"]) ids.push_back(hit["example"]["example_id"].get<std::string>());
      out.push_back(std::move(ids));
    }
    return out;
  }
  service::RelevanceCalibration Calibration() {
    auto& index = server_.runtime().index();
    return index.Calibration(index.Space()->model);
  }
  TestServer server_;
  std::map<std::string, std::string> tids_;  // the seed file's template ids → the server's
};

// The demo's calibration template (9 examples: too few to measure alone).
const char* kCalibrationTemplate = "e5a2d7c9-3f18-4b6a-8d4e-9c1b0a6f2e03";

TEST_F(MixedFloor, AnotherTaskImportedBesideTheDemoDoesNotSilenceItsQueries) {
  const auto before = DemoResults();
  const service::RelevanceCalibration demo = Calibration();
  ASSERT_TRUE(demo.floor);
  // Two demo templates have enough examples to measure (33 and 28); the third (9) has not.
  ASSERT_EQ(demo.scopes.size(), 2u);

  auto r = server_.Post("/api/v1/examples/batch", {{"examples", PrinterTickets()}});
  ASSERT_EQ(r.status, 201) << r.raw.substr(0, 300);
  const service::RelevanceCalibration mixed = Calibration();
  ASSERT_TRUE(mixed.floor);
  ASSERT_EQ(mixed.scopes.size(), 3u) << service::CalibrationToJson(mixed).dump();
  // The tickets dominate the whole-store figures and raise its floor above the demo's.
  EXPECT_GT(*mixed.floor, *demo.floor + 0.015) << service::CalibrationToJson(mixed).dump();
  // Each demo scope keeps its own measure: the same rows, the same figures.
  for (const auto& s : demo.scopes) EXPECT_NEAR(*mixed.ScopeFloor(s.key), std::min(s.floor, *mixed.floor), 1e-9) << s.key;
  // The calibration template (9 examples) is too small to measure: the lowest floor measured.
  double lowest = *mixed.floor;
  for (const auto& s : mixed.scopes) lowest = std::min(lowest, s.floor);
  EXPECT_LT(lowest, *mixed.floor);
  EXPECT_DOUBLE_EQ(*mixed.ScopeFloor(tids_.at(kCalibrationTemplate) + "|calibration"), lowest);

  // The demo queries find what they found before the import (no ticket is their topic), some only
  // through their scope's floor.
  const auto after = DemoResults();
  if (std::getenv("EXEMPLAR_PRINT_FLOOR")) {  // the figures of bench/README.md ("Relevance floor")
    std::printf("DEMO %s\nMIXED %s\n", service::CalibrationToJson(demo).dump().c_str(),
                service::CalibrationToJson(mixed).dump().c_str());
    for (size_t i = 0; i < kDemoQueries.size(); ++i) std::printf("%s: %zu before, %zu after\n", kDemoQueries[i].c_str(), before[i].size(), after[i].size());
  }
  size_t below_store_floor = 0, found = 0;
  for (size_t i = 0; i < kDemoQueries.size(); ++i) {
    for (const auto& id : after[i]) EXPECT_NE(std::find(before[i].begin(), before[i].end(), id), before[i].end()) << kDemoQueries[i];
    found += after[i].size();
    const Json found_now = Search(kDemoQueries[i]);
    for (const auto& hit : found_now["results"]) {
      if (hit["scores"]["vector"].get<double>() < *mixed.floor) ++below_store_floor;
    }
  }
  size_t found_before = 0;
  for (const auto& ids : before) found_before += ids.size();
  EXPECT_EQ(found, found_before);
  EXPECT_GT(below_store_floor, 0u) << "no query needed its scope's floor: the test would pass without it";

  // Off-topic text still finds nothing, and the tickets are found.
  for (const std::string q : {"?!.,;:--\"()", "qwzx vbnm plok", "the mitochondria is the powerhouse of the cell"}) {
    Json none = Search(q);
    EXPECT_TRUE(none["results"].empty()) << q << ": " << none["results"].dump().substr(0, 300);
    EXPECT_TRUE(none["metadata"]["no_match"].get<bool>()) << q;
  }
  Json printer = Search("printer jammed on the third floor");
  ASSERT_FALSE(printer["results"].empty());
  EXPECT_EQ(printer["results"][0]["example"]["domain"], "helpdesk");
}

}  // namespace
}  // namespace exemplar::testing
