"""Datasets and trained models cached on disk: generate once, load every time after.

An entry is keyed by its name, every parameter, and a hash of the source of the rgkit
modules that produce it (:func:`source_hash`: the modules named and every rgkit module they
import), so editing a colour map does not throw away a trained network, while fixing a
sampler does regenerate its datasets. An entry is one ``.npz`` file holding the arrays and
the metadata together (``rgkit._io``), written atomically: two processes filling the same
entry at once each write a complete file, and the last rename wins.

The cache directory is ``$RGBOOK_DATA_DIR`` if set (``~`` is expanded); otherwise ``_data/``
in the book's repository when run from inside it (found by its ``_toc.yml``), else
``~/.cache/rgkit``. It is checked to be writable *before* anything is generated; if it is not,
the result is generated, returned uncached, and a warning says why.

When an entry is missing and ``$RGBOOK_ARTEFACTS_URL`` names a published book's artefacts
(``https://.../artefacts``, or ``file://``; ``tools/publish.py`` makes that folder), the entry is
fetched before anything is computed: the folder's ``manifest.json`` (read once per process) gives
each entry's SHA-256 and size, and a file that does not match them, or does not load as the entry
asked for, is discarded. Any failure is one warning (:class:`FetchWarning`) and the entry is
computed as without the variable.
"""

from __future__ import annotations

import ast
import hashlib
import http.client
import inspect
import json
import os
import platform
import re
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import asdict, dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from . import __version__, _io, _progress, mc, mcrg, rg
from ._validate import check_choice, check_int, check_real, check_units
from .rbm import DBN

ENV_VAR = "RGBOOK_DATA_DIR"
#: The environment variable naming where a published book's artefacts are (its address + ``/artefacts``).
ARTEFACTS_ENV_VAR = "RGBOOK_ARTEFACTS_URL"
#: The file in that folder that lists every entry with its SHA-256 and size.
MANIFEST = "manifest.json"
#: Version of the manifest's layout; a newer one is refused.
MANIFEST_FORMAT = 1
_PACKAGE = Path(__file__).resolve().parent


