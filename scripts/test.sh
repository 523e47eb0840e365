#!/usr/bin/env bash
# Builds everything and runs every test: C++ unit and API tests (ctest), then the web UI's
# component and browser tests when the web app is present.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/build.sh
echo "== C++ tests (ctest)"
ctest --test-dir build --output-on-failure -j "${EXEMPLAR_TEST_JOBS:-2}" --timeout 600
if [ -f web/package.json ] && [ -z "${EXEMPLAR_SKIP_WEB:-}" ]; then
  echo "== Web UI"
  ./scripts/web.sh install
  ./scripts/web.sh build
  ./scripts/web.sh test
  ./scripts/web.sh e2e
fi
echo "== all tests passed"
