"""Training machinery behind :meth:`rgkit.rbm.RBM.fit`: contrastive divergence, monitoring, AIS.

Kept apart from the model so that ``rbm.py`` reads as the definition of an RBM. Everything
here works on plain arrays (W, a, b) in float32 or float64; the dense products go to BLAS.
"""

from __future__ import annotations

import math
import numbers

import numpy as np
from numba import njit
from scipy.special import expit, logsumexp

from ._rng import make_state, next_double
from ._validate import check_int, check_real


def check_training_data(data: object, n_visible: int, units: str) -> tuple[np.ndarray, bool]:
    """Validate training data; return it (float, not copied if already float) and whether it is all exact states.

    Spin units take values in [-1, 1] and binary units in [0, 1]: exact states, or the
    conditional means of the layer below when training an upper layer of a DBN.
    """
    arr = np.asarray(data)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"data must be a numeric array; got dtype {arr.dtype}")
    if arr.ndim != 2 or arr.shape[1] != n_visible:
        raise ValueError(f"data must have shape (n_samples, {n_visible}); got {arr.shape}")
    if arr.shape[0] < 1:
        raise ValueError("data must hold at least one sample")
    if arr.dtype.kind != "f":
        arr = arr.astype(np.float32 if arr.size > 1 << 22 else np.float64)
    lo, hi = arr.min(), arr.max()
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise ValueError("data must be finite")
    low = -1.0 if units == "spin" else 0.0
    if lo < low or hi > 1.0:
        allowed = "±1 states or means in [-1, 1]" if units == "spin" else "0/1 states or means in [0, 1]"
        raise ValueError(f"data for {units} units must be {allowed}; got values in [{lo}, {hi}]")
    exact = bool(np.all((arr == low) | (arr == 1.0)))  # one pass; cheaper than a float64 copy
    return arr, exact


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


def layer_mean(x: np.ndarray, units: str) -> np.ndarray:
    return np.tanh(x) if units == "spin" else expit(x)


@njit(cache=True)
def _logistic_draw(x, scale, low, state):
    # One fused pass: sigmoid, uniform draw and comparison, with no temporary arrays.
    flat = x.ravel()
    out = np.empty_like(flat)
    for i in range(flat.size):
        z = scale * flat[i]
        p = 1.0 / (1.0 + math.exp(-z)) if z > -700.0 else 0.0
        out[i] = 1.0 if next_double(state) < p else low
    return out.reshape(x.shape)


def layer_sample(x: np.ndarray, units: str, rng: np.random.Generator) -> np.ndarray:
    """Draw a layer given its fields x: P(+1) = σ(2x) for spins, P(1) = σ(x) for bits."""
    x = np.ascontiguousarray(x)
    if units == "spin":
        return _logistic_draw(x, 2.0, -1.0, make_state(rng))
    return _logistic_draw(x, 1.0, 0.0, make_state(rng))


def cd_gradient(
    W: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    v0: np.ndarray,
    k: int,
    units: str,
    rng: np.random.Generator,
    chains: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The CD-k (or, with ``chains``, PCD-k) estimate of the log-likelihood gradient.

    The positive phase uses the exact hidden means given the data; the negative phase runs
    k steps of block Gibbs sampling from the data (CD) or from persistent chains (PCD) and
    uses the hidden means of the final visible states. Returns (gW, ga, gb, final chains).
    """
    x0 = v0 @ W
    x0 += b
    ph0 = layer_mean(x0, units)
    h = layer_sample(x0 if chains is None else chains @ W + b, units, rng)
    for step in range(k):
        v = layer_sample(h @ W.T + a, units, rng)
        if step < k - 1:
            h = layer_sample(v @ W + b, units, rng)
    phk = layer_mean(v @ W + b, units)
    n = v0.shape[0]
    gW = (v0.T @ ph0 - v.T @ phk) / n
    ga = (v0.sum(axis=0) - v.sum(axis=0)) / n
    gb = (ph0.sum(axis=0) - phk.sum(axis=0)) / n
    return gW, ga, gb, v


def log_sum_unit(x: np.ndarray, units: str) -> np.ndarray:
    return np.logaddexp(x, -x) if units == "spin" else np.logaddexp(0.0, x)


def free_energy(W, a, b, v, units) -> np.ndarray:
    return -(v @ a) - log_sum_unit(v @ W + b, units).sum(axis=1)


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
    log_z_base = float(log_sum_unit(a, units).sum() + n_hidden * np.log(2.0))
    # Draw v exactly from the base model (independent units with fields a).
    v = layer_sample(np.broadcast_to(a, (n_chains, a.size)).copy(), units, rng)
    log_w = np.zeros(n_chains)

    def log_p_star(v, beta):  # ln Σ_h e^{-E_β(v, h)}
        return v @ a + log_sum_unit(beta * (v @ W + b), units).sum(axis=1)

    for beta_prev, beta in zip(betas[:-1], betas[1:], strict=True):
        log_w += log_p_star(v, beta) - log_p_star(v, beta_prev)
        h = layer_sample(beta * (v @ W + b), units, rng)
        v = layer_sample(beta * (h @ W.T) + a, units, rng)
    log_mean_w = float(logsumexp(log_w) - np.log(n_chains))
    w = np.exp(log_w - log_w.max())
    rel_err = float(w.std(ddof=1) / w.mean() / np.sqrt(n_chains))
    return log_z_base + log_mean_w, rel_err
