// `exemplar model pull` against a fake Hugging Face Hub on a free loopback port
// (tests/testing/fake_hub.h): the listing, redirects of LFS files to a CDN-like path, a corrupted
// file that must be rejected, transfers cut off mid-file that are resumed with Range, and the
// error cases of the command line. The model is a tiny random BERT written by tiny_bert.py; the
// pulled folder must load and embed exactly like the folder it was served from.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include "common/ids.h"
#include "embed/hub/model_pull.h"
#include "embed/local_embedder.h"
#include "testing/fake_hub.h"
#include "testing/shell.h"

namespace exemplar::embed::hub {
namespace {

namespace fs = std::filesystem;
using exemplar::testing::FakeHub;
using exemplar::testing::FakeRepo;

constexpr const char* kRepo = "tiny/uncased-mean";
constexpr const char* kCommit = "0123456789abcdef0123456789abcdef01234567";

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

using exemplar::testing::Shell;

// A loopback port nothing listens on: bound, read and closed again.
int ClosedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

class ModelPullTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = new fs::path(fs::path(::testing::TempDir()) / ("model_pull_" + NewUuid()));
    int code = 0;
    std::string out = Shell(std::string(EXEMPLAR_PYTHON) + " " + EXEMPLAR_TINY_BERT + " " + root_->string() + " 2>&1", &code);
    ASSERT_EQ(code, 0) << "tiny_bert.py failed (needs python3-numpy): " << out;
  }
  static void TearDownTestSuite() {
    fs::remove_all(*root_);
    delete root_;
  }

  void SetUp() override {
    models_ = *root_ / ("models_" + NewUuid());
    hub_.AddRepo(kRepo, Repo());
  }

  static fs::path Source() { return *root_ / "uncased_mean"; }

  // The tiny model as the hub holds it, plus files a real repository has that a pull must skip.
  static FakeRepo Repo() {
    FakeRepo repo;
    repo.commit = kCommit;
    for (const auto& entry : fs::recursive_directory_iterator(Source())) {
      if (entry.is_regular_file()) repo.files[fs::relative(entry.path(), Source()).string()] = ReadAll(entry.path());
    }
    repo.files["pytorch_model.bin"] = std::string(4096, 'P');
    repo.files["onnx/model.onnx"] = "ONNX";
    repo.files["onnx/config.json"] = "{}";
    repo.files["README.md"] = "# tiny";
    repo.files[".gitattributes"] = "*.bin filter=lfs";
    repo.lfs = {"model.safetensors", "pytorch_model.bin", "onnx/model.onnx"};
    return repo;
  }

  Result<PullResult> Pull(int max_retries = 3, const std::string& repo = kRepo, const std::string& token = "") {
    HubOptions ho;
    ho.endpoint = hub_.endpoint();
    ho.token = token;
    PullOptions o;
    o.repo_id = repo;
    o.models_dir = models_;
    o.retry.max_retries = max_retries;
    o.retry.initial_backoff_ms = 1;
    o.retry.max_backoff_ms = 2;
    return PullModel(HubClient(ho), o);
  }

  std::string Exemplar(const std::string& args, int* code, const std::string& env = "") {
    const std::string cmd = "env -u HF_TOKEN HF_ENDPOINT=" + hub_.endpoint() + " " + env + " " + EXEMPLAR_BINARY +
                            " " + args + " 2>&1";
    return Shell(cmd, code);
  }

  static std::vector<float> EmbedWith(const fs::path& dir) {
    auto embedder = LocalEmbedder::Open(dir.string(), 1);
    EXPECT_TRUE(embedder.ok()) << embedder.status().ToString();
    if (!embedder.ok()) return {};
    auto v = (*embedder)->Embed("the quick brown fox jumps over the lazy dog");
    EXPECT_TRUE(v.ok());
    return v.ok() ? *v : std::vector<float>{};
  }

  static fs::path* root_;
  fs::path models_;
  FakeHub hub_;
};
fs::path* ModelPullTest::root_ = nullptr;

