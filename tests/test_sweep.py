"""The sweep runner: same bytes on every executor, resume after a failure or a crash, a cache
that two concurrent sweeps leave whole, and inputs refused before anything runs."""

import hashlib
import json
import multiprocessing
import os
import uuid
from pathlib import Path

import numpy as np
import pytest

from rgkit import _io, data, sweep

GRID = sweep.grid(n=[3, 5], scale=[1.0, 2.5], replica=range(2))
CALLS_ENV = "RGKIT_TEST_SWEEP_CALLS"
FAIL_ENV = "RGKIT_TEST_SWEEP_FAIL"


def draw(n, scale, replica, seed):
    """Random draws and a BLAS product, with the thread counts the call ran with."""
    import numba
    from threadpoolctl import threadpool_info

    x = np.random.default_rng(seed).standard_normal((n, 200))
    blas = sorted({p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"})
    info = {"blas_threads": blas, "numba_threads": numba.get_num_threads(), "pid": os.getpid()}
    return {"x": x, "gram": scale * (x @ x.T), "replica": np.int64([replica])}, info


def counted(k, seed):
    """Leaves one file per call; raises at k == $FAIL_ENV, or kills its process at k == -$FAIL_ENV."""
    folder = Path(os.environ[CALLS_ENV])
    (folder / f"{k}-{uuid.uuid4().hex}").touch()
    fail = os.environ.get(FAIL_ENV)
    if fail is not None and int(fail) == k:
        raise RuntimeError(f"planted failure at k = {k}")
    if fail is not None and int(fail) == -k:
        os._exit(3)  # a worker that dies: out of memory, killed by the scheduler
    return {"k": np.full(3, k), "u": np.random.default_rng(seed).random(2)}, {"k": k}


def calls(folder):
    return sorted(int(p.name.split("-")[0]) for p in folder.iterdir())


def assert_same_bytes(result, reference):
    assert result.points == reference.points and result.seeds == reference.seeds
    for a, b in zip(result.arrays, reference.arrays, strict=True):
        assert sorted(a) == sorted(b)
        for key in a:
            assert a[key].dtype == b[key].dtype and a[key].tobytes() == b[key].tobytes()


@pytest.fixture(autouse=True)
def importable_by_workers(monkeypatch):
    # Worker processes unpickle this file's functions by importing it as pytest named it
    # (tests.test_sweep): from the repository's root, whatever folder pytest was started in.
    # A Dask worker that cannot import a task's function does not fail the task: the run hangs.
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[1]))


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    folder = tmp_path_factory.mktemp("serial")
    return sweep.run(draw, GRID, name="draw", seed=7, executor=sweep.SerialExecutor(), directory=folder)


# ----------------------------------------------------------------------------- seeds and grids
def test_grid_is_the_product_with_the_first_axis_slowest():
    assert sweep.grid(a=[1, 2], b=["x", "y"]) == [
        {"a": 1, "b": "x"},
        {"a": 1, "b": "y"},
        {"a": 2, "b": "x"},
        {"a": 2, "b": "y"},
    ]
    with pytest.raises(ValueError, match="at least one axis"):
        sweep.grid()
    with pytest.raises(ValueError, match="'b' is empty"):
        sweep.grid(a=[1], b=[])
    with pytest.raises(TypeError, match="list of values"):
        sweep.grid(a="abc")


def test_point_seed_follows_the_documented_scheme():
    # Rebuilt from the docstring's recipe, without the module's helpers.
    point = {"L": 8, "K": np.float64(0.44)}
    words = np.frombuffer(hashlib.sha256(json.dumps({"K": 0.44, "L": 8}, sort_keys=True).encode()).digest()[:16], "<u4")
    state = np.random.SeedSequence(3, spawn_key=tuple(int(w) for w in words)).generate_state(1, np.uint64)[0]
    assert sweep.point_seed(3, point) == int(state) >> 1
    assert sweep.point_seed(3, {"K": 0.44, "L": 8}) == sweep.point_seed(3, point)  # key order, numpy scalars
    seeds = {sweep.point_seed(s, p) for s in (0, 1) for p in GRID}
    assert len(seeds) == 2 * len(GRID) and all(0 <= s < 2**63 for s in seeds)


