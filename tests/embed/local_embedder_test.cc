// The local embedder against an independent numpy reference: tests/embed/tiny_bert.py writes tiny
// random BERT models in the sentence-transformers format plus reference token ids and embeddings,
// and the C++ tokenizer, encoder, embedder and `exemplar embed` must agree with it.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <fstream>
#include <random>

#include "common/ids.h"
#include "common/json_util.h"
#include "embed/local/safetensors.h"
#include "embed/local/sentence_encoder.h"
#include "embed/local_embedder.h"
#include "testing/shell.h"

namespace exemplar::embed {
namespace {

namespace fs = std::filesystem;
using local::Pooling;
using local::SentenceEncoder;

constexpr double kTolerance = 1e-4;

// Largest absolute difference between a vector and its reference.
double MaxDiff(const std::vector<float>& got, const Json& want) {
  if (got.size() != want.size()) return INFINITY;
  double worst = 0;
  for (size_t i = 0; i < got.size(); ++i) worst = std::max(worst, std::abs(got[i] - want[i].get<double>()));
  return worst;
}

Json Normalized(const Json& v) {
  double sq = 0;
  for (const auto& x : v) sq += x.get<double>() * x.get<double>();
  Json out = Json::array();
  for (const auto& x : v) out.push_back(x.get<double>() / std::sqrt(sq));
  return out;
}

using exemplar::testing::Shell;

class LocalEmbedderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = new fs::path(fs::path(::testing::TempDir()) / ("tiny_bert_" + NewUuid()));
    int code = 0;
    std::string out = Shell(std::string(EXEMPLAR_PYTHON) + " " + EXEMPLAR_TINY_BERT + " " + root_->string() + " 2>&1", &code);
    ASSERT_EQ(code, 0) << "tiny_bert.py failed (needs python3-numpy): " << out;
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

  // A scratch copy of a reference model directory, for breaking it.
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
fs::path* LocalEmbedderTest::root_ = nullptr;
Json* LocalEmbedderTest::refs_ = nullptr;

TEST_F(LocalEmbedderTest, TokenizerMatchesReferenceIdsOnTrickyTexts) {
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

TEST_F(LocalEmbedderTest, EachTextMatchesReferenceEmbeddingWithItsTruncation) {
  const auto texts = EmbedTexts();
  for (const auto& m : Refs()["models"]) {
    auto enc = SentenceEncoder::Open(m["dir"].get<std::string>(), 1);
    ASSERT_TRUE(enc.ok()) << enc.status().ToString();
    EXPECT_EQ((*enc)->dim(), m["dim"].get<int>());
    EXPECT_EQ((*enc)->max_seq_length(), m["max_seq_length"].get<int>()) << m["name"];
    EXPECT_EQ((*enc)->normalize(), m["normalize"].get<bool>()) << m["name"];
    const std::string pooling = m["pooling"];
    EXPECT_EQ((*enc)->pooling(),
              std::vector<Pooling>{pooling == "cls" ? Pooling::kCls : pooling == "max" ? Pooling::kMax : Pooling::kMean});
    bool truncated = false;
    for (size_t i = 0; i < texts.size(); ++i) {
      std::vector<int32_t> ids = (*enc)->tokenizer().Encode(texts[i], (*enc)->max_seq_length());
      EXPECT_EQ(ids, m["embed_ids"][i].get<std::vector<int32_t>>()) << m["name"] << " text #" << i;
      truncated |= ids.size() == static_cast<size_t>((*enc)->max_seq_length()) &&
                   (*enc)->tokenizer().Tokenize(texts[i]).size() + 2 > ids.size();
      std::vector<float> v = (*enc)->Encode({texts[i]})[0];
      EXPECT_LT(MaxDiff(v, m["embeddings"][i]), kTolerance) << m["name"] << " text #" << i << ": " << texts[i];
    }
    EXPECT_TRUE(truncated) << m["name"] << ": no text exceeded max_seq_length";
  }
}

TEST_F(LocalEmbedderTest, BatchesOfMixedLengthsMatchTheReferenceOnAnyThreadCount) {
  std::vector<std::string> texts = EmbedTexts();
  std::vector<size_t> order;
  for (int rep = 0; rep < 5; ++rep) {
    for (size_t i = 0; i < texts.size(); ++i) order.push_back(i);
  }
  std::shuffle(order.begin(), order.end(), std::mt19937(7));
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
            << m["name"] << " threads=" << threads << " position " << k << " text #" << order[k];
      }
    }
  }
}