TEST_F(ModelPullTest, PullsOnlyTheEmbedderFilesThroughTheCdnAndTheFolderLoads) {
  auto pulled = Pull();
  ASSERT_TRUE(pulled.ok()) << pulled.status().ToString();
  const fs::path dir = models_ / "tiny" / "uncased-mean";
  EXPECT_EQ(pulled->dir, dir);
  EXPECT_EQ(pulled->commit, kCommit);
  EXPECT_FALSE(pulled->up_to_date);
  for (const auto& entry : fs::recursive_directory_iterator(Source())) {
    if (!entry.is_regular_file()) continue;
    const fs::path rel = fs::relative(entry.path(), Source());
    EXPECT_EQ(ReadAll(dir / rel), ReadAll(entry.path())) << rel;
  }
  EXPECT_TRUE(fs::exists(dir / kPullManifest));
  for (const char* skipped : {"pytorch_model.bin", "onnx", "README.md", ".gitattributes"}) {
    EXPECT_FALSE(fs::exists(dir / skipped)) << skipped;
  }
  EXPECT_TRUE(hub_.RequestsFor("pytorch_model.bin").empty());
  EXPECT_TRUE(hub_.RequestsFor("onnx").empty());
  EXPECT_FALSE(fs::exists(dir.string() + ".partial"));
  // The weights came through the CDN redirect, and resolve used the listed commit.
  EXPECT_EQ(hub_.RequestsFor("/cdn/" + FakeHub::Sha256Hex(ReadAll(Source() / "model.safetensors"))).size(), 1u);
  EXPECT_EQ(hub_.RequestsFor(std::string("/resolve/") + kCommit + "/model.safetensors").size(), 1u);
  const auto listing = hub_.RequestsFor("/api/models/tiny/uncased-mean/revision/main");
  ASSERT_EQ(listing.size(), 1u);

  const auto want = EmbedWith(Source());
  const auto got = EmbedWith(dir);
  ASSERT_FALSE(want.empty());
  EXPECT_EQ(got, want);

  // A second pull of the same commit downloads nothing.
  const size_t before = hub_.requests().size();
  auto again = Pull();
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE(again->up_to_date);
  EXPECT_EQ(again->bytes_downloaded, 0);
  EXPECT_EQ(hub_.requests().size(), before + 1);  // the listing only
}

TEST_F(ModelPullTest, CorruptedLfsFileIsRejectedAndDeleted) {
  hub_.Corrupt("model.safetensors");
  auto pulled = Pull();
  ASSERT_FALSE(pulled.ok());
  EXPECT_EQ(pulled.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(pulled.status().message().find("model.safetensors is corrupted: its sha256 is"), std::string::npos)
      << pulled.status().message();
  EXPECT_NE(pulled.status().message().find(FakeHub::Sha256Hex(ReadAll(Source() / "model.safetensors"))),
            std::string::npos);
  const fs::path staging = models_ / "tiny" / "uncased-mean.partial";
  EXPECT_FALSE(fs::exists(staging / "model.safetensors"));
  EXPECT_FALSE(fs::exists(staging / "model.safetensors.part"));
  EXPECT_FALSE(fs::exists(models_ / "tiny" / "uncased-mean"));
}

TEST_F(ModelPullTest, CorruptedRegularFileIsRejectedByItsGitBlobId) {
  hub_.Corrupt("config.json");
  auto pulled = Pull();
  ASSERT_FALSE(pulled.ok());
  EXPECT_NE(pulled.status().message().find("config.json is corrupted: its git blob id is"), std::string::npos)
      << pulled.status().message();
  EXPECT_FALSE(fs::exists(models_ / "tiny" / "uncased-mean"));
}

TEST_F(ModelPullTest, TransferCutOffMidFileIsResumedWithRange) {
  const std::string weights = ReadAll(Source() / "model.safetensors");
  const int64_t half = static_cast<int64_t>(weights.size() / 2);
  hub_.CutOff("model.safetensors", half, 1);
  auto pulled = Pull();
  ASSERT_TRUE(pulled.ok()) << pulled.status().ToString();
  const auto cdn = hub_.RequestsFor("/cdn/");
  ASSERT_EQ(cdn.size(), 2u);
  EXPECT_EQ(cdn[0].range, "");
  EXPECT_EQ(cdn[1].range, "bytes=" + std::to_string(half) + "-");
  EXPECT_EQ(ReadAll(pulled->dir / "model.safetensors"), weights);
  EXPECT_EQ(pulled->bytes_downloaded, pulled->bytes);  // nothing fetched twice
  EXPECT_EQ(EmbedWith(pulled->dir), EmbedWith(Source()));
}

TEST_F(ModelPullTest, PullStoppedMidFileIsContinuedByTheNextPull) {
  const std::string weights = ReadAll(Source() / "model.safetensors");
  const int64_t cut = static_cast<int64_t>(weights.size() / 3);
  hub_.CutOff("model.safetensors", cut, 1);
  auto first = Pull(/*max_retries=*/0);
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.status().code(), Code::kUnavailable);
  EXPECT_NE(first.status().message().find("the next pull continues from there"), std::string::npos)
      << first.status().message();
  const fs::path part = models_ / "tiny" / "uncased-mean.partial" / "model.safetensors.part";
  ASSERT_TRUE(fs::exists(part));
  EXPECT_EQ(static_cast<int64_t>(fs::file_size(part)), cut);
  EXPECT_FALSE(fs::exists(models_ / "tiny" / "uncased-mean"));

  auto second = Pull(/*max_retries=*/0);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  const auto cdn = hub_.RequestsFor("/cdn/");
  ASSERT_EQ(cdn.size(), 2u);
  EXPECT_EQ(cdn[1].range, "bytes=" + std::to_string(cut) + "-");
  EXPECT_EQ(ReadAll(second->dir / "model.safetensors"), weights);
  EXPECT_EQ(EmbedWith(second->dir), EmbedWith(Source()));
}

