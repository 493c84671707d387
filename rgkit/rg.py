"""Hand-made real-space renormalization: majority-rule block spins and decimation on the square
lattice, decimation of the Ising ring, and Migdal–Kadanoff bond moving.

These are the coarse-graining maps that learned ones are measured against
(:mod:`rgkit.compare`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._rng import make_state
from ._rng import step as rng_step
from ._validate import check_int, check_real, check_spins, rng_from


@njit(cache=True, nogil=True)
def _majority(s, b, state, out):
    """Block sums and their signs in one pass; a tie takes the top bit of the next draw."""
    n, m = out.shape[0], out.shape[1]
    s0, s1, s2, s3 = state[0], state[1], state[2], state[3]
    for k in range(n):
        for bi in range(m):
            for bj in range(m):
                total = 0
                for i in range(bi * b, bi * b + b):
                    for j in range(bj * b, bj * b + b):
                        total += s[k, i, j]
                if total > 0:
                    out[k, bi, bj] = 1
                elif total < 0:
                    out[k, bi, bj] = -1
                else:
                    r, s0, s1, s2, s3 = rng_step(s0, s1, s2, s3)
                    out[k, bi, bj] = 1 if r >> np.uint64(52) else -1
    state[0], state[1], state[2], state[3] = s0, s1, s2, s3


def _check_blocking(spins: object, b: object) -> tuple[np.ndarray, int]:
    """The checks every blocking of (n, L, L) spins by b×b blocks shares."""
    s = check_spins(spins, dim=2)
    b = check_int(b, "b", minimum=2)
    if s.shape[1] % b:
        raise ValueError(f"the lattice side L = {s.shape[1]} must be divisible by the block side b = {b}")
    return s, b


def majority_rule(spins: np.ndarray, b: int, *, seed: int | np.random.Generator | None = None) -> np.ndarray:
    """Majority-rule block spins: each b×b block becomes the sign of its sum.

    Ties (possible for even b) are broken by a fair coin: the top bit of an xoshiro256+
    stream seeded from ``seed``, one draw per tie in sample, row, column order.

    Parameters
    ----------
    spins : array of int8, shape (n, L, L)
        Square lattices with L divisible by b.
    b : int
        Block side, at least 2.
    seed : int, Generator or None

    Returns
    -------
    ndarray of int8, shape (n, L // b, L // b)

    Examples
    --------
    >>> majority_rule(np.ones((1, 4, 4), dtype=np.int8), 2, seed=0)[0]
    array([[1, 1],
           [1, 1]], dtype=int8)
    """
    s, b = _check_blocking(spins, b)
    n, L, _ = s.shape
    out = np.empty((n, L // b, L // b), dtype=np.int8)
    _majority(s, b, make_state(rng_from(seed)), out)
    return out


def decimate(spins: np.ndarray, b: int) -> np.ndarray:
    """Decimation on the square lattice: keep the spin at the corner of each b×b block.

    Parameters
    ----------
    spins : array of int8, shape (n, L, L)
        Square lattices with L divisible by b.
    b : int
        Block side, at least 2.

    Returns
    -------
    ndarray of int8, shape (n, L // b, L // b)
        ``spins[:, ::b, ::b]``, as a new array.
    """
    s, b = _check_blocking(spins, b)
    return np.ascontiguousarray(s[:, ::b, ::b])


# ----------------------------------------------------------------------------- decimation of the ring
def decimated_coupling(K: float) -> float:
    """One decimation step of the Ising ring: :math:`K' = \\tfrac12 \\ln\\cosh 2K`, i.e. tanh K' = tanh² K."""
    K = abs(check_real(K, "K"))
    if K < 1:  # ln cosh 2K = ln(1 + 2 sinh² K): no cancellation as K -> 0, where K' ≈ K²
        return float(0.5 * np.log1p(2 * np.sinh(K) ** 2))
    return float(0.5 * (2 * K + np.log1p(np.exp(-4 * K)) - np.log(2.0)))  # no overflow


def decimation_flow(K: float, n_steps: int) -> np.ndarray:
    """Couplings :math:`K_0, K_1, \\dots, K_n` of repeated decimation, by iterating :func:`decimated_coupling`.

    The closed form is :math:`K_n = \\operatorname{artanh}(\\tanh^{2^n} K)`; the tests check one
    against the other.

    Returns
    -------
    ndarray of float64, shape (n_steps + 1,)
    """
    K = check_real(K, "K")
    n_steps = check_int(n_steps, "n_steps", minimum=0)
    out = [K]
    for _ in range(n_steps):
        out.append(decimated_coupling(out[-1]))
    return np.array(out)


# ----------------------------------------------------------------------------- Migdal–Kadanoff
def migdal_kadanoff_coupling(K: float, b: int = 2) -> float:
    """One Migdal–Kadanoff step of the square-lattice Ising model with scale factor b.

    Move the bonds of each b×b cell onto a skeleton (K → bK), then decimate the b − 1 inner
    spins of each skeleton row, a chain of b bonds: :math:`\\tanh K' = \\tanh^b(bK)`. For
    b = 2, :math:`K' = \\tfrac12 \\ln\\cosh 4K`.

    Parameters
    ----------
    K : float
        Coupling J/k_BT ≥ 0.
    b : int
        Scale factor, at least 2.

    References
    ----------
    A. A. Migdal, Sov. Phys. JETP 42, 743 (1976); L. P. Kadanoff, Ann. Phys. 100, 359 (1976).
    """
    K = check_real(K, "K")
    if K < 0:
        raise ValueError(f"K must be non-negative; got {K}")
    b = check_int(b, "b", minimum=2)
    if K == 0:
        return 0.0
    x = float(np.exp(-2 * b * K))
    if x == 0.0:  # 1 − tanh^b(bK) ≈ 2b e^{−2bK} below the smallest double: the asymptote
        return float(b * K - 0.5 * np.log(b))
    # ln tanh^b(bK) = b [ln(1 − x) − ln(1 + x)], accurate for small x (large K); then
    # artanh y = ½ [ln(1 + y) − ln(1 − y)] with 1 − y = −expm1(ln y), accurate near y = 1.
    log_y = b * (np.log1p(-x) - np.log1p(x))
    return float(0.5 * (np.log1p(np.exp(log_y)) - np.log(-np.expm1(log_y))))


def migdal_kadanoff_slope(K: float, b: int = 2) -> float:
    """:math:`dK'/dK` of :func:`migdal_kadanoff_coupling`: :math:`b^2 t^{b-1}(1-t^2)/(1-t^{2b})`, t = tanh bK.

    At the fixed point this is the thermal eigenvalue :math:`\\lambda_t = b^{y_t}`; for b = 2
    it is :math:`2\\tanh 4K`.
    """
    K = check_real(K, "K")
    if K < 0:
        raise ValueError(f"K must be non-negative; got {K}")
    b = check_int(b, "b", minimum=2)
    x = float(np.exp(-2 * b * K))
    if x == 0.0:
        return float(b)  # K' ≈ bK − ½ ln b: the slope tends to b
    if x == 1.0:
        return 0.0  # K = 0 (or below double precision): K' ≈ (bK)^b is flat
    # With t = tanh bK = (1 − x)/(1 + x): 1 − t² = 4x/(1 + x)², and 1 − t^{2b} = −expm1(2b ln t),
    # both without cancellation as t → 1.
    log_t = np.log1p(-x) - np.log1p(x)
    return float(b * b * np.exp((b - 1) * log_t) * 4 * x / (1 + x) ** 2 / -np.expm1(2 * b * log_t))


def migdal_kadanoff_fixed_point(b: int = 2) -> tuple[float, float]:
    """The non-trivial fixed point K* of :func:`migdal_kadanoff_coupling` and its y_t.

    Returns
    -------
    K_star : float
        The unstable fixed point, 0 < K* < ∞ (0.30469 for b = 2; exact K_c = 0.44069).
    y_t : float
        :math:`\\ln(dK'/dK|_{K^*}) / \\ln b` (0.747 for b = 2; exact y_t = 1).
    """
    from scipy.optimize import brentq

    b = check_int(b, "b", minimum=2)
    # K' − K is negative at small K (K' ≈ (bK)^b ≪ K) and positive at large K (K' ≈ bK − ½ ln b).
    K_star = brentq(lambda K: migdal_kadanoff_coupling(K, b) - K, 1e-3, 5.0, xtol=1e-15, rtol=1e-15)
    return float(K_star), float(np.log(migdal_kadanoff_slope(K_star, b)) / np.log(b))


def migdal_kadanoff_flow(K: float, n_steps: int, b: int = 2) -> np.ndarray:
    """Couplings :math:`K_0, \\dots, K_n` of repeated Migdal–Kadanoff steps.

    Returns
    -------
    ndarray of float64, shape (n_steps + 1,)
    """
    n_steps = check_int(n_steps, "n_steps", minimum=0)
    out = [check_real(K, "K")]
    for _ in range(n_steps):
        out.append(migdal_kadanoff_coupling(out[-1], b))
    return np.array(out)
