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
#include "testing/fake_embeddings.h"
#include "testing/test_server.h"

namespace exemplar::testing {
namespace {

struct CmdResult {
  int code;
  std::string out;  // stdout, and stderr unless left out
};

CmdResult Exec(const std::string& args, bool with_stderr = true) {
  std::string cmd = std::string(EXEMPLAR_BINARY) + " " + args + (with_stderr ? " 2>&1" : " 2>/dev/null");
  CmdResult r{0, ""};
  FILE* p = popen(cmd.c_str(), "r");
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

class CliEmbedder : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) / ("cli_embedder_" + NewUuid());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string D() const { return " --data-dir " + dir_.string() + "/data"; }
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
    CmdResult r = Exec("export --format jsonl" + D(), /*with_stderr=*/false);
    EXPECT_EQ(r.code, 0) << r.out;
    return static_cast<size_t>(std::count(r.out.begin(), r.out.end(), '\n'));
  }
  std::filesystem::path dir_;
  FakeEmbeddings fake_{16};
};

TEST_F(CliEmbedder, AHashStoreRefusesAnotherEmbedderAndKeepsTakingItsOwn) {
  ASSERT_EQ(Exec("import " + File("first", 3) + D()).code, 0);
  ASSERT_EQ(Stored(), 3u);

  CmdResult refused = Exec("import " + File("second", 2) + D() + Openai());
  EXPECT_NE(refused.code, 0) << refused.out;
  EXPECT_NE(refused.out.find("'hash-384'"), std::string::npos) << refused.out;
  EXPECT_NE(refused.out.find("'fake-embed'"), std::string::npos) << refused.out;
  EXPECT_NE(refused.out.find("--embedder hash"), std::string::npos) << refused.out;
  EXPECT_NE(refused.out.find("exemplar serve"), std::string::npos) << refused.out;
  EXPECT_EQ(Stored(), 3u) << "a refused import wrote examples";
  EXPECT_TRUE(fake_.texts().empty()) << "a refused import embedded texts";

  CmdResult seed = Exec("seed --seed-dir " + std::string(EXEMPLAR_SEED_DIR) + D() + Openai());
  EXPECT_NE(seed.code, 0) << seed.out;
  EXPECT_NE(seed.out.find("'hash-384'"), std::string::npos) << seed.out;
  EXPECT_EQ(Stored(), 3u) << "a refused seed wrote examples";

  // Another dimension is another model too.
  CmdResult other_dim = Exec("import " + File("third", 2) + D() + " --embed-dimensions 64");
  EXPECT_NE(other_dim.code, 0) << other_dim.out;
  EXPECT_NE(other_dim.out.find("'hash-64'"), std::string::npos) << other_dim.out;

  CmdResult same = Exec("import " + File("second", 2) + D());
  EXPECT_EQ(same.code, 0) << same.out;
  EXPECT_EQ(Stored(), 5u);
}

// The harmful direction: a store embedded by a provider, written to by a command left at the
// default (hash) embedder.
TEST_F(CliEmbedder, AProviderStoreRefusesTheDefaultEmbedder) {
  CmdResult first = Exec("import " + File("first", 3) + D() + Openai());  // an empty store takes any
  ASSERT_EQ(first.code, 0) << first.out;
  ASSERT_EQ(fake_.texts().size(), 3u);

  CmdResult refused = Exec("import " + File("second", 2) + D());
  EXPECT_NE(refused.code, 0) << refused.out;
  EXPECT_NE(refused.out.find("'fake-embed' (3 examples)"), std::string::npos) << refused.out;
  EXPECT_NE(refused.out.find("--embedder openai --embed-base-url URL --embed-model fake-embed"), std::string::npos)
      << refused.out;
  EXPECT_EQ(Stored(), 3u) << "a refused import wrote examples";

  CmdResult same = Exec("import " + File("second", 2) + D() + Openai());
  EXPECT_EQ(same.code, 0) << same.out;
  EXPECT_EQ(Stored(), 5u);
  EXPECT_EQ(fake_.texts().size(), 5u);
}

}  // namespace
}  // namespace exemplar::testing
