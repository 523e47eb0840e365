#!/usr/bin/env bash
# Builds the concurrency stress test (tests/api/stress_test.cc) with ThreadSanitizer into
# build-tsan (only that test and the libraries it links) and runs it. Any race report fails it.
# Env: EXEMPLAR_TSAN_BUILD_DIR (default build-tsan), EXEMPLAR_JOBS (build parallelism).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${EXEMPLAR_TSAN_BUILD_DIR:-build-tsan}
JOBS=${EXEMPLAR_JOBS:-$(nproc)}
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1

if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DEXEMPLAR_TSAN=ON
fi
cmake --build "$BUILD_DIR" -j "$JOBS" --target stress_test
echo "== stress test under ThreadSanitizer"
# halt_on_error: the first race fails the run (exit code 66) instead of only being printed.
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 ${TSAN_OPTIONS:-}" "$BUILD_DIR/tests/stress_test" --gtest_repeat=3
