import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("build_book", ROOT / "tools" / "build_book.py")
build_book = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build_book)


def cell(code):
    return f"```{{code-cell}} ipython3\n{code}\n```\n"


def test_chapter_modules_reads_wrapped_and_dotted_imports():
    text = cell("from rgkit import (\n    compare,\n    data,\n)\nfrom rgkit.rbm import RBM") + cell("import rgkit.mc")
    assert build_book.chapter_modules(text) == ["compare", "data", "mc", "rbm"]


def test_import_of_the_package_itself_depends_on_every_module():
    modules = build_book.chapter_modules(cell("import rgkit"))
    assert "mc" in modules and "rbm" in modules and "__init__" not in modules


def test_prose_that_mentions_rgkit_is_not_an_import():
    assert build_book.chapter_modules("We use `from rgkit import mc` in prose.\n") == []


def test_a_chapter_key_changes_with_the_modules_it_imports_only(monkeypatch):
    keys = build_book.chapter_keys("smoke")
    assert keys["book/mapping.md"] != keys["book/ising.md"]
    assert keys["book/api.md"].endswith(":-")  # no code: only pyproject and __init__
