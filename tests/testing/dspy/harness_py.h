// Test-only: a python3 script that imports a generated module against the fake dspy
// (fake_dspy_py.h) and checks it against expectations written by the C++ test (expected.json):
// docstring == instructions exactly (escaping round-trips), cleandoc-stable instructions, field
// names/order/descs, trainset values and key order (strict JSON types), with_inputs keys,
// predictor names, the metric (1.0 / True on perfect predictions, < 1 on wrong ones), loading the
// program_state file, build_program(), and finally running the `__main__` block.
#pragma once

namespace exemplar::dspy::testing {

inline constexpr const char* kHarnessPy = R"PY(
import importlib
import json
import os
import runpy

import dspy

spec = json.load(open("expected.json", encoding="utf-8"))
mod = importlib.import_module(spec["module"])
sig = getattr(mod, spec["class_name"])
assert sig.__doc__ == spec["instructions"], (sig.__doc__, spec["instructions"])
assert sig.instructions == spec["instructions"], ("cleandoc changed it", sig.instructions)
assert list(sig.input_fields) == spec["inputs"], list(sig.input_fields)
assert list(sig.output_fields) == spec["outputs"], list(sig.output_fields)
for name, desc in spec["descs"].items():
    if name == "reasoning":
        continue
    field = sig.input_fields.get(name) or sig.output_fields.get(name)
    assert field.desc == desc, (name, field.desc, desc)
    assert field.annotation.__name__ == spec["types"][name], (name, field.annotation)

trainset = mod.trainset
got = json.dumps([ex.toDict() for ex in trainset], ensure_ascii=False)
want = json.dumps(spec["trainset"], ensure_ascii=False)
assert got == want, (got, want)
for ex in trainset:
    assert ex._input_keys == set(spec["inputs"]), ex._input_keys
assert mod.INPUT_FIELDS == tuple(spec["inputs"]) and mod.OUTPUT_FIELDS == tuple(spec["outputs"])

program = getattr(mod, spec["program_class"])()
assert [n for n, _ in program.named_parameters()] == spec["predictor_names"], program.named_parameters()


def key(d):
    return json.dumps(d, sort_keys=True)


answers = {key(ex.inputs().toDict()): ex.labels().toDict() for ex in trainset}


def oracle(predictor, inputs):
    if predictor.signature.__name__ == "_JudgeSignature":
        assert set(inputs) == {"task_inputs", "expected_output", "predicted_output"}
        return {"reasoning": "it matches", "score": 1.0}
    out = dict(answers[key(inputs)])
    if any(f.name == "reasoning" for f in predictor.fields):
        out.setdefault("reasoning", "because")
    return out


dspy.ORACLE = oracle
for ex in trainset:
    perfect = dspy.Prediction(**ex.labels().toDict())
    assert mod.metric(ex, perfect) == 1.0, (ex.toDict(), mod.metric(ex, perfect))
    assert mod.metric(ex, perfect, trace=[]) is True
    if spec["metric"] != "llm_judge" and any(k in ex for k in spec["outputs"]):
        wrong = dspy.Prediction(**{k: "zzz qqq" for k in spec["outputs"]})
        assert mod.metric(ex, wrong) < 1.0, ex.toDict()
        assert mod.metric(ex, dspy.Prediction()) == 0.0

fields = spec["inputs"] + (["reasoning"] if spec["reasoning"] else []) + spec["outputs"]
if spec.get("state_file"):
    loaded = getattr(mod, spec["program_class"])()
    loaded.load(spec["state_file"])
    for _, predictor in loaded.named_parameters():
        assert predictor.instructions == spec["instructions"]
        assert [f.name for f in predictor.fields] == fields
        for f in predictor.fields:
            assert f.prefix == dspy.infer_prefix(f.name) + ":", (f.name, f.prefix)
            assert f.desc == spec["descs"][f.name], (f.name, f.desc)
        demos = spec["trainset"] if spec["expect_demos"] else []
        assert json.dumps(predictor.demos, ensure_ascii=False) == json.dumps(demos, ensure_ascii=False)

if hasattr(mod, "build_program"):
    for predictor in mod.build_program().predictors():
        assert len(predictor.demos) == len(trainset)

if spec["run_main"]:
    runpy.run_path(spec["module"] + ".py", run_name="__main__")
    if trainset:
        assert any(l.startswith(("compiled with", "evaluate 100.0")) for l in dspy.LOG), dspy.LOG
    else:  # nothing to evaluate or optimize on: skipped
        assert not any(l.startswith(("compiled with", "evaluate")) for l in dspy.LOG), dspy.LOG
    saved = spec["module"].replace("_dspy", "") + "_optimized.json"
    if os.path.exists(saved):
        again = getattr(mod, spec["program_class"])()
        again.load(saved)
print("\n".join(dspy.LOG))
print("CHECK OK")
)PY";

}  // namespace exemplar::dspy::testing
