"""Check that a built book's chapters carry their launch buttons and notebook downloads.

With a repository address (``--repository``, the address the build was given), every
chapter page that has a paired notebook ``notebooks/NAME.ipynb`` must link the repository,
open that notebook on Colab and on Binder (not the ``.md`` source, which Colab cannot open),
and offer that notebook for download, byte for byte the one in ``notebooks/``. Without an
address, no page may carry a Colab or Binder link.

Usage: python tools/check_launch.py HTML_DIR [--repository https://github.com/OWNER/NAME]
"""

from __future__ import annotations

import argparse
import sys
from html.parser import HTMLParser
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
COLAB = "https://colab.research.google.com"
BINDER = "https://mybinder.org"


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)


def links(html: str) -> list[str]:
    """Every ``<a href>`` of a page, in order."""
    parser = _Links()
    parser.feed(html)
    return parser.hrefs


def expected_links(repository: str, branch: str, notebook: str) -> dict[str, str]:
    """The links a chapter with this notebook must carry, by what they are for."""
    owner_name = repository.removeprefix("https://github.com/")
    return {
        "repository": repository,
        "Colab": f"{COLAB}/github/{owner_name}/blob/{branch}/{notebook}",
        "Binder": f"{BINDER}/v2/gh/{owner_name}/{branch}?urlpath=lab/tree/{notebook}",
    }


def check_page(html: str, repository: str, branch: str, notebook: str) -> list[str]:
    """What a chapter page lacks (empty if nothing); ``repository`` empty: no launch links."""
    hrefs = links(html)
    if not repository:
        stray = [h for h in hrefs if h.startswith((COLAB, BINDER))]
        return [f"launch link without a repository address: {h}" for h in stray]
    problems = [
        f"no {what} link ({url})"
        for what, url in expected_links(repository, branch, notebook).items()
        if url not in hrefs
    ]
    stem = Path(notebook).stem
    if not any(h.endswith(f"_sources/book/{stem}.ipynb") for h in hrefs):
        problems.append(f"no download link to {stem}.ipynb")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html", type=Path)
    parser.add_argument("--repository", default="")
    args = parser.parse_args()
    branch = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["branch"]
    failures, checked = [], 0
    for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
        page = args.html / "book" / f"{notebook.stem}.html"
        if not page.is_file():
            failures.append(f"{page}: missing, though notebooks/{notebook.name} exists")
            continue
        found = check_page(page.read_text(encoding="utf-8"), args.repository, branch, f"notebooks/{notebook.name}")
        failures.extend(f"{page.name}: {p}" for p in found)
        download = args.html / "_sources" / "book" / notebook.name
        if args.repository and (not download.is_file() or download.read_bytes() != notebook.read_bytes()):
            failures.append(f"{page.name}: the downloadable {download.name} is not notebooks/{notebook.name}")
        checked += 1
    if failures:
        print("launch check FAILED:", *failures, sep="\n  ", file=sys.stderr)
        return 1
    what = (
        f"Colab, Binder, repository and download links to {args.repository}" if args.repository else "no launch links"
    )
    print(f"launch check passed: {checked} chapters, {what}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
