"""Runs one Exemplar prompt optimization through the app's API and waits for it (a Databricks job
task; see databricks.yml). The run executes inside the app, on its store and its configured LM
provider; this task only starts it, follows it and fails when the run fails.

Authentication: the job's identity calls the app with its Databricks OAuth token (databricks-sdk);
the Apps proxy signs the request in and forwards the identity as X-Forwarded-Email, which the app
maps to a role in [proxy_roles] (the job's principal needs "write"). Against another server,
--token (else the EXEMPLAR_TOKEN variable) is sent as "Authorization: Bearer", in place of the
OAuth token: an API token of role write (`exemplar token create --role write`), which a server
with auth = "required" (or listening beyond loopback) asks for.

Usage: optimize.py --app-name exemplar --template ID [--optimizer O] [--metric M] [--max-trials N]
                   [--lm-provider P] [--lm-model M] [--timeout-min N] [--token T]
       (--app-url URL instead of --app-name, e.g. for a local server at http://127.0.0.1:8080)
"""
import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.request

TERMINAL = {"completed", "failed", "cancelled"}


def auth_headers(token):
    if token:
        return {"Authorization": f"Bearer {token}"}
    try:
        from databricks.sdk import WorkspaceClient
    except ImportError:  # outside Databricks: a local server on loopback needs no token
        return {}
    return WorkspaceClient().config.authenticate()


def app_url(name):
    from databricks.sdk import WorkspaceClient
    url = WorkspaceClient().apps.get(name).url
    if not url:
        sys.exit(f"app {name} has no URL yet (is it deployed and started?)")
    return url.rstrip("/")


def call(method, url, headers, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={**headers, "Content-Type": "application/json",
                                          "Accept": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as e:
        sys.exit(f"{method} {url}: HTTP {e.code}: {e.read().decode(errors='replace')[:2000]}")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--app-name")
    where.add_argument("--app-url")
    p.add_argument("--template", required=True)
    p.add_argument("--optimizer", default="BootstrapFewShotWithRandomSearch")
    p.add_argument("--metric", default="exact_match")
    p.add_argument("--max-trials", type=int, default=16)
    p.add_argument("--lm-provider", default="databricks")
    p.add_argument("--lm-model", default="")
    p.add_argument("--timeout-min", type=float, default=120)
    p.add_argument("--token", default=os.environ.get("EXEMPLAR_TOKEN", ""),
                   help="API token sent as a bearer (default: $EXEMPLAR_TOKEN; else the Databricks OAuth token)")
    a = p.parse_args()
    if not a.template:
        sys.exit("--template is empty: set the job parameter template_id")

    base = (a.app_url.rstrip("/") if a.app_url else app_url(a.app_name)) + "/api/v1"
    headers = auth_headers(a.token)
    lm = {"provider": a.lm_provider}
    if a.lm_model:
        lm["model"] = a.lm_model
    run = call("POST", base + "/dspy-runs", headers, {
        "template_id": a.template, "optimizer_type": a.optimizer, "metric": a.metric,
        "lm": lm, "budget": {"max_trials": a.max_trials}})
    run_id = run["run_id"]
    print(f"run {run_id} started", flush=True)
    deadline = time.time() + a.timeout_min * 60
    while True:
        run = call("GET", f"{base}/dspy-runs/{run_id}", headers)
        status = run.get("status")
        print(f"run {run_id}: {status} {json.dumps(run.get('progress', {}))}", flush=True)
        if status in TERMINAL:
            break
        if time.time() > deadline:
            call("POST", f"{base}/dspy-runs/{run_id}/cancel", headers)
            sys.exit(f"run {run_id} did not finish in {a.timeout_min} minutes; cancelled")
        time.sleep(10)
    if status != "completed":
        sys.exit(f"run {run_id} ended {status}: {run.get('error') or ''}")
    print(json.dumps({"run_id": run_id, "best_score": run.get("best_score"),
                      "trials_completed": run.get("trials_completed")}, indent=2))


if __name__ == "__main__":
    main()
