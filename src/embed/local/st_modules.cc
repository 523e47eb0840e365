#include "embed/local/st_modules.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "embed/local/model_files.h"
#include "embed/local/safetensors.h"

namespace exemplar::embed::local {

Result<std::vector<Pooling>> ReadPooling(const std::filesystem::path& pooling_dir, int hidden) {
  if (pooling_dir.empty()) return std::vector<Pooling>{Pooling::kMean};
  const std::string file = (pooling_dir / "config.json").string();
  EXEMPLAR_ASSIGN_OR_RETURN(Json cfg, ReadJsonFile(file));
  if (!cfg.is_object()) return Status::InvalidArgument(file + ": expected a JSON object");
  EXEMPLAR_ASSIGN_OR_RETURN(int64_t dim, IntField(cfg, "word_embedding_dimension", hidden, file));
  if (dim != hidden) return Status::InvalidArgument(file + ": word_embedding_dimension differs from hidden_size");
  static const std::pair<const char*, Pooling> kModes[] = {
      {"pooling_mode_cls_token", Pooling::kCls},
      {"pooling_mode_max_tokens", Pooling::kMax},
      {"pooling_mode_mean_tokens", Pooling::kMean},
      {"pooling_mode_mean_sqrt_len_tokens", Pooling::kMeanSqrtLen},
      {"pooling_mode_weightedmean_tokens", Pooling::kWeightedMean},
      {"pooling_mode_lasttoken", Pooling::kLastToken}};
  std::vector<Pooling> modes;
  for (const auto& [key, mode] : kModes) {
    EXEMPLAR_ASSIGN_OR_RETURN(bool on, BoolField(cfg, key, false, file));
    if (on) modes.push_back(mode);
  }
  for (const auto& [key, value] : cfg.items()) {
    bool known = key == "word_embedding_dimension" || key == "include_prompt";
    for (const auto& m : kModes) known |= key == m.first;
    if (!known && key.rfind("pooling_mode", 0) == 0 && value != false && !value.is_null()) {
      return Status::FailedPrecondition(file + ": " + key + " is not supported (pooling modes cls_token, max_tokens, "
                                        "mean_tokens, mean_sqrt_len_tokens, weightedmean_tokens, lasttoken)");
    }
  }
  if (modes.empty()) {
    return Status::FailedPrecondition(file + ": no pooling mode is set (supported: cls_token, max_tokens, "
                                      "mean_tokens, mean_sqrt_len_tokens, weightedmean_tokens, lasttoken)");
  }
  return modes;
}

void Pool(const std::vector<Pooling>& modes, const float* states, int n, int h, std::vector<float>* out) {
  out->clear();
  out->reserve(modes.size() * static_cast<size_t>(h));
  std::vector<double> acc(static_cast<size_t>(h));
  for (Pooling mode : modes) {
    auto row = [&](int t) { return states + static_cast<size_t>(t) * h; };
    switch (mode) {
      case Pooling::kCls:
        out->insert(out->end(), row(0), row(0) + h);
        break;
      case Pooling::kLastToken:
        out->insert(out->end(), row(n - 1), row(n - 1) + h);
        break;
      case Pooling::kMax: {
        std::vector<float> m(row(0), row(0) + h);
        for (int t = 1; t < n; ++t) {
          for (int i = 0; i < h; ++i) m[i] = std::max(m[i], row(t)[i]);
        }
        out->insert(out->end(), m.begin(), m.end());
        break;
      }
      case Pooling::kMean:
      case Pooling::kMeanSqrtLen:
      case Pooling::kWeightedMean: {
        std::fill(acc.begin(), acc.end(), 0.0);
        double total = 0;
        for (int t = 0; t < n; ++t) {
          const double w = mode == Pooling::kWeightedMean ? t + 1 : 1;
          for (int i = 0; i < h; ++i) acc[i] += w * row(t)[i];
          total += w;
        }
        const double div = mode == Pooling::kMeanSqrtLen ? std::sqrt(total) : total;
        for (int i = 0; i < h; ++i) out->push_back(static_cast<float>(acc[i] / div));
        break;
      }
    }
  }
}

Result<DenseLayer> ReadDense(const std::filesystem::path& dir) {
  const std::string file = (dir / "config.json").string();
  EXEMPLAR_ASSIGN_OR_RETURN(Json cfg, ReadJsonFile(file));
  if (!cfg.is_object()) return Status::InvalidArgument(file + ": expected a JSON object");
  DenseLayer d;
  EXEMPLAR_ASSIGN_OR_RETURN(int64_t in, IntField(cfg, "in_features", 0, file));
  EXEMPLAR_ASSIGN_OR_RETURN(int64_t out, IntField(cfg, "out_features", 0, file));
  if (in <= 0 || out <= 0 || in > (1 << 20) || out > (1 << 20)) {
    return Status::InvalidArgument(file + ": in_features and out_features must be positive sizes");
  }
  d.in = static_cast<int>(in);
  d.out = static_cast<int>(out);
  EXEMPLAR_ASSIGN_OR_RETURN(bool bias, BoolField(cfg, "bias", true, file));
  EXEMPLAR_ASSIGN_OR_RETURN(std::string act, StringField(cfg, "activation_function",
                                                         "torch.nn.modules.activation.Tanh", file));
  const std::string kind = act.substr(act.rfind('.') + 1);
  if (kind == "Tanh") {
    d.activation = DenseLayer::kTanh;
  } else if (kind == "Identity") {
    d.activation = DenseLayer::kIdentity;
  } else {
    return Status::FailedPrecondition(file + ": Dense activation_function " + act +
                                      " is not supported (torch.nn.modules.activation.Tanh, "
                                      "torch.nn.modules.linear.Identity)");
  }
  const auto weights = dir / "model.safetensors";
  if (!FileExists(weights)) {
    std::string hint = FileExists(dir / "pytorch_model.bin") ? std::string(" (") + kConvertHint + ")" : "";
    return Status::FailedPrecondition("missing model file " + weights.string() + hint);
  }
  EXEMPLAR_ASSIGN_OR_RETURN(SafetensorsFile st, SafetensorsFile::Open(weights.string()));
  EXEMPLAR_ASSIGN_OR_RETURN(d.w, st.ReadFloats("linear.weight", {out, in}));
  if (bias) {
    EXEMPLAR_ASSIGN_OR_RETURN(d.b, st.ReadFloats("linear.bias", {out}));
  }
  return d;
}

void ApplyDense(const DenseLayer& d, std::vector<float>* v) {
  std::vector<float> y(static_cast<size_t>(d.out));
  for (int o = 0; o < d.out; ++o) {
    const float* w = d.w.data() + static_cast<size_t>(o) * d.in;
    double s = d.b.empty() ? 0.0 : d.b[o];
    for (int i = 0; i < d.in; ++i) s += static_cast<double>(w[i]) * (*v)[i];
    y[o] = static_cast<float>(d.activation == DenseLayer::kTanh ? std::tanh(s) : s);
  }
  *v = std::move(y);
}

void L2Normalize(std::vector<float>* v) {
  double sq = 0;
  for (float x : *v) sq += static_cast<double>(x) * x;
  const float inv = static_cast<float>(1.0 / std::max(std::sqrt(sq), 1e-12));
  for (float& x : *v) x *= inv;
}

}  // namespace exemplar::embed::local
