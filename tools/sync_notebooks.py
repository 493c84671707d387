"""Write notebooks/NAME.ipynb (outputs stripped) from each chapter book/NAME.md.

The Markdown chapter is the source that is reviewed; the notebook is its form for papermill,
nbval, Jupyter and Colab: jupytext's code cells unchanged, the MyST of the Markdown cells turned
into plain Markdown, and a first cell that installs rgkit where it is missing
(tools/myst_to_notebook.py). tests/test_notebooks_in_sync.py fails if the two drift.

Usage: python tools/sync_notebooks.py [--list]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import jupytext

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import myst_to_notebook  # noqa: E402


def chapters() -> list[Path]:
    """The Markdown notebooks in book/: the .md files whose front matter has a jupytext header."""
    paths = sorted((ROOT / "book").glob("*.md"))
    return [p for p in paths if myst_to_notebook.is_notebook_page(p.read_text(encoding="utf-8"))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true", help="print the chapter notebooks and exit")
    args = parser.parse_args()
    if args.list:
        print("\n".join(str(p.relative_to(ROOT)) for p in chapters()))
        return
    target = ROOT / "notebooks"
    target.mkdir(exist_ok=True)
    wanted = set()
    book = myst_to_notebook.Book.load(ROOT)
    for md in chapters():
        nb = book.notebook(md.stem)  # stable cell ids, no outputs
        out = target / f"{md.stem}.ipynb"
        jupytext.write(nb, out, fmt="ipynb")
        wanted.add(out.name)
        print(f"wrote {out.relative_to(ROOT)}")
    for stale in target.glob("*.ipynb"):
        if stale.name not in wanted:
            stale.unlink()
            print(f"removed {stale.relative_to(ROOT)} (no chapter)")


if __name__ == "__main__":
    main()
