"""Build the book at a profile, with an execution cache keyed per chapter on what it runs.

Usage: python tools/build_book.py --profile {full,smoke} [--executed DIR] [--repository URL]

* ``full`` builds into ``_build/html`` (the book).
* ``smoke`` builds into ``_build/smoke/_build/html`` (the test build), with its own cache.
* ``--executed DIR`` takes the outputs of chapters that papermill already executed at this
  profile (``DIR/NAME.ipynb``) instead of executing them again: ``make test`` runs papermill
  for nbval, then builds the smoke book from the same outputs instead of a third run.

Jupyter Book's cache hashes only a chapter's code cells, and Sphinx re-reads only pages whose
source changed, so a change to rgkit would be served stale outputs. Each chapter therefore
has a key: the profile, pyproject.toml, and the source of the rgkit modules the chapter
imports together with every rgkit module those import (the rule the data cache uses,
:func:`rgkit.data.source_hash`). When a chapter's key changes, its cached execution is
removed and its source file touched, so Sphinx reads and executes it again; chapters whose
modules did not change keep their outputs.

At the end it prints how long each chapter took to execute, from ``build_times.json``, which
the build writes beside its execution cache and the front page shows (``tools/build_times.py``).
"""

from __future__ import annotations

import argparse
import ast
import copy
import hashlib
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import jupytext
import nbformat
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

import build_times  # noqa: E402

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


def read_chapter(source: Path) -> nbformat.NotebookNode | None:
    """A chapter as myst-nb reads it, the notebook whose code cells key the execution cache;
    None if the page is not a notebook. The Markdown extensions decide which fences are cells
    (a code cell inside a ``:::`` block is not one), so they are the book's."""
    from myst_nb.core.read import is_myst_markdown_notebook, read_myst_markdown_notebook
    from myst_parser.config.main import MdParserConfig

    text = source.read_text(encoding="utf-8")
    if not is_myst_markdown_notebook(text):
        return None
    extensions = yaml.safe_load((ROOT / "_config.yml").read_text())["parse"]["myst_enable_extensions"]
    config = MdParserConfig(enable_extensions=set(extensions))
    return read_myst_markdown_notebook(text, config=config, add_source_map=True, path=str(source))


def merge_executed(
    chapter: nbformat.NotebookNode, executed: nbformat.NotebookNode, profile: str, not_before: float
) -> tuple[nbformat.NotebookNode, dict]:
    """The chapter with the outputs papermill wrote, and the cache record's data.

    Parameters
    ----------
    chapter : NotebookNode
        The chapter as :func:`read_chapter` reads it.
    executed : NotebookNode
        What ``papermill -p profile PROFILE`` wrote for the same chapter.
    profile : str
        The profile of the build.
    not_before : float
        Seconds since the epoch (s): papermill must have started after this, the last change
        of a source the outputs depend on besides the chapter's code (which is compared).

    Returns
    -------
    notebook : NotebookNode
        A copy of ``chapter`` with papermill's outputs, counted as if the injected-parameters
        cell had not been there.
    data : dict
        ``execution_seconds`` (papermill's duration, s), ``execution_end`` (UTC, ISO 8601)
        and ``executed_by``.

    Raises
    ------
    ValueError
        When the outputs cannot stand for the build's own execution of the chapter: not
        papermill's, another profile or other parameters, a cell that raised or did not run,
        code that differs from the chapter's, or a run older than ``not_before``.
    """
    meta = executed.metadata.get("papermill")
    if not meta:
        raise ValueError("not written by papermill")
    if meta.get("exception"):
        raise ValueError("papermill stopped at an error")
    parameters = dict(meta.get("parameters") or {})
    if parameters != {"profile": profile}:
        raise ValueError(f"papermill's parameters were {parameters}, not {{'profile': {profile!r}}}")
    try:
        # papermill writes UTC (older versions without the zone).
        start, end = (datetime.fromisoformat(meta[key]) for key in ("start_time", "end_time"))
        start, end = (t if t.tzinfo else t.replace(tzinfo=UTC) for t in (start, end))
        seconds = float(meta["duration"])
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"papermill's metadata lacks its times ({error})") from error
    if start.timestamp() < not_before:
        raise ValueError("executed before rgkit or pyproject.toml last changed")
    ran = [
        cell
        for cell in executed.cells
        # Papermill's injected parameters and the notebook's Colab install cell are not the chapter's.
        if cell.cell_type == "code"
        and not {"injected-parameters", "colab-install"} & set(cell.metadata.get("tags", []))
    ]
    merged = copy.deepcopy(chapter)
    code = [cell for cell in merged.cells if cell.cell_type == "code"]
    if [cell.source for cell in code] != [cell.source for cell in ran]:
        raise ValueError("its code cells differ from the chapter's (run `make sync`)")
    count = 0
    for cell, done in zip(code, ran, strict=True):
        tolerated = "raises-exception" in cell.metadata.get("tags", [])
        if not tolerated and any(output.output_type == "error" for output in done.outputs):
            raise ValueError("a cell raised")
        if done.execution_count is None and cell.source.strip():
            raise ValueError("a cell did not run")
        if done.execution_count is not None:
            count += 1
        cell.execution_count = count if done.execution_count is not None else None
        cell.outputs = copy.deepcopy(done.outputs)
    if "language_info" in executed.metadata:
        merged.metadata["language_info"] = copy.deepcopy(executed.metadata["language_info"])
    end = end.isoformat(timespec="seconds")
    return merged, {"execution_seconds": seconds, "execution_end": end, "executed_by": "papermill"}