TEST_F(LocalEmbedderTest, NormalizeModuleDecidesTheVectorLength) {
  for (const auto& m : Refs()["models"]) {
    auto enc = SentenceEncoder::Open(m["dir"].get<std::string>(), 1);
    ASSERT_TRUE(enc.ok());
    std::vector<float> v = (*enc)->Encode({"the quick brown fox"})[0];
    double sq = 0;
    for (float x : v) sq += x * x;
    if (m["normalize"].get<bool>()) {
      EXPECT_NEAR(std::sqrt(sq), 1.0, 1e-5) << m["name"];
    } else {
      EXPECT_GT(std::abs(std::sqrt(sq) - 1.0), 0.01) << m["name"];
    }
  }
}

TEST_F(LocalEmbedderTest, EmbedderReturnsUnitVectorsNamedAfterTheDirectory) {
  const auto texts = EmbedTexts();
  for (const char* name : {"uncased_mean", "cased_cls"}) {
    const Json& m = Model(name);
    auto e = LocalEmbedder::Open(m["dir"].get<std::string>() + "/", 2);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    EXPECT_EQ((*e)->model(), std::string("local:") + name);
    EXPECT_EQ((*e)->dim(), m["dim"].get<int>());
    auto one = (*e)->Embed(texts[2]);
    ASSERT_TRUE(one.ok());
    EXPECT_LT(MaxDiff(*one, Normalized(m["embeddings"][2])), kTolerance) << name;
    auto many = (*e)->EmbedBatch(texts);
    ASSERT_EQ(many.size(), texts.size());
    for (size_t i = 0; i < texts.size(); ++i) {
      ASSERT_TRUE(many[i].ok());
      EXPECT_LT(MaxDiff(*many[i], Normalized(m["embeddings"][i])), kTolerance) << name << " text #" << i;
    }
  }
}

TEST_F(LocalEmbedderTest, CliEmbedPrintsTheReferenceVector) {
  const Json& m = Model("uncased_mean");
  const size_t i = 2;  // accents: "Café résumé naïve Ångström über niño"
  int code = 0;
  std::string out = Shell(std::string(EXEMPLAR_BINARY) + " embed --provider local --model-dir " +
                            m["dir"].get<std::string>() + " --text '" + EmbedTexts()[i] + "' --json",
                        &code);
  ASSERT_EQ(code, 0) << out;
  Json j = Json::parse(out);
  EXPECT_EQ(j["model"], "local:uncased_mean");
  EXPECT_EQ(j["dim"], 32);
  EXPECT_LT(MaxDiff(j["embedding"].get<std::vector<float>>(), m["embeddings"][i]), kTolerance);

  std::string missing = Shell(std::string(EXEMPLAR_BINARY) + " embed --provider local --text x 2>&1", &code);
  EXPECT_NE(code, 0);
  EXPECT_NE(missing.find("model_dir"), std::string::npos) << missing;
}

// Opening `dir` fails with `code` and a message mentioning `needle`.
void ExpectOpenError(const fs::path& dir, Code code, const std::string& needle) {
  auto enc = SentenceEncoder::Open(dir, 1);
  ASSERT_FALSE(enc.ok()) << dir;
  EXPECT_EQ(enc.status().code(), code) << enc.status().ToString();
  EXPECT_NE(enc.status().message().find(needle), std::string::npos) << enc.status().message();
}

