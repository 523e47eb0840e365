// MPNet, XLM-RoBERTa (SentencePiece Unigram tokenizer), Dense modules and the pooling modes of the
// local embedder against an independent numpy reference: tests/embed/tiny_models.py writes tiny
// random models in the sentence-transformers format plus reference token ids and embeddings.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>

#include "common/ids.h"
#include "common/json_util.h"
#include "embed/local/bert_model.h"
#include "embed/local/sentence_encoder.h"
#include "embed/local_embedder.h"
#include "testing/shell.h"

namespace exemplar::embed {
namespace {

namespace fs = std::filesystem;
using local::Pooling;
using local::SentenceEncoder;

constexpr double kTolerance = 1e-4;

double MaxDiff(const std::vector<float>& got, const Json& want) {
  if (got.size() != want.size()) return INFINITY;
  double worst = 0;
  for (size_t i = 0; i < got.size(); ++i) worst = std::max(worst, std::abs(got[i] - want[i].get<double>()));
  return worst;
}

using exemplar::testing::Shell;

Pooling ParsePooling(const std::string& name) {
  if (name == "cls") return Pooling::kCls;
  if (name == "max") return Pooling::kMax;
  if (name == "mean_sqrt_len") return Pooling::kMeanSqrtLen;
  if (name == "weightedmean") return Pooling::kWeightedMean;
  if (name == "lasttoken") return Pooling::kLastToken;
  return Pooling::kMean;
}

class LocalArchitecturesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = new fs::path(fs::path(::testing::TempDir()) / ("tiny_models_" + NewUuid()));
    int code = 0;
    std::string out =
        Shell(std::string(EXEMPLAR_PYTHON) + " " + EXEMPLAR_TINY_MODELS + " " + root_->string() + " 2>&1", &code);
    ASSERT_EQ(code, 0) << "tiny_models.py failed (needs python3-numpy): " << out;
    std::ifstream f(*root_ / "refs.json");
    refs_ = new Json(Json::parse(f));
  }
  static void TearDownTestSuite() {
    fs::remove_all(*root_);
    delete root_;
    delete refs_;
  }

  static const Json& Refs() { return *refs_; }
  static const Json& Model(const std::string& name) {
    for (const auto& m : Refs()["models"]) {
      if (m["name"] == name) return m;
    }
    throw std::runtime_error("no reference model " + name);
  }
  static std::vector<std::string> EmbedTexts() { return Refs()["embed_texts"].get<std::vector<std::string>>(); }

  fs::path CopyModel(const std::string& name) {
    fs::path dst = *root_ / ("broken_" + NewUuid()) / name;
    fs::create_directories(dst.parent_path());
    fs::copy(Model(name)["dir"].get<std::string>(), dst, fs::copy_options::recursive);
    return dst;
  }
  static void EditJson(const fs::path& file, const std::function<void(Json&)>& edit) {
    Json j;
    {
      std::ifstream in(file);
      j = Json::parse(in);
    }
    edit(j);
    std::ofstream(file) << j.dump();
  }

  static fs::path* root_;
  static Json* refs_;
};
fs::path* LocalArchitecturesTest::root_ = nullptr;
Json* LocalArchitecturesTest::refs_ = nullptr;

TEST_F(LocalArchitecturesTest, TokenizersMatchReferenceIds) {
  const auto texts = Refs()["tokenizer_texts"].get<std::vector<std::string>>();
  for (const auto& m : Refs()["models"]) {
    auto enc = SentenceEncoder::Open(m["dir"].get<std::string>(), 1);
    ASSERT_TRUE(enc.ok()) << enc.status().ToString();
    for (size_t i = 0; i < texts.size(); ++i) {
      std::vector<int32_t> want = m["token_ids"][i].get<std::vector<int32_t>>();
      EXPECT_EQ((*enc)->tokenizer().Tokenize(texts[i]), want) << m["name"] << " text #" << i << ": " << texts[i];
    }
  }
}

