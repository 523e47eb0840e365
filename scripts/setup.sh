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
