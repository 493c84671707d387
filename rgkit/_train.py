"""Training machinery behind :meth:`rgkit.rbm.RBM.fit`: the sampling kernel, contrastive divergence, monitoring, AIS.

Kept apart from the model so that ``rbm.py`` reads as the definition of an RBM. Everything
here works on plain arrays (W, a, b) in float32 or float64; the dense products go to BLAS.
"""

from __future__ import annotations

import numbers

import numpy as np
from numba import njit
from scipy.special import logsumexp

from ._rng import draw_base, stream_state
from ._rng import step as rng_step
from ._validate import check_int, check_real
from .states import log_sum_units


def check_momentum(momentum: object) -> tuple[float, float, int]:
    """Return (initial, final, switch_epoch) from a float or such a triple."""
    if isinstance(momentum, numbers.Real) and not isinstance(momentum, bool):
        m = check_real(momentum, "momentum")
        triple = (m, m, 0)
    elif isinstance(momentum, tuple) and len(momentum) == 3:
        triple = (
            check_real(momentum[0], "momentum[0]"),
            check_real(momentum[1], "momentum[1]"),
            check_int(momentum[2], "momentum[2]", minimum=0),
        )
    else:
        raise TypeError("momentum must be a float or a tuple (initial, final, switch_epoch)")
    if not (0 <= triple[0] < 1 and 0 <= triple[1] < 1):
        raise ValueError(f"momentum must lie in [0, 1); got {momentum}")
    return triple


@njit(cache=True)
def _draw_given_odds(q, low, base, out):
    """Set ``out[i, j]`` to 1 with probability 1 / (1 + q[i, j]), else to ``low``.

    Row ``i`` draws from xoshiro256+ stream ``i`` of ``base`` (:func:`rgkit._rng.stream_state`).
    ``out`` may be float (training) or int8 (the public samplers); the values are the same.
    (A parallel loop over rows was slower here: its threads contend with OpenBLAS's.)
    """
    n, m = q.shape
    for i in range(n):
        s0, s1, s2, s3 = stream_state(base, i)
        for j in range(m):
            r, s0, s1, s2, s3 = rng_step(s0, s1, s2, s3)
            u = float(r) * 1.1102230246251565e-16  # uniform in [0, 1), 2^-53 steps
            # u < 1/(1 + q)  <=>  u (1 + q) < 1; branchless, since the outcome is a coin flip.
            hit = u * (1.0 + q[i, j]) < 1.0
            out[i, j] = low + (1.0 - low) * hit
    return out


def layer_mean(x: np.ndarray, units: str) -> np.ndarray:
    """Conditional means of a layer given its fields: tanh(x) for spins, σ(x) for bits."""
    if units == "spin":
        return np.tanh(x)
    with np.errstate(over="ignore"):  # exp(-x) = inf for x << 0 gives σ = 0, as it should
        return 1.0 / (1.0 + np.exp(-x))


def layer_sample(x: np.ndarray, units: str, rng: np.random.Generator, dtype=None) -> np.ndarray:
    """Draw a layer given its fields x: P(+1) = σ(2x) for spins, P(1) = σ(x) for bits.

    The one sampling path of :mod:`rgkit.rbm`: training and the public samplers both call it.
    The odds e^{-x} are computed by numpy's vectorised exp; numba only draws and compares.

    Parameters
    ----------
    x : array of float, shape (..., n_units)
    units : {"spin", "binary"}
    rng : numpy Generator
        Gives the one uint64 that seeds this call's streams.
    dtype : numpy dtype, optional
        Of the result; the dtype of ``x`` by default (int8 for the public samplers).

    Returns
    -------
    ndarray, the shape of ``x``
        States in the encoding ``units``.
    """
    x = np.ascontiguousarray(x)
    shape = x.shape
    x2 = x.reshape(-1, shape[-1]) if x.ndim != 2 else x
    with np.errstate(over="ignore"):
        q = np.exp(-2 * x2 if units == "spin" else -x2)
    out = np.empty(q.shape, dtype=q.dtype if dtype is None else dtype)
    _draw_given_odds(q, -1.0 if units == "spin" else 0.0, draw_base(rng), out)
    return out.reshape(shape)


