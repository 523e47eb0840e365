#!/usr/bin/env python3
"""Validates the demo seed (templates.json + examples.jsonl next to this file).

Checks: JSON parses; template shape, field names (Python identifiers, not keywords, not DSPy-reserved),
field types; fixed UUID v4 ids; every example's input/expected_output keys equal the template's
field names with matching JSON types; closed label sets; the labelling rules stated in each
template's prompt (action table, risk <-> window, calibration drift arithmetic); unique client_ids.
Usage: python3 data/seed/check_seed.py   (exit 0 = OK)
"""
import json, keyword, re, sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
IDENT = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
DSPY_RESERVED = {"instructions", "signature", "fields", "input_fields", "output_fields",
                 "model_config", "model_dump", "model_validate"}
FIELD_TYPES = {"string", "integer", "number", "boolean", "array", "object"}
SOURCES = {"human_authored", "extracted_from_data", "synthetic", "dspy_optimized",
           "production_captured", "feedback_derived"}
DIFFICULTIES = {"easy", "medium", "hard"}

DD_ID = "7d3e9a52-1c4b-4f8e-8a6d-2b5c9e0f1a01"
PM_ID = "b1f4c8e2-6a3d-4e9b-8c57-0d2a7f3e9b02"
CAL_ID = "e5a2d7c9-3f18-4b6a-8d4e-9c1b0a6f2e03"

SEVERITIES = ["low", "medium", "high", "critical"]
ACTION = {  # defect_type -> action per severity (low, medium, high, critical); see template prompt
    "none": {"low": "release"},
    "contamination": dict(zip(SEVERITIES, ["clean_and_retest", "clean_and_retest", "quarantine", "quarantine"])),
    "solder_void": dict(zip(SEVERITIES, ["release", "rework", "rework", "quarantine"])),
    "crack": dict(zip(SEVERITIES, ["release", "replace_component", "scrap", "scrap"])),
    "delamination": dict(zip(SEVERITIES, ["release", "rework", "rework", "scrap"])),
    "scintillator_yellowing": dict(zip(SEVERITIES, ["release"] + ["replace_component"] * 3)),
    "corrosion": dict(zip(SEVERITIES, ["clean_and_retest", "replace_component", "quarantine", "quarantine"])),
}
FAILURE_MODES = {"none", "hv_supply_degradation", "pmt_gain_loss", "cooling_system_failure",
                 "fan_bearing_wear", "preamp_degradation", "moisture_ingress", "fill_gas_leak",
                 "detector_leakage_increase"}
RISK_BY_WINDOW = {0: "critical", 1: "critical", 3: "high", 7: "high", 14: "high",
                  30: "medium", 60: "medium", 90: "low", 180: "low"}
STAGES = {"incoming", "in_process", "final_qc", "field_return"}
DRIFT = ["within_tolerance", "minor_drift", "major_drift", "out_of_calibration"]
CAL_ACTION = dict(zip(DRIFT, ["none", "gain_adjust", "full_recalibration", "remove_from_service"]))

errors = []


def err(where, msg):
    errors.append(f"{where}: {msg}")


def type_ok(value, t):
    if t == "string": return isinstance(value, str)
    if t == "integer": return isinstance(value, int) and not isinstance(value, bool)
    if t == "number": return isinstance(value, (int, float)) and not isinstance(value, bool)
    if t == "boolean": return isinstance(value, bool)
    if t == "array": return isinstance(value, list)
    return isinstance(value, dict)


def check_io(where, obj, fields):
    if not isinstance(obj, dict):
        return err(where, "must be an object")
    names = [f["name"] for f in fields]
    if set(obj) != set(names):
        err(where, f"keys {sorted(obj)} != schema {sorted(names)}")
    for f in fields:
        if f["name"] in obj and not type_ok(obj[f["name"]], f["type"]):
            err(where, f"{f['name']}={obj[f['name']]!r} is not {f['type']}")


def check_labels(where, tid, inp, out):
    if tid == DD_ID:
        d, s, a = out.get("defect_type"), out.get("severity"), out.get("recommended_action")
        if d not in ACTION: return err(where, f"defect_type {d!r} not in label set")
        if s not in SEVERITIES: return err(where, f"severity {s!r} not in label set")
        if s not in ACTION[d]: return err(where, f"severity {s!r} not allowed for defect_type {d!r}")
        if a != ACTION[d][s]: err(where, f"recommended_action {a!r}, rule says {ACTION[d][s]!r}")
        if inp.get("inspection_stage") not in STAGES: err(where, f"inspection_stage {inp.get('inspection_stage')!r}")
    elif tid == PM_ID:
        m, r, w = out.get("failure_mode"), out.get("risk_level"), out.get("maintenance_window_days")
        if m not in FAILURE_MODES: err(where, f"failure_mode {m!r} not in label set")
        if w not in RISK_BY_WINDOW: return err(where, f"maintenance_window_days {w!r} not an allowed value")
        if r != RISK_BY_WINDOW[w]: err(where, f"risk_level {r!r} inconsistent with window {w}")
        if m == "none" and (r, w) != ("low", 180): err(where, "failure_mode none must be low / 180")
    elif tid == CAL_ID:
        exp, meas = inp.get("expected_peak_kev"), inp.get("measured_peak_kev")
        drift = round((meas - exp) / exp * 100, 1)
        if abs(out.get("drift_pct", 1e9) - drift) > 1e-9: err(where, f"drift_pct {out.get('drift_pct')} != {drift}")
        status = out.get("drift_status")
        if status not in CAL_ACTION: return err(where, f"drift_status {status!r} not in label set")
        if out.get("calibration_action") != CAL_ACTION[status]: err(where, "calibration_action inconsistent with drift_status")
        a = abs(drift)
        by_drift = DRIFT[0] if a <= 1.0 else DRIFT[1] if a <= 3.0 else DRIFT[2] if a <= 5.0 else DRIFT[3]
        if status != by_drift and status != "out_of_calibration":
            err(where, f"drift_status {status!r}, rule says {by_drift!r}")


