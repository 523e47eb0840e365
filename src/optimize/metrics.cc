#include "optimize/metrics.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <regex>

#include "lm/chat_adapter.h"
#include "lm/value_format.h"
#include "service/templates/dspy/export_options.h"
#include "service/templates/dspy/metric_code.h"

namespace exemplar::optimize {
namespace {

using FieldScorer = std::function<double(const Json& pred, const Json& gold)>;

std::vector<std::string> Words(std::string_view text) {
  std::vector<std::string> out;
  std::string norm = NormalizeText(text), cur;
  for (char c : norm) {
    if (c == ' ') {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

// A gold list of strings in a str field = several acceptable answers.
std::vector<Json> Answers(const dspy::SignatureField& field, const Json& gold) {
  if (field.python_type == "str" && gold.is_array() && !gold.empty() &&
      std::all_of(gold.begin(), gold.end(), [](const Json& g) { return g.is_string(); })) {
    return std::vector<Json>(gold.begin(), gold.end());
  }
  return {gold};
}

MetricFn PerField(FieldScorer scorer) {
  return [scorer](const MetricInput& in) -> Result<double> {
    double sum = 0;
    int fields = 0;
    for (const dspy::SignatureField& f : in.spec.outputs) {
      if (!in.gold.is_object() || !in.gold.contains(f.name)) continue;
      ++fields;
      if (!in.prediction.is_object() || !in.prediction.contains(f.name)) continue;
      double best = 0;
      for (const Json& g : Answers(f, in.gold[f.name])) {
        best = std::max(best, scorer(in.prediction[f.name], g));
      }
      sum += best;
    }
    return fields ? sum / fields : 0.0;
  };
}

bool Contains(const Json& pred, const Json& gold) {
  std::vector<std::string> p = Words(lm::PyStr(pred)), g = Words(lm::PyStr(gold));
  if (g.empty()) return p.empty();
  return std::search(p.begin(), p.end(), g.begin(), g.end()) != p.end();
}

bool JsonEquivalent(const Json& a, const Json& b) {
  if (a.is_object() && b.is_object()) {
    if (a.size() != b.size()) return false;
    for (auto it = a.begin(); it != a.end(); ++it) {
      auto other = b.find(it.key());
      if (other == b.end() || !JsonEquivalent(it.value(), *other)) return false;
    }
    return true;
  }
  if (a.is_array() && b.is_array()) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (!JsonEquivalent(a[i], b[i])) return false;
    }
    return true;
  }
  if (a.is_number() && b.is_number()) {
    double x = a.get<double>(), y = b.get<double>();
    return std::fabs(x - y) <= 1e-9 * std::max({1.0, std::fabs(x), std::fabs(y)});
  }
  return ExactMatch(lm::PyStr(a), lm::PyStr(b));
}

std::optional<double> FirstNumber(const Json& v) {
  if (v.is_number()) return v.get<double>();
  if (!v.is_string()) return std::nullopt;
  static const std::regex kNumber(R"([-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?|[-+]?\.\d+)");
  const std::string& s = v.get_ref<const std::string&>();
  std::smatch m;
  if (!std::regex_search(s, m, kNumber)) return std::nullopt;
  std::string digits;
  for (char c : m.str()) {
    if (c != ',') digits += c;
  }
  return std::strtod(digits.c_str(), nullptr);
}

std::string FieldsText(const std::vector<dspy::SignatureField>& fields, const Json& values) {
  if (fields.size() == 1) {
    return values.contains(fields[0].name) ? lm::FormatFieldValue(fields[0], values[fields[0].name]) : "";
  }
  std::string out;
  for (const dspy::SignatureField& f : fields) {
    if (!values.is_object() || !values.contains(f.name)) continue;
    out += f.name + ": " + lm::FormatFieldValue(f, values[f.name]) + "\n";
  }
  return out;
}

Result<double> Judge(const MetricInput& in) {
  if (in.lm == nullptr) return Status::FailedPrecondition("llm_judge needs an LM");
  dspy::SignatureSpec judge = JudgeSignature();
  Json inputs = {{"task", in.spec.instructions},
                 {"inputs", FieldsText(in.spec.inputs, in.inputs)},
                 {"expected_output", FieldsText(in.spec.outputs, in.gold)},
                 {"predicted_output", FieldsText(in.spec.outputs, in.prediction)}};
  lm::LmRequest req;
  req.messages = lm::FormatChat(judge, {}, inputs);
  req.temperature = 0;
  req.max_tokens = 256;
  EXEMPLAR_ASSIGN_OR_RETURN(lm::LmResponse resp, in.lm->Complete(req));
  std::optional<double> score;
  Result<Json> parsed = lm::ParseChatReply(judge, resp.text);
  if (parsed.ok()) score = (*parsed)["score"].get<double>();
  if (!score) score = FirstNumber(Json(resp.text));
  if (!score || !std::isfinite(*score)) {
    return Status::InvalidArgument("llm_judge: the judge's reply holds no score");
  }
  return std::clamp(*score, 0.0, 1.0);
}

dspy::SignatureField StrField(const std::string& name, const std::string& type, const std::string& desc) {
  dspy::SignatureField f;
  f.name = name;
  f.schema_type = type == "float" ? "number" : "string";
  f.python_type = type;
  f.description = desc;
  f.desc = desc;
  return f;
}

}  // namespace

const std::vector<std::string>& MetricNames() {
  static const std::vector<std::string> kNames = {"exact_match", "f1", "contains", "json_fields",
                                                  "numeric_close", "llm_judge"};
  return kNames;
}

dspy::SignatureSpec JudgeSignature() {
  dspy::SignatureSpec spec;
  spec.class_name = "JudgeOutput";
  spec.instructions =
      "Grade how well the predicted output matches the expected output for the task below. Judge "
      "meaning, not wording: 1 means fully correct and equivalent, 0 means wrong or missing; use "
      "values in between for partially correct answers.";
  spec.inputs = {StrField("task", "str", "what the program was asked to do"),
                 StrField("inputs", "str", "the task inputs"),
                 StrField("expected_output", "str", "the reference answer"),
                 StrField("predicted_output", "str", "the answer to grade")};
  spec.outputs = {StrField("score", "float", "a number between 0 and 1")};
  return spec;
}

Result<Metric> MakeMetric(const std::string& name, const Json& params) {
  EXEMPLAR_ASSIGN_OR_RETURN(Metric m, MakeMetricFn(name, params));
  if (auto kind = dspy::ParseMetric(name)) m.pass_threshold = dspy::PassThreshold(*kind);
  return m;
}

Result<Metric> MakeMetricFn(const std::string& name, const Json& params) {
  if (!params.is_null() && !params.is_object()) {
    return Status::InvalidArgument("metric params must be an object");
  }
  Json p = params.is_object() ? params : Json::object();
  std::vector<std::string> allowed;
  if (name == "numeric_close") allowed = {"rel_tol", "abs_tol"};
  for (auto it = p.begin(); it != p.end(); ++it) {
    if (std::find(allowed.begin(), allowed.end(), it.key()) == allowed.end()) {
      return Status::InvalidArgument("unknown parameter \"" + it.key() + "\" for metric " + name);
    }
    if (!it->is_number() || it->get<double>() < 0) {
      return Status::InvalidArgument("metric parameter " + it.key() + " must be a number >= 0");
    }
  }
  if (name == "exact_match") {
    return Metric{name, PerField([](const Json& p, const Json& g) {
                    return ExactMatch(lm::PyStr(p), lm::PyStr(g)) ? 1.0 : 0.0;
                  })};
  }
  if (name == "f1") {
    return Metric{name, PerField([](const Json& p, const Json& g) { return F1(lm::PyStr(p), lm::PyStr(g)); })};
  }
  if (name == "contains") {
    return Metric{name, PerField([](const Json& p, const Json& g) { return Contains(p, g) ? 1.0 : 0.0; })};
  }
  if (name == "json_fields") {
    return Metric{name, PerField([](const Json& p, const Json& g) { return JsonEquivalent(p, g) ? 1.0 : 0.0; })};
  }
  if (name == "numeric_close") {
    double rel = p.value("rel_tol", 0.05), abs_tol = p.value("abs_tol", 1e-9);
    return Metric{name, PerField([rel, abs_tol](const Json& pred, const Json& gold) {
                    std::optional<double> g = FirstNumber(gold);
                    if (!g) return ExactMatch(lm::PyStr(pred), lm::PyStr(gold)) ? 1.0 : 0.0;
                    std::optional<double> v = FirstNumber(pred);
                    if (!v) return 0.0;
                    return std::fabs(*v - *g) <= std::max(rel * std::fabs(*g), abs_tol) ? 1.0 : 0.0;
                  })};
  }
  if (name == "llm_judge") return Metric{name, Judge};
  std::string names;
  for (const std::string& n : MetricNames()) names += (names.empty() ? "" : ", ") + n;
  return Status::InvalidArgument("unknown metric \"" + name + "\"; expected one of: " + names);
}

}  // namespace exemplar::optimize
