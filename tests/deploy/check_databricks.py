"""Checks deploy/databricks against the structure the Databricks documentation gives for
Databricks Apps (app.yaml), Asset Bundles (databricks.yml: apps with database and serving-endpoint
resources, Lakebase database instances, jobs) — required keys, types and allowed values — and
that `bundle deploy` would upload what package.sh stages in the app's git-ignored directories
(files git ignores are synced only when they match `sync.include`); no network. Then checks that
the checker catches broken copies (each must produce its error).

Usage: check_databricks.py DEPLOY_DIR      (exit 0 when every check passes)
"""
import copy
import os
import posixpath
import re
import sys

import yaml

APP_YAML_KEYS = {"command", "env"}
APP_RESOURCE_TYPES = {"database", "serving_endpoint", "secret", "sql_warehouse", "job", "uc_securable",
                      "genie_space", "experiment"}
DATABASE_PERMISSIONS = {"CAN_CONNECT_AND_CREATE"}
SERVING_PERMISSIONS = {"CAN_QUERY", "CAN_MANAGE", "CAN_VIEW"}
CAPACITIES = {"CU_1", "CU_2", "CU_4", "CU_8"}
TASK_TYPES = {"notebook_task", "spark_python_task", "python_wheel_task", "sql_task", "run_job_task",
              "spark_jar_task", "pipeline_task", "dbt_task", "condition_task", "for_each_task"}
APP_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,28}[a-z0-9]$")  # lowercase letters, digits, hyphens
VAR_REF = re.compile(r"\$\{var\.([A-Za-z0-9_]+)\}")
RESOURCE_REF = re.compile(r"\$\{resources\.([a-z_]+)\.([A-Za-z0-9_]+)\.([a-z_]+)\}")
SHELLS = {"sh", "/bin/sh", "bash", "/bin/bash"}


def glob_regex(pattern):
    """A gitignore-style pattern (as sync.include takes them) as a regex over bundle-relative paths,
    anchored at the bundle root: the CLI also matches such a pattern deeper down (databricks/cli
    libs/fileset, go-gitignore), so this is the stricter reading."""
    out, i = "", 0
    pattern = posixpath.normpath(pattern).lstrip("/")
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out)


def synced_by_include(path, includes):
    """True when a file at path (bundle-relative) or a directory above it matches an include."""
    parts = path.split("/")
    prefixes = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
    return any(glob_regex(p).fullmatch(prefix) for p in includes for prefix in prefixes)


def check_sync(bundle, base_dir):
    """Each path an app's .gitignore names (what package.sh stages) must match sync.include, or
    bundle deploy leaves it out and the app starts without it."""
    errors = []
    includes = ((bundle.get("sync") or {}).get("include")) or []
    if not isinstance(includes, list) or not all(isinstance(p, str) for p in includes):
        return ["databricks.yml: sync.include must be a list of patterns"]
    for key, app in ((bundle.get("resources") or {}).get("apps") or {}).items():
        src = posixpath.normpath(app.get("source_code_path") or ".")
        ignore_file = os.path.join(base_dir, src, ".gitignore")
        if not os.path.isfile(ignore_file):
            continue
        with open(ignore_file) as f:
            ignored = [line.strip().strip("/") for line in f if line.strip() and not line.startswith("#")]
        for entry in ignored:
            # A file directly in the ignored directory and one deeper (web/assets/...).
            for sample in (f"{src}/{entry}/file", f"{src}/{entry}/sub/file"):
                if not synced_by_include(sample, includes):
                    errors.append(f"databricks.yml: apps.{key}: {src}/{entry} is git-ignored and no sync.include "
                                  f"pattern matches {sample}, so bundle deploy would not upload it")
                    break
    return errors


def check_app_yaml(app, resource_names, source_dir):
    errors = []
    if not isinstance(app, dict):
        return ["app.yaml: expected a mapping"]
    for key in app:
        if key not in APP_YAML_KEYS:
            errors.append(f"app.yaml: unknown key '{key}' (allowed: command, env)")
    command = app.get("command")
    if not isinstance(command, list) or not command or not all(isinstance(c, str) and c for c in command):
        errors.append("app.yaml: command must be a non-empty sequence of strings")
    elif command[0] in SHELLS and (len(command) < 2 or not os.path.isfile(os.path.join(source_dir, command[1]))):
        errors.append(f"app.yaml: command runs {command[0]} on a script that is not in the app's source directory")
    names = set()
    for i, item in enumerate(app.get("env", []) or []):
        where = f"app.yaml: env[{i}]"
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"]:
            errors.append(f"{where}: needs a name")
            continue
        if item["name"] in names:
            errors.append(f"{where}: duplicate name {item['name']}")
        names.add(item["name"])
        sources = [k for k in ("value", "valueFrom") if k in item]
        if len(sources) != 1:
            errors.append(f"{where} ({item['name']}): exactly one of value, valueFrom")
        if set(item) - {"name", "value", "valueFrom"}:
            errors.append(f"{where} ({item['name']}): unknown keys {sorted(set(item) - {'name', 'value', 'valueFrom'})}")
        if "value" in item and not isinstance(item["value"], str):
            errors.append(f"{where} ({item['name']}): value must be a string")
        if "valueFrom" in item and item["valueFrom"] not in resource_names:
            errors.append(f"{where} ({item['name']}): valueFrom '{item['valueFrom']}' is not a resource of the app")
    return errors