TEST_F(ModelPullTest, TokenIsSentAsBearer) {
  hub_.RequireToken("hf_secret_token");
  auto pulled = Pull(3, kRepo, "hf_secret_token");
  ASSERT_TRUE(pulled.ok()) << pulled.status().ToString();
  for (const auto& r : hub_.RequestsFor("/api/models/")) EXPECT_EQ(r.authorization, "Bearer hf_secret_token");
  auto refused = Pull(3, kRepo, "hf_wrong");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Code::kUnauthenticated);
}

TEST_F(ModelPullTest, RepositoryWithOnlyPytorchWeightsIsRefusedBeforeDownloading) {
  FakeRepo repo = Repo();
  repo.files.erase("model.safetensors");
  hub_.AddRepo("tiny/pytorch-only", repo);
  auto pulled = Pull(3, "tiny/pytorch-only");
  ASSERT_FALSE(pulled.ok());
  EXPECT_NE(pulled.status().message().find("has only pytorch_model.bin weights"), std::string::npos)
      << pulled.status().message();
  EXPECT_TRUE(hub_.RequestsFor("/resolve/").empty());
}

TEST(RepoFilesTest, SelectsModuleFoldersAndRejectsOldDenseWeights) {
  RepoInfo info;
  info.commit = kCommit;
  for (const char* p : {"config.json", "model.safetensors", "tokenizer.json", "sentencepiece.bpe.model", "modules.json",
                        "1_Pooling/config.json", "2_Dense/config.json", "2_Dense/model.safetensors",
                        "openvino/config.json", "onnx/model.onnx", "tf_model.h5"}) {
    info.files.push_back({p, 10, "", ""});
  }
  auto files = SelectModelFiles(info, "x/y");
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  std::vector<std::string> paths;
  for (const auto& f : *files) paths.push_back(f.path);
  EXPECT_EQ(paths, (std::vector<std::string>{"1_Pooling/config.json", "2_Dense/config.json", "2_Dense/model.safetensors",
                                             "config.json", "model.safetensors", "modules.json", "tokenizer.json"}));

  info.files.push_back({"3_Dense/pytorch_model.bin", 10, "", ""});
  auto old_dense = SelectModelFiles(info, "x/y");
  ASSERT_FALSE(old_dense.ok());
  EXPECT_NE(old_dense.status().message().find("3_Dense/"), std::string::npos) << old_dense.status().message();

  for (const char* bad : {"", "a/b/c", "../x", "a/..", "-a/b", "a b/c", "a/.hidden"}) {
    EXPECT_FALSE(ValidateRepoId(bad).ok()) << bad;
  }
  EXPECT_TRUE(ValidateRepoId("sentence-transformers/all-MiniLM-L6-v2").ok());
  EXPECT_TRUE(ValidateRepoId("bert-base-uncased").ok());
}

