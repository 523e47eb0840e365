// The writing commands (import, seed) run as real processes with another embedder than the one
// the store's vectors were made with. They stored vectors of their own model, which the serving
// index (the store's model) left out: the examples were not found by vector search until a
// re-embedding. Now they refuse, naming the store's model, and write nothing. The other embedder
// is an OpenAI-compatible server on loopback (FakeEmbeddings), the provider, not the thing tested.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "common/ids.h"
#include "testing/cli_fixture.h"
#include "testing/fake_embeddings.h"
#include "testing/test_server.h"

namespace exemplar::testing {
namespace {

class CliEmbedder : public CliTest {
 protected:
  std::string Openai() const {
    return " --embedder openai --embed-base-url " + fake_.base_url() + " --embed-model fake-embed --embed-dimensions " +
           std::to_string(fake_.dim());
  }
  // A JSONL file of `n` examples whose texts start with `prefix`.
  std::string File(const std::string& prefix, int n) {
    const auto path = dir_ / (prefix + ".jsonl");
    std::ofstream out(path);
    for (int i = 0; i < n; ++i) out << MakeExample(prefix + " example " + std::to_string(i)).dump() << "\n";
    return path.string();
  }
  size_t Stored() {
    CliRun r = Exec("export --format jsonl" + D());
    EXPECT_EQ(r.code, 0) << r.out;
    return static_cast<size_t>(std::count(r.out.begin(), r.out.end(), '\n'));
  }
  FakeEmbeddings fake_{16};
};

TEST_F(CliEmbedder, AHashStoreRefusesAnotherEmbedderAndKeepsTakingItsOwn) {
  ASSERT_EQ(Exec("import " + File("first", 3) + D()).code, 0);
  ASSERT_EQ(Stored(), 3u);

  CliRun refused = Exec("import " + File("second", 2) + D() + Openai());
  EXPECT_NE(refused.code, 0) << refused.err;
  EXPECT_NE(refused.err.find("'hash-384'"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("'fake-embed'"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("--embedder hash"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("exemplar serve"), std::string::npos) << refused.err;
  EXPECT_EQ(Stored(), 3u) << "a refused import wrote examples";
  EXPECT_TRUE(fake_.texts().empty()) << "a refused import embedded texts";

  CliRun seed = Exec("seed --seed-dir " + std::string(EXEMPLAR_SEED_DIR) + D() + Openai());
  EXPECT_NE(seed.code, 0) << seed.err;
  EXPECT_NE(seed.err.find("'hash-384'"), std::string::npos) << seed.err;
  EXPECT_EQ(Stored(), 3u) << "a refused seed wrote examples";

  // Another dimension is another model too.
  CliRun other_dim = Exec("import " + File("third", 2) + D() + " --embed-dimensions 64");
  EXPECT_NE(other_dim.code, 0) << other_dim.err;
  EXPECT_NE(other_dim.err.find("'hash-64'"), std::string::npos) << other_dim.err;

  CliRun same = Exec("import " + File("second", 2) + D());
  EXPECT_EQ(same.code, 0) << same.err;
  EXPECT_EQ(Stored(), 5u);
}

// The harmful direction: a store embedded by a provider, written to by a command left at the
// default (hash) embedder.
TEST_F(CliEmbedder, AProviderStoreRefusesTheDefaultEmbedder) {
  CliRun first = Exec("import " + File("first", 3) + D() + Openai());  // an empty store takes any
  ASSERT_EQ(first.code, 0) << first.err;
  ASSERT_EQ(fake_.texts().size(), 3u);

  CliRun refused = Exec("import " + File("second", 2) + D());
  EXPECT_NE(refused.code, 0) << refused.err;
  EXPECT_NE(refused.err.find("'fake-embed' (3 examples)"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("--embedder openai --embed-base-url URL --embed-model fake-embed"), std::string::npos)
      << refused.err;
  EXPECT_EQ(Stored(), 3u) << "a refused import wrote examples";

  CliRun same = Exec("import " + File("second", 2) + D() + Openai());
  EXPECT_EQ(same.code, 0) << same.err;
  EXPECT_EQ(Stored(), 5u);
  EXPECT_EQ(fake_.texts().size(), 5u);
}

}  // namespace
}  // namespace exemplar::testing