TEST_F(LocalArchitecturesTest, EmbeddingsMatchReferenceWithTruncation) {
  const auto texts = EmbedTexts();
  for (const auto& m : Refs()["models"]) {
    auto enc = SentenceEncoder::Open(m["dir"].get<std::string>(), 1);
    ASSERT_TRUE(enc.ok()) << enc.status().ToString();
    EXPECT_EQ((*enc)->dim(), m["dim"].get<int>()) << m["name"];
    EXPECT_EQ((*enc)->max_seq_length(), m["max_seq_length"].get<int>()) << m["name"];
    EXPECT_EQ((*enc)->normalize(), m["normalize"].get<bool>()) << m["name"];
    EXPECT_EQ((*enc)->dense_modules(), m["dense_modules"].get<size_t>()) << m["name"];
    std::vector<Pooling> want_pooling;
    for (const auto& p : m["pooling"]) want_pooling.push_back(ParsePooling(p.get<std::string>()));
    EXPECT_EQ((*enc)->pooling(), want_pooling) << m["name"];
    bool truncated = false;
    for (size_t i = 0; i < texts.size(); ++i) {
      std::vector<int32_t> ids = (*enc)->tokenizer().Encode(texts[i], (*enc)->max_seq_length());
      EXPECT_EQ(ids, m["embed_ids"][i].get<std::vector<int32_t>>()) << m["name"] << " text #" << i;
      truncated |= (*enc)->tokenizer().Tokenize(texts[i]).size() + 2 > ids.size();
      std::vector<float> v = (*enc)->Encode({texts[i]})[0];
      EXPECT_LT(MaxDiff(v, m["embeddings"][i]), kTolerance) << m["name"] << " text #" << i << ": " << texts[i];
    }
    EXPECT_TRUE(truncated) << m["name"] << ": no text exceeded max_seq_length";
  }
}

TEST_F(LocalArchitecturesTest, MpnetReferenceReachesTheFarBuckets) {
  // The long text must span more than max_distance (128) tokens, so the clamped bucket is used.
  const Json& m = Model("mpnet_mean");
  size_t longest = 0;
  for (const auto& ids : m["embed_ids"]) longest = std::max(longest, ids.size());
  EXPECT_GT(longest, 129u);
}

TEST_F(LocalArchitecturesTest, BatchesOnAnyThreadCountMatchTheReference) {
  std::vector<std::string> texts = EmbedTexts();
  std::vector<size_t> order;
  for (int rep = 0; rep < 3; ++rep) {
    for (size_t i = 0; i < texts.size(); ++i) order.push_back(i);
  }
  std::shuffle(order.begin(), order.end(), std::mt19937(11));
  std::vector<std::string_view> batch;
  for (size_t i : order) batch.push_back(texts[i]);
  for (const auto& m : Refs()["models"]) {
    for (int threads : {1, 2, 3}) {
      auto enc = SentenceEncoder::Open(m["dir"].get<std::string>(), threads);
      ASSERT_TRUE(enc.ok()) << enc.status().ToString();
      std::vector<std::vector<float>> got = (*enc)->Encode(batch);
      ASSERT_EQ(got.size(), batch.size());
      for (size_t k = 0; k < got.size(); ++k) {
        EXPECT_LT(MaxDiff(got[k], m["embeddings"][order[k]]), kTolerance)
            << m["name"] << " threads=" << threads << " text #" << order[k];
      }
    }
  }
}

TEST_F(LocalArchitecturesTest, EmbedderDimensionIsTheLastDenseOutput) {
  const Json& m = Model("xlmr_weighted");
  auto e = LocalEmbedder::Open(m["dir"].get<std::string>(), 2);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ((*e)->dim(), 16);
  auto v = (*e)->Embed(EmbedTexts()[2]);
  ASSERT_TRUE(v.ok());
  EXPECT_LT(MaxDiff(*v, m["embeddings"][2]), kTolerance);  // already unit length (Normalize module)
}

TEST_F(LocalArchitecturesTest, EmptyPrecompiledCharsmapIsTheIdentity) {
  // With the charsmap, "ﬁ" becomes "fi" (one piece); without rules it stays, an unknown character.
  for (const Json& none : {Json(""), Json(nullptr)}) {
    fs::path d = CopyModel("xlmr_concat");
    auto with = SentenceEncoder::Open(d, 1);
    ASSERT_TRUE(with.ok()) << with.status().ToString();
    EditJson(d / "tokenizer.json", [&](Json& j) { j["normalizer"]["precompiled_charsmap"] = none; });
    auto without = SentenceEncoder::Open(d, 1);
    ASSERT_TRUE(without.ok()) << without.status().ToString();
    EXPECT_EQ((*with)->tokenizer().Tokenize("\uFB01"), (*with)->tokenizer().Tokenize("fi"));
    EXPECT_NE((*without)->tokenizer().Tokenize("\uFB01"), (*without)->tokenizer().Tokenize("fi"));
    EXPECT_EQ((*with)->tokenizer().Tokenize("a\tb"), (*with)->tokenizer().Tokenize("a b"));
    EXPECT_NE((*without)->tokenizer().Tokenize("a\tb"), (*without)->tokenizer().Tokenize("a b"));
  }
}

