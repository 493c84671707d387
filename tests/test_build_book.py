import copy
import importlib.util
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import nbformat
import pytest

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


# ------------------------------------------------------------- chapter times (build_times)
build_times = build_book.build_times


def chapter(name="book/ising", seconds=4.25, status="executed", runner="myst-nb"):
    return build_times.ChapterTime(name, name.title(), seconds, status, "2026-11-27T10:00:00+00:00", runner)


def test_build_times_file_round_trips(tmp_path):
    times = build_times.BuildTimes(
        "smoke", "2026-11-27T10:01:02+00:00", 2, (chapter(), chapter("book/rbm", None, "cached", "papermill"))
    )
    path = build_times.write_build_times(tmp_path / "sub" / build_times.FILE_NAME, times)
    assert build_times.read_build_times(path) == times
    assert times.total_seconds() == 4.25 and times.total_seconds("cached") == 0


def test_a_missing_file_reads_as_none_and_a_broken_one_names_the_problem(tmp_path):
    assert build_times.read_build_times(tmp_path / "none.json") is None
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": 1, "profile": "full", "built": "2026-11-27T10:00:00", "cores": 2, "chapters": []}')
    with pytest.raises(ValueError, match="broken.json.*time zone"):
        build_times.read_build_times(broken)


@pytest.mark.parametrize(
    ("change", "error"),
    [({"status": "skipped"}, ValueError), ({"seconds": -1.0}, ValueError), ({"seconds": "4"}, TypeError)],
)
def test_a_chapter_record_refuses_what_the_table_cannot_show(change, error):
    fields = {"docname": "book/ising", "title": "Ising", "seconds": 1.0, "status": "cached", "finished": None}
    with pytest.raises(error):
        build_times.ChapterTime(**(fields | change))


class Record:
    """The two fields of a jupyter-cache record that chapter_time reads."""

    def __init__(self, created, data):
        self.created, self.data = created, data


@pytest.fixture(params=["UTC", "America/New_York", "Asia/Kolkata"])
def local_zone(request, monkeypatch):
    monkeypatch.setenv("TZ", request.param)
    time.tzset()
    yield request.param
    monkeypatch.undo()
    time.tzset()


def test_a_chapter_from_the_cache_shows_the_run_that_produced_it_in_any_zone(local_zone):
    # jupyter-cache stores UTC without its zone; myst-nb stamps a cached page with that
    # naive time's .timestamp(), which is off by the local offset.
    produced = datetime(2026, 11, 27, 9, 30, 0, tzinfo=UTC)
    older = Record(datetime(2026, 11, 20, 8, 0, 0), {"execution_seconds": 1.0})
    record = Record(produced.replace(tzinfo=None), {"execution_seconds": 12.5})
    exec_data = {"mtime": record.created.timestamp(), "runtime": 12.5, "succeeded": True}
    build_start = produced.timestamp() + 3600
    got = build_times.chapter_time("book/ising", "Ising", exec_data, [older, record], build_start)
    assert (got.status, got.seconds, got.runner) == ("cached", 12.5, "myst-nb")
    assert datetime.fromisoformat(got.finished) == produced


def test_a_chapter_run_by_papermill_shows_papermills_time_and_end():
    data = {"execution_seconds": 3.0, "execution_end": "2026-11-27T09:29:00+00:00", "executed_by": "papermill"}
    record = Record(datetime(2026, 11, 27, 9, 31), data)
    exec_data = {"mtime": record.created.timestamp(), "runtime": 3.0, "succeeded": True}
    got = build_times.chapter_time("book/rbm", "RBM", exec_data, [record], time.time())
    assert (got.status, got.runner, got.finished) == ("cached", "papermill", "2026-11-27T09:29:00+00:00")


def test_a_chapter_executed_now_is_executed_and_one_not_read_again_is_cached():
    start = time.time()
    executed = build_times.chapter_time("book/a", "A", {"mtime": start + 5, "runtime": 5.0}, [], start)
    earlier = build_times.chapter_time("book/a", "A", {"mtime": start - 600, "runtime": 5.0}, [], start)
    failed = build_times.chapter_time(
        "book/a", "A", {"mtime": start + 1, "runtime": 1.0, "succeeded": False}, [], start
    )
    assert (executed.status, earlier.status, failed.status) == ("executed", "cached", "failed")
    assert datetime.fromisoformat(executed.finished).timestamp() == pytest.approx(start + 5, abs=1)


