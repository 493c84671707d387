"""Input checks shared by the public functions of :mod:`rgkit`.

Every public function validates at its boundary and raises ``TypeError`` (wrong kind of
object) or ``ValueError`` (right kind, wrong value) with a message that names the argument
and says what is allowed. Kernels behind the boundary trust their inputs.
"""

from __future__ import annotations

import numbers

import numpy as np

UNITS = ("spin", "binary")


def check_choice(value: object, name: str, choices: tuple, *, explain: str = "") -> object:
    """Return ``value`` if it is one of ``choices`` (strings or None), else raise.

    ``explain`` is appended to the message, e.g. ``"for dim=2"``.
    """
    suffix = f" {explain}" if explain else ""
    if value is not None and not isinstance(value, str):
        raise TypeError(f"{name} must be one of {choices}{suffix}; got {type(value).__name__}")
    if value not in choices:
        raise ValueError(f"{name} must be one of {choices}{suffix}; got {value!r}")
    return value


def check_units(units: object, name: str = "units") -> str:
    """Return ``units`` if it names a known encoding, else raise."""
    if not isinstance(units, str):
        raise TypeError(f"{name} must be a string, 'spin' or 'binary'; got {type(units).__name__}")
    if units not in UNITS:
        raise ValueError(f"{name} must be 'spin' (values ±1) or 'binary' (values 0/1); got {units!r}")
    return units


def check_coupling(value: object, name: str = "K") -> float:
    """Return a ferromagnetic coupling K = J/k_BT > 0 as a float, else raise."""
    value = check_real(value, name)
    if value <= 0:
        raise ValueError(f"{name} must be positive (a ferromagnet, K = J/k_BT > 0); got {value}")
    return value


