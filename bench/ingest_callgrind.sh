#!/bin/bash
# Instructions per ingested example (callgrind, the request handler threads only): a real server
# under callgrind takes one warm-up batch, then 3 batches of 1,000 examples through
# POST /api/v1/examples/batch with instrumentation on. Instruction counts do not depend on the
# machine's load, unlike examples/s. Needs a dataset from `exemplar bench --n 4000 --export-dataset DIR`:
#   bench/ingest_callgrind.sh OLD_BIN DIR 18301 old; bench/ingest_callgrind.sh build/exemplar DIR 18302 new
# usage: ingest_callgrind.sh BIN DATASET_DIR PORT NAME
set -u
B=$1; DS=$2; PORT=$3; NAME=$4
D=/tmp/cg-ingest-$NAME; rm -rf $D; mkdir -p $D
python3 - "$DS" "$D" <<'PY'
import sys
lines = open(sys.argv[1] + '/examples.jsonl').read().splitlines()
for b in range(4):
    open(f'{sys.argv[2]}/batch{b}.json', 'w').write('{"examples":[' + ','.join(lines[b*1000:(b+1)*1000]) + ']}')
PY
valgrind --tool=callgrind --instr-atstart=no --separate-threads=yes --callgrind-out-file=$D/cg.%p \
  $B serve --data-dir $D/data --port $PORT --embedder hash > $D/log 2>&1 & PID=$!
for i in $(seq 300); do curl -sf localhost:$PORT/readyz >/dev/null && break; sleep 0.5; done
VG=$(pgrep -f "callgrind-out-file=$D/cg" | head -1)
post() { curl -s -o /dev/null -w "%{http_code}" -H 'content-type: application/json' --data-binary @$D/batch$1.json localhost:$PORT/api/v1/examples/batch; }
post 0 >/dev/null; sleep 5  # warm-up, not counted
callgrind_control -z $VG >/dev/null; callgrind_control -i on $VG >/dev/null
for b in 1 2 3; do post $b >/dev/null; done
callgrind_control -i off $VG >/dev/null; callgrind_control -d ingest $VG >/dev/null
kill $PID; wait $PID 2>/dev/null
# Handler threads are those that ran Examples::Batch; the graph inserters are reported apart.
handler=0; graph=0
for f in $D/cg.*-*; do
  ir=$(grep -h '^totals:' $f | awk '{print $2}'); [ -z "$ir" ] && continue
  if grep -q 'Examples::Batch' $f; then handler=$((handler + ir)); elif grep -q 'HnswGraph::AddNew' $f; then graph=$((graph + ir)); fi
done
echo "$NAME handler_instructions_per_example=$((handler / 3000)) graph_instructions_per_example=$((graph / 3000))"
