"""Progress bars for long work: shown when a person runs a chapter, quiet in book builds.

``progress=None`` (the default of every public function that can take long) shows a tqdm bar
when a person is likely watching, that is when standard error is a terminal or the code runs
in a Jupyter kernel (JupyterLab, Colab), and never when the environment variable
``RGBOOK_QUIET`` is set to a non-empty value other than ``"0"``, which the book build and the
test run do. Output sent to a file or a pipe (a script's log, CI) gets no bar: tqdm's
carriage-return redraws would fill it with one line per update. ``True`` and ``False`` force it.
"""

from __future__ import annotations

import os
import sys

#: The environment variable that silences progress bars when ``progress`` is not given.
QUIET_ENV_VAR = "RGBOOK_QUIET"


def interactive() -> bool:
    """Whether a person is likely watching: standard error is a terminal, or a Jupyter kernel runs this."""
    stream = sys.stderr
    try:
        if stream is not None and stream.isatty():
            return True
    except (AttributeError, ValueError):  # a replaced or closed stream
        pass
    # A kernel's stderr is not a terminal, but its output reaches a notebook someone is reading.
    get_ipython = getattr(sys.modules.get("IPython"), "get_ipython", None)
    shell = get_ipython() if callable(get_ipython) else None
    return getattr(shell, "kernel", None) is not None


def wanted(progress: bool | None) -> bool:
    """Whether to show a bar for a ``progress`` argument (``None``: when :func:`interactive`, unless RGBOOK_QUIET)."""
    if progress is None:
        return os.environ.get(QUIET_ENV_VAR, "") in ("", "0") and interactive()
    if not isinstance(progress, bool):
        raise TypeError(f"progress must be True, False or None; got {type(progress).__name__}")
    return progress


class _NoBar:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def bar(progress: bool | None, *, total: int, desc: str, unit: str):
    """A tqdm bar (or a silent stand-in) with ``update(n)`` and ``close()``; ``unit="B"`` counts bytes in KiB, MiB."""
    if not wanted(progress):
        return _NoBar()
    from tqdm.auto import tqdm

    in_bytes = unit == "B"
    return tqdm(total=total, desc=desc, unit=unit, unit_scale=in_bytes, unit_divisor=1024 if in_bytes else 1000)
