"""The chapters (book/*.md) and their notebooks (notebooks/*.ipynb) must not drift.

A notebook is its chapter as tools/myst_to_notebook.py converts it: jupytext's code cells,
Markdown without MyST, a first cell that installs rgkit.
"""

import importlib.util
import re
import sys
from functools import cache
from pathlib import Path

import jupytext
import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("myst_to_notebook", ROOT / "tools" / "myst_to_notebook.py")
myst_to_notebook = importlib.util.module_from_spec(_spec)
sys.modules["myst_to_notebook"] = myst_to_notebook  # its dataclasses look their module up
_spec.loader.exec_module(myst_to_notebook)


@cache
def book():
    return myst_to_notebook.Book.load(ROOT)


def committed(md: Path):
    ipynb = ROOT / "notebooks" / f"{md.stem}.ipynb"
    assert ipynb.exists(), f"{ipynb.name} is missing: run `make sync`"
    return nbformat.read(ipynb, as_version=4)


def chapter_sources() -> list[Path]:
    paths = sorted((ROOT / "book").glob("*.md"))
    return [p for p in paths if myst_to_notebook.is_notebook_page(p.read_text(encoding="utf-8"))]


def cell_view(nb) -> list[tuple]:
    return [(c.get("id"), c.cell_type, c.source.strip(), dict(c.get("metadata", {}))) for c in nb.cells]


def test_there_are_chapter_notebooks():
    assert len(chapter_sources()) >= 3


def test_every_notebook_has_a_chapter():
    stems = {p.stem for p in chapter_sources()}
    orphans = [p.name for p in (ROOT / "notebooks").glob("*.ipynb") if p.stem not in stems]
    assert not orphans, f"notebooks without a chapter in book/: {orphans} (run `make sync`)"


@pytest.mark.parametrize("md", chapter_sources(), ids=lambda p: p.stem)
def test_notebook_matches_its_chapter(md):
    notebook = committed(md)
    assert cell_view(notebook) == cell_view(book().notebook(md.stem)), (
        f"{md.stem}.ipynb drifted from {md.name}: `make sync`"
    )
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert not cell.outputs, f"{md.stem}.ipynb has outputs committed"


@pytest.mark.parametrize("md", chapter_sources(), ids=lambda p: p.stem)
def test_notebook_code_cells_are_jupytext_s_after_the_install_cell(md):
    # papermill and nbval run these cells, and the book's build compares them with the chapter's.
    notebook = committed(md)
    install = notebook.cells[0]
    assert install.cell_type == "code" and install.metadata.get("tags") == ["colab-install"], "no install cell first"
    # The notebook may only add the collapsed-source flag to what the book hides.
    code = [
        (c.source, {k: v for k, v in c.metadata.items() if k != "jupyter"})
        for c in notebook.cells[1:]
        if c.cell_type == "code"
    ]
    assert code == [(c.source, dict(c.metadata)) for c in jupytext.read(md).cells if c.cell_type == "code"]
    for cell in notebook.cells[1:]:
        hidden = bool(myst_to_notebook.HIDDEN_TAGS & set(cell.metadata.get("tags", [])))
        if cell.cell_type == "code":
            assert cell.metadata.get("jupyter", {}).get("source_hidden", False) == hidden


#: What Jupyter and Colab would show raw: a role, a directive fence, a MyST target, a labelled
#: equation.
LEFTOVERS = {
    "role": re.compile(r"\{[A-Za-z][\w:+.-]*\}`"),
    "directive": re.compile(r"^\s*(```+|:::+)\s*\{", re.M),
    "target": re.compile(r"^\s*\([^()\s]+\)=\s*$", re.M),
    "labelled equation": re.compile(r"\$\$\s*\([^()\s]+\)\s*$", re.M),
}


@pytest.mark.parametrize("md", chapter_sources(), ids=lambda p: p.stem)
def test_notebook_markdown_has_no_myst_left(md):
    found = [
        (cell.id, name, match[0])
        for cell in committed(md).cells
        if cell.cell_type == "markdown"
        for name, pattern in LEFTOVERS.items()
        for match in pattern.finditer(cell.source)
    ]
    assert not found, f"{md.stem}.ipynb shows MyST in Jupyter: {found[:5]}"


def test_the_leftover_patterns_catch_what_the_chapters_use():
    text = "{cite:p}`a`\n```{prf:theorem}\n:::{note}\n(chap-x)=\n$$ (eq-x)\n"
    assert {name for name, pattern in LEFTOVERS.items() if pattern.search(text)} == set(LEFTOVERS)


@pytest.mark.parametrize("md", chapter_sources(), ids=lambda p: p.stem)
def test_chapter_has_a_parameters_cell_with_profile_and_seed(md):
    nb = jupytext.read(md)
    tagged = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, "exactly one cell must be tagged `parameters`"
    source = tagged[0].source
    assert "profile = profiles.default_profile()" in source and "seed =" in source


#: A code cell shows one idea; helper code longer than this belongs in rgkit (the [layout] rule).
MAX_CELL_LINES = 25


@pytest.mark.parametrize("md", chapter_sources(), ids=lambda p: p.stem)
def test_chapter_code_cells_are_short(md):
    nb = jupytext.read(md)
    long = [
        (i, len(c.source.splitlines()))
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code" and len(c.source.splitlines()) > MAX_CELL_LINES
    ]
    assert not long, f"{md.name}: code cells (index, lines) longer than {MAX_CELL_LINES}: {long}; move helpers to rgkit"


@pytest.mark.parametrize("md", chapter_sources(), ids=lambda p: p.stem)
def test_every_assertion_in_a_chapter_states_its_claim(md):
    import ast

    bare = []
    for cell in jupytext.read(md).cells:
        if cell.cell_type == "code":
            code = "\n".join(line for line in cell.source.splitlines() if not line.startswith(("%", "!")))
            bare += [ast.unparse(n) for n in ast.walk(ast.parse(code)) if isinstance(n, ast.Assert) and n.msg is None]
    assert not bare, f'{md.name}: write `assert condition, "the claim"`: {bare}'


@pytest.mark.parametrize("md", chapter_sources(), ids=lambda p: p.stem)
def test_chapters_that_glue_print_numpy_scalars_as_numbers(md):
    # With numpy 2, a glued np.float64 shows as "np.float64(0.5)", which {glue:text}`x:.2f`
    # cannot format: the build warns and fails. Legacy printing gives "0.5".
    text = md.read_text(encoding="utf-8")
    if "from myst_nb import glue" in text:
        assert 'np.set_printoptions(legacy="1.25")' in text, f"{md.name} glues numbers: set the print options"
