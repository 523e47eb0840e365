#!/usr/bin/env bash
# Configures and builds Exemplar with CMake + Ninja (+ ccache) into ./build. Leaves ./build/exemplar.
# Usage: scripts/build.sh [extra cmake args]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${EXEMPLAR_BUILD_DIR:-build}
# ccache keys relative to the checkout, so a fresh clone elsewhere reuses the cache.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
JOBS=${EXEMPLAR_JOBS:-$(nproc)}
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="${EXEMPLAR_BUILD_TYPE:-Release}" "$@"
fi
cmake --build "$BUILD_DIR" -j "$JOBS"