// ------------------------------------------------------------------ the command line

TEST_F(ModelPullTest, CommandPullsThenEmbedLoadsTheModelById) {
  int code = 0;
  std::string out = Exemplar("model pull tiny/uncased-mean --models-dir " + models_.string(), &code);
  ASSERT_EQ(code, 0) << out;
  EXPECT_NE(out.find("model.safetensors: ok"), std::string::npos) << out;  // plain lines: not a terminal
  EXPECT_NE(out.find("sha256 verified"), std::string::npos) << out;
  EXPECT_NE(out.find("ready: " + (models_ / "tiny" / "uncased-mean").string()), std::string::npos) << out;

  out = Exemplar("embed --embedder local --model tiny/uncased-mean --models-dir " + models_.string() +
                     " --text 'the quick brown fox jumps over the lazy dog' --json",
                 &code);
  ASSERT_EQ(code, 0) << out;
  Json j = Json::parse(out.substr(out.find('{')));
  EXPECT_EQ(j["model"], "local:uncased-mean");
  const auto want = EmbedWith(Source());
  ASSERT_EQ(j["embedding"].size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(j["embedding"][i].get<double>(), want[i], 1e-6);
}

TEST_F(ModelPullTest, FirstStartPullsOnlyWithModelAutoPull) {
  int code = 0;
  const std::string embed = "embed --embedder local --model tiny/uncased-mean --models-dir " + models_.string() +
                            " --text 'hello world' --json";
  std::string out = Exemplar(embed, &code);
  EXPECT_NE(code, 0) << out;
  EXPECT_NE(out.find("exemplar model pull tiny/uncased-mean"), std::string::npos) << out;
  EXPECT_TRUE(hub_.requests().empty());

  out = Exemplar(embed, &code, "EXEMPLAR_MODEL_AUTO_PULL=true");
  ASSERT_EQ(code, 0) << out;
  EXPECT_NE(out.find("\"dim\":32"), std::string::npos) << out;
  EXPECT_TRUE(fs::exists(models_ / "tiny" / "uncased-mean" / "model.safetensors"));

  // Once pulled, a start needs no network.
  const size_t before = hub_.requests().size();
  out = Exemplar(embed, &code, "EXEMPLAR_MODEL_AUTO_PULL=true");
  ASSERT_EQ(code, 0) << out;
  EXPECT_EQ(hub_.requests().size(), before);
}

TEST_F(ModelPullTest, CommandErrorsAreClearAndNonZero) {
  int code = 0;
  std::string out = Exemplar("model pull tiny/no-such-model --models-dir " + models_.string(), &code);
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("model repository tiny/no-such-model not found"), std::string::npos) << out;

  hub_.RequireToken("hf_right");
  out = Exemplar("model pull tiny/uncased-mean --models-dir " + models_.string(), &code, "HF_TOKEN=hf_wrong_value");
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("refused HF_TOKEN"), std::string::npos) << out;
  EXPECT_EQ(out.find("hf_wrong_value"), std::string::npos) << "the token must not be printed: " << out;

  out = Exemplar("model pull tiny/uncased-mean --models-dir " + models_.string(), &code, "HF_TOKEN=hf_right");
  EXPECT_EQ(code, 0) << out;

  out = Shell("env -u HF_TOKEN HF_ENDPOINT=http://127.0.0.1:" + std::to_string(ClosedPort()) + " " + EXEMPLAR_BINARY +
                  " model pull tiny/uncased-mean --models-dir " + (models_ / "offline").string() + " 2>&1",
              &code);
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("cannot reach the Hugging Face Hub"), std::string::npos) << out;

  out = Exemplar("model pull ../etc --models-dir " + models_.string(), &code);
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find("invalid model repository id"), std::string::npos) << out;
}

}  // namespace
}  // namespace exemplar::embed::hub