def test_the_printed_table_has_every_chapter_and_the_total():
    times = build_times.BuildTimes("full", "2026-11-27T10:00:00+00:00", 2, (chapter(), chapter("book/rbm", 1.5)))
    text = build_times.format_table(times)
    assert "Book/Ising" in text and "Book/Rbm" in text and "5.8" in text and "2 logical cores" in text


def sphinx_build(source, out):
    from sphinx.testing.util import SphinxTestApp

    # The test app undoes Sphinx's global registrations, so that a second build can run.
    app = SphinxTestApp("html", srcdir=source, builddir=out, warningiserror=True)
    try:
        app.build()
    finally:
        app.cleanup()
    return (out / "html" / "index.html").read_text(), build_times.read_build_times(out / build_times.FILE_NAME)


def test_the_front_page_shows_the_build_that_made_it_then_the_cached_run(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    (source / "conf.py").write_text(
        'extensions = ["myst_nb", "build_times"]\nnb_execution_mode = "cache"\nexclude_patterns = ["out"]\n'
    )
    (source / "index.md").write_text("# Front\n\n```{toctree}\nlater\n```\n\n```{build-times}\n```\n")
    # Sphinx reads pages in name order: the front page before the chapter it reports on.
    (source / "later.md").write_text(CHAPTER.replace("# A chapter", "# The only chapter", 1).split(":::")[0])
    first_page, first = sphinx_build(source, tmp_path / "out")
    assert [(c.title, c.status) for c in first.chapters] == [("The only chapter", "executed")]
    assert "The only chapter" in first_page and "executed" in first_page and "No build times" not in first_page
    (source / "later.md").touch()  # read again: the outputs now come from the cache
    second_page, second = sphinx_build(source, tmp_path / "out")
    (cached,), (executed,) = second.chapters, first.chapters
    assert (cached.status, cached.seconds, cached.finished) == ("cached", executed.seconds, executed.finished)
    assert "cached" in second_page and second.built >= first.built


# ------------------------------------------------------ papermill's outputs in the cache
def papermill_run(chapter_nb, profile="smoke", start=None, **parameters):
    """What papermill writes for a chapter: an injected cell after the parameters cell, outputs,
    execution counts that count the injected cell, and its metadata."""
    executed = nbformat.v4.new_notebook(metadata=copy.deepcopy(chapter_nb.metadata))
    count = 0
    for cell in chapter_nb.cells:
        if cell.cell_type != "code":
            executed.cells.append(nbformat.v4.new_markdown_cell(cell.source))
            continue
        count += 1
        ran = nbformat.v4.new_code_cell(cell.source, metadata=copy.deepcopy(cell.metadata), execution_count=count)
        ran.outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"cell {count}\n")]
        executed.cells.append(ran)
        if "parameters" in cell.metadata.get("tags", []):
            count += 1
            injected = nbformat.v4.new_code_cell(f'profile = "{profile}"\n', execution_count=count)
            injected.metadata["tags"] = ["injected-parameters"]
            executed.cells.append(injected)
    start = datetime.now(UTC) if start is None else start
    executed.metadata["papermill"] = {
        "parameters": {"profile": profile, **parameters},
        "start_time": start.isoformat(),
        "end_time": (start + timedelta(seconds=2.5)).isoformat(),
        "duration": 2.5,
        "exception": None,
    }
    return executed


CHAPTER = """---
jupytext:
  text_representation:
    format_name: myst
kernelspec:
  display_name: Python 3
  name: python3
---
# A chapter

```{code-cell} ipython3
import os
```

```{code-cell} ipython3
:tags: [parameters]

profile = "full"
```

:::{exercise}
```{code-cell} ipython3
not_a_cell = True
```
:::

```{code-cell} ipython3
:tags: [remove-cell]

assert profile == "smoke"
```
"""


@pytest.fixture
def small_chapter(tmp_path):
    source = tmp_path / "small.md"
    source.write_text(CHAPTER)
    return build_book.read_chapter(source)


