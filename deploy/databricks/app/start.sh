#!/bin/sh
# The app's command (app.yaml): rebuilds the files package.sh staged in pieces (Databricks Apps
# refuse app files over 10 MB) and the binary in a writable directory, checks each against
# bin/manifest.sha256, then runs the server with the staged libraries: exec exemplar "$@".
# The directory is exemplar-app in the first writable of $TMPDIR (default /tmp), $HOME and the
# app's own directory; it is rebuilt at every start. The server's data directory (its indexes,
# rebuilt from the database at start) is exemplar beside it unless EXEMPLAR_DATA_DIR is set.
set -eu
# The Apps runtime may hand the command little more than its Python venv on PATH.
PATH="${PATH:+$PATH:}/usr/bin:/bin"
export PATH
app=$(cd "$(dirname "$0")" && pwd)
base=""
for dir in "${TMPDIR:-/tmp}" "${HOME:-}" "$app"; do
  if [ -n "$dir" ] && [ -d "$dir" ] && [ -w "$dir" ]; then base=$dir; break; fi
done
[ -n "$base" ] || { echo "start: no writable directory (\$TMPDIR or /tmp, \$HOME, $app)" >&2; exit 1; }
run="$base/exemplar-app"
EXEMPLAR_DATA_DIR="${EXEMPLAR_DATA_DIR:-$base/exemplar}"
export EXEMPLAR_DATA_DIR
manifest="$app/bin/manifest.sha256"
[ -f "$manifest" ] || { echo "start: $manifest missing: stage the app with deploy/databricks/package.sh" >&2; exit 1; }
rm -rf "$run"
mkdir -p "$run/bin" "$run/lib"
while read -r sum rel; do
  if [ -f "$app/$rel.part-00" ]; then
    cat "$app/$rel".part-* >"$run/$rel"
  else
    cp "$app/$rel" "$run/$rel"
  fi
  got=$(sha256sum "$run/$rel" | cut -d' ' -f1)
  if [ "$got" != "$sum" ]; then
    echo "start: $rel rebuilt with sha256 $got, expected $sum: the app's files are incomplete or corrupt" >&2
    exit 1
  fi
done <"$manifest"
chmod 755 "$run/bin/exemplar"
# Rebuilt libraries first; the others are read where the bundle put them.
LD_LIBRARY_PATH="$run/lib:$app/lib"
export LD_LIBRARY_PATH
exec "$run/bin/exemplar" "$@"
