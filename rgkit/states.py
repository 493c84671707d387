"""Enumeration of small systems of two-valued units, and exact distributions over them.

Nothing here knows about a particular model: an Ising ring, an RBM and a kernel of the
variational RG all enumerate their states, normalise Boltzmann weights and compare
distributions with these functions.

Units are encoded as ``"spin"`` (±1) or ``"binary"`` (0/1), int8, sample axis first.
"""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp

from ._validate import check_int, check_units

#: Largest number of units :func:`configurations` enumerates (2**24 states, 400 MiB of int8).
MAX_ENUMERATED_UNITS = 24


def configurations(n: int, units: str = "spin") -> np.ndarray:
    """All ``2**n`` states of ``n`` two-valued units.

    Parameters
    ----------
    n : int
        Number of units, ``0 <= n <= 24``.
    units : {"spin", "binary"}
        Encoding: ``"spin"`` gives values ±1, ``"binary"`` values 0/1.

    Returns
    -------
    ndarray of int8, shape (2**n, n)
        Row ``k`` is the binary expansion of ``k`` (most significant unit first), with 0
        mapped to -1 for spin units (see :func:`state_index` for the inverse).

    Raises
    ------
    ValueError
        If ``n`` is negative or above 24, or ``units`` is unknown.

    Examples
    --------
    >>> configurations(2)
    array([[-1, -1],
           [-1,  1],
           [ 1, -1],
           [ 1,  1]], dtype=int8)
    """
    n = check_int(n, "n", minimum=0, maximum=MAX_ENUMERATED_UNITS)
    units = check_units(units)
    k = np.arange(2**n, dtype=np.int64)[:, None]
    bits = ((k >> np.arange(n - 1, -1, -1)) & 1).astype(np.int8)
    return (2 * bits - 1).astype(np.int8) if units == "spin" else bits


def state_index(states: np.ndarray) -> np.ndarray:
    """The row of each state in :func:`configurations` (either encoding).

    Parameters
    ----------
    states : array of int, shape (n, n_units)
        ±1 or 0/1 states, at most 62 units.

    Returns
    -------
    ndarray of int64, shape (n,)

    Examples
    --------
    >>> state_index(configurations(3))
    array([0, 1, 2, 3, 4, 5, 6, 7])
    """
    s = np.asarray(states)
    if s.ndim != 2 or s.shape[1] > 62 or s.dtype.kind not in "iu":
        raise ValueError(f"states must be an integer array of shape (n, n_units ≤ 62); got {s.dtype} {s.shape}")
    if not np.all((s == 1) | (s == 0) | (s == -1)):
        raise ValueError("states must hold ±1 or 0/1 values")
    bits = (s > 0).astype(np.int64)
    return bits @ (np.int64(1) << np.arange(s.shape[1] - 1, -1, -1, dtype=np.int64))


def log_sum_units(x: np.ndarray, units: str) -> np.ndarray:
    """:math:`\\ln \\sum_s e^{s x}` over the two states of a unit, elementwise, without overflow.

    ``ln 2cosh x`` for spin units (s = ±1) and the softplus ``ln(1 + e^x)`` for binary units
    (s = 0/1): the sum over one unit that every RBM free energy and conditional is built from.

    Parameters
    ----------
    x : array of float
        Fields on the units, any shape.
    units : {"spin", "binary"}

    Returns
    -------
    ndarray of float, the shape of ``x``
    """
    x = np.asarray(x)
    return np.logaddexp(x, -x) if units == "spin" else np.logaddexp(0.0, x)


def log_boltzmann(energies: np.ndarray) -> np.ndarray:
    """Normalised log-probabilities :math:`-E - \\ln \\sum e^{-E}` of a full list of energies.

    Parameters
    ----------
    energies : array of float, shape (n_states,)
        The energy (in units of k_B T) of every state of a system; ``+inf`` marks a
        forbidden state.

    Returns
    -------
    ndarray of float64, shape (n_states,)
    """
    e = np.asarray(energies, dtype=np.float64)
    if e.ndim != 1 or e.size == 0:
        raise ValueError(f"energies must be a non-empty 1-D array; got shape {e.shape}")
    if np.any(np.isnan(e)) or np.any(e == -np.inf):
        raise ValueError("energies must not be NaN or -inf (+inf marks a forbidden state)")
    if np.all(e == np.inf):
        raise ValueError("energies forbid every state (all +inf)")
    return -e - logsumexp(-e)


def kl_divergence(log_p: np.ndarray, log_q: np.ndarray) -> float:
    """Exact :math:`KL(P \\| Q) = \\sum_x P(x) \\ln[P(x)/Q(x)]` from log-probabilities of every state.

    Parameters
    ----------
    log_p, log_q : array of float, shape (n_states,)
        Normalised log-probabilities of the same states, in the same order.

    Returns
    -------
    float
        In nats; ``inf`` if Q vanishes where P does not.

    Raises
    ------
    ValueError
        If the arrays are empty, of different lengths, contain NaN or +inf, or are not
        normalised (each must sum to 1 within 1e-9 in probability).
    """
    lp = np.asarray(log_p, dtype=np.float64)
    lq = np.asarray(log_q, dtype=np.float64)
    if lp.ndim != 1 or lp.shape != lq.shape or lp.size == 0:
        raise ValueError(f"log_p and log_q must be non-empty 1-D arrays of equal length; got {lp.shape} and {lq.shape}")
    for name, x in (("log_p", lp), ("log_q", lq)):
        if np.any(np.isnan(x)) or np.any(x == np.inf):
            raise ValueError(f"{name} must not contain NaN or +inf (log-probabilities are at most 0)")
        total = float(np.exp(logsumexp(x)))
        if abs(total - 1.0) > 1e-9:
            raise ValueError(f"{name} must be normalised log-probabilities; its probabilities sum to {total:.12g}")
    p = np.exp(lp)
    support = p > 0
    if np.any(np.isneginf(lq[support])):
        return float("inf")
    return float(np.sum(p[support] * (lp[support] - lq[support])))


def to_binary(spins: np.ndarray) -> np.ndarray:
    """Map spin states ±1 to binary states 0/1 (``x = (s + 1) / 2``), keeping int8."""
    s = np.asarray(spins)
    if s.dtype.kind not in "biuf" or not np.all(np.abs(s) == 1):
        raise ValueError("spins must hold only -1 and 1")
    return ((s + 1) // 2).astype(np.int8)


def to_spin(bits: np.ndarray) -> np.ndarray:
    """Map binary states 0/1 to spin states ±1 (``s = 2x - 1``), keeping int8."""
    x = np.asarray(bits)
    if x.dtype.kind not in "biuf" or not np.all((x == 0) | (x == 1)):
        raise ValueError("bits must hold only 0 and 1")
    return (2 * x - 1).astype(np.int8)
