// BertModel: config validation and weight loading (the forward pass is in bert_forward.cc).
#include "embed/local/bert_model.h"

#include <cblas.h>

#include <cmath>
#include <mutex>

#include "embed/local/model_files.h"
#include "embed/local/safetensors.h"

namespace exemplar::embed::local {
namespace {

Status Unsupported(const std::string& file, const std::string& what) {
  return Status::FailedPrecondition(file + ": " + what +
                                    " is not supported (encoders with model_type \"bert\", \"xlm-roberta\" or "
                                    "\"mpnet\", hidden_act \"gelu\", absolute position embeddings)");
}

Result<int> PositiveInt(const Json& j, const std::string& key, int64_t fallback, const std::string& file) {
  EXEMPLAR_ASSIGN_OR_RETURN(int64_t v, IntField(j, key, fallback, file));
  if (v <= 0 || v > (int64_t{1} << 24)) return Status::InvalidArgument(file + ": " + key + " must be a positive size");
  return static_cast<int>(v);
}

}  // namespace

int RelativeBucket(int relative_position, int num_buckets, int max_distance) {
  int ret = 0;
  int n = -relative_position;
  num_buckets /= 2;
  if (n < 0) ret += num_buckets;
  n = std::abs(n);
  const int max_exact = num_buckets / 2;
  if (n < max_exact) return ret + n;
  const float ratio = std::log(static_cast<float>(n) / static_cast<float>(max_exact)) /
                      static_cast<float>(std::log(static_cast<double>(max_distance) / max_exact));
  const int large = max_exact + static_cast<int>(ratio * static_cast<float>(num_buckets - max_exact));
  return ret + std::min(large, num_buckets - 1);
}

Result<BertConfig> ParseBertConfig(const Json& j, const std::string& file) {
  if (!j.is_object()) return Status::InvalidArgument(file + ": expected a JSON object");
  EXEMPLAR_ASSIGN_OR_RETURN(std::string model_type, StringField(j, "model_type", "", file));
  if (model_type != "bert" && model_type != "xlm-roberta" && model_type != "mpnet") {
    return Unsupported(file, "model_type \"" + model_type + "\"");
  }
  EXEMPLAR_ASSIGN_OR_RETURN(std::string act, StringField(j, "hidden_act", "gelu", file));
  if (act != "gelu") return Unsupported(file, "hidden_act \"" + act + "\"");
  EXEMPLAR_ASSIGN_OR_RETURN(std::string pos, StringField(j, "position_embedding_type", "absolute", file));
  if (pos != "absolute") return Unsupported(file, "position_embedding_type \"" + pos + "\"");
  EXEMPLAR_ASSIGN_OR_RETURN(bool decoder, BoolField(j, "is_decoder", false, file));
  if (decoder) return Unsupported(file, "a decoder (is_decoder)");

  BertConfig c;
  EXEMPLAR_ASSIGN_OR_RETURN(c.vocab_size, PositiveInt(j, "vocab_size", 0, file));
  EXEMPLAR_ASSIGN_OR_RETURN(c.hidden_size, PositiveInt(j, "hidden_size", 0, file));
  EXEMPLAR_ASSIGN_OR_RETURN(c.num_layers, PositiveInt(j, "num_hidden_layers", 0, file));
  EXEMPLAR_ASSIGN_OR_RETURN(c.num_heads, PositiveInt(j, "num_attention_heads", 0, file));
  EXEMPLAR_ASSIGN_OR_RETURN(c.intermediate_size, PositiveInt(j, "intermediate_size", 0, file));
  EXEMPLAR_ASSIGN_OR_RETURN(c.max_position_embeddings, PositiveInt(j, "max_position_embeddings", 512, file));
  c.model_type = model_type;
  const bool mpnet = model_type == "mpnet";
  if (!mpnet) {
    EXEMPLAR_ASSIGN_OR_RETURN(c.type_vocab_size, PositiveInt(j, "type_vocab_size", model_type == "bert" ? 2 : 1, file));
  }
  EXEMPLAR_ASSIGN_OR_RETURN(double eps, NumberField(j, "layer_norm_eps", mpnet ? 1e-5 : 1e-12, file));
  c.layer_norm_eps = static_cast<float>(eps);
  if (model_type != "bert") {
    EXEMPLAR_ASSIGN_OR_RETURN(int64_t pad, IntField(j, "pad_token_id", 1, file));
    if (pad < 0 || pad >= c.vocab_size) return Status::InvalidArgument(file + ": pad_token_id is outside the vocabulary");
    c.pad_token_id = static_cast<int>(pad);
    c.position_offset = c.pad_token_id + 1;
    if (c.max_tokens() < 2) {
      return Status::InvalidArgument(file + ": max_position_embeddings leaves no room after pad_token_id + 1");
    }
  }
  if (mpnet) {
    EXEMPLAR_ASSIGN_OR_RETURN(c.relative_buckets, PositiveInt(j, "relative_attention_num_buckets", 32, file));
    if (c.relative_buckets < 4) return Status::InvalidArgument(file + ": relative_attention_num_buckets must be at least 4");
  }
  if (c.hidden_size % c.num_heads != 0) {
    return Status::InvalidArgument(file + ": hidden_size is not a multiple of num_attention_heads");
  }
  return c;
}

Result<BertModel> BertModel::Load(const std::filesystem::path& dir) {
  const std::string config_file = (dir / "config.json").string();
  EXEMPLAR_ASSIGN_OR_RETURN(Json config_json, ReadJsonFile(config_file));
  BertModel m;
  EXEMPLAR_ASSIGN_OR_RETURN(m.config_, ParseBertConfig(config_json, config_file));
  const BertConfig& c = m.config_;

  const auto weights_path = dir / "model.safetensors";
  if (!FileExists(weights_path)) {
    std::string hint = FileExists(dir / "pytorch_model.bin") ? std::string(" (") + kConvertHint + ")" : "";
    return Status::FailedPrecondition("missing model file " + weights_path.string() + hint);
  }
  EXEMPLAR_ASSIGN_OR_RETURN(SafetensorsFile file, SafetensorsFile::Open(weights_path.string()));
  const bool mpnet = c.model_type == "mpnet";
  std::string prefix;
  for (const char* p : {"bert.", "roberta.", "mpnet."}) {
    if (file.Has(std::string(p) + "embeddings.word_embeddings.weight")) prefix = p;
  }
  if (prefix.empty() && !file.Has("embeddings.word_embeddings.weight")) {
    return Status::InvalidArgument(weights_path.string() +
                                   ": no embeddings.word_embeddings.weight (with or without a bert., roberta. or "
                                   "mpnet. prefix)");
  }
  const int64_t h = c.hidden_size, inter = c.intermediate_size;
  auto read = [&](const std::string& name, std::vector<int64_t> shape, std::vector<float>* out) {
    auto r = file.ReadFloats(prefix + name, shape);
    if (!r.ok()) return r.status();
    *out = std::move(r).value();
    return Status::Ok();
  };
  auto dense = [&](const std::string& name, int64_t out, int64_t in, Dense* d) {
    d->in = static_cast<int>(in);
    d->out = static_cast<int>(out);
    EXEMPLAR_RETURN_IF_ERROR(read(name + ".weight", {out, in}, &d->w));
    return read(name + ".bias", {out}, &d->b);
  };
  auto norm = [&](const std::string& name, Norm* n) {
    EXEMPLAR_RETURN_IF_ERROR(read(name + ".weight", {h}, &n->gamma));
    return read(name + ".bias", {h}, &n->beta);
  };
  EXEMPLAR_RETURN_IF_ERROR(read("embeddings.word_embeddings.weight", {c.vocab_size, h}, &m.word_));
  EXEMPLAR_RETURN_IF_ERROR(read("embeddings.position_embeddings.weight", {c.max_position_embeddings, h}, &m.position_));
  if (c.type_vocab_size > 0) {
    EXEMPLAR_RETURN_IF_ERROR(read("embeddings.token_type_embeddings.weight", {c.type_vocab_size, h}, &m.token_type_));
  }
  if (mpnet) {
    EXEMPLAR_RETURN_IF_ERROR(read("encoder.relative_attention_bias.weight", {c.relative_buckets, c.num_heads},
                                  &m.relative_bias_));
    const int span = c.max_tokens();
    for (int d = -(span - 1); d <= span - 1; ++d) m.bucket_.push_back(RelativeBucket(d, c.relative_buckets));
  }
  EXEMPLAR_RETURN_IF_ERROR(norm("embeddings.LayerNorm", &m.embed_norm_));
  m.layers_.resize(static_cast<size_t>(c.num_layers));
  for (int i = 0; i < c.num_layers; ++i) {
    const std::string p = "encoder.layer." + std::to_string(i) + ".";
    Layer& l = m.layers_[static_cast<size_t>(i)];
    Dense q, k, v;
    const std::string self = mpnet ? p + "attention.attn." : p + "attention.self.";
    EXEMPLAR_RETURN_IF_ERROR(dense(self + (mpnet ? "q" : "query"), h, h, &q));
    EXEMPLAR_RETURN_IF_ERROR(dense(self + (mpnet ? "k" : "key"), h, h, &k));
    EXEMPLAR_RETURN_IF_ERROR(dense(self + (mpnet ? "v" : "value"), h, h, &v));
    l.qkv.in = static_cast<int>(h);
    l.qkv.out = static_cast<int>(3 * h);
    for (const Dense* part : {&q, &k, &v}) {
      l.qkv.w.insert(l.qkv.w.end(), part->w.begin(), part->w.end());
      l.qkv.b.insert(l.qkv.b.end(), part->b.begin(), part->b.end());
    }
    EXEMPLAR_RETURN_IF_ERROR(dense(mpnet ? p + "attention.attn.o" : p + "attention.output.dense", h, h, &l.attn_out));
    EXEMPLAR_RETURN_IF_ERROR(norm(mpnet ? p + "attention.LayerNorm" : p + "attention.output.LayerNorm", &l.attn_norm));
    EXEMPLAR_RETURN_IF_ERROR(dense(p + "intermediate.dense", inter, h, &l.inter));
    EXEMPLAR_RETURN_IF_ERROR(dense(p + "output.dense", h, inter, &l.out));
    EXEMPLAR_RETURN_IF_ERROR(norm(p + "output.LayerNorm", &l.out_norm));
  }
  static std::once_flag blas_once;
  std::call_once(blas_once, [] { openblas_set_num_threads(1); });
  return m;
}

}  // namespace exemplar::embed::local
