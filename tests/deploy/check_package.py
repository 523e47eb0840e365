"""Packages a real exemplar binary with deploy/databricks/package.sh into a temporary copy of the
app directory and checks what Databricks Apps would get:
  - a binary whose glibc is newer than the Apps image's (2.35) is refused unless
    --allow-newer-glibc is given, and nothing is staged then;
  - no staged file reaches the 10 MB per-file limit of Databricks Apps;
  - start.sh (the app's command) rebuilds the binary and every split library byte for byte in
    $TMPDIR, and the rebuilt binary runs (`exemplar version`) with the staged libraries;
  - without a writable $TMPDIR start.sh rebuilds under $HOME and puts the data directory there;
  - start.sh refuses to start when a piece is corrupt.

Usage: check_package.py EXEMPLAR_BINARY      (exit 0 when every check passes)
"""
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PACKAGE = os.path.join(REPO, "deploy", "databricks", "package.sh")
APP_SOURCE = os.path.join(REPO, "deploy", "databricks", "app")
APPS_GLIBC = (2, 35)
LIMIT_BYTES = 10_000_000
GLIBC_PARTS = re.compile(r"/(libc|libm|libpthread|libdl|librt|libresolv)\.so|/ld-linux")


def staged_libraries(binary):
    """The libraries package.sh ships: those the binary resolves, except glibc's own parts."""
    out = subprocess.run(["ldd", binary], capture_output=True, text=True, check=True).stdout
    libs = [m.group(1) for m in re.finditer(r"=> (/\S+)", out)]
    return [lib for lib in libs if not GLIBC_PARTS.search(lib)]


def glibc_needed(files):
    out = subprocess.run(["objdump", "-T", *files], capture_output=True, text=True).stdout
    versions = {tuple(int(x) for x in v.split(".")) for v in re.findall(r"GLIBC_([0-9.]+)\b", out)}
    return max(versions) if versions else (0,)


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def same_bytes(a, b):
    with open(a, "rb") as fa, open(b, "rb") as fb:
        return fa.read() == fb.read()


