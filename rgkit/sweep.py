"""Sweeps: one function over a grid of parameters, on local cores or a cluster, cached point by point.

:func:`run` applies a function to every point of a grid (a list of dicts; :func:`grid` builds
the Cartesian product of named axes) through any :class:`concurrent.futures.Executor`: by
default a pool of local processes sized to the usable cores, or :class:`SerialExecutor` (in
this process), or a Dask cluster's ``distributed.Client(...).get_executor()``.

The function's contract
    ``function(**point, seed=int) -> (arrays, info)``: it takes the point's values as keyword
    arguments plus ``seed``, an integer in [0, 2**63) derived from the sweep's seed and the
    point (:func:`point_seed`), and returns a dict of numpy arrays (no object arrays) and a
    JSON-serialisable dict of facts, like the ``generate`` of :func:`rgkit.data.cached`. All
    its randomness must flow from ``seed``. It must be defined with ``def``; to run in other
    processes it must be importable by them (top level of a module, not a lambda, a nested
    function or a notebook cell). A grid point may not have a key ``seed``: to repeat a point
    with several seeds, add an axis such as ``replica=range(3)``, which changes the point and
    so its seed.

Each point is one entry of the dataset cache (:func:`rgkit.data.cached`), keyed by the sweep's
``name``, the point, the sweep's ``seed``, the function's qualified name, the source of the
file that defines it, and the source of the rgkit modules named in ``modules``. Results are
written as they arrive, so a rerun, after a crash, an interrupt or a failing point, loads the
finished points and computes only the others. Only the process that calls :func:`run` writes
to the cache (the workers return their arrays to it), so a cluster needs no shared disk, and
one sweep never writes one entry twice. Two sweeps running at once on the same cache may both
compute a point; each writes a complete file to a temporary name and renames it into place
(``rgkit._io``), so the entry holds one writer's complete result, never a mix.

Same bytes whatever the executor and the number of workers: a point's seed depends only on
the sweep's seed and the point; each call runs with BLAS and OpenMP pools limited to
``threads_per_worker`` threads (threadpoolctl) and numba's thread count set to it in the
calling thread, in every executor, this process included, so that a floating-point reduction
is not split differently on a machine with more cores. That also keeps two workers on two
cores from starting two BLAS threads each.

Running on a cluster::

    from distributed import Client
    client = Client("tcp://scheduler:8786")  # workers have rgkit installed
    result = sweep.run(
        train_point,
        sweep.grid(K=couplings, replica=range(5)),
        name="dbn-long",
        modules=["rbm", "mc"],
        executor=client.get_executor(),
    )

Start the workers with one thread each (``dask worker --nthreads 1``): the thread limits are
set per process, so tasks sharing a worker process in threads share them. The workers must
import the function's module (rgkit installed on them, or ``client.upload_file``): with
distributed 2026.8, a worker that cannot unpickle a task does not fail it, and the sweep
waits for ever. The cache is written where :func:`run` is called; entries that the function
itself caches (:func:`rgkit.data.ising_dataset` inside it) land in each worker's cache.
"""

from __future__ import annotations

import hashlib
import inspect
import itertools
import json
import multiprocessing
import os
import pickle
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import _io, _progress, data
from ._validate import check_int

#: Environment variables read by BLAS and OpenMP libraries when they load; a worker of the
#: default pool sets them so that a library first loaded by the function is limited too.
THREAD_ENV_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")


class SweepError(RuntimeError):
    """Some points of a sweep raised; the others are cached.

    Attributes
    ----------
    failures : tuple of (dict, BaseException)
        Each failed point with its exception, in grid order.
    """

    def __init__(self, message: str, failures: tuple[tuple[dict, BaseException], ...]):
        super().__init__(message)
        self.failures = failures


class SerialExecutor(Executor):
    """An executor that runs each call in this process, at submission.

    For debugging, for a function that cannot be pickled (one defined in a notebook), and as
    the reference that the other executors must reproduce byte for byte.
    """

    def submit(self, fn, /, *args, **kwargs) -> Future:
        """Call ``fn`` with the arguments now; return a finished future with its result or
        its exception."""
        future: Future = Future()
        future.set_running_or_notify_cancel()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as err:  # a failing point is reported through its future, like a pool's
            future.set_exception(err)
        return future


