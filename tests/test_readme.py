"""The README names every chapter's files, and only chapters that exist."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_readme_table_lists_every_chapter_and_its_notebook():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (.+?) \| `book/(\w+)\.md` \| `notebooks/(\w+)\.ipynb` \|$", text, re.M)
    listed = {name for _, name, notebook in rows if name == notebook}
    assert len(listed) == len(rows), "each row's notebook is its chapter's pair"
    chapters = {p.stem for p in (ROOT / "notebooks").glob("*.ipynb")}
    assert listed == chapters
    for title, name, _ in rows:
        assert f"# {title}\n" in (ROOT / "book" / f"{name}.md").read_text(encoding="utf-8")
