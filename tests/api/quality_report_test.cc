// The whole-store duplicate report on a store large enough that its k-NN scan runs on several
// threads (service/quality/near_duplicates.cc): every planted pair is found, wherever its two
// examples fall among the threads' slices, and nothing else is.
#include <gtest/gtest.h>

#include <set>

#include "service/search/exploration.h"
#include "testing/test_server.h"

namespace exemplar::testing {
namespace {

TEST(QualityReport, DuplicatesAcrossAFiveThousandExampleStore) {
  TestServer server;
  constexpr int kExamples = 5000;
  service::Rng rng(2026);
  std::vector<std::string> texts;
  for (int i = 0; i < kExamples; ++i) {
    std::string t;
    for (int w = 0; w < 7; ++w) t += (w ? " " : "") + std::string("w") + std::to_string(rng.Next() % 5000);
    texts.push_back(t);
  }
  // Ten pairs: the same words in capitals (identical vectors, different input hashes), the second
  // of each pair half the store later, so pairs span the slices the scan is split into.
  std::set<std::pair<int, int>> planted;
  for (int p = 0; p < 10; ++p) {
    const int a = p * 237, b = a + kExamples / 2 + p;
    std::string upper = texts[a];
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    texts[b] = upper;
    planted.insert({a, b});
  }
  std::vector<std::string> ids;
  for (int chunk = 0; chunk < kExamples / 1000; ++chunk) {
    Json items = Json::array();
    for (int i = chunk * 1000; i < (chunk + 1) * 1000; ++i) {
      items.push_back({{"input", {{"text", texts[i]}}}, {"expected_output", {{"label", "x"}}}, {"domain", "qc"}});
    }
    auto r = server.Post("/api/v1/examples/batch", {{"examples", items}, {"on_duplicate", "allow"}});
    ASSERT_EQ(r.status, 201) << r.raw.substr(0, 300);
    for (const auto& id : r.body["created_ids"]) ids.push_back(id);
  }
  ASSERT_EQ(ids.size(), static_cast<size_t>(kExamples));
  std::set<std::set<std::string>> expected;
  for (auto [a, b] : planted) expected.insert({ids[a], ids[b]});

  auto dups = server.Get("/api/v1/quality/duplicates?limit=100");
  ASSERT_EQ(dups.status, 200) << dups.raw.substr(0, 300);
  EXPECT_EQ(dups.body["examples_scanned"], kExamples);
  std::set<std::set<std::string>> found;
  for (const auto& cl : dups.body["clusters"]) {
    std::set<std::string> members;
    for (const auto& e : cl["examples"]) members.insert(e["example_id"]);
    found.insert(members);
  }
  EXPECT_EQ(found, expected);
  EXPECT_EQ(dups.body["total_clusters"], 10);
}

}  // namespace
}  // namespace exemplar::testing
