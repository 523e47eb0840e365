#!/usr/bin/env bash
# The main job: install what is missing, build, seed demo data on first start, and serve on an
# embedded SQLite database at http://127.0.0.1:${EXEMPLAR_PORT:-8080}.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/build.sh
if [ -f web/package.json ]; then
  ./scripts/web.sh install
  ./scripts/web.sh build
fi
export EXEMPLAR_DATA_DIR=${EXEMPLAR_DATA_DIR:-$PWD/data/exemplar}
export EXEMPLAR_PORT=${EXEMPLAR_PORT:-8080}
if [ ! -f "$EXEMPLAR_DATA_DIR/exemplar.db" ]; then
  ./build/exemplar seed
fi
exec ./build/exemplar serve
