#include "embed/local/sentence_encoder.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <thread>

#include "embed/local/model_files.h"
#include "embed/local/tokenizer_files.h"

namespace exemplar::embed::local {
namespace {

// Tokens per chunk at most: bounds scratch memory (~14 KB per token for MiniLM-L6) on big batches.
constexpr size_t kMaxChunkTokens = 4096;

struct Modules {
  std::filesystem::path transformer;  // model directory
  std::filesystem::path pooling;      // empty: mean pooling
  bool normalize = false;
};

Result<Modules> ReadModules(const std::filesystem::path& dir) {
  Modules m{dir, {}, false};
  if (!FileExists(dir / "modules.json")) {
    if (FileExists(dir / "1_Pooling" / "config.json")) m.pooling = dir / "1_Pooling";
    return m;
  }
  const std::string file = (dir / "modules.json").string();
  EXEMPLAR_ASSIGN_OR_RETURN(Json modules, ReadJsonFile(file));
  if (!modules.is_array()) return Status::InvalidArgument(file + ": expected a list of modules");
  bool has_transformer = false;
  for (const Json& module : modules) {
    if (!module.is_object()) return Status::InvalidArgument(file + ": every module must be an object");
    EXEMPLAR_ASSIGN_OR_RETURN(std::string type, StringField(module, "type", "", file));
    EXEMPLAR_ASSIGN_OR_RETURN(std::string path, StringField(module, "path", "", file));
    std::string kind = type.substr(type.rfind('.') + 1);
    if (kind == "Transformer" && !has_transformer) {
      m.transformer = dir / path;
      has_transformer = true;
    } else if (kind == "Pooling" && has_transformer && m.pooling.empty()) {
      m.pooling = dir / path;
    } else if (kind == "Normalize" && !m.pooling.empty()) {
      m.normalize = true;
    } else {
      return Status::FailedPrecondition(file + ": module " + type +
                                        " is not supported here (Transformer, Pooling, Normalize only)");
    }
  }
  if (!has_transformer) return Status::FailedPrecondition(file + ": no Transformer module");
  return m;
}

Result<Pooling> ReadPooling(const std::filesystem::path& pooling_dir, int hidden) {
  if (pooling_dir.empty()) return Pooling::kMean;
  const std::string file = (pooling_dir / "config.json").string();
  EXEMPLAR_ASSIGN_OR_RETURN(Json cfg, ReadJsonFile(file));
  EXEMPLAR_ASSIGN_OR_RETURN(int64_t dim, IntField(cfg, "word_embedding_dimension", hidden, file));
  if (dim != hidden) return Status::InvalidArgument(file + ": word_embedding_dimension differs from hidden_size");
  std::vector<Pooling> modes;
  for (const auto& [key, mode] : {std::pair{"pooling_mode_mean_tokens", Pooling::kMean},
                                  std::pair{"pooling_mode_cls_token", Pooling::kCls},
                                  std::pair{"pooling_mode_max_tokens", Pooling::kMax}}) {
    EXEMPLAR_ASSIGN_OR_RETURN(bool on, BoolField(cfg, key, false, file));
    if (on) modes.push_back(mode);
  }
  for (const char* key : {"pooling_mode_mean_sqrt_len_tokens", "pooling_mode_weightedmean_tokens",
                          "pooling_mode_lasttoken"}) {
    EXEMPLAR_ASSIGN_OR_RETURN(bool on, BoolField(cfg, key, false, file));
    if (on) return Status::FailedPrecondition(file + ": " + key + " is not supported (mean, cls or max)");
  }
  if (modes.size() != 1) {
    return Status::FailedPrecondition(file + ": exactly one pooling mode (mean, cls or max) must be set");
  }
  return modes[0];
}

void Pool(Pooling pooling, const float* states, int n, int h, bool normalize, std::vector<float>* out) {
  out->assign(states, states + h);  // CLS, and the starting point of mean and max
  for (int t = 1; t < n && pooling != Pooling::kCls; ++t) {
    const float* row = states + static_cast<size_t>(t) * h;
    for (int i = 0; i < h; ++i) (*out)[i] = pooling == Pooling::kMax ? std::max((*out)[i], row[i]) : (*out)[i] + row[i];
  }
  if (pooling == Pooling::kMean) {
    for (float& v : *out) v /= static_cast<float>(n);
  }
  if (normalize) {
    double sq = 0;
    for (float v : *out) sq += static_cast<double>(v) * v;
    const float inv = static_cast<float>(1.0 / std::max(std::sqrt(sq), 1e-12));
    for (float& v : *out) v *= inv;
  }
}

}  // namespace

Result<std::unique_ptr<SentenceEncoder>> SentenceEncoder::Open(const std::filesystem::path& dir, int threads) {
  if (!IsDirectory(dir)) {
    return Status::FailedPrecondition("model dir " + dir.string() + " does not exist");
  }
  EXEMPLAR_ASSIGN_OR_RETURN(Modules modules, ReadModules(dir));
  int64_t sbert_max = 0;
  bool lowercase_input = false;
  const auto sbert_path = modules.transformer / "sentence_bert_config.json";
  if (FileExists(sbert_path)) {
    EXEMPLAR_ASSIGN_OR_RETURN(Json sbert, ReadJsonFile(sbert_path));
    EXEMPLAR_ASSIGN_OR_RETURN(sbert_max, IntField(sbert, "max_seq_length", 0, sbert_path.string()));
    EXEMPLAR_ASSIGN_OR_RETURN(lowercase_input, BoolField(sbert, "do_lower_case", false, sbert_path.string()));
  }
  EXEMPLAR_ASSIGN_OR_RETURN(BertModel model, BertModel::Load(modules.transformer));
  EXEMPLAR_ASSIGN_OR_RETURN(LoadedTokenizer tok, LoadTokenizer(modules.transformer, lowercase_input));
  const BertConfig& c = model.config();
  if (tok.tokenizer.id_limit() > c.vocab_size) {
    return Status::InvalidArgument("tokenizer ids reach " + std::to_string(tok.tokenizer.id_limit() - 1) +
                                   " but config.json vocab_size is " + std::to_string(c.vocab_size));
  }
  EXEMPLAR_ASSIGN_OR_RETURN(Pooling pooling, ReadPooling(modules.pooling, c.hidden_size));

  std::unique_ptr<SentenceEncoder> e(new SentenceEncoder(std::move(model), std::move(tok.tokenizer)));
  int64_t max_len = sbert_max > 0 ? sbert_max : tok.model_max_length > 0 ? tok.model_max_length : c.max_position_embeddings;
  e->max_seq_length_ = static_cast<int>(std::clamp<int64_t>(max_len, 2, c.max_position_embeddings));
  e->pooling_ = pooling;
  e->normalize_ = modules.normalize;
  e->threads_ = threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return e;
}

void SentenceEncoder::EncodeChunk(const std::vector<std::vector<int32_t>>& ids, size_t begin, size_t end,
                                  std::vector<std::vector<float>>* out) const {
  std::vector<const std::vector<int32_t>*> seqs;
  for (size_t i = begin; i < end; ++i) seqs.push_back(&ids[i]);
  std::vector<float> states;
  model_.Forward(seqs, &states);
  const int h = dim();
  size_t row = 0;
  for (size_t i = begin; i < end; ++i) {
    const int n = static_cast<int>(ids[i].size());
    Pool(pooling_, states.data() + row * h, n, h, normalize_, &(*out)[i]);
    row += static_cast<size_t>(n);
  }
}

std::vector<std::vector<float>> SentenceEncoder::Encode(const std::vector<std::string_view>& texts) const {
  std::vector<std::vector<int32_t>> ids;
  ids.reserve(texts.size());
  size_t total = 0;
  for (std::string_view t : texts) {
    ids.push_back(tokenizer_.Encode(t, max_seq_length_));
    total += ids.back().size();
  }
  std::vector<std::vector<float>> out(texts.size());
  if (texts.empty()) return out;

  // Contiguous chunks of about equal token counts: at least one per thread, none over the cap.
  size_t chunks = std::max<size_t>(std::min<size_t>(static_cast<size_t>(threads_), texts.size()),
                                   (total + kMaxChunkTokens - 1) / kMaxChunkTokens);
  std::vector<size_t> bounds{0};
  size_t acc = 0;
  for (size_t i = 0; i < ids.size(); ++i) {
    acc += ids[i].size();
    if (acc * chunks >= total * bounds.size() && bounds.size() < chunks && i + 1 < ids.size()) bounds.push_back(i + 1);
  }
  bounds.push_back(ids.size());

  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t c; (c = next.fetch_add(1)) + 1 < bounds.size();) EncodeChunk(ids, bounds[c], bounds[c + 1], &out);
  };
  const size_t workers = std::min(static_cast<size_t>(threads_), bounds.size() - 1);
  std::vector<std::thread> pool;
  for (size_t w = 1; w < workers; ++w) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  return out;
}

}  // namespace exemplar::embed::local
