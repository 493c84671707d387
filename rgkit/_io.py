"""One file format for everything rgkit writes: arrays and JSON metadata in a single ``.npz``.

A file is a zip of ``.npy`` arrays (read back with ``allow_pickle=False``) plus one entry,
``__rgkit__``, holding JSON: the ``kind`` of content (``"rbm"``, ``"dbn"``, ``"dataset"``,
...), the format version and the caller's metadata. Arrays and metadata live in one file
written atomically (temporary file in the same folder, then ``os.replace``), so a reader
never sees the arrays of one writer with the metadata of another.

Every failure to read (missing, truncated, corrupt, foreign or newer file) is one
``ValueError`` that names the file and says what is wrong.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

#: Version of the layout above; a file with a higher version is refused.
FORMAT_VERSION = 1
_META = "__rgkit__"


def _jsonable(value: Any) -> Any:
    # Histories and infos often hold numpy scalars; store them as Python numbers.
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON-serialisable")


def to_json(meta: Any) -> str:
    """``meta`` as JSON text (numpy scalars converted), or a ``TypeError`` naming what is not."""
    try:
        return json.dumps(meta, default=_jsonable, sort_keys=True, allow_nan=True)
    except (TypeError, ValueError) as err:
        raise TypeError(f"metadata must be JSON-serialisable: {err}") from None


def save(path: str | Path, arrays: dict[str, np.ndarray], meta: dict[str, Any], *, kind: str) -> None:
    """Write ``arrays`` and ``meta`` to one ``.npz`` file, atomically.

    Parameters
    ----------
    path : path
        The file; its folder must exist.
    arrays : dict of str to ndarray
        Numeric or string arrays (no object arrays); any names but ``__rgkit__``.
    meta : dict
        JSON-serialisable (numpy scalars are converted); checked before anything is written.
    kind : str
        What the file holds; :func:`load` can insist on it.
    """
    header = to_json({"kind": kind, "format_version": FORMAT_VERSION, "arrays": sorted(arrays), "meta": meta})
    for name, value in arrays.items():
        if not isinstance(name, str) or not name or name == _META or "/" in name:
            raise ValueError(f"array names must be non-empty strings without '/', not {_META!r}; got {name!r}")
        if not isinstance(value, np.ndarray) or value.dtype.hasobject:
            raise TypeError(f"array {name!r} must be a numpy array without Python objects")
    path = Path(path)
    # Written by hand rather than np.savez, so that any array name (even 'file') is allowed.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
            for name, value in arrays.items():
                with zf.open(f"{name}.npy", "w", force_zip64=True) as entry:
                    np.lib.format.write_array(entry, value, allow_pickle=False)
            zf.writestr(f"{_META}.json", header)
            zf.close()
            raw.flush()
            os.fsync(raw.fileno())  # the bytes reach the disk before the rename makes them visible
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _header(zf: zipfile.ZipFile, kind: str | None, fail) -> dict[str, Any]:
    """The checked ``__rgkit__`` header of an open file (``fail(why)`` builds the error)."""
    if f"{_META}.json" not in zf.namelist():
        raise fail("not a file written by rgkit (no metadata entry)")
    header = json.loads(zf.read(f"{_META}.json").decode())
    if not isinstance(header, dict) or "format_version" not in header:
        raise fail("its metadata is not rgkit's")
    if header["format_version"] > FORMAT_VERSION:
        raise fail(
            f"format version {header['format_version']} is newer than this rgkit reads "
            f"({FORMAT_VERSION}); upgrade rgkit"
        )
    if kind is not None and header.get("kind") != kind:
        raise fail(f"it holds a {header.get('kind')!r}, not a {kind!r}")
    return header


def _read(path: str | Path, kind: str | None, with_arrays: bool) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    path = Path(path)

    def fail(why: str) -> ValueError:
        return ValueError(f"cannot read {path}: {why}")

    if not path.is_file():
        raise fail("no such file")
    try:
        with zipfile.ZipFile(path) as zf:
            header = _header(zf, kind, fail)
            arrays = {}
            for name in header["arrays"] if with_arrays else ():
                with zf.open(f"{name}.npy") as entry:
                    arrays[name] = np.lib.format.read_array(entry, allow_pickle=False)
    except ValueError as err:
        if str(err).startswith(f"cannot read {path}"):
            raise
        raise fail(f"corrupt content ({err})") from None
    except (zipfile.BadZipFile, EOFError, KeyError, OSError, UnicodeDecodeError, TypeError) as err:
        raise fail(f"truncated, corrupt or not an .npz file ({type(err).__name__}: {err})") from None
    return arrays, header["meta"]


def load(path: str | Path, *, kind: str | None = None) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Read a file written by :func:`save`.

    Parameters
    ----------
    path : path
    kind : str, optional
        If given, the file must hold this kind of content.

    Returns
    -------
    arrays : dict of str to ndarray
    meta : dict
        The metadata given to :func:`save`.

    Raises
    ------
    ValueError
        If the file is missing, unreadable, not written by rgkit, of another kind, of a newer
        format, or its arrays do not match its metadata.
    """
    return _read(path, kind, with_arrays=True)


def load_meta(path: str | Path, *, kind: str | None = None) -> dict[str, Any]:
    """The metadata of a file written by :func:`save`, without reading its arrays.

    Parameters
    ----------
    path : path
    kind : str, optional
        If given, the file must hold this kind of content.

    Returns
    -------
    meta : dict
        The metadata given to :func:`save`.

    Raises
    ------
    ValueError
        As :func:`load`, except that the arrays are not checked.
    """
    return _read(path, kind, with_arrays=False)[1]


def file_sha256(path: str | Path) -> tuple[str, int]:
    """SHA-256 (hex) and size in bytes of a file, read in blocks so a large file costs no memory.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.NamedTemporaryFile() as f:
    ...     _ = f.write(b"abc"); f.flush()
    ...     digest, size = file_sha256(f.name)
    >>> digest[:16], size
    ('ba7816bf8f01cfea', 3)
    """
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size
