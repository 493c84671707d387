"""Where numba keeps rgkit's compiled kernels, keyed on the source of the kernel modules.

numba's own cache checks only the timestamp of the file that defines a kernel, not of the
functions it inlines: after an edit of ``_rng.py``, the Metropolis and RBM kernels in other
files would be loaded compiled against the old generator. So the cache lives in a folder
named after a hash of every rgkit file that uses numba, and any edit of one of them starts a
fresh folder.

The folder is ``$NUMBA_CACHE_DIR/rgkit-<hash>`` when that variable is set, else
``~/.cache/rgkit/numba/<hash>``, else the package's ``__pycache__``; when none of them is
writable (a read-only install and home on a teaching server), a temporary folder, which
costs the compilation at every start but never an import error.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import numba

_PACKAGE = Path(__file__).resolve().parent


def kernel_source_hash() -> str:
    """Hash of the source of every rgkit module that uses numba (16 hex digits)."""
    digest = hashlib.sha256()
    for path in sorted(_PACKAGE.glob("*.py")):
        text = path.read_bytes()
        if b"numba" in text:
            digest.update(path.name.encode() + b"\0" + text)
    return digest.hexdigest()[:16]


def _usable(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError:
        return False
    return True


def configure() -> str:
    """Point numba's cache at a folder for the current kernel source; return the folder."""
    key = kernel_source_hash()
    candidates = []
    if os.environ.get("NUMBA_CACHE_DIR"):
        candidates.append(Path(os.environ["NUMBA_CACHE_DIR"]).expanduser() / f"rgkit-{key}")
    candidates += [Path.home() / ".cache" / "rgkit" / "numba" / key, _PACKAGE / "__pycache__" / "numba" / key]
    folder = next((c for c in candidates if _usable(c)), None)
    if folder is None:
        folder = Path(tempfile.mkdtemp(prefix=f"rgkit-numba-{key}-"))
    numba.config.CACHE_DIR = str(folder)
    return str(folder)
