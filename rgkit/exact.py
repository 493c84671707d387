"""Exact results by enumeration.

Everything here is computed without sampling, so it can serve as the reference that
Monte Carlo and training results are checked against.
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
        mapped to -1 for spin units.

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


def log_boltzmann(energies: np.ndarray) -> np.ndarray:
    """Normalised log-probabilities :math:`-E - \\ln \\sum e^{-E}` of a full list of energies.

    Parameters
    ----------
    energies : array of float, shape (n_states,)
        The energy (in units of k_B T) of every state of a system.

    Returns
    -------
    ndarray of float64, shape (n_states,)
    """
    e = np.asarray(energies, dtype=np.float64)
    if e.ndim != 1 or e.size == 0:
        raise ValueError(f"energies must be a non-empty 1-D array; got shape {e.shape}")
    if np.any(np.isnan(e)) or np.any(e == -np.inf):
        raise ValueError("energies must not be NaN or -inf (+inf marks a forbidden state)")
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
    """
    lp = np.asarray(log_p, dtype=np.float64)
    lq = np.asarray(log_q, dtype=np.float64)
    if lp.ndim != 1 or lp.shape != lq.shape:
        raise ValueError(f"log_p and log_q must be 1-D arrays of equal length; got {lp.shape} and {lq.shape}")
    if np.any(np.isnan(lp)) or np.any(np.isnan(lq)):
        raise ValueError("log_p and log_q must not contain NaN")
    p = np.exp(lp)
    support = p > 0
    if np.any(np.isneginf(lq[support])):
        return float("inf")
    return float(np.sum(p[support] * (lp[support] - lq[support])))
