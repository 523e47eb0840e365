// The sentence-transformers modules after the Transformer: Pooling, Dense and Normalize.
//
//   Pooling    <dir>/config.json: pooling_mode_{cls_token, max_tokens, mean_tokens,
//              mean_sqrt_len_tokens, weightedmean_tokens, lasttoken}; several modes concatenate in
//              that order (as sentence-transformers' Pooling does). Weighted mean weighs token t
//              (0-based) by t + 1; last token is the sequence's final token (</s> or [SEP]).
//   Dense      <dir>/config.json {in_features, out_features, bias, activation_function} and
//              <dir>/model.safetensors {linear.weight [out, in], linear.bias [out]}:
//              y = activation(W·x + b); activations torch.nn.modules.activation.Tanh and
//              torch.nn.modules.linear.Identity.
//   Normalize  L2 normalisation.
// Anything else (another mode, activation, or a pytorch_model.bin-only Dense) is refused with a
// message naming it and what is supported.
#pragma once

#include <filesystem>
#include <vector>

#include "common/status.h"

namespace exemplar::embed::local {

enum class Pooling { kCls, kMax, kMean, kMeanSqrtLen, kWeightedMean, kLastToken };

// The modes set in <pooling_dir>/config.json, in concatenation order; an empty dir means mean
// pooling. Errors: kFailedPrecondition when no mode is set or the file is missing,
// kInvalidArgument when word_embedding_dimension differs from `hidden`.
Result<std::vector<Pooling>> ReadPooling(const std::filesystem::path& pooling_dir, int hidden);

// Pools the n token states (row-major, h columns) of one sequence into `out` (modes.size()·h).
void Pool(const std::vector<Pooling>& modes, const float* states, int n, int h, std::vector<float>* out);

struct DenseLayer {
  enum Activation { kIdentity, kTanh };
  std::vector<float> w, b;  // w: [out, in]; b empty without bias
  int in = 0, out = 0;
  Activation activation = kIdentity;
};

// Reads a Dense module directory. Errors: kFailedPrecondition for a missing file (with how to
// convert a pytorch_model.bin) or an unsupported activation; kInvalidArgument for bad shapes.
Result<DenseLayer> ReadDense(const std::filesystem::path& dir);

// v = activation(W·v + b). REQUIRES: v->size() == d.in.
void ApplyDense(const DenseLayer& d, std::vector<float>* v);

// v /= max(‖v‖, 1e-12).
void L2Normalize(std::vector<float>* v);

}  // namespace exemplar::embed::local