def check_int(value: object, name: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """Return ``value`` as an ``int`` if it is an integer within the bounds, else raise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer; got {type(value).__name__}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be at least {minimum}; got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be at most {maximum}; got {value}")
    return value


def check_real(value: object, name: str, *, positive: bool = False) -> float:
    """Return ``value`` as a finite ``float``, else raise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number; got {type(value).__name__}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite; got {value}")
    if positive and value <= 0:
        raise ValueError(f"{name} must be positive; got {value}")
    return value


def check_finite_array(value: object, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """Return ``value`` as a float64 array of exactly ``shape`` with finite entries, else raise."""
    arr = np.asarray(value)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a real numeric array; got dtype {arr.dtype}")
    if arr.shape != shape:
        raise ValueError(f"{name} must have shape {shape}; got {arr.shape}")
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite; it contains NaN or infinity")
    return arr


def check_states(value: object, name: str, width: int, units: str) -> tuple[np.ndarray, bool]:
    """Validate a batch of unit states in the encoding ``units``.

    Returns the array as shape ``(n, width)`` (a single state of shape ``(width,)`` is promoted
    to a batch of one) and whether the input was a single state.
    """
    arr = np.asarray(value)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a numeric array of {units} states; got dtype {arr.dtype}")
    single = arr.ndim == 1
    if single:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] != width:
        raise ValueError(f"{name} must have shape (n, {width}) or ({width},); got {np.asarray(value).shape}")
    allowed = (-1, 1) if units == "spin" else (0, 1)
    if not np.all((arr == allowed[0]) | (arr == allowed[1])):
        raise ValueError(f"{name} must hold only {allowed[0]} and {allowed[1]} for {units} units")
    return arr, single


def rng_from(seed: object) -> np.random.Generator:
    """Return a numpy Generator from ``None``, an integer seed or a Generator."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        return np.random.default_rng()
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed must be None, a non-negative integer or a numpy Generator; got {type(seed).__name__}")
    if seed < 0:
        raise ValueError(f"seed must be non-negative; got {seed}")
    return np.random.default_rng(int(seed))


def check_spins(spins: object, name: str = "spins", *, dim: object = None) -> np.ndarray:
    """Return ``spins`` if it is a ±1 integer batch of chains or square lattices, else raise.

    The one rule for configurations: the sample axis comes first and is never dropped. A 3-D
    array ``(n, L, L)`` is a batch of square lattices. A 2-D array is a batch of chains
    ``(n, N)`` only when ``dim=1`` says so: without it, a 2-D array is refused, because one
    L×L lattice whose batch axis was dropped looks exactly like L chains of L spins.

    Parameters
    ----------
    spins : array of int
    name : str
        The argument's name, for messages.
    dim : {None, 1, 2}
        1: a batch of chains ``(n, N)``; 2: a batch of lattices ``(n, L, L)``; None: lattices,
        and a 2-D array is refused.
    """
    if dim not in (None, 1, 2) or isinstance(dim, bool):
        raise ValueError(f"dim must be None, 1 (chains) or 2 (square lattices); got {dim!r}")
    arr = np.asarray(spins)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{name} must be an integer array of ±1 (int8 preferred); got dtype {arr.dtype}")
    if arr.ndim == 2 and dim != 1:
        if dim == 2:
            raise ValueError(
                f"{name} must be a batch of lattices, shape (n, L, L); got shape {arr.shape}. "
                f"For one lattice add the batch axis: {name}[None]"
            )
        raise ValueError(
            f"{name} has shape {arr.shape}, which is ambiguous: pass dim=1 if it is a batch of "
            f"{arr.shape[0]} chains of {arr.shape[1]} spins, or add the batch axis ({name}[None]) "
            "if it is one lattice"
        )
    if arr.ndim == 3 and dim == 1:
        raise ValueError(f"{name} must be a batch of chains, shape (n, N), for dim=1; got shape {arr.shape}")
    if arr.ndim == 2:
        if arr.shape[1] < 2:
            raise ValueError(f"{name}: chains need at least 2 sites; got shape {arr.shape}")
    elif arr.ndim == 3:
        if arr.shape[1] != arr.shape[2] or arr.shape[1] < 2:
            raise ValueError(f"{name}: lattices must be square with side at least 2; got shape {arr.shape}")
    else:
        raise ValueError(
            f"{name} must be a batch, shape (n, N) for chains (with dim=1) or (n, L, L) for lattices; "
            f"got shape {arr.shape}"
        )
    if arr.shape[0] < 1:
        raise ValueError(f"{name} must hold at least one configuration; got shape {arr.shape}")
    if not np.all((arr == 1) | (arr == -1)):
        raise ValueError(f"{name} must hold only -1 and 1")
    return arr


def check_series(x: object, name: str = "x", minimum: int = 4) -> np.ndarray:
    """Return ``x`` as a finite 1-D float64 series of at least ``minimum`` entries, else raise."""
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D time series; got shape {arr.shape}")
    if arr.size < minimum:
        raise ValueError(f"{name} must have at least {minimum} entries; got {arr.size}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite")
    return arr


def check_unit_values(data: object, name: str, width: int, units: str) -> tuple[np.ndarray, bool]:
    """Validate states or conditional means of a layer of ``width`` units.

    Spin units take values in [-1, 1] and binary units in [0, 1]: exact states, or the
    conditional means of the layer below (the input of an upper layer of a deep belief network).

    Returns
    -------
    values : ndarray of float, shape (n, width)
        Not copied if already floating point (float32 kept; integers become float64, or
        float32 above 2**22 entries).
    exact : bool
        Whether every value is a state (±1 or 0/1).
    """
    arr = np.asarray(data)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a numeric array; got dtype {arr.dtype}")
    if arr.ndim != 2 or arr.shape[1] != width:
        raise ValueError(f"{name} must have shape (n_samples, {width}); got {arr.shape}")
    if arr.shape[0] < 1:
        raise ValueError(f"{name} must hold at least one sample")
    if arr.dtype.kind != "f":
        arr = arr.astype(np.float32 if arr.size > 1 << 22 else np.float64)
    lo, hi = arr.min(), arr.max()
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise ValueError(f"{name} must be finite")
    low = -1.0 if units == "spin" else 0.0
    if lo < low or hi > 1.0:
        allowed = "±1 states or means in [-1, 1]" if units == "spin" else "0/1 states or means in [0, 1]"
        raise ValueError(f"{name} for {units} units must be {allowed}; got values in [{lo}, {hi}]")
    if units == "spin" and lo == 0 and hi == 1 and np.all((arr == 0) | (arr == 1)):
        # 0/1 states would pass as means in [-1, 1] and give wrong results without an error.
        raise ValueError(
            f"{name} look binary (only 0 and 1) but the units are spins (±1): convert them with "
            "rgkit.states.to_spin, or use units='binary'"
        )
    exact = bool(np.all((arr == low) | (arr == 1.0)))
    return arr, exact
