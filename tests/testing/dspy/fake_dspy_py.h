// Test-only: the source of a stand-in `dspy` package that generated code is imported against.
//
// Real DSPy cannot be installed in this environment (no PyPI), so this stub is the best local
// proof that generated modules run: it mimics the DSPy 3.3 API surface the generated code uses,
// with DSPy's checks where they matter (reference/dspy.md): signature field rules and
// `instructions = inspect.cleandoc(__doc__)`; ChainOfThought's `reasoning` output first among
// outputs; named_parameters() naming; Example/with_inputs/inputs; Module.load() acceptance
// rules (metadata keys, per-predictor `signature`/`lm`, made STRICT about the field count);
// the keyword arguments each optimizer's constructor and compile() accept; Evaluate.
// When pydantic is importable, field definitions are also checked by a real pydantic model.
// Predictions come from `dspy.ORACLE(predictor, inputs) -> dict`, set by the test harness.
#pragma once

namespace exemplar::dspy::testing {

inline constexpr const char* kFakeDspyPy = R"PY(
"""Stand-in for the dspy package (Exemplar unit tests only; see fake_dspy_py.h)."""
import contextlib
import inspect
import json
import re
import warnings

try:
    import pydantic
except ImportError:  # the checks below still run, without pydantic's
    pydantic = None

ORACLE = None
SETTINGS = {}
LOG = []

_RESERVED = {"instructions", "signature", "fields", "input_fields", "output_fields",
             "model_config", "model_dump", "model_validate"}


def infer_prefix(attribute_name):
    s1 = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", attribute_name)
    intermediate_name = re.sub("([a-z0-9])([A-Z])", r"\1_\2", s1)
    with_numbers = re.sub(r"([a-zA-Z])(\d)", r"\1_\2", intermediate_name)
    with_numbers = re.sub(r"(\d)([a-zA-Z])", r"\1_\2", with_numbers)
    words = with_numbers.split("_")
    return " ".join(w if w.isupper() else w.capitalize() for w in words)


class _FieldInfo:
    def __init__(self, kind, kwargs):
        self.kind = kind
        self.desc = kwargs.pop("desc", None)
        self.prefix = kwargs.pop("prefix", None)
        if kwargs:
            raise TypeError("unexpected field arguments: %r" % sorted(kwargs))


def InputField(**kwargs):
    return _FieldInfo("input", kwargs)


def OutputField(**kwargs):
    return _FieldInfo("output", kwargs)


class _Field:
    def __init__(self, name, annotation, info):
        self.name = name
        self.annotation = annotation
        self.kind = info.kind
        self.desc = info.desc if info.desc is not None else "${%s}" % name
        self.prefix = info.prefix if info.prefix is not None else infer_prefix(name) + ":"


class SignatureMeta(type):
    def __new__(mcs, name, bases, namespace):
        annotations = namespace.get("__annotations__", {})
        fields = []
        for key, annotation in annotations.items():
            info = namespace.get(key)
            if not isinstance(info, _FieldInfo):
                raise TypeError("%s: field %s is not an InputField/OutputField" % (name, key))
            if key.startswith("_"):
                raise NameError("%s: field %s starts with an underscore" % (name, key))
            if key in _RESERVED:
                raise ValueError("%s: field name %s is reserved" % (name, key))
            if annotation not in (str, int, float, bool, list, dict):
                raise TypeError("%s: unexpected annotation %r" % (name, annotation))
            fields.append(_Field(key, annotation, info))
        inputs = [f.name for f in fields if f.kind == "input"]
        outputs = [f.name for f in fields if f.kind == "output"]
        if set(inputs) & set(outputs):
            raise ValueError("Input and output fields must have distinct names")
        if pydantic is not None and fields:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                pydantic.create_model(
                    name + "Check",
                    **{f.name: (f.annotation, pydantic.Field(json_schema_extra={"desc": f.desc}))
                       for f in fields})
            for w in caught:
                LOG.append("pydantic warning: %s" % w.message)
        cls = super().__new__(mcs, name, bases, namespace)
        cls.input_fields = {f.name: f for f in fields if f.kind == "input"}
        cls.output_fields = {f.name: f for f in fields if f.kind == "output"}
        doc = namespace.get("__doc__")
        if doc:
            cls.instructions = inspect.cleandoc(doc)
        else:
            cls.instructions = "Given the fields %s, produce the fields %s." % (
                ", ".join("`%s`" % n for n in inputs), ", ".join("`%s`" % n for n in outputs))
        return cls


class Signature(metaclass=SignatureMeta):
    pass


class Example:
    def __init__(self, base=None, **kwargs):
        object.__setattr__(self, "_store", {})
        object.__setattr__(self, "_input_keys", None)
        if isinstance(base, Example):
            self._store.update(base._store)
        elif isinstance(base, dict):
            self._store.update(base)
        elif base is not None:
            raise TypeError("base must be an Example or a dict")
        self._store.update(kwargs)

