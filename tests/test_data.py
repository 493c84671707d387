import json

import numpy as np
import pytest

from rgkit import data


def make(calls):
    def generate():
        calls.append(1)
        return {"x": np.arange(5, dtype=np.int8)}, {"note": "made"}

    return generate


def test_generate_once_then_load(tmp_path):
    calls = []
    a, meta_a = data.cached("demo", {"n": 5, "seed": 1}, make(calls), directory=tmp_path)
    b, meta_b = data.cached("demo", {"n": 5, "seed": 1}, make(calls), directory=tmp_path)
    assert len(calls) == 1 and not meta_a["from_cache"] and meta_b["from_cache"]
    assert np.array_equal(a["x"], b["x"]) and b["x"].dtype == np.int8
    assert meta_b["info"] == {"note": "made"} and meta_b["source_hash"] == data.source_hash()
    assert not list(tmp_path.glob("*.tmp"))


def test_other_parameters_get_another_file(tmp_path):
    calls = []
    data.cached("demo", {"n": 5, "seed": 1}, make(calls), directory=tmp_path)
    data.cached("demo", {"n": 5, "seed": 2}, make(calls), directory=tmp_path)
    assert len(calls) == 2 and len(list(tmp_path.glob("*.npz"))) == 2


def test_corrupt_file_is_regenerated_with_a_warning(tmp_path):
    calls = []
    data.cached("demo", {"n": 5}, make(calls), directory=tmp_path)
    (npz,) = tmp_path.glob("*.npz")
    npz.write_bytes(b"not a zip file")
    with pytest.warns(UserWarning, match="regenerating"):
        arrays, meta = data.cached("demo", {"n": 5}, make(calls), directory=tmp_path)
    assert len(calls) == 2 and not meta["from_cache"] and arrays["x"].size == 5


def test_mismatched_metadata_is_regenerated(tmp_path):
    calls = []
    data.cached("demo", {"n": 5}, make(calls), directory=tmp_path)
    (meta_path,) = tmp_path.glob("*.json")
    meta = json.loads(meta_path.read_text())
    meta["params"] = {"n": 6}
    meta_path.write_text(json.dumps(meta))
    with pytest.warns(UserWarning):
        data.cached("demo", {"n": 5}, make(calls), directory=tmp_path)
    assert len(calls) == 2


def test_object_arrays_are_refused(tmp_path):
    with pytest.raises(TypeError, match="object"):
        data.cached("demo", {}, lambda: ({"x": np.array([{}], dtype=object)}, {}), directory=tmp_path)


def test_environment_variable_sets_the_directory(tmp_path, monkeypatch):
    monkeypatch.setenv(data.ENV_VAR, str(tmp_path / "cache"))
    assert data.cache_dir() == tmp_path / "cache" and (tmp_path / "cache").is_dir()


def test_bad_names_and_parameters(tmp_path):
    with pytest.raises(ValueError, match="name"):
        data.cached("../escape", {}, make([]), directory=tmp_path)
    with pytest.raises(TypeError, match="JSON"):
        data.cached("demo", {"x": object()}, make([]), directory=tmp_path)


def test_ising_dataset_is_cached_and_reproducible(tmp_path):
    a, meta = data.ising_dataset(6, 0.3, 20, seed=4, directory=tmp_path)
    b, meta_b = data.ising_dataset(6, 0.3, 20, seed=4, directory=tmp_path)
    assert a.tobytes() == b.tobytes() and meta_b["from_cache"]
    assert meta["info"]["method"] == "wolff" and meta["params"]["L"] == 6
    with pytest.raises(TypeError, match="seed"):
        data.ising_dataset(6, 0.3, 20, seed=None, directory=tmp_path)
