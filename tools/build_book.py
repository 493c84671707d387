"""Build the book at a profile, with an execution cache that is keyed on the profile and rgkit.

Usage: python tools/build_book.py --profile {full,smoke}

* ``full`` builds into ``_build/html`` (the book).
* ``smoke`` builds into ``_build/smoke/_build/html`` (the test build), with its own cache.

Jupyter Book's cache hashes only the code cells, and Sphinx re-reads only pages whose source
changed, so a change to rgkit would be served stale outputs: both the execution cache and
Sphinx's environment are cleared whenever the hash of rgkit's source (and pyproject.toml)
changes.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def source_key() -> str:
    """SHA-256 over rgkit's source files and pyproject.toml."""
    digest = hashlib.sha256()
    files = sorted((ROOT / "rgkit").rglob("*.py")) + [ROOT / "pyproject.toml"]
    for path in files:
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", choices=("full", "smoke"), required=True)
    args = parser.parse_args()
    output = ROOT if args.profile == "full" else ROOT / "_build" / "smoke"
    build = output / "_build"
    build.mkdir(parents=True, exist_ok=True)
    stamp = build / ".rgkit-key"
    key = f"{args.profile}:{source_key()}"
    if not stamp.exists() or stamp.read_text() != key:
        for stale in (".jupyter_cache", ".doctrees", "jupyter_execute"):
            shutil.rmtree(build / stale, ignore_errors=True)
        stamp.write_text(key)
    env = dict(os.environ, RGBOOK_PROFILE=args.profile, RGBOOK_QUIET="1")
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb), "build", str(ROOT), "--path-output", str(output), "-W", "-n", "--keep-going"]
    print("+", " ".join(cmd), f"(RGBOOK_PROFILE={args.profile})", flush=True)
    result = subprocess.run(cmd, env=env, cwd=ROOT)
    if result.returncode == 0:
        print(f"built {build / 'html' / 'index.html'}")
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