def cd_gradient(
    W: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    v0: np.ndarray,
    k: int,
    units: str,
    rng: np.random.Generator,
    chains: np.ndarray | None = None,
    visible_mean: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The CD-k (or, with ``chains``, PCD-k) estimate of the log-likelihood gradient.

    The positive phase uses the exact hidden means given the data; the negative phase runs
    k steps of block Gibbs sampling from the data (CD) or from persistent chains (PCD) and
    uses the hidden means of the final visible states. Each phase is averaged over its own
    states: the positive over the data rows, the negative over the chains (as many as the data
    rows in CD, any number in PCD). Returns (gW, ga, gb, final chains).

    With ``visible_mean`` the negative phase puts the visible conditional means in place of
    visible samples (the hidden layer is still sampled), as Hinton & Salakhutdinov's
    ``rbm.m`` does in its CD-1: ``negdata = σ(poshidstates W' + a)``.
    """
    x0 = v0 @ W
    x0 += b
    ph0 = layer_mean(x0, units)
    h = layer_sample(x0 if chains is None else chains @ W + b, units, rng)
    for step in range(k):
        x = h @ W.T + a
        v = layer_mean(x, units) if visible_mean else layer_sample(x, units, rng)
        if step < k - 1:
            h = layer_sample(v @ W + b, units, rng)
    phk = layer_mean(v @ W + b, units)
    n = v0.shape[0]
    # Negative phase sums rescaled to n rows; ratio = 1 (exact, no rounding) in CD.
    ratio = n / v.shape[0]
    gW = (v0.T @ ph0 - ratio * (v.T @ phk)) / n
    ga = (v0.sum(axis=0) - ratio * v.sum(axis=0)) / n
    gb = (ph0.sum(axis=0) - ratio * phk.sum(axis=0)) / n
    return gW, ga, gb, v


def free_energy(W, a, b, v, units) -> np.ndarray:
    return -(v @ a) - log_sum_units(v @ W + b, units).sum(axis=1)


def pseudo_log_likelihood(W, a, b, v, units, rng) -> float:
    """Mean stochastic pseudo-log-likelihood, N · ln p(v_i | v_-i) at one random site per sample."""
    n, n_vis = v.shape
    site = rng.integers(0, n_vis, size=n)
    flipped = v.copy()
    rows = np.arange(n)
    flipped[rows, site] = -v[rows, site] if units == "spin" else 1 - v[rows, site]
    diff = free_energy(W, a, b, v, units) - free_energy(W, a, b, flipped, units)
    return float(np.mean(-n_vis * np.logaddexp(0.0, diff)))


def reconstruction_error(W, a, b, v, units) -> float:
    """Mean squared difference per unit between data and its mean-field reconstruction."""
    h = layer_mean(v @ W + b, units)
    r = layer_mean(h @ W.T + a, units)
    return float(np.mean((v - r) ** 2))


def ais_log_partition(
    W: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    units: str,
    *,
    n_chains: int,
    n_betas: int,
    rng: np.random.Generator,
) -> tuple[float, float]:
    """Annealed importance sampling estimate of ln Z and its standard error.

    Anneals from the base model with the same visible biases and no couplings or hidden
    biases (whose ln Z is exact) to the RBM, along E_β = -a·v - β (b·h + vᵀWh), with a
    Gibbs transition at each β.

    References
    ----------
    R. Salakhutdinov and I. Murray, "On the quantitative analysis of deep belief networks",
    ICML (2008); R. M. Neal, Statistics and Computing 11, 125 (2001).
    """
    n_hidden = W.shape[1]
    betas = np.linspace(0.0, 1.0, n_betas)
    log_z_base = float(log_sum_units(a, units).sum() + n_hidden * np.log(2.0))
    # Draw v exactly from the base model (independent units with fields a).
    v = layer_sample(np.broadcast_to(a, (n_chains, a.size)).copy(), units, rng)
    log_w = np.zeros(n_chains)

    def log_p_star(v, beta):  # ln Σ_h e^{-E_β(v, h)}
        return v @ a + log_sum_units(beta * (v @ W + b), units).sum(axis=1)

    for beta_prev, beta in zip(betas[:-1], betas[1:], strict=True):
        log_w += log_p_star(v, beta) - log_p_star(v, beta_prev)
        h = layer_sample(beta * (v @ W + b), units, rng)
        v = layer_sample(beta * (h @ W.T) + a, units, rng)
    log_mean_w = float(logsumexp(log_w) - np.log(n_chains))
    w = np.exp(log_w - log_w.max())
    rel_err = float(w.std(ddof=1) / w.mean() / np.sqrt(n_chains))
    return log_z_base + log_mean_w, rel_err