def check_bundle(bundle, base_dir):
    errors = []
    if not isinstance(bundle, dict):
        return ["databricks.yml: expected a mapping"], {}
    if not isinstance(bundle.get("bundle"), dict) or not bundle["bundle"].get("name"):
        errors.append("databricks.yml: bundle.name is required")
    variables = bundle.get("variables", {}) or {}
    text = yaml.safe_dump(bundle)
    for name in VAR_REF.findall(text):
        if name not in variables:
            errors.append(f"databricks.yml: ${{var.{name}}} is not declared under variables")
    resources = bundle.get("resources", {}) or {}
    for kind, key, _field in RESOURCE_REF.findall(text):
        if key not in (resources.get(kind) or {}):
            errors.append(f"databricks.yml: ${{resources.{kind}.{key}...}} names no declared resource")

    for key, inst in (resources.get("database_instances") or {}).items():
        where = f"databricks.yml: database_instances.{key}"
        if not inst.get("name"):
            errors.append(f"{where}: name is required")
        if inst.get("capacity") not in CAPACITIES:
            errors.append(f"{where}: capacity must be one of {sorted(CAPACITIES)}")

    app_resources = {}
    apps = resources.get("apps") or {}
    if not apps:
        errors.append("databricks.yml: resources.apps declares no app")
    for key, app in apps.items():
        where = f"databricks.yml: apps.{key}"
        name = app.get("name", "")
        if not APP_NAME.match(name or ""):
            errors.append(f"{where}: name must be 2-30 lowercase letters, digits or hyphens")
        src = app.get("source_code_path")
        if not src:
            errors.append(f"{where}: source_code_path is required")
        elif not os.path.isfile(os.path.join(base_dir, src, "app.yaml")):
            errors.append(f"{where}: no app.yaml in source_code_path {src}")
        names = set()
        for i, res in enumerate(app.get("resources", []) or []):
            rwhere = f"{where}.resources[{i}]"
            if not res.get("name"):
                errors.append(f"{rwhere}: name is required")
            if res.get("name") in names:
                errors.append(f"{rwhere}: duplicate name {res.get('name')}")
            names.add(res.get("name"))
            types = [t for t in res if t in APP_RESOURCE_TYPES]
            if len(types) != 1 or set(res) - APP_RESOURCE_TYPES - {"name", "description"}:
                errors.append(f"{rwhere}: exactly one resource type of {sorted(APP_RESOURCE_TYPES)}")
                continue
            body = res[types[0]] or {}
            if types[0] == "database":
                for req in ("instance_name", "database_name", "permission"):
                    if not body.get(req):
                        errors.append(f"{rwhere}.database: {req} is required")
                if body.get("permission") not in DATABASE_PERMISSIONS:
                    errors.append(f"{rwhere}.database: permission must be CAN_CONNECT_AND_CREATE")
            if types[0] == "serving_endpoint":
                if not body.get("name"):
                    errors.append(f"{rwhere}.serving_endpoint: name is required")
                if body.get("permission") not in SERVING_PERMISSIONS:
                    errors.append(f"{rwhere}.serving_endpoint: permission must be one of {sorted(SERVING_PERMISSIONS)}")
        app_resources[key] = names

    for key, job in (resources.get("jobs") or {}).items():
        where = f"databricks.yml: jobs.{key}"
        if not job.get("name"):
            errors.append(f"{where}: name is required")
        tasks = job.get("tasks") or []
        if not tasks:
            errors.append(f"{where}: tasks is required")
        envs = {e.get("environment_key") for e in job.get("environments", []) or []}
        for i, task in enumerate(tasks):
            twhere = f"{where}.tasks[{i}]"
            if not task.get("task_key"):
                errors.append(f"{twhere}: task_key is required")
            types = [t for t in task if t in TASK_TYPES]
            if len(types) != 1:
                errors.append(f"{twhere}: exactly one task type")
                continue
            if types[0] == "spark_python_task":
                path = (task[types[0]] or {}).get("python_file", "")
                if not path or not os.path.isfile(os.path.join(base_dir, path)):
                    errors.append(f"{twhere}: python_file {path!r} does not exist")
            if task.get("environment_key") and task["environment_key"] not in envs:
                errors.append(f"{twhere}: environment_key {task['environment_key']} is not in environments")
        schedule = job.get("schedule")
        if schedule is not None:
            if not schedule.get("quartz_cron_expression") or not schedule.get("timezone_id"):
                errors.append(f"{where}.schedule: quartz_cron_expression and timezone_id are required")
            if schedule.get("pause_status", "UNPAUSED") not in ("PAUSED", "UNPAUSED"):
                errors.append(f"{where}.schedule: pause_status must be PAUSED or UNPAUSED")

    targets = bundle.get("targets") or {}
    if sum(1 for t in targets.values() if (t or {}).get("default")) > 1:
        errors.append("databricks.yml: more than one default target")
    for name, t in targets.items():
        if (t or {}).get("mode") not in (None, "development", "production"):
            errors.append(f"databricks.yml: targets.{name}.mode must be development or production")
    return errors, app_resources