def seed_cache(build: Path, executed: Path, profile: str) -> dict[str, str]:
    """Put the chapters papermill executed into the build's execution cache.

    myst-nb then finds each one there, as if the book build had executed it, and Sphinx renders
    it from the chapter's source as usual, under ``-W -n``. A chapter whose outputs are refused
    (see :func:`merge_executed`) is executed by the build as usual. Returns, per chapter,
    ``"seeded"`` or the reason it was not.
    """
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    cache = get_cache(build / ".jupyter_cache")
    # Not the chapter's own file: its code is compared cell by cell, and invalidate() touches it.
    inputs = [ROOT / "pyproject.toml", *(ROOT / "rgkit").glob("*.py")]
    not_before = max(path.stat().st_mtime for path in inputs)
    outcome = {}
    for source in sorted((ROOT / "book").glob("*.md")):
        chapter = read_chapter(source)
        if chapter is None:
            continue
        name = str(source.relative_to(ROOT))
        ran = executed / f"{source.stem}.ipynb"
        if not ran.exists():
            outcome[name] = f"no {ran}"
            continue
        try:
            notebook, data = merge_executed(chapter, nbformat.read(ran, as_version=4), profile, not_before)
        except ValueError as error:
            outcome[name] = str(error)
            continue
        bundle = CacheBundleIn(notebook, str(source.resolve()), data=data)
        cache.cache_notebook_bundle(bundle, check_validity=False, overwrite=True)
        outcome[name] = "seeded"
    return outcome


def report_times(build: Path, since: float, seeded: list[str]) -> None:
    """Print the build's chapter times; warn about seeded chapters that ran again."""
    path = build / build_times.FILE_NAME
    times = build_times.read_build_times(path)
    if times is None or datetime.fromisoformat(times.built).timestamp() < int(since):  # built: whole seconds
        print(f"no chapter times from this build in {path}")
        return
    print(f"\nchapter execution times ({path}):\n{build_times.format_table(times)}")
    again = [c.title for c in times.chapters if c.status == "executed" and f"{c.docname}.md" in seeded]
    if again:
        print(f"warning: executed again although papermill's outputs were in the cache: {', '.join(again)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", choices=("full", "smoke"), required=True)
    parser.add_argument("--executed", type=Path, help="folder of chapters papermill executed at this profile")
    parser.add_argument(
        "--repository",
        help="the book's GitHub address for this build (launch buttons; default: _config.yml's repository.url)",
    )
    args = parser.parse_args()
    started = time.time()
    output = ROOT if args.profile == "full" else ROOT / "_build" / "smoke"
    build = output / "_build"
    build.mkdir(parents=True, exist_ok=True)
    changed = invalidate(build, args.profile)
    print(f"chapters to execute again: {', '.join(Path(c).stem for c in changed) or 'none'}", flush=True)
    seeded = []
    if args.executed is not None:
        outcome = seed_cache(build, args.executed, args.profile)
        seeded = [chapter for chapter, result in outcome.items() if result == "seeded"]
        refused = [f"{Path(chapter).stem} ({result})" for chapter, result in outcome.items() if result != "seeded"]
        print(f"outputs taken from papermill: {', '.join(Path(c).stem for c in seeded) or 'none'}", flush=True)
        if refused:
            print(f"executed by the build instead: {'; '.join(refused)}", flush=True)
    env = dict(os.environ, RGBOOK_PROFILE=args.profile, RGBOOK_QUIET="1")
    if args.repository:
        env["RGBOOK_REPOSITORY_URL"] = args.repository  # read by book/_ext/rgbook_assets.py
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb), "build", str(ROOT), "--path-output", str(output), "-W", "-n", "--keep-going"]
    print("+", " ".join(cmd), f"(RGBOOK_PROFILE={args.profile})", flush=True)
    result = subprocess.run(cmd, env=env, cwd=ROOT)
    report_times(build, started, seeded)
    if result.returncode == 0:
        print(f"built {build / 'html' / 'index.html'}")
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
