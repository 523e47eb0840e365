// BertModel: a BERT-family encoder loaded from config.json + model.safetensors, run in float32 with
// OpenBLAS. model_type:
//   "bert"        BERT, MiniLM, BGE, GTE, E5 (English); positions 0..n−1, token type 0.
//   "xlm-roberta" multilingual-e5-*, paraphrase-multilingual-*: BERT's layers; positions start at
//                 pad_token_id + 1 and skip pad tokens (create_position_ids_from_input_ids),
//                 one token type.
//   "mpnet"       all-mpnet-base-v2: positions as XLM-RoBERTa, no token types, and a relative
//                 position bias (bidirectional buckets, 32 by default, max distance 128, one table
//                 shared by all layers) added to every head's attention scores.
//
// Forward computes the final hidden states exactly as Hugging Face's BertModel / XLMRobertaModel /
// MPNetModel do for one sequence with token_type_ids = 0 and no padding: sequences are packed
// one after another (no padding, so a batch never changes a sequence's result); the dense layers
// run as one GEMM over all packed tokens and attention runs per sequence and head.
//
// Immutable after Load; Forward is thread-safe. Load sets OpenBLAS to one thread per call: callers
// parallelise across sequences (SentenceEncoder), which scales better on batches than splitting
// each small GEMM.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "common/json_util.h"
#include "common/status.h"

namespace exemplar::embed::local {

struct BertConfig {
  int vocab_size = 0;
  int hidden_size = 0;
  int num_layers = 0;
  int num_heads = 0;
  int intermediate_size = 0;
  int max_position_embeddings = 0;
  int type_vocab_size = 0;  // 0: no token type embeddings (MPNet)
  float layer_norm_eps = 1e-12f;
  std::string model_type = "bert";
  int pad_token_id = -1;         // offset models: pad tokens keep position pad_token_id
  int position_offset = 0;       // first position id: pad_token_id + 1 for xlm-roberta and mpnet
  int relative_buckets = 0;      // mpnet: relative_attention_num_buckets

  // The longest sequence the position table allows.
  int max_tokens() const { return max_position_embeddings - position_offset; }
};

// MPNet's relative_position_bucket for relative_position = key − query (bidirectional, float32
// logarithm as in PyTorch).
int RelativeBucket(int relative_position, int num_buckets, int max_distance = 128);

// Reads and validates config.json. Errors: kFailedPrecondition for an architecture this encoder
// does not implement (model_type other than the three above, hidden_act other than "gelu",
// position_embedding_type other than "absolute", a decoder), kInvalidArgument for missing or
// inconsistent sizes.
Result<BertConfig> ParseBertConfig(const Json& config, const std::string& file);

class BertModel {
 public:
  // Loads dir/config.json and dir/model.safetensors; tensor names with or without the "bert.",
  // "roberta." or "mpnet." prefix; F32, F16 or BF16. Errors as ParseBertConfig and
  // SafetensorsFile, plus kFailedPrecondition when model.safetensors is missing (saying how to
  // convert a pytorch_model.bin).
  static Result<BertModel> Load(const std::filesystem::path& dir);

  const BertConfig& config() const { return config_; }

  // Final hidden states of `seqs`, packed: rows [o_i, o_i + n_i) of `states` (row-major,
  // hidden_size columns) belong to seqs[i], o_i = Σ_{j<i} n_j.
  // REQUIRES: every sequence non-empty, at most max_tokens() long, ids < vocab_size.
  void Forward(const std::vector<const std::vector<int32_t>*>& seqs, std::vector<float>* states) const;

 private:
  struct Dense {  // y = x·wᵀ + b; w is [out, in] as in torch.nn.Linear
    std::vector<float> w, b;
    int in = 0, out = 0;
  };
  struct Norm {
    std::vector<float> gamma, beta;
  };
  struct Layer {
    Dense qkv;  // query, key and value stacked: [3·hidden, hidden]
    Dense attn_out;
    Norm attn_norm;
    Dense inter;
    Dense out;
    Norm out_norm;
  };

  BertModel() = default;
  void Linear(const Dense& d, const float* x, int rows, float* y) const;
  void AddNorm(const Norm& n, const float* residual, int rows, float* x) const;
  void Attention(const std::vector<const std::vector<int32_t>*>& seqs, const float* qkv, float* ctx) const;

  BertConfig config_;
  std::vector<float> word_, position_, token_type_;  // embedding tables (token_type_ may be empty)
  std::vector<float> relative_bias_;                 // mpnet: [buckets, heads]
  std::vector<int> bucket_;                          // mpnet: bucket of key − query + max_tokens − 1
  Norm embed_norm_;
  std::vector<Layer> layers_;
};

}  // namespace exemplar::embed::local
