#!/usr/bin/env bash
# Builds and tests the web UI (web/). Usage: scripts/web.sh install|build|test|e2e|all
#   install  npm ci, when node_modules is missing or package-lock.json changed since the last install
#   build    type-check (tsc --noEmit), then vite build → web/dist
#   test     the generated API types match `build/exemplar openapi` and type-check against the
#            UI's own (src/lib/api-compat.ts), then component tests (vitest run)
#   e2e      browser tests against the real server (needs build/exemplar and web/dist)
set -euo pipefail
# shellcheck source=scripts/node-env.sh
source "$(dirname "${BASH_SOURCE[0]}")/node-env.sh"
web="$(cd "$(dirname "${BASH_SOURCE[0]}")/../web" && pwd)"
cd "$web"

install() {
  local stamp="node_modules/.package-lock.sha256"
  local want
  want="$(sha256sum package-lock.json | cut -d' ' -f1)"
  if [[ -d node_modules && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    echo "web: node_modules up to date"
    return
  fi
  echo "web: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" >"$stamp"
}

build() {
  install
  echo "web: type-check (node $(node --version), $(command -v node))"
  npx --no-install tsc --noEmit -p tsconfig.json
  echo "web: vite build"
  npx --no-install vite build --logLevel warn
}

test_() {
  install
  echo "web: API types (openapi-typescript) against the OpenAPI document"
  node scripts/api-types.mjs --check
  npx --no-install tsc --noEmit -p tsconfig.json
  npx --no-install vitest run
}

e2e() {
  install
  [[ -f dist/index.html ]] || build
  node e2e/run.mjs
}

case "${1:-}" in
  install) install ;;
  build) build ;;
  test) test_ ;;
  e2e) e2e ;;
  all) build && test_ && e2e ;;
  *)
    echo "usage: $0 install|build|test|e2e|all" >&2
    exit 2
    ;;
esac
