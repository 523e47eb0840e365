#include "service/templates/dspy/optimizer_config.h"

#include <cmath>
#include <optional>

namespace exemplar::dspy {
namespace {

enum class Kind { kInt, kNumber, kBool, kString, kEnum };

struct ParamSpec {
  const char* name;
  Kind kind;
  Json default_value;
  bool nullable = false;
  double lo = 0;
  double hi = 0;
  std::vector<std::string> choices = {};
  bool compile_arg = false;
  bool native_only = false;  // Exemplar's own; DSPy's class has no such argument
};

constexpr double kMaxCount = 1e6;

// DSPy's few-shot optimizers sample with Random(0) (and Random(seed) for random-search candidate
// `seed`); a native run does the same unless this names another base seed.
ParamSpec NativeSeed() {
  return {"seed", Kind::kInt, nullptr, true, 0, 2147483647.0, {}, false, /*native_only=*/true};
}

std::vector<ParamSpec> BootstrapParams(int max_labeled_default) {
  return {
      {"max_bootstrapped_demos", Kind::kInt, 4, false, 0, 100},
      {"max_labeled_demos", Kind::kInt, max_labeled_default, false, 0, 1000},
      {"max_rounds", Kind::kInt, 1, false, 1, 100},
      {"metric_threshold", Kind::kNumber, nullptr, true, -kMaxCount, kMaxCount},
      {"max_errors", Kind::kInt, nullptr, true, 0, kMaxCount},
      NativeSeed(),
  };
}

std::vector<ParamSpec> SpecsFor(const std::string& type) {
  if (type == "LabeledFewShot") {
    return {{"k", Kind::kInt, 16, false, 1, 1000},
            {"sample", Kind::kBool, true, false, 0, 0, {}, /*compile_arg=*/true},
            NativeSeed()};
  }
  if (type == "BootstrapFewShot") return BootstrapParams(16);
  if (type == "BootstrapFewShotWithRandomSearch") {
    std::vector<ParamSpec> p = BootstrapParams(16);
    p.push_back({"num_candidate_programs", Kind::kInt, 16, false, 1, 1000});
    p.push_back({"num_threads", Kind::kInt, nullptr, true, 1, 1024});
    p.push_back({"stop_at_score", Kind::kNumber, nullptr, true, -kMaxCount, kMaxCount});
    p.push_back({"labeled_sample", Kind::kBool, true, false, 0, 0, {}, true});
    return p;
  }
  if (type == "MIPROv2") {
    return {
        {"max_bootstrapped_demos", Kind::kInt, 4, false, 0, 100},
        {"max_labeled_demos", Kind::kInt, 4, false, 0, 1000},
        {"auto", Kind::kEnum, "light", true, 0, 0, {"light", "medium", "heavy"}},
        {"num_candidates", Kind::kInt, nullptr, true, 1, 1000},
        {"num_threads", Kind::kInt, nullptr, true, 1, 1024},
        {"max_errors", Kind::kInt, nullptr, true, 0, kMaxCount},
        {"seed", Kind::kInt, 9, false, 0, 2147483647.0},
        {"init_temperature", Kind::kNumber, 1.0, false, 0, 5},
        {"verbose", Kind::kBool, false},
        {"track_stats", Kind::kBool, true},
        {"metric_threshold", Kind::kNumber, nullptr, true, -kMaxCount, kMaxCount},
        {"num_trials", Kind::kInt, nullptr, true, 1, 10000, {}, true},
        {"minibatch", Kind::kBool, true, false, 0, 0, {}, true},
        {"minibatch_size", Kind::kInt, 35, false, 1, 10000, {}, true},
        {"minibatch_full_eval_steps", Kind::kInt, 5, false, 1, 1000, {}, true},
        {"program_aware_proposer", Kind::kBool, true, false, 0, 0, {}, true},
        {"data_aware_proposer", Kind::kBool, true, false, 0, 0, {}, true},
        {"view_data_batch_size", Kind::kInt, 10, false, 1, 1000, {}, true},
        {"tip_aware_proposer", Kind::kBool, true, false, 0, 0, {}, true},
        {"fewshot_aware_proposer", Kind::kBool, true, false, 0, 0, {}, true},
    };
  }
  if (type == "KNNFewShot") {
    std::vector<ParamSpec> p = {
        {"k", Kind::kInt, 3, false, 1, 1000},
        {"embedder_model", Kind::kString, "openai/text-embedding-3-small"},
    };
    for (ParamSpec& s : BootstrapParams(16)) p.push_back(std::move(s));
    return p;
  }
  return {};
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + items[i];
  return out;
}

// The validated value of `given` for `spec`, or a message.
std::optional<std::string> CheckValue(const ParamSpec& spec, const Json& given) {
  if (given.is_null()) {
    return spec.nullable ? std::nullopt : std::optional<std::string>("must not be null");
  }
  auto range = [&](double v) -> std::optional<std::string> {
    if (v < spec.lo || v > spec.hi) {
      return "must be between " + Json(spec.lo).dump() + " and " + Json(spec.hi).dump();
    }
    return std::nullopt;
  };
  switch (spec.kind) {
    case Kind::kInt:
      if (!given.is_number() || given.is_boolean()) return "must be an integer";
      if (given.is_number_float()) {
        double d = given.get<double>();
        if (!std::isfinite(d) || std::floor(d) != d) return "must be an integer";
      }
      return range(given.get<double>());
    case Kind::kNumber:
      if (!given.is_number() || given.is_boolean()) return "must be a number";
      return range(given.get<double>());
    case Kind::kBool:
      return given.is_boolean() ? std::nullopt : std::optional<std::string>("must be a boolean");
    case Kind::kString:
      if (!given.is_string() || given.get_ref<const std::string&>().empty() ||
          given.get_ref<const std::string&>().size() > 256) {
        return "must be a non-empty string of at most 256 characters";
      }
      return std::nullopt;
    case Kind::kEnum:
      for (const std::string& c : spec.choices) {
        if (given.is_string() && given.get_ref<const std::string&>() == c) return std::nullopt;
      }
      return "must be one of: " + Join(spec.choices) + (spec.nullable ? " (or null)" : "");
  }
  return "invalid";
}

}  // namespace

Json OptimizerConfig::ToJson() const {
  Json out = Json::object();
  out["type"] = type;
  for (const OptimizerParam& p : params) {
    if (!(p.native_only && p.value.is_null())) out[p.name] = p.value;
  }
  return out;
}

Json OptimizerConfig::Get(std::string_view name) const {
  for (const OptimizerParam& p : params) {
    if (p.name == name) return p.value;
  }
  return nullptr;
}

bool OptimizerConfig::Given(std::string_view name) const {
  for (const OptimizerParam& p : params) {
    if (p.name == name) return p.given;
  }
  return false;
}

const std::vector<std::string>& OptimizerTypes() {
  static const std::vector<std::string> kTypes = {"LabeledFewShot", "BootstrapFewShot",
                                                  "BootstrapFewShotWithRandomSearch", "MIPROv2",
                                                  "KNNFewShot"};
  return kTypes;
}

Result<OptimizerConfig> NormalizeOptimizerConfig(const Json& config,
                                                 std::vector<std::string> loc_prefix) {
  Validation v;
  auto loc = [&](const std::string& key) {
    std::vector<std::string> l = loc_prefix;
    l.push_back(key);
    return l;
  };
  if (!config.is_object()) {
    v.Add(loc_prefix, "optimizer must be an object with a \"type\"", "type_error");
    return v.ToStatus();
  }
  auto type_it = config.find("type");
  if (type_it == config.end() || !type_it->is_string()) {
    v.Add(loc("type"), "optimizer type is required, one of: " + Join(OptimizerTypes()), "missing");
    return v.ToStatus();
  }
  std::string type = type_it->get<std::string>();
  if (type == "MIPRO") type = "MIPROv2";
  std::vector<ParamSpec> specs = SpecsFor(type);
  if (specs.empty()) {
    v.Add(loc("type"), "unknown optimizer " + Json(type).dump() + "; expected one of: " +
                           Join(OptimizerTypes()), "enum");
    return v.ToStatus();
  }
  for (auto it = config.begin(); it != config.end(); ++it) {
    if (it.key() == "type") continue;
    bool known = false;
    for (const ParamSpec& s : specs) known |= it.key() == s.name;
    if (!known) v.Add(loc(it.key()), "unknown parameter for " + type, "extra_forbidden");
  }
  OptimizerConfig out;
  out.type = type;
  for (const ParamSpec& s : specs) {
    auto it = config.find(s.name);
    Json value = s.default_value;
    if (it != config.end()) {
      if (auto msg = CheckValue(s, *it)) {
        v.Add(loc(s.name), std::string(s.name) + " " + *msg, "value_error");
        continue;
      }
      value = *it;
      if (s.kind == Kind::kInt && value.is_number_float()) value = static_cast<int64_t>(value.get<double>());
    }
    out.params.push_back({s.name, value, s.compile_arg, s.native_only, it != config.end()});
  }
  if (type == "MIPROv2" && v.ok()) {
    bool has_auto = !out.Get("auto").is_null();
    bool has_candidates = !out.Get("num_candidates").is_null();
    bool has_trials = !out.Get("num_trials").is_null();
    if (has_auto && (has_candidates || has_trials)) {
      v.Add(loc("auto"), "MIPROv2: when auto is set, num_candidates and num_trials must be null",
            "value_error");
    } else if (!has_auto && !(has_candidates && has_trials)) {
      v.Add(loc("auto"), "MIPROv2: when auto is null, num_candidates and num_trials are required",
            "value_error");
    }
  }
  if (!v.ok()) return v.ToStatus();
  return out;
}

}  // namespace exemplar::dspy
