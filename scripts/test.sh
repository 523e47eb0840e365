#!/usr/bin/env bash
# Builds everything and runs every test: C++ unit and API tests (ctest), a short libFuzzer run of
# every fuzz target (scripts/fuzz.sh, build-fuzz), the stress test under ThreadSanitizer
# (scripts/tsan.sh, build-tsan), then the web UI's component and browser tests when the web app
# is present. Skip parts with EXEMPLAR_SKIP_FUZZ=1, EXEMPLAR_SKIP_TSAN=1, EXEMPLAR_SKIP_WEB=1.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/build.sh
echo "== C++ tests (ctest)"
ctest --test-dir "${EXEMPLAR_BUILD_DIR:-build}" --output-on-failure -j "${EXEMPLAR_TEST_JOBS:-2}" --timeout 600
if [ -z "${EXEMPLAR_SKIP_FUZZ:-}" ]; then
  echo "== Fuzzing (libFuzzer, ${EXEMPLAR_FUZZ_SECONDS:-15} s per target)"
  ./scripts/fuzz.sh
fi
if [ -z "${EXEMPLAR_SKIP_TSAN:-}" ]; then
  echo "== Concurrency under ThreadSanitizer"
  ./scripts/tsan.sh
fi
if [ -f web/package.json ] && [ -z "${EXEMPLAR_SKIP_WEB:-}" ]; then
  echo "== Web UI"
  ./scripts/web.sh install
  ./scripts/web.sh build
  ./scripts/web.sh test
  ./scripts/web.sh e2e
fi
echo "== all tests passed"
