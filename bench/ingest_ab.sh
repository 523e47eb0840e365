#!/bin/bash
# Ingest A/B in one run: alternates `exemplar bench` of two builds, so both see the same machine
# load, and prints ingest_per_s and ingest_indexed_per_s of each run:
#   bench/ingest_ab.sh OLD_BIN build/exemplar 3 20000 --quick
# usage: ingest_ab.sh OLD_BIN NEW_BIN [PAIRS=3] [N=20000] [extra bench flags]
set -u
OLD=$1; NEW=$2; PAIRS=${3:-3}; N=${4:-20000}; shift 4 2>/dev/null || shift $#
OUT=$(mktemp -d)
for p in $(seq "$PAIRS"); do
  for side in old new; do
    bin=$OLD; [ $side = new ] && bin=$NEW
    "$bin" bench --n "$N" "$@" --json "$OUT/$side-$p.json" > "$OUT/$side-$p.log" 2>&1 || { echo "$side run $p failed"; tail -3 "$OUT/$side-$p.log"; }
    python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(sys.argv[2], sys.argv[3], 'ingest_per_s=%.0f ingest_indexed_per_s=%.0f backlog=%d drain_per_s=%.0f' % (d['ingest_per_s'], d['ingest_indexed_per_s'], d['ingest_graph_backlog'], d['ingest_graph_drain_per_s']))" "$OUT/$side-$p.json" $side $p
  done
done
rm -rf "$OUT"