    def __getattr__(self, key):
        if key.startswith("__") or key in ("_store", "_input_keys"):
            raise AttributeError(key)
        try:
            return self._store[key]
        except KeyError:
            raise AttributeError(key) from None

    def __getitem__(self, key):
        return self._store[key]

    def __contains__(self, key):
        return key in self._store

    def keys(self):
        return list(self._store.keys())

    def toDict(self):
        return dict(self._store)

    def with_inputs(self, *keys):
        copy = Example(self)
        object.__setattr__(copy, "_input_keys", set(keys))
        return copy

    def inputs(self):
        if self._input_keys is None:
            raise ValueError("inputs() before with_inputs()")
        return Example({k: v for k, v in self._store.items() if k in self._input_keys})

    def labels(self):
        return Example({k: v for k, v in self._store.items() if k not in (self._input_keys or ())})


class Prediction(Example):
    pass


class Predict:
    def __init__(self, signature, _extra_outputs=()):
        if not isinstance(signature, SignatureMeta):
            raise TypeError("Predict needs a Signature class")
        self.signature = signature
        self.instructions = signature.instructions
        extra = [_Field(name, str, OutputField()) for name in _extra_outputs]
        self.fields = (list(signature.input_fields.values()) + extra +
                       list(signature.output_fields.values()))
        self.demos = []
        self.traces = []
        self.train = []
        self.lm = None

    def __call__(self, *args, **kwargs):
        if args:
            raise ValueError("positional arguments are not allowed")
        unknown = set(kwargs) - set(self.signature.input_fields)
        if unknown:
            raise ValueError("unknown inputs %r" % sorted(unknown))
        if ORACLE is None:
            raise RuntimeError("no LM: dspy.ORACLE is not set")
        return Prediction(**ORACLE(self, dict(kwargs)))

    def dump_state(self):
        return {"traces": [], "train": [], "demos": [d.toDict() if isinstance(d, Example) else d
                                                   for d in self.demos],
                "signature": {"instructions": self.instructions,
                              "fields": [{"prefix": f.prefix, "description": f.desc}
                                         for f in self.fields]},
                "lm": None}

    def load_state(self, state):
        if "extended_signature" in state:
            raise NotImplementedError("extended_signature")
        for key, value in state.items():
            if key not in ("signature", "extended_signature", "lm"):
                setattr(self, key, value)
        signature, _ = state["signature"], state["lm"]
        self.instructions = signature["instructions"]
        if len(signature["fields"]) != len(self.fields):  # DSPy zips with strict=False
            raise ValueError("state has %d fields, the signature %d" % (
                len(signature["fields"]), len(self.fields)))
        for field, entry in zip(self.fields, signature["fields"]):
            field.prefix, field.desc = entry["prefix"], entry["description"]


class Module:
    def __init__(self, callbacks=None):
        self.callbacks = callbacks or []
        self._compiled = False

    def __call__(self, *args, **kwargs):
        if args:
            raise ValueError("positional arguments are not allowed")
        return self.forward(**kwargs)

    def named_parameters(self):
        found = []

        def walk(obj, prefix):
            for name, value in obj.__dict__.items():
                if isinstance(value, Predict):
                    found.append((prefix + name, value))
                elif isinstance(value, Module) and not value._compiled:
                    walk(value, prefix + name + ".")
        walk(self, "")
        return found

    def named_predictors(self):
        return self.named_parameters()

    def predictors(self):
        return [p for _, p in self.named_parameters()]

    def dump_state(self):
        return {name: p.dump_state() for name, p in self.named_parameters()}

    def save(self, path):
        state = self.dump_state()
        state["metadata"] = {"dependency_versions": {"python": "3.11", "dspy": "3.3.1",
                                                     "cloudpickle": "3.1"}}
        with open(path, "w", encoding="utf-8") as f:
            json.dump(state, f, indent=2, ensure_ascii=False)

    def load(self, path):
        with open(path, encoding="utf-8") as f:
            state = json.load(f)
        for key in state["metadata"]["dependency_versions"]:
            if key not in ("python", "dspy", "cloudpickle"):
                raise KeyError(key)
        for name, predictor in self.named_parameters():
            predictor.load_state(state[name])


class ChainOfThought(Module):
    def __init__(self, signature, rationale_field=None, rationale_field_type=str, **config):
        super().__init__()
        self.predict = Predict(signature, _extra_outputs=("reasoning",))

