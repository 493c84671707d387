"""How long each chapter took to execute: the file a build writes, and the front page's table.

Two halves, one file format:

* :func:`write_build_times` / :func:`read_build_times` write and read ``build_times.json``
  next to the build's execution cache (``_build/`` for the book, ``_build/smoke/_build/`` for
  the smoke build); ``tools/build_book.py`` prints it at the end of a build.
* A Sphinx extension (``local_extensions`` in ``_config.yml``): the directive
  ``{build-times}`` on the front page leaves a placeholder; once every page has been read,
  which is when myst-nb executes chapters or takes them from the cache, the
  ``env-updated`` handler collects each chapter's execution record and writes the file;
  pages are written after that, and the placeholder is replaced by a table read from the
  file. Sphinx runs these phases in this order whatever order it reads the pages in, so the
  table always shows the build that made the page, and a first build needs no file before it
  starts.

A chapter served from the cache shows the time and date of the run that produced its
outputs, marked "cached"; that run may be papermill's when ``tools/build_book.py --executed``
put papermill's outputs into the cache (the smoke build of ``make test``).
"""

from __future__ import annotations

import json
import math
import os
import posixpath
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

FILE_NAME = "build_times.json"
#: Where each profile's build leaves its file, relative to the repository (the book's root).
PROFILE_FILES = {"full": "_build/build_times.json", "smoke": "_build/smoke/_build/build_times.json"}
FORMAT_VERSION = 1
STATUSES = ("executed", "cached", "failed")


@dataclass(frozen=True)
class ChapterTime:
    """The execution record of one chapter.

    Attributes
    ----------
    docname : str
        Sphinx's name of the page, e.g. ``"book/ising"``.
    title : str
        The page's title.
    seconds : float or None
        Wall-clock seconds (s) the run that produced the outputs took to execute the
        notebook, kernel start included; None when no run recorded it.
    status : {"executed", "cached", "failed"}
        ``"executed"`` in this build, ``"cached"`` when the outputs come from an earlier run
        (the execution cache, or a page Sphinx did not need to read again), ``"failed"``
        when the execution raised.
    finished : str or None
        When that run ended, ISO 8601 in UTC.
    runner : str
        What executed it: ``"myst-nb"`` (the book build) or ``"papermill"``.
    """

    docname: str
    title: str
    seconds: float | None
    status: str
    finished: str | None
    runner: str = "myst-nb"

    def __post_init__(self):
        for name in ("docname", "title", "status", "runner"):
            if not isinstance(getattr(self, name), str):
                raise TypeError(f"{name} must be a str, got {type(getattr(self, name)).__name__}")
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {self.status!r}")
        if self.seconds is not None:
            if isinstance(self.seconds, bool) or not isinstance(self.seconds, int | float):
                raise TypeError(f"seconds must be a number or None, got {type(self.seconds).__name__}")
            if not (math.isfinite(self.seconds) and self.seconds >= 0):
                raise ValueError(f"seconds must be finite and >= 0, got {self.seconds}")
        if self.finished is not None:
            _utc(self.finished, "finished")


@dataclass(frozen=True)
class BuildTimes:
    """The execution records of one build.

    Attributes
    ----------
    profile : str
        The profile the chapters ran at (``RGBOOK_PROFILE``), e.g. ``"full"``.
    built : str
        When the build collected the records, ISO 8601 in UTC.
    cores : int
        Logical cores of the machine that built it (``os.cpu_count()``).
    chapters : tuple of ChapterTime
        In the order of the table of contents.
    """

    profile: str
    built: str
    cores: int
    chapters: tuple[ChapterTime, ...] = field(default_factory=tuple)

    def __post_init__(self):
        if not isinstance(self.profile, str) or not self.profile:
            raise ValueError(f"profile must be a non-empty str, got {self.profile!r}")
        _utc(self.built, "built")
        if isinstance(self.cores, bool) or not isinstance(self.cores, int) or self.cores < 1:
            raise ValueError(f"cores must be an int >= 1, got {self.cores!r}")
        object.__setattr__(self, "chapters", tuple(self.chapters))
        for chapter in self.chapters:
            if not isinstance(chapter, ChapterTime):
                raise TypeError(f"chapters must hold ChapterTime, got {type(chapter).__name__}")

    def total_seconds(self, status: str | None = None) -> float:
        """Sum of the chapters' seconds (s), of those with ``status`` only if given."""
        return sum(c.seconds or 0.0 for c in self.chapters if status is None or c.status == status)


