#!/usr/bin/env bash
# Exemplar vs LanceDB (npm @lancedb/lancedb, pinned in bench/peers/package.json) on the same
# generated data and queries; prints a table with Exemplar ÷ LanceDB ratios. Not part of the tests.
# Usage: scripts/bench-peers.sh [--n 100000] [--queries 500] [--work DIR] [--vector-storage f32|f16|int8]
#   --vector-storage: Exemplar's graph vectors in both its legs (default: the server's default,
#   int8, the like-for-like setting against LanceDB's IVF_HNSW_SQ: 8-bit scalar quantization, refined).
set -euo pipefail
cd "$(dirname "$0")/.."
N=100000
QUERIES=500
WORK=${TMPDIR:-/tmp}/exemplar-peers
while [ $# -gt 0 ]; do
  case "$1" in
    --n) N=$2; shift 2 ;;
    --queries) QUERIES=$2; shift 2 ;;
    --work) WORK=$2; shift 2 ;;
    --vector-storage) export EXEMPLAR_VECTOR_STORAGE=$2; shift 2 ;;
    *) echo "usage: $0 [--n N] [--queries Q] [--work DIR] [--vector-storage f32|f16|int8]" >&2; exit 2 ;;
  esac
done
# shellcheck source=scripts/node-env.sh
source scripts/node-env.sh
command -v node >/dev/null || { echo "bench-peers: node not found (scripts/setup.sh installs it)" >&2; exit 1; }
BIN=${EXEMPLAR_BIN:-build/exemplar}
if [ ! -x "$BIN" ]; then
  [ -f build/build.ninja ] || cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
  cmake --build build -j "${EXEMPLAR_JOBS:-$(nproc)}" --target exemplar
fi
if [ ! -d bench/peers/node_modules/@lancedb/lancedb ]; then
  # npm 11's `ci` refuses this lock file (LanceDB's optional packages for other platforms are not
  # in it); `install` takes the same pinned versions from the lock and leaves it unchanged.
  (cd bench/peers && { npm ci --no-audit --no-fund || npm install --no-audit --no-fund; })
fi
mkdir -p "$WORK"
DATA="$WORK/dataset-$N"
if [ ! -f "$DATA/meta.json" ] || ! grep -q "\"n\": $N," "$DATA/meta.json" || ! grep -Eq "\"queries\": $QUERIES(,|$)" "$DATA/meta.json"; then
  "$BIN" bench --export-dataset "$DATA" --n "$N" --queries "$QUERIES"
fi
echo "bench-peers: exemplar bench --n $N, vector storage ${EXEMPLAR_VECTOR_STORAGE:-int8} (load $(cut -d' ' -f1 /proc/loadavg))" >&2
"$BIN" bench --n "$N" --queries "$QUERIES" --json "$WORK/exemplar-bench.json" > "$WORK/exemplar-bench.txt"
node bench/peers/compare.mjs "$BIN" "$DATA" "$WORK" "$WORK/exemplar-bench.json" | tee "$WORK/peers.txt"