def test_a_chapter_takes_papermills_outputs_without_the_injected_cell(small_chapter):
    # The fence inside ::: is not a cell with the book's Markdown extensions.
    assert [c.source for c in small_chapter.cells if c.cell_type == "code"][-1] == 'assert profile == "smoke"'
    merged, data = build_book.merge_executed(small_chapter, papermill_run(small_chapter), "smoke", 0.0)
    code = [c for c in merged.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == [1, 2, 3]
    assert [c.outputs[0].text for c in code] == ["cell 1\n", "cell 2\n", "cell 4\n"]
    assert data["execution_seconds"] == 2.5 and data["executed_by"] == "papermill"
    assert datetime.fromisoformat(data["execution_end"]).tzinfo is not None


def raised(executed):
    executed.cells[-1].outputs = [nbformat.v4.new_output("error", ename="AssertionError", evalue="", traceback=[])]
    return executed


def not_run(executed):
    executed.cells[-1].execution_count = None
    return executed


def edited(executed):
    executed.cells[-1].source += "\nassert True"
    return executed


@pytest.mark.parametrize(
    ("spoil", "reason"),
    [
        (lambda nb: papermill_run(nb, profile="full"), "parameters"),
        (lambda nb: papermill_run(nb, seed=1), "parameters"),
        (lambda nb: raised(papermill_run(nb)), "raised"),
        (lambda nb: not_run(papermill_run(nb)), "did not run"),
        (lambda nb: edited(papermill_run(nb)), "differ"),
        (lambda nb: papermill_run(nb, start=datetime(2020, 1, 1, tzinfo=UTC)), "before"),
    ],
)
def test_outputs_that_cannot_stand_for_the_build_are_refused(small_chapter, spoil, reason):
    with pytest.raises(ValueError, match=reason):
        build_book.merge_executed(small_chapter, spoil(small_chapter), "smoke", datetime(2024, 1, 1).timestamp())


def test_a_stopped_papermill_run_is_refused(small_chapter):
    executed = papermill_run(small_chapter)
    executed.metadata["papermill"]["exception"] = True
    with pytest.raises(ValueError, match="stopped"):
        build_book.merge_executed(small_chapter, executed, "smoke", 0.0)


def test_seeded_outputs_are_what_the_cache_serves_for_the_chapter(tmp_path):
    from jupyter_cache import get_cache

    source = ROOT / "book" / "mapping.md"
    chapter_nb = build_book.read_chapter(source)
    executed = tmp_path / "executed"
    executed.mkdir()
    nbformat.write(papermill_run(chapter_nb), executed / "mapping.ipynb")
    outcome = build_book.seed_cache(tmp_path, executed, "smoke")
    assert outcome["book/mapping.md"] == "seeded"
    assert outcome["book/ising.md"].startswith("no ")
    cache = get_cache(tmp_path / ".jupyter_cache")
    record = cache.match_cache_notebook(chapter_nb)  # what myst-nb asks the cache
    assert record.data["executed_by"] == "papermill" and Path(record.uri) == source.resolve()
    _, served = cache.merge_match_into_notebook(chapter_nb)
    assert [c.outputs[0].text for c in served.cells if c.cell_type == "code"][:2] == ["cell 1\n", "cell 2\n"]


@pytest.mark.parametrize("source", sorted((ROOT / "book").glob("*.md")), ids=lambda p: p.stem)
def test_every_chapter_reads_the_same_cells_as_its_notebook(source):
    # papermill runs notebooks/NAME.ipynb (jupytext's reading); the cache is keyed on
    # myst-nb's reading of book/NAME.md. Seeding needs the two to agree cell for cell.
    chapter_nb = build_book.read_chapter(source)
    paired = ROOT / "notebooks" / f"{source.stem}.ipynb"
    if chapter_nb is None:
        assert not paired.exists()
        return
    notebook = nbformat.read(paired, as_version=4)
    assert [c.source for c in chapter_nb.cells if c.cell_type == "code"] == [
        c.source for c in notebook.cells if c.cell_type == "code" and "colab-install" not in c.metadata.get("tags", [])
    ]


def test_the_front_page_table_finds_the_other_profiles_last_build(tmp_path):
    full = build_times.BuildTimes("full", "2026-11-27T10:01:02+00:00", 2, (chapter(seconds=30.0),))
    smoke = build_times.BuildTimes("smoke", "2026-11-27T11:01:02+00:00", 2, (chapter(seconds=2.5),))
    build_times.write_build_times(tmp_path / build_times.PROFILE_FILES["full"], full)
    assert build_times.other_profiles(tmp_path, "smoke") == [full]
    assert build_times.other_profiles(tmp_path, "full") == []  # no smoke build recorded
    build_times.write_build_times(tmp_path / build_times.PROFILE_FILES["smoke"], smoke)
    assert build_times.other_profiles(tmp_path, "full") == [smoke]