# ----------------------------------------------------------------------------- same bytes
def test_serial_run_passes_each_point_its_seed_and_pins_threads(serial):
    assert len(serial) == len(GRID) and serial.n_computed == len(GRID)
    assert [p["replica"] for p in serial.points] == [g["replica"] for g in GRID]  # grid order
    for point, seed, arrays, info in zip(serial.points, serial.seeds, serial.arrays, serial.info, strict=True):
        assert seed == sweep.point_seed(7, point)
        expected = np.random.default_rng(seed).standard_normal((point["n"], 200))
        assert arrays["x"].tobytes() == expected.tobytes()
        assert info["blas_threads"] == [1] and info["numba_threads"] == 1 and info["pid"] == os.getpid()
    assert serial.stack("replica").shape == (len(GRID), 1)


@pytest.mark.parametrize("n_workers", [1, 2])
def test_process_pool_gives_the_serial_bytes(serial, tmp_path, n_workers):
    result = sweep.run(draw, GRID, name="draw", seed=7, n_workers=n_workers, directory=tmp_path)
    assert result.n_computed == len(GRID)
    assert_same_bytes(result, serial)
    pids = {info["pid"] for info in result.info}
    assert os.getpid() not in pids and len(pids) <= n_workers
    assert all(info["blas_threads"] == [1] and info["numba_threads"] == 1 for info in result.info)
    again = sweep.run(draw, GRID, name="draw", seed=7, n_workers=n_workers, directory=tmp_path)
    assert again.n_computed == 0 and all(again.from_cache)
    assert_same_bytes(again, serial)


def test_dask_cluster_gives_the_serial_bytes(serial, tmp_path):
    distributed = pytest.importorskip(
        "distributed", reason="dask[distributed] is not installed (pip install 'rgkit[dask]')"
    )
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        result = sweep.run(draw, GRID, name="draw", seed=7, executor=client.get_executor(), directory=tmp_path)
    assert result.n_computed == len(GRID)
    assert_same_bytes(result, serial)
    assert os.getpid() not in {info["pid"] for info in result.info}
    assert all(info["blas_threads"] == [1] and info["numba_threads"] == 1 for info in result.info)


# ----------------------------------------------------------------------------- resume
def test_a_failing_point_leaves_the_others_cached_and_a_rerun_computes_only_it(tmp_path, monkeypatch):
    cache, log = tmp_path / "cache", tmp_path / "calls"
    log.mkdir()
    monkeypatch.setenv(CALLS_ENV, str(log))
    monkeypatch.setenv(FAIL_ENV, "2")
    points = sweep.grid(k=range(5))
    with pytest.raises(sweep.SweepError, match=r"1 of 5 points .*\{'k': 2\}") as caught:
        sweep.run(counted, points, name="counted", executor=sweep.SerialExecutor(), directory=cache)
    assert [p for p, _ in caught.value.failures] == [{"k": 2}]
    assert isinstance(caught.value.__cause__, RuntimeError) and calls(log) == [0, 1, 2, 3, 4]
    assert len(list(cache.glob("counted-*.npz"))) == 4
    monkeypatch.delenv(FAIL_ENV)
    result = sweep.run(counted, points, name="counted", executor=sweep.SerialExecutor(), directory=cache)
    assert calls(log) == [0, 1, 2, 2, 3, 4]
    assert result.from_cache == (True, True, False, True, True)
    assert [int(a["k"][0]) for a in result.arrays] == [0, 1, 2, 3, 4] and result.info[2] == {"k": 2}


def test_a_crashed_worker_loses_only_the_points_not_finished(tmp_path, monkeypatch):
    cache, log = tmp_path / "cache", tmp_path / "calls"
    log.mkdir()
    monkeypatch.setenv(CALLS_ENV, str(log))
    monkeypatch.setenv(FAIL_ENV, "-2")  # the worker dies at k = 2
    points = sweep.grid(k=range(5))
    with pytest.raises(sweep.SweepError, match="BrokenProcessPool"):
        sweep.run(counted, points, name="counted", n_workers=1, directory=cache)
    assert calls(log) == [0, 1, 2]  # one worker, points in order: 3 and 4 never started
    assert len(list(cache.glob("counted-*.npz"))) == 2
    assert not [p for p in cache.iterdir() if p.suffix != ".npz"]  # no temporary left behind
    monkeypatch.delenv(FAIL_ENV)
    result = sweep.run(counted, points, name="counted", executor=sweep.SerialExecutor(), directory=cache)
    assert calls(log) == [0, 1, 2, 2, 3, 4] and result.n_computed == 3


