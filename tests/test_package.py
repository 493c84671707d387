import re
from pathlib import Path

import rgkit

ROOT = Path(__file__).resolve().parent.parent


def test_the_version_is_written_once_and_quoted_everywhere_else():
    citation = re.search(r"^version: (\S+)$", (ROOT / "CITATION.cff").read_text(), re.M).group(1)
    assert citation == rgkit.__version__
    assert 'dynamic = ["version"]' in (ROOT / "pyproject.toml").read_text()
    major_minor = ".".join(rgkit.__version__.split(".")[:2])
    assert f"## {major_minor}" in (ROOT / "CHANGELOG.md").read_text()


def test_every_public_module_is_listed_in_the_package_docstring():
    public = sorted(p.stem for p in (ROOT / "rgkit").glob("*.py") if not p.stem.startswith("_"))
    assert sorted(rgkit.__all__) == public
    assert all(name in rgkit.__doc__ for name in public)
