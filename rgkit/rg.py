"""Hand-made real-space renormalization: majority-rule block spins on the square lattice and
decimation of the Ising ring.

These are the coarse-graining maps that learned ones are measured against
(:mod:`rgkit.compare`).
"""

from __future__ import annotations

import numpy as np

from ._validate import check_int, check_real, check_spins, rng_from


def majority_rule(spins: np.ndarray, b: int, *, seed: int | np.random.Generator | None = None) -> np.ndarray:
    """Majority-rule block spins: each b×b block becomes the sign of its sum.

    Ties (possible for even b) are broken by a fair coin, drawn from ``seed``.

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
    s = check_spins(spins, dim=2)
    b = check_int(b, "b", minimum=2)
    n, L, _ = s.shape
    if L % b:
        raise ValueError(f"the lattice side L = {L} must be divisible by the block side b = {b}")
    sums = s.astype(np.int32).reshape(n, L // b, b, L // b, b).sum(axis=(2, 4))
    coin = np.where(rng_from(seed).random(sums.shape) < 0.5, -1, 1)
    return np.where(sums > 0, 1, np.where(sums < 0, -1, coin)).astype(np.int8)


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
