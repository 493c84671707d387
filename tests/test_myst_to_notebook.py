"""tools/myst_to_notebook.py: each MyST construct of the chapters, converted for Jupyter."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import jupytext
import pytest
from pybtex.database import parse_string

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("myst_to_notebook", ROOT / "tools" / "myst_to_notebook.py")
m2n = importlib.util.module_from_spec(_spec)
sys.modules["myst_to_notebook"] = m2n  # its dataclasses look their module up
_spec.loader.exec_module(m2n)

BIB = r"""
@misc{mehta2014exact, author = {Mehta, Pankaj and Schwab, David J.}, title = {An exact mapping},
  year = {2014}, eprint = {1410.3831}, archivePrefix = {arXiv}}
@article{iso2018scale, author = {Iso, Satoshi and Shiba, Shotaro and Yokoo, Sumito},
  title = {Scale-invariant feature extraction}, journal = {Phys. Rev. E}, volume = {97},
  pages = {053304}, year = {2018}, doi = {10.1103/PhysRevE.97.053304}}
@book{mccoy1973two, author = {McCoy, Barry M. and Wu, Tai Tsun}, title = {The Two-Dimensional Ising Model},
  publisher = {Harvard University Press}, year = {1973}}
@article{lenggenhager2020optimal, author = {Lenggenhager, Patrick M. and G{\"o}kmen, Doruk Efe},
  title = {Optimal renormalization near {$T_c$}}, journal = {PRX}, volume = {10}, pages = {011037},
  year = {2020}}
@article{demellokoch2020deep, author = {{de Mello Koch}, Ellen and {de Mello Koch}, Robert and Cheng, Ling},
  title = {Is deep learning an RG flow?}, journal = {IEEE Access}, year = {2020}}
"""
HEADER = (
    "---\njupytext:\n  text_representation:\n    extension: .md\n    format_name: myst\n"
    "kernelspec:\n  display_name: Python 3\n  language: python\n  name: python3\n---\n"
)


def make_book(pages, notebooks=None, **kwargs):
    """A Book of the given pages; those in ``notebooks`` (default: all) get a jupytext header."""
    notebooks = set(pages) if notebooks is None else set(notebooks)
    texts = {stem: (HEADER + text if stem in notebooks else text) for stem, text in pages.items()}
    kwargs.setdefault("macros", {"tr": r"\operatorname{Tr}"})
    return m2n.Book(texts, notebooks, m2n.Bibliography(parse_string(BIB, "bibtex")), **kwargs)


def markdown(text, **pages):
    """The converted Markdown cells of page ``a`` (its text), without the note on the first one."""
    book = make_book({"a": text, **pages})
    cells = [c for c in book.notebook("a").cells if c.cell_type == "markdown" and c.id != "a-references"]
    cells[0].source = cells[0].source.split("\n\n> *About this notebook.*")[0]
    return "\n+++\n".join(c.source for c in cells)


# ----------------------------------------------------------------------------- citations
def test_cite_p_gives_author_year_in_parentheses_with_links():
    assert markdown("As shown {cite:p}`mehta2014exact,iso2018scale`.") == (
        "As shown ([Mehta and Schwab, 2014](https://arxiv.org/abs/1410.3831); "
        "[Iso et al., 2018](https://doi.org/10.1103/PhysRevE.97.053304))."
    )


def test_cite_t_names_the_authors_in_the_sentence_and_an_entry_without_link_stays_text():
    assert markdown("{cite:t}`mehta2014exact` and {cite:t}`mccoy1973two` agree.") == (
        "[Mehta and Schwab (2014)](https://arxiv.org/abs/1410.3831) and McCoy and Wu (1973) agree."
    )


def test_latex_in_author_names_is_decoded_and_particles_kept():
    assert markdown("{cite:t}`lenggenhager2020optimal`, {cite:t}`demellokoch2020deep`") == (
        "Lenggenhager and Gökmen (2020), de Mello Koch et al. (2020)"
    )


def test_the_notebook_ends_with_the_works_it_cites_labelled_and_sorted_titles_as_written():
    nb = make_book({"a": "# A\n\n{cite:t}`mehta2014exact`, {cite:p}`lenggenhager2020optimal`."}).notebook("a")
    assert nb.cells[-1].id == "a-references"
    # Jupyter reads $...$ before the Markdown: no backslash in front of the TeX's _.
    assert nb.cells[-1].source == (
        "## References\n\n"
        "- **Lenggenhager and Gökmen, 2020.** Patrick M\\. Lenggenhager and Doruk Efe Gökmen\\. "
        "Optimal renormalization near $T_c$\\. *PRX*, 10:011037, 2020\\.\n"
        "- **Mehta and Schwab, 2014.** Pankaj Mehta and David J\\. Schwab\\. An exact mapping\\. 2014\\. "
        "[arXiv:1410\\.3831](https://arxiv.org/abs/1410.3831)\\."
    )


def test_two_works_of_the_same_authors_and_year_get_letters_in_the_list_s_order():
    bib = m2n.Bibliography(
        parse_string(
            "@misc{late, author = {Swendsen, R.}, title = {Zebra}, year = {1979}}\n"
            "@misc{early, author = {Swendsen, R.}, title = {Apple}, year = {1979}}\n",
            "bibtex",
        )
    )
    assert bib.cite(["late", "early"], textual=False) == "(Swendsen, 1979b; Swendsen, 1979a)"


def test_an_unknown_citation_is_an_error():
    with pytest.raises(ValueError, match="nobody2020"):
        markdown("{cite:p}`nobody2020`")


# ----------------------------------------------------------------------------- glue
def test_glued_numbers_show_as_their_names_and_the_first_cell_says_so():
    book = make_book({"a": "# A\n\nIntro.\n\n+++\n\nWe found {glue:text}`kc:.4f` and {glue}`n_runs`."})
    nb = book.notebook("a")
    first, second = (c.source for c in nb.cells if c.cell_type == "markdown")
    assert second == "We found `kc` and `n_runs`."
    assert first.startswith("# A\n\nIntro.\n\n> *About this notebook.*")
    assert '`kc`, recorded by `glue("kc", ...)`' in first and "book/a.md" in first


def test_a_chapter_without_glue_gets_no_note_about_names():
    first = next(c for c in make_book({"a": "# A\n\nText."}).notebook("a").cells if c.cell_type == "markdown")
    assert "About this notebook" in first.source and "glue" not in first.source


def test_a_glued_figure_becomes_a_note_that_points_to_the_code_drawing_it():
    figure = "```{glue:figure} fig_flow\n:name: fig-flow\n\nThe flow.\n```"
    code = '```{code-cell} ipython3\nglue("fig_flow", fig, display=False)\n```'
    assert markdown(f"{figure}\n\n{code}") == "*Figure 1* (`fig_flow`, drawn by the code below). The flow."
    assert markdown(f"Text.\n\n{code}\n\n{figure}\n\nAs {{numref}}`fig-flow` shows.").endswith(
        "*Figure 1* (`fig_flow`, drawn by the code above). The flow.\n\nAs Figure 1 shows."
    )


# ----------------------------------------------------------------------------- references
CHAPTERS = {
    "b": "(chap-b)=\n# Chapter Bee\n\n(sec-b-one)=\n## First look, again\n\nText.\n",
    "intro": "(chap-intro)=\n# Introduction\n",
}


def test_ref_to_a_chapter_links_its_notebook_and_to_this_chapter_is_its_title():
    text = "(chap-a)=\n# Chapter A\n\nSee {ref}`chap-b`, {ref}`chap-a` and {ref}`chap-intro`."
    book = make_book({"a": text, **CHAPTERS}, notebooks={"a", "b"})
    source = next(c for c in book.notebook("a").cells if c.cell_type == "markdown").source
    assert source.startswith("# Chapter A\n\nSee [Chapter Bee](b.ipynb), Chapter A and Introduction.")


def test_ref_to_a_section_links_its_heading_and_explicit_text_is_kept():
    text = "(sec-a)=\n## Here: now\n\n{ref}`sec-a`, {ref}`sec-b-one`, {ref}`that part <sec-b-one>`."
    assert markdown(text, **CHAPTERS) == (
        "## Here: now\n\n[Here: now](#Here:-now), [First look, again](b.ipynb#First-look,-again), "
        "[that part](b.ipynb#First-look,-again)."
    )


def test_a_section_title_with_math_is_named_without_an_anchor():
    assert markdown("(sec-x)=\n## The $K_c$ point\n\nIn {ref}`sec-x`.") == "## The $K_c$ point\n\nIn The $K_c$ point."


def test_a_reference_to_a_missing_label_is_an_error():
    with pytest.raises(ValueError, match="nowhere"):
        markdown("{ref}`nowhere`")


# ----------------------------------------------------------------------------- equations
def test_labelled_equations_are_numbered_in_order_and_referred_to_by_number():
    text = "$$\nx = 1\n$$ (eq-one)\n\nthen\n\n$$ y = 2 $$ (eq-two)\n\n$$\nz\n$$\n\nBy {eq}`eq-two` and {eq}`eq-one`."
    assert markdown(text) == (
        "$$\nx = 1\n\\tag{1}\n$$\n\nthen\n\n$$\ny = 2\n\\tag{2}\n$$\n\n$$\nz\n$$\n\nBy (2) and (1)."
    )


def test_an_equation_of_another_chapter_is_named_with_its_chapter():
    other = "# Chapter Bee\n\n$$\na\n$$ (eq-b)\n"
    assert markdown("By {eq}`eq-b`.", b=other) == "By (1) of [Chapter Bee](b.ipynb)."


def test_the_book_s_macros_are_expanded_in_math_only_where_whole():
    assert markdown(r"$\tr_h e^T$ and $\triangle$") == r"$\operatorname{Tr}_h e^T$ and $\triangle$"


def test_a_math_directive_with_a_label_is_numbered_with_the_equations():
    text = "$$\na\n$$ (eq-a)\n\n```{math}\n:label: eq-b\nb\n```\n\n{eq}`eq-b`"
    assert markdown(text) == "$$\na\n\\tag{1}\n$$\n\n$$\nb\n\\tag{2}\n$$\n\n(2)"


# ----------------------------------------------------------------------------- prf, exercises
def test_theorems_are_numbered_per_kind_quoted_and_referred_to_by_number():
    text = (
        "```{prf:definition} Kernel\n:label: def-k\n\nA kernel is $T$.\n```\n\n"
        "```{prf:theorem} Mapping\n:label: thm-m\n\nWith {prf:ref}`def-k`,\n\n$$\nH = H'\n$$ (eq-m)\n```\n\n"
        "```{prf:proof}\nBy (1).\n```\n\nSo {prf:ref}`thm-m` holds."
    )
    assert markdown(text) == (
        "> **Definition 1 (Kernel).** A kernel is $T$.\n\n"
        "> **Theorem 1 (Mapping).** With Definition 1,\n>\n> $$ H = H' \\tag{1} $$\n\n"
        "*Proof.* By (1). ∎\n\n"
        "So Theorem 1 holds."
    )


def test_a_theorem_of_another_chapter_is_named_with_its_chapter():
    other = "# Chapter Bee\n\n```{prf:theorem}\n:label: thm-b\n\nTrue.\n```\n"
    assert markdown("{prf:ref}`thm-b`", b=other) == "Theorem 1 of [Chapter Bee](b.ipynb)"


def test_math_broken_over_lines_is_joined_inside_a_quote():
    # JupyterLab would read the "> " of the second line as TeX.
    text = "```{prf:theorem}\nIf $a +\nb = c$ then\n- one $x\n  = y$\n```"
    assert markdown(text) == "> **Theorem 1.** If $a + b = c$ then\n> - one $x = y$"


def test_a_proof_ending_in_an_equation_ends_with_its_own_mark():
    assert markdown("```{prf:proof}\n$$\na\n$$\n```") == "*Proof.*\n\n$$\na\n$$\n\n∎"


def test_exercises_and_their_solutions_are_numbered_and_the_solution_closed_by_a_rule():
    text = (
        "```{exercise}\n:label: ex-one\n\nDo it.\n```\n\n```{exercise} Hard\n:label: ex-two\n\nDo more.\n```\n\n"
        "```{solution-start} ex-two\n:class: dropdown\n```\n\nLike this.\n\n+++\n\n```{solution-end}\n```\n\n"
        "See {ref}`ex-one`."
    )
    assert markdown(text) == (
        "**Exercise 1.** Do it.\n\n**Exercise 2 (Hard).** Do more.\n\n**Solution to exercise 2.**\n\nLike this."
        "\n+++\n---\n\nSee Exercise 1."
    )


# ----------------------------------------------------------------------------- other constructs
def test_admonitions_become_quotes_with_their_title():
    text = "```{note}\nMind it.\n```\n\n:::{admonition} Careful here\nReally.\n:::"
    assert markdown(text) == "> **Note.** Mind it.\n\n> **Careful here.** Really."


def test_a_figure_keeps_its_image_alt_text_and_numbered_caption():
    text = "```{figure} _static/flow.png\n:name: fig-flow\n:alt: A flow.\n\nThe flow.\n```\n\nIn {numref}`fig-flow`."
    assert markdown(text) == "![A flow.](../book/_static/flow.png)\n\n*Figure 1.* The flow.\n\nIn Figure 1."


def test_a_code_cell_s_figure_caption_becomes_a_markdown_cell_after_it():
    text = (
        "# A\n\n```{code-cell} ipython3\n---\nmystnb:\n  figure:\n    caption: Flow at {glue:text}`k:.2f`.\n"
        "    name: fig-k\n---\nplot()\n```\n\nAs {numref}`fig-k` shows."
    )
    cells = make_book({"a": text}).notebook("a").cells
    assert [(c.cell_type, c.id) for c in cells] == [
        ("code", "a-colab-install"),
        ("markdown", "a-0"),
        ("code", "a-1"),
        ("markdown", "a-1-caption"),
        ("markdown", "a-2"),
    ]
    assert cells[3].source == "*Figure 1.* Flow at `k`."
    assert cells[4].source == "As Figure 1 shows."


def test_a_list_table_becomes_a_markdown_table():
    text = "```{list-table}\n:header-rows: 1\n\n* - Map\n  - $y_t$\n* - majority | rule\n  - {glue:text}`yt:.2f`\n```"
    assert markdown(text) == "| Map | $y_t$ |\n|---|---|\n| majority \\| rule | `yt` |"


def test_doc_and_numref_with_a_text_name_the_target():
    text = "See {doc}`b` and {numref}`Eq. %s <eq-b>`."
    assert markdown(text, b="# Chapter Bee\n\n$$\na\n$$ (eq-b)\n") == (
        "See [Chapter Bee](b.ipynb) and Eq. 1 of [Chapter Bee](b.ipynb)."
    )


def test_roles_of_the_python_domain_math_and_sub_sup():
    text = (
        "{func}`rgkit.mc.wolff`, {meth}`~rgkit.rbm.RBM.fit`, {class}`the RBM <rgkit.rbm.RBM>`, {math}`x^2`, H{sub}`2`O"
    )
    assert markdown(text) == "`rgkit.mc.wolff`, `fit`, the RBM, $x^2$, H<sub>2</sub>O"


def test_labels_go_comments_and_code_stay_as_written():
    text = "(para-x)=\nText.\n\n<!-- numbers: 3 = three -->\n\n```python\n{ref}`not-a-role`\n```\n\n`{eq}` in code."
    assert markdown(text) == (
        "Text.\n\n<!-- numbers: 3 = three -->\n\n```python\n{ref}`not-a-role`\n```\n\n`{eq}` in code."
    )


def test_an_unknown_role_or_directive_is_an_error_naming_the_page():
    with pytest.raises(ValueError, match=r"book/a\.md: unknown role \{wat\}"):
        markdown("{wat}`x`")
    with pytest.raises(ValueError, match=r"book/a\.md: unknown directive \{eval-rst\}"):
        markdown("```{eval-rst}\n.. x::\n```")


# ----------------------------------------------------------------------------- the notebook
CHAPTER = """# A

```{code-cell} ipython3
:tags: [hide-input]

import numpy as np
```

```{code-cell} ipython3
:tags: [parameters]

profile = "full"
```

Text with {glue:text}`x`.
"""


def test_code_cells_are_jupytext_s_and_ids_are_stable():
    nb = make_book({"a": CHAPTER}).notebook("a")
    reference = jupytext.reads(HEADER + CHAPTER, fmt="md:myst")
    code = [
        (c.source, {k: v for k, v in c.metadata.items() if k != "jupyter"})
        for c in nb.cells[1:]
        if c.cell_type == "code"
    ]
    assert code == [(c.source, c.metadata) for c in reference.cells if c.cell_type == "code"]
    assert [c.id for c in nb.cells] == ["a-colab-install", "a-0", "a-1", "a-2", "a-3"]
    assert "jupytext" not in nb.metadata and nb.metadata.kernelspec.name == "python3"


def test_the_first_cell_installs_rgkit_from_the_repository():
    book = make_book({"a": CHAPTER}, repository="https://github.com/o/r", branch="main")
    cell = book.notebook("a").cells[0]
    assert cell.metadata == {"tags": ["colab-install"]} and cell.id == "a-colab-install"
    assert '"rgkit @ git+https://github.com/o/r@main"' in cell.source and '"myst-nb"' in cell.source


@pytest.mark.parametrize("repository", ["https://github.com/o/r", ""])
def test_the_install_cell_does_nothing_where_rgkit_is_installed(repository, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError(f"the install cell ran {args}")

    monkeypatch.setattr(subprocess, "check_call", refuse)
    source = make_book({"a": CHAPTER}, repository=repository).notebook("a").cells[0].source
    exec(compile(source, "install-cell", "exec"), {})


def test_without_a_repository_the_install_cell_says_how_to_install(monkeypatch):
    source = make_book({"a": CHAPTER}).notebook("a").cells[0].source
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ModuleNotFoundError, match=r"pip install -e \."):
        exec(compile(source, "install-cell", "exec"), {})


def test_with_a_published_address_the_install_cell_points_the_cache_at_its_artefacts(monkeypatch):
    environ = {}  # the cell's os.environ: the process's own is left alone
    monkeypatch.setattr(os, "environ", environ)
    monkeypatch.setattr(subprocess, "check_call", lambda *a, **k: None)
    book = make_book({"a": CHAPTER}, repository="https://github.com/o/r", baseurl="https://o.github.io/r/")
    exec(compile(book.notebook("a").cells[0].source, "install-cell", "exec"), {})
    assert environ == {"RGBOOK_ARTEFACTS_URL": "https://o.github.io/r/artefacts"}
    plain = make_book({"a": CHAPTER}, repository="https://github.com/o/r").notebook("a").cells[0].source
    assert "RGBOOK_ARTEFACTS_URL" not in plain


def test_what_the_book_hides_starts_collapsed_in_the_notebook():
    page = "# T\n\n```{code-cell} ipython3\n:tags: [remove-cell]\n\nx = 1\n```\n\n```{code-cell} ipython3\ny = 2\n```\n"
    nb = make_book({"a": page}).notebook("a")
    code = [c for c in nb.cells[1:] if c.cell_type == "code"]
    assert code[0].metadata["jupyter"] == {"source_hidden": True} and "jupyter" not in code[1].metadata