def _utc(text: Any, name: str) -> datetime:
    """Parse an ISO 8601 time that carries its zone (a naive time would be read as local)."""
    if not isinstance(text, str):
        raise TypeError(f"{name} must be an ISO 8601 str, got {type(text).__name__}")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise ValueError(f"{name} must be ISO 8601, got {text!r}") from error
    if moment.tzinfo is None:
        raise ValueError(f"{name} must carry a time zone (UTC), got {text!r}")
    return moment


def write_build_times(path: str | os.PathLike, times: BuildTimes) -> Path:
    """Write ``times`` as JSON to ``path``, atomically; return the path.

    Parameters
    ----------
    path : path-like
        The file to write (its folder is created).
    times : BuildTimes

    Raises
    ------
    TypeError
        If ``times`` is not a :class:`BuildTimes`.
    """
    if not isinstance(times, BuildTimes):
        raise TypeError(f"times must be a BuildTimes, got {type(times).__name__}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"format": FORMAT_VERSION, **asdict(times)}
    # The front page may read the file while an earlier build's copy is being replaced.
    with tempfile.NamedTemporaryFile("w", dir=path.parent, suffix=".tmp", delete=False, encoding="utf-8") as handle:
        json.dump(payload, handle, indent=1)
        handle.write("\n")
    os.replace(handle.name, path)
    return path


def read_build_times(path: str | os.PathLike) -> BuildTimes | None:
    """Read a file written by :func:`write_build_times`; None if there is none yet.

    Raises
    ------
    ValueError
        If the file is not such a file (names the file and what is wrong).
    """
    path = Path(path)
    if not path.exists():
        return None
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
        if payload.get("format") != FORMAT_VERSION:
            raise ValueError(f"format must be {FORMAT_VERSION}, got {payload.get('format')!r}")
        chapters = tuple(ChapterTime(**chapter) for chapter in payload["chapters"])
        return BuildTimes(payload["profile"], payload["built"], payload["cores"], chapters)
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        raise ValueError(f"{path} is not a build-times file: {error}") from error


def chapter_time(docname: str, title: str, exec_data: dict, cache_records: list, build_start: float) -> ChapterTime:
    """One chapter's record from myst-nb's execution data and the execution cache.

    Parameters
    ----------
    docname, title : str
    exec_data : dict
        myst-nb's record of the page (``mtime``, ``runtime``, ``succeeded``).
    cache_records : list
        jupyter-cache records (``created``, ``data``) of this page's source.
    build_start : float
        When this build started, seconds since the epoch (s).

    Notes
    -----
    myst-nb stamps a page served from the cache with ``record.created.timestamp()``, and the
    cache stores ``created`` in UTC without its zone, so that stamp is off by the local UTC
    offset; finding the record with exactly that stamp identifies the run and gives its true
    time. Any other stamp is the clock time of an execution by myst-nb: in this build if it
    is after ``build_start``, else in an earlier build whose page Sphinx did not read again.
    """
    if exec_data.get("succeeded") is False:
        finished = datetime.fromtimestamp(exec_data["mtime"], UTC).isoformat(timespec="seconds")
        return ChapterTime(docname, title, exec_data.get("runtime"), "failed", finished)
    for record in cache_records:
        if record.created.timestamp() == exec_data["mtime"]:
            data = record.data or {}
            created = record.created if record.created.tzinfo else record.created.replace(tzinfo=UTC)
            finished = data.get("execution_end") or created.isoformat(timespec="seconds")
            seconds = data.get("execution_seconds", exec_data.get("runtime"))
            return ChapterTime(docname, title, seconds, "cached", finished, data.get("executed_by", "myst-nb"))
    status = "executed" if exec_data["mtime"] >= build_start else "cached"
    finished = datetime.fromtimestamp(exec_data["mtime"], UTC).isoformat(timespec="seconds")
    return ChapterTime(docname, title, exec_data.get("runtime"), status, finished)


def _finished_label(chapter: ChapterTime) -> str:
    if chapter.finished is None:
        return "-"
    return _utc(chapter.finished, "finished").astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _status_label(chapter: ChapterTime) -> str:
    if chapter.status == "cached" and chapter.runner != "myst-nb":
        return f"cached ({chapter.runner})"
    return chapter.status


def _seconds_label(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:.1f}"


def caption(times: BuildTimes) -> str:
    """One line: the profile, when, and on how many cores."""
    built = _utc(times.built, "built").astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"Profile {times.profile}, built {built} on a machine with {times.cores} logical cores."


def other_profiles(root: Path, profile: str) -> list[BuildTimes]:
    """The last recorded build of every profile but ``profile``, where a file exists."""
    found = []
    for name, relative in PROFILE_FILES.items():
        if name == profile:
            continue
        try:
            times = read_build_times(root / relative)
        except ValueError:  # a broken file of another build: this page shows its own
            times = None
        if times is not None and times.profile == name:
            found.append(times)
    return found


def format_table(times: BuildTimes) -> str:
    """The records as a plain-text table for the terminal."""
    rows = [("chapter", "seconds", "outputs", "run finished")]
    rows += [(c.title, _seconds_label(c.seconds), _status_label(c), _finished_label(c)) for c in times.chapters]
    rows.append(("total", _seconds_label(times.total_seconds()), "", ""))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    # Seconds right-aligned, so that they line up by digit.
    justify = (str.ljust, str.rjust, str.ljust, str.ljust)
    lines = ["  ".join(j(cell, w) for j, cell, w in zip(justify, row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    executed = times.total_seconds("executed")
    return "\n".join([caption(times), *lines, f"executed in this build: {_seconds_label(executed)} s"])


# ------------------------------------------------------------------------ Sphinx extension
try:
    from docutils import nodes
    from sphinx.addnodes import pending_xref
    from sphinx.transforms.post_transforms import SphinxPostTransform
    from sphinx.util import logging as sphinx_logging
    from sphinx.util.docutils import SphinxDirective
except ImportError:  # the file half works without Sphinx
    pass
else:
    _LOGGER = sphinx_logging.getLogger(__name__)

    class BuildTimesNode(nodes.General, nodes.Element):
        """Where the table goes; replaced once every chapter has run."""

    class BuildTimesDirective(SphinxDirective):
        """``{build-times}``: the table of this build's chapter execution times."""

        has_content = False

        def run(self):
            _pages_with_table(self.env).add(self.env.docname)
            return [BuildTimesNode()]

    class BuildTimesTable(SphinxPostTransform):
        """Replace the placeholder with a table read from the build's file."""

        default_priority = 8  # before the reference resolvers (9, 10): the links are pending_xref

        def run(self, **kwargs):
            for node in list(self.document.findall(BuildTimesNode)):
                try:
                    times = read_build_times(times_path(self.app))
                except ValueError as error:
                    _LOGGER.warning(str(error), location=node)
                    times = None
                others = other_profiles(Path(self.app.srcdir), times.profile) if times else []
                node.replace_self(_table(times, self.env.docname, others) if times else _no_times())

    def _pages_with_table(env) -> set:
        if not hasattr(env, "rgbook_build_times_pages"):
            env.rgbook_build_times_pages = set()
        return env.rgbook_build_times_pages

    def _purge(app, env, docname):
        _pages_with_table(env).discard(docname)

    def _merge(app, env, docnames, other):
        _pages_with_table(env).update(_pages_with_table(other) & set(docnames))

    def _start(app):
        app.rgbook_build_start = time.time()

    def _toc_order(env, root: str) -> list[str]:
        order, stack = [], [root]
        while stack:
            doc = stack.pop()
            if doc not in order:
                order.append(doc)
                stack.extend(reversed(env.toctree_includes.get(doc, [])))
        return order + sorted(set(env.found_docs) - set(order))

    def _cache_records(app) -> dict[str, list]:
        """The execution cache's records by the resolved path of their source."""
        config = getattr(app.env, "mystnb_config", None)
        path = getattr(config, "execution_cache_path", None)
        if not path or not Path(path).exists():
            return {}
        from jupyter_cache import get_cache

        records: dict[str, list] = {}
        for record in get_cache(path).list_cache_records():
            records.setdefault(str(Path(record.uri).resolve()), []).append(record)
        return records

    def collect(app, env) -> BuildTimes:
        """This build's records of every executed page, in the order of the contents."""
        from myst_nb.sphinx_ import NbMetadataCollector

        metadata = NbMetadataCollector.get_doc_data(env)
        records = _cache_records(app)
        start = getattr(app, "rgbook_build_start", time.time())
        chapters = []
        for docname in _toc_order(env, app.config.root_doc):
            exec_data = metadata.get(docname, {}).get("exec_data")
            if not exec_data or docname not in env.found_docs:
                continue
            title = env.titles[docname].astext() if docname in env.titles else docname
            source = str(Path(env.doc2path(docname)).resolve())
            chapters.append(chapter_time(docname, title, exec_data, records.get(source, []), start))
        return BuildTimes(
            profile=os.environ.get("RGBOOK_PROFILE", "full"),
            built=datetime.now(UTC).isoformat(timespec="seconds"),
            cores=os.cpu_count() or 1,
            chapters=tuple(chapters),
        )

    def times_path(app) -> Path:
        """``build_times.json`` beside the execution cache: ``<output>/_build/``."""
        return Path(app.outdir).parent / FILE_NAME

    def _write(app, env):
        write_build_times(times_path(app), collect(app, env))
        # Pages are written after this event: have the pages with the table written again.
        return sorted(_pages_with_table(env))

    def _table(times: BuildTimes, docname: str, others: list[BuildTimes] = ()):
        # The caption is a paragraph, not the table's title: a titled table is numbered, and
        # numbers are given out before post-transforms run. One column of seconds per
        # profile: this build's, then the other profiles' last builds on this machine.
        builds = [times, *others]
        seconds = [{c.docname: c for c in b.chapters} for b in builds]
        table = nodes.table(classes=["colwidths-auto", "build-times"])
        group = nodes.tgroup(cols=2 + len(builds))
        table += group
        group += [nodes.colspec(colwidth=1) for _ in range(2 + len(builds))]

        def row(*cells):
            line = nodes.row()
            for cell in cells:
                line += nodes.entry("", cell if isinstance(cell, nodes.Node) else nodes.paragraph(text=cell))
            return line

        head = nodes.thead()
        head += row("Chapter", *(f"{b.profile} (s)" for b in builds), f"{times.profile}: outputs")
        body = nodes.tbody()
        for chapter in times.chapters:
            link = pending_xref(
                refdoc=docname,
                reftarget=posixpath.relpath(chapter.docname, posixpath.dirname(docname)),
                reftype="doc",
                refdomain="std",
                refexplicit=True,
                refwarn=True,
            )
            link += nodes.inline(text=chapter.title)
            cell = nodes.paragraph()
            cell += link
            other = [s.get(chapter.docname) for s in seconds[1:]]
            cells = [_seconds_label(c.seconds if c else None) for c in other]
            body += row(cell, _seconds_label(chapter.seconds), *cells, _status_label(chapter))
        body += row("Total", *(_seconds_label(b.total_seconds()) for b in builds), "")
        group += [head, body]
        captions = [caption(times)[:-1] + " (this build)."]
        captions += [caption(b)[:-1] + " (its last build on this machine)." for b in others]
        return [nodes.paragraph(text=" ".join(captions)), table]

    def _no_times():
        return nodes.paragraph(text="No build times recorded yet: the first complete build writes them.")

    def setup(app):
        app.add_node(BuildTimesNode)
        app.add_directive("build-times", BuildTimesDirective)
        app.add_post_transform(BuildTimesTable)
        app.connect("builder-inited", _start)
        app.connect("env-purge-doc", _purge)
        app.connect("env-merge-info", _merge)
        app.connect("env-updated", _write)
        return {"parallel_read_safe": True, "parallel_write_safe": True}
