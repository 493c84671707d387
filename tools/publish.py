"""Make the folder to put on a static host: the built book, and the cache entries it computed.

Usage: python tools/publish.py [--html _build/html] [--cache DIR] [--out _build/publish]

The folder holds a copy of the built HTML at its root and, under ``artefacts/``, every
current entry of the data cache (:func:`rgkit.data.current_entries`: the datasets, trained
networks and sweep results whose key covers today's rgkit source) with ``manifest.json``,
which maps each entry's file name (its cache key) to its SHA-256 and size. A reader who sets
``RGBOOK_ARTEFACTS_URL`` to the published book's address + ``/artefacts`` gets a missing entry
downloaded and checked against that manifest instead of computed (:func:`rgkit.data.cached`).

The output depends only on the input files: entries in file-name order, the manifest as sorted
JSON with no dates. ``--out`` is replaced as a whole, so it must be a folder this script made
(or absent, or empty); the new folder is assembled beside it and renamed into place.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rgkit import _io, data  # noqa: E402

ARTEFACTS = "artefacts"
#: GitHub Pages refuses sites larger than this; other hosts have their own limits.
PAGES_LIMIT_BYTES = 1 << 30


class PublishError(Exception):
    """Why the folder cannot be made (printed as one line by :func:`main`)."""


def _inside(a: Path, b: Path) -> bool:
    return a == b or b in a.parents


def manifest(files: list[Path]) -> dict:
    """The manifest of the given files: ``{"format": 1, "entries": {name: {"sha256", "size"}}}``."""
    entries = {}
    for path in sorted(files, key=lambda p: p.name):
        sha256, size = _io.file_sha256(path)
        entries[path.name] = {"sha256": sha256, "size": size}
    return {"format": data.MANIFEST_FORMAT, "entries": entries}


def publish(html: str | Path, cache: str | Path, out: str | Path) -> dict:
    """Write the folder to publish and return its manifest.

    Parameters
    ----------
    html : path
        The built book (``_build/html``); must hold ``index.html``.
    cache : path
        The data cache the build used; a missing folder publishes no artefacts.
    out : path
        The folder to make; replaced if this script made it before.

    Returns
    -------
    dict
        The manifest written to ``out/artefacts/manifest.json``.

    Raises
    ------
    PublishError
        If ``html`` is not a built book, ``out`` overlaps ``html`` or ``cache``, or ``out``
        holds files this script did not put there.
    """
    html, cache, out = (Path(p).expanduser().resolve() for p in (html, cache, out))
    if not (html / "index.html").is_file():
        raise PublishError(f"no built book at {html} (no index.html): run `make book` first, or pass --html DIR")
    if (html / ARTEFACTS).exists():
        raise PublishError(f"{html} already has an {ARTEFACTS}/ folder, where the cache entries go")
    for other, what in ((html, "--html"), (cache, "--cache")):
        if _inside(out, other) or _inside(other, out):
            raise PublishError(f"--out {out} must lie outside {what} {other}, and not contain it")
    if out.exists():
        if not out.is_dir():
            raise PublishError(f"--out {out} is a file")
        if any(out.iterdir()) and not (out / ARTEFACTS / data.MANIFEST).is_file():
            raise PublishError(f"--out {out} is not empty and was not made by this script: choose another folder")
    entries = data.current_entries(cache) if cache.is_dir() else []

    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}."))
    try:
        site = staging / "site"
        # copyfile, not copy2: the published files get ordinary permissions (cache entries are
        # created owner-only) and the copy does not depend on the source's metadata.
        shutil.copytree(html, site, copy_function=shutil.copyfile)
        # GitHub Pages served from a branch runs Jekyll, which drops folders starting with '_'
        # (Sphinx's _static, _images); this file turns it off. Deployments from an artifact skip it.
        (site / ".nojekyll").touch()
        (site / ARTEFACTS).mkdir()
        for path in entries:
            shutil.copyfile(path, site / ARTEFACTS / path.name)
        # Hashed from the copies: the manifest describes exactly the bytes that are published.
        table = manifest([site / ARTEFACTS / p.name for p in entries])
        (site / ARTEFACTS / data.MANIFEST).write_text(json.dumps(table, indent=1, sort_keys=True) + "\n")
        if out.exists():
            old = staging / "old"
            os.replace(out, old)
        os.replace(site, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--html", default=str(ROOT / "_build" / "html"), help="the built book (default: _build/html)")
    parser.add_argument(
        "--cache",
        default=None,
        help=f"the data cache (default: ${data.ENV_VAR} if set, else _data/ of this repository)",
    )
    parser.add_argument("--out", default=str(ROOT / "_build" / "publish"), help="default: _build/publish")
    args = parser.parse_args(argv)
    cache = args.cache or os.environ.get(data.ENV_VAR) or str(ROOT / "_data")
    try:
        table = publish(args.html, cache, args.out)
    except PublishError as err:
        print(f"publish: {err}", file=sys.stderr)
        return 2
    total = sum(e["size"] for e in table["entries"].values())
    site = sum(p.stat().st_size for p in Path(args.out).rglob("*") if p.is_file())
    print(
        f"publish: {Path(args.out)}: the book's HTML and {len(table['entries'])} artefacts "
        f"({total / 1e6:.1f} MB; {site / 1e6:.1f} MB in all), listed in {ARTEFACTS}/{data.MANIFEST}"
    )
    if site > PAGES_LIMIT_BYTES:
        print(f"publish: warning: {site / 1e9:.2f} GB is more than GitHub Pages serves (1 GB)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