TEST(RelativeBucket, FollowsMpnetBuckets) {
  // key − query; negative distances (keys before the query) use buckets 0..15, positive 16..31.
  EXPECT_EQ(local::RelativeBucket(0, 32), 0);
  EXPECT_EQ(local::RelativeBucket(-1, 32), 1);
  EXPECT_EQ(local::RelativeBucket(1, 32), 17);
  EXPECT_EQ(local::RelativeBucket(-7, 32), 7);
  EXPECT_EQ(local::RelativeBucket(-8, 32), 8);     // first logarithmic bucket
  EXPECT_EQ(local::RelativeBucket(-15, 32), 9);    // 8 + int(log(15/8) / log(16) · 8) = 8 + 1
  EXPECT_EQ(local::RelativeBucket(-16, 32), 10);   // exactly 2 in float32
  EXPECT_EQ(local::RelativeBucket(-64, 32), 14);
  EXPECT_EQ(local::RelativeBucket(-127, 32), 15);
  EXPECT_EQ(local::RelativeBucket(-128, 32), 15);  // 8 + 8 = 16, clamped
  EXPECT_EQ(local::RelativeBucket(-5000, 32), 15);
  EXPECT_EQ(local::RelativeBucket(5000, 32), 31);
}

void ExpectOpenError(const fs::path& dir, Code code, const std::vector<std::string>& needles) {
  auto enc = SentenceEncoder::Open(dir, 1);
  ASSERT_FALSE(enc.ok()) << dir;
  EXPECT_EQ(enc.status().code(), code) << enc.status().ToString();
  for (const auto& needle : needles) {
    EXPECT_NE(enc.status().message().find(needle), std::string::npos) << "'" << needle << "' not in: "
                                                                       << enc.status().message();
  }
}

TEST_F(LocalArchitecturesTest, PytorchBinOnlyModelsAreRefusedWithHowToConvert) {
  fs::path d = CopyModel("mpnet_mean");
  fs::rename(d / "model.safetensors", d / "pytorch_model.bin");
  ExpectOpenError(d, Code::kFailedPrecondition, {"model.safetensors", "pytorch_model.bin", "safe_serialization"});
  d = CopyModel("xlmr_weighted");
  fs::rename(d / "2_Dense" / "model.safetensors", d / "2_Dense" / "pytorch_model.bin");
  ExpectOpenError(d, Code::kFailedPrecondition, {"2_Dense", "pytorch_model.bin", "safe_serialization"});
}

