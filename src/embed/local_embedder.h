// LocalEmbedder: embeddings computed in process from a sentence-transformers model directory
// (BERT, MiniLM, BGE, GTE, E5; MPNet; XLM-RoBERTa; Dense modules). No network, no Python.
//
// The directory is read by local::SentenceEncoder (see embed/local/sentence_encoder.h for the
// files and what is supported). Vectors are the model's sentence embeddings, L2-normalised as the
// Embedder contract requires (a no-op for models whose modules.json lists Normalize).
// Model name "local:<directory name>"; dim() = the model's output size (hidden size, or the last
// Dense module's out_features).
//
// EmbedBatch runs the whole batch on `threads` threads (0 = all cores). Thread-safe. Never fails
// after Open: every text gets a vector (overlong texts are truncated to max_seq_length tokens).
#pragma once

#include <memory>
#include <string>

#include "embed/embedder.h"

namespace exemplar::embed {

namespace local {
class SentenceEncoder;
}

class LocalEmbedder : public Embedder {
 public:
  // Errors: kFailedPrecondition for a missing directory or file, or an unsupported architecture,
  // tokenizer or module; kInvalidArgument for malformed files.
  static Result<std::unique_ptr<LocalEmbedder>> Open(const std::string& model_dir, int threads = 0);
  ~LocalEmbedder() override;

  std::string model() const override { return model_; }
  int dim() const override;
  Result<std::vector<float>> Embed(std::string_view text) override;
  std::vector<Result<std::vector<float>>> EmbedBatch(const std::vector<std::string>& texts) override;

 private:
  LocalEmbedder(std::unique_ptr<local::SentenceEncoder> encoder, std::string model);
  std::unique_ptr<local::SentenceEncoder> encoder_;
  std::string model_;
};

}  // namespace exemplar::embed
