// Metrics: how well a prediction matches an example's expected outputs, in [0, 1].
// Text metrics follow DSPy's dspy/evaluate/metrics.py (reference/dspy.md §6).
//
// A metric over a whole prediction is the MEAN over the signature's output fields that the
// example's expected output has (fields the gold lacks are skipped; no gold field at all = 0).
// Values are compared as text (Python's str(v): strings as is, lists/dicts as JSON), except by
// json_fields and numeric_close. A gold list of strings in a `str` field counts as a list of
// acceptable answers (max over them), as in DSPy's answer_exact_match.
//  - exact_match: NormalizeText(pred) == NormalizeText(gold).
//  - f1: DSPy's token-level F1 of the normalized texts.
//  - contains: the gold's normalized tokens occur contiguously in the prediction's.
//  - json_fields: JSON-aware equality: objects key by key, arrays item by item, numbers by value,
//    strings (and mixed types) by normalized text.
//  - numeric_close: |pred - gold| <= max(rel_tol * |gold|, abs_tol) on the first number of each
//    side (params rel_tol = 0.05, abs_tol = 1e-9); fields whose gold is not a number use
//    exact_match.
//  - llm_judge: ONE call to the run's LM per prediction (not per field) with a fixed grading
//    prompt in ChatAdapter form (JudgeSignature); the reply's `score` (or first number), clamped
//    to [0, 1]. Errors (LM failure, no number) are metric errors.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "common/json_util.h"
#include "common/status.h"
#include "lm/lm.h"
#include "service/templates/dspy/signature.h"

namespace exemplar::optimize {

// DSPy's normalize_text: lower-case, drop ASCII punctuation, drop the words a/an/the, collapse
// whitespace. Deviations: no NFD normalisation, and lower-casing covers ASCII, Latin-1, Latin
// Extended-A, Greek and Cyrillic only.
std::string NormalizeText(std::string_view text);
// em_score and f1_score (0 when nothing is shared, including two empty texts).
bool ExactMatch(std::string_view prediction, std::string_view gold);
double F1(std::string_view prediction, std::string_view gold);

struct MetricInput {
  const dspy::SignatureSpec& spec;  // the task signature (outputs scored; no `reasoning`)
  const Json& inputs;
  const Json& gold;        // expected outputs {field: value}
  const Json& prediction;  // parsed outputs {field: value}
  lm::Lm* lm = nullptr;    // the run's LM, for llm_judge
  double temperature = 0;
};

using MetricFn = std::function<Result<double>(const MetricInput&)>;

struct Metric {
  std::string name;
  MetricFn fn;
  // A bootstrapped trace is kept only when score >= this (dspy::PassThreshold): the rule of the
  // exported metric under a trace, so native runs and DSPy keep the same demos.
  double pass_threshold = 1.0;
};

// The metric names MakeMetric accepts.
const std::vector<std::string>& MetricNames();

// A metric by name. params: numeric_close takes {"rel_tol", "abs_tol"} (numbers >= 0); the
// others take none. Errors: kInvalidArgument for an unknown name or bad params.
Result<Metric> MakeMetric(const std::string& name, const Json& params = Json::object());
// The same without the pass threshold (internal).
Result<Metric> MakeMetricFn(const std::string& name, const Json& params);

// The grading signature llm_judge renders: inputs task, inputs, expected_output,
// predicted_output; output score (float).
dspy::SignatureSpec JudgeSignature();

}  // namespace exemplar::optimize