# ----------------------------------------------------------------------------- source keys
@cache
def _direct_imports(module: str) -> frozenset[str]:
    """The rgkit modules that ``rgkit/<module>.py`` imports (relative or absolute)."""
    tree = ast.parse((_PACKAGE / f"{module}.py").read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level == 1 or base == "rgkit" or base.startswith("rgkit."):
                base = base.removeprefix("rgkit").lstrip(".")
                if base:
                    found.add(base.split(".")[0])
                else:  # from . import a, b
                    found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("rgkit."):
                    found.add(alias.name.split(".")[1])
    return frozenset(m for m in found if (_PACKAGE / f"{m}.py").exists())


def module_closure(modules) -> list[str]:
    """The named rgkit modules and every rgkit module they import, transitively (sorted)."""
    todo, seen = list(modules), set()
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        if not (_PACKAGE / f"{module}.py").exists():
            raise ValueError(f"rgkit has no module {module!r}")
        seen.add(module)
        todo.extend(_direct_imports(module))
    return sorted(seen)


def source_hash(modules=None) -> str:
    """SHA-256 (hex) of the source of rgkit modules.

    Parameters
    ----------
    modules : iterable of str, optional
        Module names such as ``["mc"]``; the hash covers them and every rgkit module they
        import. By default, every module of the package.
    """
    names = sorted(p.stem for p in _PACKAGE.glob("*.py")) if modules is None else module_closure(modules)
    digest = hashlib.sha256()
    for name in names:
        digest.update(name.encode() + b"\0")
        digest.update((_PACKAGE / f"{name}.py").read_bytes())
    return digest.hexdigest()


# ----------------------------------------------------------------------------- the cache
def cache_dir() -> Path:
    """The cache directory (created if missing and possible; :func:`cached` checks that it is
    writable before generating anything and warns if it is not)."""
    env = os.environ.get(ENV_VAR)
    if env:
        path = Path(env).expanduser()
        if path.exists() and not path.is_dir():
            raise ValueError(f"{ENV_VAR} must name a directory; {path} is a file")
    else:
        path = Path.home() / ".cache" / "rgkit"
        for parent in [Path.cwd(), *Path.cwd().parents]:
            if (parent / "_toc.yml").exists() and (parent / "rgkit").is_dir():
                path = parent / "_data"
                break
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        pass  # reported by cached(), which returns its result uncached with a warning
    return path


def _writable(folder: Path) -> str | None:
    """None if files can be created in ``folder``, else the reason they cannot."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as err:
        return f"{folder} is not writable ({err.strerror or err})"
    return None


@dataclass(frozen=True)
class CacheEntry:
    """What :func:`cached` knows about an entry, besides its arrays."""

    name: str
    key: str
    #: The parameters the entry was keyed by.
    params: dict
    #: Facts the generator reported (times, τ_int, ...).
    info: dict
    #: The rgkit modules whose source the key covers.
    modules: tuple[str, ...]
    #: Whether the arrays were read from disk; false when this call generated them.
    from_cache: bool
    #: The file, or None when the cache directory was not writable.
    path: Path | None
    #: Whether this call downloaded the file from ``$RGBOOK_ARTEFACTS_URL``.
    fetched: bool = False


def _check_name(name: object) -> str:
    if not isinstance(name, str) or not name or not all(c.isalnum() or c in "-_" for c in name):
        raise ValueError(f"name must be a non-empty string of letters, digits, '-' and '_'; got {name!r}")
    return name


def cached(
    name: str,
    params: dict[str, Any],
    generate: Callable[[], tuple[dict[str, np.ndarray], dict[str, Any]]],
    *,
    modules,
    directory: str | Path | None = None,
) -> tuple[dict[str, np.ndarray], CacheEntry]:
    """Load an entry from the cache, or fetch it from the published book, or generate it; store it.

    On a miss, when ``$RGBOOK_ARTEFACTS_URL`` is set, the entry is downloaded from there if the
    published manifest lists it and its SHA-256 and size match (see the module's notes);
    ``generate`` runs only when that does not give the entry.

    Parameters
    ----------
    name : str
        Short name, used in the file name (letters, digits, ``-`` and ``_``).
    params : dict
        Every parameter that determines the arrays, the seed included; JSON-serialisable.
    generate : callable
        Called with no arguments on a miss; returns ``(arrays, info)``: a dict of numpy arrays
        (no object arrays) and a JSON-serialisable dict of facts about the generation.
    modules : iterable of str
        The rgkit modules that generate the arrays (e.g. ``["mc"]``); the key covers their
        source and that of every rgkit module they import.
    directory : path, optional
        Overrides :func:`cache_dir`.

    Returns
    -------
    arrays : dict of str to ndarray
    entry : CacheEntry

    Raises
    ------
    TypeError
        If ``params`` or the generator's ``info`` are not JSON-serialisable, or an array is an
        object array (checked before anything is written).

    Warns
    -----
    FetchWarning
        When the published artefacts cannot be used (no manifest, no network, a file whose
        hash or size differs from the manifest's, or that does not load): once per process for
        the manifest, once per entry otherwise; the entry is then generated.
    UserWarning
        When the cache file is unreadable (it is regenerated) or the folder is not writable
        (the result is returned uncached).
    """
    name = _check_name(name)
    if not isinstance(params, dict):
        raise TypeError(f"params must be a dict; got {type(params).__name__}")
    canonical = json.loads(_io.to_json(params))
    if not callable(generate):
        raise TypeError("generate must be callable with no arguments")
    if isinstance(modules, str):
        modules = [modules]
    closure = tuple(module_closure(modules))
    key = hashlib.sha256(
        json.dumps({"name": name, "params": canonical, "source": source_hash(closure)}, sort_keys=True).encode()
    ).hexdigest()[:20]
    folder = Path(directory).expanduser() if directory is not None else cache_dir()
    path = folder / f"{name}-{key}.npz"

    def read(file: Path) -> tuple[dict[str, np.ndarray], CacheEntry]:
        arrays, meta = _io.load(file, kind="cache-entry")
        if meta.get("key") != key or meta.get("params") != canonical:
            raise ValueError(f"cannot read {file}: its metadata does not match the requested parameters")
        return arrays, CacheEntry(name, key, canonical, meta["info"], closure, True, file)

    if path.exists():
        try:
            return read(path)
        except ValueError as err:
            warnings.warn(f"{err}; regenerating it", stacklevel=2)
    problem = _writable(folder)
    base = artefacts_url()
    if base is not None:
        # Without a writable cache the file is still worth fetching: it is read from a
        # temporary folder and the entry returned uncached.
        with tempfile.TemporaryDirectory() if problem else nullcontext(folder) as into:
            fetched = _fetch(base, path.name, Path(into))
            if fetched is not None:
                try:
                    arrays, entry = read(fetched)
                    if problem:
                        warnings.warn(f"{problem}: returning {name!r} without caching it", stacklevel=2)
                    return arrays, replace(entry, path=None if problem else fetched, fetched=True)
                except ValueError as err:
                    fetched.unlink(missing_ok=True)
                    _warn(f"{err} (fetched from {base}); computing it here")
    arrays, info = generate()
    if not isinstance(arrays, dict) or not isinstance(info, dict):
        raise TypeError("generate must return (dict of arrays, dict of info)")
    for k, v in arrays.items():
        if not isinstance(v, np.ndarray) or v.dtype.hasobject:
            raise TypeError(f"generate must return numpy arrays (not object arrays); {k!r} is not")
    info = json.loads(_io.to_json(info))
    meta = {
        "name": name,
        "key": key,
        "params": canonical,
        "info": info,
        "modules": list(closure),
        "source_hash": source_hash(closure),
        "rgkit_version": __version__,
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
    }
    if problem:
        warnings.warn(f"{problem}: returning {name!r} without caching it", stacklevel=2)
        return arrays, CacheEntry(name, key, canonical, info, closure, False, None)
    _io.save(path, arrays, meta, kind="cache-entry")
    return arrays, CacheEntry(name, key, canonical, info, closure, False, path)


# ----------------------------------------------------------------------------- published artefacts
class FetchWarning(UserWarning):
    """A published artefact could not be used; the entry is computed instead."""


def artefacts_url() -> str | None:
    """``$RGBOOK_ARTEFACTS_URL`` without its trailing slash, or None when it is unset or empty."""
    url = os.environ.get(ARTEFACTS_ENV_VAR, "").strip().rstrip("/")
    return url or None


class _FetchError(Exception):
    """Why a published file cannot be used (turned into one :class:`FetchWarning`)."""


_FETCH_TIMEOUT = 30.0  # seconds without a byte before a download is given up
_MANIFEST_MAX_BYTES = 16 << 20
_SHOW_BAR_FROM = 8 << 20  # a bar for a download this large; smaller ones finish before it draws
_SHA256 = re.compile(r"[0-9a-f]{64}")
_manifests: dict[str, dict[str, dict] | None] = {}
_manifests_lock = threading.Lock()


def _warn(message: str) -> None:
    # Attributed to the caller of the public function, not to this module's lines.
    warnings.warn(message, FetchWarning, stacklevel=4)


def _open(url: str):
    scheme = urllib.parse.urlsplit(url).scheme
    if scheme not in ("https", "http", "file"):
        raise _FetchError(f"{ARTEFACTS_ENV_VAR} must be an https://, http:// or file:// address, not {scheme!r}")
    return urllib.request.urlopen(url, timeout=_FETCH_TIMEOUT)


def _read_manifest(base: str) -> dict[str, dict]:
    """The checked ``entries`` table of ``base/manifest.json``."""
    with _open(f"{base}/{MANIFEST}") as response:
        text = response.read(_MANIFEST_MAX_BYTES + 1)
    if len(text) > _MANIFEST_MAX_BYTES:
        raise _FetchError(f"its {MANIFEST} is larger than {_MANIFEST_MAX_BYTES} bytes")
    try:
        manifest = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise _FetchError(f"its {MANIFEST} is not JSON ({err})") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("entries"), dict):
        raise _FetchError(f"its {MANIFEST} has no 'entries' table")
    if not isinstance(manifest.get("format"), int) or manifest["format"] > MANIFEST_FORMAT:
        raise _FetchError(f"its {MANIFEST} has format {manifest.get('format')!r}; this rgkit reads {MANIFEST_FORMAT}")
    entries = {}
    for file, record in manifest["entries"].items():
        ok = isinstance(record, dict) and isinstance(record.get("sha256"), str) and _SHA256.fullmatch(record["sha256"])
        if not ok or not isinstance(record.get("size"), int) or isinstance(record["size"], bool) or record["size"] < 0:
            raise _FetchError(f"its {MANIFEST} lists {file!r} without a valid sha256 and size")
        entries[file] = record
    return entries


def _published(base: str) -> dict[str, dict] | None:
    """The manifest at ``base``, read at the first call of the process; None (after one warning) if unusable."""
    with _manifests_lock:
        if base not in _manifests:
            try:
                _manifests[base] = _read_manifest(base)
            except (_FetchError, OSError, ValueError, http.client.HTTPException) as err:
                _manifests[base] = None
                _warn(f"cannot use the published artefacts at {base} ({_reason(err)}); computing entries here")
        return _manifests[base]


def _reason(err: BaseException) -> str:
    if isinstance(err, urllib.error.HTTPError):
        return f"HTTP {err.code} {err.reason}"
    if isinstance(err, urllib.error.URLError):
        return str(err.reason)
    return str(err) or type(err).__name__


def _fetch(base: str, file: str, folder: Path) -> Path | None:
    """Download ``base/file`` into ``folder`` if the manifest lists it and it matches; else None.

    The bytes go to a temporary file that is renamed into place only after its size and
    SHA-256 match the manifest, so a failed or tampered download never becomes a cache entry.
    """
    published = _published(base)
    if published is None or file not in published:
        return None
    size, sha256 = published[file]["size"], published[file]["sha256"]
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{file}.", suffix=".part")
    shown = _progress.bar(None if size >= _SHOW_BAR_FROM else False, total=size, desc=f"fetching {file}", unit="B")
    try:
        digest, got = hashlib.sha256(), 0
        with os.fdopen(fd, "wb") as out, _open(f"{base}/{urllib.parse.quote(file)}") as response:
            while block := response.read(1 << 20):
                got += len(block)
                if got > size:
                    raise _FetchError(f"it is larger than the {size} bytes the manifest gives")
                digest.update(block)
                out.write(block)
                shown.update(len(block))
            if got != size:
                raise _FetchError(f"it has {got} bytes, the manifest gives {size}")
            if digest.hexdigest() != sha256:
                raise _FetchError("its SHA-256 differs from the manifest's")
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, folder / file)
    except (_FetchError, OSError, ValueError, http.client.HTTPException) as err:
        Path(tmp).unlink(missing_ok=True)
        _warn(f"cannot use {file} from {base} ({_reason(err)}); computing it here")
        return None
    finally:
        shown.close()
    return folder / file


def current_entries(directory: str | Path | None = None) -> list[Path]:
    """The cache files that :func:`cached` can still return: those whose key covers today's source.

    An entry is current when the source of the rgkit modules it was keyed by still hashes to
    the value it recorded; entries left behind by an edit of those modules can never be asked
    for again. (An entry of a product whose parameters no chapter asks for any more is current
    all the same: the cache does not know what the chapters ask for.)

    Parameters
    ----------
    directory : path, optional
        The cache folder; by default :func:`cache_dir`.

    Returns
    -------
    list of Path
        Sorted by file name; files that are not cache entries, or do not read, are left out.
    """
    folder = Path(directory).expanduser() if directory is not None else cache_dir()
    found = []
    for path in sorted(folder.glob("*.npz")):
        try:
            meta = _io.load_meta(path, kind="cache-entry")
            modules = meta["modules"]
            current = path.name == f"{meta['name']}-{meta['key']}.npz" and source_hash(modules) == meta["source_hash"]
        except (ValueError, KeyError, TypeError):
            continue  # not an entry, unreadable, or keyed by a module that no longer exists
        if current:
            found.append(path)
    return found


# ----------------------------------------------------------------------------- products
def _function_key(function) -> str:
    """Hash of a function's own source: a product's key must change when the code in this
    module that produces it changes, as well as the modules it calls."""
    return hashlib.sha256(inspect.getsource(function).encode()).hexdigest()[:16]


def ising_dataset(
    L: int,
    K: float,
    n_samples: int,
    *,
    seed: int,
    method: str | None = None,
    dim: int = 2,
    directory: str | Path | None = None,
) -> tuple[np.ndarray, CacheEntry]:
    """Equilibrium Ising samples from :func:`rgkit.mc.sample_with_info`, cached on disk.

    Parameters are those of :func:`rgkit.mc.sample`; ``seed`` must be an integer, so that the
    cache key determines the bytes.

    Returns
    -------
    spins : ndarray of int8, shape (n_samples, L, L) or (n_samples, L)
    entry : CacheEntry
        ``entry.info`` holds the sampler's :class:`rgkit.mc.SamplingInfo` as a dict.
    """
    seed = check_int(seed, "seed", minimum=0)
    params = {"L": L, "K": K, "n_samples": n_samples, "seed": seed, "method": method, "dim": dim}
    params["producer"] = _function_key(ising_dataset)

    def generate():
        spins, info = mc.sample_with_info(L, K, n_samples, dim=dim, method=method, seed=seed)
        return {"spins": spins}, asdict(info)

    arrays, entry = cached("ising", params, generate, modules=["mc"], directory=directory)
    return arrays["spins"], entry


def trained_dbn(
    data: np.ndarray,
    layer_sizes,
    *,
    units: str,
    epochs: int,
    seed: int,
    weight_scale: float = 0.01,
    directory: str | Path | None = None,
    **fit_kwargs,
) -> tuple[DBN, CacheEntry]:
    """A deep belief network trained greedily on ``data`` (:meth:`rgkit.rbm.DBN.fit`), cached on disk.

    The key covers the bytes of ``data``, every argument and the source of the RBM code, so
    a chapter can ask for the same network again and get it from disk in a second.

    Parameters
    ----------
    data : array, shape (n_samples, n_visible)
        Training data in the network's encoding (±1 for spin units, 0/1 for binary).
    layer_sizes : sequence of int
        Widths from the visible layer up.
    units : {"spin", "binary"}
    epochs : int
        Epochs per layer.
    seed : int
        Seeds two independent streams (``numpy.random.SeedSequence(seed).spawn(2)``): one
        draws the initial weights, the other drives training.
    weight_scale : float
        Standard deviation of the initial weights.
    **fit_kwargs
        Passed to :meth:`rgkit.rbm.DBN.fit` (``learning_rate``, ``momentum``, ``l1``, ...);
        JSON-serialisable values (tuples are stored as lists).

    Returns
    -------
    dbn : DBN
        With each layer's ``history`` and ``hyperparameters`` restored.
    entry : CacheEntry
        ``entry.info["seconds"]`` is the training time when it ran.
    """
    x = np.ascontiguousarray(data)
    if x.dtype.hasobject or x.ndim != 2:
        raise ValueError(f"data must be a numeric array of shape (n_samples, n_visible); got {x.dtype} {x.shape}")
    units = check_units(units)
    seed = check_int(seed, "seed", minimum=0)
    sizes = [int(n) for n in layer_sizes]
    params = {
        "data_sha256": hashlib.sha256(x.tobytes()).hexdigest(),
        "data_shape": list(x.shape),
        "data_dtype": str(x.dtype),
        "layer_sizes": sizes,
        "units": units,
        "epochs": epochs,
        "seed": seed,
        "weight_scale": weight_scale,
        "fit": fit_kwargs,
        "producer": _function_key(trained_dbn),
    }

    def generate():
        start = time.perf_counter()
        # One integer for both would give the initial weights and the training draws the same
        # bits; spawned children of one SeedSequence are independent streams.
        init_seed, train_seed = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))
        dbn = DBN(sizes, units=units, seed=init_seed, weight_scale=weight_scale)
        dbn.fit(x, epochs=epochs, seed=train_seed, **fit_kwargs)
        layers = [{"history": r.history, "hyperparameters": r.hyperparameters} for r in dbn.layers]
        return dbn.to_arrays(), {"seconds": time.perf_counter() - start, "layers": layers}

    arrays, entry = cached("dbn", params, generate, modules=["rbm"], directory=directory)
    dbn = DBN.from_arrays(arrays, units=units)
    for rbm, stored in zip(dbn.layers, entry.info["layers"], strict=True):
        rbm.history, rbm.hyperparameters = stored["history"], stored["hyperparameters"]
    return dbn, entry


# ----------------------------------------------------------------------------- Monte Carlo RG
#: The coarse-graining maps :func:`mcrg_sums` knows by name: majority rule with fair random ties
#: (:func:`rgkit.rg.majority_rule`) and decimation to the corner spin of each block
#: (:func:`rgkit.rg.decimate`).
MCRG_TRANSFORMS = ("majority", "decimation")


def mcrg_sums(
    L: int,
    K: float,
    b: int,
    n_levels: int,
    n_samples: int,
    *,
    seed: int,
    transform: str = "majority",
    method: str = "wolff",
    n_chains: int = 2,
    directory: str | Path | None = None,
) -> tuple[mcrg.BlockedSums, CacheEntry]:
    """Operator sums of Ising samples and of their blockings (:func:`rgkit.mcrg.blocked_sums`), cached on disk.

    Draws ``n_samples`` equilibrium samples of the periodic L×L lattice at coupling K
    (:func:`rgkit.mc.sample_with_info`, ``n_chains`` independent chains in threads), blocks
    them ``n_levels`` times with side b, and keeps the sums of every operator of
    :data:`rgkit.mcrg.OPERATORS` that each level supports. The spins themselves are not
    stored: the sums are all Monte Carlo RG needs (:func:`rgkit.mcrg.mcrg_from_sums`) and are
    about forty times smaller at L = 128 (the spins grow as L², the sums as the number of
    levels).

    Parameters
    ----------
    L : int
        Lattice side, divisible by ``b ** n_levels``.
    K : float
        Coupling J/k_BT.
    b : int
        Block side, at least 2.
    n_levels : int
        Blocking steps, at least 1; the coarsest side ``L // b ** n_levels`` must be at least 3.
    n_samples : int
        Number of samples, at least ``n_chains``.
    seed : int
        Seeds two independent streams (``numpy.random.SeedSequence(seed).spawn(2)``): one
        draws the samples, the other the majority rule's tie-breaks. So the same seed gives the
        same samples whatever the transform, and two transforms can be compared on them.
    transform : {"majority", "decimation"}
        The coarse-graining map (:data:`MCRG_TRANSFORMS`).
    method : str
        Sampler, as for :func:`rgkit.mc.sample` (Wolff is the fast one near K_c).
    n_chains : int
        Independent chains; each chain's share of the samples is also blocked in its own
        thread (with its own tie-break stream).
    directory : path, optional
        Overrides :func:`cache_dir`.

    Returns
    -------
    sums : rgkit.mcrg.BlockedSums
        Level i holds the sums of shape (n_samples, number of operators side
        ``L // b ** i`` supports), samples in the order drawn.
    entry : CacheEntry
        ``entry.info`` holds the sampler's :class:`rgkit.mc.SamplingInfo` as a dict and
        ``block_seconds``, the time the blocking took.

    Raises
    ------
    TypeError, ValueError
        For arguments of the wrong type or out of range, checked before any sampling: L not
        divisible by ``b ** n_levels``, a coarsest side below 3, an unknown transform.
    """
    b = check_int(b, "b", minimum=2)
    n_levels = check_int(n_levels, "n_levels", minimum=1)
    L = check_int(L, "L", minimum=b)
    K = check_real(K, "K")
    seed = check_int(seed, "seed", minimum=0)
    n_chains = check_int(n_chains, "n_chains", minimum=1)
    n_samples = check_int(n_samples, "n_samples", minimum=n_chains)
    transform = check_choice(transform, "transform", MCRG_TRANSFORMS)
    if L % b**n_levels or L // b**n_levels < 3:
        raise ValueError(
            f"L must be divisible by b ** n_levels = {b**n_levels} with a coarsest side of at least 3; "
            f"got L = {L}, b = {b}, n_levels = {n_levels}"
        )
    params = {"L": L, "K": K, "b": b, "n_levels": n_levels, "n_samples": n_samples, "seed": seed}
    params.update(transform=transform, method=method, n_chains=n_chains, producer=_function_key(mcrg_sums))
    blocker = None if transform == "majority" else (lambda s: rg.decimate(s, b))

    def generate():
        sample_seed, tie_seed = np.random.SeedSequence(seed).spawn(2)
        spins, info = mc.sample_with_info(
            L, K, n_samples, method=method, seed=np.random.default_rng(sample_seed), n_chains=n_chains
        )
        start = time.perf_counter()
        shares = np.array_split(spins, n_chains)
        ties = [np.random.default_rng(s) for s in tie_seed.spawn(n_chains)]

        def block(job):
            share, rng = job
            return mcrg.blocked_sums(share, b, n_levels, transform=blocker, seed=rng)

        # The kernels release the GIL: the chains' shares are blocked on separate cores.
        with ThreadPoolExecutor(max_workers=n_chains) as pool:
            parts = list(pool.map(block, zip(shares, ties, strict=True)))
        arrays = {f"level_{i}": np.concatenate([p.sums[i] for p in parts]) for i in range(n_levels + 1)}
        return arrays, {**asdict(info), "block_seconds": time.perf_counter() - start}

    arrays, entry = cached("mcrg", params, generate, modules=["mc", "mcrg"], directory=directory)
    sides = tuple(L // b**i for i in range(n_levels + 1))
    sums = tuple(arrays[f"level_{i}"] for i in range(n_levels + 1))
    return mcrg.BlockedSums(b=b, sides=sides, operators=tuple(mcrg.OPERATORS), sums=sums), entry
