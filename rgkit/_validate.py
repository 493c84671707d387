"""Input checks shared by the public functions of :mod:`rgkit`.

Every public function validates at its boundary and raises ``TypeError`` (wrong kind of
object) or ``ValueError`` (right kind, wrong value) with a message that names the argument
and says what is allowed. Kernels behind the boundary trust their inputs.
"""

from __future__ import annotations

import numbers

import numpy as np

UNITS = ("spin", "binary")


def check_units(units: object, name: str = "units") -> str:
    """Return ``units`` if it names a known encoding, else raise."""
    if not isinstance(units, str):
        raise TypeError(f"{name} must be a string, 'spin' or 'binary'; got {type(units).__name__}")
    if units not in UNITS:
        raise ValueError(f"{name} must be 'spin' (values ±1) or 'binary' (values 0/1); got {units!r}")
    return units


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
