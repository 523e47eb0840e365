#!/bin/bash
# Instructions per request (callgrind, server threads only) for GET /examples/{id} and hybrid
# search, on a copy of a data dir left by bench/http_ab.sh (or any seeded dir). Instruction counts
# do not depend on the machine's load, unlike requests/s:
#   bench/callgrind_ab.sh OLD_BIN /tmp/ab-new-1 18301 old; bench/callgrind_ab.sh build/exemplar /tmp/ab-new-1 18302 new
# usage: callgrind_ab.sh BIN DATA_DIR PORT NAME [SECONDS=6]
set -u
B=$1; SRC=$2; PORT=$3; NAME=$4; T=${5:-6}
D=/tmp/cg-$NAME; rm -rf $D; cp -r $SRC $D; rm -f $D/log
valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=$D/cg.%p $B serve --data-dir $D --port $PORT > $D/log 2>&1 & PID=$!
for i in $(seq 300); do curl -sf localhost:$PORT/readyz >/dev/null && break; sleep 0.5; done
VG=$(pgrep -f "callgrind-out-file=$D/cg" | head -1)
for kind in ${KINDS:-get search}; do
  sed "s/%PORT%/$PORT/" $SRC/$kind.lua > $D/$kind.lua 2>/dev/null || cp $SRC/$kind.lua $D/$kind.lua
  wrk -t1 -c2 -d2s -s $D/$kind.lua http://127.0.0.1:$PORT >/dev/null 2>&1  # warm-up, not counted
  callgrind_control -z $VG >/dev/null; callgrind_control -i on $VG >/dev/null
  out=$(wrk -t1 -c2 -d${T}s -s $D/$kind.lua http://127.0.0.1:$PORT 2>&1)
  callgrind_control -i off $VG >/dev/null; callgrind_control -d $kind $VG >/dev/null
  reqs=$(echo "$out" | awk '/requests in/{print $1}')
  f=$(ls -t $D/cg.*.* 2>/dev/null | head -1)
  ir=$(grep -h '^totals:' $f | head -1 | awk '{print $2}')
  echo "$NAME $kind requests=$reqs instructions_per_req=$(python3 -c "print(round($ir/$reqs))")"
done
kill $PID; wait $PID 2>/dev/null
