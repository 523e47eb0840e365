// HashEmbedder: an offline, deterministic LEXICAL stand-in for a neural embedding model.
//
// It is feature hashing, not a language model: texts that share words, word pairs and word pieces
// get similar vectors; synonyms and paraphrases with different words do not. It exists so the
// product works offline and tests are reproducible; use OpenAiEmbedder for semantic search.
//
// Features of a text: its words (index::Tokenize: lowercased, accent-folded) other than stop words
// (index::IsStopWord: "the", "is", "how"; a text of nothing else maps like one without words),
// adjacent pairs of those words,
// and the 3-, 4- and 5-character n-grams of each word wrapped in boundary markers ("<word>").
// Each distinct feature adds weight_class · (1 + ln tf) to one dimension with a sign, both chosen
// by a 64-bit hash of the feature (signed hashing makes collisions cancel on average rather than
// pile up). The vector is L2-normalised. Text without any word maps to a fixed unit vector
// (dimension 0), so cosine similarity stays defined.
//
// Thread-safe (stateless). Never fails. Model name "hash-<dim>".
#pragma once

#include "embed/embedder.h"

namespace exemplar::embed {

class HashEmbedder : public Embedder {
 public:
  // REQUIRES: dim > 0.
  explicit HashEmbedder(int dim = 384);

  std::string model() const override;
  int dim() const override { return dim_; }
  Result<std::vector<float>> Embed(std::string_view text) override;
  std::vector<Result<std::vector<float>>> EmbedBatch(const std::vector<std::string>& texts) override;

  // The vector itself, for callers that cannot fail.
  std::vector<float> Compute(std::string_view text) const;

 private:
  int dim_;
};

}  // namespace exemplar::embed
