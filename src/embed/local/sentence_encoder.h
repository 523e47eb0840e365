// SentenceEncoder: a sentence-transformers model directory computed natively.
//
// Directory layout (what SentenceTransformer.save writes):
//   modules.json                Transformer (path "" or a subfolder), Pooling, then any sequence of
//                               Dense and Normalize modules; any other module (CNN, LSTM,
//                               LayerNorm, …) is refused. Absent: Transformer at the root,
//                               1_Pooling if present (else mean pooling), nothing after it.
//   config.json, model.safetensors   the encoder (bert_model.h: BERT, XLM-RoBERTa, MPNet)
//   tokenizer.json | vocab.txt, tokenizer_config.json   (tokenizer_files.h)
//   sentence_bert_config.json   max_seq_length, do_lower_case (optional)
//   1_Pooling/config.json, 2_Dense/{config.json, model.safetensors}   (st_modules.h)
// max_seq_length: sentence_bert_config.json, else model_max_length, capped by the position table
// (max_position_embeddings, minus pad_token_id + 1 for XLM-RoBERTa and MPNet); longer inputs
// are truncated to max_seq_length tokens including the framing tokens.
//
// Encode returns what sentence-transformers' encode() returns: pooled final hidden states passed
// through the Dense and Normalize modules in order. Batches are split into chunks of whole
// sequences run on up to `threads` threads; results never depend on the batch.
//
// Immutable after Open; Encode is thread-safe.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "embed/local/bert_model.h"
#include "embed/local/st_modules.h"
#include "embed/local/tokenizer.h"

namespace exemplar::embed::local {

class SentenceEncoder {
 public:
  // threads <= 0: std::thread::hardware_concurrency(). Errors: kFailedPrecondition for a missing
  // file or an unsupported architecture, tokenizer or module; kInvalidArgument for malformed files.
  static Result<std::unique_ptr<SentenceEncoder>> Open(const std::filesystem::path& dir, int threads = 0);

  std::vector<std::vector<float>> Encode(const std::vector<std::string_view>& texts) const;

  // The output size: the last Dense module's out_features, else pooling modes × hidden_size.
  int dim() const { return dim_; }
  int max_seq_length() const { return max_seq_length_; }
  const std::vector<Pooling>& pooling() const { return pooling_; }
  // Whether the output is L2-normalised (the last module is Normalize).
  bool normalize() const { return !steps_.empty() && steps_.back().normalize; }
  size_t dense_modules() const;
  const Tokenizer& tokenizer() const { return *tokenizer_; }
  const BertConfig& config() const { return model_.config(); }

 private:
  struct Step {  // a module after Pooling: Normalize, or a Dense layer
    bool normalize = false;
    DenseLayer dense;
  };
  SentenceEncoder(BertModel model, std::unique_ptr<Tokenizer> tokenizer)
      : model_(std::move(model)), tokenizer_(std::move(tokenizer)) {}
  // Runs the model on texts [begin, end) and writes their pooled vectors.
  void EncodeChunk(const std::vector<std::vector<int32_t>>& ids, size_t begin, size_t end,
                   std::vector<std::vector<float>>* out) const;

  BertModel model_;
  std::unique_ptr<Tokenizer> tokenizer_;
  std::vector<Pooling> pooling_;
  std::vector<Step> steps_;
  int dim_ = 0;
  int max_seq_length_ = 0;
  int threads_ = 1;
};

}  // namespace exemplar::embed::local
