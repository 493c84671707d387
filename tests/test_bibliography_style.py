"""The bibliography's style (book/_ext/rgbook_assets.py): author-year labels, order, titles."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIB = r"""
@article{b, author = {Mehta, Pankaj and Schwab, David J.}, year = {2014}, journal = {arXiv:1410.3831},
  title = {An exact mapping between the Variational Renormalization Group and Deep Learning}}
@article{a, author = {de Mello Koch, Ellen and de Mello Koch, Robert and Cheng, Ling}, year = {2019},
  journal = {arXiv:1906.05212},
  title = {Is Deep Learning a Renormalization Group Flow?}}
@article{c, author = {Kadanoff, Leo P.}, year = {1966}, journal = {Physics},
  title = {Scaling laws for {Ising} models near {$T_c$}}}
@article{d, author = {Ackley, David H. and Hinton, Geoffrey E. and Sejnowski, Terrence J.}, year = {1985},
  journal = {Cognitive Science},
  title = {A learning algorithm for {Boltzmann} machines}}
"""
CONF = f"""
import sys
sys.path.insert(0, {str(ROOT / "book" / "_ext")!r})
extensions = ["sphinxcontrib.bibtex", "rgbook_assets"]
bibtex_bibfiles = ["refs.bib"]
bibtex_default_style = "rgbook"
bibtex_reference_style = "author_year"
root_doc = "bibliography"
"""
INDEX = """Test
====

Cited :cite:p:`b,a,c,d`.

.. bibliography::
"""


@pytest.fixture(scope="module")
def html(tmp_path_factory):
    src = tmp_path_factory.mktemp("bib")
    (src / "conf.py").write_text(CONF)
    (src / "refs.bib").write_text(BIB)
    (src / "bibliography.rst").write_text(INDEX)
    out = src / "_build"
    run = subprocess.run(
        [sys.executable, "-m", "sphinx", "-q", "-b", "html", str(src), str(out)], capture_output=True, text=True
    )
    assert run.returncode == 0 and "WARNING" not in run.stderr, run.stderr
    yield (out / "bibliography.html").read_text()
    shutil.rmtree(out)


def test_the_list_is_labelled_as_the_text_cites_and_sorted_by_author(html):
    labels = ["Ackley et al., 1985", "de Mello Koch et al., 2019", "Kadanoff, 1966", "Mehta and Schwab, 2014"]
    list_part = html[html.index('class="citation"') :]
    positions = [list_part.find(label) for label in labels]
    assert -1 not in positions, positions
    assert positions == sorted(positions), "entries are listed by author: de Mello Koch under d"
    assert "[1]" not in list_part


def test_titles_keep_their_case_and_tex_is_typeset(html):
    assert "Variational Renormalization Group and Deep Learning" in html
    entries = html[html.index('class="citation"') :]
    assert "$T_c$" not in entries and "T<sub>c</sub>" in entries
