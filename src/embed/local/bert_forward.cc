// BertModel::Forward: the encoder's forward pass over packed (unpadded) sequences.
#include <cblas.h>

#include <algorithm>
#include <cmath>

#include "embed/local/bert_model.h"

namespace exemplar::embed::local {
namespace {

// Exact (erf) GELU, as hidden_act "gelu" in Hugging Face.
void Gelu(float* x, size_t n) {
  constexpr float kInvSqrt2 = 0.70710678118654752f;
  for (size_t i = 0; i < n; ++i) x[i] = 0.5f * x[i] * (1.0f + std::erf(x[i] * kInvSqrt2));
}

void SoftmaxRows(float* s, int rows, int cols) {
  for (int r = 0; r < rows; ++r) {
    float* row = s + static_cast<size_t>(r) * cols;
    float max = *std::max_element(row, row + cols);
    float sum = 0;
    for (int c = 0; c < cols; ++c) sum += row[c] = std::exp(row[c] - max);
    float inv = 1.0f / sum;
    for (int c = 0; c < cols; ++c) row[c] *= inv;
  }
}

}  // namespace

void BertModel::Linear(const Dense& d, const float* x, int rows, float* y) const {
  for (int r = 0; r < rows; ++r) std::copy(d.b.begin(), d.b.end(), y + static_cast<size_t>(r) * d.out);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, d.out, d.in, 1.0f, x, d.in, d.w.data(), d.in,
              1.0f, y, d.out);
}

// x = LayerNorm(x + residual), row by row (residual may be null).
void BertModel::AddNorm(const Norm& n, const float* residual, int rows, float* x) const {
  const int h = config_.hidden_size;
  for (int r = 0; r < rows; ++r) {
    float* row = x + static_cast<size_t>(r) * h;
    if (residual) {
      const float* res = residual + static_cast<size_t>(r) * h;
      for (int i = 0; i < h; ++i) row[i] += res[i];
    }
    double mean = 0, var = 0;
    for (int i = 0; i < h; ++i) mean += row[i];
    mean /= h;
    for (int i = 0; i < h; ++i) var += (row[i] - mean) * (row[i] - mean);
    var /= h;
    const float m = static_cast<float>(mean), inv = static_cast<float>(1.0 / std::sqrt(var + config_.layer_norm_eps));
    for (int i = 0; i < h; ++i) row[i] = (row[i] - m) * inv * n.gamma[i] + n.beta[i];
  }
}

// Scaled dot-product self-attention per sequence and head; qkv rows are [q | k | v].
void BertModel::Attention(const std::vector<const std::vector<int32_t>*>& seqs, const float* qkv,
                          float* ctx) const {
  const int h = config_.hidden_size, heads = config_.num_heads, d = h / heads, ld = 3 * h;
  const float scale = 1.0f / std::sqrt(static_cast<float>(d));
  std::vector<float> scores;
  size_t offset = 0;
  for (const auto* seq : seqs) {
    const int n = static_cast<int>(seq->size());
    scores.resize(static_cast<size_t>(n) * n);
    for (int head = 0; head < heads; ++head) {
      const float* q = qkv + offset * ld + static_cast<size_t>(head) * d;
      const float* k = q + h;
      const float* v = q + 2 * h;
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, n, d, scale, q, ld, k, ld, 0.0f, scores.data(), n);
      if (!relative_bias_.empty()) {  // MPNet: bias[bucket(key − query)][head]
        const int span = config_.max_tokens();
        for (int i = 0; i < n; ++i) {
          float* row = scores.data() + static_cast<size_t>(i) * n;
          const int* buckets = bucket_.data() + (span - 1 - i);
          for (int j = 0; j < n; ++j) row[j] += relative_bias_[static_cast<size_t>(buckets[j]) * heads + head];
        }
      }
      SoftmaxRows(scores.data(), n, n);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, d, n, 1.0f, scores.data(), n, v, ld, 0.0f,
                  ctx + offset * h + static_cast<size_t>(head) * d, h);
    }
    offset += static_cast<size_t>(n);
  }
}

void BertModel::Forward(const std::vector<const std::vector<int32_t>*>& seqs, std::vector<float>* states) const {
  const int h = config_.hidden_size;
  size_t total = 0;
  for (const auto* seq : seqs) total += seq->size();
  const int rows = static_cast<int>(total);
  std::vector<float>& x = *states;
  x.assign(total * h, 0.0f);

  size_t r = 0;
  const int pad = config_.pad_token_id;
  for (const auto* seq : seqs) {
    int next = config_.position_offset;  // offset models: the next non-pad token's position
    for (size_t t = 0; t < seq->size(); ++t, ++r) {
      const int32_t id = (*seq)[t];
      size_t pos = t;
      if (config_.position_offset > 0) pos = static_cast<size_t>(id == pad ? pad : next++);
      const float* word = word_.data() + static_cast<size_t>(id) * h;
      const float* position = position_.data() + pos * h;
      float* row = x.data() + r * h;
      for (int i = 0; i < h; ++i) row[i] = word[i] + position[i];
      if (!token_type_.empty()) {
        for (int i = 0; i < h; ++i) row[i] += token_type_[i];
      }
    }
  }
  AddNorm(embed_norm_, nullptr, rows, x.data());

  std::vector<float> qkv(total * 3 * h), ctx(total * h), tmp(total * h),
      inter(total * static_cast<size_t>(config_.intermediate_size));
  for (const Layer& l : layers_) {
    Linear(l.qkv, x.data(), rows, qkv.data());
    Attention(seqs, qkv.data(), ctx.data());
    Linear(l.attn_out, ctx.data(), rows, tmp.data());
    AddNorm(l.attn_norm, tmp.data(), rows, x.data());
    Linear(l.inter, x.data(), rows, inter.data());
    Gelu(inter.data(), inter.size());
    Linear(l.out, inter.data(), rows, tmp.data());
    AddNorm(l.out_norm, tmp.data(), rows, x.data());
  }
}

}  // namespace exemplar::embed::local
