#include "service/templates/dspy/metric_code.h"

#include "service/templates/dspy/python.h"

namespace exemplar::dspy {
namespace {

std::string NameTuple(const std::vector<SignatureField>& fields) {
  std::string out = "(";
  for (const SignatureField& f : fields) out += PyStringLiteral(f.name) + ", ";
  if (fields.size() == 1) out.resize(out.size() - 1);  // ("a",)
  else if (!fields.empty()) out.resize(out.size() - 2);
  return out + ")";
}

constexpr const char* kCommon = R"PY(
_PUNCTUATION = frozenset(string.punctuation)


def _normalize_text(text):
    """DSPy's normalize_text (dspy/evaluate/metrics.py): NFD, lower case, ASCII punctuation
    removed, articles removed, whitespace collapsed."""
    text = unicodedata.normalize("NFD", text).lower()
    text = "".join(ch for ch in text if ch not in _PUNCTUATION)
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())


def _as_text(value):
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _field(obj, name):
    """obj[name] for a dspy.Example / dspy.Prediction, None when absent."""
    try:
        return obj[name]
    except (KeyError, IndexError, TypeError, AttributeError):
        return None


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _exact(gold, pred):
    if _is_number(gold) and _is_number(pred):
        return 1.0 if gold == pred else 0.0
    return 1.0 if _normalize_text(_as_text(pred)) == _normalize_text(_as_text(gold)) else 0.0
)PY";

constexpr const char* kExactMatch = R"PY(

def _field_score(gold, pred):
    return _exact(gold, pred)
)PY";

constexpr const char* kF1 = R"PY(

def _f1(pred_text, gold_text):
    """DSPy's f1_score: token F1 of the normalised texts (except that two texts which are both
    empty after normalisation score 1.0, where DSPy returns 0.0)."""
    pred_tokens = _normalize_text(pred_text).split()
    gold_tokens = _normalize_text(gold_text).split()
    if not pred_tokens and not gold_tokens:
        return 1.0
    common = collections.Counter(pred_tokens) & collections.Counter(gold_tokens)
    same = sum(common.values())
    if same == 0:
        return 0.0
    precision = same / len(pred_tokens)
    recall = same / len(gold_tokens)
    return 2 * precision * recall / (precision + recall)


def _field_score(gold, pred):
    return _f1(_as_text(pred), _as_text(gold))
)PY";

constexpr const char* kContains = R"PY(

def _field_score(gold, pred):
    return 1.0 if _normalize_text(_as_text(gold)) in _normalize_text(_as_text(pred)) else 0.0
)PY";

constexpr const char* kJsonFields = R"PY(

def _parse_json(value):
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value.strip()
    return value


def _json_equal(a, b):
    if _is_number(a) and _is_number(b):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_json_equal(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_json_equal(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def _field_score(gold, pred):
    return 1.0 if _json_equal(_parse_json(gold), _parse_json(pred)) else 0.0
)PY";

constexpr const char* kNumericClose = R"PY(

NUMERIC_REL_TOL = 0.01
NUMERIC_ABS_TOL = 1e-06


def _as_number(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip().replace(",", ""))
        except ValueError:
            return None
    return None


def _field_score(gold, pred):
    """Numbers within NUMERIC_REL_TOL / NUMERIC_ABS_TOL; non-numeric fields: exact match."""
    gold_number, pred_number = _as_number(gold), _as_number(pred)
    if gold_number is None or pred_number is None:
        return _exact(gold, pred)
    close = math.isclose(pred_number, gold_number, rel_tol=NUMERIC_REL_TOL, abs_tol=NUMERIC_ABS_TOL)
    return 1.0 if close else 0.0
)PY";

constexpr const char* kFieldwiseMetric = R"PY(

def metric(example, pred, trace=None):
    """The per-field score averaged over the output fields the example has, in [0, 1].

    While an optimizer bootstraps (trace is not None) returns score >= PASS_THRESHOLD.
    """
    scores = []
    for name in OUTPUT_FIELDS:
        gold = _field(example, name)
        if gold is None:
            continue
        pred_value = _field(pred, name)
        scores.append(0.0 if pred_value is None else _field_score(gold, pred_value))
    score = sum(scores) / len(scores) if scores else 0.0
    if trace is not None:
        return score >= PASS_THRESHOLD
    return score
)PY";

constexpr const char* kLlmJudge = R"PY(

class _JudgeSignature(dspy.Signature):
    """Judge whether the predicted output fields are correct for the task inputs, using the
    expected output fields as the reference. Score 1.0 when fully correct, 0.0 when wrong."""

    task_inputs: str = dspy.InputField(desc="the task inputs, as JSON")
    expected_output: str = dspy.InputField(desc="the reference output fields, as JSON")
    predicted_output: str = dspy.InputField(desc="the output fields to judge, as JSON")
    score: float = dspy.OutputField(desc="correctness from 0.0 (wrong) to 1.0 (fully correct)")


def _fields_json(obj, names):
    return json.dumps({name: _field(obj, name) for name in names}, ensure_ascii=False, default=str)


def metric(example, pred, trace=None):
    """An LM judge (the configured dspy LM) scores the prediction against the example, in [0, 1].

    While an optimizer bootstraps (trace is not None) returns score >= PASS_THRESHOLD.
    """
    # A fresh trace keeps the judge's own calls out of the optimizer's bootstrapping trace.
    with dspy.context(trace=[]):
        verdict = dspy.ChainOfThought(_JudgeSignature)(
            task_inputs=_fields_json(example, INPUT_FIELDS),
            expected_output=_fields_json(example, OUTPUT_FIELDS),
            predicted_output=_fields_json(pred, OUTPUT_FIELDS),
        )
    try:
        score = min(1.0, max(0.0, float(verdict.score)))
    except (TypeError, ValueError):
        score = 0.0
    if trace is not None:
        return score >= PASS_THRESHOLD
    return score
)PY";

}  // namespace

std::vector<std::string> MetricImports(MetricKind metric) {
  std::vector<std::string> mods = {"json", "re", "string", "unicodedata"};
  if (metric == MetricKind::kF1) mods.insert(mods.begin(), "collections");
  if (metric == MetricKind::kNumericClose) mods.insert(mods.begin() + 1, "math");
  return mods;
}

double PassThreshold(MetricKind metric) {
  return metric == MetricKind::kF1 || metric == MetricKind::kLlmJudge ? 0.5 : 1.0;
}

std::string RenderMetric(const SignatureSpec& spec, MetricKind metric) {
  const std::string threshold = PassThreshold(metric) == 0.5 ? "0.5" : "1.0";
  std::string out;
  out += "INPUT_FIELDS = " + NameTuple(spec.inputs) + "\n";
  out += "OUTPUT_FIELDS = " + NameTuple(spec.outputs) + "\n";
  out += "# Score an optimizer requires of a bootstrapped demo (metric returns a bool then).\n";
  out += "PASS_THRESHOLD = " + threshold + "\n";
  out += kCommon;
  switch (metric) {
    case MetricKind::kExactMatch: out += kExactMatch; break;
    case MetricKind::kF1: out += kF1; break;
    case MetricKind::kContains: out += kContains; break;
    case MetricKind::kJsonFields: out += kJsonFields; break;
    case MetricKind::kNumericClose: out += kNumericClose; break;
    case MetricKind::kLlmJudge: out += kLlmJudge; return out;
  }
  out += kFieldwiseMetric;
  return out;
}

}  // namespace exemplar::dspy
