import hashlib

import numpy as np
import pytest

from rgkit import _io


def test_round_trip_keeps_arrays_metadata_and_any_array_name(tmp_path):
    arrays = {"W": np.arange(6.0).reshape(2, 3), "file": np.int8([1, -1]), "allow_pickle": np.array("text")}
    _io.save(tmp_path / "x.npz", arrays, {"a": np.float32(0.5), "list": [np.int64(2)]}, kind="demo")
    back, meta = _io.load(tmp_path / "x.npz", kind="demo")
    assert sorted(back) == sorted(arrays) and all(np.array_equal(back[k], arrays[k]) for k in arrays)
    assert back["file"].dtype == np.int8 and meta == {"a": 0.5, "list": [2]}


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"", "truncated, corrupt"),
        (bytes(range(256)) * 8, "truncated, corrupt"),
    ],
)
def test_unreadable_files_give_one_clear_error(tmp_path, content, why):
    path = tmp_path / "bad.npz"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=f"cannot read .*bad.npz: {why}"):
        _io.load(path)


def test_truncated_foreign_missing_and_newer_files(tmp_path):
    good = tmp_path / "good.npz"
    _io.save(good, {"x": np.zeros(1000)}, {}, kind="demo")
    truncated = tmp_path / "cut.npz"
    truncated.write_bytes(good.read_bytes()[:3000])
    with pytest.raises(ValueError, match="cannot read"):
        _io.load(truncated)
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, x=np.zeros(3))
    with pytest.raises(ValueError, match="not a file written by rgkit"):
        _io.load(foreign)
    with pytest.raises(ValueError, match="holds a 'demo', not a 'rbm'"):
        _io.load(good, kind="rbm")
    with pytest.raises(ValueError, match="no such file"):
        _io.load(tmp_path / "absent.npz")


def test_metadata_that_is_not_json_is_refused_before_anything_is_written(tmp_path):
    with pytest.raises(TypeError, match="JSON"):
        _io.save(tmp_path / "x.npz", {"x": np.zeros(2)}, {"bad": object()}, kind="demo")
    with pytest.raises(TypeError, match="objects"):
        _io.save(tmp_path / "x.npz", {"x": np.array([None])}, {}, kind="demo")
    assert not list(tmp_path.iterdir())


def test_metadata_is_read_without_the_arrays(tmp_path):
    # An array entry with damaged bytes: load must fail on it (zip's CRC), load_meta must not read it.
    path = tmp_path / "x.npz"
    _io.save(path, {"x": np.arange(50_000.0)}, {"a": 1}, kind="demo")
    raw = bytearray(path.read_bytes())
    start = raw.index(b"\x93NUMPY") + 200
    raw[start : start + 1000] = bytes(1000)
    path.write_bytes(bytes(raw))
    assert _io.load_meta(path, kind="demo") == {"a": 1}
    with pytest.raises(ValueError, match="cannot read"):
        _io.load(path)
    with pytest.raises(ValueError, match="holds a 'demo', not a 'rbm'"):
        _io.load_meta(path, kind="rbm")
    with pytest.raises(ValueError, match="no such file"):
        _io.load_meta(tmp_path / "absent.npz")


def test_file_sha256_matches_hashlib_over_several_blocks(tmp_path):
    content = np.random.default_rng(0).bytes(3 * (1 << 20) + 17)
    (tmp_path / "f").write_bytes(content)
    assert _io.file_sha256(tmp_path / "f") == (hashlib.sha256(content).hexdigest(), len(content))
