"""Build the book at a profile, with an execution cache keyed per chapter on what it runs.

Usage: python tools/build_book.py --profile {full,smoke}

* ``full`` builds into ``_build/html`` (the book).
* ``smoke`` builds into ``_build/smoke/_build/html`` (the test build), with its own cache.

Jupyter Book's cache hashes only a chapter's code cells, and Sphinx re-reads only pages whose
source changed, so a change to rgkit would be served stale outputs. Each chapter therefore
has a key: the profile, pyproject.toml, and the source of the rgkit modules the chapter
imports together with every rgkit module those import (the rule the data cache uses,
:func:`rgkit.data.source_hash`). When a chapter's key changes, its cached execution is
removed and its source file touched, so Sphinx reads and executes it again; chapters whose
modules did not change keep their outputs.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import jupytext

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rgkit.data import source_hash  # noqa: E402


def chapter_modules(text: str) -> list[str]:
    """The rgkit modules a chapter's code cells import, found with ``ast`` (wrapped imports
    included). ``import rgkit`` itself, or a cell that does not parse, counts as every module."""
    package = sorted(p.stem for p in (ROOT / "rgkit").glob("*.py") if p.stem != "__init__")
    found = set()
    for cell in jupytext.reads(text, fmt="md:myst").cells:
        if cell.cell_type != "code" or "rgkit" not in cell.source:
            continue
        code = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
        try:
            tree = ast.parse(code)
        except SyntaxError:
            return package
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "rgkit":
                sub = node.module.split(".")[1:]
                found.update(sub[:1] if sub else (alias.name for alias in node.names))
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    parts = alias.name.split(".")
                    if parts[0] == "rgkit":
                        if len(parts) == 1:
                            return package
                        found.add(parts[1])
    return sorted(found & set(package))


def chapter_keys(profile: str) -> dict[str, str]:
    """For every chapter in book/, the key of what its execution depends on."""
    # The package's __init__ runs before any module (it configures numba's cache): its own
    # bytes are part of every key, without the imports it makes.
    base = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + (ROOT / "rgkit" / "__init__.py").read_bytes())
    base = base.hexdigest()
    keys = {}
    for source in sorted((ROOT / "book").glob("*.md")):
        modules = chapter_modules(source.read_text())
        keys[str(source.relative_to(ROOT))] = f"{profile}:{base}:{source_hash(modules) if modules else '-'}"
    return keys


def invalidate(build: Path, profile: str) -> list[str]:
    """Drop the cached executions of chapters whose key changed; return their paths."""
    stamp = build / ".rgkit-keys.json"
    old = json.loads(stamp.read_text()) if stamp.exists() else {}
    new = chapter_keys(profile)
    changed = [chapter for chapter, key in new.items() if old.get(chapter) != key]
    cache_path = build / ".jupyter_cache"
    if changed and cache_path.exists():
        from jupyter_cache import get_cache

        cache = get_cache(cache_path)
        stale = {str((ROOT / c).resolve()) for c in changed}
        for record in cache.list_cache_records():
            if str(Path(record.uri).resolve()) in stale:
                cache.remove_cache(record.pk)
    for chapter in changed:
        os.utime(ROOT / chapter)  # Sphinx re-reads a page whose source is newer than its doctree
    stamp.write_text(json.dumps(new, indent=1, sort_keys=True))
    return changed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", choices=("full", "smoke"), required=True)
    args = parser.parse_args()
    output = ROOT if args.profile == "full" else ROOT / "_build" / "smoke"
    build = output / "_build"
    build.mkdir(parents=True, exist_ok=True)
    changed = invalidate(build, args.profile)
    print(f"chapters to execute again: {', '.join(Path(c).stem for c in changed) or 'none'}", flush=True)
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