@dataclass(frozen=True, eq=False)
class SweepResult:
    """What :func:`run` returns: one entry per grid point, in grid order.

    Attributes
    ----------
    name : str
        The sweep's name (the cache entries' name).
    seed : int
        The sweep's seed.
    points : tuple of dict
        The grid points as the function received them (JSON round-tripped: numpy scalars
        become Python numbers, tuples become lists).
    seeds : tuple of int
        The seed each point's call received (:func:`point_seed`).
    arrays : tuple of dict of str to ndarray
        What the function returned for each point.
    info : tuple of dict
        The function's info for each point.
    seconds : tuple of float
        Wall time of each point's call, in seconds (of the run that computed it).
    from_cache : tuple of bool
        Whether each point was loaded from the cache rather than computed by this run.
    entries : tuple of rgkit.data.CacheEntry
        The cache entries (file, key, ...).
    """

    name: str
    seed: int
    points: tuple[dict, ...]
    seeds: tuple[int, ...]
    arrays: tuple[dict[str, np.ndarray], ...]
    info: tuple[dict, ...]
    seconds: tuple[float, ...]
    from_cache: tuple[bool, ...]
    entries: tuple[data.CacheEntry, ...]

    def __len__(self) -> int:
        return len(self.points)

    @property
    def n_computed(self) -> int:
        """How many points this run computed (the others were loaded)."""
        return self.from_cache.count(False)

    def stack(self, key: str) -> np.ndarray:
        """The array ``key`` of every point stacked along a new first axis, shape (n_points, ...).

        Raises
        ------
        KeyError
            If a point has no array ``key``.
        ValueError
            If the points' arrays differ in shape.
        """
        missing = [i for i, a in enumerate(self.arrays) if key not in a]
        if missing:
            raise KeyError(f"points {missing} have no array {key!r}")
        return np.stack([a[key] for a in self.arrays])


# ----------------------------------------------------------------------------- grids and seeds
def grid(**axes: Iterable) -> list[dict[str, Any]]:
    """The Cartesian product of named axes, as a list of points (dicts).

    The first axis varies slowest, as in ``itertools.product``.

    Parameters
    ----------
    **axes : iterable
        Each axis's values (a list, tuple, range or 1D array; not a string).

    Returns
    -------
    list of dict
        ``prod(len(axis))`` points.

    Raises
    ------
    TypeError
        If an axis is a string or not iterable.
    ValueError
        If there is no axis or an axis is empty.

    Examples
    --------
    >>> for point in grid(K=[0.3, 0.4], replica=range(2)):
    ...     print(point)
    {'K': 0.3, 'replica': 0}
    {'K': 0.3, 'replica': 1}
    {'K': 0.4, 'replica': 0}
    {'K': 0.4, 'replica': 1}
    """
    if not axes:
        raise ValueError("grid needs at least one axis, e.g. grid(K=[0.3, 0.4])")
    values = {}
    for axis, items in axes.items():
        if isinstance(items, str | bytes) or not isinstance(items, Iterable):
            raise TypeError(f"axis {axis!r} must be a list of values; got {type(items).__name__}")
        values[axis] = list(items)
        if not values[axis]:
            raise ValueError(f"axis {axis!r} is empty")
    return [dict(zip(values, combo, strict=True)) for combo in itertools.product(*values.values())]


def _canonical(point: object) -> dict[str, Any]:
    """The point as JSON sees it (sorted keys, numpy scalars as Python numbers), or raise."""
    if not isinstance(point, Mapping):
        raise TypeError(f"each grid point must be a dict of parameter values; got {type(point).__name__}")
    for key in point:
        if not isinstance(key, str) or not key.isidentifier():
            raise ValueError(f"grid point keys must be valid argument names; got {key!r}")
    if "seed" in point:
        raise ValueError(
            "a grid point may not set 'seed': the sweep passes each point its own seed; "
            "to repeat a point, add an axis such as replica=range(3)"
        )
    return json.loads(_io.to_json(dict(point)))


