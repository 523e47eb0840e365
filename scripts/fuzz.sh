#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang-14 (ASan + UBSan) into build-fuzz and runs
# each for a short fixed time, seeded from tests/fuzz/corpus/<target> (read only: new inputs go to
# a temporary corpus). Fails when any target crashes; the crashing input is kept in
# build-fuzz/fuzz-crashes/ (reproduce: build-fuzz/tests/fuzz/<target> <file>).
# Env: EXEMPLAR_FUZZ_SECONDS (per target, default 15), EXEMPLAR_FUZZ_TARGETS (a subset, space
# separated), EXEMPLAR_FUZZ_BUILD_DIR (default build-fuzz), EXEMPLAR_JOBS (build parallelism).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${EXEMPLAR_FUZZ_BUILD_DIR:-build-fuzz}
FUZZ_SECONDS=${EXEMPLAR_FUZZ_SECONDS:-15}
JOBS=${EXEMPLAR_JOBS:-$(nproc)}
TARGETS=${EXEMPLAR_FUZZ_TARGETS:-$(ls tests/fuzz/corpus)}
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1

if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  CC=clang-14 CXX=clang++-14 cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DEXEMPLAR_FUZZ=ON
fi
# shellcheck disable=SC2086
cmake --build "$BUILD_DIR" -j "$JOBS" --target $TARGETS

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export TMPDIR="$work"  # the handler fixtures' data directories
failed=()
for t in $TARGETS; do
  mkdir -p "$work/$t/corpus" "$work/$t/crash"
  echo "== fuzz $t (${FUZZ_SECONDS}s)"
  if "$BUILD_DIR/tests/fuzz/$t" "$work/$t/corpus" "tests/fuzz/corpus/$t" -dict=tests/fuzz/json.dict \
      -max_total_time="$FUZZ_SECONDS" -timeout=20 -max_len=8192 -artifact_prefix="$work/$t/crash/" \
      >"$work/$t/log" 2>&1; then
    grep -E "^Done [0-9]+ runs" "$work/$t/log" || true
  else
    tail -n 60 "$work/$t/log"
    mkdir -p "$BUILD_DIR/fuzz-crashes/$t"
    cp "$work/$t/crash/"* "$BUILD_DIR/fuzz-crashes/$t/" 2>/dev/null || true
    echo "fuzz: $t failed; input kept in $BUILD_DIR/fuzz-crashes/$t/"
    failed+=("$t")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: FAILED: ${failed[*]}"
  exit 1
fi
echo "== fuzz: no crashes"
