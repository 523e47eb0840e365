// SentenceEncoder: a sentence-transformers model directory computed natively.
//
// Directory layout (what SentenceTransformer.save writes for BERT-family models):
//   modules.json                Transformer (path "" or a subfolder), Pooling, optional Normalize;
//                               any other module (Dense, …) is refused. Absent: Transformer at the
//                               root, 1_Pooling if present (else mean pooling), no Normalize.
//   config.json, model.safetensors, tokenizer.json | vocab.txt, tokenizer_config.json
//   sentence_bert_config.json   max_seq_length, do_lower_case (optional)
//   1_Pooling/config.json       exactly one of pooling_mode_{mean_tokens, cls_token, max_tokens}
// max_seq_length: sentence_bert_config.json, else min(model_max_length, max_position_embeddings);
// longer inputs are truncated to max_seq_length tokens including [CLS] and [SEP].
//
// Encode returns what sentence-transformers' encode() returns: pooled final hidden states,
// L2-normalised only when modules.json lists Normalize. Batches are split into chunks of whole
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
#include "embed/local/wordpiece_tokenizer.h"

namespace exemplar::embed::local {

enum class Pooling { kMean, kCls, kMax };

class SentenceEncoder {
 public:
  // threads <= 0: std::thread::hardware_concurrency(). Errors: kFailedPrecondition for a missing
  // file or an unsupported architecture, tokenizer or module; kInvalidArgument for malformed files.
  static Result<std::unique_ptr<SentenceEncoder>> Open(const std::filesystem::path& dir, int threads = 0);

  std::vector<std::vector<float>> Encode(const std::vector<std::string_view>& texts) const;

  int dim() const { return model_.config().hidden_size; }
  int max_seq_length() const { return max_seq_length_; }
  Pooling pooling() const { return pooling_; }
  bool normalize() const { return normalize_; }
  const WordPieceTokenizer& tokenizer() const { return tokenizer_; }

 private:
  SentenceEncoder(BertModel model, WordPieceTokenizer tokenizer)
      : model_(std::move(model)), tokenizer_(std::move(tokenizer)) {}
  // Runs the model on texts [begin, end) and writes their pooled vectors.
  void EncodeChunk(const std::vector<std::vector<int32_t>>& ids, size_t begin, size_t end,
                   std::vector<std::vector<float>>* out) const;

  BertModel model_;
  WordPieceTokenizer tokenizer_;
  Pooling pooling_ = Pooling::kMean;
  bool normalize_ = false;
  int max_seq_length_ = 0;
  int threads_ = 1;
};

}  // namespace exemplar::embed::local
