#!/usr/bin/env bash
# Starts or stops a throwaway PostgreSQL 15 server on loopback for the test suites.
#   scripts/pg_test_server.sh start DIR   initdb in DIR/data, serve on a free port, write DIR/url
#   scripts/pg_test_server.sh stop DIR    stop it and remove DIR
# The server trusts loopback connections (test data only) and skips fsync for speed, except for
# roles in the group `exemplar_password_login`, which must log in with a password (scram-sha-256):
# the credential-rotation test uses one. When run as root the cluster belongs to the `postgres`
# user, since PostgreSQL refuses to run as root.
set -euo pipefail
cmd=${1:?usage: pg_test_server.sh start|stop DIR}
dir=${2:?usage: pg_test_server.sh start|stop DIR}
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$bindir/initdb" ] || { echo "pg_test_server: PostgreSQL server binaries not found (scripts/setup.sh installs them)" >&2; exit 1; }

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
  start)
    if [ -f "$dir/url" ] && grep -q exemplar_password_login "$dir/data/pg_hba.conf" 2>/dev/null \
       && as_owner "$bindir/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
      exit 0  # already running
    fi
    if [ -d "$dir/data" ]; then  # a server of an older version of this script: replace it
      as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    as_owner "$bindir/initdb" -D "$dir/data" -U exemplar --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    # First match wins: members of the group need a password, everyone else is trusted.
    { printf 'host all +exemplar_password_login 127.0.0.1/32 scram-sha-256\n'
      printf 'host all +exemplar_password_login ::1/128 scram-sha-256\n'
      cat "$dir/data/pg_hba.conf"; } >"$dir/pg_hba.new"
    as_owner cp "$dir/pg_hba.new" "$dir/data/pg_hba.conf"
    rm -f "$dir/pg_hba.new"
    as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
      -o "-h 127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
      >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    echo "postgresql://exemplar@127.0.0.1:$port/postgres" >"$dir/url.tmp"
    mv "$dir/url.tmp" "$dir/url"
    echo "pg_test_server: $(cat "$dir/url")"
    ;;
  stop)
    if [ -d "$dir/data" ]; then
      as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
  *)
    echo "usage: pg_test_server.sh start|stop DIR" >&2
    exit 2
    ;;
esac
