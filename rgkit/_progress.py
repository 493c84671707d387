"""Progress bars for long work: shown when a person runs a chapter, quiet in book builds.

``progress=None`` (the default of every public function that can take long) shows a tqdm bar
unless the environment variable ``RGBOOK_QUIET`` is set to a non-empty value other than
``"0"``, which the book build and the test run do. ``True`` and ``False`` force it.
"""

from __future__ import annotations

import os

#: The environment variable that silences progress bars when ``progress`` is not given.
QUIET_ENV_VAR = "RGBOOK_QUIET"


def wanted(progress: bool | None) -> bool:
    """Whether to show a bar for a ``progress`` argument (``None``: unless RGBOOK_QUIET)."""
    if progress is None:
        return os.environ.get(QUIET_ENV_VAR, "") in ("", "0")
    if not isinstance(progress, bool):
        raise TypeError(f"progress must be True, False or None; got {type(progress).__name__}")
    return progress


class _NoBar:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def bar(progress: bool | None, *, total: int, desc: str, unit: str):
    """A tqdm bar (or a silent stand-in) with ``update(n)`` and ``close()``."""
    if not wanted(progress):
        return _NoBar()
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit=unit)
