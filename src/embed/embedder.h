// Embedder: turns text into an L2-normalised vector. Implementations: HashEmbedder (offline,
// deterministic lexical stand-in) and OpenAiEmbedder (any OpenAI-compatible /embeddings endpoint).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace exemplar::embed {

class Embedder {
 public:
  virtual ~Embedder() = default;

  // Model name recorded on each example as `embedding_model`, e.g. "hash-384".
  virtual std::string model() const = 0;
  // Vector dimension; every returned vector has exactly this many floats.
  virtual int dim() const = 0;

  // One text. Errors: kUnavailable when the provider is down or keeps failing, kInvalidArgument
  // when the provider rejects the input, kInternal for a malformed provider reply.
  virtual Result<std::vector<float>> Embed(std::string_view text) = 0;

  // Many texts; one result per input, in order. A failure of one item does not hide the others.
  virtual std::vector<Result<std::vector<float>>> EmbedBatch(const std::vector<std::string>& texts) = 0;

  // The embedder that computes afresh, bypassing any cache in front of it (CachedEmbedder).
  virtual Embedder& uncached() { return *this; }
};

}  // namespace exemplar::embed
