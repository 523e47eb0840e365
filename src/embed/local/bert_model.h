// BertModel: a BERT encoder (BERT, MiniLM, BGE, GTE, E5 checkpoints with model_type "bert") loaded
// from config.json + model.safetensors, run in float32 with OpenBLAS.
//
// Forward computes the final hidden states exactly as Hugging Face's BertModel does for one
// sequence with token_type_ids = 0, absolute positions 0..n−1 and no padding: sequences are packed
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
  int type_vocab_size = 0;
  float layer_norm_eps = 1e-12f;
};

// Reads and validates config.json. Errors: kFailedPrecondition for an architecture this encoder
// does not implement (model_type other than "bert", hidden_act other than "gelu", relative position
// embeddings, a decoder), kInvalidArgument for missing or inconsistent sizes.
Result<BertConfig> ParseBertConfig(const Json& config, const std::string& file);

class BertModel {
 public:
  // Loads dir/config.json and dir/model.safetensors; tensor names with or without the "bert."
  // prefix; F32, F16 or BF16. Errors as ParseBertConfig and SafetensorsFile, plus
  // kFailedPrecondition when model.safetensors is missing.
  static Result<BertModel> Load(const std::filesystem::path& dir);

  const BertConfig& config() const { return config_; }

  // Final hidden states of `seqs`, packed: rows [o_i, o_i + n_i) of `states` (row-major,
  // hidden_size columns) belong to seqs[i], o_i = Σ_{j<i} n_j.
  // REQUIRES: every sequence non-empty, at most max_position_embeddings long, ids < vocab_size.
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
  std::vector<float> word_, position_, token_type_;  // embedding tables
  Norm embed_norm_;
  std::vector<Layer> layers_;
};

}  // namespace exemplar::embed::local
