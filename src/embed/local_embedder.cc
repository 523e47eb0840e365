#include "embed/local_embedder.h"

#include <cmath>
#include <filesystem>

#include "embed/local/sentence_encoder.h"

namespace exemplar::embed {
namespace {

void Normalize(std::vector<float>* v) {
  double sq = 0;
  for (float x : *v) sq += static_cast<double>(x) * x;
  if (sq <= 0) return;
  const float inv = static_cast<float>(1.0 / std::sqrt(sq));
  for (float& x : *v) x *= inv;
}

}  // namespace

Result<std::unique_ptr<LocalEmbedder>> LocalEmbedder::Open(const std::string& model_dir, int threads) {
  if (model_dir.empty()) return Status::InvalidArgument("embedder local needs model_dir (--model-dir)");
  std::filesystem::path dir = std::filesystem::path(model_dir).lexically_normal();
  EXEMPLAR_ASSIGN_OR_RETURN(auto encoder, local::SentenceEncoder::Open(dir, threads));
  std::string name = dir.filename().empty() ? dir.parent_path().filename().string() : dir.filename().string();
  return std::unique_ptr<LocalEmbedder>(new LocalEmbedder(std::move(encoder), "local:" + name));
}

LocalEmbedder::LocalEmbedder(std::unique_ptr<local::SentenceEncoder> encoder, std::string model)
    : encoder_(std::move(encoder)), model_(std::move(model)) {}

LocalEmbedder::~LocalEmbedder() = default;

int LocalEmbedder::dim() const { return encoder_->dim(); }

Result<std::vector<float>> LocalEmbedder::Embed(std::string_view text) {
  std::vector<float> v = std::move(encoder_->Encode({text})[0]);
  Normalize(&v);
  return v;
}

std::vector<Result<std::vector<float>>> LocalEmbedder::EmbedBatch(const std::vector<std::string>& texts) {
  std::vector<std::string_view> views(texts.begin(), texts.end());
  std::vector<std::vector<float>> vectors = encoder_->Encode(views);
  std::vector<Result<std::vector<float>>> out;
  out.reserve(vectors.size());
  for (auto& v : vectors) {
    Normalize(&v);
    out.emplace_back(std::move(v));
  }
  return out;
}

}  // namespace exemplar::embed
