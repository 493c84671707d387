import subprocess
import sys
from pathlib import Path

import numba

from rgkit import _numba_cache


def test_cache_folder_is_named_after_the_kernel_source(monkeypatch, tmp_path):
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    before = numba.config.CACHE_DIR
    try:
        folder = _numba_cache.configure()
        assert folder == str(tmp_path / f"rgkit-{_numba_cache.kernel_source_hash()}")
        assert numba.config.CACHE_DIR == folder
    finally:
        numba.config.CACHE_DIR = before


def test_an_edit_of_a_kernel_module_changes_the_key(monkeypatch, tmp_path):
    for name in ("_rng.py", "mc.py", "plot.py"):
        (tmp_path / name).write_text("import numba\n" if name != "plot.py" else "x = 1\n")
    monkeypatch.setattr(_numba_cache, "_PACKAGE", tmp_path)
    key = _numba_cache.kernel_source_hash()
    (tmp_path / "plot.py").write_text("x = 2\n")  # no numba: the kernels are unaffected
    assert _numba_cache.kernel_source_hash() == key
    (tmp_path / "_rng.py").write_text("import numba\n# inlined into every kernel\n")
    assert _numba_cache.kernel_source_hash() != key


def test_nothing_writable_falls_back_to_a_temporary_folder(monkeypatch):
    monkeypatch.setattr(_numba_cache, "_usable", lambda folder: False)
    before = numba.config.CACHE_DIR
    try:
        folder = Path(_numba_cache.configure())
        assert folder.is_dir() and folder.name.startswith("rgkit-numba-")
    finally:
        numba.config.CACHE_DIR = before


def test_import_works_with_a_read_only_home_and_cache(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    home.chmod(0o500)
    code = "import rgkit, numba; from rgkit import mc; mc.sample(4, 0.3, 2, seed=0); print(numba.config.CACHE_DIR)"
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin", "NUMBA_CACHE_DIR": str(home / "no")}
    try:
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    finally:
        home.chmod(0o700)
    assert out.returncode == 0, out.stderr
