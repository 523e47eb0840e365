#!/usr/bin/env bash
# Stages the app's source directory (deploy/databricks/app) for `databricks bundle deploy`: the
# exemplar binary (stripped) in bin/, the shared libraries it links beyond glibc in lib/, and the
# built web UI in web/. These directories are git-ignored; databricks.yml lists them under
# `sync: include:` so that the bundle uploads them all the same.
#
# Databricks Apps refuse any app file over 10 MB, so every file in bin/ or lib/ larger than
# part_bytes is split into <file>.part-NN pieces; bin/manifest.sha256 lists the checksum of each
# file app/start.sh rebuilds at start (the binary and every split file) in a writable directory.
#
# The Apps image is Ubuntu 22.04 (glibc 2.35): packaging fails when the binary or a staged library
# needs a newer glibc, since the app would not start. Build on a system whose glibc is not newer
# (e.g. an ubuntu:22.04 container; see README "Deploy on Databricks"). --allow-newer-glibc stages
# such a binary anyway (for the packaging test, or an image known to be newer).
#
# Usage: deploy/databricks/package.sh [--allow-newer-glibc] [--app-dir DIR] [--web-dist DIR]
#                                      [path/to/exemplar]      (default: build/exemplar)
set -euo pipefail
app="" web_dist="" bin="" allow_newer_glibc=0
while [ $# -gt 0 ]; do
  case "$1" in
    --allow-newer-glibc) allow_newer_glibc=1 ;;
    --app-dir) app=$(realpath -m "$2"); shift ;;
    --web-dist) web_dist=$(realpath -m "$2"); shift ;;
    -*) echo "package: unknown option $1" >&2; exit 2 ;;
    *) bin=$(realpath -m "$1") ;;
  esac
  shift
done
cd "$(dirname "$0")/../.."
app=${app:-deploy/databricks/app}
web_dist=${web_dist:-web/dist}
bin=${bin:-build/exemplar}
apps_glibc=2.35                # Ubuntu 22.04, the Databricks Apps image
limit_bytes=10000000           # "App files can't exceed 10 MB" (read as decimal megabytes, to be safe)
part_bytes=9000000             # pieces stay well under the limit

[ -x "$bin" ] || { echo "package: $bin not found (run scripts/build.sh)" >&2; exit 1; }
[ -f "$web_dist/index.html" ] || { echo "package: $web_dist is not built (run scripts/web.sh build)" >&2; exit 1; }
[ -f "$app/start.sh" ] || { echo "package: $app/start.sh missing (is $app the app's source directory?)" >&2; exit 1; }

# Every resolved library except glibc's own parts, which must come from the image.
mapfile -t libs < <(ldd "$bin" | awk '/=> \// {print $3}' |
  grep -Ev '/(libc|libm|libpthread|libdl|librt|libresolv)\.so|/ld-linux' || true)
need=$(objdump -T "$bin" "${libs[@]}" 2>/dev/null | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1)
need=${need#GLIBC_}
if [ -n "$need" ] && [ "$(printf '%s\n%s\n' "$need" "$apps_glibc" | sort -V | tail -1)" != "$apps_glibc" ]; then
  if [ "$allow_newer_glibc" = 1 ]; then
    echo "package: warning: $bin and its libraries need glibc $need, the Apps image has $apps_glibc (--allow-newer-glibc)" >&2
  else
    echo "package: error: $bin and its libraries need glibc $need, but the Databricks Apps image (Ubuntu 22.04) has" \
      "glibc $apps_glibc, so the app would not start. Build in an ubuntu:22.04 container (or on any system" \
      "with glibc <= $apps_glibc) with scripts/build.sh and package that binary; see README \"Deploy on Databricks\"." \
      "Pass --allow-newer-glibc to stage this binary anyway." >&2
    exit 1
  fi
fi

rm -rf "${app:?}/bin" "${app:?}/lib" "${app:?}/web"
mkdir -p "$app/bin" "$app/lib"
strip -o "$app/bin/exemplar" "$bin"
[ ${#libs[@]} -eq 0 ] || cp -L -t "$app/lib" "${libs[@]}"
cp -r "$web_dist" "$app/web"

manifest="$app/bin/manifest.sha256"
: >"$manifest"
for f in "$app/bin/exemplar" "$app"/lib/*; do
  [ -f "$f" ] || continue
  size=$(stat -c %s "$f")
  [ "$f" = "$app/bin/exemplar" ] || [ "$size" -gt "$part_bytes" ] || continue
  echo "$(sha256sum "$f" | cut -d' ' -f1)  ${f#"$app"/}" >>"$manifest"
  if [ "$size" -gt "$part_bytes" ]; then
    split -b "$part_bytes" -d -a 2 "$f" "$f.part-"
    rm "$f"
  fi
done

too_big=$(find "$app" -type f -size "+$((limit_bytes - 1))c")
if [ -n "$too_big" ]; then
  echo "package: error: these files reach the 10 MB Apps limit: $too_big" >&2
  exit 1
fi
echo "package: staged $app ($(du -sh "$app" | cut -f1), $(wc -l <"$manifest") files rebuilt by start.sh);" \
  "needs glibc ${need:-?}, the Apps image has $apps_glibc"