TEST_F(LocalArchitecturesTest, UnsupportedPiecesAreNamedWithWhatIsSupported) {
  fs::path d = CopyModel("mpnet_mean");
  EditJson(d / "config.json", [](Json& j) { j["model_type"] = "deberta-v2"; });
  ExpectOpenError(d, Code::kFailedPrecondition, {"\"deberta-v2\"", "\"bert\"", "\"xlm-roberta\"", "\"mpnet\""});
  d = CopyModel("xlmr_weighted");
  EditJson(d / "2_Dense" / "config.json",
           [](Json& j) { j["activation_function"] = "torch.nn.modules.activation.ReLU"; });
  ExpectOpenError(d, Code::kFailedPrecondition, {"ReLU", "Tanh", "Identity"});
  d = CopyModel("xlmr_weighted");
  EditJson(d / "1_Pooling" / "config.json", [](Json& j) { j["pooling_mode_attention_tokens"] = true; });
  ExpectOpenError(d, Code::kFailedPrecondition, {"pooling_mode_attention_tokens", "weightedmean_tokens", "lasttoken"});
  d = CopyModel("xlmr_weighted");
  EditJson(d / "1_Pooling" / "config.json", [](Json& j) {
    for (auto& [key, value] : j.items()) {
      if (key.rfind("pooling_mode", 0) == 0) value = false;
    }
  });
  ExpectOpenError(d, Code::kFailedPrecondition, {"no pooling mode"});
  d = CopyModel("xlmr_weighted");
  EditJson(d / "modules.json", [](Json& j) {
    j.push_back({{"idx", 9}, {"name", "9"}, {"path", "9_LayerNorm"}, {"type", "sentence_transformers.models.LayerNorm"}});
  });
  ExpectOpenError(d, Code::kFailedPrecondition, {"sentence_transformers.models.LayerNorm", "Dense", "Normalize"});
  d = CopyModel("xlmr_weighted");
  EditJson(d / "tokenizer.json", [](Json& j) { j["model"]["type"] = "BPE"; });
  ExpectOpenError(d, Code::kFailedPrecondition, {"'BPE'", "WordPiece", "Unigram"});
  d = CopyModel("xlmr_weighted");
  EditJson(d / "tokenizer.json", [](Json& j) { j["normalizer"]["normalizers"][0]["type"] = "Nmt"; });
  ExpectOpenError(d, Code::kFailedPrecondition, {"'Nmt'", "NFKC", "Precompiled"});
  d = CopyModel("xlmr_weighted");
  EditJson(d / "tokenizer.json",
           [](Json& j) { j["normalizer"]["normalizers"][2]["pattern"] = {{"Regex", "\\s+"}}; });
  ExpectOpenError(d, Code::kFailedPrecondition, {"Replace", "\\\\s+"});
  d = CopyModel("xlmr_weighted");
  EditJson(d / "tokenizer.json", [](Json& j) { j["pre_tokenizer"] = {{"type", "Whitespace"}}; });
  ExpectOpenError(d, Code::kFailedPrecondition, {"'Whitespace'", "Metaspace"});
  d = CopyModel("xlmr_weighted");
  EditJson(d / "tokenizer.json", [](Json& j) { j["model"]["byte_fallback"] = true; });
  ExpectOpenError(d, Code::kFailedPrecondition, {"byte_fallback"});
  d = CopyModel("xlmr_weighted");
  EditJson(d / "tokenizer.json", [](Json& j) { j["post_processor"] = {{"type", "ByteLevelPlus"}}; });
  ExpectOpenError(d, Code::kFailedPrecondition, {"'ByteLevelPlus'", "TemplateProcessing"});
}

TEST_F(LocalArchitecturesTest, MalformedModulesAreInvalidArguments) {
  fs::path d = CopyModel("xlmr_weighted");
  EditJson(d / "3_Dense" / "config.json", [](Json& j) { j["in_features"] = 20; });
  ExpectOpenError(d, Code::kInvalidArgument, {"linear.weight", "shape"});
  d = CopyModel("xlmr_weighted");
  EditJson(d / "1_Pooling" / "config.json", [](Json& j) { j["pooling_mode_cls_token"] = true; });
  ExpectOpenError(d, Code::kInvalidArgument, {"in_features 32 differs from the 64 values"});
  d = CopyModel("xlmr_weighted");
  EditJson(d / "tokenizer.json", [](Json& j) { j["model"]["vocab"][7] = "oops"; });
  ExpectOpenError(d, Code::kInvalidArgument, {"[piece, score]"});
  d = CopyModel("xlmr_weighted");
  EditJson(d / "tokenizer.json", [](Json& j) { j["model"]["unk_id"] = 100000; });
  ExpectOpenError(d, Code::kInvalidArgument, {"unk_id"});
  for (const char* charsmap : {"AAAA", "not base64!", "//////8="}) {  // truncated, bad base64, trie size 2^32−1
    d = CopyModel("xlmr_concat");
    EditJson(d / "tokenizer.json", [&](Json& j) { j["normalizer"]["precompiled_charsmap"] = charsmap; });
    ExpectOpenError(d, Code::kInvalidArgument, {"tokenizer.json", "Precompiled", "precompiled_charsmap is malformed"});
  }
  d = CopyModel("xlmr_concat");
  EditJson(d / "tokenizer.json", [](Json& j) { j["normalizer"]["precompiled_charsmap"] = 7; });
  ExpectOpenError(d, Code::kInvalidArgument, {"precompiled_charsmap", "base64 string"});
  d = CopyModel("mpnet_mean");
  EditJson(d / "config.json", [](Json& j) { j["relative_attention_num_buckets"] = 16; });
  ExpectOpenError(d, Code::kInvalidArgument, {"relative_attention_bias", "shape"});
}

}  // namespace
}  // namespace exemplar::embed
