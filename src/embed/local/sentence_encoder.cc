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

struct Module {  // after Pooling
  std::filesystem::path dir;
  bool normalize = false;  // else Dense
};

struct Modules {
  std::filesystem::path transformer;  // model directory
  std::filesystem::path pooling;      // empty: mean pooling
  std::vector<Module> after;
};

Result<Modules> ReadModules(const std::filesystem::path& dir) {
  Modules m{dir, {}, {}};
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
    } else if ((kind == "Normalize" || kind == "Dense") && !m.pooling.empty()) {
      m.after.push_back({dir / path, kind == "Normalize"});
    } else {
      return Status::FailedPrecondition(file + ": module " + type + " is not supported here (supported: one "
                                        "Transformer, then one Pooling, then Dense and Normalize modules)");
    }
  }
  if (!has_transformer) return Status::FailedPrecondition(file + ": no Transformer module");
  return m;
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
  if (tok.tokenizer->id_limit() > c.vocab_size) {
    return Status::InvalidArgument("tokenizer ids reach " + std::to_string(tok.tokenizer->id_limit() - 1) +
                                   " but config.json vocab_size is " + std::to_string(c.vocab_size));
  }
  EXEMPLAR_ASSIGN_OR_RETURN(std::vector<Pooling> pooling, ReadPooling(modules.pooling, c.hidden_size));
  int dim = static_cast<int>(pooling.size()) * c.hidden_size;
  std::vector<Step> steps;
  for (const Module& module : modules.after) {
    Step step;
    step.normalize = module.normalize;
    if (!module.normalize) {
      EXEMPLAR_ASSIGN_OR_RETURN(step.dense, ReadDense(module.dir));
      if (step.dense.in != dim) {
        return Status::InvalidArgument((module.dir / "config.json").string() + ": in_features " +
                                       std::to_string(step.dense.in) + " differs from the " + std::to_string(dim) +
                                       " values the module before it produces");
      }
      dim = step.dense.out;
    }
    steps.push_back(std::move(step));
  }

  std::unique_ptr<SentenceEncoder> e(new SentenceEncoder(std::move(model), std::move(tok.tokenizer)));
  int64_t max_len = sbert_max > 0 ? sbert_max : tok.model_max_length > 0 ? tok.model_max_length : c.max_tokens();
  e->max_seq_length_ = static_cast<int>(std::clamp<int64_t>(max_len, 2, c.max_tokens()));
  e->pooling_ = std::move(pooling);
  e->steps_ = std::move(steps);
  e->dim_ = dim;
  e->threads_ = threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return e;
}

size_t SentenceEncoder::dense_modules() const {
  return static_cast<size_t>(std::count_if(steps_.begin(), steps_.end(), [](const Step& s) { return !s.normalize; }));
}

void SentenceEncoder::EncodeChunk(const std::vector<std::vector<int32_t>>& ids, size_t begin, size_t end,
                                  std::vector<std::vector<float>>* out) const {
  std::vector<const std::vector<int32_t>*> seqs;
  for (size_t i = begin; i < end; ++i) seqs.push_back(&ids[i]);
  std::vector<float> states;
  model_.Forward(seqs, &states);
  const int h = model_.config().hidden_size;
  size_t row = 0;
  for (size_t i = begin; i < end; ++i) {
    const int n = static_cast<int>(ids[i].size());
    std::vector<float>& v = (*out)[i];
    Pool(pooling_, states.data() + row * h, n, h, &v);
    for (const Step& step : steps_) {
      if (step.normalize) {
        L2Normalize(&v);
      } else {
        ApplyDense(step.dense, &v);
      }
    }
    row += static_cast<size_t>(n);
  }
}

std::vector<std::vector<float>> SentenceEncoder::Encode(const std::vector<std::string_view>& texts) const {
  std::vector<std::vector<int32_t>> ids;
  ids.reserve(texts.size());
  size_t total = 0;
  for (std::string_view t : texts) {
    ids.push_back(tokenizer_->Encode(t, max_seq_length_));
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
