"""Launch buttons and notebook downloads: the theme hook (book/_ext) and the page check (tools)."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, ROOT / path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


assets = _load("rgbook_assets", "book/_ext/rgbook_assets.py")
check_launch = _load("check_launch", "tools/check_launch.py")
REPO = "https://github.com/owner/book"


def test_launch_urls_of_a_chapter_are_pointed_at_its_notebook():
    buttons = [
        {"url": "https://colab.research.google.com/github/owner/book/blob/main/book/rbm.md"},
        {"buttons": [{"url": "https://mybinder.org/v2/gh/owner/book/main?urlpath=lab/tree/book/rbm.md"}]},
    ]
    assets.retarget(buttons, "book/rbm.md", "notebooks/rbm.ipynb")
    assert buttons[0]["url"].endswith("/blob/main/notebooks/rbm.ipynb")
    assert buttons[1]["buttons"][0]["url"].endswith("lab/tree/notebooks/rbm.ipynb")


def test_only_chapters_with_a_notebook_have_one():
    assert assets.notebook_for("book/rbm") == "notebooks/rbm.ipynb"
    assert assets.notebook_for("book/bibliography") is None
    assert assets.notebook_for("rbm") is None


def test_the_repository_address_must_be_on_github(monkeypatch):
    monkeypatch.delenv("RGBOOK_REPOSITORY_URL", raising=False)
    assert assets.repository_url(f"{REPO}/") == REPO
    assert assets.repository_url("") == ""
    monkeypatch.setenv("RGBOOK_REPOSITORY_URL", "https://gitlab.com/owner/book")
    with pytest.raises(ValueError, match="github.com/OWNER/NAME"):
        assets.repository_url(REPO)


def page(*hrefs):
    return "<html><body>" + "".join(f'<a href="{h}">x</a>' for h in hrefs) + "</body></html>"


def test_a_page_with_every_link_passes_and_each_missing_one_is_named():
    want = check_launch.expected_links(REPO, "main", "notebooks/rbm.ipynb")
    full = [*want.values(), "../_sources/book/rbm.ipynb"]
    assert check_launch.check_page(page(*full), REPO, "main", "notebooks/rbm.ipynb") == []
    for i, what in enumerate([*want, "download"]):
        problems = check_launch.check_page(page(*full[:i], *full[i + 1 :]), REPO, "main", "notebooks/rbm.ipynb")
        assert len(problems) == 1 and what in problems[0]


def test_a_link_to_the_md_source_does_not_count():
    want = check_launch.expected_links(REPO, "main", "notebooks/rbm.ipynb")
    wrong = [u.replace("notebooks/rbm.ipynb", "book/rbm.md") for u in want.values()]
    problems = check_launch.check_page(page(*wrong, "../_sources/book/rbm.ipynb"), REPO, "main", "notebooks/rbm.ipynb")
    assert [p.split()[1] for p in problems] == ["Colab", "Binder"]


def test_without_an_address_no_launch_link_is_allowed():
    colab = check_launch.expected_links(REPO, "main", "notebooks/rbm.ipynb")["Colab"]
    assert check_launch.check_page(page("x.html"), "", "main", "notebooks/rbm.ipynb") == []
    assert check_launch.check_page(page(colab), "", "main", "notebooks/rbm.ipynb")


def test_binder_installs_the_package_from_the_checkout_on_the_books_python():
    post_build = ROOT / "binder" / "postBuild"
    assert post_build.stat().st_mode & 0o111, "repo2docker runs postBuild only if it is executable"
    assert 'pip install --no-cache-dir -e ".[notebook]"' in post_build.read_text()
    runtime = (ROOT / "binder" / "runtime.txt").read_text().strip()
    requires = next(line for line in (ROOT / "pyproject.toml").read_text().splitlines() if "requires-python" in line)
    assert runtime == "python-3.11" and "3.11" in requires