def main():
    binary = os.path.abspath(sys.argv[1])
    errors = []
    work = tempfile.mkdtemp(prefix="exemplar-package-")
    try:
        app = os.path.join(work, "app")
        shutil.copytree(APP_SOURCE, app, ignore=shutil.ignore_patterns("bin", "lib", "web"))
        web = os.path.join(work, "web-dist")
        os.makedirs(os.path.join(web, "assets"))
        for name in ("index.html", "assets/app.js"):
            with open(os.path.join(web, name), "w") as f:
                f.write("<!doctype html>\n")
        package = ["bash", PACKAGE, "--app-dir", app, "--web-dist", web]
        libs = staged_libraries(binary)

        # The glibc gate: a binary the Apps image cannot run is refused, with the way out.
        plain = subprocess.run(package + [binary], capture_output=True, text=True)
        if glibc_needed([binary, *libs]) > APPS_GLIBC:
            if plain.returncode == 0:
                errors.append("package.sh staged a binary that needs a glibc newer than 2.35 without --allow-newer-glibc")
            elif "ubuntu:22.04" not in plain.stderr or "--allow-newer-glibc" not in plain.stderr:
                errors.append(f"package.sh refused the binary without saying how to build one: {plain.stderr!r}")
            if os.path.exists(os.path.join(app, "bin")):
                errors.append("package.sh staged files although it refused the binary")
        elif plain.returncode != 0:
            errors.append(f"package.sh refused a binary the Apps image can run: {plain.stderr!r}")

        staged = subprocess.run(package + ["--allow-newer-glibc", binary], capture_output=True, text=True)
        if staged.returncode != 0:
            errors.append(f"package.sh --allow-newer-glibc failed: {staged.stderr!r}")
            return report(errors)

        # The Apps per-file limit.
        for root, _dirs, files in os.walk(app):
            for name in files:
                path = os.path.join(root, name)
                if os.path.getsize(path) >= LIMIT_BYTES:
                    errors.append(f"{os.path.relpath(path, app)} is {os.path.getsize(path)} bytes (the limit is 10 MB)")

        # start.sh rebuilds what the manifest lists, byte for byte, and runs the binary.
        with open(os.path.join(app, "bin", "manifest.sha256")) as f:
            manifest = [line.split() for line in f if line.strip()]
        rebuilt = {rel for _sum, rel in manifest}
        if "bin/exemplar" not in rebuilt:
            errors.append("the manifest does not list bin/exemplar")
        tmpdir = os.path.join(work, "tmp")
        os.makedirs(tmpdir)
        env = {"TMPDIR": tmpdir}  # the Apps runtime passes little: no PATH or LD_LIBRARY_PATH needed
        start = ["/bin/sh", os.path.join(app, "start.sh")]
        run = subprocess.run(start + ["version"], cwd=app, env=env, capture_output=True, text=True, timeout=60)
        if run.returncode != 0 or not run.stdout.startswith("exemplar "):
            errors.append(f"start.sh version: exit {run.returncode}, stdout {run.stdout!r}, stderr {run.stderr!r}")
        out = os.path.join(tmpdir, "exemplar-app")
        stripped = os.path.join(work, "exemplar.stripped")
        subprocess.run(["strip", "-o", stripped, binary], check=True)
        originals = {"bin/exemplar": stripped}
        originals.update({f"lib/{os.path.basename(lib)}": os.path.realpath(lib) for lib in libs})
        for _sum, rel in manifest:
            if rel not in originals:
                errors.append(f"the manifest lists {rel}, which package.sh should not have staged")
            elif not os.path.isfile(os.path.join(out, rel)) or not same_bytes(os.path.join(out, rel), originals[rel]):
                errors.append(f"start.sh did not rebuild {rel} byte for byte")
        for rel, original in originals.items():
            whole = os.path.join(app, rel)
            if rel not in rebuilt and not (os.path.isfile(whole) and same_bytes(whole, original)):
                errors.append(f"{rel} is neither staged whole nor rebuilt by start.sh")
        split = [rel for rel in rebuilt if os.path.exists(os.path.join(app, rel + ".part-00"))]

        # Without a writable $TMPDIR start.sh falls back to $HOME, and the server's data directory
        # goes beside what it rebuilt (the store is absent here: the CLI's refusal names its path).
        home = os.path.join(work, "home")
        os.makedirs(home)
        fallback = {"TMPDIR": os.path.join(work, "missing"), "HOME": home}
        fb = subprocess.run(start + ["token", "list"], cwd=app, env=fallback, capture_output=True, text=True, timeout=60)
        if not os.path.isfile(os.path.join(home, "exemplar-app", "bin", "exemplar")):
            errors.append(f"start.sh without $TMPDIR did not rebuild under $HOME: stderr {fb.stderr!r}")
        if os.path.join(home, "exemplar", "exemplar.db") not in fb.stderr:
            errors.append(f"start.sh did not put the data directory beside its scratch: stderr {fb.stderr!r}")

        # A corrupt piece: start.sh stops before running anything.
        target = split[0] if split else "bin/exemplar"
        piece = os.path.join(app, target + (".part-00" if split else ""))
        with open(piece, "r+b") as f:
            first = f.read(1)
            f.seek(0)
            f.write(bytes([first[0] ^ 0xFF]))
        bad = subprocess.run(start + ["version"], cwd=app, env=env, capture_output=True, text=True, timeout=60)
        if bad.returncode == 0 or "corrupt" not in bad.stderr or "exemplar " in bad.stdout:
            errors.append(f"start.sh with a corrupt {target}: exit {bad.returncode}, stderr {bad.stderr!r}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if not errors:
        print(f"ok: staged {len(libs)} libraries, {len(split)} files split and rebuilt by start.sh, "
              f"none over the 10 MB limit; the rebuilt binary runs; a corrupt piece stops the start")
    return report(errors)


def report(errors):
    for e in errors:
        print("error:", e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