def point_seed(seed: int, point: Mapping[str, Any]) -> int:
    """The seed :func:`run` passes to the function at ``point``: an integer in [0, 2**63).

    The scheme: ``text = json.dumps(point, sort_keys=True)`` (numpy scalars as Python
    numbers); ``words`` = the first 16 bytes of SHA-256 of ``text`` as four little-endian
    uint32; the seed is the first uint64 of
    ``numpy.random.SeedSequence(seed, spawn_key=words).generate_state(1, numpy.uint64)``
    shifted right by one bit. It depends on nothing but ``seed`` and the point's values (not
    on the order of the keys, the executor, the worker or the other points); points whose
    JSON differs (``1`` and ``1.0`` do) get independent streams.

    Parameters
    ----------
    seed : int
        The sweep's seed, at least 0.
    point : dict
        A grid point (JSON-serialisable values, no key ``seed``).

    Examples
    --------
    >>> seed = point_seed(0, {"K": 0.4, "L": 8})
    >>> seed == point_seed(0, {"L": 8, "K": 0.4})
    True
    """
    seed = check_int(seed, "seed", minimum=0)
    text = _io.to_json(_canonical(point))
    words = np.frombuffer(hashlib.sha256(text.encode()).digest()[:16], dtype="<u4")
    state = np.random.SeedSequence(seed, spawn_key=tuple(int(w) for w in words)).generate_state(1, np.uint64)
    return int(state[0] >> np.uint64(1))


def usable_cores() -> int:
    """The number of cores this process may run on (its CPU affinity, where the OS reports it)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS and Windows have no affinity call
        return os.cpu_count() or 1


# ----------------------------------------------------------------------------- in the worker
def _limit_thread_env(threads: int) -> None:
    """Initializer of the default pool's workers (see THREAD_ENV_VARS)."""
    for var in THREAD_ENV_VARS:
        os.environ[var] = str(threads)


@contextmanager
def _pinned_threads(threads: int):
    import numba
    from threadpoolctl import threadpool_limits

    previous = numba.get_num_threads()
    numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    try:
        with threadpool_limits(limits=threads):
            yield
    finally:
        numba.set_num_threads(previous)


def _evaluate(function: Callable, point: dict, seed: int, threads: int) -> tuple[dict, dict, float]:
    """One point, in whichever process the executor chose; checks the function's contract here
    so that a breach is reported as that point's failure."""
    start = time.perf_counter()
    with _pinned_threads(threads):
        out = function(**point, seed=seed)
    seconds = time.perf_counter() - start
    if not (isinstance(out, tuple) and len(out) == 2 and isinstance(out[0], dict) and isinstance(out[1], dict)):
        raise TypeError(f"the function must return (dict of arrays, dict of info); got {type(out).__name__}")
    arrays, info = out
    for key, value in arrays.items():
        if not isinstance(value, np.ndarray) or value.dtype.hasobject:
            raise TypeError(f"the function must return numpy arrays (not object arrays); {key!r} is not")
    return arrays, json.loads(_io.to_json(info)), seconds


# ----------------------------------------------------------------------------- in this process
class _NotCached(Exception):
    pass


def _missing():
    raise _NotCached


def _function_key(function: Callable) -> tuple[str, str]:
    """Qualified name and SHA-256 (16 hex digits) of the source of the file that defines the
    function (of the function alone when it has no file: a notebook cell, a doctest)."""
    code = getattr(function, "__code__", None)
    if code is None or not callable(function):
        raise TypeError(f"function must be a Python function defined with def; got {type(function).__name__}")
    path = Path(code.co_filename)
    if path.is_file():
        source = path.read_bytes()
    else:
        try:
            source = inspect.getsource(function).encode()
        except (OSError, TypeError):
            raise TypeError(f"cannot read the source of {function.__qualname__}, which the cache key needs") from None
    return f"{function.__module__}.{function.__qualname__}", hashlib.sha256(source).hexdigest()[:16]


