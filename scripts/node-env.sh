# Sourced by the scripts that run node, npm or npx for the project (web.sh, bench-peers.sh): when
# scripts/setup.sh had to fetch a Node.js (the system's was older than the web UI needs), its bin
# directory, .tools/node/node_modules/.bin, goes first on PATH. The system's npm then runs on it.
exemplar_node_bin="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.tools/node/node_modules/.bin"
if [[ -x "$exemplar_node_bin/node" ]]; then
  export PATH="$exemplar_node_bin:$PATH"
fi
unset exemplar_node_bin
