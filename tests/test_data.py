import multiprocessing
import os

import numpy as np
import pytest

from rgkit import _io, data


@pytest.fixture(autouse=True)
def no_published_book(monkeypatch):
    # These tests are about the local cache; fetching is tested in test_publish.py.
    monkeypatch.delenv(data.ARTEFACTS_ENV_VAR, raising=False)


def make(calls, n=5):
    def generate():
        calls.append(1)
        return {"x": np.arange(n, dtype=np.int8)}, {"note": "made", "scalar": np.float64(1.5)}

    return generate


def cached(params, generate, tmp_path, modules=("stats",)):
    return data.cached("demo", params, generate, modules=modules, directory=tmp_path)


def test_generate_once_then_load(tmp_path):
    calls = []
    a, entry_a = cached({"n": 5, "seed": 1}, make(calls), tmp_path)
    b, entry_b = cached({"n": 5, "seed": 1}, make(calls), tmp_path)
    assert len(calls) == 1 and not entry_a.from_cache and entry_b.from_cache
    assert np.array_equal(a["x"], b["x"]) and b["x"].dtype == np.int8
    assert entry_b.info == {"note": "made", "scalar": 1.5}
    assert len(list(tmp_path.iterdir())) == 1  # one file per entry, no temporary left


def test_other_parameters_get_another_file(tmp_path):
    calls = []
    cached({"n": 5, "seed": 1}, make(calls), tmp_path)
    cached({"n": 5, "seed": 2}, make(calls), tmp_path)
    assert len(calls) == 2 and len(list(tmp_path.glob("*.npz"))) == 2


def test_key_covers_the_named_modules_and_what_they_import_only():
    assert data.module_closure(["mc"]) == sorted(set(data.module_closure(["mc"])))
    assert {"mc", "stats", "exact", "ising", "_rng"} <= set(data.module_closure(["mc"]))
    assert "plot" not in data.module_closure(["mc"]) and "plot" not in data.module_closure(["rbm"])
    assert not {"ising", "exact", "mc"} & set(data.module_closure(["rbm"]))
    assert data.source_hash(["stats"]) != data.source_hash(["rbm"])


def test_corrupt_file_is_regenerated_with_a_warning(tmp_path):
    calls = []
    cached({"n": 5}, make(calls), tmp_path)
    (npz,) = tmp_path.glob("*.npz")
    npz.write_bytes(b"not a zip file")
    with pytest.warns(UserWarning, match="regenerating"):
        arrays, entry = cached({"n": 5}, make(calls), tmp_path)
    assert len(calls) == 2 and not entry.from_cache and arrays["x"].size == 5


def test_an_entry_of_other_parameters_under_this_key_is_regenerated(tmp_path):
    calls = []
    cached({"n": 5}, make(calls), tmp_path)
    (npz,) = tmp_path.glob("*.npz")
    arrays, meta = _io.load(npz)
    meta["params"] = {"n": 6}
    _io.save(npz, arrays, meta, kind="cache-entry")
    with pytest.warns(UserWarning, match="does not match"):
        cached({"n": 5}, make(calls), tmp_path)
    assert len(calls) == 2


def _writer(args):
    folder, n = args
    data.cached("race", {"k": 1}, make([], n), modules=["stats"], directory=folder)


def test_two_concurrent_writers_leave_one_consistent_entry(tmp_path):
    # Both generate different arrays under one key; whichever rename wins, the file holds
    # one writer's arrays with that writer's metadata, never a mix.
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(2) as pool:
        pool.map(_writer, [(tmp_path, 5), (tmp_path, 7)] * 4)
    (npz,) = tmp_path.glob("*.npz")
    arrays, meta = _io.load(npz, kind="cache-entry")
    assert arrays["x"].size in (5, 7) and meta["params"] == {"k": 1}
    assert not [p for p in tmp_path.iterdir() if p.suffix != ".npz"]