def main():
    templates = json.loads((HERE / "templates.json").read_text(encoding="utf-8"))
    if not isinstance(templates, list) or len(templates) < 3:
        err("templates.json", "must be an array of at least 3 templates")
    by_id = {}
    for i, t in enumerate(templates):
        w = f"template[{i}] {t.get('name')!r}"
        for k in ("id", "name", "description", "input_schema", "output_schema", "system_prompt",
                  "prompt_template", "examples", "base_model", "temperature", "max_tokens", "status", "version"):
            if k not in t: err(w, f"missing {k}")
        if not UUID4.match(t.get("id", "")): err(w, "id is not a lowercase UUID v4")
        if t.get("id") in by_id: err(w, "duplicate id")
        if t.get("status") not in ("draft", "published"): err(w, "status")
        if not re.match(r"^\d+\.\d+\.\d+$", t.get("version", "")): err(w, "version is not semver")
        seen = set()
        for f in t.get("input_schema", []) + t.get("output_schema", []):
            n = f.get("name", "")
            if not IDENT.match(n) or keyword.iskeyword(n) or n in DSPY_RESERVED or n in seen:
                err(w, f"bad or duplicate field name {n!r}")
            seen.add(n)
            if f.get("type") not in FIELD_TYPES: err(w, f"field {n!r} type {f.get('type')!r}")
            if not isinstance(f.get("required"), bool) or not f.get("description"): err(w, f"field {n!r} description/required")
        for j, ex in enumerate(t.get("examples", [])):
            check_io(f"{w} examples[{j}].input", ex.get("input"), t["input_schema"])
            check_io(f"{w} examples[{j}].output", ex.get("output"), t["output_schema"])
            check_labels(f"{w} examples[{j}]", t["id"], ex.get("input", {}), ex.get("output", {}))
        by_id[t.get("id")] = t

    client_ids, per = Counter(), Counter()
    lines = (HERE / "examples.jsonl").read_text(encoding="utf-8").splitlines()
    for n, line in enumerate(lines, 1):
        w = f"examples.jsonl:{n}"
        if not line.strip():
            continue
        try:
            e = json.loads(line)
        except json.JSONDecodeError as ex:
            err(w, f"invalid JSON: {ex}")
            continue
        cid = e.get("client_id")
        w += f" ({cid})"
        client_ids[cid] += 1
        t = by_id.get(e.get("databit_id"))
        if t is None:
            err(w, f"databit_id {e.get('databit_id')!r} is not a seed template")
            continue
        per[(t["name"], e.get("domain"))] += 1
        check_io(w + " input", e.get("input"), t["input_schema"])
        check_io(w + " expected_output", e.get("expected_output"), t["output_schema"])
        check_labels(w, t["id"], e.get("input", {}), e.get("expected_output", {}))
        if e.get("difficulty") not in DIFFICULTIES: err(w, "difficulty")
        if e.get("source") not in SOURCES: err(w, "source")
        q = e.get("quality_score")
        if not isinstance(q, (int, float)) or not 0.6 <= q <= 1.0: err(w, "quality_score outside 0.6-1.0")
        for k in ("explanation", "domain", "function_name"):
            if not isinstance(e.get(k), str) or not e[k]: err(w, f"{k} missing")
        for k in ("capability_tags", "search_keys"):
            if not isinstance(e.get(k), list) or not e[k] or not all(isinstance(x, str) and x for x in e[k]):
                err(w, f"{k} must be a non-empty list of strings")
    for cid, c in client_ids.items():
        if not cid or c > 1: err("examples.jsonl", f"client_id {cid!r} missing or used {c} times")

    for (name, domain), c in sorted(per.items()):
        print(f"{c:4d}  {domain:24s} {name}")
    if errors:
        print("\n".join(errors), file=sys.stderr)
        print(f"FAILED: {len(errors)} problem(s)", file=sys.stderr)
        return 1
    print(f"OK: {len(templates)} templates, {sum(per.values())} examples")
    return 0


if __name__ == "__main__":
    sys.exit(main())
