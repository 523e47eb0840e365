#!/usr/bin/env bash
# Stages the app's source directory (deploy/databricks/app) for `databricks bundle deploy`: the
# exemplar binary in bin/, the shared libraries it links beyond glibc in lib/ (app.yaml sets
# LD_LIBRARY_PATH=./lib), and the built web UI in web/.
# The Apps image is Ubuntu 22.04 (glibc 2.35): build the binary on a system whose glibc is not newer
# (e.g. an ubuntu:22.04 container) — the script prints the newest glibc symbol version it needs.
# Usage: deploy/databricks/package.sh [path/to/exemplar]   (default: build/exemplar)
set -euo pipefail
cd "$(dirname "$0")/../.."
app=deploy/databricks/app
bin=${1:-build/exemplar}
[ -x "$bin" ] || { echo "package: $bin not found (run scripts/build.sh)" >&2; exit 1; }
[ -f web/dist/index.html ] || { echo "package: web/dist is not built (run scripts/web.sh build)" >&2; exit 1; }
rm -rf "$app/bin" "$app/lib" "$app/web"
mkdir -p "$app/bin" "$app/lib"
cp "$bin" "$app/bin/exemplar"
# Every resolved library except glibc's own parts, which must come from the image.
ldd "$bin" | awk '/=> \// {print $3}' \
  | grep -Ev '/(libc|libm|libpthread|libdl|librt|libresolv)\.so|/ld-linux' \
  | xargs -r cp -L -t "$app/lib"
cp -r web/dist "$app/web"
need=$(objdump -T "$bin" "$app"/lib/*.so* 2>/dev/null | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1)
echo "package: staged $app ($(du -sh "$app" | cut -f1)); needs $need, the Apps image has GLIBC_2.35"