def check(deploy_dir, bundle, apps_yaml):
    errors, app_resources = check_bundle(bundle, deploy_dir)
    errors += check_sync(bundle, deploy_dir)
    apps = (bundle.get("resources") or {}).get("apps") or {}
    for key, app_yaml in apps_yaml.items():
        source_dir = os.path.join(deploy_dir, (apps.get(key) or {}).get("source_code_path") or ".")
        errors += check_app_yaml(app_yaml, app_resources.get(key, set()), source_dir)
    return errors


def load(deploy_dir):
    with open(os.path.join(deploy_dir, "databricks.yml")) as f:
        bundle = yaml.safe_load(f)
    apps_yaml = {}
    for key, app in ((bundle.get("resources") or {}).get("apps") or {}).items():
        with open(os.path.join(deploy_dir, app["source_code_path"], "app.yaml")) as f:
            apps_yaml[key] = yaml.safe_load(f)
    return bundle, apps_yaml


def main():
    deploy_dir = sys.argv[1]
    bundle, apps_yaml = load(deploy_dir)
    errors = check(deploy_dir, bundle, apps_yaml)
    for e in errors:
        print("error:", e)
    # The checker must catch what it claims to: each broken copy produces its own error.
    app_key = next(iter(apps_yaml))
    breakages = {
        "database permission": lambda b, a: b["resources"]["apps"][app_key]["resources"][0]["database"].update(
            permission="CAN_USE"),
        "unknown app.yaml key": lambda b, a: a[app_key].update(entrypoint="x"),
        "valueFrom without resource": lambda b, a: a[app_key]["env"].append({"name": "X", "valueFrom": "nope"}),
        "value and valueFrom": lambda b, a: a[app_key]["env"].append({"name": "Y", "value": "1", "valueFrom": "database"}),
        "capacity": lambda b, a: next(iter(b["resources"]["database_instances"].values())).update(capacity="CU_3"),
        "undeclared variable": lambda b, a: b["resources"]["apps"][app_key].update(description="${var.missing}"),
        "job python_file": lambda b, a: next(iter(b["resources"]["jobs"].values()))["tasks"][0][
            "spark_python_task"].update(python_file="./jobs/missing.py"),
        "app name": lambda b, a: b["resources"]["apps"][app_key].update(name="Exemplar_App"),
        "command type": lambda b, a: a[app_key].update(command="./bin/exemplar serve"),
        "command script missing": lambda b, a: a[app_key].update(command=["/bin/sh", "missing.sh", "serve"]),
        "no sync section": lambda b, a: b.pop("sync", None),
        "staged directory not included": lambda b, a: b.update(sync={"include": ["app/bin/**", "app/web/**"]}),
        "include of other files": lambda b, a: b.update(sync={"include": ["app/bin/*.so", "app/lib/x/**", "web/**"]}),
    }
    for what, breakage in breakages.items():
        b, a = copy.deepcopy(bundle), copy.deepcopy(apps_yaml)
        breakage(b, a)
        if len(check(deploy_dir, b, a)) <= len(errors):
            errors.append(f"self-check: a broken copy ({what}) was not caught")
            print("error:", errors[-1])
    if errors:
        sys.exit(1)
    print(f"ok: databricks.yml and {len(apps_yaml)} app.yaml match the documented structure; "
          f"{len(breakages)} broken copies caught")


if __name__ == "__main__":
    main()