def test_the_key_covers_the_sweep_seed_and_the_rgkit_modules_named(tmp_path, monkeypatch):
    log = tmp_path / "calls"
    log.mkdir()
    monkeypatch.setenv(CALLS_ENV, str(log))
    kwargs = {"name": "counted", "executor": sweep.SerialExecutor(), "directory": tmp_path / "cache"}
    first = sweep.run(counted, [{"k": 1}], seed=0, modules=["stats"], **kwargs)
    assert first.entries[0].modules == tuple(data.module_closure(["stats"]))
    assert sweep.run(counted, [{"k": 1}], seed=0, modules=["stats"], **kwargs).n_computed == 0
    assert calls(log) == [1]
    other_seed = sweep.run(counted, [{"k": 1}], seed=1, modules=["stats"], **kwargs)
    other_modules = sweep.run(counted, [{"k": 1}], seed=0, modules=["rg"], **kwargs)
    assert other_seed.n_computed == other_modules.n_computed == 1 and calls(log) == [1, 1, 1]
    assert other_seed.arrays[0]["u"].tobytes() != first.arrays[0]["u"].tobytes()
    assert other_modules.arrays[0]["u"].tobytes() == first.arrays[0]["u"].tobytes()


# ----------------------------------------------------------------------------- concurrency
def _sweep_in_another_process(folder, barrier):
    barrier.wait()  # both processes write the same entries at the same moment
    sweep.run(draw, GRID, name="draw", seed=7, executor=sweep.SerialExecutor(), directory=folder)


def test_two_concurrent_sweeps_on_one_cache_leave_every_entry_whole(serial, tmp_path):
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    workers = [ctx.Process(target=_sweep_in_another_process, args=(tmp_path, barrier)) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    assert [w.exitcode for w in workers] == [0, 0]
    entries = sorted(tmp_path.iterdir())
    assert len(entries) == len(GRID) and all(p.suffix == ".npz" for p in entries)  # no temporaries
    for path in entries:
        _io.load(path, kind="cache-entry")  # complete and readable
    result = sweep.run(draw, GRID, name="draw", seed=7, executor=sweep.SerialExecutor(), directory=tmp_path)
    assert result.n_computed == 0
    assert_same_bytes(result, serial)


# ----------------------------------------------------------------------------- refusals
def returns_a_list(k, seed):
    return [np.zeros(1)]


def test_a_function_that_breaks_the_contract_fails_its_points(tmp_path):
    with pytest.raises(sweep.SweepError) as caught:
        sweep.run(returns_a_list, [{"k": 0}], name="bad", executor=sweep.SerialExecutor(), directory=tmp_path)
    assert isinstance(caught.value.__cause__, TypeError) and "dict of arrays" in str(caught.value.__cause__)
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        ({"name": "a/b"}, ValueError, "name"),
        ({"seed": -1}, ValueError, "seed"),
        ({"seed": 1.5}, TypeError, "seed"),
        ({"grid": [{"k": 1, "seed": 2}]}, ValueError, "replica"),
        ({"grid": [{"k": 1}, {"k": 1}]}, ValueError, "are the same"),
        ({"grid": [{"j": 1}]}, TypeError, "cannot take grid point 0"),
        ({"grid": {"k": 1}}, TypeError, "list of dicts"),
        ({"grid": [[1]]}, TypeError, "dict of parameter values"),
        ({"grid": [{"k": object()}]}, TypeError, "JSON"),
        ({"executor": "processes"}, TypeError, "Executor"),
        ({"n_workers": 0}, ValueError, "n_workers"),
        ({"threads_per_worker": 0}, ValueError, "threads_per_worker"),
        ({"modules": ["nonexistent"]}, ValueError, "no module"),
        ({"progress": "yes"}, TypeError, "progress"),
        ({"function": lambda k, seed: ({}, {})}, TypeError, "picklable"),
        ({"function": np.add}, TypeError, "defined with def"),
    ],
)
def test_bad_arguments_are_refused_before_anything_runs(tmp_path, change, error, match):
    kwargs = {"function": counted, "grid": [{"k": 1}], "name": "counted", "directory": tmp_path, **change}
    function, points = kwargs.pop("function"), kwargs.pop("grid")
    with pytest.raises(error, match=match):
        sweep.run(function, points, **kwargs)
    assert not list(tmp_path.iterdir())