    def forward(self, **kwargs):
        return self.predict(**kwargs)


class LM:
    def __init__(self, model, **kwargs):
        if not isinstance(model, str) or not model:
            raise TypeError("model must be a non-empty string")
        self.model = model
        self.kwargs = kwargs


class Embedder:
    def __init__(self, model, batch_size=200, caching=True, **kwargs):
        self.model = model


def configure(**kwargs):
    SETTINGS.update(kwargs)


@contextlib.contextmanager
def context(**kwargs):
    saved = dict(SETTINGS)
    SETTINGS.update(kwargs)
    try:
        yield
    finally:
        SETTINGS.clear()
        SETTINGS.update(saved)


class Evaluate:
    def __init__(self, *, devset, metric=None, num_threads=None, display_progress=False,
                 display_table=False, max_errors=None, provide_traceback=None, failure_score=0.0,
                 save_as_csv=None, save_as_json=None):
        self.devset, self.metric = devset, metric

    def __call__(self, program, metric=None, devset=None, **kwargs):
        metric, devset = metric or self.metric, devset or self.devset
        scores = [metric(example, program(**example.inputs())) for example in devset]
        score = round(100 * sum(scores) / len(devset), 2)  # as DSPy: ZeroDivisionError on an empty devset
        LOG.append("evaluate %s" % score)
        return score


class _Optimizer:
    CTOR = set()
    COMPILE = set()

    def __init__(self, **kwargs):
        unknown = set(kwargs) - self.CTOR
        if unknown:
            raise TypeError("%s() got unexpected arguments %r" % (type(self).__name__, sorted(unknown)))
        self.kwargs = kwargs

    def compile(self, student, **kwargs):
        unknown = set(kwargs) - self.COMPILE
        if unknown:
            raise TypeError("%s.compile() got unexpected arguments %r" % (
                type(self).__name__, sorted(unknown)))
        if "trainset" not in kwargs:
            raise TypeError("compile() needs trainset")
        if not kwargs["trainset"] and type(self).__name__ != "LabeledFewShot":
            # DSPy's bootstrapping optimizers fail on an empty trainset (LabeledFewShot returns the student).
            raise UnboundLocalError("%s.compile() on an empty trainset" % type(self).__name__)
        metric = self.kwargs.get("metric")
        for example in kwargs["trainset"]:
            prediction = student(**example.inputs())
            if metric is not None and metric(example, prediction, []) is not True:
                raise AssertionError("metric rejected a perfect prediction")
        LOG.append("compiled with %s" % type(self).__name__)
        return student


_BOOTSTRAP = {"metric", "metric_threshold", "teacher_settings", "max_bootstrapped_demos",
              "max_labeled_demos", "max_rounds", "max_errors"}


class LabeledFewShot(_Optimizer):
    CTOR = {"k"}
    COMPILE = {"trainset", "sample"}


class BootstrapFewShot(_Optimizer):
    CTOR = _BOOTSTRAP
    COMPILE = {"teacher", "trainset"}


class BootstrapFewShotWithRandomSearch(_Optimizer):
    CTOR = _BOOTSTRAP | {"num_candidate_programs", "num_threads", "stop_at_score"}
    COMPILE = {"teacher", "trainset", "valset", "restrict", "labeled_sample"}


class MIPROv2(_Optimizer):
    CTOR = {"metric", "prompt_model", "task_model", "teacher_settings", "max_bootstrapped_demos",
            "max_labeled_demos", "auto", "num_candidates", "num_threads", "max_errors", "seed",
            "init_temperature", "verbose", "track_stats", "log_dir", "metric_threshold"}
    COMPILE = {"trainset", "teacher", "valset", "num_trials", "max_bootstrapped_demos",
               "max_labeled_demos", "seed", "minibatch", "minibatch_size",
               "minibatch_full_eval_steps", "program_aware_proposer", "data_aware_proposer",
               "view_data_batch_size", "tip_aware_proposer", "fewshot_aware_proposer",
               "provide_traceback"}

    def compile(self, student, **kwargs):
        if self.kwargs.get("auto") is not None:
            if self.kwargs.get("num_candidates") is not None or kwargs.get("num_trials") is not None:
                raise ValueError("auto excludes num_candidates and num_trials")
        elif self.kwargs.get("num_candidates") is None or kwargs.get("num_trials") is None:
            raise ValueError("auto=None needs num_candidates and num_trials")
        return super().compile(student, **kwargs)


class KNNFewShot:
    def __init__(self, k, trainset, vectorizer, **few_shot_bootstrap_args):
        unknown = set(few_shot_bootstrap_args) - _BOOTSTRAP
        if unknown:
            raise TypeError("KNNFewShot() got unexpected arguments %r" % sorted(unknown))
        if not isinstance(vectorizer, Embedder):
            raise TypeError("vectorizer must be a dspy.Embedder")
        self.k, self.trainset = k, trainset

    def compile(self, student, *, teacher=None):
        LOG.append("compiled with KNNFewShot")
        return student
)PY";

}  // namespace exemplar::dspy::testing
