#!/usr/bin/env bash
# Configures and builds Exemplar with CMake + Ninja (+ ccache) into ./build. Leaves ./build/exemplar.
# Usage: scripts/build.sh [extra cmake args]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${EXEMPLAR_BUILD_DIR:-build}
JOBS=${EXEMPLAR_JOBS:-$(nproc)}
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="${EXEMPLAR_BUILD_TYPE:-RelWithDebInfo}" "$@"
fi
cmake --build "$BUILD_DIR" -j "$JOBS"