def test_object_arrays_and_unserialisable_info_are_refused_before_writing(tmp_path):
    with pytest.raises(TypeError, match="object"):
        cached({}, lambda: ({"x": np.array([{}], dtype=object)}, {}), tmp_path)
    with pytest.raises(TypeError, match="JSON"):
        cached({}, lambda: ({"x": np.zeros(2)}, {"bad": object()}), tmp_path)
    assert not list(tmp_path.iterdir())


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_unwritable_directory_returns_the_result_uncached_with_a_warning(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.warns(UserWarning, match="not writable"):
            arrays, entry = cached({"n": 5}, make([]), folder)
        assert entry.path is None and arrays["x"].size == 5
    finally:
        folder.chmod(0o700)


def test_unwritable_directory_is_detected_before_generating(tmp_path, monkeypatch):
    order = []
    monkeypatch.setattr(data, "_writable", lambda folder: order.append("checked") or "read-only here")

    def generate():
        order.append("generated")
        return {"x": np.zeros(1)}, {}

    with pytest.warns(UserWarning, match="read-only here"):
        cached({}, generate, tmp_path)
    assert order == ["checked", "generated"]


def test_environment_variable_sets_the_directory_and_expands_home(tmp_path, monkeypatch):
    monkeypatch.setenv(data.ENV_VAR, str(tmp_path / "cache"))
    assert data.cache_dir() == tmp_path / "cache" and (tmp_path / "cache").is_dir()
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv(data.ENV_VAR, "~/elsewhere")
    assert data.cache_dir() == tmp_path / "elsewhere"
    (tmp_path / "file").write_text("")
    monkeypatch.setenv(data.ENV_VAR, str(tmp_path / "file"))
    with pytest.raises(ValueError, match="directory"):
        data.cache_dir()


def test_bad_names_and_parameters(tmp_path):
    with pytest.raises(ValueError, match="name"):
        data.cached("../escape", {}, make([]), modules=["stats"], directory=tmp_path)
    with pytest.raises(TypeError, match="JSON"):
        cached({"x": object()}, make([]), tmp_path)
    with pytest.raises(ValueError, match="no module"):
        cached({}, make([]), tmp_path, modules=["nonexistent"])


def test_ising_dataset_is_cached_and_reproducible(tmp_path):
    a, entry = data.ising_dataset(6, 0.3, 20, seed=4, directory=tmp_path)
    b, entry_b = data.ising_dataset(6, 0.3, 20, seed=4, directory=tmp_path)
    assert a.tobytes() == b.tobytes() and entry_b.from_cache
    assert entry.info["method"] == "wolff" and entry.params["L"] == 6
    with pytest.raises(TypeError, match="seed"):
        data.ising_dataset(6, 0.3, 20, seed=None, directory=tmp_path)


def test_trained_dbn_is_cached_with_its_history(tmp_path):
    x = np.random.default_rng(0).integers(0, 2, size=(50, 9)).astype(np.int8)
    kwargs = dict(units="binary", epochs=2, seed=3, directory=tmp_path, learning_rate=0.1, momentum=(0.5, 0.9, 1))
    dbn, entry = data.trained_dbn(x, (9, 4, 2), **kwargs)
    again, entry_again = data.trained_dbn(x, (9, 4, 2), **kwargs)
    assert not entry.from_cache and entry_again.from_cache and entry.info["seconds"] > 0
    for a, b in zip(dbn.layers, again.layers, strict=True):
        assert np.array_equal(a.W, b.W) and a.history["epoch"] == b.history["epoch"] == [1, 2]
    other, entry_other = data.trained_dbn(x[::-1].copy(), (9, 4, 2), **kwargs)
    assert not entry_other.from_cache  # other data bytes, other key


def test_trained_dbn_threads_the_reference_cd1_option_into_its_key_and_layers(tmp_path):
    x = np.random.default_rng(0).integers(0, 2, (60, 9)).astype(np.int8)
    kwargs = dict(units="binary", epochs=1, seed=0, directory=tmp_path, progress=False)
    default, entry = data.trained_dbn(x, (9, 4, 2), **kwargs)
    mean, entry_mean = data.trained_dbn(x, (9, 4, 2), negative_visible="mean", **kwargs)
    assert entry_mean.key != entry.key and entry_mean.params["fit"]["negative_visible"] == "mean"
    assert [r.hyperparameters["negative_visible"] for r in mean.layers] == ["mean", "mean"]
    assert [r.hyperparameters["negative_visible"] for r in default.layers] == ["sample", "sample"]
    assert not np.allclose(mean.layers[0].W, default.layers[0].W)


def test_an_unwritable_default_folder_warns_instead_of_failing(monkeypatch, tmp_path):
    monkeypatch.delenv(data.ENV_VAR, raising=False)
    monkeypatch.setenv("HOME", "/proc/no-such-home")  # nothing can be created under /proc
    monkeypatch.chdir(tmp_path)  # no book repository above: the default is ~/.cache/rgkit
    with pytest.warns(UserWarning, match="not writable"):
        spins, entry = data.ising_dataset(4, 0.3, 5, seed=0)
    assert spins.shape == (5, 4, 4) and entry.path is None


def test_a_products_key_covers_the_code_in_data_that_produces_it(tmp_path, monkeypatch):
    _, first = data.ising_dataset(4, 0.3, 5, seed=0, directory=tmp_path)
    monkeypatch.setattr(data.inspect, "getsource", lambda function: "def edited(): pass\n")
    _, second = data.ising_dataset(4, 0.3, 5, seed=0, directory=tmp_path)
    assert first.key != second.key and not second.from_cache


def test_current_entries_are_those_keyed_by_todays_source(tmp_path, monkeypatch):
    current = sorted(cached({"n": n}, make([], n), tmp_path)[1].path for n in (3, 5))
    arrays, meta = _io.load(current[0])
    # Keyed by source that has since changed; by a module that is gone; renamed; not entries.
    for digit, change in (("0", {"source_hash": "0" * 64}), ("1", {"modules": ["gone"]})):
        key = digit * 20
        _io.save(tmp_path / f"demo-{key}.npz", arrays, {**meta, "key": key, **change}, kind="cache-entry")
    (tmp_path / "demo-copy.npz").write_bytes(current[1].read_bytes())
    _io.save(tmp_path / "model.npz", arrays, meta, kind="rbm")
    (tmp_path / "notes.npz").write_text("not a zip")
    assert data.current_entries(tmp_path) == current
    monkeypatch.setenv(data.ENV_VAR, str(tmp_path))
    assert data.current_entries() == current
    # An edit of a module the entries are keyed by retires them all.
    monkeypatch.setattr(data, "source_hash", lambda modules=None: "f" * 64)
    assert data.current_entries(tmp_path) == []
