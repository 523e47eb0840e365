// Python source of the evaluation metrics offered by exports (SPEC §4.5 metric names). Each
// metric compares every output field of the signature (the ones the gold example has) and
// averages, using DSPy's normalize_text / F1 tokenisation (reference/dspy.md §6); DSPy's own
// answer_exact_match only reads a field named `answer`, so it is not used.
#pragma once

#include <string>
#include <vector>

#include "service/templates/dspy/export_options.h"
#include "service/templates/dspy/signature.h"

namespace exemplar::dspy {

// Standard-library modules the metric code needs (e.g. {"json", "re", "string",
// "unicodedata"}), sorted.
std::vector<std::string> MetricImports(MetricKind metric);

// Module-level Python defining INPUT_FIELDS, OUTPUT_FIELDS, PASS_THRESHOLD, helpers and
// `def metric(example, pred, trace=None)`, which returns a float in [0, 1] when trace is None
// (evaluation) and `score >= PASS_THRESHOLD` while an optimizer bootstraps. Ends with "\n".
std::string RenderMetric(const SignatureSpec& spec, MetricKind metric);

// The score a bootstrapped demo must reach: the exported metric returns score >= this under a
// trace, and the native optimizers apply the same rule (1.0 for the all-or-nothing metrics, 0.5
// for f1 and llm_judge).
double PassThreshold(MetricKind metric);

}  // namespace exemplar::dspy
