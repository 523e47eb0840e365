#!/usr/bin/env python3
"""RSS growth of a served snapshot's export and diff (A/B of two builds on one store).

Usage: bench/snapshot_export_rss.py BINARY DATA_DIR PORT [jsonl,hf_jsonl,hf_info,diff_empty_to_full]

Serves DATA_DIR with BINARY on 127.0.0.1:PORT, freezes a snapshot of every example (at most
100,000) and an empty one, then, for each path, samples the server's VmRSS every 10 ms while
one client reads the body to the end. Prints JSON: bytes, seconds, rss_before_mb and
rss_growth_mb (peak - before) per path. Each run adds two snapshots to the store.
"""
import json, subprocess, sys, threading, time, urllib.request

binary, data_dir, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
base = f"http://127.0.0.1:{port}/api/v1"
srv = subprocess.Popen([binary, "serve", "--data-dir", data_dir, "--port", str(port)],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def rss_mb():
    for line in open(f"/proc/{srv.pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024


def freeze(name, selection):
    req = urllib.request.Request(base + "/snapshots", json.dumps({"name": name, "filter": selection}).encode(),
                                 {"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(req, timeout=600))


try:
    for _ in range(600):
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz").status == 200:
                break
        except Exception:
            time.sleep(0.5)
    snap = freeze("rss", {})
    empty = freeze("empty", {"domain": "none"})
    paths = {f: f"{base}/snapshots/{snap['snapshot_id']}/export?format={f}" for f in ("jsonl", "hf_jsonl", "hf_info")}
    paths["diff_empty_to_full"] = f"{base}/snapshots/{empty['snapshot_id']}/diff/{snap['snapshot_id']}"
    out = {"items": snap["item_count"]}
    for name in (sys.argv[4].split(",") if len(sys.argv) > 4 else list(paths)):
        time.sleep(3)  # memory_release_mb: freed heap goes back to the OS after a second of quiet
        before = rss_mb()
        peak, done = [before], [False]

        def sample():
            while not done[0]:
                peak[0] = max(peak[0], rss_mb())
                time.sleep(0.01)

        t = threading.Thread(target=sample)
        t.start()
        t0, n = time.time(), 0
        with urllib.request.urlopen(paths[name], timeout=600) as r:
            while True:
                b = r.read(1 << 16)
                if not b:
                    break
                n += len(b)
        done[0] = True
        t.join()
        out[name] = {"bytes": n, "seconds": round(time.time() - t0, 2), "rss_before_mb": round(before, 1),
                     "rss_growth_mb": round(peak[0] - before, 1)}
    print(json.dumps(out))
finally:
    srv.terminate()
    srv.wait()
