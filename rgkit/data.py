"""Datasets cached on disk: generate once, load every time after.

A dataset is keyed by its name, every parameter, the seed and a hash of rgkit's source (a
version number rarely changes when a bug is fixed). It is stored as ``.npz`` (arrays) beside
``.json`` (parameters, τ_int, thinning, time taken, versions), written atomically (temporary
file, then rename) and read with ``allow_pickle=False``. A corrupt or mismatched file is
detected, reported with a warning, and regenerated.

The cache directory is ``$RGBOOK_DATA_DIR`` if set; otherwise ``_data/`` in the book's
repository when run from inside it (found by its ``_toc.yml``), else ``~/.cache/rgkit``.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from . import __version__

ENV_VAR = "RGBOOK_DATA_DIR"


def source_hash() -> str:
    """SHA-256 (hex) of every ``.py`` file of the installed rgkit package."""
    digest = hashlib.sha256()
    root = Path(__file__).resolve().parent
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def cache_dir() -> Path:
    """The cache directory (created if missing)."""
    env = os.environ.get(ENV_VAR)
    if env:
        path = Path(env)
    else:
        path = Path.home() / ".cache" / "rgkit"
        for parent in [Path.cwd(), *Path.cwd().parents]:
            if (parent / "_toc.yml").exists() and (parent / "rgkit").is_dir():
                path = parent / "_data"
                break
    path.mkdir(parents=True, exist_ok=True)
    return path


def _key(name: str, params: dict[str, Any]) -> str:
    blob = json.dumps({"name": name, "params": params, "source": source_hash()}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:20]


def _atomic_write(path: Path, write: Callable[[Any], None], mode: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, mode) as f:
            write(f)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def cached(
    name: str,
    params: dict[str, Any],
    generate: Callable[[], tuple[dict[str, np.ndarray], dict[str, Any]]],
    *,
    directory: str | Path | None = None,
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Load a dataset from the cache, or generate and store it.

    Parameters
    ----------
    name : str
        Short name, used in the file name (letters, digits, ``-`` and ``_``).
    params : dict
        Every parameter that determines the data, the seed included; JSON-serialisable.
    generate : callable
        Called with no arguments on a miss; returns ``(arrays, info)``: a dict of numpy arrays
        (no object arrays) and a JSON-serialisable dict of facts about the generation.
    directory : path, optional
        Overrides :func:`cache_dir`.

    Returns
    -------
    arrays : dict of str to ndarray
    metadata : dict
        ``params``, ``info``, ``key``, ``source_hash``, versions, and ``from_cache`` (bool).
    """
    if not isinstance(name, str) or not name or not all(c.isalnum() or c in "-_" for c in name):
        raise ValueError(f"name must be a non-empty string of letters, digits, '-' and '_'; got {name!r}")
    if not isinstance(params, dict):
        raise TypeError(f"params must be a dict; got {type(params).__name__}")
    try:
        json.dumps(params)
    except TypeError as err:
        raise TypeError(f"params must be JSON-serialisable: {err}") from None
    folder = Path(directory) if directory is not None else cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    key = _key(name, params)
    npz, meta_path = folder / f"{name}-{key}.npz", folder / f"{name}-{key}.json"
    if npz.exists() and meta_path.exists():
        try:
            meta = json.loads(meta_path.read_text())
            if meta.get("key") != key or meta.get("params") != json.loads(json.dumps(params)):
                raise ValueError("metadata does not match the requested parameters")
            with np.load(npz, allow_pickle=False) as f:
                arrays = {k: f[k] for k in f.files}
            if sorted(arrays) != sorted(meta.get("arrays", [])):
                raise ValueError("arrays do not match the metadata")
            meta["from_cache"] = True
            return arrays, meta
        except Exception as err:  # noqa: BLE001 - any failure to read means regenerate
            warnings.warn(f"cached dataset {npz.name} is unreadable ({err}); regenerating it", stacklevel=2)
    arrays, info = generate()
    for k, v in arrays.items():
        if not isinstance(v, np.ndarray) or v.dtype == object:
            raise TypeError(f"generate must return numpy arrays (not object arrays); {k!r} is not")
    meta = {
        "name": name,
        "key": key,
        "params": params,
        "info": info,
        "arrays": sorted(arrays),
        "source_hash": source_hash(),
        "rgkit_version": __version__,
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
    }
    _atomic_write(npz, lambda f: np.savez(f, **arrays), "wb")
    _atomic_write(meta_path, lambda f: f.write(json.dumps(meta, indent=1, sort_keys=True)), "w")
    meta["from_cache"] = False
    return arrays, meta


def ising_dataset(
    L: int,
    K: float,
    n_samples: int,
    *,
    seed: int,
    method: str | None = None,
    dim: int = 2,
    directory: str | Path | None = None,
) -> tuple[np.ndarray, dict[str, Any]]:
    """Equilibrium Ising samples from :func:`rgkit.mc.sample`, cached on disk.

    Parameters are those of :func:`rgkit.mc.sample`; ``seed`` is required so that the cache
    key determines the bytes.

    Returns
    -------
    spins : ndarray of int8, shape (n_samples, L, L) or (n_samples, L)
    metadata : dict
        See :func:`cached`; ``metadata["info"]`` holds the sampler's info (τ_int, thinning, time).
    """
    from . import mc

    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise TypeError(f"seed must be an integer for a cached dataset; got {type(seed).__name__}")
    params = {
        "L": int(L),
        "K": float(K),
        "n_samples": int(n_samples),
        "seed": int(seed),
        "method": method,
        "dim": int(dim),
    }

    def generate():
        spins, info = mc.sample(L, K, n_samples, dim=dim, method=method, seed=seed, return_info=True)
        return {"spins": spins}, {k: (float(v) if isinstance(v, float | np.floating) else v) for k, v in info.items()}

    arrays, meta = cached("ising", params, generate, directory=directory)
    return arrays["spins"], meta