TEST_F(LocalEmbedderTest, MissingFilesAreClearErrors) {
  ExpectOpenError(*root_ / "no_such_model", Code::kFailedPrecondition, "does not exist");
  fs::path d = CopyModel("uncased_mean");
  fs::remove(d / "config.json");
  ExpectOpenError(d, Code::kFailedPrecondition, "config.json");
  d = CopyModel("uncased_mean");
  fs::remove(d / "model.safetensors");
  ExpectOpenError(d, Code::kFailedPrecondition, "model.safetensors");
  d = CopyModel("uncased_mean");
  fs::remove(d / "vocab.txt");
  ExpectOpenError(d, Code::kFailedPrecondition, "vocab.txt");
  d = CopyModel("uncased_mean");
  fs::remove(d / "1_Pooling" / "config.json");
  ExpectOpenError(d, Code::kFailedPrecondition, "config.json");
}

TEST_F(LocalEmbedderTest, UnsupportedArchitecturesAreRefused) {
  fs::path d = CopyModel("uncased_mean");
  EditJson(d / "config.json", [](Json& j) { j["model_type"] = "distilbert"; });
  ExpectOpenError(d, Code::kFailedPrecondition, "model_type \"distilbert\"");
  d = CopyModel("uncased_mean");
  EditJson(d / "config.json", [](Json& j) { j["hidden_act"] = "relu"; });
  ExpectOpenError(d, Code::kFailedPrecondition, "hidden_act");
  d = CopyModel("uncased_mean");
  EditJson(d / "config.json", [](Json& j) { j["position_embedding_type"] = "relative_key"; });
  ExpectOpenError(d, Code::kFailedPrecondition, "position_embedding_type");
  d = CopyModel("uncased_mean");
  EditJson(d / "modules.json", [](Json& j) {
    j.push_back({{"idx", 3}, {"name", "3"}, {"path", "3_CNN"}, {"type", "sentence_transformers.models.CNN"}});
  });
  ExpectOpenError(d, Code::kFailedPrecondition, "CNN");
  d = CopyModel("uncased_mean");
  EditJson(d / "1_Pooling" / "config.json", [](Json& j) { j["pooling_mode_attention_tokens"] = true; });
  ExpectOpenError(d, Code::kFailedPrecondition, "pooling_mode_attention_tokens");
  d = CopyModel("cased_cls");
  EditJson(d / "tokenizer.json", [](Json& j) { j["model"]["type"] = "BPE"; });
  ExpectOpenError(d, Code::kFailedPrecondition, "BPE");
}

TEST_F(LocalEmbedderTest, MalformedWeightsAreInvalidArguments) {
  fs::path d = CopyModel("uncased_mean");
  EditJson(d / "config.json", [](Json& j) { j["intermediate_size"] = 48; });
  ExpectOpenError(d, Code::kInvalidArgument, "shape");
  d = CopyModel("uncased_mean");
  fs::resize_file(d / "model.safetensors", fs::file_size(d / "model.safetensors") - 100);
  ExpectOpenError(d, Code::kInvalidArgument, "outside the file");
  d = CopyModel("uncased_mean");
  std::ofstream(d / "model.safetensors", std::ios::binary | std::ios::trunc) << "garbage!garbage!";
  ExpectOpenError(d, Code::kInvalidArgument, "model.safetensors");
  d = CopyModel("uncased_mean");
  EditJson(d / "config.json", [](Json& j) { j["vocab_size"] = 10; });
  ExpectOpenError(d, Code::kInvalidArgument, "");
}

TEST(Safetensors, HalfAndBfloat16Conversions) {
  EXPECT_EQ(local::HalfToFloat(0x3C00), 1.0f);
  EXPECT_EQ(local::HalfToFloat(0xC000), -2.0f);
  EXPECT_EQ(local::HalfToFloat(0x7BFF), 65504.0f);
  EXPECT_EQ(local::HalfToFloat(0x0001), std::ldexp(1.0f, -24));  // smallest subnormal
  EXPECT_EQ(local::HalfToFloat(0x03FF), std::ldexp(1023.0f, -24));  // largest subnormal
  EXPECT_TRUE(std::isinf(local::HalfToFloat(0x7C00)));
  EXPECT_EQ(local::Bf16ToFloat(0x3F80), 1.0f);
  EXPECT_EQ(local::Bf16ToFloat(0xC0A0), -5.0f);
}

}  // namespace
}  // namespace exemplar::embed
