#!/bin/bash
# One side of an A/B comparison of server builds: seeds a fresh data dir with the demo data, serves
# it, drives GET /examples/{id} and hybrid search with wrk, and prints requests/s and the server's
# CPU microseconds per request (utime+stime of the server process over the run). CPU per request
# stays meaningful on a loaded machine, where requests/s do not. Alternate the builds:
#   for r in 1 2 3; do bench/http_ab.sh old/exemplar old-$r 18201; bench/http_ab.sh build/exemplar new-$r 18202; done
# usage: http_ab.sh BIN NAME PORT [CONNECTIONS=8] [SECONDS=8]   (SEED=dir of the seed files)
set -u
command -v wrk >/dev/null || apt-get install -y wrk >/dev/null
B=$1; NAME=$2; PORT=$3; C=${4:-8}; T=${5:-8}
D=/tmp/ab-$NAME; rm -rf $D; mkdir -p $D
$B seed --data-dir $D --seed-dir ${SEED:-/work/main/data/seed} >/dev/null 2>&1
$B serve --data-dir $D --port $PORT > $D/log 2>&1 & PID=$!
for i in $(seq 50); do curl -sf localhost:$PORT/readyz >/dev/null && break; sleep 0.2; done
IDS=$(curl -s "localhost:$PORT/api/v1/examples?page_size=50" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(" ".join(e.get("example_id") or e.get("id") for e in d["examples"]))')
cat > $D/get.lua <<LUA
ids = {}
for w in string.gmatch("$IDS", "%S+") do ids[#ids+1] = w end
n = 0
request = function() n = n + 1; return wrk.format("GET", "/api/v1/examples/" .. ids[(n % #ids) + 1]) end
LUA
cat > $D/search.lua <<LUA
qs = {"pressure sensor drift", "bias voltage", "neutron counter dead time", "leak in the HV supply", "gain drop after power cycle"}
n = 0
request = function() n = n + 1; return wrk.format("POST", "/api/v1/examples/search", {["Content-Type"]="application/json"}, '{"query_text":"' .. qs[(n % #qs) + 1] .. '","mode":"hybrid","k":10}') end
LUA
cpu() { awk '{print $14+$15}' /proc/$PID/stat; }
tck=$(getconf CLK_TCK)
for kind in get search; do
  c0=$(cpu)
  out=$(wrk -t2 -c$C -d${T}s -s $D/$kind.lua http://127.0.0.1:$PORT 2>&1)
  c1=$(cpu)
  reqs=$(echo "$out" | awk '/requests in/{print $1}')
  rps=$(echo "$out" | awk '/Requests\/sec/{print $2}')
  non2xx=$(echo "$out" | awk '/Non-2xx/{print $NF}')
  echo "$NAME $kind c=$C rps=$rps cpu_us_per_req=$(python3 -c "print(round(($c1-$c0)/$tck*1e6/$reqs,1))") non2xx=${non2xx:-0}"
done
kill $PID; wait $PID 2>/dev/null