def _check_shippable(function: Callable) -> None:
    """Fail early, in this process, for a function a process pool cannot send to its workers."""
    main = sys.modules.get("__main__")
    if function.__module__ == "__main__" and not getattr(main, "__file__", None):
        raise TypeError(
            f"{function.__qualname__} is defined in a notebook or an interactive session, which worker "
            "processes cannot import; move it to a module, or pass executor=SerialExecutor()"
        )
    try:
        pickle.dumps(function)
    except Exception as err:
        raise TypeError(
            f"function must be picklable for a process pool (defined at the top level of a module, "
            f"not a lambda or a nested function): {err}"
        ) from None


def run(
    function: Callable[..., tuple[dict[str, np.ndarray], dict[str, Any]]],
    grid: Iterable[Mapping[str, Any]],
    *,
    name: str,
    seed: int = 0,
    modules: Iterable[str] | None = None,
    executor: Executor | None = None,
    n_workers: int | None = None,
    threads_per_worker: int = 1,
    directory: str | Path | None = None,
    progress: bool | None = None,
) -> SweepResult:
    """Apply ``function`` to every point of ``grid``, in parallel, each result cached on disk.

    See the module's documentation for the function's contract, the cache key and the seed
    scheme.

    Parameters
    ----------
    function : callable
        ``function(**point, seed=int) -> (arrays, info)``.
    grid : iterable of dict
        The points: dicts of JSON-serialisable values keyed by the function's argument names
        (no ``seed``), all distinct; :func:`grid` builds a Cartesian product.
    name : str
        Names the sweep's cache entries (letters, digits, ``-`` and ``_``).
    seed : int
        The sweep's seed, at least 0; each point's seed is :func:`point_seed` of it.
    modules : iterable of str, optional
        The rgkit modules the function uses (e.g. ``["mc", "rbm"]``): the key covers their
        source and that of every rgkit module they import, plus the function's own module
        when it is in rgkit. By default every rgkit module, so that any edit of the package
        recomputes the sweep.
    executor : concurrent.futures.Executor, optional
        Runs the points; it is left running. By default a pool of ``n_workers`` spawned
        processes, created here and shut down before returning.
    n_workers : int, optional
        Size of the default pool (ignored with ``executor``); by default the usable cores
        (:func:`usable_cores`), and never more than the points to compute.
    threads_per_worker : int
        Threads each call may use for BLAS, OpenMP and numba's parallel kernels.
    directory : path, optional
        The cache folder; by default :func:`rgkit.data.cache_dir`.
    progress : bool, optional
        A bar over points (``None``: unless ``RGBOOK_QUIET`` is set).

    Returns
    -------
    SweepResult
        One entry per point, in grid order.

    Raises
    ------
    TypeError, ValueError
        For a bad argument, a grid point the function cannot take, or a function a process
        pool cannot send to its workers; checked before anything runs.
    SweepError
        After every point has run, if some raised (or broke their contract); the others
        are cached and a rerun computes only the failed ones. Chained to the first failure.

    Examples
    --------
    >>> import tempfile
    >>> def draw(n, seed):
    ...     x = np.random.default_rng(seed).standard_normal(n)
    ...     return {"x": x}, {"n": n}
    >>> points = grid(n=[2, 3])
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     options = dict(
    ...         name="demo", executor=SerialExecutor(), directory=folder
    ...     )
    ...     first = run(draw, points, **options)
    ...     again = run(draw, points, **options)
    >>> [a["x"].shape for a in first.arrays]
    [(2,), (3,)]
    >>> first.n_computed, again.n_computed
    (2, 0)
    >>> bool(np.array_equal(first.arrays[1]["x"], again.arrays[1]["x"]))
    True
    """
    if not isinstance(name, str) or not name or not all(c.isalnum() or c in "-_" for c in name):
        raise ValueError(f"name must be a non-empty string of letters, digits, '-' and '_'; got {name!r}")
    seed = check_int(seed, "seed", minimum=0)
    threads = check_int(threads_per_worker, "threads_per_worker", minimum=1)
    if n_workers is not None:
        n_workers = check_int(n_workers, "n_workers", minimum=1)
    if executor is not None and not isinstance(executor, Executor):
        raise TypeError(f"executor must be a concurrent.futures.Executor; got {type(executor).__name__}")
    _progress.wanted(progress)  # checks its type now rather than after the first point
    qualname, source = _function_key(function)
    if isinstance(grid, Mapping) or isinstance(grid, str | bytes) or not isinstance(grid, Iterable):
        raise TypeError(f"grid must be a list of dicts (see sweep.grid); got {type(grid).__name__}")
    points = [_canonical(p) for p in grid]
    signature = inspect.signature(function)
    seen: dict[str, int] = {}
    for i, point in enumerate(points):
        try:
            signature.bind(**point, seed=0)
        except TypeError as err:
            raise TypeError(f"{qualname} cannot take grid point {i}, {point}, plus seed: {err}") from None
        text = _io.to_json(point)
        if text in seen:
            raise ValueError(f"grid points {seen[text]} and {i} are the same, {point}")
        seen[text] = i
    if modules is not None:
        modules = [modules] if isinstance(modules, str) else list(modules)
        if function.__module__.startswith("rgkit."):
            modules.append(function.__module__.removeprefix("rgkit."))
        modules = data.module_closure(modules)  # raises for an unknown module, before any work
    else:
        modules = sorted(p.stem for p in Path(data.__file__).parent.glob("*.py"))
    seeds = [point_seed(seed, p) for p in points]
    params = [{"point": p, "seed": seed, "function": qualname, "function_source": source} for p in points]

    def store(i: int, make) -> tuple[dict, data.CacheEntry]:
        return data.cached(name, params[i], make, modules=modules, directory=directory)

    arrays: list[dict | None] = [None] * len(points)
    entries: list[data.CacheEntry | None] = [None] * len(points)
    todo = []
    for i in range(len(points)):
        try:
            arrays[i], entries[i] = store(i, _missing)
        except _NotCached:
            todo.append(i)

    failures: dict[int, BaseException] = {}
    # A point computed here counts as computed even when a concurrent sweep cached it first
    # and store() returned that entry.
    computed: set[int] = set()
    bar = _progress.bar(progress, total=len(points), desc=name, unit="point")
    bar.update(len(points) - len(todo))
    own = executor is None
    if todo and (own or isinstance(executor, ProcessPoolExecutor)):
        _check_shippable(function)
    pending: dict[Future, int] = {}
    try:
        if todo and own:
            executor = ProcessPoolExecutor(
                max_workers=min(n_workers or usable_cores(), len(todo)),
                # Spawned, not forked: a fork copies this process's threads' locks (tqdm's,
                # numba's, a Dask client's) in whatever state they are.
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_limit_thread_env,
                initargs=(threads,),
            )
        # A SerialExecutor computes at submission: submit one point at a time so that each is
        # cached before the next starts. Other executors get every point at once to balance.
        queue = iter(todo)

        def submit_next() -> None:
            i = next(queue, None)
            if i is not None:
                pending[executor.submit(_evaluate, function, points[i], seeds[i], threads)] = i

        for _ in range(1 if isinstance(executor, SerialExecutor) else len(todo)):
            submit_next()
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                i = pending.pop(future)
                try:
                    result = future.result()
                    arrays[i], entries[i] = store(
                        i, lambda r=result, s=seeds[i]: (r[0], {"info": r[1], "seconds": r[2], "point_seed": s})
                    )
                    computed.add(i)
                except Exception as err:
                    failures[i] = err
                bar.update()
                submit_next()
    finally:
        bar.close()
        if own and executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
        else:
            for future in pending:
                future.cancel()

    if failures:
        order = sorted(failures)
        first = failures[order[0]]
        listed = ", ".join(str(points[i]) for i in order[:5]) + (", ..." if len(order) > 5 else "")
        raise SweepError(
            f"{len(order)} of {len(points)} points of sweep {name!r} failed ({listed}); the other "
            f"points are cached and a rerun computes only these. First error: {type(first).__name__}: {first}",
            tuple((points[i], failures[i]) for i in order),
        ) from first
    return SweepResult(
        name=name,
        seed=seed,
        points=tuple(points),
        seeds=tuple(seeds),
        arrays=tuple(arrays),
        info=tuple(e.info["info"] for e in entries),
        seconds=tuple(float(e.info["seconds"]) for e in entries),
        from_cache=tuple(i not in computed for i in range(len(points))),
        entries=tuple(entries),
    )
